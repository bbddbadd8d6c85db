/**
 * Energies, free energies and partition functions of one RBM (eq. 1):
 *   E(h, v) = −hᵀ W v − aᵀ h − bᵀ v,   Z = Σ_{h,v} e^{−E}
 *   F_lower(v) = −bᵀ v − Σ_j softplus((W v + a)_j)     (p(v) = e^{−F(v)}/Z)
 *   F_upper(h) = −aᵀ h − Σ_i softplus((Wᵀ h + b)_i)
 */
import { rngFor, createRng, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { downwardField, upwardField } from './conditionals.js';
import { lowerWidth, upperWidth, type RbmLayer } from './layer.js';
import { softplus, softplusSum } from './numeric.js';
import { chunkRows, stateBlock } from './states.js';
import { assertEnumerable } from './enumerable.js';

function rowDot(m: Matrix<Float64Array>, v: Float64Array, r: number): number {
  let s = 0;
  const o = r * m.cols;
  for (let j = 0; j < m.cols; j++) s += m.data[o + j]! * v[j]!;
  return s;
}

function softplusRowSums(be: Backend, field: Matrix<Float64Array>): Float64Array {
  const sp = be.softplus(field);
  const out = new Float64Array(field.rows);
  for (let r = 0; r < field.rows; r++) {
    let s = 0;
    for (let j = 0; j < field.cols; j++) s += sp.data[r * field.cols + j]!;
    out[r] = s;
  }
  return out;
}

/** E(h, v) for paired rows of upper h and lower v. */
export function energy(
  be: Backend,
  layer: RbmLayer,
  upper: Matrix<Float64Array>,
  lower: Matrix<Float64Array>,
): Float64Array {
  const wv = upwardField(be, layer, lower); // W v + a
  const out = new Float64Array(upper.rows);
  for (let r = 0; r < upper.rows; r++)
    out[r] = -rowDot(upper, wv.data.subarray(r * wv.cols, (r + 1) * wv.cols), r) - rowDot(lower, layer.b, r);
  return out;
}

/** F_lower(v) for each row v (batch × n_lower). */
export function freeEnergyLower(be: Backend, layer: RbmLayer, lower: Matrix<Float64Array>): Float64Array {
  const sp = softplusRowSums(be, upwardField(be, layer, lower));
  return sp.map((s, r) => -rowDot(lower, layer.b, r) - s);
}

/** F_upper(h) for each row h (batch × n_upper). */
export function freeEnergyUpper(be: Backend, layer: RbmLayer, upper: Matrix<Float64Array>): Float64Array {
  const sp = softplusRowSums(be, downwardField(be, layer, upper));
  return sp.map((s, r) => -rowDot(upper, layer.a, r) - s);
}

/** Streaming log Σ exp(x) over chunks. */
class LogSumExpAccumulator {
  #max = -Infinity;
  #sum = 0;
  add(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v > this.#max) {
        this.#sum = this.#sum * Math.exp(this.#max - v) + 1;
        this.#max = v;
      } else {
        this.#sum += Math.exp(v - this.#max);
      }
    }
  }
  get value(): number {
    return this.#max + Math.log(this.#sum);
  }
}

/**
 * Exact log Z by enumerating the narrower side (2^min(n_k, n_{k−1}) states, in
 * chunks of ≈2·10⁶ numbers). @throws RangeError when both sides exceed the 'partition' enumeration limit.
 */
export function logPartitionExact(be: Backend, layer: RbmLayer): number {
  const nu = upperWidth(layer);
  const nl = lowerWidth(layer);
  const upperSide = nu <= nl;
  const n = upperSide ? nu : nl;
  assertEnumerable(n, 'partition', 'logPartitionExact');
  const total = 2 ** n;
  const step = chunkRows(total, Math.max(nu, nl));
  const acc = new LogSumExpAccumulator();
  for (let s = 0; s < total; s += step) {
    const block = stateBlock(n, s, Math.min(step, total - s));
    const f = upperSide ? freeEnergyUpper(be, layer, block) : freeEnergyLower(be, layer, block);
    acc.add(f.map((x) => -x));
  }
  return acc.value;
}

/** Mean log p(v) over the rows of `data` given log Z. */
export function meanLogLikelihood(be: Backend, layer: RbmLayer, data: Matrix<Float64Array>, logZ: number): number {
  const f = freeEnergyLower(be, layer, data);
  let s = 0;
  for (const x of f) s += -x - logZ;
  return s / data.rows;
}

export interface AisOptions {
  /** Number of intermediate temperatures (default 1000). */
  readonly betas?: number;
  /** Independent AIS runs (default 100). */
  readonly runs?: number;
  /** Lower biases of the base-rate model (default: zero = uniform). */
  readonly baseLowerBias?: Float64Array;
  readonly rng?: Rng;
}

export interface AisEstimate {
  readonly logZ: number;
  /** Standard error of log Z from the spread of importance weights (delta method). */
  readonly stderr: number;
  readonly runs: number;
}

/**
 * Annealed importance sampling estimate of log Z (Salakhutdinov & Murray 2008):
 * anneal from the base-rate model p_A(v) ∝ e^{b_Aᵀv} (W = 0, a = 0) to the RBM
 * along p*_β(v) = e^{(1−β) b_Aᵀ v + β bᵀ v} Π_j (1 + e^{β (W v + a)_j}),
 * with one Gibbs sweep per temperature. log Z_A = Σ_i softplus(b_A,i) + n_k log 2.
 */
export function logPartitionAis(be: Backend, layer: RbmLayer, options: AisOptions = {}): AisEstimate {
  const nu = upperWidth(layer);
  const nl = lowerWidth(layer);
  const K = options.betas ?? 1000;
  const M = options.runs ?? 100;
  const rng = options.rng ?? rngFor('ais');
  const bA = options.baseLowerBias ?? new Float64Array(nl);
  if (bA.length !== nl) throw new RangeError(`baseLowerBias has ${bA.length} entries, expected ${nl}`);
  let logZA = nu * Math.LN2;
  logZA += softplusSum(bA);
  // v ~ p_A
  const pA = new Float64Array(M * nl);
  for (let r = 0; r < M; r++) for (let i = 0; i < nl; i++) pA[r * nl + i] = 1 / (1 + Math.exp(-bA[i]!));
  let v: Matrix<Float64Array> = be.sampleBernoulli({ rows: M, cols: nl, data: pA }, rng);
  const logw = new Float64Array(M);
  const logStar = (beta: number, vv: Matrix<Float64Array>, field: Matrix<Float64Array>): Float64Array => {
    const out = new Float64Array(M);
    for (let r = 0; r < M; r++) {
      let s = 0;
      for (let i = 0; i < nl; i++) s += vv.data[r * nl + i]! * ((1 - beta) * bA[i]! + beta * layer.b[i]!);
      for (let j = 0; j < nu; j++) s += softplus(beta * field.data[r * nu + j]!);
      out[r] = s;
    }
    return out;
  };
  for (let k = 1; k <= K; k++) {
    const bPrev = (k - 1) / K;
    const beta = k / K;
    const field = upwardField(be, layer, v); // W v + a
    const num = logStar(beta, v, field);
    const den = logStar(bPrev, v, field);
    for (let r = 0; r < M; r++) logw[r]! += num[r]! - den[r]!;
    if (k === K) break;
    // Gibbs sweep at β
    const scaled = { rows: M, cols: nu, data: field.data.map((x) => beta * x) };
    const h = be.sampleBernoulli(be.sigmoid(scaled), rng);
    const down = downwardField(be, layer, h); // Wᵀh + b
    for (let r = 0; r < M; r++) {
      for (let i = 0; i < nl; i++) {
        const idx = r * nl + i;
        down.data[idx] = (1 - beta) * bA[i]! + beta * down.data[idx]!;
      }
    }
    v = be.sampleBernoulli(be.sigmoid(down), rng);
  }
  // log Z = log Z_A + log mean w
  let max = -Infinity;
  for (const x of logw) max = Math.max(max, x);
  let s = 0;
  let s2 = 0;
  for (const x of logw) {
    const w = Math.exp(x - max);
    s += w;
    s2 += w * w;
  }
  const mean = s / M;
  const variance = Math.max(0, s2 / M - mean * mean);
  return { logZ: logZA + max + Math.log(mean), stderr: Math.sqrt(variance / M) / mean, runs: M };
}
