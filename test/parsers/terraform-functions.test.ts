/**
 * Terraform's built-in functions, one table entry each: every entry of FUNCTIONS and
 * LAZY_FUNCTIONS runs here on arguments that pin down its result; a function not in the table,
 * or named like a property every object inherits, is UNKNOWN; an UNKNOWN argument makes the call
 * UNKNOWN with the argument's reason and inputs; work over the budget is UNKNOWN and reported.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Sym, Unknown, type Val } from '../../src/parsers/common/value.js';
import { OVER_BUDGET } from '../../src/parsers/terraform/budget.js';
import { evaluate, type Scope } from '../../src/parsers/terraform/expressions.js';
import { FUNCTIONS, LAZY_FUNCTIONS } from '../../src/parsers/terraform/functions.js';
import { type Expr, initHcl, parseHcl } from '../../src/parsers/terraform/hcl.js';

beforeAll(async () => {
  await initHcl();
});

function expression(text: string): Expr {
  const parsed = parseHcl(`x = ${text}\n`);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`);
  const attribute = parsed.body.attributes.get('x');
  if (!attribute) throw new Error(`${text}: no attribute`);
  return attribute.expr;
}

/** Evaluates an expression with `var.name` set from `variables` (unset: UNKNOWN) and `file()` reading `files`. */
function run(text: string, options: { budget?: { steps: number } } = {}) {
  const reports: string[] = [];
  const files: Record<string, string | Uint8Array> = {
    'policy.json': '{"Version":"2012-10-17"}',
    'hello.txt': 'Hello World',
    // Bytes that are not UTF-8 (0xff never is), and UTF-16 text, which Terraform's file() refuses.
    'binary.bin': Uint8Array.of(0xff, 0x00, 0xfe),
    'utf16.txt': Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('Hi', 'utf16le')]),
    'greet.tpl':
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform template file
      'Hello %%{a} \\n %{ for i, n in names }${n}%{ if i < length(names) - 1 }, %{ endif }%{ endfor }!\n',
  };
  const variables: Record<string, Val> = { arn: new Sym('aws_kms_key.k.arn') };
  const scope: Scope = {
    file: 'main.tf',
    reference: (root, steps, expr) => {
      const first = steps[0];
      const name = first && 'attr' in first ? first.attr : '';
      if (root === 'var' && name in variables) return variables[name]!;
      return new Unknown(expr.text, `${root}.${name} has no value`, [`${root}.${name}`]);
    },
    readFile: (path) => {
      const content = Object.hasOwn(files, path) ? files[path]! : undefined;
      return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    },
    overBudget: (_expr, what) => reports.push(what),
    ...(options.budget ? { budget: options.budget } : {}),
  };
  return { value: plain(evaluate(expression(text), scope)), reports };
}

/** A value as data, UNKNOWN and symbolic values included, to compare exactly. */
function plain(value: Val): unknown {
  if (value instanceof Unknown)
    return { unknown: value.expression, reason: value.reason, inputs: [...value.inputs] };
  if (value instanceof Sym) return { sym: value.text };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

/** One call per function of the table, and exactly what it yields. */
const CASES: Record<string, [string, unknown]> = {
  jsonencode: ['jsonencode({ a = 1, b = [true, null] })', '{"a":1,"b":[true,null]}'],
  jsondecode: ['jsondecode("{\\"k\\": [1, 2]}")', { k: [1, 2] }],
  yamldecode: ['yamldecode("a: 1\\nb: [x, y]")', { a: 1, b: ['x', 'y'] }],
  file: ['file("policy.json")', '{"Version":"2012-10-17"}'],
  // The examples of https://developer.hashicorp.com/terraform/language/functions/<name> where it has one.
  filebase64: ['filebase64("binary.bin")', '/wD+'],
  filebase64sha256: ['filebase64sha256("hello.txt")', 'pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4='],
  filebase64sha512: [
    'filebase64sha512("hello.txt")',
    'LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw==',
  ],
  filemd5: ['filemd5("hello.txt")', 'b10a8db164e0754105b7a99be72e3fe5'],
  filesha1: ['filesha1("hello.txt")', '0a4d55a8d778e5022fab701977c5d840bbc486d0'],
  filesha256: ['filesha256("hello.txt")', 'a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e'],
  filesha512: [
    'filesha512("hello.txt")',
    '2c74fd17edafd80e8447b0d46741ee243b7eb74dd2149a0ab1b9246fb30382f27e853d8585719e0e67cbda0daa8f51671064615d645ae27acb15bfb1447f459b',
  ],
  base64encode: ['base64encode("Hello World")', 'SGVsbG8gV29ybGQ='],
  base64decode: ['base64decode("SGVsbG8gV29ybGQ=")', 'Hello World'],
  base64sha256: ['base64sha256("hello world")', 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek='],
  base64sha512: [
    'base64sha512("hello world")',
    'MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==',
  ],
  md5: ['md5("hello world")', '5eb63bbbe01eeed093cb22bb8f5acdc3'],
  sha1: ['sha1("hello world")', '2aae6c35c94fcfb415dbe95f408b9ce91ee846ed'],
  sha256: ['sha256("hello world")', 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'],
  sha512: [
    'sha512("hello world")',
    '309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f',
  ],
  templatefile: ['templatefile("greet.tpl", { names = ["a", "b"] })', 'Hello %{a} \\n a, b!\n'],
  merge: ['merge({ a = 1, b = 2 }, { b = 3 })', { a: 1, b: 3 }],
  concat: ['concat(["a"], ["b", "c"])', ['a', 'b', 'c']],
  flatten: ['flatten([["a", ["b"]], "c"])', ['a', 'b', 'c']],
  compact: ['compact(["a", "", null, "b"])', ['a', 'b']],
  distinct: ['distinct(["a", "b", "a"])', ['a', 'b']],
  lookup: ['lookup({ a = "x" }, "b", "d")', 'd'],
  element: ['element(["a", "b", "c"], 4)', 'b'],
  one: ['one(["only"])', 'only'],
  keys: ['keys({ b = 1, a = 2 })', ['a', 'b']],
  values: ['values({ b = 1, a = 2 })', [2, 1]],
  length: ['length({ a = 1, b = 2 })', 2],
  contains: ['contains(["a", "b"], "b")', true],
  zipmap: ['zipmap(["a", "b"], [1, 2])', { a: 1, b: 2 }],
  coalesce: ['coalesce("", null, "x")', 'x'],
  coalescelist: ['coalescelist([], ["a"])', ['a']],
  tolist: ['tolist({ a = 1 })', [1]],
  toset: ['toset(["a"])', ['a']],
  tomap: ['tomap({ a = 1 })', { a: 1 }],
  toobject: ['toobject({ a = 1 })', { a: 1 }],
  tostring: ['tostring(12)', '12'],
  tonumber: ['tonumber("42")', 42],
  tobool: ['tobool("true")', true],
  nonsensitive: ['nonsensitive("s")', 's'],
  sensitive: ['sensitive("s")', 's'],
  lower: ['lower("AbC")', 'abc'],
  upper: ['upper("AbC")', 'ABC'],
  trimspace: ['trimspace("  x ")', 'x'],
  title: ['title("hello world")', 'Hello World'],
  join: ['join("-", ["a", "b"])', 'a-b'],
  split: ['split(",", "a,b")', ['a', 'b']],
  replace: ['replace("a-b-c", "-", "+")', 'a+b+c'],
  format: ['format("%s:%d %q", "a", 1, "b")', 'a:1 "b"'],
  substr: ['substr("abcdef", 1, 3)', 'bcd'],
  startswith: ['startswith("abc", "ab")', true],
  endswith: ['endswith("abc", "ab")', false],
  max: ['max(1, 5, 3)', 5],
  min: ['min(4, 2, 3)', 2],
  abs: ['abs(-3)', 3],
  range: ['range(1, 7, 2)', [1, 3, 5]],
  sort: ['sort(["b", "c", "a"])', ['a', 'b', 'c']],
  reverse: ['reverse(["a", "b"])', ['b', 'a']],
  alltrue: ['alltrue([true, "true", false])', false],
  anytrue: ['anytrue([false, true])', true],
  sum: ['sum([1, 2, 3])', 6],
  // An error falls through try() and makes can() false; a value not known yet does neither (below).
  try: ['try({ a = 1 }.b, "fallback")', 'fallback'],
  can: ['can({ a = 1 }.b)', false],
};

describe('the function table', () => {
  it('every function of the table has a case, and every case a function', () => {
    expect(Object.keys(CASES).sort()).toEqual(
      [...Object.keys(FUNCTIONS), ...Object.keys(LAZY_FUNCTIONS)].sort(),
    );
  });

  it.each(Object.entries(CASES))('%s', (_name, [text, expected]) => {
    expect(run(text)).toEqual({ value: expected, reports: [] });
  });

  it('toset keeps each element once, strings in lexical order, as a Terraform set', () => {
    expect(run('toset(["b", "a", "b", "a"])')).toEqual({ value: ['a', 'b'], reports: [] });
    expect(run('length(toset(["x", "x"]))')).toEqual({ value: 1, reports: [] });
    // By code point, as Terraform orders a set of strings: U+1F600 after U+FFFD (code units put it before).
    expect(run('toset(["\u{1F600}", "\uFFFD", "B", "a"])')).toEqual({
      value: ['B', 'a', '\uFFFD', '\u{1F600}'],
      reports: [],
    });
  });

  it('sort orders by Unicode code point, whatever the locale of the machine (an upper-case letter before every lower-case one)', () => {
    // localeCompare in en-US gave a, ä, b, B, z; code points: B, a, b, z, ä, U+FFFD, then U+1F600
    // (which as UTF-16 code units would come before U+FFFD).
    expect(run('sort(["b", "B", "a", "ä", "z", "\u{1F600}", "\uFFFD"])')).toEqual({
      value: ['B', 'a', 'b', 'z', 'ä', '\uFFFD', '\u{1F600}'],
      reports: [],
    });
  });

  it('a provider:: prefix is dropped before the lookup', () => {
    expect(run('provider::aws::upper("a")').value).toBe('A');
  });
});

describe('what the table does not evaluate is UNKNOWN', () => {
  it.each([
    'nosuch("a")',
    'constructor("a")',
    'toString()',
    'hasOwnProperty("x")',
    'valueOf()',
    'provider::aws::arn_parse("arn")',
  ])('%s', (text) => {
    const name = text.slice(0, text.indexOf('('));
    expect(run(text)).toEqual({
      value: { unknown: text, reason: `function ${name}() is not evaluated`, inputs: [] },
      reports: [],
    });
  });

  it('try() and can() of a value not known yet are UNKNOWN: once known, it may fail or not', () => {
    const unset = { unknown: 'var.unset', reason: 'var.unset has no value', inputs: ['var.unset'] };
    expect(run('try(var.unset, "fallback")').value).toEqual({
      ...unset,
      unknown: 'try(var.unset, "fallback")',
    });
    expect(run('can(var.unset)').value).toEqual({ ...unset, unknown: 'can(var.unset)' });
    expect(run('try({ a = 1 }.b, var.unset, "fallback")').value).toEqual({
      ...unset,
      unknown: 'try({ a = 1 }.b, var.unset, "fallback")',
    });
    expect(run('can({ a = 1 }.a)').value).toBe(true);
  });

  it('what the functions refuse is an error that try() falls back past: a negative index, a missing key, one() of two', () => {
    for (const call of [
      'element(["a"], -1)',
      'lookup({ a = 1 }, "b")',
      'one(["a", "b"])',
      'tonumber("ten")',
      'coalesce(null, "")',
    ])
      expect(run(`try(${call}, "fallback")`).value, call).toBe('fallback');
    expect(run('element(["a", "b"], 3)').value).toBe('b');
  });

  // https://developer.hashicorp.com/terraform/language/functions/base64decode: the standard
  // alphabet (RFC 4648 section 4); "If the bytes after Base64 decoding are not valid UTF-8, this
  // function produces an error"; file() likewise of a file that is not UTF-8.
  it.each([
    ['base64decode("SGVsbG8gV29ybGQ")', 'the argument is not Base64 (RFC 4648, with its padding)'],
    ['base64decode("SGVs bG8=")', 'the argument is not Base64 (RFC 4648, with its padding)'],
    ['base64decode("SGVsbG8_V29ybGQ=")', 'the argument is not Base64 (RFC 4648, with its padding)'],
    ['base64decode("/wD+")', 'the decoded bytes are not UTF-8 text'],
    ['file("binary.bin")', 'binary.bin is not UTF-8 text (filebase64() reads any bytes)'],
    ['file("utf16.txt")', 'utf16.txt is not UTF-8 text (filebase64() reads any bytes)'],
  ])('%s is an error in Terraform, which try() falls back past', (call, why) => {
    expect(run(call)).toEqual({
      value: { unknown: call, reason: `${why}: an error in Terraform`, inputs: [] },
      reports: [],
    });
    expect(run(`try(${call}, "fallback")`).value).toBe('fallback');
  });

  it('base64decode() skips line breaks, as Go does; the functions of a file not read are UNKNOWN', () => {
    expect(run('base64decode("SGVsbG8g\\nV29ybGQ=")').value).toBe('Hello World');
    expect(run('base64decode("")').value).toBe('');
    for (const name of ['filebase64', 'filesha256', 'filebase64sha512', 'filemd5'])
      expect(run(`${name}("missing.bin")`).value).toEqual({
        unknown: `${name}("missing.bin")`,
        reason: 'file missing.bin cannot be read',
        inputs: [],
      });
    expect(run('sha256(var.arn)').value).toEqual({
      unknown: 'sha256(var.arn)',
      reason: 'not a known string',
      inputs: [],
    });
  });

  it('contains() of a value known only after apply is UNKNOWN unless the same reference is in the list', () => {
    expect(run('contains(["us-east-1"], var.arn)').value).toMatchObject({
      reason: 'it compares a value known only after apply',
    });
    expect(run('contains(["x", var.arn], var.arn)').value).toBe(true);
  });

  it('a for expression that makes one key twice is an error without ..., a group with it', () => {
    expect(run('try({ for v in ["a", "a"] : v => 1 }, "duplicate")').value).toBe('duplicate');
    expect(run('{ for v in ["a", "a", "b"] : v => v... }').value).toEqual({ a: ['a', 'a'], b: ['b'] });
  });

  it('lookup() of a key known only after apply is UNKNOWN, never the default', () => {
    expect(run('lookup({ "us-east-1" = "a" }, var.arn, "default")').value).toEqual({
      unknown: 'lookup({ "us-east-1" = "a" }, var.arn, "default")',
      reason: 'the key is known only after apply (aws_kms_key.k.arn)',
      inputs: [],
    });
  });

  it('can() without an argument is UNKNOWN, not an internal error', () => {
    expect(run('can()')).toEqual({
      value: { unknown: 'can()', reason: 'can() needs an expression to try', inputs: [] },
      reports: [],
    });
  });

  it('an UNKNOWN argument makes the call UNKNOWN, with its reason and inputs', () => {
    expect(run('upper(var.unset)').value).toEqual({
      unknown: 'upper(var.unset)',
      reason: 'var.unset has no value',
      inputs: ['var.unset'],
    });
  });

  it('a value known only after apply stays symbolic where it is passed through, and is not a known string', () => {
    expect(run('jsonencode({ Resource = var.arn })').value).toEqual({
      sym: '{"Resource":"aws_kms_key.k.arn"}',
    });
    expect(run('lower(var.arn)').value).toEqual({
      unknown: 'lower(var.arn)',
      reason: 'not a known string',
      inputs: [],
    });
  });

  it('lookup finds a known key even when the default is UNKNOWN; a missing key falls to it', () => {
    expect(run('lookup({ a = "x" }, "a", var.unset)').value).toBe('x');
    expect(run('lookup({ a = "x" }, "b", var.unset)').value).toEqual({
      unknown: 'var.unset',
      reason: 'var.unset has no value',
      inputs: ['var.unset'],
    });
  });
});

describe('functions charge the expression budget', () => {
  it.each([
    ['range(1000000000)', 'range() of 1000000000 numbers'],
    [
      'replace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "/(a+)+$/", "")',
      'a regular expression that could take too long',
    ],
    ['concat(range(60000), range(60000))', 'it builds a list of 120000 items'],
  ])('%s', (text, what) => {
    expect(run(text)).toEqual({
      value: { unknown: text, reason: `${what}: ${OVER_BUDGET}, so it is not evaluated`, inputs: [] },
      reports: [what],
    });
  });

  it('a regular expression with one quantifier on a short subject is run', () => {
    expect(run('replace("key/X1-X2", "/X[0-9]/", "k")').value).toBe('key/k-k');
  });

  it('what a function does is charged to the evaluation it belongs to', () => {
    const budget = { steps: 1_000_000 };
    run('range(50000)', { budget });
    expect(budget.steps).toBeLessThan(1_000_000 - 50_000);
  });
});
