import { DEFAULT_SEED } from '@rgdl/gpu-kernels';
import { DEFENCE_STRENGTHS, DEFENCES, parseDefence, strengthProblem, type DefenceName } from '@rgdl/poison';
import { UsageError } from './errors.js';

/** Parses an integer flag; `undefined` gives the default. @throws UsageError */
export function intFlag(
  name: string,
  value: string | boolean | undefined,
  fallback: number,
  min = Number.MIN_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(
      `--${name} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ''}, got '${String(value)}'`,
    );
  return n;
}

/** Parses a flag restricted to listed choices. @throws UsageError */
export function choiceFlag<T extends string>(
  name: string,
  value: string | boolean | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${String(value)}'`);
  }
  return value as T;
}

/** Parses a finite number flag within [min, max]. @throws UsageError */
export function numberFlag(
  name: string,
  value: string | boolean | undefined,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be a number${Number.isFinite(min) ? ` ≥ ${min}` : ''}${Number.isFinite(max) ? ` and ≤ ${max}` : ''}, got '${String(value)}'`,
    );
  }
  return n;
}

/** Parses a comma-separated list of positive integers. @throws UsageError */
export function intListFlag(name: string, value: string | boolean | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [];
  const nums = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  if (nums.length === 0 || nums.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new UsageError(`--${name} must be a comma-separated list of positive integers, got '${String(value)}'`);
  }
  return nums;
}

/** A required string flag. @throws UsageError */
export function requiredString(name: string, value: string | boolean | undefined): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} <value> is required`);
  return value;
}

/** --defence: a defence name ('random' is accepted for 'random-query'); default fim. @throws UsageError */
export function defenceFlag(value: string | boolean | undefined): DefenceName {
  if (value === undefined) return 'fim';
  const d = typeof value === 'string' ? parseDefence(value) : undefined;
  if (d === undefined) throw new UsageError(`--defence must be one of ${DEFENCES.join(', ')}, got '${String(value)}'`);
  return d;
}

/** The most memory a command may plan to use (4 GiB; the machines here have 24 GiB). */
export const MEMORY_CAP_BYTES = 4 * 2 ** 30;

/**
 * Refuses a size whose estimated memory exceeds the cap, naming the flag and the
 * estimate. @throws UsageError
 */
export function checkMemory(flag: string, bytes: number, what: string): void {
  if (!(bytes <= MEMORY_CAP_BYTES)) {
    const gib = (b: number) => (b / 2 ** 30 >= 100 ? (b / 2 ** 30).toExponential(1) : (b / 2 ** 30).toFixed(1));
    throw new UsageError(
      `${flag} needs about ${gib(bytes)} GiB for ${what}, above the ${gib(MEMORY_CAP_BYTES)} GiB cap`,
    );
  }
}

/** --strength (or its alias --eps) within the defence's range; the defence's default when absent. @throws UsageError */
export function strengthFlag(defence: DefenceName, strength: unknown, eps: unknown): number {
  if (strength !== undefined && eps !== undefined) throw new UsageError('give --strength or --eps, not both');
  const given = strength ?? eps;
  const descriptor = DEFENCE_STRENGTHS[defence];
  if (descriptor === null) {
    if (given !== undefined) throw new UsageError(`--defence ${defence} takes no strength`);
    return 0;
  }
  const name = strength !== undefined ? 'strength' : 'eps';
  const s = numberFlag(name, given as string | undefined, descriptor.fallback);
  const problem = strengthProblem(defence, s);
  if (problem !== undefined) throw new UsageError(`--${name}: ${problem}`);
  return s;
}

/** --seed: the root seed of a command's draws (DEFAULT_SEED when absent). @throws UsageError */
export function seedFlag(value: string | boolean | undefined): number {
  return intFlag('seed', value, DEFAULT_SEED);
}
