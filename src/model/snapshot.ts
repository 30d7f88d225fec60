/** Reads an inventory snapshot (what `collect -o FILE` writes) with schema validation by JSON path. */
import type { InputError } from './input-error.js';
import { type Inventory, InventorySchema } from './inventory.js';
import { err, ok, type Result } from './result.js';
import { validate } from './validate.js';

export function parseSnapshot(text: string, file: string): Result<Inventory, InputError> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return err({
      code: 'snapshot.parse',
      input: file,
      message: `not valid JSON: ${(error as Error).message}`,
      hint: 'pass a file written by `hyperpod-cmk collect -o FILE`',
    });
  }
  const parsed = validate(InventorySchema, raw);
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

export function serializeSnapshot(inventory: Inventory): string {
  return `${JSON.stringify(inventory, null, 2)}\n`;
}
