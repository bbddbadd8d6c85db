/**
 * 'softmax-tuned': the softmax clone with its own hyperparameters chosen as an
 * attacker would choose them: weight decay λ and the number of full-batch
 * gradient-descent epochs picked on a held-out fifth of its own queries (by
 * agreement with the labels it was served, then by cross-entropy against the
 * served answers; never the victim's true labels), then refitted on every query.
 * A fixed λ = 10⁻⁴ and 300 epochs (the plain 'softmax') under-fit or over-fit
 * depending on the budget; this attacker does not.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { accuracy, fitSoftmaxRegression, softmaxRegressionProbabilities } from '@rgdl/rbm';
import { defineAttacker, holdOut, rowLabels } from './attacker.js';

/** The grid the attacker searches: λ × epochs (learning rate 0.5, as the plain clone). */
const WEIGHT_DECAYS = [1e-5, 1e-4, 1e-3, 1e-2] as const;
const EPOCHS = [100, 400] as const;

/** Rows clipped at 0 and renormalised to sum 1 (box-view answers need not). */
function simplexRows(y: Matrix<Float64Array>): Matrix<Float64Array> {
  const out = matrix(y.rows, y.cols);
  for (let r = 0; r < y.rows; r++) {
    let s = 0;
    for (let c = 0; c < y.cols; c++) s += Math.max(0, y.data[r * y.cols + c]!);
    for (let c = 0; c < y.cols; c++)
      out.data[r * y.cols + c] = s > 0 ? Math.max(0, y.data[r * y.cols + c]!) / s : 1 / y.cols;
  }
  return out;
}

/** Mean −Σ_c t_c log p_c over rows. */
function crossEntropy(p: Matrix<Float64Array>, t: Matrix<Float64Array>): number {
  let s = 0;
  for (let i = 0; i < p.data.length; i++) s -= t.data[i]! * Math.log(Math.max(p.data[i]!, 1e-300));
  return s / Math.max(1, p.rows);
}

export const softmaxTuned = defineAttacker({
  name: 'softmax-tuned',
  summary:
    'multinomial logistic regression on the served answers, weight decay and epochs chosen on its own held-out queries',
  clone: 'softmax',
  labelsOnly: false,
  costly: true,
  train(be, x, served) {
    const { fitX, fitY, heldX, heldY } = holdOut(x, simplexRows(served));
    const heldLabels = rowLabels(heldY);
    let best = { l2: 1e-4 as number, epochs: 300 as number, agree: -1, ce: Infinity };
    for (const l2 of WEIGHT_DECAYS) {
      for (const epochs of EPOCHS) {
        if (heldX.rows === 0) continue;
        const model = fitSoftmaxRegression(be, fitX, fitY, { epochs, learningRate: 0.5, l2, optimiser: 'sgd' });
        const p = softmaxRegressionProbabilities(be, model, heldX);
        const agree = accuracy(p, heldLabels);
        const ce = crossEntropy(p, heldY);
        if (agree > best.agree || (agree === best.agree && ce < best.ce)) best = { l2, epochs, agree, ce };
      }
    }
    const model = fitSoftmaxRegression(be, x, simplexRows(served), {
      epochs: best.epochs,
      learningRate: 0.5,
      l2: best.l2,
      optimiser: 'sgd',
    });
    return { kind: 'softmax', predict: (inputs) => softmaxRegressionProbabilities(be, model, inputs) };
  },
});
