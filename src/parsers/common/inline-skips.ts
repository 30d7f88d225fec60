/**
 * Finds the inline skips written in IaC files, for the engine to turn into suppressions
 * (src/engine/inline-suppressions.ts):
 *
 * - a comment in Terraform (`#` or `//`) or YAML (`#`):
 *   `# hyperpod-cmk:skip=<rule-id>[,<rule-id>...] <reason>`, on the resource's first line, in the
 *   comment lines just above it, or inside its block;
 * - a CloudFormation resource's `Metadata` (YAML or JSON), as cfn-nag and cfn-lint do it:
 *   `Metadata: {hyperpod-cmk: {skip: [{id: <rule-id>, reason: <reason>}]}}`.
 *
 * Each skip names the resource by the line it is defined on, the line its cluster or key carries
 * as its location. A skip whose shape is wrong is an issue, never silently dropped.
 */
import type { InlineSkip } from '../../engine/inline-suppressions.js';
import type { SourceIssue } from '../../model/finding.js';
import { pushAll } from '../../model/many.js';
import type { CfnTemplate } from '../cloudformation/template.js';
import { getEntry, type SNode, scalarText } from './source-tree.js';

export type { InlineSkip };

const MARKER = 'hyperpod-cmk:skip';
const COMMENT_SKIP = /(?:#|\/\/)\s*hyperpod-cmk:skip\s*=\s*(\S*)(.*)$/;
const HCL_RESOURCE = /^(\s*)resource\s+"([^"]+)"\s+"([^"]+)"/;

interface ResourceHead {
  name: string;
  line: number;
  indent: number;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isBlankOrComment = (line: string, syntax: 'hcl' | 'yaml'): boolean => {
  const trimmed = line.trim();
  return (
    trimmed === '' ||
    trimmed.startsWith('#') ||
    (syntax === 'hcl' && (trimmed.startsWith('//') || trimmed.startsWith('/*') || trimmed.startsWith('*')))
  );
};

/** The last line (1-based) of the block that starts at `head`. */
function blockEnd(lines: readonly string[], head: ResourceHead, syntax: 'hcl' | 'yaml'): number {
  const first = lines[head.line - 1] ?? '';
  if (syntax === 'hcl' && (first.match(/\{/g)?.length ?? 0) <= (first.match(/\}/g)?.length ?? 0))
    return head.line;
  for (let i = head.line; i < lines.length; i++) {
    const line = lines[i]!;
    if (isBlankOrComment(line, syntax) || indentOf(line) > head.indent) continue;
    // Back at the resource's indentation: its closing brace (HCL), or the next block.
    return syntax === 'hcl' && line.trim().startsWith('}') ? i + 1 : i;
  }
  return lines.length;
}

/**
 * The resource a skip comment applies to: on its first line, just above it, or inside it. Built
 * once per file, so that a file with many comments and resources costs linear-ish work.
 */
function resourceLocator(lines: readonly string[], heads: readonly ResourceHead[], syntax: 'hcl' | 'yaml') {
  const sorted = [...heads].sort((a, b) => a.line - b.line);
  const byLine = new Map(sorted.map((head) => [head.line, head]));
  const ends = new Map<ResourceHead, number>();
  const endOf = (head: ResourceHead) => {
    let end = ends.get(head);
    if (end === undefined) {
      end = blockEnd(lines, head, syntax);
      ends.set(head, end);
    }
    return end;
  };
  /** The last resource starting before `lineNo` (binary search). */
  const before = (lineNo: number): ResourceHead | undefined => {
    let lo = 0;
    let hi = sorted.length - 1;
    let found: ResourceHead | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.line < lineNo) {
        found = sorted[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  return (lineNo: number): ResourceHead | undefined => {
    const on = byLine.get(lineNo);
    if (on) return on;
    if (isBlankOrComment(lines[lineNo - 1] ?? '', syntax)) {
      let next = lineNo + 1;
      while (next <= lines.length && isBlankOrComment(lines[next - 1]!, syntax)) next++;
      const below = byLine.get(next);
      if (below) return below;
    }
    const enclosing = before(lineNo);
    if (!enclosing || lineNo > endOf(enclosing)) return undefined;
    if (syntax === 'yaml' && indentOf(lines[lineNo - 1]!) <= enclosing.indent) return undefined;
    return enclosing;
  };
}

function commentSkips(
  text: string,
  file: string,
  heads: readonly ResourceHead[],
  syntax: 'hcl' | 'yaml',
  issues: SourceIssue[],
): InlineSkip[] {
  if (!text.includes(MARKER)) return [];
  const lines = text.split(/\r?\n/);
  const skips: InlineSkip[] = [];
  const resourceFor = resourceLocator(lines, heads, syntax);
  for (const [index, line] of lines.entries()) {
    if (!line.includes(MARKER)) continue;
    const match = COMMENT_SKIP.exec(line);
    if (!match) continue;
    const lineNo = index + 1;
    const head = resourceFor(lineNo);
    if (!head) {
      issues.push({
        code: 'iac.skip_no_resource',
        severity: 'warning',
        message: `a ${MARKER} comment that is not on, above or inside a resource: not honoured`,
        hint: 'put the comment on the line of the resource it accepts, or just above it',
        location: { file, line: lineNo },
      });
      continue;
    }
    const reason = (match[2] ?? '')
      .replace(/\*\/\s*$/, '')
      .replace(/\p{Cc}/gu, ' ')
      .trim();
    for (const ruleId of (match[1] ?? '').split(',')) {
      skips.push({
        file,
        line: lineNo,
        resourceLine: head.line,
        resource: head.name,
        ruleId: ruleId.trim(),
        reason,
        via: 'comment',
      });
    }
  }
  return skips;
}

/** Skip comments in a Terraform (HCL) file. */
export function terraformSkips(text: string, file: string, issues: SourceIssue[]): InlineSkip[] {
  if (!text.includes(MARKER)) return [];
  const heads: ResourceHead[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const match = HCL_RESOURCE.exec(line);
    if (match) heads.push({ name: `${match[2]}.${match[3]}`, line: index + 1, indent: match[1]!.length });
  }
  return commentSkips(text, file, heads, 'hcl', issues);
}

/** Skips in a CloudFormation template: its resources' Metadata, and (YAML) skip comments. */
export function cloudFormationSkips(
  template: CfnTemplate,
  text: string,
  format: 'yaml' | 'json',
  issues: SourceIssue[],
): InlineSkip[] {
  const skips: InlineSkip[] = [];
  for (const [name, resource] of template.resources) {
    const line = template.resourceLines.get(name) ?? resource.line;
    const section = getEntry(getEntry(resource, 'Metadata'), 'hyperpod-cmk');
    if (section === undefined) continue;
    const list = getEntry(section, 'skip');
    const malformed = (node: SNode | undefined, what: string) =>
      issues.push({
        code: 'iac.skip_malformed',
        severity: 'warning',
        message: `Metadata.hyperpod-cmk of ${name}: ${what}: not honoured`,
        hint: 'write Metadata: {hyperpod-cmk: {skip: [{id: <rule-id>, reason: <why>}]}}',
        location: { file: template.file, line: node?.line ?? line },
      });
    if (list?.kind !== 'seq') {
      malformed(list ?? section, '"skip" must be a list of {id, reason}');
      continue;
    }
    for (const item of list.items) {
      const id = scalarText(getEntry(item, 'id'));
      if (item.kind !== 'map' || id === undefined || id.trim() === '') {
        malformed(item, 'each skip needs an "id"');
        continue;
      }
      skips.push({
        file: template.file,
        line: item.line,
        resourceLine: line,
        resource: name,
        ruleId: id.trim(),
        reason: (scalarText(getEntry(item, 'reason')) ?? '').replace(/\p{Cc}/gu, ' ').trim(),
        via: 'metadata',
      });
    }
  }
  if (format === 'yaml' && text.includes(MARKER)) {
    const lines = text.split(/\r?\n/);
    const heads = [...template.resourceLines].map(([name, line]) => ({
      name,
      line,
      indent: indentOf(lines[line - 1] ?? ''),
    }));
    heads.sort((a, b) => a.line - b.line);
    pushAll(skips, commentSkips(text, template.file, heads, 'yaml', issues));
  }
  return skips;
}
