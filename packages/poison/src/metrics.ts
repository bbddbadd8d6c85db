import { matrix, rowViews, type Matrix } from '@rgdl/gpu-kernels';
import { discreteKl, type DeepRbm } from '@rgdl/rbm';
import { argmax } from './constrain.js';
import { hungarian } from './hungarian.js';

export interface CloneMetrics {
  /** Accuracy of the clone on the test split (true labels). */
  readonly cloneAccuracy: number;
  /** Fraction of test inputs where clone and victim predict the same label. */
  readonly agreement: number;
  /** Mean D_KL(victim ‖ clone) of the class probabilities. */
  readonly kl: number;
}

/** Clone against victim on the same inputs (both rows × classes) and their true labels. */
export function cloneMetrics(
  victimAnswers: Matrix<Float64Array>,
  cloneAnswers: Matrix<Float64Array>,
  labels: ArrayLike<number>,
): CloneMetrics {
  let acc = 0;
  let agree = 0;
  let kl = 0;
  const victim = rowViews(victimAnswers);
  const clone = rowViews(cloneAnswers);
  victim.forEach((p, r) => {
    const q = clone[r]!;
    const cq = argmax(q);
    if (cq === labels[r]) acc++;
    if (cq === argmax(p)) agree++;
    kl += discreteKl(p, q);
  });
  const n = victim.length;
  return { cloneAccuracy: acc / n, agreement: agree / n, kl: kl / n };
}

/**
 * ‖W₁ − P W₁′‖_F / ‖W₁‖_F for the first layer, P the permutation of the clone's
 * hidden units that minimises it (Hungarian matching on squared row distances).
 */
export function firstLayerWeightError(victim: DeepRbm, clone: DeepRbm): number {
  const A = victim.layers[0]!.W;
  const B = clone.layers[0]!.W;
  if (A.rows !== B.rows || A.cols !== B.cols) throw new RangeError('weight error needs the same first-layer shape');
  const n = A.rows;
  const cost = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < A.cols; k++) s += (A.data[i * A.cols + k]! - B.data[j * B.cols + k]!) ** 2;
      cost.data[i * n + j] = s;
    }
  }
  const perm = hungarian(cost.data, n);
  let err = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    err += cost.data[i * n + perm[i]!]!;
    for (let k = 0; k < A.cols; k++) norm += A.data[i * A.cols + k]! ** 2;
  }
  return Math.sqrt(err / norm);
}
