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
 * The Brier score of answers (rows × K probability vectors) against true
 * labels: (1/rows) Σ_r Σ_c (ŷ_rc − [c = y_r])², 0 for a certain and right
 * answer, 2 for a certain and wrong one. What a reader of the probabilities
 * pays for a defence that moves them (a defence that keeps every label can
 * still raise it).
 * @throws RangeError when the labels do not match the rows or leave 0 … K − 1.
 */
export function brierScore(answers: Matrix<Float64Array>, labels: ArrayLike<number>): number {
  const K = answers.cols;
  if (labels.length !== answers.rows) {
    throw new RangeError(`${answers.rows} answers and ${labels.length} labels`);
  }
  let s = 0;
  for (let r = 0; r < answers.rows; r++) {
    const y = labels[r]!;
    if (!(Number.isInteger(y) && y >= 0 && y < K))
      throw new RangeError(`label ${y} of row ${r} is not a class of ${K}`);
    for (let c = 0; c < K; c++) s += (answers.data[r * K + c]! - (c === y ? 1 : 0)) ** 2;
  }
  return answers.rows > 0 ? s / answers.rows : 0;
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
