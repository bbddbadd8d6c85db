/**
 * Fisher information of the generation network by the RG chain rule (eq. 20–23):
 *   J = T̃^{(1)} ⋯ T̃^{(N−1)} ∂g̃^{(N−1)}/∂y,   ∂g̃_i^{(N−1)}/∂y_j = −W_N[j, i]/2,
 *   F̃ = Jᵀ Cov_{q̃_0}(O) J,
 * with the stability matrices exact or MCRG in a chosen operator set per level.
 * With complete bases and exact T̃ this equals the exact FIM.
 */
import { matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { allStates, generateExact, propagateSampled, widths, type DeepRbm } from '@rgdl/rbm';
import {
  evaluateOperators,
  exactStabilityMatrix,
  mcrgStabilityMatrix,
  operatorsFor,
  singularValues,
  type OperatorChoice,
  type OperatorSet,
} from './rg-imports.js';
import { covarianceOf, symmetrise } from './moments.js';

export interface RgChainOptions {
  /** 'exact' stability matrices (levels ≤ 16 units) or 'mcrg'. */
  readonly stability: 'exact' | 'mcrg';
  /** Operators per level (default 'singles'; 'complete' reproduces the exact FIM). */
  readonly operators?: OperatorChoice;
  /** MCRG samples (default 20000). */
  readonly samples?: number;
  readonly rng?: Rng;
}

export interface RgChainResult {
  readonly F: Matrix<Float64Array>;
  /** J = ∂g̃^{(0)}/∂y in the level-0 operator set (|ops_0| × n_N). */
  readonly J: Matrix<Float64Array>;
  /** Top singular value of each cumulative product T̃^{(k)}⋯T̃^{(N−1)}, k = N−1…1. */
  readonly productTopSingularValues: number[];
}

/** ∂g̃^{(N−1)}/∂y: −W_N[j, i]/2 on the single-spin operators s_i, 0 on the rest. */
function topDerivative(net: DeepRbm, ops: OperatorSet): Matrix<Float64Array> {
  const top = net.layers[net.layers.length - 1]!;
  const nOut = top.W.rows;
  const nHid = top.W.cols;
  const D = matrix(ops.operators.length, nOut);
  ops.operators.forEach((op, a) => {
    if (op.terms.length !== 1 || op.terms[0]!.length !== 1) return;
    const i = op.terms[0]![0]!;
    for (let j = 0; j < nOut; j++) D.data[a * nOut + j] = -top.W.data[j * nHid + i]! / 2;
  });
  return D;
}

/** Generation FIM F̃(y) by the RG chain rule. */
export function rgChainFisher(be: Backend, net: DeepRbm, y: Float64Array, options: RgChainOptions): RgChainResult {
  const N = net.layers.length;
  const w = widths(net);
  if (y.length !== w[N]) throw new RangeError(`y has ${y.length} entries, the output layer has ${w[N]}`);
  const choice = options.operators ?? 'singles';
  const ops = w.map((n) => operatorsFor(choice, n));
  const yRow = matrix(1, y.length, Float64Array.from(y));
  let J = topDerivative(net, ops[N - 1]!);
  const productTop: number[] = [];
  let P: Matrix<Float64Array> | undefined; // T̃^{(k)} ⋯ T̃^{(N−1)}
  const accumulate = (T: Matrix<Float64Array>) => {
    J = be.matmul(T, J);
    P = P === undefined ? T : be.matmul(T, P);
    productTop.push(singularValues(be, P)[0]!);
  };
  let cov: Matrix<Float64Array>;
  if (options.stability === 'exact') {
    const dists = generateExact(be, net, yRow); // [q̃_{N−1}, …, q̃_0]
    for (let k = N - 1; k >= 1; k--) {
      accumulate(exactStabilityMatrix(be, net.layers[k - 1]!, dists[N - 1 - k]!.data, 'down', ops[k]!, ops[k - 1]!));
    }
    const q0 = dists[N - 1]!.data;
    const O = evaluateOperators(ops[0]!, allStates(w[0]!)); // 2^{n_0} × |ops|
    cov = covarianceOf(O, q0);
  } else {
    if (!options.rng) throw new RangeError('rgChainFisher: MCRG stability matrices need an rng');
    const S = options.samples ?? 20000;
    // one set of chains from y gives every level: [h_{N−1}, …, h_0]
    const { samples } = propagateSampled(be, net, yRow, 'down', options.rng, { samples: S });
    for (let k = N - 1; k >= 1; k--) {
      const source = samples[N - 1 - k]!;
      const target = samples[N - k]!;
      accumulate(mcrgStabilityMatrix(be, { source, target, sourceOps: ops[k]!, targetOps: ops[k - 1]!, blocks: 1 }).T);
    }
    cov = be.covariance(evaluateOperators(ops[0]!, samples[N - 1]!));
  }
  const F = be.matmul(be.matmul(J, cov, { transA: true }), J);
  symmetrise(F);
  return { F, J, productTopSingularValues: productTop };
}
