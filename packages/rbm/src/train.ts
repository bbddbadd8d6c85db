/**
 * Maximum-likelihood fitting of one RBM t(h, v) to a positive-phase joint
 * distribution (the gradient of −D_KL(P ‖ t), eq. 14–15):
 *   ΔW ∝ ⟨h vᵀ⟩_P − ⟨h vᵀ⟩_t,  Δa ∝ ⟨h⟩_P − ⟨h⟩_t,  Δb ∝ ⟨v⟩_P − ⟨v⟩_t
 * The positive phase comes from a `PositiveSource` (data with h = E[h|v] for
 * ordinary unsupervised training, or the eq. 14 joint of both layers); the
 * negative phase from CD-k, persistent CD (PCD) or exact enumeration.
 */
import {
  matrix,
  toFloat32,
  type Backend,
  type RbmTrainer,
  type FloatArray,
  type Matrix,
  type Rng,
} from '@rgdl/gpu-kernels';
import { downwardProbabilities, upwardProbabilities, type LayerView } from './conditionals.js';
import { freeEnergyUpper, freeEnergyLower } from './energy.js';
import { lowerWidth, upperWidth, type RbmLayer } from './layer.js';
import { chunkRows, stateBlock } from './states.js';
import { assertEnumerable, type EnumerationPurpose } from './enumerable.js';

/** One positive-phase batch: values in [0, 1] (probabilities stand for their expectations). */
export interface PositiveBatch {
  /** batch × n_lower */
  readonly lower: Matrix<Float64Array>;
  /** batch × n_upper */
  readonly upper: Matrix<Float64Array>;
}

/** Produces positive-phase batches for the current weights. */
export interface PositiveSource {
  /** Number of batches in one epoch. */
  readonly batches: number;
  batch(index: number, layer: RbmLayer, rng: Rng): PositiveBatch;
  /**
   * Present when the upper side is the posterior E[h | lower] = σ(W v + a) of the
   * layer being fitted: the lower rows of batch `index`, so fitRbm can compute the
   * upper side itself in its own precision (the f32 fast path).
   */
  lowerBatch?(index: number, rng: Rng): Matrix<Float64Array>;
}

export type NegativePhase = 'cd' | 'pcd' | 'exact';

export interface FitOptions {
  readonly epochs: number;
  readonly learningRate?: number;
  /** Momentum of the parameter velocity (default 0.5). */
  readonly momentum?: number;
  /** L2 penalty on W (default 1e-4). */
  readonly weightDecay?: number;
  /** Negative phase (default 'cd'). 'exact' needs the narrower side enumerable for 'negative-phase' (enumerable.ts). */
  readonly negative?: NegativePhase;
  /** Gibbs steps per update for CD/PCD (default 1). */
  readonly k?: number;
  /**
   * Arithmetic of the CD/PCD matrix products: 'f64' (default) or 'f32' (twice the
   * GEMM throughput; gradients are summed over one batch in f32, weights stay f64).
   */
  readonly precision?: 'f64' | 'f32';
  /**
   * Learning-rate multiplier per epoch (0-based), e.g. linear decay
   * `(e) => 1 − e / epochs` (default constant 1).
   */
  readonly schedule?: (epoch: number) => number;
  readonly rng: Rng;
  /** Called after each epoch; return false to stop early. */
  readonly onEpoch?: (info: EpochInfo) => boolean | void;
}

export interface EpochInfo {
  readonly epoch: number;
  /** Mean squared reconstruction error of the lower side over the epoch's batches. */
  readonly reconstructionError: number;
  readonly seconds: number;
}

/** Step, momentum, weight decay, Gibbs steps and persistence of one CD/PCD fit. */
interface CdSettings {
  readonly lr: number;
  readonly mom: number;
  readonly decay: number;
  readonly K: number;
  readonly pcd: boolean;
}

interface Stats {
  readonly hv: Matrix<FloatArray>; // n_upper × n_lower, Σ over batch
  readonly h: Float64Array;
  readonly v: Float64Array;
  readonly count: number;
}

function sufficientStats<A extends FloatArray>(
  be: Backend,
  upper: Matrix<A>,
  lower: Matrix<A>,
  weights?: Float64Array,
): Stats {
  let up = upper;
  if (weights !== undefined) {
    up = { rows: upper.rows, cols: upper.cols, data: upper.data.slice() as A };
    for (let r = 0; r < up.rows; r++) for (let j = 0; j < up.cols; j++) up.data[r * up.cols + j]! *= weights[r]!;
  }
  const hv = be.matmul(up, lower, { transA: true });
  const h = new Float64Array(upper.cols);
  const v = new Float64Array(lower.cols);
  let count = 0;
  for (let r = 0; r < upper.rows; r++) {
    const w = weights === undefined ? 1 : weights[r]!;
    count += w;
    for (let j = 0; j < upper.cols; j++) h[j]! += w * upper.data[r * upper.cols + j]!;
    for (let i = 0; i < lower.cols; i++) v[i]! += w * lower.data[r * lower.cols + i]!;
  }
  return { hv, h, v, count };
}

/**
 * Momentum step θ ← θ + v, v ← μ v + lr (pos·sp − neg·sn − λ θ) over one parameter array.
 * Kept as its own small function so V8 optimises the hot loop on its own.
 */
function applyUpdate(
  theta: Float64Array,
  velocity: Float64Array,
  pos: ArrayLike<number>,
  neg: ArrayLike<number>,
  sp: number,
  sn: number,
  lr: number,
  mom: number,
  decay: number,
): void {
  for (let i = 0; i < theta.length; i++) {
    const v = mom * velocity[i]! + lr * (pos[i]! * sp - neg[i]! * sn - decay * theta[i]!);
    velocity[i] = v;
    theta[i]! += v;
  }
}

/**
 * Exact model statistics of an RBM whose upper side is enumerable, in one pass
 * over the 2^{n_upper} upper states s (docs/math.md §4):
 *   log w(s) = aᵀs + Σ_i softplus((Wᵀs + b)_i),   Z = Σ_s w(s),
 *   ⟨h vᵀ⟩ = Σ_s (w(s)/Z) s σ(Wᵀs + b)ᵀ,  ⟨h⟩ = Σ_s (w(s)/Z) s,  ⟨v⟩ = Σ_s (w(s)/Z) σ(Wᵀs + b).
 * @throws RangeError when the upper side is too wide for `purpose` (enumerable.ts).
 */
export function upperEnumeratedStats(
  be: Backend,
  layer: RbmLayer,
  purpose: EnumerationPurpose = 'partition',
): Stats & { hv: Matrix<Float64Array>; logZ: number } {
  const nu = upperWidth(layer);
  const nl = lowerWidth(layer);
  assertEnumerable(nu, purpose, 'exact negative phase (upper side)');
  const S = 2 ** nu;
  const states = matrix(S, nu);
  for (let s = 0; s < S; s++) for (let j = 0; j < nu; j++) states.data[s * nu + j] = (s >>> j) & 1;
  const field = be.matmulAddBias(states, layer.W, layer.b); // S × n_lower, then σ in place
  const logw = new Float64Array(S);
  let max = -Infinity;
  for (let s = 0; s < S; s++) {
    let lw = 0;
    for (let j = 0; j < nu; j++) if ((s >>> j) & 1) lw += layer.a[j]!;
    const o = s * nl;
    for (let i = 0; i < nl; i++) {
      const u = field.data[o + i]!;
      const e = Math.exp(-Math.abs(u));
      lw += (u > 0 ? u : 0) + Math.log1p(e);
      field.data[o + i] = u > 0 ? 1 / (1 + e) : e / (1 + e);
    }
    logw[s] = lw;
    if (lw > max) max = lw;
  }
  let z = 0;
  for (let s = 0; s < S; s++) {
    logw[s] = Math.exp(logw[s]! - max);
    z += logw[s]!;
  }
  const weighted = matrix(S, nu);
  const h = new Float64Array(nu);
  for (let s = 0; s < S; s++) {
    const w = logw[s]! / z;
    for (let j = 0; j < nu; j++) {
      const v = states.data[s * nu + j]! * w;
      weighted.data[s * nu + j] = v;
      h[j]! += v;
    }
  }
  const hv = be.matmul(weighted, field, { transA: true });
  const v = new Float64Array(nl);
  for (let s = 0; s < S; s++) {
    const w = logw[s]! / z;
    for (let i = 0; i < nl; i++) v[i]! += w * field.data[s * nl + i]!;
  }
  return { hv, h, v, count: 1, logZ: max + Math.log(z) };
}

/**
 * Exact model expectations ⟨h vᵀ⟩_t, ⟨h⟩_t, ⟨v⟩_t and log Z by enumerating the narrower side.
 * @throws RangeError if both sides are too wide for `purpose` (enumerable.ts).
 */
export function exactModelStats(
  be: Backend,
  layer: RbmLayer,
  purpose: EnumerationPurpose = 'partition',
): Stats & { logZ: number } {
  const nu = upperWidth(layer);
  const nl = lowerWidth(layer);
  const upperSide = nu <= nl;
  const n = Math.min(nu, nl);
  assertEnumerable(n, purpose, 'exact negative phase (narrower side)');
  if (upperSide) return upperEnumeratedStats(be, layer, purpose);
  const total = 2 ** n;
  // log weights of every state: −F(state)
  const logw = new Float64Array(total);
  const step = chunkRows(total, Math.max(nu, nl));
  for (let s = 0; s < total; s += step) {
    const block = stateBlock(n, s, Math.min(step, total - s));
    const f = upperSide ? freeEnergyUpper(be, layer, block) : freeEnergyLower(be, layer, block);
    for (let i = 0; i < f.length; i++) logw[s + i] = -f[i]!;
  }
  let max = -Infinity;
  for (const x of logw) max = Math.max(max, x);
  let z = 0;
  for (let i = 0; i < total; i++) {
    logw[i] = Math.exp(logw[i]! - max);
    z += logw[i]!;
  }
  const hv = matrix(nu, nl);
  const h = new Float64Array(nu);
  const v = new Float64Array(nl);
  for (let s = 0; s < total; s += step) {
    const count = Math.min(step, total - s);
    const block = stateBlock(n, s, count);
    const w = logw.subarray(s, s + count).map((x) => x / z);
    const other = upperSide ? downwardProbabilities(be, layer, block) : upwardProbabilities(be, layer, block);
    const st = upperSide ? sufficientStats(be, block, other, w) : sufficientStats(be, other, block, w);
    for (let i = 0; i < hv.data.length; i++) hv.data[i]! += st.hv.data[i]!;
    for (let j = 0; j < nu; j++) h[j]! += st.h[j]!;
    for (let i = 0; i < nl; i++) v[i]! += st.v[i]!;
  }
  return { hv, h, v, count: 1, logZ: max + Math.log(z) };
}

/** Binary sample of a [0,1]-valued matrix (values already 0/1 are kept). */
function binarise<A extends FloatArray>(be: Backend, m: Matrix<A>, rng: Rng): Matrix<A> {
  return be.sampleBernoulli(m, rng);
}

/**
 * CD-k / PCD-k negative phase in the element type of `view`: h0 (binary upper)
 * → v ~ t(v|h) → E[h|v], k times. Returns the statistics, the final chain state
 * (PCD only) and the first reconstruction's squared error against `lower0`.
 */
function gibbsNegative<A extends FloatArray>(
  be: Backend,
  view: LayerView<A>,
  h0: Matrix<A>,
  lower0: Matrix<A> | undefined,
  K: number,
  rng: Rng,
  keepChain: boolean,
): { stats: Stats; chain: Matrix<A> | undefined; reconSum: number } {
  let h = h0;
  let vProb = downwardProbabilities(be, view, h);
  let reconSum = 0;
  if (lower0 !== undefined)
    for (let i = 0; i < vProb.data.length; i++) reconSum += (vProb.data[i]! - lower0.data[i]!) ** 2;
  let v = binarise(be, vProb, rng);
  let hProb = upwardProbabilities(be, view, v);
  for (let step = 1; step < K; step++) {
    h = binarise(be, hProb, rng);
    vProb = downwardProbabilities(be, view, h);
    v = binarise(be, vProb, rng);
    hProb = upwardProbabilities(be, view, v);
  }
  return { stats: sufficientStats(be, hProb, v), chain: keepChain ? binarise(be, hProb, rng) : undefined, reconSum };
}

/** Appends an epoch's diagnostics and reports it; false when the callback asks to stop. */
function recordEpoch(
  history: EpochInfo[],
  options: FitOptions,
  epoch: number,
  recon: number,
  reconCount: number,
  t0: number,
): boolean {
  const info: EpochInfo = {
    epoch: epoch + 1,
    reconstructionError: reconCount > 0 ? recon / reconCount : NaN,
    seconds: (performance.now() - t0) / 1000,
  };
  history.push(info);
  return options.onEpoch?.(info) !== false;
}

/**
 * Fits `layer` in place by stochastic gradient ascent on the log-likelihood of
 * the positive phase. Returns per-epoch diagnostics.
 * @throws RangeError on inconsistent batch shapes or an impossible exact phase.
 */
export function fitRbm(be: Backend, layer: RbmLayer, source: PositiveSource, options: FitOptions): EpochInfo[] {
  const lr = options.learningRate ?? 0.05;
  const mom = options.momentum ?? 0.5;
  const decay = options.weightDecay ?? 1e-4;
  const negative = options.negative ?? 'cd';
  const K = options.k ?? 1;
  const rng = options.rng;
  const nu = upperWidth(layer);
  const nl = lowerWidth(layer);
  const vW = new Float64Array(nu * nl);
  const va = new Float64Array(nu);
  const vb = new Float64Array(nl);
  const f32 = options.precision === 'f32';
  if (f32 && negative !== 'exact') {
    const s = { lr, mom, decay, K, pcd: negative === 'pcd' };
    if (source.lowerBatch !== undefined && be.createRbmTrainer !== undefined)
      return fitRbmFused(be, layer, source, options, s);
    return fitRbmF32(be, layer, source, options, s);
  }
  let chains: Matrix<FloatArray> | undefined; // PCD: persistent upper states
  const history: EpochInfo[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const t0 = performance.now();
    const lrEpoch = lr * (options.schedule?.(epoch) ?? 1);
    let recon = 0;
    let reconCount = 0;
    for (let bi = 0; bi < source.batches; bi++) {
      const pos = source.batch(bi, layer, rng);
      if (pos.lower.cols !== nl || pos.upper.cols !== nu || pos.lower.rows !== pos.upper.rows) {
        throw new RangeError(
          `positive batch is lower ${pos.lower.rows}×${pos.lower.cols}, upper ${pos.upper.rows}×${pos.upper.cols}; layer is ${nu}×${nl}`,
        );
      }
      const B = pos.lower.rows;
      const lowerC: Matrix<FloatArray> = f32 ? toFloat32(pos.lower) : pos.lower;
      const upperC: Matrix<FloatArray> = f32 ? toFloat32(pos.upper) : pos.upper;
      const ps = sufficientStats(be, upperC, lowerC);
      let ns: Stats;
      if (negative === 'exact') {
        ns = exactModelStats(be, layer, 'negative-phase');
        // reconstruction error for monitoring only
        const vr = downwardProbabilities(be, layer, binarise(be, pos.upper, rng));
        for (let i = 0; i < vr.data.length; i++) recon += (vr.data[i]! - pos.lower.data[i]!) ** 2;
        reconCount += vr.data.length;
      } else {
        const view: LayerView<FloatArray> = f32 ? { W: toFloat32(layer.W), a: layer.a, b: layer.b } : layer;
        const persistent = negative === 'pcd' && chains !== undefined && chains.rows === B;
        const h0 = persistent ? chains! : binarise(be, upperC, rng);
        const g = gibbsNegative(be, view, h0, persistent ? undefined : lowerC, K, rng, negative === 'pcd');
        if (!persistent) {
          recon += g.reconSum;
          reconCount += B * nl;
        }
        if (negative === 'pcd') chains = g.chain;
        ns = g.stats;
      }
      applyUpdate(layer.W.data, vW, ps.hv.data, ns.hv.data, 1 / ps.count, 1 / ns.count, lrEpoch, mom, decay);
      applyUpdate(layer.a, va, ps.h, ns.h, 1 / ps.count, 1 / ns.count, lrEpoch, mom, 0);
      applyUpdate(layer.b, vb, ps.v, ns.v, 1 / ps.count, 1 / ns.count, lrEpoch, mom, 0);
    }
    if (!recordEpoch(history, options, epoch, recon, reconCount, t0)) break;
  }
  return history;
}

/**
 * CD-k / PCD-k by the backend's fused f32 trainer (`Backend.createRbmTrainer`):
 * the layer stays in the backend's memory for the whole fit and each batch is
 * one call. The trainer's Bernoulli stream is seeded from `options.rng`, so the
 * result is fixed by the seed (its draws differ from the unfused path's).
 */
function fitRbmFused(
  be: Backend,
  layer: RbmLayer,
  source: PositiveSource,
  options: FitOptions,
  s: CdSettings,
): EpochInfo[] {
  const rng = options.rng;
  const nu = upperWidth(layer);
  const nl = lowerWidth(layer);
  let capacity = 0;
  let trainer: RbmTrainer | undefined;
  const history: EpochInfo[] = [];
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const t0 = performance.now();
      const step = {
        k: s.K,
        learningRate: s.lr * (options.schedule?.(epoch) ?? 1),
        momentum: s.mom,
        weightDecay: s.decay,
        persistent: s.pcd,
      };
      let recon = 0;
      let reconCount = 0;
      for (let bi = 0; bi < source.batches; bi++) {
        const v0 = source.lowerBatch!(bi, rng);
        if (v0.cols !== nl) throw new RangeError(`lower batch has ${v0.cols} columns; layer is ${nu}×${nl}`);
        if (trainer === undefined || v0.rows > capacity) {
          if (trainer !== undefined) {
            trainer.store(layer.W.data, layer.a, layer.b);
            trainer.dispose();
          }
          capacity = v0.rows;
          trainer = be.createRbmTrainer!(nu, nl, capacity);
          if (trainer === undefined)
            return [...history, ...fitRbmF32(be, layer, source, { ...options, epochs: options.epochs - epoch }, s)];
          trainer.load(layer.W.data, layer.a, layer.b);
          trainer.seed(rng);
        }
        // the first reconstruction of each batch (PCD: only when the chain restarted from the data)
        const r = trainer.step(v0.data, v0.rows, step);
        if (!s.pcd || r > 0) {
          recon += r;
          reconCount += v0.rows * nl;
        }
      }
      trainer?.store(layer.W.data, layer.a, layer.b);
      if (!recordEpoch(history, options, epoch, recon, reconCount, t0)) break;
    }
  } finally {
    if (trainer !== undefined) {
      trainer.store(layer.W.data, layer.a, layer.b);
      trainer.dispose();
    }
  }
  return history;
}

/**
 * CD-k / PCD-k with every product, sigmoid and draw in f32 (weights and their
 * velocity stay f64; an f32 mirror of W is refreshed inside the update loop, so
 * no per-batch conversion of W). The positive upper side is computed here in f32
 * when the source offers `lowerBatch`. Positive and negative statistics come from
 * one product: [h₀; −h_k]ᵀ [v₀; v_k] = Σ h₀v₀ᵀ − Σ h_k v_kᵀ.
 */
function fitRbmF32(
  be: Backend,
  layer: RbmLayer,
  source: PositiveSource,
  options: FitOptions,
  s: CdSettings,
): EpochInfo[] {
  const rng = options.rng;
  const nu = upperWidth(layer);
  const nl = lowerWidth(layer);
  const W = layer.W.data;
  const W32 = toFloat32(layer.W);
  const view: LayerView<Float32Array> = { W: W32, a: layer.a, b: layer.b };
  const vW = new Float64Array(nu * nl);
  const va = new Float64Array(nu);
  const vb = new Float64Array(nl);
  let chains: Matrix<Float32Array> | undefined;
  const history: EpochInfo[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const t0 = performance.now();
    const lr = s.lr * (options.schedule?.(epoch) ?? 1);
    let recon = 0;
    let reconCount = 0;
    for (let bi = 0; bi < source.batches; bi++) {
      let v0: Matrix<Float32Array>;
      let h0: Matrix<Float32Array>;
      if (source.lowerBatch !== undefined) {
        v0 = toFloat32(source.lowerBatch(bi, rng));
        if (v0.cols !== nl) throw new RangeError(`lower batch has ${v0.cols} columns; layer is ${nu}×${nl}`);
        h0 = upwardProbabilities(be, view, v0);
      } else {
        const pos = source.batch(bi, layer, rng);
        if (pos.lower.cols !== nl || pos.upper.cols !== nu || pos.lower.rows !== pos.upper.rows) {
          throw new RangeError(
            `positive batch is lower ${pos.lower.rows}×${pos.lower.cols}, upper ${pos.upper.rows}×${pos.upper.cols}; layer is ${nu}×${nl}`,
          );
        }
        v0 = toFloat32(pos.lower);
        h0 = toFloat32(pos.upper);
      }
      const B = v0.rows;
      const persistent = s.pcd && chains !== undefined && chains.rows === B;
      let h = persistent ? chains! : be.sampleBernoulli(h0, rng);
      let vp = downwardProbabilities(be, view, h);
      if (!persistent) {
        for (let i = 0; i < vp.data.length; i++) {
          const d = vp.data[i]! - v0.data[i]!;
          recon += d * d;
        }
        reconCount += vp.data.length;
      }
      let v = be.sampleBernoulli(vp, rng);
      let hp = upwardProbabilities(be, view, v);
      for (let step = 1; step < s.K; step++) {
        h = be.sampleBernoulli(hp, rng);
        vp = downwardProbabilities(be, view, h);
        v = be.sampleBernoulli(vp, rng);
        hp = upwardProbabilities(be, view, v);
      }
      if (s.pcd) chains = be.sampleBernoulli(hp, rng);
      // stacked statistics: A = [h₀; −h_k] (2B × nu), V = [v₀; v_k] (2B × nl)
      const A = new Float32Array(2 * B * nu);
      A.set(h0.data);
      const dh = new Float64Array(nu);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < nu; j++) {
          const x = h0.data[r * nu + j]!;
          const y = hp.data[r * nu + j]!;
          A[(B + r) * nu + j] = -y;
          dh[j]! += x - y;
        }
      }
      const V = new Float32Array(2 * B * nl);
      V.set(v0.data);
      V.set(v.data, B * nl);
      const dv = new Float64Array(nl);
      for (let r = 0; r < B; r++) for (let i = 0; i < nl; i++) dv[i]! += v0.data[r * nl + i]! - v.data[r * nl + i]!;
      const diff = be.matmul({ rows: 2 * B, cols: nu, data: A }, { rows: 2 * B, cols: nl, data: V }, { transA: true });
      const scale = 1 / B;
      const W32d = W32.data;
      for (let i = 0; i < W.length; i++) {
        const vel = s.mom * vW[i]! + lr * (diff.data[i]! * scale - s.decay * W[i]!);
        vW[i] = vel;
        const w = W[i]! + vel;
        W[i] = w;
        W32d[i] = w;
      }
      for (let j = 0; j < nu; j++) {
        va[j] = s.mom * va[j]! + lr * dh[j]! * scale;
        layer.a[j]! += va[j]!;
      }
      for (let i = 0; i < nl; i++) {
        vb[i] = s.mom * vb[i]! + lr * dv[i]! * scale;
        layer.b[i]! += vb[i]!;
      }
    }
    if (!recordEpoch(history, options, epoch, recon, reconCount, t0)) break;
  }
  return history;
}

/**
 * Positive phase of ordinary unsupervised RBM training on lower-side data:
 * batches of rows of `data` (shuffled each epoch) with upper = E[h | v] = σ(W v + a).
 */
export function dataSource(be: Backend, data: Matrix<Float64Array>, batchSize: number, rng: Rng): PositiveSource {
  const n = data.rows;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batches = Math.ceil(n / batchSize);
  const lowerBatch = (index: number): Matrix<Float64Array> => {
    if (index === 0) shuffle(order, rng);
    return gatherRows(data, order.subarray(index * batchSize, Math.min(n, (index + 1) * batchSize)));
  };
  return {
    batches,
    batch(index, layer) {
      const lower = lowerBatch(index);
      return { lower, upper: upwardProbabilities(be, layer, lower) };
    },
    lowerBatch,
  };
}

/** Fisher–Yates shuffle in place with the given rng. */
export function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Rows of `m` at the given indices, as a new matrix. */
export function gatherRows(m: Matrix<Float64Array>, rows: ArrayLike<number>): Matrix<Float64Array> {
  const out = matrix(rows.length, m.cols);
  for (let r = 0; r < rows.length; r++)
    out.data.set(m.data.subarray(rows[r]! * m.cols, (rows[r]! + 1) * m.cols), r * m.cols);
  return out;
}
