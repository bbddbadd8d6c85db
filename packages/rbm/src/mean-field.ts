/**
 * The deterministic mean-field pass of a deep RBM (docs/math.md §3):
 *   μ_0 = x,   μ_k = σ(W_k μ_{k−1} + a_k)   (k = 1 … N−1),
 *   z = W_N μ_{N−1} + a_N,   P_MF(c | x) = softmax(z)_c.
 * For N = 1 it is exactly eq. 2's P(c|x) (the log-normaliser Σ_j softplus(z_j)
 * is common to all classes). For N > 1 it replaces the average over h_{N−1} in
 * eq. 2 by its mean; it is what fine-tuning differentiates, while accuracy is
 * always reported by eq. 2 itself beside it.
 */
import { matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { upwardField } from './conditionals.js';
import type { DeepRbm } from './deep-rbm.js';

export interface MeanFieldPass {
  /** [μ_0 = x, μ_1, …, μ_{N−1}], each batch × n_k. */
  readonly activations: Matrix<Float64Array>[];
  /** Top-layer logits z = W_N μ_{N−1} + a_N, batch × n_N. */
  readonly logits: Matrix<Float64Array>;
}

/** Forward mean-field pass for a batch x (batch × n_0). */
export function meanFieldPass(be: Backend, net: DeepRbm, x: Matrix<Float64Array>): MeanFieldPass {
  const N = net.layers.length;
  const activations: Matrix<Float64Array>[] = [x];
  let cur = x;
  for (let k = 0; k < N - 1; k++) {
    cur = be.sigmoid(upwardField(be, net.layers[k]!, cur));
    activations.push(cur);
  }
  return { activations, logits: upwardField(be, net.layers[N - 1]!, cur) };
}

/** Row-wise softmax of logits (batch × C), stable. */
export function softmaxRows(z: Matrix<Float64Array>): Matrix<Float64Array> {
  const out = matrix(z.rows, z.cols);
  const C = z.cols;
  for (let r = 0; r < z.rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, z.data[r * C + c]!);
    let s = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(z.data[r * C + c]! - max);
      out.data[r * C + c] = e;
      s += e;
    }
    for (let c = 0; c < C; c++) out.data[r * C + c]! /= s;
  }
  return out;
}

/** P_MF(c | x) = softmax(W_N μ_{N−1} + a_N), batch × n_N. */
export function meanFieldProbabilities(be: Backend, net: DeepRbm, x: Matrix<Float64Array>): Matrix<Float64Array> {
  return softmaxRows(meanFieldPass(be, net, x).logits);
}
