/**
 * A Terraform module evaluated as `terraform plan` would see it before anything exists: variables
 * (var files, defaults, or what the calling module passes), locals, local child modules, count and
 * for_each, and references to resources, data sources (`data-sources.ts`) and module outputs.
 * Expressions are evaluated by `expressions.ts`; the inventory (keys, roles, clusters) is built
 * from the evaluated module by `inventory.ts`.
 *
 * Attributes known only after apply (an ARN, an id) are `Sym`s named by their address, so that a
 * cluster's `aws_kms_key.root.arn` resolves to the key defined alongside; an unset variable or a
 * value read from AWS is an `Unknown` naming it.
 */
import { relative, resolve, sep } from 'node:path';
import type { SourceIssue } from '../../model/finding.js';
import { pushAll } from '../../model/many.js';
import { shortened } from '../../model/text.js';
import { pushOnce } from '../common/issues.js';
import {
  ACCOUNT,
  boundedId,
  Invalid,
  PARTITION,
  partitionOf,
  REGION,
  Sym,
  textOf,
  toPlain,
  Unknown,
  type Val,
} from '../common/value.js';
import { type DataSourceModule, dataReference } from './data-sources.js';
import {
  type Declared,
  declaredAt,
  type Instance,
  idOf,
  instanceSuffix,
  META_ARGUMENTS,
  ModuleIndex,
  resourceAddress,
  type TfFile,
  type TfModuleDir,
} from './declarations.js';
import { expandInstances } from './expansion.js';
import { applySteps, evaluate, type Scope, type Step } from './expressions.js';
import type { Block, Expr } from './hcl.js';
import { KEY_TYPES, type ModuleOutput, type ModuleView, moduleInventory } from './inventory.js';
import { convert, typeConstraint } from './types.js';

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
  readFile(absPath: string): Uint8Array | undefined;
  /**
   * Steps left for the whole scan, every root module together: each root takes at most
   * MAX_MODULE_STEPS of them, so hundreds of small roots that each spend theirs cannot add up to
   * minutes. Absent: each root has its own.
   */
  scanBudget?: { steps: number };
}

/** Resource types that define a HyperPod cluster. */
export const CLUSTER_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'awscc_sagemaker_cluster',
  'aws_sagemaker_cluster',
]);

/**
 * Evaluation steps one root module (with its children) may take. A step is about 0.2 µs of CPU
 * here (budget.ts), so a root that spends them all takes 0.7 to 2.3 s of CPU however it spends
 * them (bench/iac.bench.ts: nested fors 1.5 s, %{ for } directives 1.5 s, strings joined 2.3 s;
 * at the former 20 million, about 20 s, and minutes for the work not charged then). The largest
 * legitimate configuration measured needs 407,000, a 24th of it: 50 clusters of 20 instance
 * groups, each with a key and its policy, the groups of each filtered out of one flattened list
 * of locals (the same through a map, 167,000; the test fixtures, at most 264).
 */
export const MAX_MODULE_STEPS = 10_000_000;
/** Evaluation steps a whole scan may take, every root module together: four roots', under 10 s of CPU. */
export const MAX_SCAN_STEPS = 40_000_000;

const MAX_MODULE_DEPTH = 8;

/** Module arguments that say the module makes a HyperPod cluster. */
const CLUSTER_ARGUMENT = /instance_groups?|hyperpod|sagemaker_cluster|cluster_instance/i;

/**
 * A provider configuration's address as a reference writes it (`aws.west`), or as the JSON syntax
 * writes it, in a string (`"aws.west"`).
 */
function providerAddress(expr: Expr): string {
  if (expr.t === 'lit' && typeof expr.v === 'string') return expr.v.trim();
  if (expr.t === 'tmpl' && expr.parts.length === 1 && typeof expr.parts[0] === 'string')
    return expr.parts[0].trim();
  return expr.text.trim();
}

export class ModuleInstance implements ModuleView, DataSourceModule {
  private readonly index: ModuleIndex;
  private readonly localCache = new Map<string, Val>();
  private readonly localsInProgress = new Set<string>();
  private readonly children = new Map<string, ModuleInstance[] | null>();
  readonly region: string;
  readonly account: string;
  readonly partition: string;

  private constructor(
    private readonly context: TfContext,
    dir: TfModuleDir,
    /** `''` for the root module, `module.x.` (or `module.x[0].`) for a child. */
    readonly prefix: string,
    private readonly inputs: Map<string, Val>,
    private readonly chain: readonly string[],
    /** Evaluation steps left for the root module and all its children. */
    private readonly budget: { steps: number },
    /** The Regions of the provider configurations the caller gives this module (none for a root). */
    inherited: ReadonlyMap<string, string> | undefined,
    /** The file of the root module's call that leads to this module (none for a root): its resources' ids name it. */
    private readonly rootCall: TfFile | undefined,
    /** Why Terraform refuses a module call that makes this instance (an invalid count or for_each). */
    private readonly refused?: Unknown,
  ) {
    this.index = new ModuleIndex(dir);
    this.account = context.options.account ?? ACCOUNT;
    // A module has the default provider configurations of its caller and those its call passes
    // in `providers`; a configuration it declares itself is its own
    // (https://developer.hashicorp.com/terraform/language/modules/develop/providers).
    for (const [address, region] of inherited ?? []) this.providerRegions.set(address, region);
    for (const [address, declared] of this.index.providers) {
      const region = declared.item.body.attributes.get('region');
      this.providerRegions.set(
        address,
        region
          ? this.regionValue(evaluate(region.expr, this.scope(declared.file, {})))
          : this.environmentRegion,
      );
    }
    this.region = this.providerRegion('aws');
    this.partition = partitionOf(this.region)?.partition ?? PARTITION;
  }

  /** The Regions of the provider configurations this module has, by address (`aws`, `aws.west`, `awscc`). */
  private readonly providerRegions = new Map<string, string>();

  /**
   * The Region a provider configuration without its own `region` takes: the environment's
   * (AWS_REGION, the profile), which `--region` says; else symbolic.
   */
  private get environmentRegion(): string {
    return this.context.options.region ?? REGION;
  }

  /** A Region written as a value: itself when it names one; otherwise the one the scan was told, or symbolic. */
  private regionValue(value: Val): string {
    return typeof value === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(value)
      ? value
      : this.environmentRegion;
  }

  /** The Region of a provider configuration by its address; the environment's when none is declared. */
  private providerRegion(address: string): string {
    return this.providerRegions.get(address) ?? this.environmentRegion;
  }

  /**
   * The Region a resource or data source is in: its own `region` argument (hashicorp/aws 6, "Enhanced
   * Region support"), else that of the provider configuration its `provider` meta-argument names,
   * else that of the default configuration of its provider (`aws_...` is aws's, `awscc_...` awscc's)
   * (https://developer.hashicorp.com/terraform/language/meta-arguments/resource-provider).
   */
  regionOf(declared: Declared<Block>, scope: Scope): string {
    const type = declared.item.labels[0] ?? '';
    const local = type.split('_')[0] ?? type;
    const own = local === 'aws' ? declared.item.body.attributes.get('region') : undefined;
    if (own) return this.regionValue(evaluate(own.expr, scope));
    const provider = declared.item.body.attributes.get('provider');
    return this.providerRegion(provider ? providerAddress(provider.expr) : local);
  }

  static evaluateRoot(context: TfContext, dir: TfModuleDir, variables: Map<string, Val>): ModuleOutput {
    const scan = context.scanBudget;
    const granted = Math.max(0, Math.min(MAX_MODULE_STEPS, scan?.steps ?? MAX_MODULE_STEPS));
    const budget = { steps: granted };
    try {
      return moduleInventory(
        new ModuleInstance(context, dir, '', variables, [dir.absDir], budget, undefined, undefined),
      );
    } finally {
      if (scan) scan.steps -= granted - Math.max(budget.steps, 0);
    }
  }

  get absDir(): string {
    return this.index.dir.absDir;
  }

  get options(): TfOptions {
    return this.context.options;
  }

  get issues(): SourceIssue[] {
    return this.context.issues;
  }

  get data(): ReadonlyMap<string, Declared<Block>> {
    return this.index.data;
  }

  // -------------------------------------------------------------------------------------------
  // Scope: what references resolve to

  scope(file: TfFile, extra: Record<string, Val> = {}): Scope {
    return {
      file: file.file,
      budget: this.budget,
      overBudget: (expr, what) =>
        pushOnce(this.context.issues, {
          code: 'tf.evaluation_budget',
          severity: 'error',
          message: `${what}: over the scanner's evaluation budget, so what it feeds is UNKNOWN`,
          hint: 'simplify the expression, or scan a plan (terraform show -json) where Terraform has evaluated it',
          location: declaredAt(file, expr.line),
        }),
      readFile: (path) => this.readFile(path),
      reference: (root, steps, expr) => {
        if (root in extra) return applySteps(extra[root]!, steps, expr);
        return this.reference(root, steps, expr, file);
      },
    };
  }

  /**
   * The root module's directory: where Terraform runs, and so the base of a relative path given to
   * file() or templatefile() in any module (hashicorp/terraform internal/terraform/evaluate.go:
   * BaseDir ".", "Always current working directory"); a module names its own files with
   * path.module (https://developer.hashicorp.com/terraform/language/expressions/references#filesystem-and-workspace-info).
   */
  private get rootDir(): string {
    return this.chain[0] ?? this.index.dir.absDir;
  }

  private readFile(path: string): Uint8Array | undefined {
    return this.context.readFile(resolve(this.rootDir, path));
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
        return dataReference(this, steps, expr);
      case 'path': {
        // A module's directory relative to where Terraform runs, with forward slashes ("." for the
        // root module, "modules/m" for a module called with "./modules/m"): hashicorp/terraform
        // internal/terraform/evaluate.go, GetPathAttr, filepath.ToSlash(Module.SourceDir). Never
        // the scanning machine's absolute path; file() resolves it from the root module again.
        if (firstName === 'module') return relative(this.rootDir, this.absDir).split(sep).join('/') || '.';
        // The root module's directory as Terraform names it where it runs, in it: "." (a path
        // relative to the working directory, which file() reads from).
        if (firstName === 'root') return '.';
        // The directory Terraform runs from (before any -chdir), as an absolute path
        // (https://developer.hashicorp.com/terraform/language/expressions/references#filesystem-and-workspace-info).
        // The scan reads a configuration as Terraform run in its root module reads it (file()
        // resolves a relative path from there), so that directory is the root module's: "." as
        // path.root names it. Its absolute path depends on the machine Terraform runs on, and the
        // scanning machine's is never shown.
        if (firstName === 'cwd') return '.';
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

  /** The variables whose default is being evaluated (see `variable`). */
  private readonly defaulting = new Set<string>();

  /** The values of the declared variables, converted to their types, once each. */
  private readonly variableCache = new Map<string, Val>();

  /**
   * A declared variable's value (given, else its default), converted to its type constraint:
   * optional() attributes take their defaults, primitives convert
   * (https://developer.hashicorp.com/terraform/language/expressions/type-constraints). With
   * `nullable = false`, a null given is the default
   * (https://developer.hashicorp.com/terraform/language/values/variables#disallowing-null-input-values).
   */
  private variable(name: string, expr: Expr): Val {
    const declared = this.index.variables.get(name);
    if (!declared) return this.variableValue(name, expr);
    const cached = this.variableCache.get(name);
    if (cached !== undefined) return cached;
    const body = declared.item.body;
    let value = this.variableValue(name, expr);
    const nullable = body.attributes.get('nullable');
    if (value === null && this.inputs.has(name) && nullable?.expr.t === 'lit' && nullable.expr.v === false)
      value = this.variableValue(name, expr, true);
    const scope = this.scope(declared.file, {});
    value = convert(
      value,
      typeConstraint(body.attributes.get('type')?.expr),
      (e) => evaluate(e, scope),
      `variable ${name}`,
    );
    this.variableCache.set(name, value);
    // A value its validation rules refuse stops Terraform before anything is planned
    // (https://developer.hashicorp.com/terraform/language/values/variables#custom-validation-rules):
    // it is no value the deployment can have. A rule that cannot be decided is left to Terraform.
    for (const block of body.blocks) {
      const condition = block.type === 'validation' ? block.body.attributes.get('condition') : undefined;
      if (!condition || evaluate(condition.expr, scope) !== false) continue;
      const said = block.body.attributes.get('error_message');
      const message = said ? textOf(evaluate(said.expr, scope)) : undefined;
      value = new Invalid(
        `var.${name}`,
        `the value of variable ${name} fails its validation${message ? ` ("${message}")` : ''}: an error in Terraform`,
        [`var.${name}`],
      );
      this.variableCache.set(name, value);
      break;
    }
    return value;
  }

  private variableValue(name: string, expr: Expr, defaultOnly = false): Val {
    if (!defaultOnly && this.inputs.has(name)) return this.inputs.get(name)!;
    const declared = this.index.variables.get(name);
    const fallback = declared?.item.body.attributes.get('default');
    if (declared && fallback) {
      // Terraform allows no reference in a default; one that reaches back to the variable would
      // otherwise recurse until the stack ran out.
      if (this.defaulting.has(name))
        return new Unknown(expr.text, `the default of variable ${name} refers to itself`, [`var.${name}`]);
      this.defaulting.add(name);
      try {
        return evaluate(fallback.expr, this.scope(declared.file, {}));
      } finally {
        this.defaulting.delete(name);
      }
    }
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
      suffix = instanceSuffix(head.index);
      steps = rest.slice(1);
    } else if (repeated) {
      const instances = this.instances(declared);
      if (instances instanceof Unknown) return new Unknown(expr.text, instances.reason, instances.inputs);
      const list = instances.map((instance) => new Sym(instance.address, { id: instance.id, type }));
      return applySteps(list, steps, expr);
    }
    const address = resourceAddress(this.prefix, type, name, suffix);
    const target = { id: this.idOf(declared, address), type };
    const attribute = steps[0] && 'attr' in steps[0] ? steps[0].attr : undefined;
    if (attribute !== undefined) {
      const special = this.knownAttribute(declared, type, attribute, target);
      if (special !== undefined) return applySteps(special, steps.slice(1), expr);
    }
    return applySteps(new Sym(address, target), steps, expr);
  }

  /** Attributes whose value the configuration fixes: arguments set literally, a role's ARN from its name. */
  knownAttribute(
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
    if (!source || !(source.startsWith('./') || source.startsWith('../'))) {
      // A module from a registry, git, a bucket or an absolute path is not in the scanned files.
      // Given what a cluster is made of, it surely makes one: said, not passed over.
      const given = [...declared.item.body.attributes.keys()].filter((key) => CLUSTER_ARGUMENT.test(key));
      if (given.length > 0)
        pushOnce(this.context.issues, {
          code: 'tf.module_not_scanned',
          severity: 'error',
          message: `module ${name} is given ${given.join(', ')} but its source (${source ? shortened(source) : 'not known'}) is not in the scanned files: the cluster it makes is not scanned`,
          hint: 'vendor the module into the repository (terraform get, then scan .terraform/modules), or scan a plan: terraform show -json plan.out',
          location: declaredAt(declared.file, declared.item.line),
        });
      return undefined;
    }
    const absDir = resolve(this.index.dir.absDir, source);
    if (this.chain.includes(absDir) || this.chain.length >= MAX_MODULE_DEPTH) {
      pushOnce(this.context.issues, {
        code: 'tf.module_cycle',
        severity: 'warning',
        message: `module ${name} (${source}) is already being evaluated: a cycle, or nesting deeper than ${MAX_MODULE_DEPTH}; its clusters are judged on their own`,
        location: declaredAt(declared.file, declared.item.line),
      });
      return undefined;
    }
    if (!this.context.mayRead(absDir)) {
      pushOnce(this.context.issues, {
        code: 'tf.module_outside_root',
        severity: 'error',
        message: `module ${name}: ${source} is outside the scanned directories (or a link out of them): not read`,
        hint: 'scan the directory that holds the module as well: hyperpod-cmk iac ROOT MODULE-DIR',
        location: declaredAt(declared.file, declared.item.line),
      });
      return undefined;
    }
    const dir = this.context.loadModule(absDir);
    if (!dir) {
      this.context.issues.push({
        code: 'tf.module_missing',
        severity: 'warning',
        message: `module ${name}: ${source} holds no Terraform files`,
        location: declaredAt(declared.file, declared.item.line),
      });
      return undefined;
    }
    const expansions = expandInstances(declared, scope, this.context.issues);
    const instances: ModuleInstance[] = [];
    // Unknown count or for_each: the module is evaluated once, as if called, with count.index,
    // each.key and each.value as unknown as what they come from.
    const once = (unknown: Unknown) => [
      { suffix: '', extra: { count: { index: unknown }, each: { key: unknown, value: unknown } } },
    ];
    for (const expansion of expansions instanceof Unknown ? once(expansions) : expansions) {
      const inner = this.scope(declared.file, expansion.extra);
      const inputs = new Map<string, Val>();
      for (const [key, attribute] of declared.item.body.attributes)
        if (!META_ARGUMENTS.has(key)) inputs.set(key, evaluate(attribute.expr, inner));
      instances.push(
        new ModuleInstance(
          this.context,
          dir,
          `${this.prefix}module.${boundedId(name)}${expansion.suffix}.`,
          inputs,
          [...this.chain, absDir],
          this.budget,
          this.providersFor(declared),
          this.rootCall ?? declared.file,
          this.refused ?? (expansions instanceof Invalid ? expansions : undefined),
        ),
      );
    }
    this.children.set(name, instances);
    return instances;
  }

  /**
   * The provider configurations a module call gives the module: the caller's default ones, and
   * those its `providers` map passes (`providers = { aws = aws.west }`).
   */
  private providersFor(call: Declared<Block>): Map<string, string> {
    const given = new Map<string, string>();
    for (const [address, region] of this.providerRegions)
      if (!address.includes('.')) given.set(address, region);
    const providers = call.item.body.attributes.get('providers')?.expr;
    if (providers?.t === 'object')
      for (const { key, value } of providers.entries) {
        given.set(providerAddress(key), this.providerRegion(providerAddress(value)));
      }
    return given;
  }

  /** A resource's inventory id: see `idOf`. */
  private idOf(declared: Declared<Block>, address: string): string {
    return idOf(this.rootCall ?? declared.file, address);
  }

  private instances(declared: Declared<Block>): Instance[] | Unknown {
    const [type = '', name = ''] = declared.item.labels;
    const expansions = expandInstances(declared, this.scope(declared.file, {}), this.context.issues);
    if (expansions instanceof Unknown) return expansions;
    return expansions.map((expansion) => {
      const address = resourceAddress(this.prefix, type, name, expansion.suffix);
      return { address, id: this.idOf(declared, address), scope: this.scope(declared.file, expansion.extra) };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Resources

  eachResource(
    types: (type: string) => boolean,
    visit: (declared: Declared<Block>, type: string, instance: Instance) => void,
  ): void {
    for (const declared of this.index.resources.values()) {
      const type = declared.item.labels[0]!;
      if (!types(type)) continue;
      const instances = this.instances(declared);
      // A count or for_each Terraform refuses, here or on a module call above: the resource is
      // judged once, every value of it UNKNOWN, as Terraform plans none of it.
      const refused = this.refused ?? (instances instanceof Invalid ? instances : undefined);
      if (instances instanceof Unknown) {
        // Unknown count or for_each: judge the resource once, as if it were created.
        const address = resourceAddress(this.prefix, type, declared.item.labels[1]!);
        visit(declared, type, {
          address,
          id: this.idOf(declared, address),
          scope: this.scope(declared.file, {
            count: { index: instances },
            each: { key: instances, value: instances },
          }),
          ...(refused ? { refused } : {}),
        });
        continue;
      }
      for (const instance of instances) visit(declared, type, refused ? { ...instance, refused } : instance);
    }
  }

  childModules(): ModuleInstance[] {
    const out: ModuleInstance[] = [];
    for (const [name, declared] of this.index.modules) pushAll(out, this.child(name, declared) ?? []);
    return out;
  }
}
