/**
 * Tenant text that the shared escaping helpers (escape.ts, text-table.ts) must neutralise in every
 * format that shows it to people: character references and mentions in Markdown, bidi and invisible
 * characters in GitHub annotations, on the terminal and in HTML.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { Report } from '../../src/model/report.js';
import {
  escapeControl,
  escapeHtml,
  escapeTerminalOutput,
  markdownCode,
  markdownText,
} from '../../src/reporters/escape.js';
import { escapeData, escapeProperty, renderGithub } from '../../src/reporters/github.js';
import { renderGitlab } from '../../src/reporters/gitlab.js';
import { renderSarif } from '../../src/reporters/sarif.js';
import { canonicalReport } from './fixture.js';

describe('Markdown text', () => {
  // CommonMark decodes entity and numeric character references in text (not in code spans):
  // https://spec.commonmark.org/0.31.2/#entity-and-numeric-character-references
  it.each([
    ['a numeric reference to a bidi override', 'admin&#x202E;gnp.exe', 'admin&amp;#x202E;gnp.exe'],
    // (a # before a digit is also kept from linking an issue: see below)
    ['a decimal reference to a zero-width space', 'prod&#8203;', 'prod&amp;#&#8203;8203;'],
    ['a named reference', 'a&lt;b&amp;c', 'a&amp;lt;b&amp;amp;c'],
    ['a reference that would open a tag', '&#60;img src=x>', '&amp;#&#8203;60;img src=x>'],
    ['a bare ampersand', 'R&D', 'R&amp;D'],
  ])('%s is shown as written, never decoded', (_name, raw, shown) => {
    expect(markdownText(raw)).toBe(shown);
  });

  // "You can mention a person or team on GitHub by typing @ plus their username or team name. This
  // will trigger a notification" (docs.github.com, basic writing and formatting syntax, #mentioning-people-and-teams).
  it.each([
    ['a user', '@octocat', '@&#8203;octocat'],
    ['a team', 'owner: @my-org/platform', 'owner: @&#8203;my-org/platform'],
    ['two in a line', '@a,@b', '@&#8203;a,@&#8203;b'],
    ['after a line feed', 'x\n@a', 'x<br>@&#8203;a'],
    ['an e-mail address stays as written', 'ops@example.com', 'ops@example.com'],
    ['a lone @ stays', 'a @ b', 'a @ b'],
  ])('%s cannot be mentioned', (_name, raw, shown) => {
    expect(markdownText(raw)).toBe(shown);
  });

  // "Within conversations on GitHub, references to issues and pull requests are automatically
  // converted to shortened links": #26, GH-26, owner/repo#26 (docs.github.com, autolinked references
  // and URLs, https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/autolinked-references-and-urls),
  // and a link from a comment is a cross-reference on that issue or pull request.
  it.each([
    ['an issue number', 'ticket #123', 'ticket #&#8203;123'],
    ['at the start of a line (also not a heading)', '#7 first\n#8', '\\#&#8203;7 first<br>\\#&#8203;8'],
    ['another repository', 'see octo-org/octo-repo#42', 'see octo-org/octo-repo#&#8203;42'],
    ['GH- and a number', 'GH-26,gh-27', 'GH-&#8203;26,gh-&#8203;27'],
    ['a number after a word', 'prod#1', 'prod#&#8203;1'],
    ['a # not before a digit stays', 'team #ml and C#', 'team #ml and C#'],
    ['GH- inside a word stays', 'HIGH-26', 'HIGH-26'],
  ])('%s links to no issue or pull request', (_name, raw, shown) => {
    expect(markdownText(raw)).toBe(shown);
  });

  it('a code span keeps its text verbatim: references are not decoded there, nor mentions made', () => {
    expect(markdownCode('&#x202E;@octocat')).toBe('`&#x202E;@octocat`');
  });
});

/** Invisible characters: two names that differ only by one look the same. */
const INVISIBLE: readonly (readonly [name: string, raw: string, shown: string])[] = [
  ['zero-width space', 'prod\u200b', 'prod\\u200b'],
  ['zero-width non-joiner', 'pr\u200cod', 'pr\\u200cod'],
  ['zero-width joiner', 'pr\u200dod', 'pr\\u200dod'],
  ['word joiner', 'pr\u2060od', 'pr\\u2060od'],
  ['invisible separator', 'pr\u2063od', 'pr\\u2063od'],
  ['zero-width no-break space (BOM)', '\ufeffprod', '\\ufeffprod'],
  ['soft hyphen', 'pr\u00adod', 'pr\\u00adod'],
  ['Mongolian vowel separator', 'pr\u180eod', 'pr\\u180eod'],
];

describe('invisible characters', () => {
  it.each(INVISIBLE)(
    'a %s is shown as a visible escape on the terminal, in Markdown and HTML',
    (_n, raw, shown) => {
      expect(escapeControl(raw)).toBe(shown);
      expect(markdownText(raw)).toBe(shown);
      expect(escapeHtml(raw)).toBe(shown);
    },
  );
});

/**
 * Noncharacters: code points Unicode reserves for a program's own use, never for text exchanged
 * (U+FDD0..U+FDEF and the last two of every plane, U+FFFE, U+FFFF, U+1FFFE ... U+10FFFF; Unicode
 * Standard, section 23.7, https://www.unicode.org/faq/private_use.html#noncharacters). A terminal
 * or a page shows them as nothing or as a box, so two names that differ by one look the same.
 */
const NONCHARACTERS: readonly (readonly [name: string, raw: string, shown: string])[] = [
  ['U+FFFE', 'pr\ufffeod', 'pr\\ufffeod'],
  ['U+FFFF', 'prod\uffff', 'prod\\uffff'],
  ['U+FDD0', '\ufdd0prod', '\\ufdd0prod'],
  ['U+FDEF', 'pr\ufdefod', 'pr\\ufdefod'],
  ['U+1FFFE', 'pr\u{1fffe}od', 'pr\\ud83f\\udffeod'],
  ['U+10FFFF', 'prod\u{10ffff}', 'prod\\udbff\\udfff'],
];

describe('noncharacters', () => {
  it.each(NONCHARACTERS)(
    '%s is shown as a visible escape on the terminal, in Markdown and HTML',
    (_n, raw, shown) => {
      expect(escapeControl(raw)).toBe(shown);
      expect(markdownText(raw)).toBe(shown);
      expect(escapeHtml(raw)).toBe(shown);
      expect(escapeTerminalOutput(raw, { color: true, progress: false })).toBe(shown);
    },
  );

  it('the written escapes read back, as JSON, as the same text', () => {
    for (const [, raw, shown] of NONCHARACTERS) expect(JSON.parse(`"${shown}"`)).toBe(raw);
  });

  it('characters next to them are left alone: U+FDCF, U+FDF0, U+FFFD, U+1FFFD, and emoji', () => {
    const text = '\ufdcf\ufdf0\ufffd\u{1fffd}\u{1f600}\u{10fffd}';
    expect(escapeControl(text)).toBe(text);
  });
});

describe('GitHub annotations', () => {
  it.each([
    ['RLO', 'admin\u202egnp.exe', 'admin\\u202egnp.exe'],
    ['LRI..PDI', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['RLM', 'a\u200fb', 'a\\u200fb'],
    ['ALM', 'a\u061cb', 'a\\u061cb'],
    ['zero-width space', 'prod\u200b', 'prod\\u200b'],
    ['C1 CSI', 'a\u009b2J', 'a\\u009b2J'],
    ['ESC', '\u001b[31m', '\\u001b[31m'],
  ])('a %s is a visible escape in the message and in properties', (_name, raw, shown) => {
    expect(escapeData(raw)).toBe(shown);
    expect(escapeProperty(raw)).toBe(shown);
  });

  it('line ends still end nothing: CR and LF are the runner escapes, % first', () => {
    expect(escapeData('a\r\n::error::x%0A')).toBe('a%0D%0A::error::x%250A');
  });

  it('a report whose names carry bidi overrides annotates with no raw bidi character', () => {
    const report = canonicalReport();
    const evil = 'c\u202eexe.txt\u2066';
    const findings: Finding[] = report.findings.map((f) => ({
      ...f,
      resource: { ...f.resource, cluster: evil, instanceGroup: evil },
    }));
    const out = renderGithub({ ...report, findings } as Report);
    expect(out).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain('c\\u202eexe.txt\\u2066/c\\u202eexe.txt\\u2066: ');
  });
});

/** Bidi, C1 and invisible characters that a reviewer's browser would act on. */
const RAW_IN_TEXT = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** The canonical report with a tenant's text in every finding's names, message and suppression reason. */
function hostileReport(): Report {
  const report = canonicalReport();
  const evil = 'c\u202eexe.txt\u2066\u0085\u001b[2J\u200b';
  const findings: Finding[] = report.findings.map((f) => ({
    ...f,
    message: `${f.message} ${evil}`,
    resource: { ...f.resource, cluster: evil, instanceGroup: evil },
    ...(f.suppressed ? { suppressed: { ...f.suppressed, reason: `${f.suppressed.reason} ${evil}` } } : {}),
  }));
  const issues = report.issues.map((issue) => ({ ...issue, message: `${issue.message} ${evil}` }));
  return { ...report, findings, issues } as Report;
}

describe('code scanning and code quality text', () => {
  // Code scanning shows results' messages as annotations on a pull request's diff:
  // https://docs.github.com/en/code-security/code-scanning/managing-code-scanning-alerts/triaging-code-scanning-alerts-in-pull-requests
  it('SARIF messages, notifications and justifications carry visible escapes, never the raw characters', () => {
    const log = JSON.parse(renderSarif(hostileReport())) as {
      runs: {
        results: { message: { text: string }; suppressions?: { justification: string }[] }[];
        invocations: { toolExecutionNotifications: { message: { text: string } }[] }[];
      }[];
    };
    const run = log.runs[0]!;
    const texts = [
      ...run.results.map((r) => r.message.text),
      ...run.results.flatMap((r) => (r.suppressions ?? []).map((s) => s.justification)),
      ...run.invocations.flatMap((i) => i.toolExecutionNotifications.map((n) => n.message.text)),
    ];
    expect(run.results.length).toBeGreaterThan(0);
    expect(run.results.some((r) => r.suppressions)).toBe(true);
    expect(texts.filter((text) => RAW_IN_TEXT.test(text))).toEqual([]);
    expect(
      texts.filter((text) => text.includes('c\\u202eexe.txt\\u2066\\u0085\\x1b[2J\\u200b')),
    ).toHaveLength(texts.length);
  });

  it('GitLab Code Quality descriptions carry visible escapes; fingerprints are unchanged', () => {
    const report = hostileReport();
    const original = JSON.parse(renderGitlab(report)) as { description: string; fingerprint: string }[];
    expect(original.length).toBeGreaterThan(0);
    const judged = report.findings.filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN');
    expect(original.slice(0, judged.length).map((issue) => issue.fingerprint)).toEqual(
      judged.map((f) => f.fingerprint),
    );
    expect(original.filter((issue) => RAW_IN_TEXT.test(issue.description))).toEqual([]);
    expect(
      original.every((issue) => issue.description.includes('c\\u202eexe.txt\\u2066\\u0085\\x1b[2J\\u200b')),
    ).toBe(true);
  });
});
