/**
 * 'recovery' (D-DAE, Chen et al. 2023): an attacker who knows the defence's
 * published form (its name and strength, which `GET /v1/model` reports) learns
 * to undo it on a victim of its own, then undoes it on the real answers:
 *  1. a shadow victim of the published architecture, trained by eq. 14 on its
 *     own queries and the answers it was served (20 greedy epochs);
 *  2. the shadow wrapped in the published defence at the published strength
 *     (its own seed and FIM cache; adaptive misinformation's in-distribution
 *     reference: its own queries);
 *  3. the shadow's served and clean answers on its queries and on their
 *     one-pixel shifts (free: the shadow is its own) train a map served → clean:
 *     a correction to the served answer's logits, ŷ = softmax(log ŷ′ + Wφ(ŷ′) + b)
 *     with φ the answer and its logarithm (identity at W = 0, b = 0; a free
 *     network of the answer, tried first, lost 9–19% of the labels the
 *     defences had kept);
 *  4. the map applied to the real served answers (a label-keeping defence's
 *     labels are the clean ones, so there the served label is kept: the two
 *     entries are swapped when the map moved the argmax), and the tuned softmax
 *     clone trained on what it gives.
 * What it can undo is what the defence does the same way on any victim: a
 * function of the answer (reverse sigmoid, fixed misinformation maps). What
 * depends on the defender's own victim or seed (its FIM directions, its
 * random directions, its trained misinformation) the shadow reproduces only
 * as far as the two victims agree. Cost: its queries only. Without a published
 * form, or against 'none', it is the tuned softmax clone on the answers as served.
 */
import { matrix, seedFor, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { fitSoftmaxRegression, softmaxRegressionProbabilities, type DeepRbm } from '@rgdl/rbm';
import { trainClone } from '../clones.js';
import { argmax } from '../constrain.js';
import { createService, defenceDescriptor, parseDefence, type DefenceName } from '../defences.js';
import { shiftRows } from '../queries.js';
import { strengthOptions } from '../strength.js';
import { defineAttacker } from './attacker.js';
import { tunedClone } from './tuned.js';

/** The shadow's FIM cache: the attacker's own, cheaper estimate (its directions only steer its shadow's defence). */
const SHADOW_FISHER = { samples: 300, pool: 512, batches: 2 } as const;

/** The map's input: each answer entry and its logarithm scaled to [−1, 0] (floor 1e-6). */
const features = (y: Matrix<Float64Array>): Matrix<Float64Array> => {
  const K = y.cols;
  const out = matrix(y.rows, 2 * K);
  for (let r = 0; r < y.rows; r++) {
    for (let k = 0; k < K; k++) {
      const v = Math.min(1, Math.max(0, y.data[r * K + k]!));
      out.data[r * 2 * K + k] = v;
      out.data[r * 2 * K + K + k] = Math.log(Math.max(v, 1e-6)) / Math.log(1e6);
    }
  }
  return out;
};

/** log ŷ′ entrywise (floor 1e-6): the logits the map corrects. */
const logits = (y: Matrix<Float64Array>): Matrix<Float64Array> =>
  matrix(
    y.rows,
    y.cols,
    y.data.map((v) => Math.log(Math.max(v, 1e-6))),
  );

/** Rows of a and then b. */
const stack = (a: Matrix<Float64Array>, b: Matrix<Float64Array>): Matrix<Float64Array> => {
  const out = matrix(a.rows + b.rows, a.cols);
  out.data.set(a.data);
  out.data.set(b.data, a.data.length);
  return out;
};

/**
 * The map served → clean learned on `shadow` wrapped in `defence` at `strength`
 * (steps 2–3 above) from inputs x and their one-pixel shifts; the returned
 * function undoes real answers (step 4, label kept for label-keeping defences).
 */
export function recoveryMap(
  be: Backend,
  shadow: DeepRbm,
  defence: DefenceName,
  strength: number,
  x: Matrix<Float64Array>,
  seed: number,
): (served: Matrix<Float64Array>) => Matrix<Float64Array> {
  const own = createService(be, shadow, {
    defence,
    seed: seedFor('recovery-defence', seed),
    reference: x,
    fisher: SHADOW_FISHER,
    ...strengthOptions(defence, strength),
  });
  const pairs = own.answer(stack(stack(x, shiftRows(x, 1, 0)), shiftRows(x, 0, 1)));
  const map = fitSoftmaxRegression(be, features(pairs.served), pairs.clean, {
    // full-batch Adam: plain descent (300 steps of 0.5) left 90% of reverse sigmoid's change in place
    epochs: 1000,
    learningRate: 0.05,
    l2: 1e-6,
    optimiser: 'adam',
    offset: logits(pairs.served),
  });
  const keepsLabel = defenceDescriptor(defence).keepsLabel;
  return (served) => {
    const recovered = softmaxRegressionProbabilities(be, map, features(served), logits(served));
    if (keepsLabel) {
      const K = served.cols;
      for (let r = 0; r < served.rows; r++) {
        const row = recovered.data.subarray(r * K, (r + 1) * K);
        const label = argmax(served.data.subarray(r * K, (r + 1) * K));
        const moved = argmax(row);
        if (moved !== label) [row[moved], row[label]] = [row[label]!, row[moved]!];
      }
    }
    return recovered;
  };
}

export const recovery = defineAttacker({
  name: 'recovery',
  order: 14,
  summary:
    'learns served → clean on a shadow victim of its own wrapped in the published defence (D-DAE), undoes the real answers, then the tuned softmax clone',
  clone: 'softmax',
  labelsOnly: false,
  costly: true,
  train(be, x, served, options) {
    const defence = options.published && parseDefence(options.published.defence);
    if (defence === undefined || defence === 'none' || options.widths.length < 2) {
      return tunedClone(be, x, served, 'softmax', false, options.seed);
    }
    // 20 greedy epochs: its labels agree with the victim's on 80% of test digits (5 epochs: 59%; the victim's own recipe: 91%, in 15× the time)
    const shadow = trainClone(be, 'eq14', x, served, {
      widths: options.widths,
      pretrainEpochs: 20,
      seed: seedFor('recovery-shadow', options.seed),
    }).net!;
    const undo = recoveryMap(be, shadow, defence, options.published!.strength, x, options.seed);
    return tunedClone(be, x, undo(served), 'softmax', false, options.seed);
  },
});
