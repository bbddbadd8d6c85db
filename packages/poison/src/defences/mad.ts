/** 'mad' (Orekondy et al. 2020, L1 budget ε; ../mad.ts): the move that turns an attacker's gradient furthest; may change the label. */
import { seedFor } from '@rgdl/gpu-kernels';
import { madAnswer, randomSurrogate, surrogateProbabilities, type Surrogate } from '../mad.js';
import { defineDefence, epsilonOptions, stepStrength, type DefenceContext, type DefenceInstance } from './defence.js';

/** MAD's answer (label kept or not), with its untrained surrogate drawn once from the defender's seed. */
export function madInstance(ctx: DefenceContext, keepLabel: boolean): DefenceInstance {
  let surrogate: Surrogate | undefined;
  return {
    answer(y, x) {
      if (ctx.epsilon === 0) return { served: y };
      surrogate ??= randomSurrogate(ctx.classes, x.length, seedFor('mad-surrogate', ctx.seed));
      return { served: madAnswer(y, surrogateProbabilities(surrogate, x), ctx.epsilon, keepLabel) };
    },
  };
}

export const mad = defineDefence({
  name: 'mad',
  order: 9,
  summary: 'the move within an L1 budget that turns an attacker\u2019s gradient furthest (MAD)',
  armName: 'MAD',
  keepsLabel: false,
  randomised: false,
  strength: stepStrength('L1 budget ‖δy‖₁ of the MAD perturbation'),
  strengthOptions: epsilonOptions,
  needs: [],
  create: (ctx) => madInstance(ctx, false),
});
