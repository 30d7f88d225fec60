/**
 * One history, three readers: the KPI JSON from SQLite, from PostgreSQL and from the in-memory
 * builder is byte for byte the same, over the whole history and over a window that starts in the
 * middle of it, broken down every way; and a history copied through a dump (SQLite -> JSON Lines ->
 * SQLite and PostgreSQL) holds the same rows and gives the same bytes. The history is built to
 * break things: names, tags and messages holding quotes, backslashes, line and paragraph
 * separators, HTML, SQL, right-to-left overrides, emoji and text PostgreSQL refuses (U+0000, lone
 * surrogates); a cluster deleted, a key scheduled for deletion and cancelled, a suppression, an
 * UNKNOWN, narrowed scans, denied calls seen twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import { DIMENSIONS } from '../../src/kpi/window.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import type { HistoryStore, TableRow } from '../../src/store/store.js';
import {
  ACCOUNT,
  cluster,
  EXEC_ROLE,
  gap,
  group,
  inventory,
  key,
  OTHER_ACCOUNT,
  role,
  roleArn,
  rootVolume,
  secondaryVolume,
  trail,
  trailEvent,
} from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';
import { freshDatabase, postgresUrl } from '../helpers/postgres.js';
import { open, sqliteBackend } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-09-01T00:00:00.000Z');
const at = (day: number) => new Date(T0 + day * DAY);

/** Text that breaks naive storage, escaping or JSON. */
const HOSTILE = [
  `"quoted" \\back\\slash\\ 'single'`,
  'line\nbreak\r\nand\u2028separators\u2029',
  '</script><script>alert(1)</script>',
  "'); DROP TABLE scans; --",
  '\u202Eevil\u202C rtl',
  'emoji 🔑🧪 and é',
  'nul\u0000byte',
  'lone \ud800 surrogate',
  'x'.repeat(3000),
];
const PROJECT = HOSTILE.join(' | ');

const config = resolveConfig({
  keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'],
  suppressions: [
    {
      rule: 'kms-key-required-tags',
      resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k2`,
      reason: HOSTILE[2]!,
      expires: at(20).toISOString(),
    },
  ],
});

function estate(day: number): Inventory {
  const k1 = key('k1', {
    aliases: [`alias/${HOSTILE[3]!.replace(/\W/g, '-')}`],
    tags: { project: PROJECT, owner: HOSTILE[4]! },
    rotation: day >= 10 ? { enabled: true, periodInDays: 365 } : { enabled: false },
    metadata: {
      ...key('k1').metadata!,
      creationDate: at(-30).toISOString(),
      keyState: day >= 12 && day < 18 ? 'PendingDeletion' : 'Enabled',
      ...(day >= 12 && day < 18 ? { deletionDate: at(40).toISOString() } : {}),
    },
  });
  const k2 = key('k2', { tags: { project: HOSTILE[5]! } });
  const kb = key('kb', { account: OTHER_ACCOUNT });
  const execB = roleArn('hyperpod-exec', OTHER_ACCOUNT);
  const clusters = [
    cluster('alpha', [group('w"orkers\n', { volumes: [rootVolume(k1.arn), secondaryVolume(k1.arn)] })], {
      tags: { project: PROJECT, owner: HOSTILE[1]!, 'data-sensitivity': HOSTILE[6]! },
    }),
    ...(day < 15
      ? [cluster('beta', [group(HOSTILE[7]!, { volumes: [rootVolume(k2.arn), secondaryVolume(k2.arn)] })])]
      : []),
  ];
  const b = cluster('gamma', [group('g', { volumes: [rootVolume(null)], executionRole: execB })], {
    account: OTHER_ACCOUNT,
    tags: { project: HOSTILE[8]! },
  });
  const both = day % 10 === 0;
  return inventory({
    accounts: [
      { id: ACCOUNT, regions: ['us-east-1'], source: 'live' as const },
      ...(both ? [{ id: OTHER_ACCOUNT, regions: ['us-east-1'], source: 'live' as const }] : []),
    ],
    clusters: both ? [...clusters, b] : clusters,
    keys: day < 15 ? [k1, k2, ...(both ? [] : [])] : [k1],
    roles: [
      role(EXEC_ROLE, {
        kmsStatements: [
          {
            Effect: 'Allow',
            Action: ['kms:CreateGrant', 'kms:DescribeKey'],
            Resource: [k1.arn, k2.arn, kb.arn],
          },
        ],
      }),
      role(execB),
    ],
    trails: [trail()],
    events: [
      trailEvent({
        eventId: 'ev-"1"',
        eventName: 'Decrypt',
        eventTime: at(1).toISOString(),
        errorCode: 'AccessDenied',
        principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${HOSTILE[0]}/x`,
        keyRef: k1.arn,
      }),
      ...(day >= 5
        ? [
            trailEvent({
              eventId: `ev-${HOSTILE[5]}`,
              eventName: 'CreateGrant',
              eventTime: at(4.5).toISOString(),
              errorCode: 'AccessDeniedException',
              principalArn: HOSTILE[3]!,
              keyRef: 'alias/k2',
            }),
          ]
        : []),
    ],
    gaps: day === 7 ? [gap({ operation: 'GetKeyRotationStatus', resource: k2.arn })] : [],
  });
}

const DAYS = [0, 3, 5, 7, 10, 12, 15, 18, 20, 24];
const records: ScanRecord[] = DAYS.map((day) => {
  const inv = { ...estate(day), generatedAt: at(day).toISOString() };
  return scanRecord(runPipeline(inv, { config, now: at(day) }).report, inv);
});

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function saved(target: string): Promise<string> {
  const store = await open(target);
  // A resource id holding U+0000 or a lone surrogate failed the save ("Cannot read properties of undefined").
  for (const r of records) expect(await store.save(r)).toMatchObject({ ok: true });
  await store.close();
  return target;
}

async function loaded(target: string, window: { since: number; until: number }): Promise<HistoryData> {
  const store = await open(target, { create: false, readOnly: true });
  try {
    return await store.load(window);
  } finally {
    await store.close();
  }
}

async function allRows(target: string): Promise<TableRow[]> {
  const store: HistoryStore = await open(target, { create: false, readOnly: true });
  const rows: TableRow[] = [];
  try {
    for await (const row of store.rows()) {
      // When a row was saved is no part of the history's meaning, and differs between saves.
      if (row.table === 'scans') rows.push({ table: row.table, row: { ...row.row, saved_at: 'T' } });
      else rows.push(row);
    }
  } finally {
    await store.close();
  }
  return rows;
}

const WINDOWS = [
  { since: T0 - 90 * DAY, until: at(25).getTime() },
  // From the middle: what was scanned before day 11 carries in; as of day 16 (the key pending).
  { since: at(11).getTime(), until: at(16).getTime() },
  { since: at(8).getTime(), until: at(25).getTime() },
];

/** Every KPI over every window, whole and by every dimension, as the JSON `kpi --format json` prints. */
const kpiText = (load: (window: { since: number; until: number }) => Promise<HistoryData>) => async () => {
  const texts: string[] = [];
  for (const window of WINDOWS) {
    const history = await load(window);
    for (const by of [undefined, ...DIMENSIONS])
      texts.push(JSON.stringify(computeKpis(history, { window, ...(by ? { by } : {}) }), null, 2));
  }
  return texts;
};

let sqliteDb: string;
let pgDb: string;
beforeAll(async () => {
  sqliteDb = await saved(await sqliteBackend.fresh());
  pgDb = await saved(await freshDatabase(postgresUrl(), 'parity'));
}, 120_000);

describe('the same history gives the same KPI bytes', () => {
  it('from SQLite, PostgreSQL and memory, whole and from a window in the middle', async () => {
    const sqlite = await kpiText((w) => loaded(sqliteDb, w))();
    const pg = await kpiText((w) => loaded(pgDb, w))();
    const memory = await kpiText(async (w) =>
      historyFromRecords(records.filter((r) => r.scan.at <= w.until)),
    )();
    expect(pg).toEqual(sqlite);
    // In memory nothing is stored: U+0000 and the lone surrogate are still themselves there (in a
    // store, a column holds U+FFFD for them, a JSON body the escape itself).
    const asStored = (text: string) => text.replaceAll('\\u0000', '\uFFFD').replaceAll('\\ud800', '\uFFFD');
    expect(memory.map(asStored)).toEqual(sqlite.map(asStored));
    // The hostile texts are there, whole, not escaped twice: a key's tags as they were (its state is
    // JSON, which escapes them), a finding's project with U+FFFD for U+0000 and the lone surrogate.
    const whole = JSON.parse(sqlite[0]!);
    expect(whole.cost.keys.find((k: { arn: string }) => k.arn.endsWith('key/k1')).project).toBe(PROJECT);
    const ofK1 = whole.remediation.open.find((o: { resource: string }) => o.resource.endsWith('key/k1)'));
    expect(ofK1.project).toBe(PROJECT.replace('\u0000', '\uFFFD').replace('\ud800', '\uFFFD'));
  }, 120_000);

  it('copied through a dump, into SQLite and PostgreSQL: the same rows and the same bytes', async () => {
    const dump = join(dir, 'parity.jsonl');
    const cli = async (args: string[]) => {
      const io = memoryIo({ cwd: dir });
      const code = await runCli(args, io);
      return { code, err: io.err() };
    };
    expect((await cli(['history', 'export', '--db', sqliteDb, '--to', dump])).code).toBe(0);
    const toSqlite = join(dir, 'back.db');
    const toPg = await freshDatabase(postgresUrl(), 'parityback');
    for (const target of [toSqlite, toPg]) {
      const r = await cli(['history', 'import', '--from', dump, '--db', target]);
      expect([r.code, r.err.includes(`copied ${records.length} scans`)]).toEqual([0, true]);
    }
    const rows = await allRows(sqliteDb);
    expect(await allRows(toSqlite)).toEqual(rows);
    expect(await allRows(toPg)).toEqual(rows);
    const expected = await kpiText((w) => loaded(sqliteDb, w))();
    expect(await kpiText((w) => loaded(toSqlite, w))()).toEqual(expected);
    expect(await kpiText((w) => loaded(toPg, w))()).toEqual(expected);
  }, 120_000);
});
