/**
 * Classification (eq. 2) and generation (eq. 9) propagation through a deep RBM,
 * exact (full distributions over 2^{n_k} states) and sampled (ancestral).
 *
 *   q_0 = δ(h_0, x),  q_k(h_k|x) = Σ_{h_{k−1}} t_k(h_k|h_{k−1}) q_{k−1}(h_{k−1}|x)
 *   q̃_N = δ(h_N, y),  q̃_{k−1}(h_{k−1}|y) = Σ_{h_k} t_k(h_{k−1}|h_k) q̃_k(h_k|y)
 *
 * Exact distributions are batch × 2^{n_k} row-major matrices indexed by state
 * (bit i of the index = unit i). Memory: 8·batch·2^{n_k} bytes for the layer
 * carried, plus one transfer chunk of ≈16 MB; time O(batch·2^{n_{k−1}+n_k}).
 */
import { matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { downwardField, upwardField } from './conditionals.js';
import { widths, type DeepRbm } from './deep-rbm.js';
import type { RbmLayer } from './layer.js';
import { softplusSum } from './numeric.js';
import { chunkRows, stateBlock } from './states.js';
import { assertEnumerable } from './enumerable.js';

/** Direction of travel: 'up' = classification (x → y), 'down' = generation (y → x). */
export type Direction = 'up' | 'down';

function field(be: Backend, layer: RbmLayer, from: Matrix<Float64Array>, dir: Direction): Matrix<Float64Array> {
  return dir === 'up' ? upwardField(be, layer, from) : downwardField(be, layer, from);
}

/**
 * Product distribution over 2^n states from per-unit probabilities (rows × n →
 * rows × 2^n): P(s) = Π_i p_i^{s_i} (1 − p_i)^{1−s_i}.
 */
export function productDistribution(p: Matrix<Float64Array>): Matrix<Float64Array> {
  const n = p.cols;
  assertEnumerable(n, 'partition', 'productDistribution');
  const size = 2 ** n;
  const out = matrix(p.rows, size);
  for (let r = 0; r < p.rows; r++) {
    const o = r * size;
    out.data[o] = 1;
    let len = 1;
    for (let i = 0; i < n; i++) {
      const pi = p.data[r * n + i]!;
      for (let s = 0; s < len; s++) {
        const v = out.data[o + s]!;
        out.data[o + s + len] = v * pi;
        out.data[o + s] = v * (1 - pi);
      }
      len *= 2;
    }
  }
  return out;
}

/**
 * One exact step: given the distribution Q over 2^{n_from} states (batch rows),
 * returns Q·T with T[s, s'] = t(h_to = s' | h_from = s) for the layer and direction.
 */
export function exactStep(
  be: Backend,
  layer: RbmLayer,
  dist: Matrix<Float64Array>,
  dir: Direction,
): Matrix<Float64Array> {
  const nFrom = dir === 'up' ? layer.W.cols : layer.W.rows;
  const nTo = dir === 'up' ? layer.W.rows : layer.W.cols;
  assertEnumerable(nFrom, 'partition', 'exactStep (source layer)');
  assertEnumerable(nTo, 'partition', 'exactStep (target layer)');
  const from = 2 ** nFrom;
  const to = 2 ** nTo;
  if (dist.cols !== from) throw new RangeError(`distribution has ${dist.cols} states, layer side has 2^${nFrom}`);
  const out = matrix(dist.rows, to);
  const step = chunkRows(from, to);
  for (let s0 = 0; s0 < from; s0 += step) {
    const count = Math.min(step, from - s0);
    const states = stateBlock(nFrom, s0, count);
    const T = productDistribution(be.sigmoid(field(be, layer, states, dir)));
    // Q[:, s0:s0+count]
    const q = matrix(dist.rows, count);
    for (let r = 0; r < dist.rows; r++) q.data.set(dist.data.subarray(r * from + s0, r * from + s0 + count), r * count);
    const part = be.matmul(q, T);
    for (let i = 0; i < out.data.length; i++) out.data[i]! += part.data[i]!;
  }
  return out;
}

/**
 * Exact classification: q_k(h_k | x) for k = 1…N for each row of x (batch × n_0).
 * x may be real-valued. Returns [q_1, …, q_N], each batch × 2^{n_k}.
 * @throws RangeError if some n_k (k ≥ 1) exceeds the 'partition' enumeration limit.
 */
export function classifyExact(be: Backend, net: DeepRbm, x: Matrix<Float64Array>): Matrix<Float64Array>[] {
  checkInput(net, x, 0, 'x');
  const out: Matrix<Float64Array>[] = [];
  let dist = productDistribution(be.sigmoid(upwardField(be, net.layers[0]!, x)));
  out.push(dist);
  for (let k = 1; k < net.layers.length; k++) {
    dist = exactStep(be, net.layers[k]!, dist, 'up');
    out.push(dist);
  }
  return out;
}

/**
 * Exact generation: q̃_k(h_k | y) for k = N−1 … 0 for each row of y (batch × n_N);
 * y may be real-valued (probabilities, poisoned outputs). Returns
 * [q̃_{N−1}, …, q̃_0], each batch × 2^{n_k}.
 */
export function generateExact(be: Backend, net: DeepRbm, y: Matrix<Float64Array>): Matrix<Float64Array>[] {
  const N = net.layers.length;
  checkInput(net, y, N, 'y');
  const out: Matrix<Float64Array>[] = [];
  let dist = productDistribution(be.sigmoid(downwardField(be, net.layers[N - 1]!, y)));
  out.push(dist);
  for (let k = N - 2; k >= 0; k--) {
    dist = exactStep(be, net.layers[k]!, dist, 'down');
    out.push(dist);
  }
  return out;
}

function checkInput(net: DeepRbm, m: Matrix<Float64Array>, level: number, name: string): void {
  const w = widths(net)[level]!;
  if (m.cols !== w)
    throw new RangeError(`${name} has ${m.cols} columns but the network's layer ${level} has width ${w}`);
}

export interface SampledPropagation {
  /**
   * Samples of each layer in travel order: for 'up', [h_1, …, h_N]; for 'down',
   * [h_{N−1}, …, h_0]. Each is (batch·samples) × n_k; row r·samples + s is
   * sample s of input row r.
   */
  readonly samples: Matrix<Float64Array>[];
  /** Conditional probabilities that produced each sample (same layout). */
  readonly probabilities: Matrix<Float64Array>[];
}

/** Repeats each row `times` times (row r → rows r·times … r·times+times−1). */
export function repeatRows(m: Matrix<Float64Array>, times: number): Matrix<Float64Array> {
  const out = matrix(m.rows * times, m.cols);
  for (let r = 0; r < m.rows; r++) {
    const row = m.data.subarray(r * m.cols, (r + 1) * m.cols);
    for (let s = 0; s < times; s++) out.data.set(row, (r * times + s) * m.cols);
  }
  return out;
}

/**
 * Ancestral sampling along the classification ('up') or generation ('down')
 * chain, `samples` independent chains per input row, `steps` layers deep
 * (default all N). Each step draws exactly from t_k's factorised conditional.
 */
export function propagateSampled(
  be: Backend,
  net: DeepRbm,
  input: Matrix<Float64Array>,
  dir: Direction,
  rng: Rng,
  options: { samples?: number; steps?: number } = {},
): SampledPropagation {
  const N = net.layers.length;
  checkInput(net, input, dir === 'up' ? 0 : N, dir === 'up' ? 'x' : 'y');
  const S = options.samples ?? 1;
  const steps = options.steps ?? N;
  let cur = S === 1 ? input : repeatRows(input, S);
  const samples: Matrix<Float64Array>[] = [];
  const probabilities: Matrix<Float64Array>[] = [];
  for (let t = 0; t < steps; t++) {
    const layer = net.layers[dir === 'up' ? t : N - 1 - t]!;
    const p = be.sigmoid(field(be, layer, cur, dir));
    cur = be.sampleBernoulli(p, rng);
    probabilities.push(p);
    samples.push(cur);
  }
  return { samples, probabilities };
}

/**
 * Output-unit marginals E[y_j | x] = Σ_y y_j q_N(y|x) (batch × n_N): exact when
 * every hidden width is enumerable and `samples` is not given; otherwise the
 * Rao–Blackwellised Monte Carlo estimate E_{h_{N−1}}[σ(W_N h_{N−1} + a_N)] over
 * `samples` ancestral draws of h_{N−1} per input.
 */
export function outputMarginals(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  options: { samples?: number; rng?: Rng } = {},
): Matrix<Float64Array> {
  const N = net.layers.length;
  const top = net.layers[N - 1]!;
  if (N === 1) return be.sigmoid(upwardField(be, top, x));
  if (options.samples === undefined) {
    const hidden = classifyExactHidden(be, net, x);
    // E[σ(W h + a)] under q_{N−1}
    const n = 2 ** top.W.cols;
    const sig = be.sigmoid(upwardField(be, top, stateBlock(top.W.cols, 0, n)));
    return be.matmul(hidden, sig);
  }
  if (options.rng === undefined) throw new RangeError('outputMarginals: sampled estimate needs an rng');
  const S = options.samples;
  const { samples } = propagateSampled(be, net, x, 'up', options.rng, { samples: S, steps: N - 1 });
  const p = be.sigmoid(upwardField(be, top, samples[N - 2]!));
  return averageGroups(p, S);
}

/** q_{N−1}(h_{N−1} | x) exactly (batch × 2^{n_{N−1}}). */
function classifyExactHidden(be: Backend, net: DeepRbm, x: Matrix<Float64Array>): Matrix<Float64Array> {
  const N = net.layers.length;
  const sub: DeepRbm = { layers: net.layers.slice(0, N - 1) };
  const dists = classifyExact(be, sub, x);
  return dists[dists.length - 1]!;
}

/** Averages consecutive groups of `size` rows. */
export function averageGroups(m: Matrix<Float64Array>, size: number): Matrix<Float64Array> {
  const rows = m.rows / size;
  const out = matrix(rows, m.cols);
  for (let r = 0; r < m.rows; r++) {
    const o = Math.floor(r / size) * m.cols;
    for (let j = 0; j < m.cols; j++) out.data[o + j]! += m.data[r * m.cols + j]! / size;
  }
  return out;
}

/**
 * Class probabilities P(c | x) = q_N(e_c | x) / Σ_{c'} q_N(e_{c'} | x) over
 * the one-hot outputs e_c (batch × n_N). Exact, or Rao–Blackwellised over
 * `samples` draws of h_{N−1}: q_N(e_c|x) ≈ mean_s exp(u_c − Σ_j softplus(u_j)),
 * u = W_N h_{N−1} + a_N.
 */
export function classProbabilities(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  options: { samples?: number; rng?: Rng } = {},
): Matrix<Float64Array> {
  const N = net.layers.length;
  const top = net.layers[N - 1]!;
  const nOut = top.W.rows;
  // log t_N(y = e_c | h) = u_c − Σ_j softplus(u_j), u = W_N h + a_N
  const logOneHot = (u: Matrix<Float64Array>): Matrix<Float64Array> => {
    const out = matrix(u.rows, nOut);
    for (let r = 0; r < u.rows; r++) {
      const sp = softplusSum(u.data, r * nOut, nOut);
      for (let c = 0; c < nOut; c++) out.data[r * nOut + c] = u.data[r * nOut + c]! - sp;
    }
    return out;
  };
  /** exp(m − shift) with shift = max over rows in each group of `size` (constant per input row). */
  const expShifted = (m: Matrix<Float64Array>, size: number): Matrix<Float64Array> => {
    const out = matrix(m.rows, m.cols);
    for (let g = 0; g < m.rows; g += size) {
      let max = -Infinity;
      for (let i = g * m.cols; i < (g + size) * m.cols; i++) max = Math.max(max, m.data[i]!);
      for (let i = g * m.cols; i < (g + size) * m.cols; i++) out.data[i] = Math.exp(m.data[i]! - max);
    }
    return out;
  };
  let oneHot: Matrix<Float64Array>; // q_N(e_c | x) up to a constant per row
  if (N === 1) {
    oneHot = expShifted(logOneHot(upwardField(be, top, x)), 1);
  } else if (options.samples === undefined) {
    const hidden = classifyExactHidden(be, net, x);
    const n = 2 ** top.W.cols;
    // one global shift keeps the mixture Σ_s q(s) e^{l_c(s)} exact up to a constant
    const perState = expShifted(logOneHot(upwardField(be, top, stateBlock(top.W.cols, 0, n))), n);
    oneHot = be.matmul(hidden, perState);
  } else {
    if (options.rng === undefined) throw new RangeError('classProbabilities: sampled estimate needs an rng');
    const S = options.samples;
    const { samples } = propagateSampled(be, net, x, 'up', options.rng, { samples: S, steps: N - 1 });
    oneHot = averageGroups(expShifted(logOneHot(upwardField(be, top, samples[N - 2]!)), S), S);
  }
  for (let r = 0; r < oneHot.rows; r++) {
    let s = 0;
    for (let c = 0; c < nOut; c++) s += oneHot.data[r * nOut + c]!;
    // a NaN (from a NaN parameter) must show, not turn into a uniform answer
    for (let c = 0; c < nOut; c++)
      oneHot.data[r * nOut + c] = s > 0 ? oneHot.data[r * nOut + c]! / s : Number.isNaN(s) ? Number.NaN : 1 / nOut;
  }
  return oneHot;
}

/** argmax of each row. */
export function argmaxRows(m: Matrix<Float64Array>): Int32Array {
  const out = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let best = 0;
    for (let j = 1; j < m.cols; j++) if (m.data[r * m.cols + j]! > m.data[r * m.cols + best]!) best = j;
    out[r] = best;
  }
  return out;
}
