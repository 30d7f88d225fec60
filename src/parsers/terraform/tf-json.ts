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
/** Nested blocks of one block type only: a `dynamic` block's `content`, a variable's `validation`, a check's `assert`. */
const NESTED_IN: Readonly<Record<string, ReadonlySet<string>>> = {
  dynamic: new Set(['content']),
  content: new Set(['dynamic']),
  variable: new Set(['validation']),
  check: new Set(['assert']),
};

const isObject = (value: Json): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A JSON string as an HCL quoted template. The JSON string, once decoded, is a template
 * (https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping): its literal
 * text is escaped for HCL, and what is inside `${ ... }` and `%{ ... }` is an expression, copied as
 * written (`"${lookup(var.m, \"k\")}"` in JSON is `"${lookup(var.m, "k")}"` in HCL).
 */
function quote(text: string): string {
  let out = '"';
  let literal = '';
  const flush = () => {
    out += JSON.stringify(literal).slice(1, -1);
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const two = text.slice(i, i + 2);
    if ((two === '$$' || two === '%%') && text[i + 2] === '{') {
      // `$${` and `%%{` are literal `${` and `%{`, escaped the same way in both syntaxes.
      literal += text.slice(i, i + 3);
      i += 2;
      continue;
    }
    if (two === '${' || two === '%{') {
      const end = closingBrace(text, i + 2);
      if (end !== undefined) {
        flush();
        out += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    literal += text[i];
  }
  flush();
  return `${out}"`;
}

/** The index of the `}` that closes an interpolation whose expression starts at `from` (strings in it skipped). */
function closingBrace(text: string, from: number, depth = 0): number | undefined {
  if (depth > 64) return undefined;
  let braces = 1;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = closingQuote(text, i + 1, depth + 1);
      if (end === undefined) return undefined;
      i = end;
    } else if (char === '{') braces++;
    else if (char === '}' && --braces === 0) return i;
  }
  return undefined;
}

/** The index of the `"` that closes a string inside an interpolation, its own interpolations skipped. */
function closingQuote(text: string, from: number, depth: number): number | undefined {
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '"') return i;
    else if ((char === '$' || char === '%') && text[i + 1] === '{') {
      const end = closingBrace(text, i + 2, depth + 1);
      if (end === undefined) return undefined;
      i = end;
    }
  }
  return undefined;
}

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

function body(value: Json, lines: string[], type = ''): void {
  if (!isObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (key === '//') continue;
    if (NESTED_BLOCKS.has(key) || NESTED_IN[type]?.has(key)) {
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
    body(instance, lines, type);
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
