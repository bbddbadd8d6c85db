/**
 * 'inversion': an attacker who knows the defences' published forms and undoes
 * what can be undone before training the tuned softmax clone:
 *  - adaptive misinformation with the fixed map ỹ = (1 − ŷ)/(K − 1): a flagged
 *    answer is recognisable (its largest entry is at most 1/(K − 1)) and
 *    ŷ = 1 − (K − 1)ỹ recovers it (clipped at 0, renormalised);
 *  - rounding (round, rounded) and top-1 lose information no map restores, and
 *    the label-keeping steps (fim, random-class, …) are not recognisable from
 *    one answer: those answers are used as served.
 * Not undone: reverse sigmoid. Its map p ↦ p − β(σ(γ logit p) − ½) is not
 * monotone near p = 0 (the slope 1 − βγσ(1 − σ)/(p(1 − p)) turns negative once
 * βγ p^{γ−1} ≳ 1), so small probabilities have two preimages, and entries
 * clipped at 0 are lost: by design, it has no inverse to apply (β would also
 * have to be estimated). Nor is a trained misinformation function f̂(x): no map
 * of the answer inverts it, and its answers pass the flag test only by chance.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { defineAttacker } from './attacker.js';
import { tunedClone } from './tuned.js';

/** ŷ for every answer the fixed misinformation map flagged; the rest as served. */
export function invertMisinformationMap(served: Matrix<Float64Array>): {
  answers: Matrix<Float64Array>;
  flagged: number;
} {
  const K = served.cols;
  const out = matrix(served.rows, K, served.data.slice());
  let flagged = 0;
  for (let r = 0; r < served.rows; r++) {
    const row = out.data.subarray(r * K, (r + 1) * K);
    if (Math.max(...row) > 1 / (K - 1) + 1e-9) continue;
    flagged++;
    let s = 0;
    for (let k = 0; k < K; k++) {
      row[k] = Math.max(0, 1 - (K - 1) * row[k]!);
      s += row[k]!;
    }
    for (let k = 0; k < K; k++) row[k] = s > 0 ? row[k]! / s : 1 / K;
  }
  return { answers: out, flagged };
}

export const inversion = defineAttacker({
  name: 'inversion',
  order: 12,
  summary: 'undoes the published fixed misinformation map, then the tuned softmax clone',
  clone: 'softmax',
  labelsOnly: false,
  costly: true,
  train: (be, x, served, options) =>
    tunedClone(be, x, invertMisinformationMap(served).answers, 'softmax', false, options.seed),
});
