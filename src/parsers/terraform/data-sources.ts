/**
 * Terraform data sources a configuration reads: the caller's account, region and partition (as
 * the scan was told, or symbolic), data "aws_iam_policy_document" rendered as the JSON policy it
 * produces, data "aws_kms_key" / "aws_kms_alias" by the key or alias they name, and the `arn` of
 * data "aws_iam_policy" by the ARN it is looked up by. Every other data source is read from AWS
 * when Terraform plans: UNKNOWN.
 */

import { pushAll } from '../../model/many.js';
import {
  ACCOUNT,
  isObject,
  Sym,
  safeJson,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { bodyValue, type Declared, nestedBlocks, type TfFile } from './declarations.js';
import { applySteps, evaluate, type Scope, type Step } from './expressions.js';
import type { Block, Body, Expr } from './hcl.js';

/** What resolving a data source needs of the module that declares it. */
export interface DataSourceModule {
  readonly options: { account?: string };
  readonly region: string;
  readonly partition: string;
  /** The module's data blocks, by `type.name`. */
  readonly data: ReadonlyMap<string, Declared<Block>>;
  /** The scope expressions of a file of the module are evaluated in. */
  scope(file: TfFile): Scope;
  /** The Region a resource or data source is in: its `region` argument, else its provider configuration's. */
  regionOf(declared: Declared<Block>, scope: Scope): string;
}

/** A `data.TYPE.NAME.attribute` reference: what the configuration pins down, or UNKNOWN. */
export function dataReference(module: DataSourceModule, steps: Step[], expr: Expr): Val {
  const [typeStep, nameStep, ...rest] = steps;
  const type = typeStep && 'attr' in typeStep ? typeStep.attr : undefined;
  const name = nameStep && 'attr' in nameStep ? nameStep.attr : undefined;
  if (!type || !name) return new Unknown(expr.text, 'not a data source');
  const attribute = rest[0] && 'attr' in rest[0] ? rest[0].attr : undefined;
  const after = rest.slice(1);
  if (type === 'aws_caller_identity' && attribute === 'account_id')
    return applySteps(module.options.account ?? new Sym(ACCOUNT), after, expr);
  if (type === 'aws_region' && (attribute === 'name' || attribute === 'region' || attribute === 'id')) {
    // The Region of the data source's provider configuration (or its own region argument).
    const declared = module.data.get(`${type}.${name}`);
    const region = declared ? module.regionOf(declared, module.scope(declared.file)) : module.region;
    return applySteps(region.startsWith('${') ? new Sym(region) : region, after, expr);
  }
  if (type === 'aws_partition' && attribute === 'partition')
    return applySteps(
      module.partition.startsWith('${') ? new Sym(module.partition) : module.partition,
      after,
      expr,
    );
  const declared = module.data.get(`${type}.${name}`);
  if (!declared) return new Unknown(expr.text, `data.${type}.${name} is not declared in this module`);
  const scope = module.scope(declared.file);
  if (type === 'aws_iam_policy_document' && (attribute === 'json' || attribute === 'minified_json'))
    return applySteps(policyDocument(declared.item.body, scope), after, expr);
  if (type === 'aws_kms_key' && ['arn', 'id', 'key_id'].includes(attribute ?? '')) {
    const keyId = declared.item.body.attributes.get('key_id');
    if (keyId) return evaluate(keyId.expr, scope);
  }
  // A policy looked up by its ARN has that ARN (by name, it could be one of several policies).
  if (type === 'aws_iam_policy' && attribute === 'arn') {
    const arn = declared.item.body.attributes.get('arn');
    if (arn) return evaluate(arn.expr, scope);
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
export function policyDocument(body: Body, scope: Scope, depth = 0): Val {
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
        pushAll(statements, (parsed as ValObject).Statement as Val[]);
    }
  }
  const made = { blocks: 0 };
  for (const block of nestedBlocks(body, scope, made).filter((b) => b.type === 'statement')) {
    if ('unknown' in block) return block.unknown;
    const s = bodyValue(block.body, block.scope, depth + 1, made);
    if (s instanceof Unknown) return s;
    // A nested block that cannot be known (a dynamic one over a value known later) is part of the
    // statement: the statement is not known without it, never read as if it had none.
    for (const nested of ['principals', 'not_principals', 'condition'])
      if (s[nested] instanceof Unknown) return s[nested] as Unknown;
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

function containsSym(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value instanceof Sym) return true;
  if (Array.isArray(value)) return value.some((item) => containsSym(item, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Unknown))
    return Object.values(value).some((item) => containsSym(item, depth + 1));
  return false;
}
