/** Just enough HCL writing for the generated Terraform: quoted strings, lists and maps. */

/** A quoted HCL string. JSON escapes are valid HCL escapes; `${` and `%{` start templates in HCL. */
export const hclString = (value: string): string =>
  JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');

export const hclList = (values: readonly string[]): string => `[${values.map(hclString).join(', ')}]`;

/** An object value as HCL (`{ key = value }`), for jsonencode() arguments. */
export function hclValue(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return hclString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${hclValue(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  return `{\n${entries.map(([k, v]) => `${inner}${hclString(k)} = ${hclValue(v, inner)}`).join('\n')}\n${indent}}`;
}
