/**
 * Maximising Angular Deviation (MAD; Orekondy, Schiele & Fritz, ICLR 2020). The
 * defender perturbs ŷ within an L1 budget so that the gradient an attacker would
 * follow, training a surrogate on ŷ′, points as far as possible from the gradient
 * it would follow on ŷ. With a linear softmax surrogate F(x) = softmax(Wx + b) the
 * gradient of the attacker's loss −Σ_k y_k log F_k with respect to (W, b) is
 * −(y − F(x)) ⊗ (x, 1), so the angle between the two gradients equals the angle
 * between y − F(x) and ŷ′ − F(x) in class space. The candidates are the moves
 * toward each vertex of the simplex, ŷ′ = ŷ + α(e_k − ŷ) with
 * α = min(1, budget / ‖e_k − ŷ‖₁) (the paper's line-search variant), and the
 * pairwise mass transfers that are the extreme points of the L1 ball within the
 * simplex's tangent space; MAD-argmax shrinks each move until the label is kept.
 */
import { createRng, matrix, type Matrix } from '@rgdl/gpu-kernels';
import { softmaxRows } from '@rgdl/rbm';
import { constrainStep } from './constrain.js';

/** A linear softmax surrogate (classes × inputs weights). */
export interface Surrogate {
  readonly W: Matrix<Float64Array>;
  readonly b: Float64Array;
}

/** A randomly initialised surrogate, W_ij ~ N(0, scale²), b = 0 (Orekondy et al. use an untrained surrogate). */
export function randomSurrogate(classes: number, inputs: number, seed: number, scale = 0.1): Surrogate {
  const rng = createRng(seed);
  const W = matrix(classes, inputs);
  for (let i = 0; i < W.data.length; i++) W.data[i] = scale * rng.nextGaussian();
  return { W, b: new Float64Array(classes) };
}

/** F(x) = softmax(W x + b). */
export function surrogateProbabilities(s: Surrogate, x: ArrayLike<number>): Float64Array {
  const n = s.W.cols;
  return softmaxRows(
    matrix(
      1,
      s.W.rows,
      Float64Array.from({ length: s.W.rows }, (_, c) => {
        let v = s.b[c]!;
        for (let i = 0; i < n; i++) v += s.W.data[c * n + i]! * x[i]!;
        return v;
      }),
    ),
  ).data;
}

/** Angle (radians) between the attacker's surrogate gradients for targets y and y′: ∠(y − F, y′ − F). */
export function gradientAngle(y: ArrayLike<number>, yPrime: ArrayLike<number>, F: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < y.length; k++) {
    const a = y[k]! - F[k]!;
    const b = yPrime[k]! - F[k]!;
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb))));
}

/**
 * The MAD answer for clean ŷ, surrogate prediction F and L1 budget; `keepLabel`
 * gives MAD-argmax. Candidates: the vertex moves of the line-search variant and
 * the extreme points of {δ : Σδ = 0, ‖δ‖₁ ≤ budget}, i.e. transfers of mass
 * budget/2 from class j to class i (cut at what ŷ_j holds); the answer with the
 * largest angle wins.
 */
export function madAnswer(y: Float64Array, F: Float64Array, budgetL1: number, keepLabel: boolean): Float64Array {
  if (budgetL1 <= 0) return y;
  const K = y.length;
  let best = y;
  let bestAngle = -1;
  const consider = (delta: Float64Array) => {
    const candidate = keepLabel ? constrainStep(y, delta).served : y.map((v, j) => v + delta[j]!);
    const angle = gradientAngle(y, candidate, F);
    if (angle > bestAngle + 1e-12) {
      bestAngle = angle;
      best = candidate;
    }
  };
  for (let k = 0; k < K; k++) {
    const toVertex = y.map((v, j) => (j === k ? 1 : 0) - v);
    const l1 = toVertex.reduce((a, v) => a + Math.abs(v), 0);
    if (l1 > 0) consider(toVertex.map((v) => v * Math.min(1, budgetL1 / l1)));
  }
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      if (i === j) continue;
      const t = Math.min(budgetL1 / 2, y[j]!);
      if (t <= 0) continue;
      const delta = new Float64Array(K);
      delta[i] = t;
      delta[j] = -t;
      consider(delta);
    }
  }
  return best;
}
