/**
 * A template as CloudFormation reads YAML. CloudFormation parses YAML 1.1 without aliases or hash
 * merges (its "template formats" guide), and a linter that resolves either passes a template the
 * service refuses ("YAML aliases are not allowed in CloudFormation templates"). So:
 *
 * - every value is written out where it stands, never as an anchor and alias (a statement's
 *   actions shared by two keys' policies would otherwise become one);
 * - strings that YAML 1.1 would read as something else are quoted: a tag value `yes`, `on` or
 *   `off` (a boolean there), `12:30` (a base-60 number), `1_000`, `2026-01-01` (a timestamp).
 *   Written as YAML 1.2 they would be plain, and a tenant's tag value would change on deploy.
 */
import { stringify } from 'yaml';

export const cloudFormationYaml = (template: unknown): string =>
  stringify(template, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
