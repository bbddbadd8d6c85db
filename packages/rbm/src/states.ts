/**
 * Enumeration of binary states. State index s encodes unit i as bit i:
 * h_i = (s >> i) & 1 (the same order the Walsh–Hadamard transform uses).
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { assertEnumerable } from './enumerable.js';

/** Rows s = start … start+count−1 of the 2^n × n state matrix. */
export function stateBlock(n: number, start: number, count: number): Matrix<Float64Array> {
  const m = matrix(count, n);
  for (let r = 0; r < count; r++) {
    const s = start + r;
    for (let i = 0; i < n; i++) m.data[r * n + i] = (s >>> i) & 1;
  }
  return m;
}

/** All 2^n states as a 2^n × n matrix. @throws RangeError above the 'partition' enumeration limit. */
export function allStates(n: number): Matrix<Float64Array> {
  assertEnumerable(n, 'partition', 'allStates');
  return stateBlock(n, 0, 2 ** n);
}

/** Index of a binary vector (entries 0/1). */
export function stateIndex(h: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < h.length; i++) if (h[i]! > 0.5) s += 2 ** i;
  return s;
}

/** Rows per enumeration chunk so a chunk holds about `budget` numbers. */
export function chunkRows(total: number, width: number, budget = 1 << 21): number {
  return Math.max(1, Math.min(total, Math.floor(budget / Math.max(1, width))));
}
