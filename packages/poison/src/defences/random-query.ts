/** 'random-query': a fresh direction per query, seeded by the query's bytes (zero-mean noise across queries). */
import { createRng } from '@rgdl/gpu-kernels';
import { defineDefence, epsilonOptions, hashSeed, perturb, stepStrength } from './defence.js';

export const randomQuery = defineDefence({
  name: 'random-query',
  order: 4,
  summary: 'ŷ moved by ε along a random direction drawn per query (the same for a repeated query)',
  armName: 'fresh random noise per query of the same size',
  keepsLabel: true,
  randomised: false,
  strength: stepStrength('step ‖δy‖₂ along a fresh random direction per query'),
  strengthOptions: epsilonOptions,
  needs: [],
  create: (ctx) => ({
    answer: (y, x) => perturb(ctx, y, ctx.randomDirection(createRng(hashSeed(x, ctx.seed)))),
  }),
});
