/**
 * The two directions of a deep RBM seen as a chain whose first step depends on
 * the input linearly and factorises:
 *   generation (input y):     h_{N−1} ~ σ(W_Nᵀ y + b_N), then down to x = h_0;
 *   classification (input x): h_1 ~ σ(W_1 x + a_1),     then up to y = h_N.
 * With φ the first step's field and G = ∂φ/∂input (transposed), the score of
 * the end distribution is G (E[h_first | end] − σ(φ)), so the Fisher information
 * of the end distribution with respect to the input is
 *   F = G · Cov_end(E[h_first | end]) · Gᵀ.
 */
import { transpose, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { downwardField, upwardField, type DeepRbm, type Direction, type RbmLayer } from '@rgdl/rbm';
import { symmetrise } from './moments.js';

export interface Chain {
  readonly direction: Direction;
  /** The layer the input enters. */
  readonly first: RbmLayer;
  /** Remaining layers in travel order. */
  readonly rest: RbmLayer[];
  /** Width of the input. */
  readonly inputWidth: number;
  /** Width of the first level reached (h_{N−1} or h_1). */
  readonly firstWidth: number;
  /** Width of the end level (x or y). */
  readonly endWidth: number;
}

export function chainOf(net: DeepRbm, direction: Direction): Chain {
  const N = net.layers.length;
  const first = direction === 'down' ? net.layers[N - 1]! : net.layers[0]!;
  const rest = direction === 'down' ? net.layers.slice(0, N - 1).reverse() : net.layers.slice(1);
  const inputWidth = direction === 'down' ? first.W.rows : first.W.cols;
  const firstWidth = direction === 'down' ? first.W.cols : first.W.rows;
  const last = rest[rest.length - 1];
  const endWidth = last === undefined ? firstWidth : direction === 'down' ? last.W.cols : last.W.rows;
  return { direction, first, rest, inputWidth, firstWidth, endWidth };
}

/** First-step field φ for input rows: W_Nᵀ y + b_N (down) or W_1 x + a_1 (up). */
export function firstField(be: Backend, chain: Chain, input: Matrix<Float64Array>): Matrix<Float64Array> {
  return chain.direction === 'down' ? downwardField(be, chain.first, input) : upwardField(be, chain.first, input);
}

/** G with F = G C Gᵀ: W_N (n_N × n_{N−1}) for generation, W_1ᵀ (n_0 × n_1) for classification. */
export function inputJacobian(chain: Chain): Matrix<Float64Array> {
  return chain.direction === 'down' ? chain.first.W : transpose(chain.first.W);
}

/** F = G C Gᵀ, symmetrised. */
export function sandwich(be: Backend, G: Matrix<Float64Array>, C: Matrix<Float64Array>): Matrix<Float64Array> {
  const F = be.matmul(be.matmul(G, C), G, { transB: true });
  symmetrise(F);
  return F;
}
