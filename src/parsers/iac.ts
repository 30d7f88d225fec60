/**
 * Scans infrastructure-as-code into one inventory: finds the files, reads and parses each one
 * (a file that cannot be read or parsed becomes a SourceIssue and the others are still scanned),
 * recognises its format, and hands each format's files to its parser.
 */
import { readdirSync, type Stats, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SourceIssue } from '../model/finding.js';
import type { InputError } from '../model/input-error.js';
import { emptyInventory, type Inventory, resourceSources, type Source } from '../model/inventory.js';
import { pushAll } from '../model/many.js';
import { err, ok, type Result } from '../model/result.js';
import { asCliInput, type CliInput, cliInputCluster } from './cli-json/cli-input.js';
import { CloudFormationScan } from './cloudformation/index.js';
import {
  asParameterFile,
  asTemplate,
  type CfnParameterFile,
  type CfnTemplate,
} from './cloudformation/template.js';
import { cloudFormationSkips, type InlineSkip, terraformSkips } from './common/inline-skips.js';
import { boundedIssue, internalIssue } from './common/issues.js';
import { mayRead, readBounded, realPathOf, specialKind } from './common/safe-read.js';
import {
  DocumentError,
  getEntry,
  loadJson,
  loadYaml,
  plainOf,
  refusedYamlOf,
  type Scalar,
  type SMap,
  type SNode,
  treeValue,
} from './common/source-tree.js';
import { ACCOUNT, REGION, type Val } from './common/value.js';
import { type DiscoveredFile, discover, displayPath, IAC_MARKERS, readSource } from './discover.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_HCL_BYTES } from './limits.js';
import type { TfFile, TfModuleDir } from './terraform/declarations.js';
import { initHcl, parseHcl } from './terraform/hcl.js';
import { scanTerraform, type TfVarFile, tfvarsValues } from './terraform/index.js';
import { tfJsonToHcl } from './terraform/tf-json.js';
import { asPlan, planInventory, type TerraformPlan } from './terraform-plan/plan.js';

export { DEFAULT_MAX_FILE_BYTES };

export interface IacScanOptions {
  paths: readonly string[];
  cwd: string;
  exclude?: readonly string[];
  maxFileBytes?: number;
  /** CloudFormation parameter files (--parameters). */
  parameters?: readonly string[];
  /** Terraform variable files (--var-file). */
  varFiles?: readonly string[];
  /** The deploying region and account, when known; otherwise they stay symbolic. */
  region?: string;
  account?: string;
  generatedAt: string;
  /** Called as files are read: how many of how many. */
  onProgress?: (done: number, total: number) => void;
}

export interface IacScanResult {
  inventory: Inventory;
  issues: SourceIssue[];
  /** Files scanned by format, for the summary line. */
  counts: Record<
    'cloudformation' | 'cfn-parameters' | 'terraform' | 'tfvars' | 'terraform-plan' | 'cli-json',
    number
  >;
  filesSeen: number;
  /** Inline skips (comments and CloudFormation Metadata) found in the files. */
  skips: InlineSkip[];
}

type Parsed =
  | { kind: 'cfn-template'; template: CfnTemplate }
  | { kind: 'cfn-parameters'; parameters: CfnParameterFile }
  | { kind: 'tf-plan'; plan: TerraformPlan }
  | { kind: 'cli-input'; input: CliInput }
  | { kind: 'tf'; file: TfFile }
  | { kind: 'tfvars'; vars: TfVarFile }
  | { kind: 'none' };

function issueAt(file: string, issue: Omit<SourceIssue, 'location'>, line?: number): SourceIssue {
  return { ...issue, location: { file, ...(line ? { line } : {}) } };
}

function parseDocument(
  file: DiscoveredFile,
  text: string,
  issues: SourceIssue[],
  skips?: InlineSkip[],
): Parsed {
  let root: SNode;
  try {
    root = file.format === 'json' ? loadJson(text) : loadYaml(text);
  } catch (error) {
    if (!(error instanceof DocumentError) && !(error instanceof RangeError)) throw error;
    // Only text that means to be IaC is worth a parse error; other YAML (Helm templates, CI
    // workflows) is passed over quietly.
    if (IAC_MARKERS.test(text)) {
      const code =
        file.format === 'json' && /"format_version"/.test(text.slice(0, 4096))
          ? 'tf.plan_parse'
          : looksLikeCfn(text)
            ? 'cfn.parse'
            : 'iac.parse';
      issues.push(
        issueAt(
          file.file,
          {
            code,
            severity: 'error',
            message: error instanceof DocumentError ? error.message : 'nested too deeply to parse',
            hint: 'fix the syntax; the other files were still scanned',
          },
          error instanceof DocumentError ? error.line : undefined,
        ),
      );
    }
    return { kind: 'none' };
  }
  const template = asTemplate(root, file.file, file.absPath);
  const refused = template ? refusedYamlOf(root) : undefined;
  if (refused) {
    issues.push(
      issueAt(
        file.file,
        {
          code: 'cfn.parse',
          severity: 'error',
          ...(refused.kind === 'tag'
            ? {
                message: `YAML tag ${refused.what} is not one CloudFormation reads: it refuses the template`,
                hint: 'use the intrinsic function it stands for, or the processed template; the other files were still scanned',
              }
            : {
                message: `YAML ${refused.kind === 'alias' ? `alias ${refused.what}` : 'merge key <<'} is not read by CloudFormation, which supports neither aliases nor hash merges: it refuses the template`,
                hint: 'write the values out where they are used, or scan the template `aws cloudformation package` writes (it expands them); the other files were still scanned',
              }),
        },
        refused.line,
      ),
    );
    return { kind: 'none' };
  }
  if (template) {
    const resources = template.root.entries.get('Resources');
    if (resources && resources.kind !== 'map')
      issues.push(
        issueAt(
          file.file,
          {
            code: 'cfn.parse',
            severity: 'error',
            message: 'Resources is not a map of logical ids to resources: its resources are not scanned',
            hint: 'write Resources as a map (LogicalId: {Type: ..., Properties: ...})',
          },
          resources.line,
        ),
      );
    pushAll(issues, deployTimeResources(template.root, file.file));
    if (skips)
      pushAll(skips, cloudFormationSkips(template, text, file.format === 'json' ? 'json' : 'yaml', issues));
    return { kind: 'cfn-template', template };
  }
  const plan = asPlan(root, file.file);
  if (plan) return { kind: 'tf-plan', plan };
  const parameters = asParameterFile(root, file.file, file.absPath);
  if (parameters) return { kind: 'cfn-parameters', parameters };
  // The AWS CLI v2 reads --cli-input-yaml as YAML 1.2 (ruamel.yaml), where a plain yes is text and
  // 0123 is 123: a YAML file that is CLI input is read again that way.
  const recognised = asCliInput(root, file.file);
  const input =
    recognised && file.format !== 'json' ? asCliInput(loadYaml(text, '1.2'), file.file) : recognised;
  if (input) return { kind: 'cli-input', input };
  // This tool's own reports (`-o hyperpod-cmk.json` in the scanned tree) quote rule remediation that
  // names InstanceGroups: they are no IaC, passed over as any other JSON that is not.
  if (isOwnReport(root)) return { kind: 'none' };
  // A document that names a cluster or a template version but fits no format is not passed over quietly.
  const marker = CLUSTER_MARKERS.exec(text.slice(0, 1_048_576));
  if (marker)
    issues.push(
      issueAt(file.file, {
        code: 'iac.unrecognized',
        severity: 'error',
        message: `mentions ${marker[0].replace(/["\s:]/g, '')} but is not a CloudFormation template, parameter file, Terraform plan or create-cluster input this scanner recognises: not scanned`,
        hint: 'check its structure (a template needs a Resources map of typed resources), or exclude it with --exclude',
      }),
    );
  return { kind: 'none' };
}

const PROCESSED_HINT =
  'scan the processed template (aws cloudformation get-template --template-stage Processed --stack-name STACK), or write the resources out';

/** Whether any node within `node` (itself included, 64 levels deep at most) satisfies `test`. */
function anyNode(node: SNode | undefined, test: (node: SNode) => boolean): boolean {
  const stack: [SNode, number][] = node ? [[node, 0]] : [];
  while (stack.length > 0) {
    const [at, depth] = stack.pop()!;
    if (test(at)) return true;
    if (depth < 64 && at.kind !== 'scalar')
      for (const child of at.kind === 'map' ? at.entries.values() : at.items) stack.push([child, depth + 1]);
  }
  return false;
}

/** Whether a node holds a `Fn::Transform` (AWS::Include) anywhere within it. */
const holdsTransform = (node: SNode | undefined): boolean =>
  anyNode(node, (at) => at.kind === 'map' && at.entries.has('Fn::Transform'));

/** Whether a StackSet's properties hold, in a TemplateBody, a template with a cluster in it. */
const mentionsCluster = (properties: SNode | undefined): boolean =>
  anyNode(
    properties?.kind === 'map' ? properties.entries.get('TemplateBody') : undefined,
    (at) =>
      at.kind === 'scalar' && typeof at.value === 'string' && at.value.includes('AWS::SageMaker::Cluster'),
  );

/**
 * What in a template CloudFormation makes only when the stack deploys, so the scan cannot see it:
 * `Fn::ForEach` (AWS::LanguageExtensions) and `Fn::Transform` (AWS::Include) making resources, an
 * AWS::Include transform of the whole template, `Fn::Transform` within a cluster's properties,
 * and a resource that is not a map. Each is an error naming it, never a silent gap.
 */
function deployTimeResources(root: SMap, file: string): SourceIssue[] {
  const issues: SourceIssue[] = [];
  const issue = (message: string, line: number | undefined, hint = PROCESSED_HINT) =>
    issues.push(issueAt(file, { code: 'cfn.deploy_time', severity: 'error', message, hint }, line));
  const transform = root.entries.get('Transform');
  const names =
    transform?.kind === 'scalar'
      ? [String(transform.value)]
      : transform?.kind === 'seq'
        ? transform.items.map((item) =>
            item.kind === 'scalar' ? String(item.value) : String(scalarAt(item, 'Name') ?? ''),
          )
        : transform?.kind === 'map'
          ? [String(scalarAt(transform, 'Name') ?? '')]
          : [];
  if (names.includes('AWS::Include'))
    issue(
      'the template is transformed by AWS::Include when it deploys: what the include adds is not scanned',
      transform?.line,
    );
  // Any other macro processes the whole template when the stack deploys, and the processed
  // template is what is deployed (User Guide, "Perform custom processing on CloudFormation
  // templates with template macros",
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-macros.html): what it
  // changes is not in the files. The transforms CloudFormation hosts leave a HyperPod cluster and
  // a KMS key as written (Template Reference, Transform reference).
  for (const name of names)
    if (!HOSTED_TRANSFORMS.has(name))
      issue(
        `the template is processed by macro ${name || '(unnamed)'} when it deploys: what the macro changes is not scanned`,
        transform?.line,
      );
  const resources = root.entries.get('Resources');
  if (resources?.kind !== 'map') return issues;
  for (const [id, node] of resources.entries) {
    const line = resources.keyLines.get(id);
    if (id.startsWith('Fn::ForEach::'))
      issue(
        `${id} makes resources when the stack deploys (AWS::LanguageExtensions): the resources it makes are not scanned`,
        line,
      );
    else if (id === 'Fn::Transform')
      issue(
        'Fn::Transform (AWS::Include) adds resources when the stack deploys: the resources it adds are not scanned',
        line,
      );
    else if (node.kind !== 'map')
      issue(
        `resource ${id} is not a map of Type and Properties: not scanned`,
        line,
        'write the resource as a map (Type: ..., Properties: ...)',
      );
    else if (
      scalarAt(node, 'Type') === 'AWS::CloudFormation::StackSet' &&
      mentionsCluster(node.entries.get('Properties'))
    )
      issue(
        `StackSet ${id} deploys an inline TemplateBody that defines a HyperPod cluster: that cluster is not scanned`,
        line,
        'keep the template in a file of its own (TemplateURL), which the scan reads',
      );
    else if (
      scalarAt(node, 'Type') === 'AWS::SageMaker::Cluster' &&
      holdsTransform(node.entries.get('Properties'))
    )
      issue(
        `cluster ${id} takes properties from Fn::Transform (AWS::Include) when the stack deploys: what the include adds is not scanned`,
        line,
      );
  }
  return issues;
}

/** The transforms CloudFormation hosts (Template Reference, Transform reference); AWS::Include is read above. */
const HOSTED_TRANSFORMS: ReadonlySet<string> = new Set([
  'AWS::Include',
  'AWS::CodeDeployBlueGreen',
  'AWS::LanguageExtensions',
  'AWS::SecretsManager-2020-07-23',
  'AWS::Serverless-2016-10-31',
  'AWS::ServiceCatalog',
]);

/** A scalar entry of a map, when it is one. */
const scalarAt = (node: SNode | undefined, key: string): Scalar | undefined => {
  const entry = getEntry(node, key);
  return entry?.kind === 'scalar' ? entry.value : undefined;
};

/**
 * A report this tool wrote: its JSON report (`schemaVersion`, `tool.name` hyperpod-cmk, `scan`,
 * `findings`) or its SARIF log (every run's driver hyperpod-cmk). Nothing else has that shape.
 */
function isOwnReport(root: SNode): boolean {
  if (root.kind !== 'map') return false;
  const tool = root.entries.get('tool');
  if (
    typeof scalarAt(root, 'schemaVersion') === 'number' &&
    scalarAt(tool, 'name') === 'hyperpod-cmk' &&
    root.entries.get('scan')?.kind === 'map' &&
    root.entries.get('findings')?.kind === 'seq'
  )
    return true;
  const runs = root.entries.get('runs');
  return (
    scalarAt(root, 'version') === '2.1.0' &&
    runs?.kind === 'seq' &&
    runs.items.length > 0 &&
    runs.items.every((run) => {
      const driver = run.kind === 'map' ? run.entries.get('tool') : undefined;
      return (
        scalarAt(driver?.kind === 'map' ? driver.entries.get('driver') : undefined, 'name') === 'hyperpod-cmk'
      );
    })
  );
}

/** Text that says a document defines or describes a cluster. */
const CLUSTER_MARKERS = /AWSTemplateFormatVersion|AWS::SageMaker::Cluster|"?InstanceGroups"?\s*:/;

const looksLikeCfn = (text: string) =>
  /AWSTemplateFormatVersion|Resources\s*:|"Resources"|AWS::/.test(text.slice(0, 65_536));

function parseFile(
  file: DiscoveredFile,
  maxBytes: number,
  issues: SourceIssue[],
  roots: readonly string[] | undefined,
  skips?: InlineSkip[],
): Parsed {
  try {
    return parseFileUnguarded(file, maxBytes, issues, roots, skips);
  } catch (error) {
    // One file that trips the parser never loses the results of the others.
    issues.push(internalIssue(file.file, error));
    return { kind: 'none' };
  }
}

function parseFileUnguarded(
  file: DiscoveredFile,
  maxBytes: number,
  issues: SourceIssue[],
  roots: readonly string[] | undefined,
  skips?: InlineSkip[],
): Parsed {
  const read = readSource(file, maxBytes, roots);
  if (!read.ok) {
    if (read.iacLike) issues.push(issueAt(file.file, read.issue));
    return { kind: 'none' };
  }
  let { text } = read;
  if (file.format === 'tf-json') {
    // Terraform's JSON syntax: turned into the native syntax, then read like any .tf file.
    let hcl: string | undefined;
    try {
      hcl = tfJsonToHcl(plainOf(loadJson(text)));
    } catch (error) {
      issues.push(
        issueAt(
          file.file,
          { code: 'tf.parse', severity: 'error', message: (error as Error).message },
          error instanceof DocumentError ? error.line : undefined,
        ),
      );
      return { kind: 'none' };
    }
    if (hcl === undefined) {
      issues.push(
        issueAt(file.file, {
          code: 'tf.parse',
          severity: 'error',
          message: 'Terraform JSON configuration must be a JSON object',
        }),
      );
      return { kind: 'none' };
    }
    text = hcl;
  }
  if (file.format === 'hcl' || file.format === 'tfvars' || file.format === 'tf-json') {
    let parsed: ReturnType<typeof parseHcl>;
    try {
      parsed = parseHcl(text);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      parsed = { ok: false, message: 'nested too deeply to parse', line: 1 };
    }
    if (!parsed.ok) {
      issues.push(
        issueAt(
          file.file,
          {
            code: 'tf.parse',
            severity: 'error',
            message: parsed.message,
            hint: 'fix the syntax; the other files were still scanned',
          },
          parsed.line,
        ),
      );
      return { kind: 'none' };
    }
    if (file.format === 'tfvars')
      return {
        kind: 'tfvars',
        vars: { file: file.file, absPath: file.absPath, values: tfvarsValues(parsed.body, file.file) },
      };
    if (skips) pushAll(skips, terraformSkips(text, file.file, issues));
    return { kind: 'tf', file: { file: file.file, absPath: file.absPath, body: parsed.body } };
  }
  if (file.format === 'tfvars-json') {
    try {
      const root = loadJson(text);
      const values = new Map<string, { value: Val; line: number }>();
      if (root.kind === 'map')
        for (const [key, node] of root.entries)
          values.set(key, { value: treeValue(node, file.file), line: root.keyLines.get(key) ?? node.line });
      return { kind: 'tfvars', vars: { file: file.file, absPath: file.absPath, values } };
    } catch (error) {
      issues.push(
        issueAt(
          file.file,
          { code: 'tf.parse', severity: 'error', message: (error as Error).message },
          error instanceof DocumentError ? error.line : undefined,
        ),
      );
      return { kind: 'none' };
    }
  }
  return parseDocument(file, text, issues, skips);
}

/**
 * Why a file named with --parameters or --var-file cannot be read, said before anything is walked
 * or parsed: it does not exist, it is a directory, a kernel pseudo-file or device
 * (`/proc/self/environ`, `/dev/stdin`), a pipe or a socket, or it cannot be looked at.
 */
function explicitRefusal(path: string, cwd: string, what: 'parameters' | 'var-file'): InputError | undefined {
  const flag = `--${what}`;
  const absPath = resolve(cwd, path);
  const regularFile = `give ${flag} a regular file (save the ${what === 'parameters' ? 'parameters' : 'variables'} to one first)`;
  let stats: Stats;
  try {
    stats = statSync(absPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT'
      ? {
          code: 'input.missing',
          input: path,
          message: 'no such file',
          hint: `check the path given to ${flag}`,
        }
      : {
          code: 'input.unreadable',
          input: path,
          message: `cannot be read (${code})`,
          hint: `check the path given to ${flag} and its permissions`,
        };
  }
  if (stats.isDirectory())
    return {
      code: 'input.not_a_file',
      input: path,
      message: 'a directory, not a file',
      hint: `give ${flag} the file itself, not the directory that holds it`,
    };
  const special = specialKind(stats, realPathOf(absPath));
  if (special !== undefined)
    return {
      code: 'input.not_a_file',
      input: path,
      message: `not a regular file but ${special}: never read`,
      hint: regularFile,
    };
  const read = readBounded(absPath, { roots: undefined, maxBytes: 1, head: 1 });
  if (!read.ok && read.refusal === 'unreadable')
    return {
      code: 'input.unreadable',
      input: path,
      message: `cannot be read (${read.detail})`,
      hint: `check the permissions of the file given to ${flag}`,
    };
  return undefined;
}

/** Parses a file the user named with --parameters or --var-file: unusable input is an InputError. */
function explicitFile(
  path: string,
  cwd: string,
  maxBytes: number,
  what: 'parameters' | 'var-file',
): Result<Parsed, InputError> {
  const refused = explicitRefusal(path, cwd, what);
  if (refused) return err(refused);
  const discovery = discover([path], { cwd, exclude: [] });
  const file = discovery.files[0];
  if (discovery.missing.length > 0 || !file)
    return err({
      code: 'input.missing',
      input: path,
      message: discovery.issues[0]?.message ?? 'no such file',
      hint: `check the path given to --${what}`,
    });
  const issues: SourceIssue[] = [];
  const format =
    what === 'var-file'
      ? file.format === 'json' || file.format === 'tfvars-json'
        ? 'tfvars-json'
        : 'tfvars'
      : file.format === 'yaml'
        ? 'yaml'
        : 'json';
  // The user named this file: it is read wherever it is (but still bounded, and never a FIFO or device).
  const parsed = parseFile({ ...file, format }, maxBytes, issues, undefined);

  if (what === 'parameters' && parsed.kind !== 'cfn-parameters')
    return err({
      code: 'input.parameters',
      input: path,
      message: issues[0]?.message ?? 'not a CloudFormation parameter file',
      hint: 'expected [{"ParameterKey": "...", "ParameterValue": "..."}] or {"Parameters": {"Key": "value"}}',
    });
  if (what === 'var-file' && parsed.kind !== 'tfvars')
    return err({
      code: 'input.var_file',
      input: path,
      message: issues[0]?.message ?? 'not a Terraform variable file',
      hint: 'expected name = value lines (.tfvars) or a JSON object (.tfvars.json)',
    });
  return ok(parsed);
}

function loadDirectory(
  absDir: string,
  cwd: string,
  maxBytes: number,
  issues: SourceIssue[],
  roots: readonly string[],
  skips?: InlineSkip[],
): TfModuleDir | undefined {
  if (!mayRead(absDir, roots)) return undefined;
  let names: string[];
  try {
    names = readdirSync(absDir)
      .filter((name) => name.endsWith('.tf') || name.endsWith('.tf.json'))
      .sort();
  } catch {
    return undefined;
  }
  const files: TfFile[] = [];
  for (const name of names) {
    const absPath = join(absDir, name);
    let size = 0;
    try {
      size = statSync(absPath).size;
    } catch {
      continue;
    }
    const parsed = parseFile(
      { absPath, file: displayPath(cwd, absPath), format: name.endsWith('.json') ? 'tf-json' : 'hcl', size },
      maxBytes,
      issues,
      roots,
      skips,
    );
    if (parsed.kind === 'tf') files.push(parsed.file);
  }
  return files.length > 0 ? { absDir, files } : undefined;
}

export async function scanIac(options: IacScanOptions): Promise<Result<IacScanResult, InputError>> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // HCL's parser holds about 190 bytes of memory for each byte of a .tf file (a 9.5 MB file took
  // 1.8 GB): by default .tf and .tfvars files are read up to a smaller size, which no hand-written
  // configuration reaches. --max-file-size sets both.
  const hclBytes = options.maxFileBytes ?? DEFAULT_MAX_HCL_BYTES;
  const limitOf = (file: DiscoveredFile) =>
    file.format === 'hcl' || file.format === 'tfvars' ? hclBytes : maxBytes;
  const discovery = discover(options.paths, { cwd: options.cwd, exclude: options.exclude ?? [] });
  if (discovery.missing.length > 0)
    return err({
      code: 'input.missing',
      input: discovery.missing[0]!,
      message: 'no such file or directory',
      hint: 'pass the files or directories that hold your CloudFormation, Terraform or create-cluster input',
    });
  const notFile = discovery.notFiles[0];
  if (notFile)
    return err({
      code: 'input.not_a_file',
      input: notFile.path,
      message: `not a regular file or directory but ${notFile.kind}: never read`,
      hint: 'pass the files or directories that hold your CloudFormation, Terraform or create-cluster input',
    });
  const issues: SourceIssue[] = [...discovery.issues];
  if (
    discovery.files.some(
      (file) => file.format === 'hcl' || file.format === 'tfvars' || file.format === 'tf-json',
    ) ||
    (options.varFiles?.length ?? 0) > 0
  )
    await initHcl();

  const pseudo = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.account ? { account: options.account } : {}),
  };
  const inventory = emptyInventory('cloudformation', options.generatedAt);
  const explicitParameters: CfnParameterFile[] = [];
  for (const path of options.parameters ?? []) {
    const parsed = explicitFile(path, options.cwd, maxBytes, 'parameters');
    if (!parsed.ok) return parsed;
    if (parsed.value.kind === 'cfn-parameters') explicitParameters.push(parsed.value.parameters);
  }
  const byPath = new Map(discovery.files.map((file) => [file.absPath, file]));
  const cloudFormation = new CloudFormationScan(pseudo, explicitParameters, (absPath) => {
    const file = byPath.get(absPath);
    const parsed = file ? parseFile(file, limitOf(file), [], discovery.roots) : undefined;
    return parsed?.kind === 'cfn-template' ? pruneTemplate(parsed.template) : undefined;
  });
  let templates = 0;
  const parameterFiles: CfnParameterFile[] = [];
  const tfFiles: TfFile[] = [];
  const varFiles: TfVarFile[] = [];
  let plans = 0;
  let inputs = 0;
  const skips: InlineSkip[] = [];
  for (const [done, file] of discovery.files.entries()) {
    options.onProgress?.(done, discovery.files.length);
    const parsed = parseFile(file, limitOf(file), issues, discovery.roots, skips);
    if (parsed.kind === 'cfn-template') {
      templates++;
      cloudFormation.add(pruneTemplate(parsed.template));
    } else if (parsed.kind === 'cfn-parameters') parameterFiles.push(parsed.parameters);
    else if (parsed.kind === 'tf') tfFiles.push(parsed.file);
    else if (parsed.kind === 'tfvars') varFiles.push(parsed.vars);
    // Plans and create-cluster input stand alone: into the inventory now, so their trees are not kept.
    else if (parsed.kind === 'tf-plan') {
      plans++;
      const part = planInventory(parsed.plan, pseudo);
      pushAll(inventory.clusters, part.clusters);
      pushAll(inventory.keys, part.keys);
      pushAll(inventory.roles, part.roles);
      pushAll(issues, part.issues);
    } else if (parsed.kind === 'cli-input') {
      inputs++;
      inventory.clusters.push(
        cliInputCluster(parsed.input, {
          account: options.account ?? ACCOUNT,
          region: options.region ?? REGION,
          issues,
        }),
      );
    }
  }

  const explicitVarFiles: TfVarFile[] = [];
  for (const path of options.varFiles ?? []) {
    const parsed = explicitFile(path, options.cwd, hclBytes, 'var-file');
    if (!parsed.ok) return parsed;
    if (parsed.value.kind === 'tfvars') explicitVarFiles.push(parsed.value.vars);
  }

  const cfn = cloudFormation.finish(parameterFiles);
  if (!cfn.ok) return cfn;
  pushAll(issues, cfn.value.issues);
  const tf = scanTerraform({
    files: tfFiles,
    varFiles,
    explicitVarFiles,
    options: pseudo,
    loadDirectory: (absDir) => loadDirectory(absDir, options.cwd, hclBytes, issues, discovery.roots, skips),
    displayPath: (absPath) => displayPath(options.cwd, absPath),
    // Module sources and file() stay inside the scanned directories, whatever links point elsewhere.
    mayRead: (absPath) => mayRead(absPath, discovery.roots),
    readFile: (absPath) => {
      const read = readBounded(absPath, { roots: discovery.roots, maxBytes: Math.min(maxBytes, 1_048_576) });
      return read.ok ? read.buffer : undefined;
    },
  });
  if (!tf.ok) return tf;
  pushAll(issues, tf.value.issues);
  for (const part of [cfn.value, tf.value]) {
    pushAll(inventory.clusters, part.clusters);
    pushAll(inventory.keys, part.keys);
    pushAll(inventory.roles, part.roles);
  }
  resolveAcrossFiles(inventory);

  // The inventory's source is the format of everything found, or `iac` when it came from several
  // (each resource keeps its own); with nothing found, the format of the files read, and `iac`
  // when no file was read as any format.
  const read: Source[] = [];
  if (templates > 0) read.push('cloudformation');
  if (tfFiles.length > 0 || varFiles.length > 0) read.push('terraform');
  if (plans > 0) read.push('terraform-plan');
  if (inputs > 0) read.push('cli-json');
  const found = resourceSources(inventory);
  const formats = found.length > 0 ? found : read;
  inventory.source = formats.length === 1 ? formats[0]! : 'iac';
  const accountId = options.account && /^\d{12}$/.test(options.account) ? options.account : 'unknown';
  if (inventory.clusters.length > 0 || inventory.keys.length > 0)
    inventory.accounts.push({
      id: accountId,
      regions: options.region ? [options.region] : [],
      source: inventory.source,
    });

  const counts: IacScanResult['counts'] = {
    cloudformation: templates,
    'cfn-parameters': parameterFiles.length,
    terraform: tfFiles.length,
    tfvars: varFiles.length,
    'terraform-plan': plans,
    'cli-json': inputs,
  };
  const seenSkips = new Set<string>();
  const uniqueSkips = skips.filter((skip) => {
    const key = `${skip.file}:${skip.line}:${skip.ruleId}`;
    if (seenSkips.has(key)) return false;
    seenSkips.add(key);
    return true;
  });
  return ok({
    inventory,
    issues: issues.map(boundedIssue),
    counts,
    filesSeen: discovery.files.length + discovery.skipped,
    skips: uniqueSkips,
  });
}

/**
 * A volume that names a key by a literal alias (create-cluster input naming `alias/workers`, say)
 * resolves to the key that a scanned template or configuration gives that alias, when exactly one
 * does.
 */
function resolveAcrossFiles(inventory: Inventory): void {
  const byAlias = new Map<string, string[]>();
  for (const key of inventory.keys)
    for (const alias of key.aliases) byAlias.set(alias, [...(byAlias.get(alias) ?? []), key.arn]);
  if (byAlias.size === 0) return;
  for (const cluster of inventory.clusters)
    for (const group of cluster.instanceGroups) {
      if (!Array.isArray(group.volumes)) continue;
      for (const volume of group.volumes) {
        if (typeof volume.kmsKeyId !== 'string' || volume.resolution?.status !== 'unknown') continue;
        const alias = /(?:^|:)(alias\/[\w/-]+)$/.exec(volume.kmsKeyId)?.[1];
        const keys = alias ? byAlias.get(alias) : undefined;
        if (keys?.length === 1) volume.resolution = { status: 'resolved', keyArn: keys[0]! };
      }
    }
}

/** Resource types the CloudFormation evaluator reads; every other resource keeps only its Type. */
const CFN_RELEVANT =
  /^(AWS::SageMaker::Cluster|AWS::KMS::(Key|Alias|ReplicaKey)|AWS::IAM::(Role|Policy|ManagedPolicy|RolePolicy)|AWS::Lambda::Function|AWS::Serverless::Function|AWS::CloudFormation::(Stack|CustomResource)|Custom::.*)$/;

/** Drops the bodies of resources that cannot matter, so a large CDK app's templates stay small in memory. */
function pruneTemplate(template: CfnTemplate): CfnTemplate {
  for (const [logicalId, resource] of template.resources) {
    const type = resource.entries.get('Type');
    if (type?.kind === 'scalar' && typeof type.value === 'string' && CFN_RELEVANT.test(type.value)) continue;
    const stub: typeof resource = {
      kind: 'map',
      entries: new Map(),
      keyLines: new Map(),
      line: resource.line,
    };
    if (type) stub.entries.set('Type', type);
    const condition = resource.entries.get('Condition');
    if (condition) stub.entries.set('Condition', condition);
    template.resources.set(logicalId, stub);
  }
  return template;
}
