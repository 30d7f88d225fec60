/**
 * Text from tenants and pull requests (cluster and group names, tags, aliases, Sids, principals,
 * file names, parse errors) must reach a terminal or a Markdown page as text, never as commands.
 *
 * Terminal: every character a terminal acts on instead of showing is written as a visible escape.
 * That is C0 (U+0000-U+001F: ESC, BEL, BS, CR, LF, TAB...), DEL and C1 (U+007F-U+009F, which
 * includes the single-byte CSI U+009B), and the Unicode bidirectional formatting characters that
 * reorder what is shown (Trojan Source, CVE-2021-42574): LRE, RLE, PDF, LRO, RLO (U+202A-U+202E),
 * LRI, RLI, FSI, PDI (U+2066-U+2069), LRM, RLM (U+200E, U+200F) and ALM (U+061C); the line and
 * paragraph separators (U+2028, U+2029); and the invisible characters that make two names look the
 * same (Unicode Security Considerations, https://www.unicode.org/reports/tr36/): soft hyphen
 * (U+00AD), Mongolian vowel separator (U+180E), zero-width space, non-joiner and joiner
 * (U+200B-U+200D), word joiner and the invisible operators (U+2060-U+2064), zero-width no-break
 * space (U+FEFF); and the noncharacters, which Unicode reserves for a program's own use and never
 * for text (U+FDD0-U+FDEF and the last two code points of every plane, U+FFFE, U+FFFF, U+1FFFE ...
 * U+10FFFF; https://www.unicode.org/faq/private_use.html#noncharacters), shown as nothing or a box.
 * C0 is written `\x1b`; the rest `\u009b`, `\u202e`, a character beyond U+FFFF as its two UTF-16
 * halves (`\ud83f\udffe`), so that a JSON document whose strings were escaped this way is still
 * valid JSON with the same data.
 * A backslash is left alone: `\x1b` typed by a tenant reads the same as an escaped ESC, which is
 * harmless, and escaping every backslash would garble Windows paths and regexes.
 */
import { maxOf } from '../model/many.js';

/** Every character of the Basic Multilingual Plane shown as an escape but tab, CR and LF, as the inside of a regular expression class. */
const UNSAFE_BUT_WHITESPACE =
  '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufdd0-\\ufdef\\ufeff\\ufffe\\uffff';
/** The same and tab: every character shown as an escape but CR and LF. */
const UNSAFE_BUT_LINE_ENDS = `\\u0009${UNSAFE_BUT_WHITESPACE}`;
/**
 * The noncharacters beyond U+FFFF (U+nFFFE, U+nFFFF of planes 1 to 16) as UTF-16 pairs: the high
 * half of the last 1,024 code points of each plane (U+D83F for plane 1 ... U+DBFF for plane 16), then
 * U+DFFE or U+DFFF.
 */
const ASTRAL_NONCHARACTER = `[${Array.from({ length: 16 }, (_, plane) => `\\u${(0xd83f + plane * 0x40).toString(16)}`).join('')}][\\udffe\\udfff]`;
const CONTROL_AND_BIDI = new RegExp(`[\\r\\n${UNSAFE_BUT_LINE_ENDS}]|${ASTRAL_NONCHARACTER}`, 'g');
/** The same but line feeds and CRLF line ends (CSV's): a CR alone, which overwrites the line, is escaped. */
const CONTROL_AND_BIDI_BUT_NEWLINE = new RegExp(
  `\\r(?!\\n)|[${UNSAFE_BUT_LINE_ENDS}]|${ASTRAL_NONCHARACTER}`,
  'g',
);
/** The same but every CR and LF, for a format that writes line ends its own way. */
const CONTROL_AND_BIDI_BUT_LINE_ENDS = new RegExp(`[${UNSAFE_BUT_LINE_ENDS}]|${ASTRAL_NONCHARACTER}`, 'g');

/** The same but tab, CR and LF, which XML 1.0 carries as character references. */
const CONTROL_AND_BIDI_BUT_XML_WHITESPACE = new RegExp(
  `[${UNSAFE_BUT_WHITESPACE}]|${ASTRAL_NONCHARACTER}`,
  'g',
);

/** Each UTF-16 code unit of `char` (one, or the two of a character beyond U+FFFF) as `\\u` and four hex digits. */
const jsonEscape = (char: string): string =>
  Array.from(
    { length: char.length },
    (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`,
  ).join('');

const visible = (char: string): string => {
  const code = char.charCodeAt(0);
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : jsonEscape(char);
};

/** The value with every control and bidi character written as a visible escape (newlines too). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL_AND_BIDI, visible);
}

/** The same, keeping line feeds and CRLF: for multi-line text the tool composed itself. */
export function escapeControlKeepNewlines(text: string): string {
  return text.replace(CONTROL_AND_BIDI_BUT_NEWLINE, visible);
}

/**
 * Every character `escapeControl` escapes but CR and LF, each written `\u001b` (JSON's form, C0
 * included): for GitHub workflow commands, whose own escaping turns line ends into %0D and %0A.
 */
export function escapeControlButLineEnds(text: string): string {
  return text.replace(CONTROL_AND_BIDI_BUT_LINE_ENDS, jsonEscape);
}

/**
 * Every character `escapeControl` escapes but tab, CR and LF, each written `\u001b`: for XML
 * (JUnit), which carries those three as character references and cannot carry most of the rest
 * even escaped, and whose pages (CI test reports) show names from tenants.
 */
export function escapeControlButXmlWhitespace(text: string): string {
  return text.replace(CONTROL_AND_BIDI_BUT_XML_WHITESPACE, jsonEscape);
}

/**
 * A deep copy of `value` with every string (object keys included) passed through
 * `escapeControl`: what a text renderer calls once on its input, so no value it prints, now or
 * added later, bypasses the escaping.
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map((item) => terminalSafe(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[escapeControl(key)] = terminalSafe(item);
    return copy as T;
  }
  return value;
}

/** A colour or style sequence (SGR), the only escape sequence the tool itself writes in its reports. */
const SGR = /^\u001b\[[0-9;]*m/;
/** The progress line's "back to the start of the line and clear it". */
export const CLEAR_LINE = '\r\u001b[K';

/**
 * The last line of defence, applied by the CLI to everything it writes to stdout and stderr: every
 * control and bidi character escaped except line ends (LF, CRLF), colour sequences when the stream is in
 * colour, and the progress line's CLEAR_LINE at the very start of a write.
 */
export function escapeTerminalOutput(text: string, options: { color: boolean; progress: boolean }): string {
  let rest = text;
  let prefix = '';
  if (options.progress && rest.startsWith(CLEAR_LINE)) {
    prefix = CLEAR_LINE;
    rest = rest.slice(CLEAR_LINE.length);
  }
  if (!options.color || !rest.includes('\u001b')) return prefix + escapeControlKeepNewlines(rest);
  let out = prefix;
  let index = 0;
  while (index < rest.length) {
    const esc = rest.indexOf('\u001b', index);
    const end = esc < 0 ? rest.length : esc;
    out += escapeControlKeepNewlines(rest.slice(index, end));
    if (esc < 0) break;
    const sgr = SGR.exec(rest.slice(esc, esc + 32));
    if (sgr) {
      out += sgr[0];
      index = esc + sgr[0].length;
    } else {
      out += visible('\u001b');
      index = esc + 1;
    }
  }
  return out;
}

/**
 * Markdown text from a value: control characters escaped, then every character that Markdown
 * (CommonMark and GitHub's extensions) would turn into a link, image, code span, emphasis,
 * strikethrough, HTML or table cell border escaped with a backslash (`<` as `&lt;`), and a `#`,
 * `>`, `+`, `=` or `-` that starts a line (heading, quote, list) too. `&` is written `&amp;`:
 * CommonMark decodes character references in text
 * (https://spec.commonmark.org/0.31.2/#entity-and-numeric-character-references), so a tenant's
 * `&#x202E;` would otherwise reach the page as the bidi override it names. An `@` that starts a
 * name is followed by a zero-width space (`&#8203;`): on GitHub, `@` and a user or team name
 * notifies them (https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#mentioning-people-and-teams),
 * and a report posted as a pull-request comment must not page whoever a tag names. Likewise a
 * reference to an issue or pull request (`#26`, `GH-26`, `owner/repo#26`), which GitHub links and
 * cross-references from the comment
 * (https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/autolinked-references-and-urls):
 * a zero-width space after the `#` or `GH-`, before the number. Line feeds
 * become `<br>` so a value stays inside its table cell or list item. A bare URL stays text, though
 * a viewer may still make it clickable: it is shown as what it is, never disguised as other text.
 */
export function markdownText(value: unknown): string {
  // Markdown first, then the control characters: their escapes' backslashes stay single.
  const markdown = String(value ?? '')
    .replace(/[\\`*_[\]()!|~]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/(^|\n)([#>+=-])/g, '$1\\$2')
    .replace(/\r?\n/g, '<br>')
    .replace(/(^|[^A-Za-z0-9])@(?=[A-Za-z0-9])/g, '$1@&#8203;')
    // Every `&` of the value is `&amp;` by now: a `&#` is one of the zero-width spaces above.
    .replace(/(?<!&)#(?=[0-9])|(?<![A-Za-z0-9])GH-(?=[0-9])/gi, '$&&#8203;');
  return escapeControl(markdown);
}

/**
 * A code span holding `value` verbatim: fenced with one backtick more than the longest run of
 * backticks inside it (CommonMark), padded when it starts or ends with one; `|` escaped so that
 * it does not end a GitHub table cell; control characters and line feeds escaped.
 */
export function markdownCode(value: unknown): string {
  const text = escapeControl(String(value ?? '')).replace(/\|/g, '\\|');
  const longest = Math.max(0, maxOf((text.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * One word of a POSIX shell command line that a runbook asks the user to copy: as it is when every
 * character is one the shell gives no meaning (letters, digits, `_ @ % + = : , . / -`, and no `~`
 * first), else in single quotes, inside which the shell expands nothing, a `'` written `'\''`
 * (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html#tag_18_02_02).
 * Control and bidi characters are visible escapes first, as everywhere.
 */
export function shellWord(value: string): string {
  const text = escapeControl(value);
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * HTML: one tagged template, `html`, builds every HTML page the tool writes. Every value
 * interpolated into it is escaped (`& < > " '`, so it is inert in text and in a quoted attribute)
 * unless it is an `Html` fragment: the result of another `html` call, or of the helpers below that
 * make a value safe for one context (a URL, JSON in a script). A value a renderer forgets to escape
 * is escaped anyway; to put markup in a page, it must be built with `html`.
 *
 * The template refuses, when it runs, the contexts where escaping is not enough: a value right after
 * `=` (an unquoted attribute), inside an event-handler (`on...=`), `style` or `href`/`src` attribute
 * (use `safeUrl`), and inside `<script>` or `<style>` (use `scriptJson`).
 */
export class Html {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** What `html` accepts: escaped text, numbers, fragments, lists of them; nothing for null, undefined and false. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text as HTML: `& < > " '` as entities, so it is inert in an element or a quoted attribute, and
 * control and bidi characters as visible escapes (`\x1b`, `\u202e`), as in Markdown: a browser
 * honours a tenant's right-to-left override as a terminal would, and shows a name reordered.
 * Line feeds stay (the page's own multi-line text).
 */
export const escapeHtml = (value: unknown): string =>
  escapeControlKeepNewlines(String(value ?? '').replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!));

/** An attribute whose value a tenant's text must never set, whatever its escaping. */
const UNSAFE_ATTRIBUTE =
  /\s(?:on[a-z]+|style|href|src|srcset|action|formaction|xlink:href)\s*=\s*["']?[^"'>]*$/i;

function checkContext(before: string, value: HtmlValue): void {
  if (value instanceof Html || value === null || value === undefined || value === false) return;
  if (/=\s*$/.test(before))
    throw new Error(`html: a value in an unquoted attribute (after "${before.slice(-40)}"): quote it`);
  if (UNSAFE_ATTRIBUTE.test(before))
    throw new Error(
      `html: a value in a URL, style or event-handler attribute (after "${before.slice(-40)}"): use safeUrl`,
    );
  // Inside a tag, only a quoted attribute value is text: elsewhere a space or `=` in the value (which
  // escaping leaves alone) would add attributes of its own.
  const tagStart = before.lastIndexOf('<');
  if (
    tagStart > before.lastIndexOf('>') &&
    !/["']/.test(before.slice(tagStart).replace(/"[^"]*"|'[^']*'/g, ''))
  )
    throw new Error(
      `html: a value inside a tag but outside a quoted attribute value (after "${before.slice(-40)}"): quote it`,
    );
  const lower = before.toLowerCase();
  for (const element of ['script', 'style'])
    if (lower.lastIndexOf(`<${element}`) > lower.lastIndexOf(`</${element}`))
      throw new Error(`html: a value inside <${element}>: use scriptJson`);
}

function htmlOf(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((item: HtmlValue) => htmlOf(item)).join('');
  return escapeHtml(value);
}

/** The tagged template: `html\`<td>${name}</td>\`` escapes `name`; nested `html` fragments stay markup. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0]!;
  let before = strings[0]!;
  for (const [i, value] of values.entries()) {
    checkContext(before, value);
    out += htmlOf(value) + strings[i + 1]!;
    before += `\u0000${strings[i + 1]!}`;
  }
  return new Html(out);
}

/** Markup the tool itself wrote as a constant (its stylesheet, its script): never a value from a report. */
export const trustedHtml = (constant: string): Html => new Html(constant);

/**
 * A URL for an `href`: only http and https (never `javascript:`, `data:`, `vbscript:`, or a relative
 * path that a viewer could resolve to a local file), escaped for a quoted attribute; anything else
 * is `#`.
 */
export function safeUrl(value: string): Html {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return new Html('#');
  return new Html(escapeHtml(url.href));
}

/**
 * Data for an inline `<script type="application/json">`: JSON in which `<` (so no `</script` or
 * `<!--` can end or change the script element), `>`, `&`, and the line and paragraph separators
 * U+2028, U+2029 are written as `\u` escapes: the same data, read back with `JSON.parse`.
 */
export function scriptJson(value: unknown): Html {
  const json = JSON.stringify(value) ?? 'null';
  return new Html(
    json.replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}
