/**
 * Adding a rule is one file plus its test: the catalog is discovered from `src/rules/<domain>/*.ts`
 * and must equal `RULES`, with each id equal to its file name and its folder equal to the id's prefix.
 */

import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/rules/define-rule.js';
import { RULES } from '../../src/rules/registry.js';
import { redirections } from '../helpers/shell.js';

const RULES_DIR = join(import.meta.dirname, '../../src/rules');
const DOMAINS = readdirSync(RULES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const RULE_FILES = DOMAINS.flatMap((domain) =>
  readdirSync(join(RULES_DIR, domain))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(RULES_DIR, domain, name)),
);

describe('the rule catalog', () => {
  it('has rule files to discover', () => {
    expect(DOMAINS.length).toBeGreaterThan(0);
    expect(RULE_FILES.length).toBeGreaterThan(0);
  });

  it.each(RULE_FILES.map((file) => [basename(file, '.ts'), file]))(
    '%s: default export is a rule whose id is the file name and whose folder is its prefix',
    async (name, file) => {
      const module = (await import(pathToFileURL(file).href)) as { default?: Rule };
      const rule = module.default;
      expect(rule?.meta.id, `${file} exports a rule by default`).toBe(name);
      expect(basename(dirname(file))).toBe(name.split('-')[0]);
      expect(RULES, `${name} is registered in src/rules/registry.ts`).toContain(rule);
    },
  );

  it('registers exactly the discovered rules, each id once', () => {
    const ids = RULES.map((rule) => rule.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(RULE_FILES.map((file) => basename(file, '.ts')).sort());
  });
});

describe('what rules declare they need', () => {
  it('leaves exactly the CloudTrail rules out of the periodic Config rule', async () => {
    const { CONFIG_RULE_RULES } = await import('../../src/lambda/handler.js');
    const left = RULES.filter((rule) => !CONFIG_RULE_RULES.includes(rule)).map((rule) => rule.meta.id);
    expect(left.sort()).toEqual([
      'account-kms-audit-trail',
      'kms-key-policy-change-unapproved',
      'kms-key-unauthorized-access-attempts',
    ]);
  });

  it('names one rule whose evidence feeds the denied-calls figure, and one that needs governed keys', () => {
    const feeds = RULES.filter((rule) => rule.meta.feeds?.includes('denied-calls'));
    expect(feeds.map((rule) => rule.meta.id)).toEqual(['kms-key-unauthorized-access-attempts']);
    const governed = RULES.filter((rule) => rule.meta.needs?.includes('governed-keys'));
    expect(governed.map((rule) => rule.meta.id)).toEqual(['kms-key-unused']);
  });
});

describe('remediation commands', () => {
  it('finds a redirection outside quotes, and none inside', () => {
    expect(redirections('aws kms enable-key --key-id <key-arn>')).toHaveLength(2);
    expect(redirections('aws kms tag-resource --tags TagKey=owner,TagValue=<team>')).toHaveLength(2);
    expect(redirections('aws kms enable-key --key-id \'<key-arn>\' --x "<a>" --y \\<b\\>')).toEqual([]);
    expect(redirections('X="<a>" # a comment names <b>\naws kms enable-key --key-id <c>')).toHaveLength(2);
  });

  // A placeholder such as `<key-arn>` left unquoted is two redirections: pasted as it stands,
  // `--key-id <key-arn> --policy-name default` reads a file named key-arn and truncates one named
  // --policy-name. Quoted, it is a word AWS refuses as a key id until it is filled in.
  it.each(RULES.filter((rule) => rule.meta.remediation.cli).map((rule) => [rule.meta.id, rule]))(
    '%s: every placeholder in its CLI remediation is quoted',
    (_id, rule) => {
      expect(redirections((rule as Rule).meta.remediation.cli!)).toEqual([]);
    },
  );
});
