/**
 * 'adaptive': a softmax clone on whichever of soft, argmax or temperature-sharpened
 * (T = ½) targets agrees best with the served labels on a held-out fifth of its
 * own queries, then refitted on all of them.
 */
import { accuracy } from '@rgdl/rbm';
import { trainClone } from '../clones.js';
import { defineAttacker, holdOut, mapRows, oneHotOf, rowLabels, sharpen } from './attacker.js';

export const adaptive = defineAttacker({
  name: 'adaptive',
  order: 6,
  summary: 'a softmax clone on the best of soft, argmax or sharpened targets, chosen on its own held-out queries',
  clone: 'softmax',
  labelsOnly: false,
  costly: true,
  train(be, x, served, options) {
    const { fitX, fitY, heldX, heldY } = holdOut(x, served);
    const heldLabels = rowLabels(heldY);
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
