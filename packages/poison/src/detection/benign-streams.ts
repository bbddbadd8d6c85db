/**
 * How honest clients query, for calibrating and testing the detectors: a
 * stream of `length` queries drawn from a pool of in-distribution inputs
 * (their features), in one of four behaviours:
 *  - 'random': uniform draws (with replacement);
 *  - 'class-order': distinct inputs sorted by their label (a user who sends
 *    all the 0s, then all the 1s, …);
 *  - 'skewed': 70% from one class, the rest uniform;
 *  - 'repeated': ⌈length/10⌉ distinct inputs, each asked about 10 times, in
 *    random order.
 */
import type { Rng } from '@rgdl/gpu-kernels';
import { shuffle } from '@rgdl/rbm';
import type { QueryFeature } from './detectors.js';

export const BENIGN_KINDS = ['random', 'class-order', 'skewed', 'repeated'] as const;
export type BenignKind = (typeof BENIGN_KINDS)[number];

/** A seeded permutation of 0 … n−1 (@rgdl/rbm's Fisher–Yates shuffle). */
function permutation(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  shuffle(p, rng);
  return p;
}

/**
 * @throws RangeError for an empty pool
 */
export function benignStream(
  pool: readonly QueryFeature[],
  kind: BenignKind,
  length: number,
  rng: Rng,
): QueryFeature[] {
  const n = pool.length;
  if (n === 0) throw new RangeError('a benign stream needs a pool of inputs');
  const uniform = () => pool[Math.floor(rng.nextFloat() * n)]!;
  if (kind === 'random') return Array.from({ length }, uniform);
  if (kind === 'class-order') {
    const picked = Array.from(permutation(n, rng).subarray(0, Math.min(n, length)), (i) => pool[i]!);
    while (picked.length < length) picked.push(uniform());
    return picked
      .map((q, i) => ({ q, i }))
      .sort((a, b) => a.q.label - b.q.label || a.i - b.i)
      .map((x) => x.q);
  }
  if (kind === 'skewed') {
    const labels = [...new Set(pool.map((q) => q.label))];
    const favourite = labels[Math.floor(rng.nextFloat() * labels.length)]!;
    const ofClass = pool.filter((q) => q.label === favourite);
    return Array.from({ length }, () =>
      rng.nextFloat() < 0.7 ? ofClass[Math.floor(rng.nextFloat() * ofClass.length)]! : uniform(),
    );
  }
  const distinct = Array.from(permutation(n, rng).subarray(0, Math.min(n, Math.ceil(length / 10))), (i) => pool[i]!);
  return Array.from(permutation(length, rng), (i) => distinct[i % distinct.length]!);
}
