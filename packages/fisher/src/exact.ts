/**
 * Exact Fisher information by enumeration (estimator 1 of docs/math.md §8):
 * the joint P(h_first, end) is carried exactly through the chain, giving the
 * posterior means E[h_first | end] for every end state and their covariance
 * under the end distribution. Cost O(2^{n_first} · Σ_k 2^{n_k} · 2^{n_{k+1}}).
 */
import { matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import {
  assertEnumerable,
  discreteKl,
  exactStep,
  productDistribution,
  stateBlock,
  type DeepRbm,
  type Direction,
} from '@rgdl/rbm';
import { chainOf, firstField, inputJacobian, sandwich } from './chain.js';
import { covarianceOf } from './moments.js';

export interface ExactEnd {
  /** End distribution (2^{n_end}). */
  readonly q: Float64Array;
  /** E[h_first | end = s] as 2^{n_end} × n_first. */
  readonly posteriorMean: Matrix<Float64Array>;
}

/** The end distribution and posterior means of the first level, exactly. */
export function exactEnd(be: Backend, net: DeepRbm, input: Float64Array, direction: Direction): ExactEnd {
  const chain = chainOf(net, direction);
  if (input.length !== chain.inputWidth)
    throw new RangeError(
      `input has ${input.length} entries, the ${direction === 'down' ? 'output' : 'input'} layer has ${chain.inputWidth}`,
    );
  const widest = Math.max(chain.firstWidth, ...chain.rest.map((l) => Math.max(l.W.rows, l.W.cols)));
  assertEnumerable(widest, 'fisher', 'exact Fisher information (every level of the chain)');
  const nf = chain.firstWidth;
  const p = be.sigmoid(firstField(be, chain, matrix(1, input.length, input)));
  const qFirst = productDistribution(p).data; // 2^{nf}
  // rows: first-level states s, weighted by q(s): P(s, ·) after each layer
  const F = 2 ** nf;
  let joint = matrix(F, F);
  for (let s = 0; s < F; s++) joint.data[s * F + s] = qFirst[s]!;
  for (const layer of chain.rest) joint = exactStep(be, layer, joint, direction);
  const E = joint.cols;
  const q = new Float64Array(E);
  for (let s = 0; s < F; s++) for (let e = 0; e < E; e++) q[e]! += joint.data[s * E + e]!;
  const states = stateBlock(nf, 0, F); // F × nf
  const mean = be.matmul(joint, states, { transA: true }); // E × nf: Σ_s P(s, e) h(s)
  for (let e = 0; e < E; e++)
    for (let i = 0; i < nf; i++) mean.data[e * nf + i] = q[e]! > 0 ? mean.data[e * nf + i]! / q[e]! : 0;
  return { q, posteriorMean: mean };
}

/**
 * Exact FIM of the end distribution with respect to the input:
 * generation F̃(y) (n_N × n_N) or classification F(x) (n_0 × n_0).
 * @throws RangeError if a level is too wide for the 'fisher' enumeration limit.
 */
export function exactFisher(
  be: Backend,
  net: DeepRbm,
  input: Float64Array,
  direction: Direction,
): Matrix<Float64Array> {
  const chain = chainOf(net, direction);
  const { q, posteriorMean: m } = exactEnd(be, net, input, direction);
  const C = covarianceOf(m, q); // Cov_q(E[h_first | end])
  return sandwich(be, inputJacobian(chain), C);
}

/** D_KL(q_end(·|a) ‖ q_end(·|b)) exactly (first line of eq. 20 for generation). */
export function exactKl(be: Backend, net: DeepRbm, a: Float64Array, b: Float64Array, direction: Direction): number {
  const pa = exactEnd(be, net, a, direction).q;
  const pb = exactEnd(be, net, b, direction).q;
  return discreteKl(pa, pb);
}
