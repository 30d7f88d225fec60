import { Option } from 'commander';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import {
  type CommandSpec,
  defineCommand,
  defineOptions,
  type OptionsOf,
  optionKey,
  typedOptions,
} from '../../src/cli/spec.js';
import { memoryIo } from '../helpers/io.js';

const parseCount = (value: string): number => Number(value);
const parseTags = (value: string, previous: Record<string, string> | undefined): Record<string, string> => ({
  ...previous,
  [value]: 'x',
});

const SAMPLE = defineOptions([
  { flags: '-o, --output <[format=]file>', description: 'o', repeatable: true },
  { flags: '--role-name <name>', description: 'r' },
  { flags: '--config <file>', description: 'c' },
  { flags: '--no-config', description: 'nc' },
  { flags: '--no-save', description: 's' },
  { flags: '--limit <n>', description: 'l', default: 10, parse: parseCount },
  { flags: '--tag <k=v>', description: 't', parse: parseTags, repeatable: true },
  { flags: '--format <format>', description: 'f', choices: ['table', 'json'] },
  { flags: '--iac <path...>', description: 'i' },
  { flags: '--org', description: 'g' },
]);

describe('typed options', () => {
  it('infers each option type from its spec', () => {
    type Flags = OptionsOf<typeof SAMPLE>;
    expectTypeOf<keyof Flags>().toEqualTypeOf<
      'output' | 'roleName' | 'config' | 'save' | 'limit' | 'tag' | 'format' | 'iac' | 'org'
    >();
    expectTypeOf<Flags['output']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<Flags['roleName']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Flags['config']>().toEqualTypeOf<string | boolean | undefined>();
    expectTypeOf<Flags['save']>().toEqualTypeOf<boolean>();
    expectTypeOf<Flags['limit']>().toEqualTypeOf<number>();
    expectTypeOf<Flags['tag']>().toEqualTypeOf<Record<string, string> | undefined>();
    expectTypeOf<Flags['format']>().toEqualTypeOf<'table' | 'json' | undefined>();
    expectTypeOf<Flags['iac']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<Flags['org']>().toEqualTypeOf<boolean | undefined>();
  });

  it('computes the key commander stores every option of every command under', () => {
    const check = (spec: CommandSpec): number => {
      let n = 0;
      for (const option of spec.options) {
        expect(optionKey(option.flags), option.flags).toBe(new Option(option.flags).attributeName());
        n++;
      }
      return n + (spec.subcommands ?? []).reduce((sum, sub) => sum + check(sub), 0);
    };
    expect(COMMANDS.reduce((sum, spec) => sum + check(spec), 0)).toBeGreaterThan(100);
  });

  it('accepts the default of every option of every command', () => {
    const defaults = (spec: CommandSpec): number =>
      spec.options.filter((option) => option.default !== undefined).length +
      (spec.subcommands ?? []).reduce((sum, sub) => sum + defaults(sub), 0);
    const check = (spec: CommandSpec) => {
      for (const option of spec.options.filter((o) => o.default !== undefined))
        expect(
          () => typedOptions(spec.options, { [optionKey(option.flags)]: option.default }),
          option.flags,
        ).not.toThrow();
      for (const sub of spec.subcommands ?? []) check(sub);
    };
    for (const spec of COMMANDS) check(spec);
    expect(COMMANDS.reduce((sum, spec) => sum + defaults(spec), 0)).toBeGreaterThan(10);
  });

  it('passes a command only its declared options, checked against their specs', () => {
    expect(
      typedOptions(SAMPLE, {
        output: ['a.json'],
        limit: 3,
        save: true,
        config: false,
        format: 'json',
        undeclared: 'x',
      }),
    ).toEqual({
      output: ['a.json'],
      roleName: undefined,
      config: false,
      save: true,
      limit: 3,
      tag: undefined,
      format: 'json',
      iac: undefined,
      org: undefined,
    });
  });

  it.each([
    [{ output: 'a.json' }, /--output/],
    [{ roleName: ['x'] }, /--role-name/],
    [{ org: 'yes' }, /--org/],
    [{ format: 'xml' }, /--format/],
    [{ iac: ['a', 1] }, /--iac/],
    [{ save: 'no' }, /--no-save/],
    [{ config: 1 }, /--config/],
  ])('refuses a parsed value that does not fit its spec: %j', (parsed, message) => {
    expect(() => typedOptions(SAMPLE, parsed)).toThrow(message);
  });

  it('runs a defined command with its options typed and parsed by commander', async () => {
    let seen: OptionsOf<typeof SAMPLE> | undefined;
    const command = defineCommand({
      name: 'sample',
      summary: 'a sample',
      options: SAMPLE,
      async run(_args, flags) {
        expectTypeOf(flags.limit).toEqualTypeOf<number>();
        seen = flags;
        return 0;
      },
    });
    const { runCli } = await import('../../src/cli/main.js');
    const io = memoryIo();
    const code = await runCli(
      [
        'sample',
        '-o',
        'a.json',
        '-o',
        'b.sarif',
        '--limit',
        '4',
        '--tag',
        'a',
        '--tag',
        'b',
        '--no-config',
        '--iac',
        'x',
        'y',
      ],
      io,
      [command],
    );
    expect({ code, err: io.err() }).toEqual({ code: 0, err: '' });
    expect(seen).toEqual({
      output: ['a.json', 'b.sarif'],
      roleName: undefined,
      config: false,
      save: true,
      limit: 4,
      tag: { a: 'x', b: 'x' },
      format: undefined,
      iac: ['x', 'y'],
      org: undefined,
    });
  });
});
