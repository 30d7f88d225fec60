import type { Inventory, Key, PolicyDocument } from '../../model/inventory.js';
import { isUnresolved, PolicyDocumentSchema } from '../../model/inventory.js';
import { isRegionName } from '../../model/regions.js';
import { parseSnapshot } from '../../model/snapshot.js';
import { diffKeyPolicies } from '../../policy-diff/diff.js';
import { renderPolicyDiffMarkdown } from '../../policy-diff/render.js';
import { syntheticKey } from '../../policy-diff/synthetic-key.js';
import { loadConfig, outputOptions, parseNow, planOutput, readInput, writeOutput } from '../common.js';
import { inputError } from '../errors.js';
import type { Io } from '../io.js';
import { defineCommand, defineOptions, type OptionsOf } from '../spec.js';

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** A key policy file: the policy document, or what `aws kms get-key-policy` prints (`{"Policy": "..."}`). */
export function parsePolicyFile(text: string, path: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw inputError({
      code: 'input.policy_json',
      input: path,
      message: `is not JSON: ${(error as Error).message}`,
      hint: 'pass a key policy document, or the output of `aws kms get-key-policy --output json`',
    });
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    !('Statement' in parsed) &&
    typeof (parsed as { Policy?: unknown }).Policy === 'string'
  )
    return parsePolicyFile((parsed as { Policy: string }).Policy, path);
  const result = PolicyDocumentSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw inputError({
      code: 'input.policy_document',
      input: path,
      message: `is not a key policy document: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}`,
      hint: 'a key policy has a Statement (an object or a list) of statements with Effect, Principal, Action',
    });
  }
  return result.data as PolicyDocument;
}

interface Sides {
  before: PolicyDocument;
  after: PolicyDocument;
  key: Key;
  inventory?: Inventory;
}

const DIFF_FORMATS = ['markdown', 'json'] as const;

const diffOptions = defineOptions([
  ...outputOptions(DIFF_FORMATS, 'markdown', 'policy-diff'),
  {
    flags: '--key <arn>',
    description: "compare the key's current policy (read live, or from --from) with NEW",
  },
  {
    flags: '--from <file>',
    description: 'with --key: read the key, its clusters and roles from this inventory snapshot',
  },
  {
    flags: '--execution-role <arn>',
    description:
      'an execution role that must keep kms:CreateGrant via SageMaker (repeatable; default: from the inventory or the old policy)',
    repeatable: true,
  },
  {
    flags: '--region <region>',
    description: "the key's Region when only files are compared (for kms:ViaService)",
  },
  {
    flags: '--config <file>',
    description: 'config file (keyAdmins, allowedKeyUsers... for the rule verdicts)',
  },
  { flags: '--now <time>', description: 'the clock for the rule verdicts, ISO-8601', parse: parseNow },
  { flags: '--profile <name>', description: 'AWS profile for --key', env: 'AWS_PROFILE' },
  {
    flags: '--endpoint-url <url>',
    description: 'AWS endpoint for --key (an emulator)',
    env: 'AWS_ENDPOINT_URL',
  },
]);

type DiffFlags = OptionsOf<typeof diffOptions>;

async function chooseSides(args: readonly string[], flags: DiffFlags, io: Io): Promise<Sides> {
  const keyArn = typeof flags.key === 'string' ? flags.key : undefined;
  const region = typeof flags.region === 'string' ? flags.region : undefined;
  if (keyArn !== undefined && !KEY_ARN.test(keyArn))
    throw inputError({
      code: 'usage.key',
      input: '--key',
      message: `"${keyArn}" is not a key ARN`,
      hint: 'e.g. --key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
  if (region !== undefined && !isRegionName(region))
    throw inputError({
      code: 'usage.region',
      input: '--region',
      message: `"${region}" is not an AWS Region`,
    });
  const files = args.map((path) => ({
    path,
    policy: parsePolicyFile(readInput(io, path, 'key policy'), path),
  }));
  if (keyArn === undefined) {
    if (files.length !== 2)
      throw inputError({
        code: 'usage.policies',
        input: 'policy diff',
        message: `needs two key policy files (OLD NEW), got ${files.length}`,
        hint: 'hyperpod-cmk policy diff old.json new.json, or policy diff --key ARN new.json',
      });
    const [before, after] = [files[0]!.policy, files[1]!.policy];
    return { before, after, key: syntheticKey([before, after], { region }) };
  }
  if (files.length !== 1)
    throw inputError({
      code: 'usage.policies',
      input: '--key',
      message: `compares the key's current policy with one file (NEW), got ${files.length}`,
      hint: 'hyperpod-cmk policy diff --key ARN new.json',
    });
  const after = files[0]!.policy;
  let key: Key | undefined;
  let inventory: Inventory | undefined;
  let where: string;
  if (typeof flags.from === 'string') {
    const parsed = parseSnapshot(() => readInput(io, flags.from!, 'inventory snapshot'), flags.from);
    if (!parsed.ok) throw inputError(parsed.error);
    inventory = parsed.value;
    key = inventory.keys.find((candidate) => candidate.arn === keyArn);
    where = flags.from;
    if (!key)
      throw inputError({
        code: 'input.key_not_found',
        input: '--key',
        message: `${keyArn} is not a key of the snapshot ${flags.from}`,
        hint: 'pass the ARN of a key the snapshot holds (hyperpod-cmk evaluate lists them)',
      });
  } else {
    const { readKey } = await import('../../collectors/aws/key.js');
    const read = await readKey({
      keyArn,
      ...(typeof flags.profile === 'string' && flags.profile ? { profile: flags.profile } : {}),
      ...(typeof flags.endpointUrl === 'string' && flags.endpointUrl ? { endpoint: flags.endpointUrl } : {}),
    });
    where = 'AWS';
    if (!read.key)
      throw inputError({
        code: 'aws.key_unreadable',
        input: '--key',
        message: `${keyArn} could not be read: ${read.problem ?? read.gaps[0]?.message ?? 'unknown error'}`,
        hint: 'check the credentials (--profile) and that they may call kms:DescribeKey and kms:GetKeyPolicy',
      });
    key = read.key;
  }
  if (key.policy === undefined || isUnresolved(key.policy))
    throw inputError({
      code: 'input.key_policy_missing',
      input: '--key',
      message: `the policy of ${keyArn} is not known from ${where}${key.policy ? `: ${key.policy.reason}` : ''}`,
      hint: 'give both policies as files: hyperpod-cmk policy diff old.json new.json',
    });
  return { before: key.policy, after, key, ...(inventory ? { inventory } : {}) };
}

const diffCommand = defineCommand({
  name: 'diff',
  summary:
    'what a key-policy change does: who gains or loses which KMS actions, lockout, CreateGrant, rule verdicts',
  description:
    'Compares two key policies by their effect, not their text: statement order, Sids, Action or Principal as a ' +
    'string or a list, or one statement split in two change nothing. Exit 1 when the change widens access ' +
    '(some principal may do something, or under some condition, it could not before), 0 otherwise, 2 on bad input.',
  args: [
    {
      name: 'policies',
      description: 'OLD NEW key policy files (or NEW alone with --key)',
      required: false,
      variadic: true,
    },
  ],
  options: diffOptions,
  examples: [
    'hyperpod-cmk policy diff main/key-policy.json pr/key-policy.json',
    'hyperpod-cmk policy diff --key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab new.json',
    'hyperpod-cmk policy diff --from inventory.json --key arn:aws:kms:... new.json --format json',
  ],
  async run(args, flags, io) {
    const output = planOutput(flags, DIFF_FORMATS, 'markdown');
    const sides = await chooseSides(args, flags, io);
    const configPath = typeof flags.config === 'string' ? flags.config : undefined;
    const config = loadConfig(io, configPath ? { config: configPath } : {});
    const diff = diffKeyPolicies({
      ...sides,
      executionRoles: flags.executionRole ?? [],
      config,
      now: flags.now instanceof Date ? flags.now : io.now(),
    });
    const text =
      output.format === 'json' ? `${JSON.stringify(diff, null, 2)}\n` : renderPolicyDiffMarkdown(diff);
    writeOutput(io, text, { format: output.format, ...(output.path ? { output: output.path } : {}) });
    return diff.widens ? 1 : 0;
  },
});

export const policyCommand = defineCommand({
  name: 'policy',
  summary: 'key-policy tools: `policy diff` reports what a change does',
  options: [],
  subcommands: [diffCommand],
});
