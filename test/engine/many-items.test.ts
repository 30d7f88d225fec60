/**
 * Arrays of any length: spreading an array into a call (`Math.max(...values)`, `list.push(...more)`)
 * throws "Maximum call stack size exceeded" past about a hundred thousand elements, which an
 * organisation's history, a generated template or a hostile repository reaches. Each place that
 * met one now loops (src/model/many.ts); none spreads one into a call again. The places themselves
 * at that scale: test/hostile/many-items.test.ts (a process of their own, with the CLI's stack).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterEach, mapEach, maxOf, minOf, pushAll } from '../../src/model/many.js';

const MANY = 300_000;

describe('maxOf, minOf and pushAll', () => {
  const values = Array.from({ length: MANY }, (_, i) => (i * 7919) % MANY);

  it('take as many values as there are', () => {
    expect(maxOf(values)).toBe(MANY - 1);
    expect(minOf(values)).toBe(0);
    const target = [-1];
    expect(pushAll(target, values)).toBe(target);
    expect(target.length).toBe(MANY + 1);
    expect(target[MANY]).toBe(values[MANY - 1]);
  });

  it('answer as Math.max and Math.min do for no values and for NaN', () => {
    expect(maxOf([])).toBe(Math.max());
    expect(minOf([])).toBe(Math.min());
    expect(maxOf([1, Number.NaN, 3])).toBeNaN();
    expect(minOf(new Set([2, 1]))).toBe(1);
  });

  it('mapEach and filterEach make each result only when it is read, in order', () => {
    const made: number[] = [];
    const rows = mapEach(
      filterEach([1, 2, 3, 4, 5], (n) => n % 2 === 1),
      (n) => {
        made.push(n);
        return [n, n * 10];
      },
    );
    expect(made).toEqual([]);
    const iterator = rows[Symbol.iterator]();
    expect(iterator.next()).toEqual({ done: false, value: [1, 10] });
    expect(made).toEqual([1]);
    expect([...iterator]).toEqual([
      [3, 30],
      [5, 50],
    ]);
    expect(made).toEqual([1, 3, 5]);
  });

  it('are what src uses: no array is spread into Math.max, Math.min, push, unshift, splice or String.fromCharCode', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? files(join(dir, entry.name))
          : entry.name.endsWith('.ts')
            ? [join(dir, entry.name)]
            : [],
      );
    const spread =
      /Math\.(?:max|min)\((?:[^()]*,\s*)?\.\.\.|\.(?:push|unshift)\(\.\.\.|\.splice\([^)]*\.\.\.|String\.from(?:CharCode|CodePoint)\(\.\.\./;
    const offenders = files('src').flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          spread.test(line) && !/^(\*|\/\*|\/\/)/.test(line.trim()) ? [`${file}:${i + 1}`] : [],
        ),
    );
    expect(offenders).toEqual([]);
  });
});
