/**
 * The declarations of a Terraform module directory (variables, locals, resources, data sources,
 * module calls, outputs, the provider's region), indexed by name, and the reading of a block body
 * as data.
 */
import type { Location } from '../../model/inventory.js';
import {
  boundedId,
  Invalid,
  isObject,
  isSym,
  locate,
  relabel,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { OVER_BUDGET } from './budget.js';
import { evaluate, type Scope, withVariables } from './expressions.js';
import type { Attribute, Block, Body } from './hcl.js';

export interface TfFile {
  file: string;
  absPath: string;
  body: Body;
}

export interface TfModuleDir {
  absDir: string;
  files: TfFile[];
}

/** A declaration and the file it is written in. */
export interface Declared<T> {
  item: T;
  file: TfFile;
}

/** One instance of a resource (one per count index or for_each key): its address and scope. */
export interface Instance {
  address: string;
  /** Its inventory id (`idOf`): the address in the file of the root module's call that made it. */
  id: string;
  scope: Scope;
  /**
   * Why Terraform refuses the instance's block or a module call above it (an invalid count or
   * for_each): the plan fails, so every value of the resource is this, never what it is written as.
   */
  refused?: Unknown;
}

/** A resource instance's body as data, or what Terraform refuses it for. */
export function instanceBody(declared: Declared<Block>, instance: Instance): ValObject | Unknown {
  return instance.refused ?? bodyValue(declared.item.body, instance.scope);
}

/** Arguments that configure how Terraform handles a block, not what the resource is. */
export const META_ARGUMENTS: ReadonlySet<string> = new Set([
  'source',
  'version',
  'count',
  'for_each',
  'providers',
  'depends_on',
  'lifecycle',
  'provider',
]);

/** The declarations of one module directory, indexed. */
export class ModuleIndex {
  readonly variables = new Map<string, Declared<Block>>();
  readonly locals = new Map<string, Declared<Attribute>>();
  readonly resources = new Map<string, Declared<Block>>();
  readonly resourceTypes = new Set<string>();
  readonly data = new Map<string, Declared<Block>>();
  readonly modules = new Map<string, Declared<Block>>();
  readonly outputs = new Map<string, Declared<Block>>();
  /**
   * The provider configurations the module declares, by the address resources name them with:
   * `aws` (the default configuration), `aws.west` (one with `alias = "west"`), `awscc`.
   */
  readonly providers = new Map<string, Declared<Block>>();

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
          case 'provider': {
            if (!a) break;
            const alias = block.body.attributes.get('alias')?.expr;
            const aliasName =
              alias?.t === 'lit'
                ? alias.v
                : alias?.t === 'tmpl' && alias.parts.length === 1
                  ? alias.parts[0]
                  : undefined;
            if (alias && typeof aliasName !== 'string') break;
            const address = aliasName ? `${a}.${aliasName}` : a;
            if (!this.providers.has(address)) this.providers.set(address, { item: block, file });
            break;
          }
        }
      }
    }
  }
}

/** A nested block as written, or one a `dynamic` block makes, with the scope its body is evaluated in. */
export type NestedBlock =
  | { type: string; body: Body; line: number; scope: Scope }
  | { type: string; unknown: Unknown };

/**
 * The nested blocks of a body, each `dynamic "TYPE"` block expanded into one TYPE block per element
 * of its for_each, whose content sees the element as `TYPE.key` and `TYPE.value` (or under the name
 * `iterator` gives); a for_each not known yet is one unknown entry
 * (https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks).
 */
export function nestedBlocks(
  body: Body,
  scope: Scope,
  made: { blocks: number } = { blocks: 0 },
): NestedBlock[] {
  const out: NestedBlock[] = [];
  for (const block of body.blocks) {
    if (block.type !== 'dynamic') {
      out.push({ type: block.type, body: block.body, line: block.line, scope });
      continue;
    }
    const type = block.labels[0] ?? 'dynamic';
    const forEach = block.body.attributes.get('for_each');
    const content = block.body.blocks.find((b) => b.type === 'content');
    const iteratorExpr = block.body.attributes.get('iterator')?.expr;
    const iterator = iteratorExpr?.t === 'var' ? iteratorExpr.name : type;
    if (!forEach || !content) {
      out.push({
        type,
        unknown: new Invalid(
          `dynamic "${type}"`,
          'a dynamic block needs for_each and content: an error in Terraform',
        ),
      });
      continue;
    }
    const collection = evaluate(forEach.expr, scope);
    if (collection instanceof Unknown) {
      out.push({
        type,
        unknown: relabel(collection, `dynamic "${type}" { for_each = ${forEach.expr.text} }`),
      });
      continue;
    }
    if (isSym(collection) || (!Array.isArray(collection) && !isObject(collection))) {
      out.push({
        type,
        unknown: isSym(collection)
          ? new Unknown(`dynamic "${type}"`, `its for_each is known only after apply (${collection.text})`)
          : new Invalid(`dynamic "${type}"`, 'its for_each is not a collection: an error in Terraform'),
      });
      continue;
    }
    const size = Array.isArray(collection) ? collection.length : Object.keys(collection).length;
    // Dynamic blocks within dynamic blocks multiply: what one body makes in all is bounded.
    made.blocks += size;
    if (made.blocks > MAX_DYNAMIC_BLOCKS) {
      const what = `dynamic blocks make more than ${MAX_DYNAMIC_BLOCKS} blocks`;
      scope.overBudget?.(forEach.expr, what);
      out.push({
        type,
        unknown: new Unknown(`dynamic "${type}"`, `${what}: ${OVER_BUDGET}, so it is not evaluated`),
      });
      continue;
    }
    const elements: [Val, Val][] = Array.isArray(collection)
      ? collection.map((item, index) => [index, item])
      : Object.keys(collection)
          .sort()
          .map((key) => [key, collection[key]!]);
    for (const [key, value] of elements)
      out.push({
        type,
        body: content.body,
        line: content.line,
        scope: withVariables(scope, { [iterator]: { key, value } }),
      });
  }
  return out;
}

/** Blocks the dynamic blocks of one body (nested ones included) make at most, as count and for_each make instances. */
const MAX_DYNAMIC_BLOCKS = 1_000;

/** A block body as data: attributes evaluated, nested blocks (dynamic ones expanded) as lists of objects. */
export function bodyValue(
  body: Body,
  scope: Scope,
  depth = 0,
  made: { blocks: number } = { blocks: 0 },
): ValObject | Unknown {
  const out: ValObject = {};
  for (const [name, attribute] of body.attributes) {
    if (META_ARGUMENTS.has(name) && name !== 'lifecycle') continue;
    out[name] = evaluate(attribute.expr, scope);
  }
  if (depth > 32) return out;
  for (const block of nestedBlocks(body, scope, made)) {
    if ('unknown' in block) {
      out[block.type] = block.unknown;
      continue;
    }
    const previous = out[block.type];
    if (previous instanceof Unknown) continue;
    const value = bodyValue(block.body, block.scope, depth + 1, made);
    if (value instanceof Unknown) return value;
    const list = (previous as Val[] | undefined) ?? [];
    list.push(locate(value, { file: scope.file, line: block.line }));
    out[block.type] = list;
  }
  return out;
}

/**
 * A resource's address, its type and name bounded (see boundedId): an address is in the resource's
 * id, and so in every finding about it.
 */
export function resourceAddress(prefix: string, type: string, name: string, suffix = ''): string {
  return `${prefix}${boundedId(type)}.${boundedId(name)}${suffix}`;
}

/** What follows the address of one instance of count or for_each: `[0]`, or `["key"]` with a long key bounded. */
export function instanceSuffix(key: Val): string {
  return `[${JSON.stringify(typeof key === 'string' ? boundedId(key) : toPlain(key))}]`;
}

/**
 * The inventory id of a resource instance: a file and its address. In a root module the file is
 * the one the resource is declared in; in a child module, the file of the root module's call that
 * leads to it, as a nested stack's resources are named through their parent: a module called by
 * two roots (`envs/dev`, `envs/prod` calling `modules/key`) makes two resources, and so two ids
 * and two fingerprints, not one id for both.
 */
export function idOf(file: TfFile, address: string): string {
  return `${file.file}#${address}`;
}

/** Where a declaration is written. */
export function declaredAt(file: TfFile, line: number): Location {
  return { file: file.file, line };
}
