import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';
import { DEFAULT_SEED, rngFor, SEED_STREAMS, seedFor } from './seeds.js';

const packages = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(path);
    return /\.ts$/.test(name) && !/\.test\.ts$|\.test-[\w-]+\.ts$/.test(name) ? [path] : [];
  });
}

/** The text with comments blanked (strings kept: a seed is never written inside one). */
const withoutComments = (s: string) =>
  s.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');

/** The balanced-parenthesis argument list starting at `open` (the index of '('). */
function argumentsAt(s: string, open: number): string {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return s.slice(open + 1, i);
  }
  return s.slice(open + 1);
}

/** A seed expression is a name passed in, DEFAULT_SEED, or a named stream: no digit and no arithmetic of its own. */
function literalIn(expr: string): boolean {
  let rest = expr;
  for (let k = rest.indexOf('seedFor('); k >= 0; k = rest.indexOf('seedFor(')) {
    const args = argumentsAt(rest, k + 'seedFor'.length);
    rest = rest.slice(0, k) + 'S' + rest.slice(k + 'seedFor'.length + args.length + 2);
  }
  return /\d|[+*/%]|-(?!>)/.test(rest.replace(/\{[^}]*\}\[split\]/, ''));
}

describe('seed policy', () => {
  it('library code writes no seed of its own: every createRng and seed option is passed in, DEFAULT_SEED or a named stream', () => {
    const problems: string[] = [];
    const files = readdirSync(packages).flatMap((p) => sources(join(packages, p, 'src')));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      if (/gpu-kernels\/src\/(seeds|random)\.ts$/.test(file)) continue;
      const text = withoutComments(readFileSync(file, 'utf8'));
      const where = (i: number) => `${relative(packages, file)}:${text.slice(0, i).split('\n').length}`;
      for (const m of text.matchAll(/\b(createRng|hashSeed)\(/g)) {
        const args = argumentsAt(text, m.index! + m[1]!.length);
        const seedArg = m[1] === 'hashSeed' ? args.slice(args.indexOf(',') + 1) : args;
        if (literalIn(seedArg)) problems.push(`${where(m.index!)} ${m[1]}(${args})`);
      }
      for (const m of text.matchAll(/\b(seed|salt)\s*(?::|=(?!=|>))\s*([^,;\n})]+)/gi)) {
        if (/^\s*(number|readonly|\?|int\()/.test(m[2]!) || m[2]!.trim() === '') continue; // a type or schema, not a value
        if (literalIn(m[2]!)) problems.push(`${where(m.index!)} ${m[0].trim()}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('catches what it forbids', () => {
    expect(literalIn('options.seed + 3')).toBe(true);
    expect(literalIn('7919 * seed')).toBe(true);
    expect(literalIn('1')).toBe(true);
    expect(literalIn('options.seed ?? 1')).toBe(true);
    expect(literalIn("seedFor('clone-mlp-init', options.seed)")).toBe(false);
    expect(literalIn('options.seed ?? DEFAULT_SEED')).toBe(false);
    expect(literalIn('ctx.seed')).toBe(false);
  });

  it('named streams reproduce the offsets every published number was computed with', () => {
    expect(DEFAULT_SEED).toBe(1);
    expect(seedFor('random-class-direction', 3, 2)).toBe(3019);
    expect(seedFor('attacker-queries', 2)).toBe(15838);
    expect(seedFor('fair-fim-cache', 2)).toBe(1002);
    expect(seedFor('map-net', 3, 10)).toBe(3010);
    expect(new Set(SEED_STREAMS).size).toBe(SEED_STREAMS.length);
    const a = rngFor('clone-mlp-init', 4);
    const b = createRng(21);
    expect([a.nextFloat(), a.nextFloat()]).toEqual([b.nextFloat(), b.nextFloat()]);
  });
});
