/**
 * A CloudFormation stack as deployed: its parameters (defaults, a parameter file, or the values a
 * parent stack passes), Conditions, Mappings, resources and nested stacks. Its template's nodes
 * are evaluated by the intrinsic functions (`intrinsics.ts`) with this stack as their scope; what
 * the files cannot tell becomes an `Unknown` naming the missing inputs, and attributes of
 * resources in the template become `Sym`s, so references to a key or role defined alongside
 * resolve. The inventory is built from the evaluated stack by `inventory.ts`.
 *
 * Nested stacks whose template is in the scan (same directory, or a relative path) are evaluated
 * with the parameters their parent passes.
 */
import type { SourceIssue } from '../../model/finding.js';
import type { Location } from '../../model/inventory.js';
import { pushOnce } from '../common/issues.js';
import { getEntry, type SMap, type SNode, scalarText } from '../common/source-tree.js';
import {
  ACCOUNT,
  boundedId,
  clip,
  isObject,
  NO_VALUE,
  PARTITION,
  partitionOf,
  REGION,
  Sym,
  textOf,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import type { PatternChecker } from './allowed-pattern.js';
import { evaluate, type IntrinsicScope, nullNode } from './intrinsics.js';
import { KEY_TYPES, type StackOutput, type StackView, stackInventory } from './inventory.js';
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
  /** Runs the parameters' AllowedPattern checks within the scan's time for them. */
  patterns: PatternChecker;
}

const MAX_NESTING = 8;

/**
 * What CloudFormation shows of a NoEcho parameter's value: "If you set the NoEcho attribute to
 * true, CloudFormation returns the parameter value masked as asterisks (*****) for any calls that
 * describe the stack or stack events" (User Guide, Parameters,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
 */
const MASKED = '*****';

/** Whether a parameter is declared NoEcho (`true`, or the text `true` as a JSON template may write it). */
const noEchoOf = (declaration: SNode | undefined): boolean =>
  /^true$/i.test(scalarText(getEntry(declaration, 'NoEcho')) ?? '');

export class Stack implements IntrinsicScope, StackView {
  private readonly conditionCache = new Map<string, boolean | Unknown>();
  private readonly inProgress = new Set<string>();
  private readonly paramCache = new Map<string, Val>();
  private readonly children = new Map<string, Stack | null>();
  readonly evaluation = { depth: 0 };

  private constructor(
    readonly context: CfnContext,
    readonly template: CfnTemplate,
    /** `<file>#` for a root stack, `<file>#Parent.` for a nested one: ids are this plus a logical id. */
    private readonly idPrefix: string,
    private readonly inputs: Map<string, ParamInput>,
    private readonly chain: readonly string[],
  ) {}

  /** Evaluates a root template (with its nested stacks) and returns what it defines. */
  static evaluateRoot(
    context: CfnContext,
    template: CfnTemplate,
    idFile: string,
    inputs: Map<string, ParamInput>,
  ): StackOutput {
    return stackInventory(new Stack(context, template, `${idFile}#`, inputs, [template.absPath]));
  }

  get options(): CfnOptions {
    return this.context.options;
  }

  get issues(): SourceIssue[] {
    return this.context.issues;
  }

  get mappings(): SNode | undefined {
    return this.template.mappings;
  }

  get account(): string {
    return this.context.options.account ?? ACCOUNT;
  }

  get region(): string {
    return this.context.options.region ?? REGION;
  }

  get partition(): string {
    return partitionOf(this.context.options.region)?.partition ?? PARTITION;
  }

  /** The inventory id of a resource: the stack's prefix and its logical id, bounded (see boundedId). */
  idOf(logicalId: string): string {
    return this.idPrefix + boundedId(logicalId);
  }

  location(line: number | undefined): Location {
    return { file: this.template.file, ...(line ? { line } : {}) };
  }

  issue(
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

  evaluate(node: SNode): Val {
    return evaluate(this, node);
  }

  // -------------------------------------------------------------------------------------------
  // Parameters and conditions

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
    const noEcho = noEchoOf(declaration);
    if (typeof value === 'string' && !type.startsWith('List<') && type !== 'CommaDelimitedList')
      value = this.allowed(name, declaration, type, value, noEcho);
    if (typeof value === 'string' && (type === 'String' || type === 'CommaDelimitedList'))
      value = this.matchesPattern(name, declaration, type, value, noEcho);
    if (type.startsWith('AWS::SSM::Parameter::Value'))
      value = new Unknown(
        `!Ref ${name}`,
        `parameter ${name} is read from SSM Parameter Store at deploy time`,
        [name],
      );
    else if (typeof value === 'string' && (type.startsWith('List<') || type === 'CommaDelimitedList'))
      value = value === '' ? [] : value.split(',').map((item) => item.trim());
    // CloudFormation masks a NoEcho parameter's value wherever it describes the stack; so does
    // every report: the value is known by name only (what reads it is judged as a value from
    // outside the files), and never enters the inventory.
    if (noEcho && !(value instanceof Unknown)) value = new Sym(`\${${boundedId(name)}:${MASKED}}`);
    this.paramCache.set(name, value);
    return value;
  }

  /**
   * A parameter's value as CloudFormation takes it, or UNKNOWN naming the constraint that refuses
   * it: a `Number` must be one, within `MinValue`/`MaxValue`; a `String` within
   * `MinLength`/`MaxLength`; either one of its `AllowedValues` (User Guide, Parameters syntax,
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
   * A stack whose parameter is refused is not created. (`AllowedPattern`: `matchesPattern`.)
   */
  private allowed(
    name: string,
    declaration: SNode | undefined,
    type: string,
    value: string,
    noEcho: boolean,
  ): string | Unknown {
    const refuse = (why: string) =>
      new Unknown(
        `!Ref ${name}`,
        `CloudFormation refuses the value of parameter ${name}: ${noEcho ? MASKED : clip(value, 60)} ${why}`,
        [name],
      );
    const bound = (key: string) => {
      const text = scalarText(getEntry(declaration, key));
      const n = text === undefined ? Number.NaN : Number(text);
      return Number.isFinite(n) ? n : undefined;
    };
    if (type === 'Number') {
      if (!/^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/.test(value)) return refuse('is not a number');
      const n = Number(value);
      const min = bound('MinValue');
      const max = bound('MaxValue');
      if (min !== undefined && n < min) return refuse(`is less than its MinValue (${min})`);
      if (max !== undefined && n > max) return refuse(`is more than its MaxValue (${max})`);
    } else if (type === 'String') {
      const min = bound('MinLength');
      const max = bound('MaxLength');
      if (min !== undefined && value.length < min) return refuse(`is shorter than its MinLength (${min})`);
      if (max !== undefined && value.length > max) return refuse(`is longer than its MaxLength (${max})`);
    }
    const allowedValues = getEntry(declaration, 'AllowedValues');
    if (allowedValues?.kind === 'seq') {
      const allowed = allowedValues.items.map((item) => scalarText(item) ?? '');
      const same = (candidate: string) =>
        candidate === value || (type === 'Number' && candidate !== '' && Number(candidate) === Number(value));
      if (!allowed.some(same))
        return refuse(`is not one of its AllowedValues (${clip(allowed.join(', '), 120)})`);
    }
    return value;
  }

  /**
   * A String's value, or each value of a CommaDelimitedList, as its `AllowedPattern` takes it
   * (see allowed-pattern.ts): refused, UNKNOWN naming the pattern; not checked (a pattern that
   * backtracks, or Java syntax the scanner does not run), UNKNOWN saying why, since
   * CloudFormation may refuse it.
   */
  private matchesPattern(
    name: string,
    declaration: SNode | undefined,
    type: string,
    value: string,
    noEcho: boolean,
  ): string | Unknown {
    const pattern = scalarText(getEntry(declaration, 'AllowedPattern'));
    if (pattern === undefined) return value;
    const values = type === 'CommaDelimitedList' ? value.split(',').map((item) => item.trim()) : [value];
    const check = this.context.patterns.check(pattern, values);
    const shown = `its AllowedPattern (${clip(pattern, 80)})`;
    if (!check.checked)
      return new Unknown(
        `!Ref ${name}`,
        `the value of parameter ${name} could not be checked against ${shown}: ${check.why}`,
        [name],
      );
    if (check.matches) return value;
    return new Unknown(
      `!Ref ${name}`,
      `CloudFormation refuses the value of parameter ${name}: ${noEcho ? MASKED : clip(value, 60)} does not match ${shown}`,
      [name],
    );
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

  // -------------------------------------------------------------------------------------------
  // Resources and nested stacks

  /** A Ref to a parameter or a resource of the template (pseudo parameters are the intrinsics'). */
  reference(name: string, node: SNode): Val {
    if (this.template.parameters.has(name)) return this.param(name);
    const resource = this.template.resources.get(name);
    if (resource) {
      const type = scalarText(getEntry(resource, 'Type')) ?? '';
      const target = { id: this.idOf(name), type };
      if (type === 'AWS::KMS::Alias') {
        const alias = textOf(
          this.evaluate(getEntry(getEntry(resource, 'Properties'), 'AliasName') ?? nullNode),
        );
        return new Sym(alias ?? `\${${boundedId(name)}}`, target);
      }
      if (type === 'AWS::IAM::Role') {
        const roleName = this.roleName(resource);
        return new Sym(roleName ?? `\${${boundedId(name)}}`, target);
      }
      return new Sym(`\${${boundedId(name)}}`, target);
    }
    return new Unknown(render(node), `${name} is neither a parameter nor a resource of the template`, [name]);
  }

  private roleName(resource: SMap): string | undefined {
    const value = this.evaluate(getEntry(getEntry(resource, 'Properties'), 'RoleName') ?? nullNode);
    return typeof value === 'string' ? value : undefined;
  }

  getAtt(logicalId: string, attribute: string, node: SNode): Val {
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
    const target = { id: this.idOf(logicalId), type, attribute };
    // A key's ARN is its inventory id, so IAM statements that name it match the key.
    if (KEY_TYPES.has(type) && attribute === 'Arn') return new Sym(target.id, target);
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') {
      const roleName = this.roleName(resource);
      const path =
        textOf(this.evaluate(getEntry(getEntry(resource, 'Properties'), 'Path') ?? nullNode)) ?? '/';
      if (roleName)
        return new Sym(`arn:${this.partition}:iam::${this.account}:role${path}${roleName}`, target);
    }
    return new Sym(`\${${boundedId(logicalId)}.${boundedId(attribute)}}`, target);
  }

  private output(name: string, node: SNode): Val {
    const output = this.template.outputs.get(name);
    const value = getEntry(output, 'Value');
    if (!value) return new Unknown(render(node), `nested stack output ${name} is not defined`, [name]);
    // An output with a Condition is created only when the condition is true (User Guide, Outputs
    // syntax, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html).
    const created = this.outputCreated(output!);
    if (created !== true)
      return new Unknown(
        render(node),
        created === false
          ? `nested stack output ${name} is not created: its condition ${scalarText(getEntry(output, 'Condition'))} is false`
          : `nested stack output ${name} exists only if ${created.reason}`,
        created === false ? [name] : created.inputs,
      );
    return this.evaluate(value);
  }

  /** Whether an output is created: true without a Condition, else what the condition is. */
  outputCreated(output: SNode): boolean | Unknown {
    const conditionName = scalarText(getEntry(output, 'Condition'));
    return conditionName === undefined ? true : this.condition(conditionName);
  }

  /** The nested stack a resource deploys, when its template is in the scan. */
  child(logicalId: string, resource: SMap): Stack | undefined {
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
      for (const [key, node] of parameters.entries) {
        const value = this.evaluate(node);
        // A parameter AWS::NoValue removes is not passed: the child takes its Default.
        if (value === NO_VALUE) continue;
        inputs.set(key, {
          value,
          origin: this.originOf(node),
          ...(this.fromDefault(node) ? { fromDefault: true } : {}),
        });
      }
    const stack = new Stack(this.context, template, `${this.idOf(logicalId)}.`, inputs, [
      ...this.chain,
      template.absPath,
    ]);
    this.children.set(logicalId, stack);
    return stack;
  }

  private included(resource: SMap): boolean {
    const conditionName = scalarText(getEntry(resource, 'Condition'));
    if (!conditionName) return true;
    // A resource under an unknown condition may be created: it is judged as if it were.
    return this.condition(conditionName) !== false;
  }

  resourcesOfType(types: (type: string) => boolean): [string, SMap, string][] {
    const out: [string, SMap, string][] = [];
    for (const [logicalId, resource] of this.template.resources) {
      const type = scalarText(getEntry(resource, 'Type')) ?? '';
      if (types(type) && this.included(resource)) out.push([logicalId, resource, type]);
    }
    return out;
  }

  properties(resource: SMap): ValObject {
    const node = getEntry(resource, 'Properties');
    if (!node) return {};
    const value = this.evaluate(node);
    return isObject(value) ? value : {};
  }

  /** Whether a value comes from a parameter's Default (rather than a parameter file or a parent). */
  fromDefault(node: SNode): boolean {
    const ref = scalarText(getEntry(node, 'Ref'));
    if (ref === undefined || !this.template.parameters.has(ref)) return false;
    const input = this.inputs.get(ref);
    return input === undefined || input.fromDefault === true;
  }
}

function describeInputs(value: Unknown): string {
  return value.inputs.length > 0
    ? `${value.inputs.join(', ')}, which ${value.inputs.length > 1 ? 'are' : 'is'} not known`
    : value.reason;
}
