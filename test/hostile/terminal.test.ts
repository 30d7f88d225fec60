/**
 * Hostile text on the terminal and in Markdown: names, tags, aliases and file names that carry
 * escape sequences, carriage returns, C1 controls, bidi overrides and Markdown syntax are shown as
 * visible escapes or escaped text in every human format, on stdout and stderr, and survive
 * unchanged in JSON.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalGuard } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { progressLine } from '../../src/cli/progress.js';
import { resolveConfig } from '../../src/config/schema.js';
import { generateGuardrails } from '../../src/guardrails/index.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { escapeControl, markdownCode, markdownText } from '../../src/reporters/escape.js';
import { cluster, compliantEstate, group, key, NOW, roleArn, rootVolume } from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

/** Each attack, and exactly how it must be shown. */
const ATTACKS: readonly (readonly [name: string, raw: string, shown: string])[] = [
  ['clear screen', 'a\u001b[2J\u001b[Hb', 'a\\x1b[2J\\x1b[Hb'],
  ['window title (OSC, BEL)', 'a\u001b]0;pwned\u0007b', 'a\\x1b]0;pwned\\x07b'],
  [
    'hyperlink (OSC 8, ST)',
    '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\',
    '\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\',
  ],
  ['concealed text (SGR 8)', 'ok\u001b[8mhidden', 'ok\\x1b[8mhidden'],
  ['carriage return overwrite', 'evil\rgood', 'evil\\x0dgood'],
  ['line feed', 'a\nb', 'a\\x0ab'],
  ['tab', 'a\tb', 'a\\x09b'],
  ['backspace', 'abc\b\b', 'abc\\x08\\x08'],
  ['NUL', 'a\u0000b', 'a\\x00b'],
  ['DEL', 'a\u007fb', 'a\\u007fb'],
  ['C1 CSI', 'a\u009b2Jb', 'a\\u009b2Jb'],
  ['C1 NEL', 'a\u0085b', 'a\\u0085b'],
  ['RLO bidi override', 'admin\u202egnp.exe', 'admin\\u202egnp.exe'],
  ['LRI..PDI isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
  ['RLM mark', 'a\u200fb', 'a\\u200fb'],
  ['line separator', 'a\u2028b', 'a\\u2028b'],
];

/** Anything a terminal would act on, other than a line feed. */
const RAW =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** The same, allowing colour sequences (SGR) only. */
const RAW_BUT_COLOUR =
  /\u001b(?!\[[0-9;]*m)|[\u0000-\u0009\u000b-\u001a\u001c-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escapeControl', () => {
  it.each(ATTACKS)('%s is shown as a visible escape', (_name, raw, shown) => {
    expect(escapeControl(raw)).toBe(shown);
  });
  it('leaves printable text, backslashes and other scripts alone', () => {
    expect(escapeControl('café/ñ\\x1b 训练 שלום')).toBe('café/ñ\\x1b 训练 שלום');
  });
});

function hostileSnapshot(): string {
  const base = compliantEstate();
  const k = key('k9', { aliases: ['alias/\u001b]0;alias\u0007'] });
  const clusters = ATTACKS.map(([, raw], i) =>
    cluster(`c${i}${raw}`, [group(`g${raw}`, { volumes: [rootVolume(k.arn)] })], {
      tags: { owner: raw, project: 'p' },
    }),
  );
  return serializeSnapshot({ ...base, clusters: [...base.clusters, ...clusters], keys: [...base.keys, k] });
}

async function run(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-term-'));
  writeFileSync(join(dir, 'estate.json'), hostileSnapshot());
  const io = memoryIo({ cwd: dir, env });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('reports on the terminal', () => {
  it('the table shows every hostile cluster name escaped, on its own row', async () => {
    const { out } = await run(['evaluate', 'estate.json', '--now', NOW, '--limit', '0']);
    expect(out).not.toMatch(RAW);
    for (const [name, , shown] of ATTACKS) {
      const index = ATTACKS.findIndex(([n]) => n === name);
      const row = out.split('\n').find((line) => line.startsWith(`c${index}${shown}`.slice(0, 39)));
      expect([name, row !== undefined]).toEqual([name, true]);
    }
    expect(out).toContain('c4evil\\x0dgood');
  });

  it('in colour, the only escape sequences are the colours the tool writes', async () => {
    const { out } = await run(['evaluate', 'estate.json', '--now', NOW, '--limit', '0'], {
      FORCE_COLOR: '1',
    });
    expect(out).toMatch(/\u001b\[\d+m/);
    expect(out).not.toMatch(RAW_BUT_COLOUR);
    expect(out).toContain('ok\\x1b[8mhidden');
  });

  it('markdown and CSV on stdout carry no raw control characters either', async () => {
    for (const format of ['markdown', 'csv']) {
      const { out } = await run(['evaluate', 'estate.json', '--now', NOW, '--format', format]);
      // CSV ends its lines with CRLF (RFC 4180): a line end, not a control.
      expect([format, RAW.test(out.replace(/\r\n/g, '\n'))]).toEqual([format, false]);
    }
  });

  it('in colour too, markdown, CSV and HTML carry no escape sequence of their input (conceal, colours)', async () => {
    for (const format of ['markdown', 'csv', 'html']) {
      const { out } = await run(['evaluate', 'estate.json', '--now', NOW, '--format', format], {
        FORCE_COLOR: '1',
      });
      expect([format, RAW.test(out.replace(/\r\n/g, '\n'))]).toEqual([format, false]);
      expect([format, out.includes('ok\\x1b[8mhidden')]).toEqual([format, true]);
    }
  });

  it('JSON keeps every hostile value exactly, as valid JSON escapes', async () => {
    const { out } = await run(['evaluate', 'estate.json', '--now', NOW, '--format', 'json']);
    expect(out).not.toMatch(RAW);
    const report = JSON.parse(out) as { clusters: { name: string }[] };
    for (const [, raw] of ATTACKS)
      expect(report.clusters.map((c) => c.name)).toContain(
        `c${ATTACKS.findIndex(([, r]) => r === raw)}${raw}`,
      );
  });
});

describe('stderr', () => {
  it.each(ATTACKS)('a file name with %s is escaped in the error message', async (_name, raw, shown) => {
    const { code, err } = await run(['evaluate', `missing${raw}.json`]);
    expect(code).toBe(2);
    expect(err).toBe(
      `hyperpod-cmk: missing${shown}.json: no such file\n  hint: check the path of the inventory snapshot\n`,
    );
  });

  it('an unknown option carrying escapes is escaped in the usage error', async () => {
    const { code, err } = await run(['evaluate', '--\u001b[2Jx']);
    expect(code).toBe(2);
    expect(err).not.toMatch(RAW);
    expect(err).toContain('--\\x1b[2Jx');
  });

  it('the progress line keeps its own clear-line and escapes what it shows', () => {
    const io = memoryIo();
    const guarded = terminalGuard({ ...io, stderr: { write: io.stderr.write, isTTY: true } });
    const line = progressLine(guarded);
    line.update(() => 'scanning \u001b]0;x\u0007 \r\u001b[K');
    line.done();
    expect(io.err()).toBe('\r\u001b[Kscanning \\x1b]0;x\\x07 \\x0d\\x1b[K\r\u001b[K');
  });

  it('no progress line on a terminal that cannot move the cursor (TERM=dumb)', () => {
    const io = memoryIo({ env: { TERM: 'dumb' } });
    const line = progressLine(terminalGuard({ ...io, stderr: { write: io.stderr.write, isTTY: true } }));
    line.update(() => 'scanning');
    line.done();
    expect(io.err()).toBe('');
  });
});

describe('Markdown', () => {
  it.each([
    ['[click](https://evil.example)', '\\[click\\]\\(https://evil.example\\)'],
    ['![img](https://evil.example/x.png)', '\\!\\[img\\]\\(https://evil.example/x.png\\)'],
    ['`code` and ``more``', '\\`code\\` and \\`\\`more\\`\\`'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert\\(1\\)>'],
    ['a|b', 'a\\|b'],
    ['# heading', '\\# heading'],
    ['> quote', '\\> quote'],
    ['line\n# two', 'line<br>\\# two'],
    ['**bold** ~~gone~~ _it_', '\\*\\*bold\\*\\* \\~\\~gone\\~\\~ \\_it\\_'],
    ['\u001b[2J\u202e', '\\x1b\\[2J\\u202e'],
  ])('text %j is escaped', (raw, shown) => {
    expect(markdownText(raw)).toBe(shown);
  });

  it.each([
    ['plain', '`plain`'],
    ['a`b', '``a`b``'],
    ['``x', '``` ``x ```'],
    ['a|b', '`a\\|b`'],
    ['x\u001b]0;t\u0007', '`x\\x1b]0;t\\x07`'],
  ])('code %j keeps its text inside one code span', (raw, shown) => {
    expect(markdownCode(raw)).toBe(shown);
  });

  it('the markdown report escapes a hostile cluster name in its table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-md-'));
    const base = compliantEstate();
    const evil = cluster('[x](https://evil.example)|`y`<b>', [group('g')]);
    writeFileSync(
      join(dir, 'estate.json'),
      serializeSnapshot({ ...base, clusters: [...base.clusters, evil] }),
    );
    const io = memoryIo({ cwd: dir });
    await runCli(['evaluate', 'estate.json', '--now', NOW, '--format', 'markdown'], io);
    const lines = io.out().split('\n');
    // As text in the clusters table; verbatim inside one code span (where nothing is a link) in the findings.
    expect(lines).toContain(
      '| \\[x\\]\\(https://evil.example\\)\\|\\`y\\`&lt;b> | 111122223333 | us-east-1 | non-compliant | hyperpod-root-volume-cmk |',
    );
    expect(
      lines.some((line) =>
        line.startsWith('| `hyperpod-root-volume-cmk` | ``[x](https://evil.example)\\|`y`<b>/g`` | '),
      ),
    ).toBe(true);
  });

  it('the guardrails README quotes hostile labels and reasons as escaped Markdown', () => {
    const base = compliantEstate();
    const k = key('k9', { aliases: ['alias/x`](https://evil.example)'] });
    const evil = cluster('ev', [
      group('g', {
        volumes: [rootVolume(k.arn)],
        executionRole: 'not-a-role[x](https://evil.example)\u001b[2J',
      }),
    ]);
    const generated = generateGuardrails({
      inventory: { ...base, clusters: [...base.clusters, evil], keys: [...base.keys, k] },
      config: resolveConfig({ keyAdmins: [roleArn('KeyAdmin')] }),
      sourceLabel: 'the inventory snapshot [s](https://evil.example)\u202e.json',
      now: new Date(NOW),
    });
    if (!generated.ok) throw new Error(generated.error.message);
    const readme = generated.value.files.find((f) => f.path === 'README.md')!.content;
    expect(readme).not.toMatch(RAW);
    expect(readme).toContain('from the inventory snapshot \\[s\\]\\(https://evil.example\\)\\u202e.json.');
    expect(readme).toContain('| ``alias/x`](https://evil.example)`` |');
    expect(readme).toContain(
      'has no execution role ARN \\(not-a-role\\[x\\]\\(https://evil.example\\)\\x1b\\[2J\\)',
    );
  });
});

describe('the output boundary', () => {
  it.each([
    ['CSV line ends pass', 'a,b\r\nc,d\r\n', 'a,b\r\nc,d\r\n'],
    ['a lone CR is escaped', 'ok\rFAIL\n', 'ok\\x0dFAIL\n'],
    ['CR CR LF keeps only the line end', 'a\r\r\n', 'a\\x0d\r\n'],
    ['colours are escaped without colour', '\u001b[31mred\u001b[39m\n', '\\x1b[31mred\\x1b[39m\n'],
  ])('%s', (_name, text, shown) => {
    const io = memoryIo();
    terminalGuard(io).stdout.write(text);
    expect(io.out()).toBe(shown);
  });

  it('keeps colour sequences on a colour stream, and escapes every other sequence', () => {
    const io = memoryIo({ env: { FORCE_COLOR: '1' } });
    terminalGuard(io).stdout.write('\u001b[1;31mred\u001b[0m \u001b]0;t\u0007 \u001b[2J\n');
    expect(io.out()).toBe('\u001b[1;31mred\u001b[0m \\x1b]0;t\\x07 \\x1b[2J\n');
  });
});
