import { readFileSync } from 'node:fs';

interface PackageJson {
  version: string;
  homepage?: string;
  repository?: string | { url?: string };
}

/** package.json, read once (one directory above both src/ and dist/). */
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson;

/** The package version. */
export const TOOL_VERSION: string = PACKAGE.version;

/** The repository's web address (https://github.com/owner/name), from package.json's `repository`. */
export const REPOSITORY_URL: string | undefined = (() => {
  const url = typeof PACKAGE.repository === 'string' ? PACKAGE.repository : PACKAGE.repository?.url;
  return url?.replace(/^git\+/, '').replace(/\.git$/, '');
})();

/** Where a rule's generated page (docs/rules/<id>.md) is published, for SARIF helpUri. */
export const ruleDocsUrl = (ruleId: string): string | undefined =>
  REPOSITORY_URL ? `${REPOSITORY_URL}/blob/main/docs/rules/${encodeURIComponent(ruleId)}.md` : undefined;
