/**
 * The declarations of a Terraform module directory (variables, locals, resources, data sources,
 * module calls, outputs, the provider's region), indexed by name, and the reading of a block body
 * as data.
 */
import type { Location } from '../../model/inventory.js';
import { locate, Unknown, type Val, type ValObject } from '../common/value.js';
import { evaluate, type Scope } from './expressions.js';
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

/** A declaration and the file it is written in. */
export interface Declared<T> {
  item: T;
  file: TfFile;
}

/** One instance of a resource (one per count index or for_each key): its address and scope. */
export interface Instance {
  address: string;
  scope: Scope;
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

/** A block body as data: attributes evaluated, nested blocks as lists of objects. */
export function bodyValue(body: Body, scope: Scope, depth = 0): ValObject | Unknown {
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
    const value = bodyValue(block.body, scope, depth + 1);
    if (value instanceof Unknown) return value;
    const list = (out[block.type] as Val[] | undefined) ?? [];
    list.push(locate(value, { file: scope.file, line: block.line }));
    out[block.type] = list;
  }
  return out;
}

/** The inventory id of a resource instance: the file it is declared in and its address. */
export function idOf(file: TfFile, address: string): string {
  return `${file.file}#${address}`;
}

/** Where a declaration is written. */
export function declaredAt(file: TfFile, line: number): Location {
  return { file: file.file, line };
}
