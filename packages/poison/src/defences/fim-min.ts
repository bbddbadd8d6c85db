/** 'fim-min': the smallest-eigenvalue direction of the same F̃(e_c), the control that should do least. */
import { argmax } from '../constrain.js';
import { bestOf, defineDefence, epsilonOptions, squaredDistance, stepStrength } from './defence.js';

export const fimMin = defineDefence({
  name: 'fim-min',
  order: 2,
  summary: 'ŷ moved by ε along the smallest-eigenvalue direction of F̃(e_c) (the sign with the longer feasible step)',
  armName: 'the smallest-eigenvalue direction',
  keepsLabel: true,
  randomised: false,
  strength: stepStrength('step ‖δy‖₂ along the smallest-eigenvalue direction'),
  strengthOptions: epsilonOptions,
  needs: ['class-directions'],
  create: (ctx) => ({
    answer: (y) => bestOf(ctx, y, [ctx.directions().smallest[argmax(y)]!], squaredDistance(y)),
  }),
});
