/**
 * 'high-confidence' (the Adversarial Robustness Toolbox's `HighConfidence`
 * postprocessor): every probability below the cutoff c is zeroed, and what is
 * left is renormalised onto the simplex; when nothing reaches c the answer is
 * the one-hot label. The largest entry is the last to go, so the label is kept.
 * It hides the small probabilities a soft clone learns most from.
 */
import { argmax } from '../constrain.js';
import { defineDefence } from './defence.js';

export const highConfidence = defineDefence({
  name: 'high-confidence',
  summary: 'entries of ŷ below the cutoff zeroed, the rest renormalised (ART HighConfidence)',
  armName: 'small probabilities zeroed (ART)',
  keepsLabel: true,
  randomised: false,
  strength: {
    symbol: 'c',
    meaning: 'the cutoff below which a probability is zeroed',
    min: 0,
    max: 1,
    integer: false,
    fallback: 0.25,
    cost: 'up',
  },
  strengthOptions: (s) => ({ strength: s }),
  needs: [],
  create: (ctx) => {
    const cutoff = ctx.options.strength ?? 0.25;
    return {
      answer(y) {
        const kept = y.map((v) => (v >= cutoff ? v : 0));
        const total = kept.reduce((a, v) => a + v, 0);
        if (total > 0) return { served: kept.map((v) => v / total) };
        const k = argmax(y);
        return { served: y.map((_, j) => (j === k ? 1 : 0)) };
      },
    };
  },
});
