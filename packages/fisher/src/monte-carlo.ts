/**
 * Monte Carlo Fisher information (estimator 3 of docs/math.md §8) for levels too
 * wide to enumerate. F = G · Cov_end(E[h_first | end]) · Gᵀ (see chain.ts), with
 * the posterior mean E[h_first | end] estimated by self-normalised importance
 * sampling over a pool of M chains drawn from the input (prior) side:
 *   generation:     end x_s ~ q̃_0(·|y) (S ancestral draws); pool (h_{N−1}, …, h_1)^{(m)};
 *                   weight t_1(x_s | h_1^{(m)}) (exact factorised likelihood);
 *   classification: end y enumerated over all 2^{n_N} states; pool (h_1, …, h_{N−1})^{(m)}
 *                   from x; q_N(y) ≈ mean_m t_N(y | h_{N−1}^{(m)}).
 * The pool is split into two independent halves A and B and the covariance is
 * taken as the symmetrised cross-covariance of the two estimates m̂_A, m̂_B: the
 * importance-sampling noise of each is independent of the other, so it does not
 * add to the variance (a single pool biases F upward by G·E[Var(m̂)]·Gᵀ).
 * Self-normalised weights keep an O(1/M) bias; the mean effective sample size is
 * reported. Error bars: F is recomputed on
 * `batches` disjoint groups of end samples (generation) or pool chains
 * (classification) and the standard error of the mean is returned.
 */
import { matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { assertEnumerable, propagateSampled, softplusSum, stateBlock, type DeepRbm, type Direction } from '@rgdl/rbm';
import { chainOf, inputJacobian, sandwich } from './chain.js';
import { covarianceOf } from './moments.js';

export interface MonteCarloOptions {
  readonly rng: Rng;
  /** End samples S (generation; default 2000). */
  readonly samples?: number;
  /** Importance-sampling pool M per batch (default 4096; B·M chains in all). */
  readonly pool?: number;
  /** Groups for the standard error (default 8). */
  readonly batches?: number;
}

export interface MonteCarloFisher {
  readonly F: Matrix<Float64Array>;
  /** Element-wise standard error from the spread over batches. */
  readonly stderr: Matrix<Float64Array>;
  /** Mean effective sample size (Σw)²/Σw² of the importance weights. */
  readonly meanEffectiveSamples: number;
}

/** log t(v | u) = Σ_j v_j u_j − softplus(u_j) for every pair: rows of V × rows of U. */
function logLikelihoodMatrix(be: Backend, V: Matrix<Float64Array>, U: Matrix<Float64Array>): Matrix<Float64Array> {
  const out = be.matmul(V, U, { transB: true }); // V·Uᵀ
  const c = new Float64Array(U.rows);
  for (let m = 0; m < U.rows; m++) {
    c[m] = softplusSum(U.data, m * U.cols, U.cols);
  }
  for (let r = 0; r < out.rows; r++) for (let m = 0; m < out.cols; m++) out.data[r * out.cols + m]! -= c[m]!;
  return out;
}

/** Per row: normalised weights w = softmax(log w) and ESS. */
function normalise(logw: Matrix<Float64Array>): { w: Matrix<Float64Array>; ess: Float64Array } {
  const w = matrix(logw.rows, logw.cols);
  const ess = new Float64Array(logw.rows);
  for (let r = 0; r < logw.rows; r++) {
    let max = -Infinity;
    for (let m = 0; m < logw.cols; m++) max = Math.max(max, logw.data[r * logw.cols + m]!);
    let s = 0;
    let s2 = 0;
    for (let m = 0; m < logw.cols; m++) {
      const v = Math.exp(logw.data[r * logw.cols + m]! - max);
      w.data[r * logw.cols + m] = v;
      s += v;
      s2 += v * v;
    }
    for (let m = 0; m < logw.cols; m++) w.data[r * logw.cols + m]! /= s;
    ess[r] = (s * s) / s2;
  }
  return { w, ess };
}

/** Rows [0, M/2) and [M/2, M). */
function halves(m: Matrix<Float64Array>): [Matrix<Float64Array>, Matrix<Float64Array>] {
  return [sliceRows(m, 0, 2), sliceRows(m, 1, 2)];
}

/** The mean of B estimates and its element-wise standard error (spread over the B, divided by √B). */
export function meanAndError(
  be: Backend,
  parts: Matrix<Float64Array>[],
): { mean: Matrix<Float64Array>; stderr: Matrix<Float64Array> } {
  const B = parts.length;
  const mean = matrix(parts[0]!.rows, parts[0]!.cols);
  for (const p of parts) for (let i = 0; i < mean.data.length; i++) mean.data[i]! += p.data[i]! / B;
  const stderr = matrix(mean.rows, mean.cols);
  if (B > 1) {
    for (let i = 0; i < mean.data.length; i++) {
      let s = 0;
      for (const p of parts) s += (p.data[i]! - mean.data[i]!) ** 2;
      stderr.data[i] = Math.sqrt(s / (B - 1) / B);
    }
  }
  void be;
  return { mean, stderr };
}

/**
 * Monte Carlo FIM of the end distribution with respect to the input
 * (generation: y → x; classification: x → y, needs n_N ≤ 16).
 */
export function monteCarloFisher(
  be: Backend,
  net: DeepRbm,
  input: Float64Array,
  direction: Direction,
  options: MonteCarloOptions,
): MonteCarloFisher {
  const chain = chainOf(net, direction);
  if (input.length !== chain.inputWidth)
    throw new RangeError(`input has ${input.length} entries, expected ${chain.inputWidth}`);
  const N = net.layers.length;
  const M = options.pool ?? 4096;
  const B = Math.max(1, options.batches ?? 8);
  const G = inputJacobian(chain);
  const row = matrix(1, input.length, Float64Array.from(input));
  const pool = propagateSampled(be, net, row, direction, options.rng, { samples: M * B, steps: N === 1 ? 1 : N - 1 });
  const hFirst = pool.samples[0]!; // M × n_first
  let essSum = 0;
  let essCount = 0;
  const parts: Matrix<Float64Array>[] = [];
  if (direction === 'down') {
    const S = options.samples ?? 2000;
    const ends = propagateSampled(be, net, row, 'down', options.rng, { samples: S }).samples[N - 1]!; // S × n_0
    if (N === 1) {
      // the first level is the end: E[h | x] = x
      for (let b = 0; b < B; b++) parts.push(sandwich(be, G, covarianceOf(sliceRows(ends, b, B))));
    } else {
      const h1 = pool.samples[N - 2]!; // pool's h_1 (B·M × n_1)
      const U = be.matmulAddBias(h1, net.layers[0]!.W, net.layers[0]!.b); // fields of t_1(x | h_1)
      for (let b = 0; b < B; b++) {
        const [uA, uB] = halves(sliceRows(U, b, B));
        const [fA, fB] = halves(sliceRows(hFirst, b, B));
        const xs = sliceRows(ends, b, B);
        const a = normalise(logLikelihoodMatrix(be, xs, uA));
        const c = normalise(logLikelihoodMatrix(be, xs, uB));
        for (const e of a.ess) essSum += e;
        essCount += a.ess.length;
        parts.push(sandwich(be, G, covarianceOf(be.matmul(a.w, fA), undefined, be.matmul(c.w, fB))));
      }
    }
  } else {
    const top = net.layers[N - 1]!;
    const nOut = top.W.rows;
    assertEnumerable(nOut, 'outputs', 'classification Monte Carlo (the output units)');
    const ys = stateBlock(nOut, 0, 2 ** nOut);
    const hLast = N === 1 ? undefined : pool.samples[N - 2]!;
    for (let b = 0; b < B; b++) {
      const first = N === 1 ? undefined : sliceRows(hFirst, b, B);
      if (N === 1 || first === undefined || hLast === undefined) {
        // end = h_1 itself: C = diag(σ(1 − σ)) from the field
        const p = pool.probabilities[0]!;
        const C = matrix(p.cols, p.cols);
        for (let i = 0; i < p.cols; i++) C.data[i * p.cols + i] = p.data[i]! * (1 - p.data[i]!);
        parts.push(sandwich(be, G, C));
        continue;
      }
      const last = sliceRows(hLast, b, B);
      const U = be.matmulAddBias(last, top.W, top.a, { transB: true }); // fields of t_N(y | h_{N−1})
      const logT = logLikelihoodMatrix(be, ys, U); // 2^{nOut} × m
      // q(y) ∝ Σ_m t(y|h_m) over the whole group: log-sum-exp per y
      const lse = be.logSumExp(logT);
      let max = -Infinity;
      for (const v of lse) max = Math.max(max, v);
      const qy = lse.map((v) => Math.exp(v - max));
      const z = qy.reduce((a, v) => a + v, 0);
      for (let i = 0; i < qy.length; i++) qy[i]! /= z;
      // posterior means from the two halves of the group
      const [lA, lB] = halves(logLikelihoodMatrix(be, ys, U).data.length ? transposeRows(logT) : logT);
      const [fA, fB] = halves(first);
      const mA = be.matmul(normalise(transposeRows(lA)).w, fA);
      const mB = be.matmul(normalise(transposeRows(lB)).w, fB);
      parts.push(sandwich(be, G, covarianceOf(mA, qy, mB)));
    }
  }
  const { mean, stderr } = meanAndError(be, parts);
  return { F: mean, stderr, meanEffectiveSamples: essCount > 0 ? essSum / essCount : NaN };
}

/** Transpose (rows ↔ columns). */
function transposeRows(m: Matrix<Float64Array>): Matrix<Float64Array> {
  const out = matrix(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  return out;
}

function sliceRows(m: Matrix<Float64Array>, b: number, B: number): Matrix<Float64Array> {
  const r0 = Math.floor((b * m.rows) / B);
  const r1 = Math.floor(((b + 1) * m.rows) / B);
  return { rows: r1 - r0, cols: m.cols, data: m.data.slice(r0 * m.cols, r1 * m.cols) };
}
