/**
 * Terraform's JSON configuration syntax (`*.tf.json`) as native HCL text, so that one evaluator
 * reads both. Strings keep their `${...}` interpolations (Terraform evaluates them as templates in
 * JSON too); a `"//"` key is a comment. Block types are known by name at each level: the labels
 * of `resource`, `data`, `module`, `variable`, `output`, `provider`; within a block, the nested
 * blocks Terraform defines for every resource (`lifecycle`, `provisioner`, `connection`,
 * `dynamic`); every other key is an argument (HyperPod clusters and KMS keys take their nested
 * settings as arguments).
 * https://developer.hashicorp.com/terraform/language/syntax/json
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const LABELS: Record<string, number> = {
  resource: 2,
  data: 2,
  module: 1,
  variable: 1,
  output: 1,
  provider: 1,
  locals: 0,
  terraform: 0,
  moved: 0,
  import: 0,
  check: 1,
};
const NESTED_BLOCKS = new Set([
  'lifecycle',
  'provisioner',
  'connection',
  'dynamic',
  'precondition',
  'postcondition',
]);

const isObject = (value: Json): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON string as an HCL template string: the same escapes, `${` and `%{` kept as written. */
const quote = (text: string) => JSON.stringify(text).replace(/\\u([0-9a-f]{4})/gi, (_, hex) => `\\u${hex}`);

function expression(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(expression).join(', ')}]`;
  return `{ ${Object.entries(value)
    .filter(([key]) => key !== '//')
    .map(([key, item]) => `${quote(key)} = ${expression(item)}`)
    .join(', ')} }`;
}

function body(value: Json, lines: string[]): void {
  if (!isObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (key === '//') continue;
    if (NESTED_BLOCKS.has(key)) {
      for (const inner of Array.isArray(item) ? item : [item])
        block(key, key === 'dynamic' ? 1 : 0, inner, [], lines);
      continue;
    }
    if (!/^[A-Za-z_][\w-]*$/.test(key)) continue;
    lines.push(`${key} = ${expression(item)}`);
  }
}

function block(type: string, labels: number, value: Json, given: string[], lines: string[]): void {
  if (given.length < labels) {
    // Terraform's JSON syntax takes an array of objects wherever it takes an object of labels
    // (`"resource": [{"aws_kms_key": {...}}]`, `"aws_kms_key": [{"k": {...}}]`).
    if (Array.isArray(value)) {
      for (const item of value) block(type, labels, item, given, lines);
      return;
    }
    if (!isObject(value)) return;
    for (const [label, inner] of Object.entries(value))
      if (label !== '//') block(type, labels, inner, [...given, label], lines);
    return;
  }
  for (const instance of Array.isArray(value) ? value : [value]) {
    lines.push(`${type} ${given.map(quote).join(' ')} {`);
    body(instance, lines);
    lines.push('}');
  }
}

/** The HCL text of a `.tf.json` document; undefined when it is not a JSON object. */
export function tfJsonToHcl(root: unknown): string | undefined {
  if (!isObject(root as Json)) return undefined;
  const lines: string[] = [];
  for (const [type, value] of Object.entries(root as { [key: string]: Json })) {
    if (type === '//' || !(type in LABELS)) continue;
    block(type, LABELS[type]!, value, [], lines);
  }
  return `${lines.join('\n')}\n`;
}
