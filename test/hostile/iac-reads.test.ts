/**
 * No file outside the scanned tree reaches a report: symbolic links (to files, to directories, to
 * `/`, to /proc), file(), module sources and parse errors are all refused with an issue, and the
 * planted secret appears nowhere in the output. FIFOs and devices are never opened for reading.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBounded } from '../../src/parsers/common/safe-read.js';
import { scanIac } from '../../src/parsers/iac.js';
import {
  clusterTemplate,
  clusterTf,
  clusterVerdicts,
  type HostileRepo,
  hostileRepo,
  issueTriples,
  SECRET,
  scanRepo,
} from '../helpers/hostile-iac.js';

let repo: HostileRepo;
beforeEach(() => {
  repo = hostileRepo();
});
afterEach(() => repo.cleanup());

const GOOD = clusterTemplate({ name: 'good' });
/** Terraform's `${path.module}`, written without a template placeholder. */
const MODULE = ['$', '{path.module}'].join('');
const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

describe('symbolic links out of the scanned tree', () => {
  it('a .tf, a template and a tfvars linked to files outside are refused; the secret is nowhere', async () => {
    repo.writeOutside('secret.tf', clusterTf(SECRET));
    repo.writeOutside('secret.yaml', clusterTemplate({ name: SECRET }));
    repo.writeOutside('secret.tfvars', `instance_groups = [{ name = "${SECRET}" }]\n`);
    repo.link('linked.tf', join(repo.outside, 'secret.tf'));
    repo.link('linked.yaml', join(repo.outside, 'secret.yaml'));
    repo.link('linked.tfvars', join(repo.outside, 'secret.tfvars'));
    repo.write('good.yaml', GOOD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.output).not.toContain(SECRET);
    expect(issueTriples(run.report)).toEqual([
      ['input.outside_root', 'error', 'linked.tf'],
      ['input.outside_root', 'error', 'linked.tfvars'],
      ['input.outside_root', 'error', 'linked.yaml'],
    ]);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['good.yaml#Cluster']);
    expect(run.code).toBe(1);
  });

  it('a directory linked outside, and a link to /, are not walked (the scan ends at once)', async () => {
    repo.writeOutside('stacks/secret.yaml', clusterTemplate({ name: SECRET }));
    repo.link('stacks', join(repo.outside, 'stacks'));
    repo.link('root', '/');
    repo.write('good.yaml', GOOD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.output).not.toContain(SECRET);
    expect(issueTriples(run.report)).toEqual([
      ['input.outside_root', 'error', 'root'],
      ['input.outside_root', 'error', 'stacks'],
    ]);
    expect(run.millis).toBeLessThan(10_000);
    expect(run.code).toBe(1);
  });

  it('a scanned path that is itself a link out of its tree (the repository, or the working directory) is refused', async () => {
    repo.writeOutside('stacks/secret.yaml', clusterTemplate({ name: SECRET }));
    repo.writeOutside('secret.yaml', clusterTemplate({ name: SECRET }));
    repo.link('infra', join(repo.outside, 'stacks'));
    repo.link('stack.yaml', join(repo.outside, 'secret.yaml'));
    repo.link('everything', '/');
    // From inside the working directory: `iac infra`, `iac stack.yaml`, `iac everything`.
    const run = await scanRepo(repo.repo, ['infra', 'stack.yaml', 'everything']);
    expect(run.output).not.toContain(SECRET);
    expect(issueTriples(run.report)).toEqual([
      ['iac.none_found', 'error', undefined],
      ['input.outside_root', 'error', 'everything'],
      ['input.outside_root', 'error', 'infra'],
      ['input.outside_root', 'error', 'stack.yaml'],
    ]);
    expect(run.millis).toBeLessThan(10_000);
    expect(run.code).toBe(3);
    // From above the checkout (the CI recipe `iac pr/infra`): the repository is the tree.
    repo.write('.git/HEAD', 'ref: refs/heads/main\n');
    const fromAbove = await scanRepo(join(repo.repo, '..'), ['repo/infra']);
    expect(fromAbove.output).not.toContain(SECRET);
    expect(issueTriples(fromAbove.report)).toContainEqual(['input.outside_root', 'error', 'repo/infra']);
  });

  it('a scanned link that stays in its tree is followed', async () => {
    repo.write('real/stack.yaml', GOOD);
    repo.link('infra', join(repo.repo, 'real'));
    const run = await scanRepo(repo.repo, ['infra']);
    expect(issueTriples(run.report)).toEqual([]);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['infra/stack.yaml#Cluster']);
  });

  it('scanning both directories follows the link between them (it stays inside the roots)', async () => {
    repo.writeOutside('stacks/shared.yaml', clusterTemplate({ name: 'shared' }));
    repo.link('stacks', join(repo.outside, 'stacks'));
    const run = await scanRepo(repo.repo, ['.', repo.outside]);
    expect(issueTriples(run.report)).toEqual([]);
    expect(Object.values(clusterVerdicts(run.report))).toHaveLength(1);
  });

  it('a parse error in a file linked outside quotes nothing of it', async () => {
    repo.writeOutside('bad.yaml', `AWSTemplateFormatVersion: '2010-09-09'\nResources: [${SECRET}\n`);
    repo.writeOutside('bad.tf', `resource "x" "y" { a = ${SECRET} ( }\n`);
    repo.link('bad.yaml', join(repo.outside, 'bad.yaml'));
    repo.link('bad.tf', join(repo.outside, 'bad.tf'));
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.output).not.toContain(SECRET);
    expect(issueTriples(run.report)).toEqual(
      expect.arrayContaining([
        ['input.outside_root', 'error', 'bad.tf'],
        ['input.outside_root', 'error', 'bad.yaml'],
      ]),
    );
    expect(run.code).toBe(3);
  });

  it('a link to /proc/self/environ is refused, never read', async () => {
    repo.link('env.tfvars', '/proc/self/environ');
    repo.link('environ.yaml', '/proc/self/environ');
    repo.write('good.yaml', GOOD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([
      ['input.outside_root', 'error', 'env.tfvars'],
      ['input.outside_root', 'error', 'environ.yaml'],
    ]);
    expect(run.output).not.toMatch(/PATH=|HOME=/);
  });
});

describe('Terraform file() and module sources', () => {
  const keyWithPolicy = (name: string, path: string) =>
    `resource "aws_kms_key" "${name}" {\n  enable_key_rotation = true\n  policy = file("${path}")\n}\n`;

  it('file() of a path outside, of a link out, of /proc or /dev is UNKNOWN; inside the tree it is read', async () => {
    repo.writeOutside('policy.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: SECRET }] }));
    repo.link('linked-policy.json', join(repo.outside, 'policy.json'));
    repo.write(
      'own-policy.json',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Own',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:root' },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    );
    repo.write(
      'keys.tf',
      [
        keyWithPolicy('up', '../outside/policy.json'),
        keyWithPolicy('absolute', join(repo.outside, 'policy.json')),
        keyWithPolicy('linked', `${MODULE}/linked-policy.json`),
        keyWithPolicy('proc', '/proc/self/environ'),
        keyWithPolicy('device', '/dev/zero'),
        keyWithPolicy('own', `${MODULE}/own-policy.json`),
      ].join('\n'),
    );
    const result = await scanIac({ paths: ['.'], cwd: repo.repo, generatedAt: '2026-11-27T12:00:00Z' });
    if (!result.ok) throw new Error(result.error.message);
    const policies = Object.fromEntries(
      result.value.inventory.keys.map((key) => [key.arn.split('.').pop(), key.policy]),
    );
    for (const name of ['up', 'absolute', 'linked', 'proc', 'device'])
      expect(policies[name], name).toEqual(expect.objectContaining({ unresolved: expect.any(String) }));
    expect(JSON.stringify(policies.own)).toContain('Own');
    expect(JSON.stringify(result.value)).not.toContain(SECRET);
    // The same scan through the CLI: nothing of the secret in any report.
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.output).not.toContain(SECRET);
  });

  it('a module source outside the tree, or linked out of it, is refused with an error', async () => {
    repo.writeOutside('mod/main.tf', clusterTf(SECRET));
    repo.link('linked-mod', join(repo.outside, 'mod'));
    repo.write(
      'main.tf',
      'module "up" {\n  source = "../outside/mod"\n}\nmodule "linked" {\n  source = "./linked-mod"\n}\n',
    );
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.output).not.toContain(SECRET);
    expect(issueTriples(run.report)).toEqual([
      ['input.outside_root', 'error', 'linked-mod'],
      ['tf.module_outside_root', 'error', 'main.tf'],
      ['tf.module_outside_root', 'error', 'main.tf'],
    ]);
    expect(run.report!.clusters).toEqual([]);
    expect(run.code).toBe(3);
  });
});

describe('FIFOs and devices', () => {
  it('a FIFO named like IaC, and links to a FIFO and to /dev/zero, are issues and never block', async () => {
    mkfifo(join(repo.repo, 'main.tf'));
    mkfifo(join(repo.outside, 'pipe.yaml'));
    repo.link('pipe.yaml', join(repo.outside, 'pipe.yaml'));
    repo.link('zero.tf', '/dev/zero');
    repo.write('good.yaml', GOOD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([
      ['input.not_a_file', 'error', 'main.tf'],
      ['input.not_a_file', 'error', 'pipe.yaml'],
      ['input.not_a_file', 'error', 'zero.tf'],
    ]);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['good.yaml#Cluster']);
  });

  it('a scan path that is a pseudo-file, a FIFO, a device or a socket is a usage error naming it (exit 2), never read', async () => {
    mkfifo(join(repo.repo, 'pipe.yaml'));
    const server = createServer();
    await new Promise<void>((done) => server.listen(join(repo.repo, 'sock.yaml'), done));
    try {
      for (const [path, kind] of [
        ['/proc/self/environ', 'a kernel pseudo-file (under /proc, /sys or /dev)'],
        ['pipe.yaml', 'a FIFO (named pipe)'],
        ['/dev/null', 'a character device'],
        ['sock.yaml', 'a socket'],
      ] as const) {
        const run = await scanRepo(repo.repo, [path]);
        expect([run.code, run.output], path).toEqual([
          2,
          `hyperpod-cmk: ${path}: not a regular file or directory but ${kind}: never read\n  hint: pass the files or directories that hold your CloudFormation, Terraform or create-cluster input\n`,
        ]);
      }
    } finally {
      server.close();
    }
  });

  it('inside a scanned directory each is an issue saying what it is, and the rest is scanned', async () => {
    mkfifo(join(repo.repo, 'pipe.yaml'));
    const server = createServer();
    await new Promise<void>((done) => server.listen(join(repo.repo, 'sock.json'), done));
    repo.link('zero.tf', '/dev/zero');
    repo.write('good.yaml', GOOD);
    try {
      const run = await scanRepo(repo.repo, ['.']);
      expect(
        run.report!.issues.map((issue) => [issue.code, issue.location?.file, issue.message]).sort(),
      ).toEqual([
        ['input.not_a_file', 'pipe.yaml', 'not a regular file but a FIFO (named pipe): not read'],
        ['input.not_a_file', 'sock.json', 'not a regular file but a socket: not read'],
        ['input.not_a_file', 'zero.tf', 'not a regular file but a character device: not read'],
      ]);
      expect(Object.keys(clusterVerdicts(run.report))).toEqual(['good.yaml#Cluster']);
    } finally {
      server.close();
    }
  });

  it('--var-file and --parameters naming a FIFO or a device are usage errors (exit 2), not a hang', async () => {
    mkfifo(join(repo.repo, 'vars.tfvars'));
    repo.write('main.tf', clusterTf('c'));
    repo.write('good.yaml', GOOD);
    for (const args of [
      ['--var-file', 'vars.tfvars'],
      ['--var-file', '/dev/zero'],
      ['--parameters', '/dev/zero'],
      ['--parameters', 'vars.tfvars'],
    ]) {
      const run = await scanRepo(repo.repo, ['.', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.output, args.join(' ')).toMatch(/not a regular file/);
    }
  });

  it('the one read refuses what it must, and reads a regular file inside the roots', () => {
    mkfifo(join(repo.repo, 'fifo'));
    const inside = repo.write('ok.txt', 'fine');
    repo.link('out.txt', repo.writeOutside('secret.txt', SECRET));
    const roots = [repo.repo];
    const refusal = (path: string, maxBytes = 1024) => {
      const read = readBounded(path, { roots, maxBytes });
      return read.ok ? 'read' : read.refusal;
    };
    expect(refusal(join(repo.repo, 'fifo'))).toBe('special');
    expect(refusal(join(repo.repo, 'out.txt'))).toBe('outside');
    expect(refusal('/proc/self/status')).toBe('special');
    expect(refusal('/dev/zero')).toBe('special');
    expect(refusal(inside, 2)).toBe('too_large');
    expect(refusal(join(repo.repo, 'missing'))).toBe('unreadable');
    expect(refusal(inside)).toBe('read');
  });
});
