/**
 * 'fim' (the paper's poison, eq. 19): the feasible step of length ε that
 * maximises δyᵀF̃δy at the predicted class c. The candidates ±v₁, ±v₂, ±v₃ (top
 * eigenvectors of F̃(e_c) restricted to the simplex's tangent space Σδ = 0) are
 * each projected and label-constrained, and the served one with the largest
 * δyᵀF̃δy wins, so neither the eigensolver's sign nor clipping picks the step.
 */
import { argmax } from '../constrain.js';
import { bestOf, defineDefence, epsilonOptions, stepStrength } from './defence.js';

/** δᵀFδ for a row-major n×n F. */
export function fisherQuadratic(F: Float64Array, d: Float64Array): number {
  const n = d.length;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += d[i]! * F[i * n + j]! * d[j]!;
  return s;
}

/** Eq. 19: of the candidate steps at class c, the served answer with the largest δyᵀF̃(e_c)δy. */
export const fim = defineDefence({
  name: 'fim',
  order: 1,
  summary: 'ŷ moved by ε along the top eigenvector of the generation FIM F̃(e_c) (eq. 19)',
  armName: 'the top FIM eigenvector',
  keepsLabel: true,
  randomised: false,
  strength: stepStrength('step ‖δy‖₂ along the top FIM eigenvector'),
  strengthOptions: epsilonOptions,
  needs: ['class-directions'],
  create: (ctx) => ({
    answer(y) {
      const c = argmax(y);
      const cache = ctx.directions();
      const F = cache.fisher[c]!;
      return bestOf(ctx, y, cache.candidates[c]!, (served) =>
        fisherQuadratic(
          F,
          served.map((v, j) => v - y[j]!),
        ),
      );
    },
  }),
});
