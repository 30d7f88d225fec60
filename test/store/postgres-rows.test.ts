/**
 * The rows of a PostgreSQL history (what `history export` copies) come through a server-side
 * cursor: every row read once by the server, in order, a bounded number at a time, from one
 * snapshot. Measured on the real server (its table statistics), never on a mock.
 */
import { describe, expect, it } from 'vitest';
import type { TableRow } from '../../src/store/store.js';
import { adminQuery, freshDatabase, postgresUrl } from '../helpers/postgres.js';
import { open } from '../helpers/stores.js';

const ROWS = 12_000;

/** Tuples the server has read from a table (sequential and index scans), once its statistics settle. */
async function tuplesRead(url: string, table: string, atLeast: number): Promise<number> {
  let last = -1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const [row] = await adminQuery<{ n: number }>(
      url,
      'SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int AS n FROM pg_stat_user_tables WHERE relname = $1',
      [table],
    );
    const n = row?.n ?? 0;
    if (n >= atLeast && n === last) return n;
    last = n;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

describe('the rows of a PostgreSQL history', () => {
  it('are read once each by the server, in order, from one snapshot', async () => {
    const url = await freshDatabase(postgresUrl(), 'rows');
    const store = await open(url);
    await adminQuery(
      url,
      `INSERT INTO access_denied (event_id, event_time, at_ms, account, region, key, principal, event_name, error_code)
       SELECT lpad(i::text, 6, '0'), '2026-11-01T00:00:00Z', i, '111122223333', 'us-east-1', 'k', 'p', 'Decrypt', 'AccessDenied'
       FROM generate_series(1, ${ROWS}) AS i`,
    );
    const before = await tuplesRead(url, 'access_denied', 0);
    const ids: string[] = [];
    let inserted = false;
    for await (const row of store.rows() as AsyncIterable<TableRow>) {
      if (row.table !== 'access_denied') continue;
      ids.push(String(row.row.event_id));
      if (!inserted) {
        // A row added once the copy has begun is not in it: one snapshot.
        await adminQuery(
          url,
          `INSERT INTO access_denied (event_id, event_time, at_ms, account, region, key, principal, event_name, error_code)
           VALUES ('000000', 't', 0, 'a', 'r', 'k', 'p', 'e', 'c')`,
        );
        inserted = true;
      }
    }
    await store.close();
    expect(ids).toHaveLength(ROWS);
    expect(ids).toEqual(Array.from({ length: ROWS }, (_, i) => String(i + 1).padStart(6, '0')));
    // Pages by LIMIT/OFFSET make the server read every skipped row again (here 27000 for 12000).
    const read = (await tuplesRead(url, 'access_denied', before + ROWS)) - before;
    expect(read).toBeGreaterThanOrEqual(ROWS);
    expect(read).toBeLessThanOrEqual(ROWS + 1);
  }, 120_000);
});
