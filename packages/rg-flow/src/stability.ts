/**
 * Stability matrices T_{αβ} = ∂g_α^{(to)} / ∂g_β^{(from)} of one layer (eq. 6, 13).
 *
 * Exact (docs/math.md §7): perturbing H^{(from)} by δg_β O_β gives
 *   δ log q_to(s) = −δg_β (E[O_β(h_from) | h_to = s] − ⟨O_β⟩),
 * hence T_{αβ} = 2^{−n_to} Σ_s Ō_α(s) E[O_β | h_to = s] with the posterior under
 * q_from(h) t(s | h) and Ō_α = O_α / |terms(α)| (the projection convention).
 *
 * MCRG (Swendsen 1979): from joint samples of (h_from, h_to),
 *   C^{tt}_{αγ} = Cov(O_α(h_to), O_γ(h_to)),  C^{tf}_{αβ} = Cov(O_α(h_to), O_β(h_from)),
 *   T = (C^{tt})⁻¹ C^{tf}  (solved, never inverted),
 * with jackknife errors over contiguous blocks of samples.
 */
import { matrix, solveSpd, type Backend, type FloatArray, type Matrix } from '@rgdl/gpu-kernels';
import {
  assertEnumerable,
  productDistribution,
  stateBlock,
  upwardField,
  downwardField,
  type Direction,
  type RbmLayer,
} from '@rgdl/rbm';
import { evaluateOperators, type OperatorSet } from './operators.js';

function widthsOf(layer: RbmLayer, dir: Direction): { from: number; to: number } {
  return dir === 'up' ? { from: layer.W.cols, to: layer.W.rows } : { from: layer.W.rows, to: layer.W.cols };
}

/**
 * Exact stability matrix of `layer` travelled in `dir`, at the source distribution
 * q_from (length 2^{n_from}): |targetOps| × |sourceOps|. Cost
 * O(2^{n_from}·2^{n_to}·|sourceOps|) via chunked products; memory |sourceOps|·2^{n_to}.
 * @throws RangeError for mismatched widths or too many states.
 */
export function exactStabilityMatrix(
  be: Backend,
  layer: RbmLayer,
  source: ArrayLike<number>,
  dir: Direction,
  sourceOps: OperatorSet,
  targetOps: OperatorSet,
): Matrix<Float64Array> {
  const { from, to } = widthsOf(layer, dir);
  if (sourceOps.n !== from || targetOps.n !== to) {
    throw new RangeError(`operator sets act on ${sourceOps.n} → ${targetOps.n} units, the layer maps ${from} → ${to}`);
  }
  assertEnumerable([from, to], 'stability', `exact stability matrix (${from} → ${to} units)`);
  if (source.length !== 2 ** from)
    throw new RangeError(`source distribution has ${source.length} states, expected 2^${from}`);
  const nB = sourceOps.operators.length;
  const S = 2 ** to;
  const M = matrix(nB, S); // Σ_h O_β(h) q(h) t(s|h)
  const qTo = new Float64Array(S);
  const step = Math.max(1, Math.min(2 ** from, Math.floor((1 << 21) / S)));
  for (let h0 = 0; h0 < 2 ** from; h0 += step) {
    const count = Math.min(step, 2 ** from - h0);
    const states = stateBlock(from, h0, count);
    const field = dir === 'up' ? upwardField(be, layer, states) : downwardField(be, layer, states);
    const P = productDistribution(be.sigmoid(field)); // count × S, rows t(·|h)
    for (let r = 0; r < count; r++) {
      const q = source[h0 + r]!;
      for (let s = 0; s < S; s++) {
        const v = P.data[r * S + s]! * q;
        P.data[r * S + s] = v;
        qTo[s]! += v;
      }
    }
    const O = evaluateOperators(sourceOps, states); // count × nB
    const part = be.matmul(O, P, { transA: true });
    for (let i = 0; i < M.data.length; i++) M.data[i]! += part.data[i]!;
  }
  // E[O_β | s] as S × nB
  const E = matrix(S, nB);
  for (let b = 0; b < nB; b++) for (let s = 0; s < S; s++) E.data[s * nB + b] = M.data[b * S + s]! / qTo[s]!;
  const Obar = evaluateOperators(targetOps, stateBlock(to, 0, S)); // S × nA
  const nA = targetOps.operators.length;
  targetOps.operators.forEach((op, a) => {
    const scale = 1 / (op.terms.length * S);
    for (let s = 0; s < S; s++) Obar.data[s * nA + a]! *= scale;
  });
  return be.matmul(Obar, E, { transA: true });
}

export interface McrgOptions {
  /** Samples of the source level (samples × n_from, binary). */
  readonly source: Matrix<Float64Array>;
  /** Samples of the target level, row r paired with source row r. */
  readonly target: Matrix<Float64Array>;
  readonly sourceOps: OperatorSet;
  readonly targetOps: OperatorSet;
  /** Jackknife blocks (contiguous); 0 or 1 skips error bars (default 10). */
  readonly blocks?: number;
  /** Rows of operators evaluated at once (bounds memory; default 4096). */
  readonly chunk?: number;
}

export interface McrgResult {
  /** |targetOps| × |sourceOps| */
  readonly T: Matrix<Float64Array>;
  /** Jackknife standard error of each entry (zeros when blocks < 2). */
  readonly stderr: Matrix<Float64Array>;
  /** T recomputed with each block left out (for errors of derived quantities). */
  readonly jackknife: Matrix<Float64Array>[];
  readonly samples: number;
  /**
   * Target operators that were (nearly) constant over the samples: their rows of
   * T are set to zero because the samples do not determine them.
   */
  readonly degenerateTargets: number[];
}

interface Moments {
  count: number;
  st: Float64Array; // Σ O_t
  ss: Float64Array; // Σ O_s
  tt: Float64Array; // Σ O_t O_tᵀ (nA × nA)
  ts: Float64Array; // Σ O_t O_sᵀ (nA × nB)
}

/**
 * Relative variance below which a target operator counts as degenerate: (nearly)
 * constant over the samples, e.g. a pixel the generator almost never turns on.
 * Its coupling is not determined by the samples and C^{tt} would be (nearly)
 * singular, also in the jackknife samples that leave out its few flips.
 */
export const DEGENERATE_VARIANCE = 1e-3;
/** Ridge added to C^{tt}'s diagonal, relative to its mean diagonal (exactly collinear operators). */
export const COVARIANCE_RIDGE = 1e-9;

function nonDegenerate(m: Moments, nA: number): number[] {
  const n = m.count;
  const v = Array.from({ length: nA }, (_, i) => m.tt[i * nA + i]! / n - (m.st[i]! / n) ** 2);
  const max = Math.max(0, ...v);
  return v.map((x, i) => (x > DEGENERATE_VARIANCE * max && x > 0 ? i : -1)).filter((i) => i >= 0);
}

/** Every sample value 0 or 1. */
function isBinary(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0 && v[i] !== 1) return false;
  return true;
}

function solveT(be: Backend, m: Moments, nA: number, nB: number, keep: readonly number[]): Matrix<Float64Array> {
  const n = m.count;
  const k = keep.length;
  const ctt = matrix(k, k);
  const cts = matrix(k, nB);
  keep.forEach((i, r) => {
    keep.forEach((j, c) => (ctt.data[r * k + c] = m.tt[i * nA + j]! / n - (m.st[i]! / n) * (m.st[j]! / n)));
    for (let j = 0; j < nB; j++) cts.data[r * nB + j] = m.ts[i * nB + j]! / n - (m.st[i]! / n) * (m.ss[j]! / n);
  });
  let trace = 0;
  for (let r = 0; r < k; r++) trace += ctt.data[r * k + r]!;
  for (let r = 0; r < k; r++) ctt.data[r * k + r]! += (COVARIANCE_RIDGE * trace) / Math.max(1, k);
  const reduced = solveSpd(be, ctt, cts);
  const T = matrix(nA, nB); // rows of degenerate target operators stay zero
  keep.forEach((i, r) => T.data.set(reduced.data.subarray(r * nB, (r + 1) * nB), i * nB));
  return T;
}

/**
 * Swendsen's MCRG stability matrix T = (C^{tt})⁻¹ C^{tf} with jackknife errors.
 * Operators are evaluated in chunks. Binary samples give operator values in
 * {−1, 0, 1}: their moment sums are exact integers, computed by f32 products per
 * chunk and kept in f64. Other values are shifted by the first chunk's means
 * before accumulating in f64 (covariances are shift-invariant; this limits cancellation).
 * Target operators with variance ≤ DEGENERATE_VARIANCE × the largest are reported
 * in `degenerateTargets` and get zero rows; C^{tt} gets a relative ridge of
 * COVARIANCE_RIDGE (1e-9) against exactly collinear operators. @throws RangeError for mismatched sample shapes;
 * SingularMatrixError if the remaining C^{tt} is singular (linearly dependent operators).
 */
export function mcrgStabilityMatrix(be: Backend, options: McrgOptions): McrgResult {
  const { source, target, sourceOps, targetOps } = options;
  if (source.rows !== target.rows)
    throw new RangeError(`source has ${source.rows} samples but target has ${target.rows}`);
  const n = source.rows;
  const blocks = Math.max(1, Math.min(options.blocks ?? 10, n));
  const chunk = options.chunk ?? 4096;
  const nA = targetOps.operators.length;
  const nB = sourceOps.operators.length;
  const perBlock: Moments[] = [];
  let shiftT: Float64Array | undefined;
  let shiftS: Float64Array | undefined;
  let integerChunks = false;
  // decided once per operator set, not by scanning every chunk's values
  const singleTerms = [targetOps, sourceOps].every((set) => set.operators.every((op) => op.terms.length === 1));
  for (let b = 0; b < blocks; b++) {
    const r0 = Math.floor((b * n) / blocks);
    const r1 = Math.floor(((b + 1) * n) / blocks);
    const m: Moments = {
      count: 0,
      st: new Float64Array(nA),
      ss: new Float64Array(nB),
      tt: new Float64Array(nA * nA),
      ts: new Float64Array(nA * nB),
    };
    for (let c0 = r0; c0 < r1; c0 += chunk) {
      const c1 = Math.min(r1, c0 + chunk);
      const rows = c1 - c0;
      const tChunk = { rows, cols: target.cols, data: target.data.subarray(c0 * target.cols, c1 * target.cols) };
      const sChunk = { rows, cols: source.cols, data: source.data.subarray(c0 * source.cols, c1 * source.cols) };
      // Single-monomial operators of binary samples are ±1 (products of spins 2h − 1): their
      // products summed over a chunk are integers ≤ rows, exact in f32, so the two big
      // products run in f32 (about twice as fast) on the raw values, and the sums are kept
      // in f64. Otherwise the values are shifted by the first chunk's means and multiplied in f64.
      const integer =
        singleTerms &&
        rows < 1 << 24 &&
        (shiftT === undefined || integerChunks) &&
        isBinary(tChunk.data) &&
        isBinary(sChunk.data);
      const Ot32 = integer ? evaluateOperators(targetOps, tChunk, 'f32') : undefined;
      const Os32 = integer ? evaluateOperators(sourceOps, sChunk, 'f32') : undefined;
      let tt: Matrix<FloatArray>;
      let ts: Matrix<FloatArray>;
      let Ot: Matrix<FloatArray>;
      let Os: Matrix<FloatArray>;
      if (Ot32 !== undefined && Os32 !== undefined) {
        integerChunks = true;
        shiftT ??= new Float64Array(nA);
        shiftS ??= new Float64Array(nB);
        Ot = Ot32;
        Os = Os32;
        tt = be.matmul(Ot32, Ot32, { transA: true });
        ts = be.matmul(Ot32, Os32, { transA: true });
      } else {
        if (integerChunks) throw new RangeError('operator values changed from integers to non-integers between chunks');
        const Ot64 = evaluateOperators(targetOps, tChunk);
        const Os64 = evaluateOperators(sourceOps, sChunk);
        Ot = Ot64;
        Os = Os64;
        if (shiftT === undefined || shiftS === undefined) {
          shiftT = be.columnMeans(Ot64);
          shiftS = be.columnMeans(Os64);
        }
        for (let r = 0; r < rows; r++) {
          for (let i = 0; i < nA; i++) Ot64.data[r * nA + i]! -= shiftT[i]!;
          for (let j = 0; j < nB; j++) Os64.data[r * nB + j]! -= shiftS[j]!;
        }
        tt = be.matmul(Ot64, Ot64, { transA: true });
        ts = be.matmul(Ot64, Os64, { transA: true });
      }
      for (let i = 0; i < tt.data.length; i++) m.tt[i]! += tt.data[i]!;
      for (let i = 0; i < ts.data.length; i++) m.ts[i]! += ts.data[i]!;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < nA; i++) m.st[i]! += Ot.data[r * nA + i]!;
        for (let j = 0; j < nB; j++) m.ss[j]! += Os.data[r * nB + j]!;
      }
      m.count += rows;
    }
    perBlock.push(m);
  }
  const total: Moments = {
    count: 0,
    st: new Float64Array(nA),
    ss: new Float64Array(nB),
    tt: new Float64Array(nA * nA),
    ts: new Float64Array(nA * nB),
  };
  const addInto = (dst: Moments, src: Moments, sign: number) => {
    dst.count += sign * src.count;
    for (const key of ['st', 'ss', 'tt', 'ts'] as const) {
      const d = dst[key];
      const s = src[key];
      for (let i = 0; i < d.length; i++) d[i]! += sign * s[i]!;
    }
  };
  for (const m of perBlock) addInto(total, m, 1);
  const keep = nonDegenerate(total, nA);
  const keepSet = new Set(keep);
  const degenerateTargets = Array.from({ length: nA }, (_, i) => i).filter((i) => !keepSet.has(i));
  const T = solveT(be, total, nA, nB, keep);
  const stderr = matrix(nA, nB);
  const jackknife: Matrix<Float64Array>[] = [];
  if (blocks >= 2) {
    for (const m of perBlock) {
      const loo: Moments = {
        count: total.count,
        st: total.st.slice(),
        ss: total.ss.slice(),
        tt: total.tt.slice(),
        ts: total.ts.slice(),
      };
      addInto(loo, m, -1);
      jackknife.push(solveT(be, loo, nA, nB, keep));
    }
    for (let i = 0; i < stderr.data.length; i++) stderr.data[i] = jackknifeError(jackknife.map((t) => t.data[i]!));
  }
  return { T, stderr, jackknife, samples: n, degenerateTargets };
}

/** Jackknife standard error from leave-one-block-out estimates. */
export function jackknifeError(estimates: readonly number[]): number {
  const B = estimates.length;
  if (B < 2) return 0;
  const mean = estimates.reduce((a, b) => a + b, 0) / B;
  return Math.sqrt(((B - 1) / B) * estimates.reduce((a, x) => a + (x - mean) ** 2, 0));
}
