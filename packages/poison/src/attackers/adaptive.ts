/**
 * 'adaptive': a softmax clone on whichever of soft, argmax or temperature-sharpened
 * (T = ½) targets agrees best with the served labels on a held-out fifth of its
 * own queries, then refitted on all of them.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { accuracy } from '@rgdl/rbm';
import { trainClone } from '../clones.js';
import { defineAttacker, mapRows, oneHotOf, rowLabels, sharpen } from './attacker.js';

/** Rows `from … to−1` of m (a copy). */
function rowRange(m: Matrix<Float64Array>, from: number, to: number): Matrix<Float64Array> {
  return matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}

export const adaptive = defineAttacker({
  name: 'adaptive',
  order: 6,
  summary: 'a softmax clone on the best of soft, argmax or sharpened targets, chosen on its own held-out queries',
  clone: 'softmax',
  labelsOnly: false,
  costly: true,
  train(be, x, served, options) {
    const cut = Math.floor(0.8 * x.rows);
    const fitX = rowRange(x, 0, cut);
    const heldX = rowRange(x, cut, x.rows);
    const held = rowRange(served, cut, served.rows);
    const heldLabels = rowLabels(held);
    const fitY = rowRange(served, 0, cut);
    const targets = [(a: Float64Array) => a, oneHotOf, sharpen];
    let best = 0;
    let bestAgree = -1;
    targets.forEach((t, k) => {
      const clone = trainClone(be, 'softmax', fitX, mapRows(fitY, t), options);
      const agree = heldX.rows > 0 ? accuracy(clone.predict(heldX), heldLabels) : 0;
      if (agree > bestAgree) {
        bestAgree = agree;
        best = k;
      }
    });
    return trainClone(be, 'softmax', x, mapRows(served, targets[best]!), options);
  },
});
