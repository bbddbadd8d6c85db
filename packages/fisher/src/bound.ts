/**
 * The data-processing bound on the Fisher information of a deep RBM (docs/math.md §8).
 * The chain's first step h_first ~ σ(φ), φ = Gᵀ·input + bias, factorises, and the
 * end distribution's Fisher information is F = G · Cov(E[h_first | end]) · Gᵀ
 * (chain.ts). By the law of total variance Cov(E[h_first | end]) ≼ Cov(h_first) =
 * diag(σ′(φ)), so
 *   F ≼ F_first = G · diag(σ′(φ)) · Gᵀ,
 * the Fisher information of the first step alone: for generation the top layer,
 * F_top(y) = W_N diag(σ′(W_Nᵀ y + b_N)) W_Nᵀ. Layers below can only lose
 * information about the input, never add it; depth cannot raise λ₁(F̃) above
 * λ₁(F_top) (the retention ratio r = λ₁(F)/λ₁(F_first) ≤ 1).
 */
import { matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import type { DeepRbm, Direction } from '@rgdl/rbm';
import { chainOf, firstField, inputJacobian, sandwich } from './chain.js';

/** F_first = G diag(σ′(φ)) Gᵀ at one input (y for 'down', x for 'up'), exact and cheap. */
export function firstStepFisher(
  be: Backend,
  net: DeepRbm,
  input: Float64Array,
  direction: Direction,
): Matrix<Float64Array> {
  const chain = chainOf(net, direction);
  if (input.length !== chain.inputWidth) {
    throw new RangeError(`input has ${input.length} entries, the first step takes ${chain.inputWidth}`);
  }
  const p = be.sigmoid(firstField(be, chain, matrix(1, input.length, input))).data;
  const n = p.length;
  const D = matrix(n, n);
  for (let j = 0; j < n; j++) D.data[j * n + j] = p[j]! * (1 - p[j]!);
  return sandwich(be, inputJacobian(chain), D);
}

export interface Retention {
  /** λ₁(F). */
  readonly lambda: number;
  /** λ₁(F_first). */
  readonly lambdaFirst: number;
  /** r = λ₁(F) / λ₁(F_first) (≤ 1 by the bound). */
  readonly ratio: number;
  /** Largest eigenvalue of F − F_first (≤ 0 by the bound, up to estimator error). */
  readonly maxExcess: number;
}

/** How much of the first step's information F keeps. */
export function retention(be: Backend, F: Matrix<Float64Array>, Ffirst: Matrix<Float64Array>): Retention {
  const top = (m: Matrix<Float64Array>) => be.symmetricEigen(m).values[0]!;
  const diff = matrix(
    F.rows,
    F.cols,
    F.data.map((v, i) => v - Ffirst.data[i]!),
  );
  const lambda = top(F);
  const lambdaFirst = top(Ffirst);
  return { lambda, lambdaFirst, ratio: lambda / lambdaFirst, maxExcess: top(diff) };
}
