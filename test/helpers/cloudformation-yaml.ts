/**
 * What CloudFormation refuses in a YAML template that linters accept: anchors and aliases ("YAML
 * aliases are not allowed in CloudFormation templates"; it reads YAML 1.1 without aliases or hash
 * merges) and merge keys. cfn-lint resolves them and passes the template; the service does not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlias, isNode, isPair, isScalar, parseDocument, visit } from 'yaml';

/** The anchors, aliases and merge keys in a YAML text: `&a1`, `*a1`, `<<`. */
export function yamlRefusedByCloudFormation(text: string): string[] {
  const found: string[] = [];
  visit(parseDocument(text), {
    Node(_key, node) {
      if (isAlias(node)) found.push(`*${node.source}`);
      else if (isNode(node) && node.anchor) found.push(`&${node.anchor}`);
    },
    Pair(_key, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === '<<') found.push('<<');
    },
  });
  return found;
}

/** Every file under `dir` whose name ends with `suffix`, relative to `dir`. */
export function filesEndingWith(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** Each file's refused constructs, for the files that have any: `{}` when CloudFormation reads them all. */
export function refusedInTemplates(dir: string, files: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(
    files
      .map((file) => [file, yamlRefusedByCloudFormation(readFileSync(join(dir, file), 'utf8'))] as const)
      .filter(([, refused]) => refused.length > 0),
  );
}
