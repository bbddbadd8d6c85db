/** 'mad-argmax': MAD (mad.ts) with every move shrunk until the label is kept. */
import { defineDefence, epsilonOptions, stepStrength } from './defence.js';
import { madInstance } from './mad.js';

export const madArgmax = defineDefence({
  name: 'mad-argmax',
  order: 10,
  summary: 'MAD shrunk until the label is kept',
  armName: 'MAD-argmax',
  keepsLabel: true,
  randomised: false,
  strength: stepStrength('L1 budget ‖δy‖₁ of the label-keeping MAD perturbation'),
  strengthOptions: epsilonOptions,
  needs: [],
  create: (ctx) => madInstance(ctx, true),
});
