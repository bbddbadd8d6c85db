/**
 * 'reverse-sigmoid' (Lee et al. 2019): ŷ − β(σ(γ·logit ŷ) − ½), clipped at 0 and
 * renormalised; strength β, γ = 0.1. May change the label.
 */
import { defineDefence } from './defence.js';

export const reverseSigmoid = defineDefence({
  name: 'reverse-sigmoid',
  order: 8,
  summary: 'ŷ − β(σ(γ logit ŷ) − ½), renormalised (Lee et al. 2019)',
  armName: 'reverse sigmoid',
  keepsLabel: false,
  randomised: false,
  strength: {
    symbol: 'β',
    meaning: 'reverse-sigmoid strength β (γ = 0.1)',
    min: 0,
    max: 2,
    integer: false,
    fallback: 0.25,
    cost: 'up',
  },
  strengthOptions: (s) => ({ beta: s, gamma: 0.1 }),
  needs: [],
  create: (ctx) => {
    const beta = ctx.options.beta ?? 1;
    const gamma = ctx.options.gamma ?? 0.1;
    const logit = (p: number) => Math.log(Math.max(p, 1e-12) / Math.max(1 - p, 1e-12));
    return {
      answer(y) {
        const r = y.map((p) => p - beta * (1 / (1 + Math.exp(-gamma * logit(p))) - 0.5));
        const z = r.reduce((a, b) => a + Math.max(b, 0), 0);
        return { served: r.map((v) => (z > 0 ? Math.max(v, 0) / z : 1 / ctx.classes)) };
      },
    };
  },
});
