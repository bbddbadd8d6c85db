/** 'random-class': one fixed seeded unit direction per class (the bias control: a consistent shift of fim's size). */
import { rngFor, createRng } from '@rgdl/gpu-kernels';
import { argmax } from '../constrain.js';
import { bestOf, defineDefence, epsilonOptions, squaredDistance, stepStrength } from './defence.js';

export const randomClass = defineDefence({
  name: 'random-class',
  order: 3,
  summary: 'ŷ moved by ε along a fixed random direction per class',
  armName: 'a fixed random direction per class of the same size',
  keepsLabel: true,
  randomised: false,
  strength: stepStrength('step ‖δy‖₂ along a fixed random direction per class'),
  strengthOptions: epsilonOptions,
  needs: [],
  create: (ctx) => {
    // seeded by (seed, class)
    const classDirection = (c: number) => ctx.randomDirection(rngFor('random-class-direction', ctx.seed, c));
    return { answer: (y) => bestOf(ctx, y, [classDirection(argmax(y))], squaredDistance(y)) };
  },
});
