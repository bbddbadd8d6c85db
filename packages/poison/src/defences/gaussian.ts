/** 'gaussian': ŷ + N(0, ε²/n · I), fresh noise per call (the one defence that answers a repeated query differently). */
import { rngFor } from '@rgdl/gpu-kernels';
import { defineDefence, epsilonOptions, perturb, stepStrength } from './defence.js';

export const gaussian = defineDefence({
  name: 'gaussian',
  order: 5,
  summary: 'ŷ plus fresh Gaussian noise of expected length ε',
  armName: 'Gaussian noise',
  keepsLabel: true,
  randomised: true,
  strength: stepStrength('standard deviation × √classes of Gaussian noise'),
  strengthOptions: epsilonOptions,
  needs: [],
  create: (ctx) => {
    const rng = rngFor('gaussian-noise', ctx.seed);
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
