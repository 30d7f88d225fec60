/** Reads an inventory snapshot (what `collect -o FILE` writes) with schema validation by JSON path. */
import { z } from 'zod';
import type { InputError } from './input-error.js';
import { type Inventory, InventorySchema } from './inventory.js';
import { err, ok, type Result } from './result.js';
import { type SchemaProblem, validate } from './validate.js';

/**
 * The snapshot's text, or a function that reads it. Given the function, the text is read, parsed
 * and let go at once: an organisation's snapshot is hundreds of MiB of text, not kept while the
 * parsed inventory is validated (a caller that passes the text itself holds it until this returns).
 */
export type SnapshotText = string | (() => string);

/**
 * The inventory in a snapshot, validated against `InventorySchema`; the problems by JSON path
 * otherwise. The large arrays (clusters, keys, roles, events...) are validated an element at a
 * time, each validated element taking the place of the parsed one, so that the parsed snapshot and
 * its validated copy are never both held whole.
 */
export function parseSnapshot(text: SnapshotText, file: string): Result<Inventory, InputError> {
  const raw = parseJson(text);
  if (!raw.ok) {
    return err({
      code: 'snapshot.parse',
      input: file,
      message: `not valid JSON: ${raw.error}`,
      hint: 'pass a file written by `hyperpod-cmk collect -o FILE`',
    });
  }
  const parsed = validateInPlace(raw.value);
  if (!parsed.ok) {
    return err({
      code: 'snapshot.invalid',
      input: file,
      message: 'not a valid inventory snapshot',
      hint: 'pass a file written by `hyperpod-cmk collect -o FILE` (schemas/inventory.schema.json describes it)',
      problems: parsed.error,
    });
  }
  return ok(parsed.value);
}

/**
 * The parsed JSON, or JSON.parse's message. In a function of its own, so that the text read here
 * is referenced from no frame once it is parsed. What the read function throws is not a JSON error:
 * it goes to the caller.
 */
function parseJson(text: SnapshotText): Result<unknown, string> {
  const source = typeof text === 'string' ? text : text();
  try {
    return ok(JSON.parse(source));
  } catch (error) {
    return err((error as Error).message);
  }
}

/**
 * The members of the inventory that are arrays with no check of their own (length, uniqueness),
 * with the schema of their elements: an array that is valid when each of its elements is.
 */
const ARRAY_MEMBERS: readonly (readonly [string, z.ZodType])[] = Object.entries(
  InventorySchema.shape,
).flatMap(([name, schema]) =>
  schema instanceof z.ZodArray && (schema._zod.def.checks ?? []).length === 0
    ? [[name, schema.element as z.ZodType] as const]
    : [],
);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The same result as `validate(InventorySchema, raw)`, and the same problems in the same order,
 * without a second copy of the whole inventory: each element of an array member is validated on
 * its own and replaced by its validated copy in the parsed array; then the rest of the inventory
 * is validated with those arrays empty, and the arrays put back. At the first element that is not
 * valid, the whole inventory is validated as one (every element already replaced is valid, and
 * validates the same), for the problems exactly as `InventorySchema` reports them.
 */
function validateInPlace(raw: unknown): Result<Inventory, SchemaProblem[]> {
  if (!isPlainObject(raw)) return validate(InventorySchema, raw);
  const arrays: [string, unknown[]][] = [];
  for (const [name, element] of ARRAY_MEMBERS) {
    const array = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (!Array.isArray(array)) continue;
    for (let i = 0; i < array.length; i++) {
      const checked = element.safeParse(array[i]);
      if (!checked.success) return validate(InventorySchema, raw);
      array[i] = checked.data;
    }
    arrays.push([name, array]);
  }
  const rest: Record<string, unknown> = { ...raw };
  for (const [name] of arrays) rest[name] = [];
  const validated = validate(InventorySchema, rest);
  if (!validated.ok) return validated;
  const inventory = validated.value as Record<string, unknown>;
  for (const [name, array] of arrays) inventory[name] = array;
  return ok(inventory as Inventory);
}

export function serializeSnapshot(inventory: Inventory): string {
  return `${JSON.stringify(inventory, null, 2)}\n`;
}
