/**
 * A Terraform module evaluated as `terraform plan` would see it before anything exists: variables
 * (var files, defaults, or what the calling module passes), locals, local child modules, count and
 * for_each, and the resources that matter here (awscc_sagemaker_cluster; aws_kms_key,
 * awscc_kms_key, aws_kms_replica_key, aws_kms_key_policy, aws_kms_alias, awscc_kms_alias;
 * aws_iam_role and its policies; data "aws_iam_policy_document" and data "aws_kms_key").
 *
 * Attributes known only after apply (an ARN, an id) are `Sym`s named by their address, so that a
 * cluster's `aws_kms_key.root.arn` resolves to the key defined alongside; an unset variable or a
 * value read from AWS is an `Unknown` naming it.
 */
import { resolve } from 'node:path';
import type { SourceIssue } from '../../model/finding.js';
import type { Cluster, ExecutionRole, Key, Location, PolicyStatement } from '../../model/inventory.js';
import {
  awsProviderClusterSpec,
  buildCluster,
  looksLikeHyperPodCluster,
  resolveKeyReference,
  TERRAFORM_CLUSTER_TYPES,
  unsupportedClusterIssue,
  type VolumeKey,
} from '../common/cluster-builder.js';
import { pushOnce } from '../common/issues.js';
import {
  buildKey,
  defaultKeyPolicy,
  kmsStatementsOf,
  terraformKeyProperties,
} from '../common/key-builder.js';
import {
  ACCOUNT,
  isObject,
  isSym,
  locate,
  PARTITION,
  partitionOf,
  REGION,
  Sym,
  safeJson,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { applySteps, evaluate, type Scope, type Step } from './expressions.js';
import type { Attribute, Block, Body, Expr } from './hcl.js';

export interface TfFile {
  file: string;
  absPath: string;
  body: Body;
}

export interface TfModuleDir {
  absDir: string;
  files: TfFile[];
}

export interface TfOptions {
  region?: string;
  account?: string;
}

export interface TfContext {
  options: TfOptions;
  issues: SourceIssue[];
  /** The module in a directory: from the scan, or read on demand; undefined when it has no .tf files. */
  loadModule(absDir: string): TfModuleDir | undefined;
  displayPath(absPath: string): string;
  /**
   * Whether file() may read a path: only inside the working directory or the scanned paths, so a
   * configuration cannot pull files from elsewhere on the machine into a report.
   */
  mayRead(absPath: string): boolean;
  /** A file's text for file(), through the scan's bounded read; undefined when refused or unreadable. */
  readFile(absPath: string): string | undefined;
}

export interface ModuleOutput {
  clusters: Cluster[];
  keys: Key[];
  roles: ExecutionRole[];
  /** The module directories whose clusters this evaluation judged. */
  judged?: string[];
}

/** Resource types that define a HyperPod cluster. */
export const CLUSTER_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'awscc_sagemaker_cluster',
  'aws_sagemaker_cluster',
]);

/** Instances of one count or for_each that are evaluated, at most; more is an issue. */
export const MAX_INSTANCES = 1_000;

interface Declared<T> {
  item: T;
  file: TfFile;
}

const KEY_TYPES = new Set(['aws_kms_key', 'awscc_kms_key', 'aws_kms_replica_key']);
const ALIAS_TYPES = new Set(['aws_kms_alias', 'awscc_kms_alias']);
const META_ARGUMENTS = new Set([
  'source',
  'version',
  'count',
  'for_each',
  'providers',
  'depends_on',
  'lifecycle',
  'provider',
]);
const MAX_MODULE_DEPTH = 8;

/** The declarations of one module directory, indexed. */
class ModuleIndex {
  readonly variables = new Map<string, Declared<Block>>();
  readonly locals = new Map<string, Declared<Attribute>>();
  readonly resources = new Map<string, Declared<Block>>();
  readonly resourceTypes = new Set<string>();
  readonly data = new Map<string, Declared<Block>>();
  readonly modules = new Map<string, Declared<Block>>();
  readonly outputs = new Map<string, Declared<Block>>();
  providerRegion: Expr | undefined;

  constructor(readonly dir: TfModuleDir) {
    for (const file of dir.files) {
      for (const block of file.body.blocks) {
        const [a, b] = block.labels;
        switch (block.type) {
          case 'variable':
            if (a) this.variables.set(a, { item: block, file });
            break;
          case 'locals':
            for (const [name, attribute] of block.body.attributes)
              this.locals.set(name, { item: attribute, file });
            break;
          case 'resource':
            if (a && b) {
              this.resources.set(`${a}.${b}`, { item: block, file });
              this.resourceTypes.add(a);
            }
            break;
          case 'data':
            if (a && b) this.data.set(`${a}.${b}`, { item: block, file });
            break;
          case 'module':
            if (a) this.modules.set(a, { item: block, file });
            break;
          case 'output':
            if (a) this.outputs.set(a, { item: block, file });
            break;
          case 'provider':
            if (a === 'aws' && !block.labels[1])
              this.providerRegion ??= block.body.attributes.get('region')?.expr;
            break;
        }
      }
    }
  }
}

/** Shared by a root module and its children: keys, aliases, roles and what they produce. */
class Family {
  readonly keyIds = new Set<string>();
  readonly aliasToKey = new Map<string, string>();
  readonly aliasResourceToKey = new Map<string, string>();
  readonly keyAliases = new Map<string, string[]>();
  readonly keyPolicies = new Map<string, Val>();
  readonly roles = new Map<string, { arn: string; name?: string; statements: PolicyStatement[] }>();
  readonly policies = new Map<string, PolicyStatement[]>();
  readonly output: ModuleOutput = { clusters: [], keys: [], roles: [], judged: [] };
  /** Evaluation steps left for the root module and all its children. */
  readonly budget = { steps: MAX_MODULE_STEPS };
}

/** Evaluation steps one root module (with its children) may take: a few seconds of work. */
export const MAX_MODULE_STEPS = 20_000_000;

interface Instance {
  address: string;
  scope: Scope;
}

export class ModuleInstance {
  private readonly index: ModuleIndex;
  private readonly localCache = new Map<string, Val>();
  private readonly localsInProgress = new Set<string>();
  private readonly children = new Map<string, ModuleInstance[] | null>();
  private region: string;
  private readonly account: string;
  private readonly partition: string;

  private constructor(
    private readonly context: TfContext,
    dir: TfModuleDir,
    /** `''` for the root module, `module.x.` (or `module.x[0].`) for a child. */
    readonly prefix: string,
    private readonly inputs: Map<string, Val>,
    private readonly chain: readonly string[],
    private readonly family: Family,
    inheritedRegion: string | undefined,
  ) {
    this.index = new ModuleIndex(dir);
    this.account = context.options.account ?? ACCOUNT;
    this.region = context.options.region ?? inheritedRegion ?? REGION;
    if (!context.options.region && !inheritedRegion && this.index.providerRegion) {
      const region = evaluate(this.index.providerRegion, this.scope(this.index.dir.files[0]!, {}));
      if (typeof region === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) this.region = region;
    }
    this.partition = partitionOf(this.region.startsWith('${') ? undefined : this.region) ?? PARTITION;
  }

  static evaluateRoot(context: TfContext, dir: TfModuleDir, variables: Map<string, Val>): ModuleOutput {
    const family = new Family();
    const root = new ModuleInstance(context, dir, '', variables, [dir.absDir], family, undefined);
    root.collect();
    root.emitKeys();
    root.emitClusters();
    for (const role of family.roles.values())
      if (role.statements.length > 0)
        family.output.roles.push({
          arn: role.arn,
          account: root.account,
          source: 'terraform',
          kmsStatements: role.statements,
          policiesCollected: true,
        });
    return family.output;
  }

  private location(file: TfFile, line: number): Location {
    return { file: file.file, line };
  }

  // -------------------------------------------------------------------------------------------
  // Scope: what references resolve to

  scope(file: TfFile, extra: Record<string, Val>): Scope {
    return {
      file: file.file,
      budget: this.family.budget,
      overBudget: (expr, what) =>
        pushOnce(this.context.issues, {
          code: 'tf.evaluation_budget',
          severity: 'error',
          message: `${what}: over the scanner's evaluation budget, so what it feeds is UNKNOWN`,
          hint: 'simplify the expression, or scan a plan (terraform show -json) where Terraform has evaluated it',
          location: this.location(file, expr.line),
        }),
      readFile: (path) => this.readFile(path),
      reference: (root, steps, expr) => {
        if (root in extra) return applySteps(extra[root]!, steps, expr);
        return this.reference(root, steps, expr, file);
      },
    };
  }

  private readFile(path: string): string | undefined {
    return this.context.readFile(resolve(this.index.dir.absDir, path));
  }

  private reference(root: string, steps: Step[], expr: Expr, file: TfFile): Val {
    const first = steps[0];
    const firstName = first && 'attr' in first ? first.attr : undefined;
    switch (root) {
      case 'var':
        return firstName === undefined
          ? new Unknown(expr.text, 'not a variable')
          : applySteps(this.variable(firstName, expr), steps.slice(1), expr);
      case 'local':
        return firstName === undefined
          ? new Unknown(expr.text, 'not a local value')
          : applySteps(this.local(firstName, expr), steps.slice(1), expr);
      case 'module':
        return firstName === undefined
          ? new Unknown(expr.text, 'not a module output')
          : this.moduleOutput(firstName, steps.slice(1), expr);
      case 'data':
        return this.dataReference(steps, expr);
      case 'path': {
        if (firstName === 'module') return this.index.dir.absDir;
        return new Unknown(expr.text, 'a path known only where Terraform runs');
      }
      case 'terraform':
        return new Unknown(expr.text, 'the workspace is chosen when Terraform runs', ['terraform.workspace']);
      case 'each':
      case 'count':
      case 'self':
        return new Unknown(expr.text, `${root} is used outside a resource that sets it`);
    }
    if (this.index.resourceTypes.has(root) && firstName !== undefined)
      return this.resourceReference(root, firstName, steps.slice(1), expr);
    void file;
    return new Unknown(expr.text, `${root} is not declared in this module`, [root]);
  }

  private variable(name: string, expr: Expr): Val {
    if (this.inputs.has(name)) return this.inputs.get(name)!;
    const declared = this.index.variables.get(name);
    const fallback = declared?.item.body.attributes.get('default');
    if (declared && fallback) return evaluate(fallback.expr, this.scope(declared.file, {}));
    if (!declared) return new Unknown(expr.text, `variable ${name} is not declared`, [`var.${name}`]);
    return new Unknown(`var.${name}`, `variable ${name} has no default and no value was given`, [
      `var.${name}`,
    ]);
  }

  private local(name: string, expr: Expr): Val {
    const cached = this.localCache.get(name);
    if (cached !== undefined) return cached;
    const declared = this.index.locals.get(name);
    if (!declared) return new Unknown(expr.text, `local.${name} is not declared`);
    if (this.localsInProgress.has(name)) return new Unknown(expr.text, `local.${name} refers to itself`);
    this.localsInProgress.add(name);
    const value = evaluate(declared.item.expr, this.scope(declared.file, {}));
    this.localsInProgress.delete(name);
    this.localCache.set(name, value);
    return value;
  }

  private resourceReference(type: string, name: string, rest: Step[], expr: Expr): Val {
    const declared = this.index.resources.get(`${type}.${name}`);
    if (!declared)
      return new Unknown(expr.text, `${type}.${name} is not declared in this module`, [`${type}.${name}`]);
    const block = declared.item;
    const repeated = block.body.attributes.has('count') || block.body.attributes.has('for_each');
    let suffix = '';
    let steps = rest;
    const head = rest[0];
    if (repeated && head && 'index' in head) {
      if (head.index instanceof Unknown) return new Unknown(expr.text, head.index.reason, head.index.inputs);
      suffix = `[${JSON.stringify(toPlain(head.index))}]`;
      steps = rest.slice(1);
    } else if (repeated) {
      const instances = this.instances(declared);
      if (instances instanceof Unknown) return new Unknown(expr.text, instances.reason, instances.inputs);
      const list = instances.map(
        (instance) => new Sym(instance.address, { id: this.idOf(declared.file, instance.address), type }),
      );
      return applySteps(list, steps, expr);
    }
    const address = `${this.prefix}${type}.${name}${suffix}`;
    const target = { id: this.idOf(declared.file, address), type };
    const attribute = steps[0] && 'attr' in steps[0] ? steps[0].attr : undefined;
    if (attribute !== undefined) {
      const special = this.knownAttribute(declared, type, attribute, target);
      if (special !== undefined) return applySteps(special, steps.slice(1), expr);
    }
    return applySteps(new Sym(address, target), steps, expr);
  }

  /** Attributes whose value the configuration fixes: arguments set literally, a role's ARN from its name. */
  private knownAttribute(
    declared: Declared<Block>,
    type: string,
    attribute: string,
    target: { id: string; type: string },
  ): Val | undefined {
    const body = declared.item.body;
    if (type === 'aws_iam_role' && attribute === 'arn') {
      const name = this.literalArgument(declared, 'name');
      const path = this.literalArgument(declared, 'path') ?? '/';
      if (name)
        return new Sym(`arn:${this.partition}:iam::${this.account}:role${path}${name}`, {
          ...target,
          attribute,
        });
      return undefined;
    }
    // A key's ARN is its inventory id, so IAM statements that name it match the key.
    if (KEY_TYPES.has(type) && attribute === 'arn') return new Sym(target.id, { ...target, attribute });
    if (['arn', 'id', 'key_id'].includes(attribute)) return undefined;
    const argument = body.attributes.get(attribute);
    if (!argument || body.attributes.has('count') || body.attributes.has('for_each')) return undefined;
    const value = evaluate(argument.expr, this.scope(declared.file, {}));
    if (value instanceof Unknown) return undefined;
    return value;
  }

  private literalArgument(declared: Declared<Block>, name: string): string | undefined {
    const argument = declared.item.body.attributes.get(name);
    if (
      !argument ||
      declared.item.body.attributes.has('count') ||
      declared.item.body.attributes.has('for_each')
    )
      return undefined;
    const value = evaluate(argument.expr, this.scope(declared.file, {}));
    return typeof value === 'string' ? value : undefined;
  }

  private idOf(file: TfFile, address: string): string {
    return `${file.file}#${address}`;
  }

  private dataReference(steps: Step[], expr: Expr): Val {
    const [typeStep, nameStep, ...rest] = steps;
    const type = typeStep && 'attr' in typeStep ? typeStep.attr : undefined;
    const name = nameStep && 'attr' in nameStep ? nameStep.attr : undefined;
    if (!type || !name) return new Unknown(expr.text, 'not a data source');
    const attribute = rest[0] && 'attr' in rest[0] ? rest[0].attr : undefined;
    const after = rest.slice(1);
    if (type === 'aws_caller_identity' && attribute === 'account_id')
      return applySteps(this.context.options.account ?? new Sym(ACCOUNT), after, expr);
    if (type === 'aws_region' && (attribute === 'name' || attribute === 'region' || attribute === 'id'))
      return applySteps(this.region.startsWith('${') ? new Sym(this.region) : this.region, after, expr);
    if (type === 'aws_partition' && attribute === 'partition')
      return applySteps(
        this.partition.startsWith('${') ? new Sym(this.partition) : this.partition,
        after,
        expr,
      );
    const declared = this.index.data.get(`${type}.${name}`);
    if (!declared) return new Unknown(expr.text, `data.${type}.${name} is not declared in this module`);
    const scope = this.scope(declared.file, {});
    if (type === 'aws_iam_policy_document' && (attribute === 'json' || attribute === 'minified_json'))
      return applySteps(this.policyDocument(declared.item.body, scope), after, expr);
    if (type === 'aws_kms_key' && ['arn', 'id', 'key_id'].includes(attribute ?? '')) {
      const keyId = declared.item.body.attributes.get('key_id');
      if (keyId) return evaluate(keyId.expr, scope);
    }
    if (
      type === 'aws_kms_alias' &&
      ['name', 'arn', 'target_key_arn', 'target_key_id'].includes(attribute ?? '')
    ) {
      const aliasName = declared.item.body.attributes.get('name');
      if (aliasName) return evaluate(aliasName.expr, scope);
    }
    return new Unknown(expr.text, `data.${type}.${name} is read from AWS when Terraform plans`, [
      `data.${type}.${name}`,
    ]);
  }

  /** data "aws_iam_policy_document" as the JSON policy it renders. */
  private policyDocument(body: Body, scope: Scope, depth = 0): Val {
    const statements: Val[] = [];
    for (const attr of ['source_policy_documents', 'source_json']) {
      const source = body.attributes.get(attr);
      if (!source) continue;
      const value = evaluate(source.expr, scope);
      if (value instanceof Unknown) return value;
      const docs: Val[] = Array.isArray(value) ? value : [value];
      for (const doc of docs) {
        const parsed = safeJson(textOf(doc) ?? '');
        if (isObject(parsed as Val) && Array.isArray((parsed as ValObject).Statement))
          statements.push(...((parsed as ValObject).Statement as Val[]));
      }
    }
    for (const block of body.blocks.filter((b) => b.type === 'statement')) {
      const s = this.bodyValue(block.body, scope, depth + 1);
      if (s instanceof Unknown) return s;
      const statement: ValObject = {};
      const copy = (from: string, to: string) => {
        const value = s[from];
        if (value !== undefined && value !== null) statement[to] = value;
      };
      copy('sid', 'Sid');
      statement.Effect = s.effect ?? 'Allow';
      copy('actions', 'Action');
      copy('not_actions', 'NotAction');
      copy('resources', 'Resource');
      copy('not_resources', 'NotResource');
      for (const [from, to] of [
        ['principals', 'Principal'],
        ['not_principals', 'NotPrincipal'],
      ] as const) {
        const list = s[from];
        if (!Array.isArray(list)) continue;
        const principal: ValObject = {};
        for (const p of list) {
          if (!isObject(p)) continue;
          const kind = textOf(p.type ?? null);
          if (!kind) continue;
          const ids: Val[] = Array.isArray(p.identifiers) ? p.identifiers : [p.identifiers ?? null];
          principal[kind] = [...((principal[kind] as Val[] | undefined) ?? []), ...ids];
        }
        if (
          principal.AWS &&
          Array.isArray(principal.AWS) &&
          principal.AWS.length === 1 &&
          principal.AWS[0] === '*'
        )
          statement[to] = '*';
        else statement[to] = principal;
      }
      if (Array.isArray(s.condition)) {
        const condition: ValObject = {};
        for (const c of s.condition) {
          if (!isObject(c)) continue;
          const test = textOf(c.test ?? null);
          const variable = textOf(c.variable ?? null);
          if (!test || !variable) continue;
          const block = (condition[test] as ValObject | undefined) ?? {};
          block[variable] = c.values ?? [];
          condition[test] = block;
        }
        statement.Condition = condition;
      }
      statements.push(statement);
    }
    const doc = { Version: '2012-10-17', Statement: statements };
    const text = JSON.stringify(toPlain(doc));
    return containsSym(doc) ? new Sym(text) : text;
  }

  private moduleOutput(name: string, steps: Step[], expr: Expr): Val {
    const declared = this.index.modules.get(name);
    if (!declared) return new Unknown(expr.text, `module ${name} is not declared`, [`module.${name}`]);
    const instances = this.child(name, declared);
    if (!instances)
      return new Unknown(expr.text, `an output of module ${name}, whose source is not in the scanned files`, [
        `module.${name}`,
      ]);
    let rest = steps;
    let instance = instances[0];
    const head = steps[0];
    if (head && 'index' in head) {
      const key = JSON.stringify(toPlain(head.index));
      instance = instances.find((i) => i.prefix.endsWith(`[${key}].`));
      rest = steps.slice(1);
    }
    const outputName = rest[0] && 'attr' in rest[0] ? rest[0].attr : undefined;
    if (!instance || !outputName)
      return new Unknown(expr.text, `module ${name} has no such instance or output`);
    return applySteps(instance.output(outputName, expr), rest.slice(1), expr);
  }

  private output(name: string, expr: Expr): Val {
    const declared = this.index.outputs.get(name);
    const value = declared?.item.body.attributes.get('value');
    if (!declared || !value) return new Unknown(expr.text, `module output ${name} is not declared`);
    return evaluate(value.expr, this.scope(declared.file, {}));
  }

  /** The instances of a local child module, created once. */
  private child(name: string, declared: Declared<Block>): ModuleInstance[] | undefined {
    if (this.children.has(name)) return this.children.get(name) ?? undefined;
    this.children.set(name, null);
    const scope = this.scope(declared.file, {});
    const sourceAttr = declared.item.body.attributes.get('source');
    const source = sourceAttr ? textOf(evaluate(sourceAttr.expr, scope)) : undefined;
    if (!source || !(source.startsWith('./') || source.startsWith('../'))) return undefined;
    const absDir = resolve(this.index.dir.absDir, source);
    if (this.chain.includes(absDir) || this.chain.length >= MAX_MODULE_DEPTH) {
      pushOnce(this.context.issues, {
        code: 'tf.module_cycle',
        severity: 'warning',
        message: `module ${name} (${source}) is already being evaluated: a cycle, or nesting deeper than ${MAX_MODULE_DEPTH}; its clusters are judged on their own`,
        location: this.location(declared.file, declared.item.line),
      });
      return undefined;
    }
    if (!this.context.mayRead(absDir)) {
      pushOnce(this.context.issues, {
        code: 'tf.module_outside_root',
        severity: 'error',
        message: `module ${name}: ${source} is outside the scanned directories (or a link out of them): not read`,
        hint: 'scan the directory that holds the module as well: hyperpod-cmk iac ROOT MODULE-DIR',
        location: this.location(declared.file, declared.item.line),
      });
      return undefined;
    }
    const dir = this.context.loadModule(absDir);
    if (!dir) {
      this.context.issues.push({
        code: 'tf.module_missing',
        severity: 'warning',
        message: `module ${name}: ${source} holds no Terraform files`,
        location: this.location(declared.file, declared.item.line),
      });
      return undefined;
    }
    const expansions = this.expansions(declared, scope);
    const instances: ModuleInstance[] = [];
    for (const expansion of expansions instanceof Unknown ? [{ suffix: '', extra: {} }] : expansions) {
      const inner = this.scope(declared.file, expansion.extra);
      const inputs = new Map<string, Val>();
      for (const [key, attribute] of declared.item.body.attributes)
        if (!META_ARGUMENTS.has(key)) inputs.set(key, evaluate(attribute.expr, inner));
      instances.push(
        new ModuleInstance(
          this.context,
          dir,
          `${this.prefix}module.${name}${expansion.suffix}.`,
          inputs,
          [...this.chain, absDir],
          this.family,
          this.region.startsWith('${') ? undefined : this.region,
        ),
      );
    }
    this.children.set(name, instances);
    return instances;
  }

  /** count / for_each: one entry per instance, with count.index or each.key/each.value. */
  private expansions(
    declared: Declared<Block>,
    scope: Scope,
  ): { suffix: string; extra: Record<string, Val> }[] | Unknown {
    const body = declared.item.body;
    const count = body.attributes.get('count');
    if (count) {
      const n = evaluate(count.expr, scope);
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
        return n instanceof Unknown ? n : new Unknown(count.expr.text, 'count is not a whole number');
      this.capped(declared, 'count', n);
      return Array.from({ length: Math.min(Math.floor(n), MAX_INSTANCES) }, (_, i) => ({
        suffix: `[${i}]`,
        extra: { count: { index: i } },
      }));
    }
    const forEach = body.attributes.get('for_each');
    if (forEach) {
      const collection = evaluate(forEach.expr, scope);
      if (collection instanceof Unknown) return collection;
      const entries: [string, Val][] = Array.isArray(collection)
        ? collection.map((item) => [textOf(item) ?? JSON.stringify(toPlain(item)), item])
        : isObject(collection)
          ? Object.entries(collection)
          : [];
      this.capped(declared, 'for_each', entries.length);
      return entries.slice(0, MAX_INSTANCES).map(([key, value]) => ({
        suffix: `[${JSON.stringify(key)}]`,
        extra: { each: { key, value } },
      }));
    }
    return [{ suffix: '', extra: {} }];
  }

  /** A count or for_each over the cap: only the first instances are judged, and the scan says so. */
  private capped(declared: Declared<Block>, what: 'count' | 'for_each', n: number): void {
    if (n <= MAX_INSTANCES) return;
    const [type, name] = declared.item.labels;
    pushOnce(this.context.issues, {
      code: 'tf.instances_capped',
      severity: 'error',
      message: `${declared.item.type === 'module' ? `module.${type}` : `${type}.${name}`}: ${what} makes ${n} instances; only the first ${MAX_INSTANCES} are evaluated`,
      hint: 'the scan is incomplete for the rest; scan a plan (terraform show -json) to judge every instance',
      location: this.location(declared.file, declared.item.line),
    });
  }

  private instances(declared: Declared<Block>): Instance[] | Unknown {
    const [type, name] = declared.item.labels;
    const expansions = this.expansions(declared, this.scope(declared.file, {}));
    if (expansions instanceof Unknown) return expansions;
    return expansions.map((expansion) => ({
      address: `${this.prefix}${type}.${name}${expansion.suffix}`,
      scope: this.scope(declared.file, expansion.extra),
    }));
  }

  /** A block body as data: attributes evaluated, nested blocks as lists of objects. */
  bodyValue(body: Body, scope: Scope, depth = 0): ValObject | Unknown {
    const out: ValObject = {};
    for (const [name, attribute] of body.attributes) {
      if (META_ARGUMENTS.has(name) && name !== 'lifecycle') continue;
      out[name] = evaluate(attribute.expr, scope);
    }
    if (depth > 32) return out;
    for (const block of body.blocks) {
      if (block.type === 'dynamic') {
        out[block.labels[0] ?? 'dynamic'] = new Unknown(
          `dynamic "${block.labels[0] ?? ''}"`,
          'dynamic blocks are not evaluated',
        );
        continue;
      }
      const value = this.bodyValue(block.body, scope, depth + 1);
      if (value instanceof Unknown) return value;
      const list = (out[block.type] as Val[] | undefined) ?? [];
      list.push(locate(value, { file: scope.file, line: block.line }));
      out[block.type] = list;
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Resources

  private eachResource(
    types: (type: string) => boolean,
    visit: (declared: Declared<Block>, type: string, instance: Instance) => void,
  ): void {
    for (const declared of this.index.resources.values()) {
      const type = declared.item.labels[0]!;
      if (!types(type)) continue;
      const instances = this.instances(declared);
      if (instances instanceof Unknown) {
        // Unknown count or for_each: judge the resource once, as if it were created.
        visit(declared, type, {
          address: `${this.prefix}${type}.${declared.item.labels[1]}`,
          scope: this.scope(declared.file, {
            count: { index: instances },
            each: { key: instances, value: instances },
          }),
        });
        continue;
      }
      for (const instance of instances) visit(declared, type, instance);
    }
  }

  private allChildren(): ModuleInstance[] {
    const out: ModuleInstance[] = [];
    for (const [name, declared] of this.index.modules) out.push(...(this.child(name, declared) ?? []));
    return out;
  }

  /** Pass 1: keys, aliases, key policies and roles across this module and its children. */
  private collect(): void {
    for (const child of this.allChildren()) child.collect();
    this.eachResource(
      (type) => KEY_TYPES.has(type),
      (declared, _type, instance) => this.family.keyIds.add(this.idOf(declared.file, instance.address)),
    );
    this.eachResource(
      (type) => ALIAS_TYPES.has(type) || type === 'aws_kms_key_policy',
      (declared, type, instance) => {
        const props = this.bodyValue(declared.item.body, instance.scope);
        if (props instanceof Unknown) return;
        const target = props.target_key_id ?? props.key_id;
        if (!isSym(target) || !target.target || !KEY_TYPES.has(target.target.type)) return;
        if (type === 'aws_kms_key_policy') {
          this.family.keyPolicies.set(target.target.id, props.policy ?? null);
          return;
        }
        const alias = textOf(props.name ?? props.alias_name ?? null);
        if (!alias) return;
        this.family.aliasToKey.set(alias, target.target.id);
        this.family.aliasResourceToKey.set(this.idOf(declared.file, instance.address), target.target.id);
        this.family.keyAliases.set(target.target.id, [
          ...(this.family.keyAliases.get(target.target.id) ?? []),
          alias,
        ]);
      },
    );
    this.eachResource(
      (type) => type === 'aws_iam_policy',
      (declared, _type, instance) => {
        const props = this.bodyValue(declared.item.body, instance.scope);
        if (props instanceof Unknown) return;
        this.family.policies.set(
          this.idOf(declared.file, instance.address),
          kmsStatementsOf(toPlain(props.policy ?? null)),
        );
      },
    );
    this.eachResource(
      (type) => type === 'aws_iam_role',
      (declared, _type, instance) => {
        const props = this.bodyValue(declared.item.body, instance.scope);
        if (props instanceof Unknown) return;
        const target = { id: this.idOf(declared.file, instance.address), type: 'aws_iam_role' };
        const arn =
          textOf(this.knownAttribute(declared, 'aws_iam_role', 'arn', target) ?? null) ??
          `${instance.address}.arn`;
        const statements: PolicyStatement[] = [];
        if (Array.isArray(props.inline_policy))
          for (const policy of props.inline_policy)
            if (isObject(policy)) statements.push(...kmsStatementsOf(toPlain(policy.policy ?? null)));
        const name = textOf(props.name ?? null);
        this.family.roles.set(this.idOf(declared.file, instance.address), {
          arn,
          ...(name ? { name } : {}),
          statements,
        });
      },
    );
    this.eachResource(
      (type) => type === 'aws_iam_role_policy' || type === 'aws_iam_role_policy_attachment',
      (declared, type, instance) => {
        const props = this.bodyValue(declared.item.body, instance.scope);
        if (props instanceof Unknown) return;
        const role = this.roleOf(props.role ?? null);
        if (!role) return;
        if (type === 'aws_iam_role_policy')
          role.statements.push(...kmsStatementsOf(toPlain(props.policy ?? null)));
        else {
          const policy = props.policy_arn;
          if (isSym(policy) && policy.target)
            role.statements.push(...(this.family.policies.get(policy.target.id) ?? []));
        }
      },
    );
  }

  private roleOf(value: Val) {
    if (isSym(value) && value.target) return this.family.roles.get(value.target.id);
    const name = textOf(value);
    if (name === undefined) return undefined;
    for (const role of this.family.roles.values()) if (role.name === name) return role;
    return undefined;
  }

  private emitKeys(): void {
    for (const child of this.allChildren()) child.emitKeys();
    this.eachResource(
      (type) => KEY_TYPES.has(type),
      (declared, type, instance) => {
        const id = this.idOf(declared.file, instance.address);
        const props = this.bodyValue(declared.item.body, instance.scope);
        const p: ValObject = props instanceof Unknown ? {} : props;
        const lifecycle =
          Array.isArray(p.lifecycle) && isObject(p.lifecycle[0] ?? null) ? (p.lifecycle[0] as ValObject) : {};
        const policy = this.family.keyPolicies.has(id)
          ? this.family.keyPolicies.get(id)!
          : (p.policy ?? p.key_policy);
        const primary = p.primary_key_arn;
        const key = buildKey(
          {
            id,
            location: this.location(declared.file, declared.item.line),
            source: 'terraform',
            account: this.account,
            region: this.region,
            ...terraformKeyProperties(p),
            ...(policy !== undefined ? { policy } : {}),
            preventDestroy: lifecycle.prevent_destroy ?? false,
            ...(type === 'aws_kms_replica_key'
              ? {
                  replica: {
                    primaryKeyArn:
                      isSym(primary) && primary.target
                        ? primary.target.id
                        : (textOf(primary ?? null) ?? 'unknown'),
                  },
                }
              : {}),
            aliases: this.family.keyAliases.get(id) ?? [],
          },
          defaultKeyPolicy(this.account, this.partition),
        );
        if (props instanceof Unknown) key.policy = props.toUnresolved();
        if (type === 'aws_kms_replica_key') {
          const primaryKey = this.family.output.keys.find((k) => k.arn === key.metadata?.primaryKeyArn);
          key.rotation = primaryKey?.rotation
            ? { ...primaryKey.rotation }
            : {
                enabled: {
                  unresolved: 'primary_key_arn',
                  reason: 'a replica rotates with its primary key, which is not in the scanned files',
                },
              };
        }
        this.family.output.keys.push(key);
      },
    );
  }

  private resolveKey(value: Val): VolumeKey {
    return resolveKeyReference(value, {
      keyTypes: KEY_TYPES,
      aliasToKey: this.family.aliasToKey,
      aliasResourceToKey: this.family.aliasResourceToKey,
    });
  }

  private emitClusters(): void {
    for (const child of this.allChildren()) child.emitClusters();
    this.family.output.judged?.push(this.index.dir.absDir);
    this.eachResource(
      (type) => TERRAFORM_CLUSTER_TYPES.has(type) || looksLikeHyperPodCluster(type),
      (declared, type, instance) => {
        if (!TERRAFORM_CLUSTER_TYPES.has(type)) {
          this.context.issues.push(
            unsupportedClusterIssue(
              type,
              instance.address,
              this.location(declared.file, declared.item.line),
              'tf',
            ),
          );
          return;
        }
        const props = this.bodyValue(declared.item.body, instance.scope);
        const values: ValObject = props instanceof Unknown ? {} : props;
        const spec = type === 'aws_sagemaker_cluster' ? awsProviderClusterSpec(values) : values;
        const id = this.idOf(declared.file, instance.address);
        const cluster = buildCluster(
          {
            id,
            name: spec.cluster_name ?? instance.address,
            location: this.location(declared.file, declared.item.line),
            spec,
            ...(props instanceof Unknown ? { groupsUnknown: props } : {}),
          },
          {
            source: 'terraform',
            account: this.account,
            region: this.region,
            resolveKey: (value) => this.resolveKey(value),
          },
        );
        this.family.output.clusters.push(cluster);
      },
    );
  }
}

function containsSym(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value instanceof Sym) return true;
  if (Array.isArray(value)) return value.some((item) => containsSym(item, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Unknown))
    return Object.values(value).some((item) => containsSym(item, depth + 1));
  return false;
}
