/**
 * Terraform as its language documentation defines it, case by case: variable precedence, type
 * constraints with optional() defaults, try() and can(), splats, template directives and strip
 * markers, provider configurations and their Regions, count and for_each, dynamic blocks. Each
 * case asserts the exact inventory value; what Terraform knows only when it runs (an unset
 * variable, an attribute known after apply) is UNKNOWN, never a guess.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cluster, EbsVolume, Key } from '../../src/model/inventory.js';
import { scanIac } from '../../src/parsers/iac.js';
import { renderCsv } from '../../src/reporters/csv.js';
import { dashboardFromReport } from '../../src/reporters/html/data.js';
import { hostileRepo, SECRET } from '../helpers/hostile-iac.js';
import { IAC_FIXTURES, removeScannedFiles, scanFiles } from '../helpers/iac-scan.js';
import { parse as parseCsv } from '../reporters/csv-parse.js';

afterEach(removeScannedFiles);

const scan = (
  files: Record<string, string>,
  options: { varFiles?: string[]; region?: string; account?: string } = {},
) => scanFiles(files, options);

const only = <T>(items: readonly T[], what: string): T => {
  if (items.length !== 1) throw new Error(`expected one ${what}, got ${items.length}`);
  return items[0]!;
};
const cluster = (scanned: { inventory: { clusters: Cluster[] } }) =>
  only(scanned.inventory.clusters, 'cluster');
const volumes = (c: Cluster, group = 0): EbsVolume[] => c.instanceGroups[group]!.volumes as EbsVolume[];
const keyNamed = (scanned: { inventory: { keys: Key[] } }, id: string): Key => {
  const found = scanned.inventory.keys.find((k) => k.arn === id);
  if (!found) throw new Error(`no key ${id}: ${scanned.inventory.keys.map((k) => k.arn).join(', ')}`);
  return found;
};

/** An awscc cluster whose tags show the values of `tags` (HCL expressions) and whose one group takes `group`. */
function clusterTf({
  tags = {},
  volumeKey = 'aws_kms_key.k.arn',
  groups,
  extra = '',
}: {
  tags?: Record<string, string>;
  volumeKey?: string;
  groups?: string;
  extra?: string;
}): string {
  const tagList = Object.entries(tags)
    .map(([k, v]) => `    { key = "${k}", value = ${v} },`)
    .join('\n');
  return `resource "awscc_sagemaker_cluster" "c" {
  cluster_name           = "c"
  node_provisioning_mode = "Continuous"
  ${extra}
  tags = [
${tagList}
  ]
  instance_groups = ${
    groups ??
    `[{
    instance_group_name = "workers"
    instance_type       = "ml.g5.8xlarge"
    instance_count      = 1
    execution_role      = "arn:aws:iam::111122223333:role/workers"
    instance_storage_configs = [{ ebs_volume_config = { root_volume = true, volume_kms_key_id = ${volumeKey} } }]
  }]`
  }
}
`;
}

const KEY = 'resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n';

describe('variable values: defaults < terraform.tfvars < terraform.tfvars.json < *.auto.tfvars in lexical order < -var-file', () => {
  // https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence
  it('each later source wins, whatever the file names sort as', async () => {
    const scanned = await scan(
      {
        'main.tf': `${['a', 'b', 'c', 'd', 'e'].map((v) => `variable "${v}" {\n  default = "default"\n}`).join('\n')}
${KEY}${clusterTf({ tags: { a: 'var.a', b: 'var.b', c: 'var.c', d: 'var.d', e: 'var.e' } })}`,
        'terraform.tfvars': 'a = "tfvars"\nb = "tfvars"\n',
        'terraform.tfvars.json': JSON.stringify({ a: 'tfvars-json' }),
        'a.auto.tfvars': 'b = "a-auto"\nc = "a-auto"\n',
        'z.auto.tfvars.json': JSON.stringify({ c: 'z-auto', d: 'z-auto' }),
        'prod.tfvars': 'd = "var-file"\n',
      },
      { varFiles: ['prod.tfvars'] },
    );
    expect(cluster(scanned).tags).toEqual({
      a: 'tfvars-json',
      b: 'a-auto',
      c: 'z-auto',
      d: 'var-file',
      e: 'default',
    });
  });
});

describe('type constraints', () => {
  // https://developer.hashicorp.com/terraform/language/expressions/type-constraints#optional-object-type-attributes
  it('optional() attributes take their default when left out, in a value and in a default', async () => {
    const scanned = await scan({
      'main.tf': `variable "groups" {
  type = list(object({
    name       = string
    kms_key_id = optional(string, "alias/hyperpod")
    count      = optional(number, 2)
    storage    = optional(object({ size = optional(number, 500) }), {})
    note       = optional(string)
  }))
  default = [{ name = "from-default" }]
}
${KEY}resource "aws_kms_alias" "a" {
  name          = "alias/hyperpod"
  target_key_id = aws_kms_key.k.key_id
}
${clusterTf({
  tags: { size: 'tostring(var.groups[0].storage.size)', note: 'tostring(var.groups[0].note == null)' },
  groups: `[for g in var.groups : {
    instance_group_name = g.name
    instance_type       = "ml.g5.8xlarge"
    instance_count      = g.count
    execution_role      = "arn:aws:iam::111122223333:role/workers"
    instance_storage_configs = [{ ebs_volume_config = { root_volume = true, volume_kms_key_id = g.kms_key_id } }]
  }]`,
})}`,
      'terraform.tfvars': 'groups = [{ name = "workers" }]\n',
    });
    const c = cluster(scanned);
    expect(c.instanceGroups.map((g) => [g.name, g.instanceCount])).toEqual([['workers', 2]]);
    expect(volumes(c)[0]).toMatchObject({
      kmsKeyId: 'alias/hyperpod',
      resolution: { status: 'resolved', keyArn: 'main.tf#aws_kms_key.k' },
    });
    expect(c.tags).toEqual({ size: '500', note: 'true' });
    const rule = scanned.report.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk')!;
    expect(rule.status).toBe('PASS');
  });

  it('values convert to the declared primitive type', async () => {
    const scanned = await scan({
      'main.tf': `variable "n" { type = number }
variable "b" { type = bool }
variable "s" { type = string }
variable "m" { type = map(string) }
${KEY}${clusterTf({ tags: { n: 'tostring(var.n + 1)', b: 'var.b ? "yes" : "no"', s: 'var.s', m: 'var.m.x' } })}`,
      'terraform.tfvars': 'n = "41"\nb = "true"\ns = 5\nm = { x = 1 }\n',
    });
    expect(cluster(scanned).tags).toEqual({ n: '42', b: 'yes', s: '5', m: '1' });
  });

  it('a set has each element once, strings in lexical order; an object drops attributes its type does not declare', async () => {
    const scanned = await scan({
      'main.tf': `variable "names" { type = set(string) }
variable "group" { type = object({ name = string }) }
${KEY}${clusterTf({ tags: { names: 'join(",", var.names)', keys: 'join(",", keys(var.group))' } })}`,
      'terraform.tfvars': 'names = ["b", "a", "b"]\ngroup = { name = "w", extra = 1 }\n',
    });
    expect(cluster(scanned).tags).toEqual({ names: 'a,b', keys: 'name' });
  });

  it('nullable = false: a null a caller passes is the default', async () => {
    const scanned = await scan({
      'main.tf': `module "m" {
  source = "./m"
  key    = null
  other  = null
}
`,
      'm/main.tf': `variable "key" {
  default  = "alias/hyperpod"
  nullable = false
}
variable "other" {
  default = "alias/unused"
}
${clusterTf({ volumeKey: 'var.key', tags: { other: 'tostring(var.other == null)' } })}`,
    });
    const c = cluster(scanned);
    expect(volumes(c)[0]!.kmsKeyId).toBe('alias/hyperpod');
    expect(c.tags).toEqual({ other: 'true' });
  });
});

describe('try() and can(): errors fall through, unknown values do not', () => {
  // https://developer.hashicorp.com/terraform/language/functions/try and .../functions/can
  it('try() falls back past an error; past a value known only later, it is UNKNOWN', async () => {
    const scanned = await scan({
      'main.tf': `variable "unset" {}
locals {
  obj  = { k = "v" }
  list = [{ id = "i1" }]
}
${KEY}${clusterTf({
  tags: {
    attr: 'try(local.obj.missing, "fallback")',
    index: 'try(local.list[5].id, "fallback")',
    key: 'try(local.obj["missing"], "fallback")',
    nested: 'try(upper(local.obj.missing), "fallback")',
    found: 'try(local.obj.k, "fallback")',
  },
})}`,
    });
    expect(cluster(scanned).tags).toEqual({
      attr: 'fallback',
      index: 'fallback',
      key: 'fallback',
      nested: 'fallback',
      found: 'v',
    });
    const unknown = await scan({
      'main.tf': `variable "unset" {}\n${KEY}${clusterTf({ volumeKey: 'try(var.unset, null)' })}`,
    });
    expect(volumes(cluster(unknown))[0]!.kmsKeyId).toEqual({
      unresolved: 'try(var.unset, null)',
      reason: 'variable unset has no default and no value was given',
      inputs: ['var.unset'],
    });
    expect(unknown.report.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk')!.status).toBe(
      'UNKNOWN',
    );
  });

  it('can() is false for an error, true for a value, and UNKNOWN for a value known only later', async () => {
    const scanned = await scan({
      'main.tf': `locals {\n  obj = { k = "v" }\n}\n${KEY}${clusterTf({
        tags: { missing: 'tostring(can(local.obj.missing))', found: 'tostring(can(local.obj.k))' },
      })}`,
    });
    expect(cluster(scanned).tags).toEqual({ missing: 'false', found: 'true' });
    const unknown = await scan({
      'main.tf': `variable "unset" {}\n${KEY}${clusterTf({ volumeKey: 'can(var.unset) ? "alias/a" : null' })}`,
    });
    expect(volumes(cluster(unknown))[0]!.kmsKeyId).toMatchObject({ inputs: ['var.unset'] });
  });
});

describe('splat expressions', () => {
  // https://developer.hashicorp.com/terraform/language/expressions/splat and the HCL native syntax
  // specification: `tuple.*.foo.bar[0]` is `[for v in tuple: v.foo.bar][0]`.
  it('[*] applies the whole trailing traversal to each element; the legacy .* only attributes', async () => {
    const scanned = await scan({
      'main.tf': `locals {\n  lst = [{ id = "i1", v = [1, 2] }, { id = "i2", v = [3] }]\n  one = { id = "single" }\n}\n${KEY}${clusterTf(
        {
          tags: {
            full: 'jsonencode(local.lst[*].v[0])',
            legacy: 'jsonencode(local.lst.*.v[0])',
            ids: 'join(",", local.lst[*].id)',
            single: 'jsonencode(local.one[*].id)',
            null: 'jsonencode(null[*])',
          },
        },
      )}`,
    });
    expect(cluster(scanned).tags).toEqual({
      full: '[1,3]',
      legacy: '[1,2]',
      ids: 'i1,i2',
      single: '["single"]',
      null: '[]',
    });
  });
});

describe('legacy indexes in splats', () => {
  // hashicorp/hcl hclsyntax/parser.go: an attribute-only splat also takes a legacy index into each
  // element ("we also allow numbers as attribute names inside splats and interpret them as
  // indexing into a list, for expressions like: foo.bar.*.baz.0.foo"); a full splat takes every
  // traversal after it, a legacy index among them.
  it('`.*.0` and `[*].0` index each element; `[0]` after `.*` indexes the list', async () => {
    const scanned = await scan({
      'main.tf': `locals {\n  lst = [{ v = [1, 2] }, { v = [3, 4] }]\n}\n${KEY}${clusterTf({
        tags: {
          attr: 'jsonencode(local.lst.*.v.1)',
          full: 'jsonencode(local.lst[*].v.0)',
          exponent: 'jsonencode(local.lst[*].v.1e0)',
          bracket: 'jsonencode(local.lst.*.v[0])',
        },
      })}`,
    });
    expect(scanned.issues).toEqual([]);
    expect(cluster(scanned).tags).toEqual({
      attr: '[2,4]',
      full: '[1,3]',
      exponent: '[2,4]',
      bracket: '[1,2]',
    });
  });
});

describe('string templates', () => {
  // https://developer.hashicorp.com/terraform/language/expressions/strings#directives and
  // #whitespace-stripping
  it('%{ if } and %{ for } directives, and ~ strip markers', async () => {
    const scanned = await scan({
      'main.tf': `locals {\n  a = "A"\n  m = { k1 = "v1", k2 = "v2" }\n}\n${KEY}${clusterTf({
        tags: {
          if: '"x%{ if local.a == "A" }yes%{ else }no%{ endif }"',
          else: '"%{ if local.a != "A" }yes%{ else }no%{ endif }"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform template syntax
          for: '"%{ for k, v in local.m }${k}=${v};%{ endfor }"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform template syntax
          strip: '"a ${~ "b" ~} c"',
        },
      })}`,
    });
    expect(cluster(scanned).tags).toEqual({ if: 'xyes', else: 'no', for: 'k1=v1;k2=v2;', strip: 'abc' });
  });

  it('a heredoc with directives and strip markers, flush indentation only at line starts', async () => {
    const scanned = await scan({
      'main.tf': `locals {
  names = ["a", "b"]
  doc   = <<-EOT
    %{ for n in local.names ~}
    - \${n}  x
    %{ endfor ~}
    end
  EOT
}
${KEY}${clusterTf({ tags: { doc: 'local.doc' } })}`,
    });
    expect(cluster(scanned).tags).toEqual({ doc: '- a  x\n- b  x\nend\n' });
  });

  it('a directive on a value known only later is UNKNOWN, naming it', async () => {
    const scanned = await scan({
      'main.tf': `variable "unset" {}\n${KEY}${clusterTf({ volumeKey: '"%{ if var.unset }alias/a%{ endif }"' })}`,
    });
    expect(volumes(cluster(scanned))[0]!.kmsKeyId).toMatchObject({ inputs: ['var.unset'] });
  });
});

describe('templatefile()', () => {
  // https://developer.hashicorp.com/terraform/language/functions/templatefile
  it('renders a key policy from a template file that sees only the variables it is given', async () => {
    const scanned = await scan({
      'policy.json.tftpl': `{
  "Version": "2012-10-17",
  "Statement": [
%{ for i, admin in admins ~}
    { "Sid": "Admin\${i}", "Effect": "Allow", "Principal": { "AWS": "\${admin}" }, "Action": "kms:*", "Resource": "*" }%{ if i < length(admins) - 1 },%{ endif }
%{ endfor ~}
  ]
}
`,
      'main.tf': `resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy = templatefile("\${path.module}/policy.json.tftpl", {
    admins = ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"]
  })
}
resource "aws_kms_key" "missing" {
  policy = templatefile("\${path.module}/policy.json.tftpl", {})
}
`,
    });
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.k').policy).toEqual({
      Version: '2012-10-17',
      Statement: ['a', 'b'].map((who, i) => ({
        Sid: `Admin${i}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::111122223333:role/${who}` },
        Action: 'kms:*',
        Resource: '*',
      })),
    });
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.missing').policy).toMatchObject({
      reason: 'the template is given no variable admins: an error in Terraform',
    });
  });

  it('a template file that calls templatefile(), or one outside the scanned paths, is UNKNOWN', async () => {
    const scanned = await scan({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform template file
      'self.tftpl': '${templatefile("self.tftpl", {})}',
      'main.tf': `resource "aws_kms_key" "self" {
  policy = templatefile("self.tftpl", {})
}
resource "aws_kms_key" "outside" {
  policy = templatefile("/etc/passwd", {})
}
`,
    });
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.self').policy).toMatchObject({
      reason: 'templatefile() called from a template file: an error in Terraform',
    });
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.outside').policy).toMatchObject({
      reason: 'file /etc/passwd cannot be read',
    });
  });
});

describe('file paths: a relative path is relative to the working directory, the root module', () => {
  // Terraform evaluates file(), filebase64() and templatefile() with the current working directory
  // as their base (hashicorp/terraform internal/terraform/evaluate.go: BaseDir ".", "Always current
  // working directory"), where it runs: the root module. A module names its own files with
  // path.module, the root module's with path.root
  // (https://developer.hashicorp.com/terraform/language/expressions/references#filesystem-and-workspace-info).
  const policy = (sid: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: sid,
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  it('in a child module, file("x") reads the root module\'s x; file("${path.module}/x") the module\'s', async () => {
    const scanned = await scan({
      'policy.json': policy('Root'),
      'policy.tftpl': policy('RootTemplate'),
      'main.tf': 'module "m" {\n  source = "./modules/m"\n}\n',
      'modules/m/policy.json': policy('Module'),
      'modules/m/policy.tftpl': policy('ModuleTemplate'),
      'modules/m/main.tf': `resource "aws_kms_key" "relative" {
  policy = file("policy.json")
}
resource "aws_kms_key" "dot" {
  policy = file("./policy.json")
}
resource "aws_kms_key" "module" {
  policy = file("\${path.module}/policy.json")
}
resource "aws_kms_key" "root" {
  policy      = file("\${path.root}/policy.json")
  description = path.root
}
resource "aws_kms_key" "template" {
  policy = templatefile("policy.tftpl", {})
}
resource "aws_kms_key" "module_template" {
  policy = templatefile("\${path.module}/policy.tftpl", {})
}
`,
    });
    const sid = (name: string) => {
      const found = keyNamed(scanned, `main.tf#module.m.aws_kms_key.${name}`).policy;
      return (found as { Statement?: { Sid: string }[] }).Statement?.[0]?.Sid ?? found;
    };
    expect(
      Object.fromEntries(
        ['relative', 'dot', 'module', 'root', 'template', 'module_template'].map((name) => [name, sid(name)]),
      ),
    ).toEqual({
      relative: 'Root',
      dot: 'Root',
      module: 'Module',
      root: 'Root',
      template: 'RootTemplate',
      module_template: 'ModuleTemplate',
    });
    // path.root is the root module's directory relative to where Terraform runs, in it.
    expect(keyNamed(scanned, 'main.tf#module.m.aws_kms_key.root').metadata?.description).toBe('.');
  });

  // https://developer.hashicorp.com/terraform/language/expressions/references#filesystem-and-workspace-info:
  // path.cwd is the directory Terraform runs from; the scan reads a configuration as Terraform run
  // in its root module, so it names the root module's directory, as path.root does.
  it('path.cwd is the root module\'s directory: "." in a value, and file() reads from it in any module', async () => {
    const scanned = await scan({
      'policy.json': policy('Root'),
      'main.tf': `module "m" {\n  source = "./modules/m"\n}\nresource "aws_kms_key" "here" {\n  description = path.cwd\n}\n`,
      'modules/m/policy.json': policy('Module'),
      'modules/m/main.tf': 'resource "aws_kms_key" "cwd" {\n  policy = file("${path.cwd}/policy.json")\n}\n',
    });
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.here').metadata?.description).toBe('.');
    expect(keyNamed(scanned, 'main.tf#module.m.aws_kms_key.cwd').policy).toMatchObject({
      Statement: [{ Sid: 'Root' }],
    });
  });

  it('filebase64() and the file hashes read inside the scanned tree only, bounded as file() is', async () => {
    const repo = hostileRepo();
    try {
      repo.writeOutside('secret.bin', SECRET);
      repo.link('linked.bin', join(repo.outside, 'secret.bin'));
      repo.write('own.bin', Buffer.of(0xff, 0x00, 0xfe));
      repo.write('huge.bin', Buffer.alloc(1_048_577));
      const described = (name: string, value: string) =>
        `resource "aws_kms_key" "${name}" {\n  tags = { v = ${value} }\n}\n`;
      repo.write(
        'main.tf',
        [
          described('own', 'filebase64("own.bin")'),
          described('hash', 'filesha256("${path.module}/own.bin")'),
          described('up', 'filebase64("../outside/secret.bin")'),
          described('absolute', `filebase64("${join(repo.outside, 'secret.bin')}")`),
          described('linked', 'filebase64sha256("linked.bin")'),
          described('huge', 'filebase64("huge.bin")'),
        ].join(''),
      );
      const result = await scanIac({ paths: ['.'], cwd: repo.repo, generatedAt: '2026-11-27T12:00:00Z' });
      if (!result.ok) throw new Error(result.error.message);
      const tags = Object.fromEntries(
        result.value.inventory.keys.map((k) => [k.arn.replace('main.tf#aws_kms_key.', ''), k.tags]),
      );
      const unread = (call: string, path: string) => ({
        unresolved: call,
        reason: `file ${path} cannot be read`,
      });
      expect(tags).toEqual({
        own: { v: '/wD+' },
        hash: {
          v: createHash('sha256')
            .update(Buffer.of(0xff, 0x00, 0xfe))
            .digest('hex'),
        },
        up: unread('filebase64("../outside/secret.bin")', '../outside/secret.bin'),
        absolute: unread(
          `filebase64("${join(repo.outside, 'secret.bin')}")`,
          join(repo.outside, 'secret.bin'),
        ),
        linked: unread('filebase64sha256("linked.bin")', 'linked.bin'),
        huge: unread('filebase64("huge.bin")', 'huge.bin'),
      });
      expect(JSON.stringify(result.value)).not.toContain(Buffer.from(SECRET).toString('base64'));
    } finally {
      repo.cleanup();
    }
  });

  it("path.module is the module's directory relative to the root module, never the scanning machine's", async () => {
    // Terraform gives a module's source directory relative to where it runs, with forward slashes
    // (hashicorp/terraform internal/terraform/evaluate.go, GetPathAttr: "module" is
    // filepath.ToSlash(moduleConfig.Module.SourceDir)): "." for the root module, "modules/m" for
    // a module called with source "./modules/m".
    const scanned = await scan({
      'main.tf': `module "m" {\n  source = "./modules/m/"\n}\nresource "aws_kms_key" "here" {\n  description = path.module\n}\n`,
      'modules/m/main.tf': `module "n" {\n  source = "../n"\n}\nresource "aws_kms_key" "there" {\n  description = "\${path.module}/x"\n}\n`,
      'modules/n/main.tf': `resource "aws_kms_key" "further" {\n  description = path.module\n}\n`,
    });
    const described = (id: string) => keyNamed(scanned, id).metadata?.description;
    expect(
      [
        'main.tf#aws_kms_key.here',
        'main.tf#module.m.aws_kms_key.there',
        'main.tf#module.m.module.n.aws_kms_key.further',
      ].map(described),
    ).toEqual(['.', 'modules/m/x', 'modules/n']);
  });
});

describe('provider configurations: a resource is in its provider Region', () => {
  // https://developer.hashicorp.com/terraform/language/providers/configuration#alias-multiple-provider-configurations
  it('an aliased provider, the default one, awscc, and the region argument of hashicorp/aws 6', async () => {
    const scanned = await scan({
      'main.tf': `provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
provider "aws" {
  region = "us-east-1"
}
provider "awscc" {
  region = "eu-west-1"
}
resource "aws_kms_key" "west" {
  provider            = aws.west
  enable_key_rotation = true
}
resource "aws_kms_key" "k" {
  enable_key_rotation = true
}
resource "aws_kms_key" "v6" {
  region              = "ap-south-1"
  enable_key_rotation = true
}
${clusterTf({})}`,
    });
    expect(
      Object.fromEntries(
        scanned.inventory.keys.map((k) => [k.arn.replace('main.tf#aws_kms_key.', ''), k.region]),
      ),
    ).toEqual({ west: 'us-west-2', k: 'us-east-1', v6: 'ap-south-1' });
    expect(cluster(scanned).region).toBe('eu-west-1');
    // A key of us-east-1 cannot encrypt the volumes of a cluster in eu-west-1.
    expect(scanned.report.findings.find((f) => f.ruleId === 'hyperpod-key-exists')!.status).toBe('FAIL');
  });

  it('an awscc cluster without an awscc provider Region is in the Region the environment gives', async () => {
    const scanned = await scan({
      'main.tf': `provider "aws" {\n  region = "us-east-1"\n}\n${KEY}${clusterTf({})}`,
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the symbolic Region
    expect(cluster(scanned).region).toBe('${AWS::Region}');
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.k').region).toBe('us-east-1');
    expect(scanned.report.findings.find((f) => f.ruleId === 'hyperpod-key-exists')!.status).toBe('UNKNOWN');
    const given = await scan(
      { 'main.tf': `provider "aws" {\n  region = "us-east-1"\n}\n${KEY}${clusterTf({})}` },
      {
        region: 'us-east-1',
      },
    );
    expect(cluster(given).region).toBe('us-east-1');
  });

  it('a module takes the providers its call passes, and its parent default otherwise', async () => {
    const scanned = await scan({
      'main.tf': `provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
provider "aws" {
  region = "us-east-1"
}
module "west" {
  source    = "./keys"
  providers = { aws = aws.west }
}
module "east" {
  source = "./keys"
}
`,
      'keys/main.tf': 'resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n',
    });
    expect(Object.fromEntries(scanned.inventory.keys.map((k) => [k.arn, k.region]))).toEqual({
      'main.tf#module.west.aws_kms_key.k': 'us-west-2',
      'main.tf#module.east.aws_kms_key.k': 'us-east-1',
    });
  });
});

describe('messages about a Region or account the files do not set', () => {
  // Terraform writes no \${AWS::Region}: a resource is in its provider configuration's Region and
  // the account of its credentials (https://developer.hashicorp.com/terraform/language/meta-arguments/resource-provider).
  // The inventory keeps the placeholder (policies compare it); the message says it in Terraform's terms.
  it('the cluster Region is "the provider\'s Region", an ARN\'s account <account>; ids and resources stay', async () => {
    const scanned = await scan({
      'main.tf': `provider "aws" {
  region = "us-west-2"
}
resource "aws_iam_role" "admin" {
  name = "KeyAdmin"
}
resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Admin", Effect = "Allow", Principal = { AWS = aws_iam_role.admin.arn }, Action = "kms:*", Resource = "*" }]
  })
}
${clusterTf({})}`,
    });
    const finding = (ruleId: string, messageId: string) => {
      const found = scanned.report.findings.find((f) => f.ruleId === ruleId && f.messageId === messageId);
      if (!found)
        throw new Error(
          `no ${ruleId} ${messageId}: ${scanned.report.findings.map((f) => `${f.ruleId} ${f.messageId}`).join(', ')}`,
        );
      return found;
    };
    const region = finding('hyperpod-key-exists', 'regionUnknown');
    expect(region.message).toBe(
      "root volume key main.tf#aws_kms_key.k is a key of us-west-2, and the cluster Region (the provider's Region, " +
        'not set in the files) is not known: a key of another Region cannot encrypt its volumes',
    );
    expect(region.resource).toMatchObject({
      id: 'main.tf#awscc_sagemaker_cluster.c/instance-group/workers',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder the inventory keeps
      region: '${AWS::Region}',
    });
    expect(finding('kms-key-separation-of-duties', 'mixed').message).toBe(
      'arn:aws:iam::<account>:role/KeyAdmin can both administer and use main.tf#aws_kms_key.k',
    );
    expect(scanned.report.findings.map((f) => f.message).filter((m) => m.includes('AWS::'))).toEqual([]);
  });
});

describe('a plan, and the account and Region columns, in Terraform terms too', () => {
  // A plan is Terraform's as much as its configuration: a resource read from one is in its
  // provider's Region and account (https://developer.hashicorp.com/terraform/language/meta-arguments/resource-provider),
  // whatever the plan file is named; so are the account and Region columns of the CSV and the dashboard.
  const planWithoutAwsccRegion = () => {
    const plan = JSON.parse(readFileSync(join(IAC_FIXTURES, 'terraform-plan/pass.json'), 'utf8'));
    delete plan.configuration.provider_config.awscc;
    return JSON.stringify(plan, null, 1);
  };
  const REGION_UNKNOWN =
    "root volume key aws_kms_key.workers.arn is a key of us-east-1, and the cluster Region (the provider's " +
    'Region, not set in the files) is not known: a key of another Region cannot encrypt its volumes';
  const ACCOUNT_WORDS = "the account of the provider's credentials, not set in the files";
  const REGION_WORDS = "the provider's Region, not set in the files";

  it("a plan's messages name the provider's Region, never ${AWS::Region}", async () => {
    const scanned = await scan({ 'tfplan.json': planWithoutAwsccRegion() });
    const exists = scanned.report.findings.find((f) => f.ruleId === 'hyperpod-key-exists')!;
    expect([exists.status, exists.messageId, exists.message]).toEqual([
      'UNKNOWN',
      'regionUnknown',
      REGION_UNKNOWN,
    ]);
    // The resource keeps the placeholder (policies are compared with it); only the words change.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder the inventory keeps
    expect(exists.resource.region).toBe('${AWS::Region}');
    expect(scanned.report.findings.map((f) => f.message).filter((m) => m.includes('AWS::'))).toEqual([]);
  });

  it("the CSV and dashboard columns word a Terraform resource's account and Region so; a template's keep CloudFormation's", async () => {
    const scanned = await scan({
      'tfplan.json': planWithoutAwsccRegion(),
      'main.tf': KEY,
      'stack.yaml':
        'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n',
    });
    const rotation = scanned.report.findings.filter((f) => f.ruleId === 'kms-key-rotation-enabled');
    const [header, ...rows] = parseCsv(renderCsv({ ...scanned.report, findings: rotation }));
    const column = (name: string) => header!.indexOf(name);
    expect(
      rows
        .filter((row) => row.length > 1)
        .map((row) => [row[column('resourceId')], row[column('account')], row[column('region')]])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['main.tf#aws_kms_key.k', ACCOUNT_WORDS, REGION_WORDS],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's pseudo parameters
      ['stack.yaml#Key', '${AWS::AccountId}', '${AWS::Region}'],
      ['tfplan.json#aws_kms_key.workers', ACCOUNT_WORDS, 'us-east-1'],
    ]);
    const dashboard = dashboardFromReport(scanned.report, { findings: 0 });
    const unknown = dashboard.findings.find((f) => f.ruleId === 'hyperpod-key-exists')!;
    expect([unknown.account, unknown.region]).toEqual([ACCOUNT_WORDS, REGION_WORDS]);
  });
});

describe("a plan (terraform show -json): each resource in its provider configuration's Region", () => {
  it('provider_config_key, a module inheriting the default, the region argument, awscc on its own', async () => {
    const planned = (address: string, type: string, values: object) => ({
      address,
      mode: 'managed',
      type,
      name: address.split('.').pop(),
      values,
    });
    const configured = (address: string, type: string, key: string) => ({
      address,
      mode: 'managed',
      type,
      name: address.split('.').pop(),
      provider_config_key: key,
    });
    const region = (name: string) => ({ expressions: { region: { constant_value: name } } });
    const plan = {
      format_version: '1.2',
      terraform_version: '1.9.8',
      planned_values: {
        root_module: {
          resources: [
            planned('aws_kms_key.west', 'aws_kms_key', { enable_key_rotation: true }),
            planned('aws_kms_key.east', 'aws_kms_key', { enable_key_rotation: true }),
            planned('aws_kms_key.v6', 'aws_kms_key', { enable_key_rotation: true, region: 'ap-south-1' }),
          ],
          child_modules: [
            {
              address: 'module.m',
              resources: [planned('module.m.aws_kms_key.k', 'aws_kms_key', { enable_key_rotation: true })],
            },
          ],
        },
      },
      configuration: {
        provider_config: {
          aws: { name: 'aws', ...region('us-east-1') },
          'aws.west': { name: 'aws', alias: 'west', ...region('us-west-2') },
        },
        root_module: {
          resources: [
            configured('aws_kms_key.west', 'aws_kms_key', 'aws.west'),
            configured('aws_kms_key.east', 'aws_kms_key', 'aws'),
            configured('aws_kms_key.v6', 'aws_kms_key', 'aws'),
          ],
          module_calls: {
            m: { module: { resources: [configured('aws_kms_key.k', 'aws_kms_key', 'module.m:aws')] } },
          },
        },
      },
    };
    const scanned = await scan({ 'plan.json': JSON.stringify(plan, null, 1) });
    expect(
      Object.fromEntries(scanned.inventory.keys.map((k) => [k.arn.replace('plan.json#', ''), k.region])),
    ).toEqual({
      'aws_kms_key.west': 'us-west-2',
      'aws_kms_key.east': 'us-east-1',
      'aws_kms_key.v6': 'ap-south-1',
      'module.m.aws_kms_key.k': 'us-east-1',
    });
  });
});

describe('count and for_each', () => {
  // https://developer.hashicorp.com/terraform/language/meta-arguments/count: "count accepts a
  // whole number"; Terraform converts the string "2" to it.
  it('count written as a string of digits makes that many instances', async () => {
    const scanned = await scan({ 'main.tf': 'resource "aws_kms_key" "k" {\n  count = "2"\n}\n' });
    expect(scanned.inventory.keys.map((k) => k.arn)).toEqual([
      'main.tf#aws_kms_key.k[0]',
      'main.tf#aws_kms_key.k[1]',
    ]);
  });

  // https://developer.hashicorp.com/terraform/language/meta-arguments/count: "count accepts a
  // whole number"; anything else fails the plan ("Invalid count argument"), so nothing is deployed.
  // A count known only later (a variable without a value) is no error.
  it.each([
    ['-1', 'a negative number'],
    ['1.5', 'a fraction'],
    ['"abc"', 'a string that is not a whole number'],
    ['null', 'null'],
    ['true', 'a bool'],
    ['[1]', 'a list'],
  ])('count = %s (%s) is an error naming the line, and the cluster is UNKNOWN, never PASS', async (count) => {
    const scanned = await scan({ 'main.tf': `${KEY}${clusterTf({ extra: `count = ${count}` })}` });
    expect(
      scanned.issues.map((i) => [i.code, i.severity, i.message, i.location?.file, i.location?.line]),
    ).toEqual([
      [
        'tf.invalid_count',
        'error',
        `awscc_sagemaker_cluster.c: count = ${count} is not a whole number of 0 or more: an error in Terraform`,
        'main.tf',
        7,
      ],
    ]);
    expect(scanned.report.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk')!.status).toBe(
      'UNKNOWN',
    );
  });

  it('a module with an invalid count is an error naming the call, and its cluster is UNKNOWN; an unknown count is none', async () => {
    const scanned = await scan({
      'main.tf':
        'variable "n" {}\nmodule "bad" {\n  source = "./m"\n  count  = -1\n}\nmodule "later" {\n  source = "./m"\n  count  = var.n\n}\n',
      'm/main.tf': `${KEY}${clusterTf({})}`,
    });
    expect(scanned.issues.map((i) => [i.code, i.message, i.location?.file, i.location?.line])).toEqual([
      [
        'tf.invalid_count',
        'module.bad: count = -1 is not a whole number of 0 or more: an error in Terraform',
        'main.tf',
        4,
      ],
    ]);
    expect(
      Object.fromEntries(
        scanned.report.findings
          .filter((f) => f.ruleId === 'hyperpod-root-volume-cmk')
          .map((f) => [f.resource.id, f.status]),
      ),
    ).toEqual({
      'main.tf#module.bad.awscc_sagemaker_cluster.c/instance-group/*': 'UNKNOWN',
      'main.tf#module.later.awscc_sagemaker_cluster.c/instance-group/workers': 'PASS',
    });
  });

  it('for_each over a map of objects and over toset(); over a value known only after apply, UNKNOWN and judged once', async () => {
    const scanned = await scan({
      'main.tf': `locals {
  keys = { a = { rotate = true }, b = { rotate = false } }
}
resource "aws_kms_key" "m" {
  for_each            = local.keys
  enable_key_rotation = each.value.rotate
}
resource "aws_kms_key" "s" {
  for_each    = toset(["y", "x", "y"])
  description = each.key
}
resource "aws_kms_key" "later" {
  for_each = aws_kms_key.m["a"].tags_all
}
`,
    });
    expect(
      Object.fromEntries(
        scanned.inventory.keys.map((k) => [k.arn.replace('main.tf#aws_kms_key.', ''), k.rotation?.enabled]),
      ),
    ).toEqual({ 'm["a"]': true, 'm["b"]': false, 's["x"]': false, 's["y"]': false, later: false });
  });

  // https://developer.hashicorp.com/terraform/language/meta-arguments/for_each: "The for_each
  // meta-argument accepts a map or a set of strings"; a list or tuple is an error.
  it('for_each over a list, or a set of values that are not strings, is an error naming the line; a set of strings or a map is read', async () => {
    const scanned = await scan({
      'main.tf': `variable "names" {
  type    = set(string)
  default = ["b", "a"]
}
variable "untyped" {
  default = ["c"]
}
resource "aws_kms_key" "list" {
  for_each = ["x", "y"]
}
resource "aws_kms_key" "tolist" {
  for_each = tolist(toset(["x"]))
}
resource "aws_kms_key" "keys" {
  for_each = keys({ x = 1 })
}
resource "aws_kms_key" "untyped" {
  for_each = var.untyped
}
resource "aws_kms_key" "numbers" {
  for_each = toset([1, 2])
}
resource "aws_kms_key" "set" {
  for_each = toset(["x"])
}
resource "aws_kms_key" "typed" {
  for_each = var.names
}
resource "aws_kms_key" "map" {
  for_each = { m = 1 }
}
`,
    });
    const list = (address: string, line: number) => [
      'tf.invalid_for_each',
      'error',
      `aws_kms_key.${address}: for_each is a list, not a set (it takes a map or a set of strings: toset() makes one): an error in Terraform`,
      line,
    ];
    expect(scanned.issues.map((i) => [i.code, i.severity, i.message, i.location?.line])).toEqual([
      list('list', 9),
      list('tolist', 12),
      list('keys', 15),
      list('untyped', 18),
      [
        'tf.invalid_for_each',
        'error',
        'aws_kms_key.numbers: for_each is a set of values that are not all strings (it takes a map or a set of strings): an error in Terraform',
        21,
      ],
    ]);
    // Terraform plans none of a refused resource: its values are UNKNOWN, never what is written.
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.list').rotation?.enabled).toEqual({
      unresolved: '["x", "y"]',
      reason:
        'for_each is a list, not a set (it takes a map or a set of strings: toset() makes one): an error in Terraform',
    });
    expect(scanned.inventory.keys.map((k) => k.arn.replace('main.tf#aws_kms_key.', '')).sort()).toEqual([
      'keys',
      'list',
      'map["m"]',
      'numbers',
      'set["x"]',
      'tolist',
      'typed["a"]',
      'typed["b"]',
      'untyped',
    ]);
  });

  it('a module whose for_each is not known: each.* is UNKNOWN, naming the input', async () => {
    const scanned = await scan({
      'main.tf':
        'variable "groups" {}\nmodule "m" {\n  source   = "./m"\n  for_each = var.groups\n  key      = each.value.key\n}\n',
      'm/main.tf': `variable "key" {}\n${clusterTf({ volumeKey: 'var.key' })}`,
    });
    expect(volumes(cluster(scanned))[0]!.kmsKeyId).toEqual({
      unresolved: 'var.groups',
      reason: 'variable groups has no default and no value was given',
      inputs: ['var.groups'],
    });
  });
});

describe('dynamic blocks', () => {
  // https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks
  it('make one nested block per element, with the iterator named by the label or by iterator', async () => {
    const scanned = await scan({
      'main.tf': `locals {
  admins = ["arn:aws:iam::111122223333:role/admin-a", "arn:aws:iam::111122223333:role/admin-b"]
}
data "aws_iam_policy_document" "p" {
  dynamic "statement" {
    for_each = local.admins
    iterator = admin
    content {
      sid       = "Admin\${admin.key}"
      actions   = ["kms:Describe*"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [admin.value]
      }
    }
  }
}
resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.p.json
}
`,
    });
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.k').policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Admin0',
          Effect: 'Allow',
          Action: ['kms:Describe*'],
          Resource: ['*'],
          Principal: { AWS: ['arn:aws:iam::111122223333:role/admin-a'] },
        },
        {
          Sid: 'Admin1',
          Effect: 'Allow',
          Action: ['kms:Describe*'],
          Resource: ['*'],
          Principal: { AWS: ['arn:aws:iam::111122223333:role/admin-b'] },
        },
      ],
    });
  });

  it('a statement whose condition a dynamic block makes from a value not given is UNKNOWN, never unconditional', async () => {
    const scanned = await scan({
      'main.tf': `variable "vpcs" {}
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    dynamic "condition" {
      for_each = var.vpcs
      content {
        test     = "StringEquals"
        variable = "aws:SourceVpc"
        values   = [condition.value]
      }
    }
  }
}
resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.p.json
}
`,
    });
    expect(keyNamed(scanned, 'main.tf#aws_kms_key.k').policy).toMatchObject({ inputs: ['var.vpcs'] });
    expect(scanned.report.findings.find((f) => f.ruleId === 'kms-key-policy-no-public-access')!.status).toBe(
      'UNKNOWN',
    );
  });

  it('over a collection known only later, UNKNOWN', async () => {
    const scanned = await scan({
      'main.tf': `variable "groups" {}
resource "aws_sagemaker_cluster" "c" {
  cluster_name = "c"
  dynamic "instance_group" {
    for_each = var.groups
    content {
      instance_group_name = instance_group.value.name
      instance_type       = "ml.g5.8xlarge"
      instance_count      = 1
      execution_role      = "arn:aws:iam::111122223333:role/workers"
    }
  }
}
`,
    });
    expect(cluster(scanned).instanceGroupsUnresolved).toMatchObject({ inputs: ['var.groups'] });
  });
});

describe('validation blocks', () => {
  // https://developer.hashicorp.com/terraform/language/values/variables#custom-validation-rules
  it('a value its validation refuses stops Terraform: UNKNOWN, naming the rule; one it accepts is the value', async () => {
    const config = (value: string) => ({
      'main.tf': `variable "key" {
  type = string
  validation {
    condition     = startswith(var.key, "arn:")
    error_message = "must be a key ARN"
  }
}
${KEY}${clusterTf({ volumeKey: 'var.key' })}`,
      'terraform.tfvars': `key = "${value}"\n`,
    });
    const refused = await scan(config('alias/aws/ebs'));
    expect(volumes(cluster(refused))[0]!.kmsKeyId).toEqual({
      unresolved: 'var.key',
      reason: 'the value of variable key fails its validation ("must be a key ARN"): an error in Terraform',
      inputs: ['var.key'],
    });
    const accepted = await scan(config('arn:aws:kms:us-east-1:111122223333:key/abcd'));
    expect(volumes(cluster(accepted))[0]!.kmsKeyId).toBe('arn:aws:kms:us-east-1:111122223333:key/abcd');
  });
});

describe('the JSON syntax (.tf.json)', () => {
  // https://developer.hashicorp.com/terraform/language/syntax/json
  it("quotes inside an interpolation, a provider named in a string, a dynamic block's content", async () => {
    const scanned = await scan({
      'main.tf.json': JSON.stringify({
        '//': 'a comment',
        provider: { aws: [{ region: 'us-east-1' }, { alias: 'west', region: 'us-west-2' }] },
        locals: { keys: { workers: 'alias/workers' } },
        resource: {
          aws_kms_key: { k: { provider: 'aws.west', enable_key_rotation: true } },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform JSON syntax
          aws_kms_alias: { a: { name: 'alias/workers', target_key_id: '${aws_kms_key.k.key_id}' } },
          aws_iam_role: {
            r: {
              name: 'workers',
              assume_role_policy: '{}',
              dynamic: {
                inline_policy: {
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform JSON syntax
                  for_each: '${{ kms = "kms:DescribeKey" }}',
                  content: {
                    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform JSON syntax
                    name: '${inline_policy.key}',
                    policy:
                      // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform JSON syntax
                      '${jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = inline_policy.value, Resource = "*" }] })}',
                  },
                },
              },
            },
          },
          awscc_sagemaker_cluster: {
            c: {
              cluster_name: 'c',
              node_provisioning_mode: 'Continuous',
              instance_groups: [
                {
                  instance_group_name: 'workers',
                  instance_type: 'ml.g5.8xlarge',
                  instance_count: 1,
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform JSON syntax
                  execution_role: '${aws_iam_role.r.arn}',
                  instance_storage_configs: [
                    {
                      ebs_volume_config: {
                        root_volume: true,
                        // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform JSON syntax
                        volume_kms_key_id: '${lookup(local.keys, "workers")}',
                      },
                    },
                  ],
                },
              ],
            },
          },
        },
      }),
    });
    expect(scanned.issues).toEqual([]);
    expect(volumes(cluster(scanned))[0]).toMatchObject({
      kmsKeyId: 'alias/workers',
      resolution: { status: 'resolved', keyArn: 'main.tf.json#aws_kms_key.k' },
    });
    expect(keyNamed(scanned, 'main.tf.json#aws_kms_key.k').region).toBe('us-west-2');
    expect(only(scanned.inventory.roles, 'role').kmsStatements).toEqual([
      { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' },
    ]);
  });
});

describe('blocks that move, import or remove resources', () => {
  it('moved, import, removed and check blocks leave the resources as declared', async () => {
    const scanned = await scan({
      'main.tf': `${KEY}moved {
  from = aws_kms_key.old
  to   = aws_kms_key.k
}
import {
  to = aws_kms_key.k
  id = "1234abcd-12ab-34cd-56ef-1234567890ab"
}
removed {
  from = aws_kms_key.gone
  lifecycle {
    destroy = false
  }
}
check "k" {
  assert {
    condition     = aws_kms_key.k.enable_key_rotation
    error_message = "rotate"
  }
}
${clusterTf({})}`,
    });
    expect(scanned.issues).toEqual([]);
    expect(scanned.inventory.keys.map((k) => k.arn)).toEqual(['main.tf#aws_kms_key.k']);
    expect(volumes(cluster(scanned))[0]!.resolution).toEqual({
      status: 'resolved',
      keyArn: 'main.tf#aws_kms_key.k',
    });
  });
});

describe('terraform.workspace', () => {
  it('is chosen when Terraform runs: UNKNOWN', async () => {
    const scanned = await scan({
      'main.tf': `${KEY}${clusterTf({ volumeKey: 'terraform.workspace == "prod" ? aws_kms_key.k.arn : null' })}`,
    });
    expect(volumes(cluster(scanned))[0]!.kmsKeyId).toEqual({
      unresolved: 'terraform.workspace == "prod" ? aws_kms_key.k.arn : null',
      reason: 'the workspace is chosen when Terraform runs',
      inputs: ['terraform.workspace'],
    });
  });
});

describe('number literals', () => {
  // HCL native syntax: NumericLit = decimal+ ("." decimal+)? (expmark decimal+)?, expmark = ('e' |
  // 'E') ("+" | "-")? (https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md#numeric-literals).
  // A description shows a known value; a policy, a value the scanner leaves UNKNOWN.
  const described = (scanned: { inventory: { keys: Key[] } }) =>
    Object.fromEntries(
      scanned.inventory.keys.map((k) => [
        k.arn.replace(/^main.tf#aws_kms_key./, ''),
        k.metadata?.description ?? k.policy,
      ]),
    );
  const keys = (values: Record<string, string>, attribute = 'description') =>
    Object.entries(values)
      .map(([name, value]) => `resource "aws_kms_key" "${name}" {\n  ${attribute} = ${value}\n}\n`)
      .join('');

  it('an exponent without a fraction is a number, and everything after it keeps its line', async () => {
    const scanned = await scan({
      'main.tf': `variable "unset" {}
locals {
  n = [1e3, 1E3, 1e+3, 25e-1, 2.5e-2, "\${2e2}"]
}
${keys({
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform template syntax
  plain: '"${local.n[0]}/${local.n[1]}/${local.n[2]}/${local.n[3]}/${local.n[4]}/${local.n[5]}"',
  sum: 'tostring(1e3 + 1)',
})}${keys({ later: 'var.unset * 1e3' }, 'policy')}${clusterTf({ volumeKey: 'aws_kms_key.plain.arn' })}`,
    });
    expect(scanned.issues).toEqual([]);
    expect(described(scanned)).toEqual({
      plain: '1000/1000/1000/2.5/0.025/200',
      sum: '1001',
      later: {
        unresolved: 'var.unset * 1e3',
        reason: 'variable unset has no default and no value was given',
        inputs: ['var.unset'],
      },
    });
    expect(cluster(scanned).location).toEqual({ file: 'main.tf', line: 14 });
  });

  it('a number the scanner cannot hold exactly (cty keeps them exactly) is UNKNOWN, never rounded', async () => {
    const scanned = await scan({
      'main.tf': `${keys(
        {
          huge: 'tostring(1e400)',
          long: 'tostring(12345678901234567891)',
          tiny: 'tostring(1e-400)',
        },
        'policy',
      )}${keys({ ok: 'tostring(15e2 + 0.25)' })}`,
    });
    expect(scanned.issues).toEqual([]);
    const unknown = (text: string, number: string) => ({
      unresolved: text,
      reason: `the number ${number} has more digits or a larger exponent than the scanner holds exactly`,
    });
    expect(described(scanned)).toEqual({
      huge: unknown('tostring(1e400)', '1e400'),
      long: unknown('tostring(12345678901234567891)', '12345678901234567891'),
      tiny: unknown('tostring(1e-400)', '1e-400'),
      ok: '1500.25',
    });
  });

  // HCL's legacy index (`LegacyIndex = '.' digit+`, hclsyntax/spec.md "Index Operator") is a dot
  // and a number token: hclsyntax's parser (parseExpressionTraversals, TokenNumberLit) takes the
  // number's value as the index, so `x.1e3` is `x[1000]`; a number token with a fraction
  // (`x.0.1`) is refused: "Invalid legacy index syntax ... Use the proper index syntax instead, like [0][1]".
  it('a legacy index written with an exponent is that index; two run together are refused, as HCL does', async () => {
    const scanned = await scan({
      'main.tf': `locals {
  l = [for i in range(1001) : "v\${i}"]
}
${keys({
  exponent: 'local.l.1e3',
  signed: 'local.l.1E+3',
  plain: 'local.l.7',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform template syntax
  template: '"${local.l.1e2}-${length(local.l)}"',
})}${clusterTf({ volumeKey: 'aws_kms_key.plain.arn' })}`,
    });
    expect(scanned.issues).toEqual([]);
    expect(described(scanned)).toEqual({
      exponent: 'v1000',
      signed: 'v1000',
      plain: 'v7',
      template: 'v100-1001',
    });
    expect(cluster(scanned).location).toEqual({ file: 'main.tf', line: 16 });
    const chained = await scan({
      'main.tf': `${KEY}locals {\n  l = [[1, 2]]\n  a = local.l.0.1\n  b = local.l.0.1e3\n}\n`,
    });
    expect(chained.issues.map((i) => [i.code, i.message, i.location?.line])).toEqual([
      [
        'tf.parse',
        'invalid HCL: legacy indexes run together (.0.1); write them as [0][1], as Terraform requires',
        6,
      ],
    ]);
  });

  it('a hexadecimal number is not HCL: the file is refused at its line, as Terraform refuses it', async () => {
    const scanned = await scan({ 'main.tf': `${KEY}locals {\n  n = 0x10\n}\n` });
    expect(scanned.issues.map((i) => [i.code, i.message, i.location?.line])).toEqual([
      ['tf.parse', 'invalid HCL: unexpected "0x10"', 5],
    ]);
  });
});
