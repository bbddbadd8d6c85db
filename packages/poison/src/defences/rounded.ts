/**
 * 'rounded' (the Adversarial Robustness Toolbox's `Rounded` postprocessor): every
 * probability rounded to k decimals, then projected onto the simplex (Euclidean),
 * so the answer is a probability vector again. Unlike 'round' (largest remainder
 * on a grid of 10^−k) the result need not lie on the grid, and ties may change
 * the label.
 */
import { projectToSimplex } from '../constrain.js';
import { defineDefence } from './defence.js';

export const rounded = defineDefence({
  name: 'rounded',
  order: 7,
  summary: 'ŷ rounded to k decimals entry by entry, then projected onto the simplex (ART Rounded)',
  armName: 'rounding entry by entry (ART)',
  keepsLabel: false,
  randomised: false,
  strength: {
    symbol: 'k',
    meaning: 'decimals kept by each probability before the projection onto the simplex',
    min: 0,
    max: 9,
    integer: true,
    fallback: 2,
    cost: 'down',
  },
  strengthOptions: (s) => ({ decimals: s }),
  needs: [],
  create: (ctx) => {
    const unit = 10 ** (ctx.options.decimals ?? 2);
    return { answer: (y) => ({ served: projectToSimplex(y.map((v) => Math.round(v * unit) / unit)) }) };
  },
});
