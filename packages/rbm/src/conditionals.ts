/**
 * Factorised conditionals of one RBM (eq. 3 and 10):
 *   t(h_k = 1 | h_{k−1}) = σ(W h_{k−1} + a)     (upward, classification)
 *   t(h_{k−1} = 1 | h_k) = σ(Wᵀ h_k + b)        (downward, generation)
 * Batches are row-major: one configuration per row.
 */
import type { Backend, FloatArray, Matrix } from '@rgdl/gpu-kernels';
import { softplus } from './numeric.js';

/** A layer whose couplings are stored as A (Float64Array normally; Float32Array for f32 training). */
export interface LayerView<A extends FloatArray = Float64Array> {
  readonly W: Matrix<A>;
  readonly a: Float64Array;
  readonly b: Float64Array;
}

/** Upward field W h_{k−1} + a for a batch (batch × n_k). Inputs may be real-valued. */
export function upwardField<A extends FloatArray>(be: Backend, layer: LayerView<A>, lower: Matrix<A>): Matrix<A> {
  return be.matmulAddBias(lower, layer.W, layer.a, { transB: true });
}

/** Downward field Wᵀ h_k + b for a batch (batch × n_{k−1}). y may be real-valued. */
export function downwardField<A extends FloatArray>(be: Backend, layer: LayerView<A>, upper: Matrix<A>): Matrix<A> {
  return be.matmulAddBias(upper, layer.W, layer.b);
}

/** t(h_k = 1 | h_{k−1}) = σ(W h_{k−1} + a), batch × n_k. */
export function upwardProbabilities<A extends FloatArray>(
  be: Backend,
  layer: LayerView<A>,
  lower: Matrix<A>,
): Matrix<A> {
  return be.sigmoid(upwardField(be, layer, lower));
}

/** t(h_{k−1} = 1 | h_k) = σ(Wᵀ h_k + b), batch × n_{k−1}. */
export function downwardProbabilities<A extends FloatArray>(
  be: Backend,
  layer: LayerView<A>,
  upper: Matrix<A>,
): Matrix<A> {
  return be.sigmoid(downwardField(be, layer, upper));
}

/**
 * log t(h | field) = Σ_j [h_j u_j − softplus(u_j)] for a factorised Bernoulli with
 * logits u, for each row (h and u batch × n).
 */
export function logBernoulliRows(h: Matrix<Float64Array>, u: Matrix<Float64Array>): Float64Array {
  const out = new Float64Array(h.rows);
  const n = h.cols;
  for (let r = 0; r < h.rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      const v = u.data[r * n + j]!;
      s += h.data[r * n + j]! * v - softplus(v);
    }
    out[r] = s;
  }
  return out;
}
