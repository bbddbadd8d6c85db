/**
 * Receiver operating characteristic of a score (higher = positive): the
 * (false-positive rate, true-positive rate) pairs as the threshold sweeps past
 * every score, from (0, 0) to (1, 1), and the area under the curve (ties
 * counted half: the Mann–Whitney probability that a positive outscores a
 * negative).
 */
export interface Roc {
  readonly points: readonly (readonly [number, number])[];
  readonly auc: number;
}

/** @throws RangeError when either class is empty */
export function roc(positives: readonly number[], negatives: readonly number[]): Roc {
  if (positives.length === 0 || negatives.length === 0) throw new RangeError('a ROC needs positives and negatives');
  const all = [...positives.map((s) => [s, 1] as const), ...negatives.map((s) => [s, 0] as const)].sort(
    (a, b) => b[0] - a[0],
  );
  const points: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; ) {
    // every score equal to this one moves together
    const s = all[i]![0];
    for (; i < all.length && all[i]![0] === s; i++) {
      if (all[i]![1] === 1) tp++;
      else fp++;
    }
    points.push([fp / negatives.length, tp / positives.length]);
  }
  let auc = 0;
  for (const p of positives) for (const n of negatives) auc += p > n ? 1 : p === n ? 0.5 : 0;
  return { points, auc: auc / (positives.length * negatives.length) };
}
