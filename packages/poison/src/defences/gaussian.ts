/** 'gaussian': ŷ + N(0, ε²/n · I), fresh noise per call (the one defence that answers a repeated query differently). */
import { defenceRng, defineDefence, epsilonOptions, perturb, stepStrength } from './defence.js';

export const gaussian = defineDefence({
  name: 'gaussian',
  summary: 'ŷ plus fresh Gaussian noise of expected length ε',
  armName: 'Gaussian noise',
  keepsLabel: true,
  randomised: true,
  strength: stepStrength('standard deviation × √classes of Gaussian noise'),
  strengthOptions: epsilonOptions,
  needs: [],
  create: (ctx) => {
    const rng = defenceRng(ctx.seed, 101);
    return {
      answer: (y) =>
        perturb(
          ctx,
          y,
          Float64Array.from({ length: ctx.classes }, () => rng.nextGaussian() / Math.sqrt(ctx.classes)),
        ),
    };
  },
});
