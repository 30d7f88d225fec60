/**
 * --cloudtrail-dir on a hostile directory: symbolic link loops are walked once, links out of the
 * directory and FIFOs are not read, and oversized files, gzip bombs and too many files stop at
 * their limits with an issue.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLOUDTRAIL_LIMITS, readCloudTrailDir } from '../../src/parsers/cloudtrail/log-files.js';
import { type HostileRepo, hostileRepo, SECRET } from '../helpers/hostile-iac.js';

let repo: HostileRepo;
beforeEach(() => {
  repo = hostileRepo();
});
afterEach(() => repo.cleanup());

const record = (id: string) => ({
  eventID: id,
  eventTime: '2026-11-01T00:00:00Z',
  eventSource: 'kms.amazonaws.com',
  eventName: 'Decrypt',
  awsRegion: 'us-east-1',
  recipientAccountId: '111122223333',
});
const log = (...ids: string[]) => JSON.stringify({ Records: ids.map(record) });
const codes = (result: ReturnType<typeof readCloudTrailDir>) =>
  result.issues.map((issue) => [issue.code, issue.location?.file]);

describe('--cloudtrail-dir on a hostile directory', () => {
  it('a symbolic link back into the tree is walked once: no loop, no duplicate events', () => {
    repo.write('trail/a/log.json', log('e1'));
    repo.link('trail/a/loop', join(repo.repo, 'trail'));
    const result = readCloudTrailDir(join(repo.repo, 'trail'));
    expect(result.events.map((event) => event.eventId)).toEqual(['e1']);
    expect(codes(result)).toEqual([['cloudtrail.symlink_loop', 'a/loop']]);
  });

  it('links to files and directories outside are not read; a FIFO does not block', () => {
    repo.writeOutside('other/log.json', log(SECRET));
    repo.link('trail/out', join(repo.outside, 'other'));
    repo.link('trail/out.json', join(repo.outside, 'other/log.json'));
    execFileSync('mkfifo', [join(repo.repo, 'trail/pipe.json')]);
    repo.write('trail/ok.json', log('e1'));
    const result = readCloudTrailDir(join(repo.repo, 'trail'));
    expect(result.events.map((event) => event.eventId)).toEqual(['e1']);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(codes(result).sort()).toEqual([
      ['cloudtrail.outside', 'out'],
      ['cloudtrail.outside', 'out.json'],
      ['cloudtrail.unreadable', 'pipe.json'],
    ]);
  });

  it('an oversized file, a gzip bomb, and too many files stop at their limits with issues', () => {
    const limits = { ...DEFAULT_CLOUDTRAIL_LIMITS, maxFileBytes: 64 * 1024, maxFiles: 3 };
    repo.write('trail/a-big.json', ' '.repeat(100 * 1024) + log('big'));
    repo.write('trail/b-bomb.json.gz', gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)));
    repo.write('trail/c-ok.json', log('e1'));
    repo.write('trail/d-more.json', log('e2'));
    const result = readCloudTrailDir(join(repo.repo, 'trail'), limits);
    expect(result.events.map((event) => event.eventId)).toEqual(['e1']);
    expect(codes(result)).toEqual([
      ['cloudtrail.unreadable', 'a-big.json'],
      ['cloudtrail.unreadable', 'b-bomb.json.gz'],
      ['cloudtrail.budget', join(repo.repo, 'trail')],
    ]);
    expect(result.issues.find((issue) => issue.code === 'cloudtrail.budget')!.severity).toBe('error');
  });
});
