/**
 * 'softmax-sharpened': a softmax clone on temperature-sharpened targets
 * (p^{1/T}/Σ, T = ½): it trusts the served ranking but not the served spread, so a
 * small step that keeps the label moves its targets less than the soft clone's.
 */
import { trainClone } from '../clones.js';
import { defineAttacker, mapRows, sharpen } from './attacker.js';

export const softmaxSharpened = defineAttacker({
  name: 'softmax-sharpened',
  order: 7,
  summary: 'multinomial logistic regression on the served answers sharpened at T = ½',
  clone: 'softmax',
  labelsOnly: false,
  costly: false,
  train: (be, x, served, options) => trainClone(be, 'softmax', x, mapRows(served, sharpen), options),
});
