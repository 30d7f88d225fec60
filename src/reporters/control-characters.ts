/**
 * Tenant-controlled text (principals, tags, condition values) never reaches a terminal, a comment
 * or a spreadsheet as a raw control character: each becomes a visible `\uXXXX`.
 */
export const visible = (text: string): string =>
  text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
