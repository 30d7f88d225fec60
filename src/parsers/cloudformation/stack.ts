/**
 * Evaluates a CloudFormation template as a deployed stack would see it: parameters (defaults,
 * a parameter file, or the values a parent stack passes), pseudo parameters, Conditions, Mappings
 * and the intrinsic functions. What the files cannot tell becomes an `Unknown` naming the missing
 * inputs; attributes of resources in the template become `Sym`s, so references to a key or role
 * defined alongside resolve.
 *
 * Nested stacks whose template is in the scan (same directory, or a relative path) are evaluated
 * with the parameters their parent passes. Clusters that a Lambda custom resource creates from
 * instance groups written as JSON inside string parameters are rebuilt from that JSON.
 */
import { posix } from 'node:path';
import type { SourceIssue } from '../../model/finding.js';
import type { Cluster, ExecutionRole, Key, Location, PolicyStatement } from '../../model/inventory.js';
import {
  buildCluster,
  type ClusterDefinition,
  looksLikeHyperPodCluster,
  resolveKeyReference,
  unsupportedClusterIssue,
  type VolumeKey,
} from '../common/cluster-builder.js';
import { pushOnce } from '../common/issues.js';
import { buildKey, defaultKeyPolicy, kmsStatementsOf } from '../common/key-builder.js';
import { getEntry, type SMap, type SNode, scalarText } from '../common/source-tree.js';
import {
  ACCOUNT,
  clip,
  isObject,
  isSym,
  locate,
  NO_VALUE,
  PARTITION,
  REGION,
  Sym,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { render } from './render.js';
import type { CfnTemplate } from './template.js';

export interface ParamInput {
  value: Val;
  origin: Location;
  /** The value is a parent's parameter Default passed down unchanged. */
  fromDefault?: boolean;
}

export interface CfnOptions {
  region?: string;
  account?: string;
}

/** What evaluating the stacks of one scan produced, and the lookups they share. */
export interface CfnContext {
  options: CfnOptions;
  issues: SourceIssue[];
  /** The template a nested stack resource deploys, when it is in the scan. */
  childTemplate(parent: CfnTemplate, resource: SMap): CfnTemplate | undefined;
  /** Nested stacks the scan may still evaluate, across all roots (a fan-out of nested stacks is bounded). */
  nestedBudget?: { remaining: number };
}

export interface StackOutput {
  clusters: Cluster[];
  keys: Key[];
  roles: ExecutionRole[];
  /** Outputs exported under a literal name whose value is a key of the stack: name -> key id. */
  keyExports?: Map<string, string>;
  /** The templates (absolute paths) whose clusters this evaluation judged. */
  judged?: string[];
}

const KEY_TYPES = new Set(['AWS::KMS::Key', 'AWS::KMS::ReplicaKey']);
const MAX_EVAL_DEPTH = 200;
const MAX_NESTING = 8;

const PSEUDO = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NotificationARNs',
]);

export function partitionOf(region: string | undefined): string | undefined {
  if (!region) return undefined;
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Shared by a root stack and its nested stacks: aliases, keys, roles and what they produce. */
class Family {
  readonly aliasToKey = new Map<string, string>();
  readonly aliasResourceToKey = new Map<string, string>();
  readonly keyAliases = new Map<string, string[]>();
  readonly keys: { stack: Stack; logicalId: string; resource: SMap }[] = [];
  readonly roles = new Map<string, { arn: string; statements: PolicyStatement[] }>();
  readonly output: StackOutput = { clusters: [], keys: [], roles: [], judged: [] };
}

export class Stack {
  private readonly conditionCache = new Map<string, boolean | Unknown>();
  private readonly inProgress = new Set<string>();
  private readonly paramCache = new Map<string, Val>();
  private readonly children = new Map<string, Stack | null>();
  private depth = 0;

  private constructor(
    readonly context: CfnContext,
    readonly template: CfnTemplate,
    /** `<file>#` for a root stack, `<file>#Parent.` for a nested one: ids are this plus a logical id. */
    readonly idPrefix: string,
    private readonly inputs: Map<string, ParamInput>,
    private readonly chain: readonly string[],
    private readonly family: Family,
  ) {}

  /** Evaluates a root template (with its nested stacks) and returns what it defines. */
  static evaluateRoot(
    context: CfnContext,
    template: CfnTemplate,
    idFile: string,
    inputs: Map<string, ParamInput>,
  ): StackOutput {
    const family = new Family();
    const root = new Stack(context, template, `${idFile}#`, inputs, [template.absPath], family);
    root.collect();
    root.emitKeys();
    root.emitClusters();
    family.output.keyExports = root.keyExports();
    for (const role of family.roles.values())
      if (role.statements.length > 0)
        family.output.roles.push({
          arn: role.arn,
          account: root.account,
          source: 'cloudformation',
          kmsStatements: role.statements,
          policiesCollected: true,
        });
    return family.output;
  }

  get account(): string {
    return this.context.options.account ?? ACCOUNT;
  }

  /** Outputs exported for other stacks (`Fn::ImportValue`) that name one of this stack's keys. */
  private keyExports(): Map<string, string> {
    const exports = new Map<string, string>();
    for (const output of this.template.outputs.values()) {
      const name = getEntry(getEntry(output, 'Export'), 'Name');
      const value = getEntry(output, 'Value');
      if (!name || !value) continue;
      const exportName = this.evaluate(name);
      const exported = this.evaluate(value);
      if (typeof exportName !== 'string' || !isSym(exported) || !exported.target) continue;
      const keyId = KEY_TYPES.has(exported.target.type)
        ? exported.target.id
        : this.family.aliasResourceToKey.get(exported.target.id);
      if (keyId) exports.set(exportName, keyId);
    }
    return exports;
  }

  get region(): string {
    return this.context.options.region ?? REGION;
  }

  get partition(): string {
    return partitionOf(this.context.options.region) ?? PARTITION;
  }

  private location(line: number | undefined): Location {
    return { file: this.template.file, ...(line ? { line } : {}) };
  }

  private issue(
    code: string,
    message: string,
    line?: number,
    severity: 'error' | 'warning' = 'warning',
    hint?: string,
  ) {
    pushOnce(this.context.issues, {
      code,
      severity,
      message,
      ...(hint ? { hint } : {}),
      location: this.location(line),
    });
  }

  // -------------------------------------------------------------------------------------------
  // Parameters, conditions, intrinsic functions

  private param(name: string): Val {
    const cached = this.paramCache.get(name);
    if (cached !== undefined) return cached;
    const declaration = this.template.parameters.get(name);
    const type = scalarText(getEntry(declaration, 'Type')) ?? 'String';
    const input = this.inputs.get(name);
    let value: Val;
    if (input !== undefined) value = input.value;
    else {
      const fallback = getEntry(declaration, 'Default');
      if (fallback === undefined)
        value = new Unknown(`!Ref ${name}`, `parameter ${name} has no default and no value was given`, [
          name,
        ]);
      else if (fallback.kind === 'scalar') value = fallback.value === null ? '' : String(fallback.value);
      else if (fallback.kind === 'seq')
        value = fallback.items.map((item) => scalarText(item) ?? '').join(',');
      else value = new Unknown(`!Ref ${name}`, `the default of parameter ${name} is not a value`, [name]);
    }
    if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
    if (type.startsWith('AWS::SSM::Parameter::Value'))
      value = new Unknown(
        `!Ref ${name}`,
        `parameter ${name} is read from SSM Parameter Store at deploy time`,
        [name],
      );
    else if (typeof value === 'string' && (type.startsWith('List<') || type === 'CommaDelimitedList'))
      value = value === '' ? [] : value.split(',').map((item) => item.trim());
    this.paramCache.set(name, value);
    return value;
  }

  /** Where a parameter's value comes from: the parent's expression, the parameter file, or the Default. */
  paramOrigin(name: string): Location {
    const input = this.inputs.get(name);
    if (input) return input.origin;
    const declaration = this.template.parameters.get(name);
    const fallback = getEntry(declaration, 'Default');
    return this.location(fallback?.line ?? this.template.parameterLines.get(name));
  }

  /** The origin of the value an expression yields, following `Ref`s to parameters. */
  originOf(node: SNode): Location {
    const ref = scalarText(getEntry(node, 'Ref'));
    if (ref !== undefined && this.template.parameters.has(ref)) return this.paramOrigin(ref);
    return this.location(node.line);
  }

  condition(name: string): boolean | Unknown {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const node = this.template.conditions.get(name);
    if (!node) return new Unknown(`!Condition ${name}`, `condition ${name} is not defined`, []);
    if (this.inProgress.has(name))
      return new Unknown(`!Condition ${name}`, `condition ${name} refers to itself`);
    this.inProgress.add(name);
    const value = this.evaluate(node);
    this.inProgress.delete(name);
    let result: boolean | Unknown;
    if (value instanceof Unknown)
      result = new Unknown(
        `!Condition ${name}`,
        `condition ${name} depends on ${describeInputs(value)}`,
        value.inputs,
      );
    else if (typeof value === 'boolean') result = value;
    else if (value === 'true' || value === 'false') result = value === 'true';
    else result = new Unknown(`!Condition ${name}`, `condition ${name} is not a boolean`);
    this.conditionCache.set(name, result);
    return result;
  }

  private ref(name: string, node: SNode): Val {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (PSEUDO.has(name)) {
      const { region, account } = this.context.options;
      if (name === 'AWS::Region' && region) return region;
      if (name === 'AWS::AccountId' && account) return account;
      if (name === 'AWS::Partition' && region) return partitionOf(region)!;
      if (name === 'AWS::URLSuffix' && region)
        return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
      return new Sym(`\${${name}}`);
    }
    if (this.template.parameters.has(name)) return this.param(name);
    const resource = this.template.resources.get(name);
    if (resource) {
      const type = scalarText(getEntry(resource, 'Type')) ?? '';
      const target = { id: this.idPrefix + name, type };
      if (type === 'AWS::KMS::Alias') {
        const alias = textOf(
          this.evaluate(getEntry(getEntry(resource, 'Properties'), 'AliasName') ?? nullNode),
        );
        return new Sym(alias ?? `\${${name}}`, target);
      }
      if (type === 'AWS::IAM::Role') {
        const roleName = this.roleName(resource);
        return new Sym(roleName ?? `\${${name}}`, target);
      }
      return new Sym(`\${${name}}`, target);
    }
    return new Unknown(render(node), `${name} is neither a parameter nor a resource of the template`, [name]);
  }

  private roleName(resource: SMap): string | undefined {
    const value = this.evaluate(getEntry(getEntry(resource, 'Properties'), 'RoleName') ?? nullNode);
    return typeof value === 'string' ? value : undefined;
  }

  private getAtt(logicalId: string, attribute: string, node: SNode): Val {
    const resource = this.template.resources.get(logicalId);
    if (!resource)
      return new Unknown(render(node), `${logicalId} is not a resource of the template`, [logicalId]);
    const type = scalarText(getEntry(resource, 'Type')) ?? '';
    if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) {
      const output = attribute.slice('Outputs.'.length);
      const child = this.child(logicalId, resource);
      if (child) return child.output(output, node);
      return new Unknown(
        render(node),
        `an output of nested stack ${logicalId}, whose template is not in the scanned files`,
        [`${logicalId}.${attribute}`],
      );
    }
    const target = { id: this.idPrefix + logicalId, type, attribute };
    // A key's ARN is its inventory id, so IAM statements that name it match the key.
    if (KEY_TYPES.has(type) && attribute === 'Arn') return new Sym(target.id, target);
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') {
      const roleName = this.roleName(resource);
      const path =
        textOf(this.evaluate(getEntry(getEntry(resource, 'Properties'), 'Path') ?? nullNode)) ?? '/';
      if (roleName)
        return new Sym(`arn:${this.partition}:iam::${this.account}:role${path}${roleName}`, target);
    }
    return new Sym(`\${${logicalId}.${attribute}}`, target);
  }

  private output(name: string, node: SNode): Val {
    const output = this.template.outputs.get(name);
    const value = getEntry(output, 'Value');
    if (!value) return new Unknown(render(node), `nested stack output ${name} is not defined`, [name]);
    return this.evaluate(value);
  }

  /** The nested stack a resource deploys, when its template is in the scan. */
  private child(logicalId: string, resource: SMap): Stack | undefined {
    if (this.children.has(logicalId)) return this.children.get(logicalId) ?? undefined;
    this.children.set(logicalId, null);
    const template = this.context.childTemplate(this.template, resource);
    if (!template) return undefined;
    if (this.chain.includes(template.absPath) || this.chain.length >= MAX_NESTING) {
      this.issue(
        'cfn.nested_cycle',
        `nested stack ${logicalId} deploys ${template.file}, which is already being evaluated (a cycle, or nesting deeper than ${MAX_NESTING}); its clusters are judged on their own`,
        this.template.resourceLines.get(logicalId),
      );
      return undefined;
    }
    const budget = this.context.nestedBudget;
    if (budget && --budget.remaining < 0) {
      // Said once, where the budget ran out: every nested stack after it is past it too.
      if (budget.remaining === -1)
        this.issue(
          'cfn.nested_budget',
          `nested stack ${logicalId} (${template.file}) and every nested stack after it are past the scan's budget of nested stacks to evaluate; templates whose clusters were not reached are judged on their own`,
          this.template.resourceLines.get(logicalId),
          'error',
          'nested stacks that fan out (many stacks deploying the same templates) multiply; scan fewer templates at once',
        );
      return undefined;
    }
    const inputs = new Map<string, ParamInput>();
    const parameters = getEntry(getEntry(resource, 'Properties'), 'Parameters');
    if (parameters?.kind === 'map')
      for (const [key, node] of parameters.entries)
        inputs.set(key, {
          value: this.evaluate(node),
          origin: this.originOf(node),
          ...(this.fromDefault(node) ? { fromDefault: true } : {}),
        });
    const stack = new Stack(
      this.context,
      template,
      `${this.idPrefix}${logicalId}.`,
      inputs,
      [...this.chain, template.absPath],
      this.family,
    );
    this.children.set(logicalId, stack);
    return stack;
  }

  evaluate(node: SNode): Val {
    if (++this.depth > MAX_EVAL_DEPTH) {
      this.depth--;
      return new Unknown(render(node), `nested more than ${MAX_EVAL_DEPTH} levels deep`);
    }
    try {
      return this.evaluateNode(node);
    } finally {
      this.depth--;
    }
  }

  private evaluateNode(node: SNode): Val {
    if (node.kind === 'scalar') return node.value;
    if (node.kind === 'seq') {
      const items: Val[] = [];
      for (const item of node.items) {
        const value = this.evaluate(item);
        if (value !== NO_VALUE) items.push(value);
      }
      return locate(items, this.location(node.line));
    }
    if (node.entries.size === 1) {
      const [[key, argument]] = [...node.entries] as [[string, SNode]];
      if (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::'))
        return this.intrinsic(key, argument, node);
    }
    const object: ValObject = {};
    for (const [key, value] of node.entries) {
      const evaluated = this.evaluate(value);
      if (evaluated !== NO_VALUE) object[key] = evaluated;
    }
    return locate(object, this.location(node.line));
  }

  private intrinsic(name: string, argument: SNode, node: SNode): Val {
    const args = argument.kind === 'seq' ? argument.items : [argument];
    switch (name) {
      case 'Ref': {
        const target = scalarText(argument);
        return target === undefined ? new Unknown(render(node), 'Ref needs a name') : this.ref(target, node);
      }
      case 'Condition': {
        const target = scalarText(argument);
        return target === undefined
          ? new Unknown(render(node), 'Condition needs a name')
          : this.condition(target);
      }
      case 'Fn::GetAtt': {
        let [resource, attribute] = args.map((arg) => textOf(this.evaluate(arg)));
        if (argument.kind === 'scalar' && resource?.includes('.')) {
          const dot = resource.indexOf('.');
          attribute = resource.slice(dot + 1);
          resource = resource.slice(0, dot);
        }
        if (!resource || !attribute)
          return new Unknown(render(node), 'GetAtt needs a resource and an attribute');
        return this.getAtt(resource, attribute, node);
      }
      case 'Fn::Sub':
        return this.sub(argument, node);
      case 'Fn::If': {
        const [conditionNode, whenTrue, whenFalse] = args;
        const conditionName = scalarText(conditionNode);
        if (!conditionName || !whenTrue || !whenFalse)
          return new Unknown(render(node), 'Fn::If needs [condition, then, else]');
        const result = this.condition(conditionName);
        if (result instanceof Unknown)
          return new Unknown(
            render(node),
            `it depends on condition ${conditionName}: ${result.reason}`,
            result.inputs,
          );
        return this.evaluate(result ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const a = this.evaluate(args[0] ?? nullNode);
        const b = this.evaluate(args[1] ?? nullNode);
        if (a instanceof Unknown) return withExpression(a, node);
        if (b instanceof Unknown) return withExpression(b, node);
        if (isSym(a) || isSym(b)) {
          if (isSym(a) && isSym(b) && a.text === b.text) return true;
          return new Unknown(render(node), 'it compares a value known only at deploy time', []);
        }
        return stringForm(a) === stringForm(b);
      }
      case 'Fn::Not': {
        const value = this.evaluate(args[0] ?? nullNode);
        if (value instanceof Unknown) return withExpression(value, node);
        return !(value === true || value === 'true');
      }
      case 'Fn::And':
      case 'Fn::Or': {
        const isAnd = name === 'Fn::And';
        let unknown: Unknown | undefined;
        const inputs: string[] = [];
        for (const arg of args) {
          const value = this.evaluate(arg);
          if (value instanceof Unknown) {
            unknown ??= value;
            inputs.push(...value.inputs);
            continue;
          }
          const truth = value === true || value === 'true';
          if (isAnd && !truth) return false;
          if (!isAnd && truth) return true;
        }
        if (unknown) return new Unknown(render(node), unknown.reason, inputs);
        return isAnd;
      }
      case 'Fn::Join': {
        const [delimiterNode, listNode] = args;
        const delimiter = textOf(this.evaluate(delimiterNode ?? nullNode)) ?? '';
        const list = this.evaluate(listNode ?? nullNode);
        if (list instanceof Unknown) return withExpression(list, node);
        if (!Array.isArray(list)) return new Unknown(render(node), 'Fn::Join needs a list');
        return this.concat(list, delimiter, node);
      }
      case 'Fn::Select': {
        const index = Number(textOf(this.evaluate(args[0] ?? nullNode)));
        const list = this.evaluate(args[1] ?? nullNode);
        if (list instanceof Unknown) return withExpression(list, node);
        if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length)
          return new Unknown(render(node), 'the index is outside the list');
        return list[index]!;
      }
      case 'Fn::Split': {
        const delimiter = textOf(this.evaluate(args[0] ?? nullNode));
        const value = this.evaluate(args[1] ?? nullNode);
        if (value instanceof Unknown) return withExpression(value, node);
        if (typeof value !== 'string' || delimiter === undefined)
          return new Unknown(render(node), 'it splits a value known only at deploy time');
        return value.split(delimiter);
      }
      case 'Fn::FindInMap': {
        const keys = args.slice(0, 3).map((arg) => this.evaluate(arg));
        const unknown = keys.find((key) => key instanceof Unknown) as Unknown | undefined;
        const fallback = getEntry(args[3], 'DefaultValue');
        if (unknown) return new Unknown(render(node), unknown.reason, unknown.inputs);
        const texts = keys.map((key) => textOf(key));
        if (texts.some((text) => text === undefined))
          return fallback
            ? this.evaluate(fallback)
            : new Unknown(render(node), 'a map key is known only at deploy time');
        const found = getEntry(getEntry(getEntry(this.template.mappings, texts[0]!), texts[1]!), texts[2]!);
        if (found) return this.evaluate(found);
        return fallback
          ? this.evaluate(fallback)
          : new Unknown(render(node), 'the mapping has no such entry');
      }
      case 'Fn::ImportValue': {
        const exportName = textOf(this.evaluate(argument)) ?? render(argument);
        return new Unknown(render(node), `an export of another stack (${exportName})`, [exportName]);
      }
      case 'Fn::Base64':
        return this.evaluate(argument);
      case 'Fn::Length': {
        const list = this.evaluate(argument);
        return Array.isArray(list)
          ? list.length
          : new Unknown(render(node), 'the length of a list known only at deploy time');
      }
      case 'Fn::ToJsonString': {
        const value = this.evaluate(argument);
        if (value instanceof Unknown) return withExpression(value, node);
        return JSON.stringify(toPlain(value));
      }
      default:
        return new Unknown(render(node), `${name} is evaluated by CloudFormation at deploy time`);
    }
  }

  private concat(parts: readonly Val[], delimiter: string, node: SNode): Val {
    let symbolic: Sym | undefined;
    const texts: string[] = [];
    for (const part of parts) {
      if (part instanceof Unknown) return withExpression(part, node);
      if (part instanceof Sym) symbolic = part;
      const text = textOf(part);
      if (text === undefined) return new Unknown(render(node), 'it joins a value that is not a string');
      texts.push(text);
    }
    const joined = texts.join(delimiter);
    if (!symbolic) return joined;
    if (parts.length === 1) return symbolic;
    return new Sym(joined);
  }

  private sub(argument: SNode, node: SNode): Val {
    let template: string | undefined;
    const variables = new Map<string, Val>();
    if (argument.kind === 'seq') {
      template = scalarText(argument.items[0]);
      const vars = argument.items[1];
      if (vars?.kind === 'map')
        for (const [key, value] of vars.entries) variables.set(key, this.evaluate(value));
    } else template = scalarText(argument);
    if (template === undefined) return new Unknown(render(node), 'Fn::Sub needs a string');
    const parts: Val[] = [];
    const pattern = /\$\{([^}]*)\}/g;
    let last = 0;
    for (let match = pattern.exec(template); match; match = pattern.exec(template)) {
      parts.push(template.slice(last, match.index));
      last = match.index + match[0].length;
      const name = match[1]!.trim();
      if (name.startsWith('!')) {
        parts.push(`\${${name.slice(1)}}`);
        continue;
      }
      if (variables.has(name)) parts.push(variables.get(name)!);
      else if (name.includes('.') && !PSEUDO.has(name)) {
        const dot = name.indexOf('.');
        parts.push(this.getAtt(name.slice(0, dot), name.slice(dot + 1), node));
      } else parts.push(this.ref(name, node));
    }
    parts.push(template.slice(last));
    const whole = this.concat(
      parts.filter((part) => part !== ''),
      '',
      node,
    );
    // A Sub of exactly one reference is that reference (it may name a key or role).
    return whole;
  }

  // -------------------------------------------------------------------------------------------
  // Resources

  private included(resource: SMap): boolean {
    const conditionName = scalarText(getEntry(resource, 'Condition'));
    if (!conditionName) return true;
    // A resource under an unknown condition may be created: it is judged as if it were.
    return this.condition(conditionName) !== false;
  }

  private resourcesOfType(types: (type: string) => boolean): [string, SMap, string][] {
    const out: [string, SMap, string][] = [];
    for (const [logicalId, resource] of this.template.resources) {
      const type = scalarText(getEntry(resource, 'Type')) ?? '';
      if (types(type) && this.included(resource)) out.push([logicalId, resource, type]);
    }
    return out;
  }

  private properties(resource: SMap): ValObject {
    const node = getEntry(resource, 'Properties');
    if (!node) return {};
    const value = this.evaluate(node);
    return isObject(value) ? value : {};
  }

  /** Pass 1: nested stacks, keys, aliases and roles of this stack and its children. */
  private collect(): void {
    for (const [logicalId, resource] of this.resourcesOfType((type) => type === 'AWS::CloudFormation::Stack'))
      this.child(logicalId, resource)?.collect();
    for (const [logicalId, resource] of this.resourcesOfType((type) => KEY_TYPES.has(type)))
      this.family.keys.push({ stack: this, logicalId, resource });
    for (const [logicalId, resource] of this.resourcesOfType((type) => type === 'AWS::KMS::Alias')) {
      const props = this.properties(resource);
      const alias = textOf(props.AliasName ?? null);
      const target = props.TargetKeyId;
      if (!alias || !isSym(target) || !target.target || !KEY_TYPES.has(target.target.type)) continue;
      this.family.aliasToKey.set(alias, target.target.id);
      this.family.aliasResourceToKey.set(this.idPrefix + logicalId, target.target.id);
      const list = this.family.keyAliases.get(target.target.id) ?? [];
      list.push(alias);
      this.family.keyAliases.set(target.target.id, list);
    }
    for (const [logicalId, resource] of this.resourcesOfType((type) => type === 'AWS::IAM::Role')) {
      const arn = textOf(this.getAtt(logicalId, 'Arn', resource)) ?? `\${${logicalId}.Arn}`;
      const statements: PolicyStatement[] = [];
      const policies = this.properties(resource).Policies;
      if (Array.isArray(policies))
        for (const policy of policies)
          if (isObject(policy)) statements.push(...kmsStatementsOf(toPlain(policy.PolicyDocument ?? null)));
      this.family.roles.set(this.idPrefix + logicalId, { arn, statements });
    }
    for (const [, resource] of this.resourcesOfType(
      (type) => type === 'AWS::IAM::Policy' || type === 'AWS::IAM::ManagedPolicy',
    )) {
      const props = this.properties(resource);
      const statements = kmsStatementsOf(toPlain(props.PolicyDocument ?? null));
      if (statements.length === 0 || !Array.isArray(props.Roles)) continue;
      for (const role of props.Roles) {
        if (!isSym(role) || !role.target) continue;
        this.family.roles.get(role.target.id)?.statements.push(...statements);
      }
    }
  }

  private emitKeys(): void {
    const byId = new Map<string, Key>();
    for (const { stack, logicalId, resource } of this.family.keys) {
      const id = stack.idPrefix + logicalId;
      const type = scalarText(getEntry(resource, 'Type'));
      const props = stack.properties(resource);
      const attribute = (name: string): Val | undefined => {
        const node = getEntry(resource, name);
        return node ? stack.evaluate(node) : undefined;
      };
      let replica: { primaryKeyArn: string } | undefined;
      if (type === 'AWS::KMS::ReplicaKey') {
        const primary = props.PrimaryKeyArn;
        replica = {
          primaryKeyArn:
            isSym(primary) && primary.target ? primary.target.id : (textOf(primary ?? null) ?? 'unknown'),
        };
      }
      const key = buildKey(
        {
          id,
          location: stack.location(stack.template.resourceLines.get(logicalId)),
          source: 'cloudformation',
          account: stack.account,
          region: stack.region,
          ...(props.Enabled !== undefined ? { enabled: props.Enabled } : {}),
          ...(props.KeySpec !== undefined ? { keySpec: props.KeySpec } : {}),
          ...(props.KeyUsage !== undefined ? { keyUsage: props.KeyUsage } : {}),
          ...(props.Origin !== undefined ? { origin: props.Origin } : {}),
          ...(props.MultiRegion !== undefined ? { multiRegion: props.MultiRegion } : {}),
          ...(props.Description !== undefined ? { description: props.Description } : {}),
          ...(props.EnableKeyRotation !== undefined ? { rotationEnabled: props.EnableKeyRotation } : {}),
          ...(props.RotationPeriodInDays !== undefined
            ? { rotationPeriodInDays: props.RotationPeriodInDays }
            : {}),
          ...(props.KeyPolicy !== undefined ? { policy: props.KeyPolicy } : {}),
          ...(props.Tags !== undefined ? { tags: props.Tags } : {}),
          ...(props.PendingWindowInDays !== undefined
            ? { pendingWindowInDays: props.PendingWindowInDays }
            : {}),
          // CloudFormation's default DeletionPolicy for a key is Delete (which schedules deletion).
          deletionPolicy: attribute('DeletionPolicy') ?? 'Delete',
          updateReplacePolicy: attribute('UpdateReplacePolicy') ?? 'Delete',
          ...(replica ? { replica } : {}),
          aliases: this.family.keyAliases.get(id) ?? [],
        },
        defaultKeyPolicy(stack.account, stack.partition),
      );
      if (replica) {
        const primary = byId.get(replica.primaryKeyArn);
        if (primary?.rotation) key.rotation = { ...primary.rotation };
        else
          key.rotation = {
            enabled: {
              unresolved: 'PrimaryKeyArn',
              reason: 'a replica rotates with its primary key, which is not in the scanned files',
            },
          };
      }
      byId.set(id, key);
      this.family.output.keys.push(key);
    }
  }

  private resolveKey(value: Val): VolumeKey {
    return resolveKeyReference(value, {
      keyTypes: KEY_TYPES,
      aliasToKey: this.family.aliasToKey,
      aliasResourceToKey: this.family.aliasResourceToKey,
    });
  }

  private buildContext() {
    return {
      source: 'cloudformation' as const,
      account: this.account,
      region: this.region,
      resolveKey: (value: Val) => this.resolveKey(value),
    };
  }

  /** Pass 2: clusters, after every key and alias of the family is known. */
  private emitClusters(): void {
    // This template's clusters are judged here, on the terms of this evaluation (a cluster whose
    // own Condition is false under them is judged absent).
    this.family.output.judged?.push(this.template.absPath);
    let defined = false;
    for (const [logicalId, resource] of this.resourcesOfType((type) => type === 'AWS::SageMaker::Cluster')) {
      defined = true;
      const node = getEntry(resource, 'Properties');
      const value = node ? this.evaluate(node) : {};
      const spec = isObject(value) ? value : {};
      const definition: ClusterDefinition = {
        id: this.idPrefix + logicalId,
        name: spec.ClusterName ?? logicalId,
        location: this.location(this.template.resourceLines.get(logicalId)),
        spec,
      };
      if (value instanceof Unknown) definition.groupsUnknown = value;
      this.family.output.clusters.push(buildCluster(definition, this.buildContext()));
    }
    // A type that looks like a HyperPod cluster and is not read is an input issue, never a silent
    // skip (AWS::SageMaker::ClusterV2, a third-party HyperPod type); custom resources are read below.
    for (const [logicalId, , type] of this.resourcesOfType(
      (type) =>
        type !== 'AWS::SageMaker::Cluster' && !type.startsWith('Custom::') && looksLikeHyperPodCluster(type),
    ))
      this.context.issues.push(
        unsupportedClusterIssue(
          type,
          logicalId,
          this.location(this.template.resourceLines.get(logicalId)),
          'cfn',
        ),
      );
    for (const [logicalId, resource, type] of this.resourcesOfType(
      (type) =>
        type === 'AWS::CloudFormation::Stack' ||
        type === 'AWS::Lambda::Function' ||
        type === 'AWS::Serverless::Function' ||
        type === 'AWS::CloudFormation::CustomResource' ||
        type.startsWith('Custom::'),
    )) {
      if (type === 'AWS::CloudFormation::Stack') {
        const child = this.child(logicalId, resource);
        if (child) {
          child.emitClusters();
          continue;
        }
      }
      const cluster = defined ? undefined : this.customCluster(logicalId, resource, type);
      if (cluster) this.family.output.clusters.push(cluster);
      else if (type.startsWith('Custom::') && looksLikeHyperPodCluster(type))
        this.context.issues.push(
          unsupportedClusterIssue(
            type,
            logicalId,
            this.location(this.template.resourceLines.get(logicalId)),
            'cfn',
          ),
        );
    }
  }

  /**
   * A cluster created by something other than AWS::SageMaker::Cluster: a Lambda function or custom
   * resource that receives the instance groups as JSON strings, or a nested stack whose template
   * is not in the scan but whose parameters describe instance groups.
   */
  private customCluster(logicalId: string, resource: SMap, type: string): Cluster | undefined {
    const propsNode = getEntry(resource, 'Properties');
    const carrierNode =
      type === 'AWS::Lambda::Function' || type === 'AWS::Serverless::Function'
        ? getEntry(getEntry(propsNode, 'Environment'), 'Variables')
        : type === 'AWS::CloudFormation::Stack'
          ? getEntry(propsNode, 'Parameters')
          : propsNode;
    if (carrierNode?.kind !== 'map') return undefined;
    const entries = [...carrierNode.entries].map(([key, node]) => ({ key, norm: normalize(key), node }));
    const settings = entries.filter((entry) => GROUP_SETTINGS.test(entry.norm));
    const groupish = entries.some((entry) => entry.norm.includes('instancegroup'));
    if (settings.length === 0 && !(type === 'AWS::CloudFormation::Stack' && groupish)) return undefined;

    const id = this.idPrefix + logicalId;
    const location = this.location(this.template.resourceLines.get(logicalId));
    const treeValue = (pattern: RegExp) => {
      const entry = entries.find((e) => pattern.test(e.norm));
      return entry ? this.evaluate(entry.node) : undefined;
    };
    const createdBy =
      type === 'AWS::CloudFormation::Stack'
        ? `nested stack ${logicalId}, whose template is not in the scanned files`
        : `custom resource code (${logicalId}) that is not in the scanned files`;
    const definition: ClusterDefinition = {
      id,
      name: treeValue(/clustername$/) ?? logicalId,
      location,
      spec: {},
    };

    if (settings.length === 0) {
      const templateUrl = getEntry(propsNode, 'TemplateURL');
      const file = templateUrl ? templateBasename(templateUrl) : undefined;
      const missing = new Unknown(
        `${logicalId} (${file ?? 'TemplateURL'})`,
        `the instance groups are defined by ${createdBy}`,
        [file ?? `${logicalId}.TemplateURL`],
      );
      definition.groupsUnknown = missing;
      definition.missing = { nodeProvisioningMode: missing, orchestrator: missing, tags: missing };
      return buildCluster(definition, this.buildContext());
    }

    const regular: Val[] = [];
    const restricted: Val[] = [];
    let allDefaultsEmpty = true;
    let unknown: Unknown | undefined;
    for (const entry of settings) {
      const value = this.evaluate(entry.node);
      const origin = this.originOf(entry.node);
      const isRig = /^(rig|restricted)/.test(entry.norm);
      if (value instanceof Unknown) {
        unknown ??= value;
        continue;
      }
      const groups = parseGroupSettings(value, origin);
      if (groups instanceof Unknown) {
        this.issue('cfn.instance_group_json', `${entry.key}: ${groups.reason}`, origin.line);
        unknown ??= groups;
        continue;
      }
      if (groups.length > 0 || !this.fromDefault(entry.node)) allDefaultsEmpty = false;
      (isRig ? restricted : regular).push(...groups);
    }
    definition.spec = { InstanceGroups: regular, RestrictedInstanceGroups: restricted };
    if (unknown) definition.groupsUnknown = unknown;
    else if (regular.length === 0 && restricted.length === 0 && allDefaultsEmpty) {
      const names = settings.map((entry) => scalarText(getEntry(entry.node, 'Ref')) ?? entry.key);
      definition.groupsUnknown = new Unknown(
        clip(names.join(', '), 100),
        'every instance group parameter is empty by default; the groups are supplied at deploy time (pass --parameters FILE)',
        names,
      );
    }

    const orchestrator = treeValue(/^orchestrator(type)?$/);
    const hasEks = entries.some((entry) => /^eks/.test(entry.norm));
    const orchestratorText = textOf(orchestrator ?? null)?.toLowerCase();
    const missing: ClusterDefinition['missing'] = {};
    if (orchestrator instanceof Unknown) missing.orchestrator = orchestrator;
    else if (orchestratorText === 'slurm') definition.spec.Orchestrator = { Slurm: {} };
    else if (orchestratorText === 'eks' || hasEks) definition.spec.Orchestrator = { Eks: {} };
    else
      missing.orchestrator = new Unknown('Orchestrator', `the orchestrator is chosen by ${createdBy}`, [
        logicalId,
      ]);

    const mode = treeValue(/nodeprovisioningmode$/);
    if (mode !== undefined) definition.spec.NodeProvisioningMode = mode;
    else if (orchestratorText !== 'slurm')
      missing.nodeProvisioningMode = new Unknown('NodeProvisioningMode', `it is set by ${createdBy}`, [
        logicalId,
      ]);

    const tags = treeValue(/tags$/);
    if (tags === undefined)
      missing.tags = new Unknown('Tags', `the tags are set by ${createdBy}`, [logicalId]);
    else if (typeof tags === 'string') {
      const parsed = tags.trim() === '' ? [] : safeJson(tags);
      definition.spec.Tags =
        parsed === undefined ? new Unknown(`${logicalId} tags`, 'the tags are not JSON') : (parsed as Val);
    } else definition.spec.Tags = tags;

    const role = treeValue(/(iamrole|executionrole)(name|arn)?$/);
    if (role !== undefined) definition.defaultExecutionRole = this.roleArnOf(role);
    definition.missing = missing;
    return buildCluster(definition, this.buildContext());
  }

  /** Whether a value comes from a parameter's Default (rather than a parameter file or a parent). */
  private fromDefault(node: SNode): boolean {
    const ref = scalarText(getEntry(node, 'Ref'));
    if (ref === undefined || !this.template.parameters.has(ref)) return false;
    const input = this.inputs.get(ref);
    return input === undefined || input.fromDefault === true;
  }

  private roleArnOf(value: Val): Val {
    const text = textOf(value);
    if (text === undefined || text.startsWith('arn:') || text.startsWith('${')) return value;
    return `arn:${this.partition}:iam::${this.account}:role/${text}`;
  }
}

const nullNode: SNode = { kind: 'scalar', value: null, line: 0 };

const GROUP_SETTINGS =
  /^(instancegroup|rig|restrictedinstancegroup)(s|settings?|configs?|configurations?|specs?)?\d*$/;

const normalize = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

function describeInputs(value: Unknown): string {
  return value.inputs.length > 0
    ? `${value.inputs.join(', ')}, which ${value.inputs.length > 1 ? 'are' : 'is'} not known`
    : value.reason;
}

function withExpression(value: Unknown, node: SNode): Unknown {
  return new Unknown(render(node), value.reason, value.inputs);
}

function stringForm(value: Val): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(toPlain(value));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Instance groups written as JSON in a string parameter: `[{...}, {...}]`, or nested lists of
 * them (`[[{...}], [{...}]]`, as the HyperPod cluster setup's Slurm template writes them).
 */
function parseGroupSettings(value: Val, origin: Location): Val[] | Unknown {
  let plain: unknown = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return [];
    plain = safeJson(value);
    if (plain === undefined)
      return new Unknown(clipText(value), 'the instance group settings are not valid JSON');
  } else plain = toPlain(value);
  const groups: Val[] = [];
  const visit = (item: unknown, depth: number): boolean => {
    if (depth > 4) return false;
    if (Array.isArray(item)) return item.every((child) => visit(child, depth + 1));
    if (item && typeof item === 'object') {
      groups.push(locate(item as ValObject, origin));
      return true;
    }
    return false;
  };
  if (!visit(plain, 0))
    return new Unknown(clipText(String(value)), 'the instance group settings are not a list of groups');
  return groups;
}

const clipText = (text: string) => (text.length > 80 ? `${text.slice(0, 79)}…` : text);

/** The file a TemplateURL names: the last path segment of any URL-like string in it. */
export function templateBasename(node: SNode): string | undefined {
  const names = templateUrlCandidates(node);
  return names[0] ? posix.basename(names[0]) : undefined;
}

/** Every string in a TemplateURL expression that looks like a template path or URL. */
export function templateUrlCandidates(node: SNode, depth = 0): string[] {
  if (depth > 10) return [];
  if (node.kind === 'scalar')
    return typeof node.value === 'string' && /\.(ya?ml|json|template)(\?.*)?$/i.test(node.value)
      ? [node.value.replace(/\?.*$/, '')]
      : [];
  if (node.kind === 'seq') return node.items.flatMap((item) => templateUrlCandidates(item, depth + 1));
  return [...node.entries.values()].flatMap((item) => templateUrlCandidates(item, depth + 1));
}
