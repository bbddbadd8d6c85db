/**
 * The generation FIM by posterior sampling, for levels too wide to enumerate
 * (the importance-sampling estimator of monte-carlo.ts pulls posterior means
 * toward the prior when its effective sample size is small, and was measured
 * ~15% low at width 64). With G = W_N, m(x) = E[h_{N−1} | x, y] and
 * μ = E[h_{N−1} | y] = σ(W_Nᵀ y + b_N),
 *   F̃(y) = G · Cov_x(m(x)) · Gᵀ
 *        = G · (diag(μ(1 − μ)) − E_x Cov(h_{N−1} | x, y)) · Gᵀ
 * (the missing-information principle: the score of q(x | y) is G(m(x) − μ), and
 * the law of total covariance splits the prior's exact, factorial Cov(h_{N−1} | y)
 * into the part x explains and the part it leaves). The default estimator uses
 * the second line: only the posterior covariance is sampled, and on nets whose
 * posterior is narrow it is small, so its noise is too; 'direct' uses the first.
 * For each of S ancestral draws (h_{N−1}, …, h_1, x) of the generation network
 * the hidden chain (h_{N−1}, …, h_1) is an exact draw from p(h | x, y). Two
 * single-site Gibbs chains start there and run independently; each estimates
 * m(x) Rao–Blackwellised, averaging over K sweeps the conditional
 * P(h_{N−1,j} = 1 | rest, x, y) = σ(Δ_j), where
 *   Δ_j = f_j + Σ_i v_i W_ℓ[j, i] − Σ_i [softplus(u_i + W_ℓ[j, i]) − softplus(u_i)]
 * for unit j of level ℓ (f_j its field from above, v = h_{ℓ−1} the level
 * below, u the field on v with h_j = 0). Each difference is
 * log(σ(−u_i) + σ(u_i)e^{W}) (from the current state, e^{±W} precomputed; both
 * terms positive, so no cancellation where σ(u_i) rounds to 1), and the sum is
 * the log of products of up to 64 factors: a few logarithms per site instead of
 * one exp and one log per term; a flip updates u, σ(u) and σ(−u) by the same
 * factors, and all are recomputed exactly every 16 sweeps. Chain B
 * first runs `burnIn` sweeps without counting them toward m̂_B, so the two
 * estimates share as little of their start as the burn-in allows;
 * E[m̂_A m̂_Bᵀ | x] then equals m(x)m(x)ᵀ up to that shared start, not up to
 * each chain's own noise (which a single chain's m̂ m̂ᵀ would add). Every sweep
 * of either chain is a stationary draw, so all 2K + burnIn of them estimate
 * E[(h − μ)(h − μ)ᵀ | x], Rao–Blackwellised as E[(h_i − μ_i)(P(h_j = 1 | rest) − μ_j)];
 * Cov(h | x) is that minus the chains' product. Error bars: the same estimate
 * on `batches` disjoint groups of draws. Diagnostic: the chains' disagreement,
 * mean ½‖m̂_A − m̂_B‖² over x, against the signal tr(Cov_x m): small when each
 * chain's m̂ is precise.
 * Cost: S · (2K + burnIn) sweeps of Σ_ℓ n_ℓ n_{ℓ−1} softplus evaluations. The
 * sweeps' inner loops (the chunked products, the flip update, the covariance's
 * row update) run on the backend's Gibbs site kernels where it has them
 * (WebAssembly SIMD on the CPU backend: 0.29 µs a site on the demo victim
 * against 0.87 µs in TypeScript), else on jsGibbsSiteKernels; both do the same
 * IEEE operations in the same order, so the estimate is the same to the bit.
 */
import { jsGibbsSiteKernels, matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { propagateSampled, type DeepRbm } from '@rgdl/rbm';
import { chainOf, inputJacobian, sandwich } from './chain.js';
import { meanAndError } from './monte-carlo.js';

export type GibbsEstimator = 'missing-information' | 'direct';

export interface GibbsFisherOptions {
  readonly rng: Rng;
  /** Ancestral draws S (default 1000). */
  readonly samples?: number;
  /**
   * Counted sweeps per chain K (default 8). With the missing-information
   * estimator the chains' noise dominates, so longer chains pay: on the demo
   * victim the error per draw of v₁ᵀF̃v₁ fell from 4.3 at K = 1 to 1.7 at K = 8 and
   * 1.45 at K = 16 (0.70, 1.35 and 2.04 ms a draw): error² × time 15–23 at
   * K = 1, 8.0–9.3 at K = 4, 6.4–7.0 at K = 8 and 6.3–7.2 at K = 16 (classes 0, 6).
   */
  readonly sweeps?: number;
  /**
   * Uncounted sweeps of chain B before it counts (default 10). Both chains
   * start at the same exact posterior draw, so too short a gap biases their
   * product: on six sharp nets (weights × 2.5–3, depth 2–3, 32,000 draws)
   * burn-in 2, 4, 6 left entries at |z| up to 46, 16 and 8; burn-in 10 kept
   * every entry within |z| ≤ 3.0 (K = 1, 2 and 4).
   */
  readonly burnIn?: number;
  /** Groups for the standard error (default 8). */
  readonly batches?: number;
  /**
   * 'missing-information' (default): Cov_x(m) = Cov(h | y) − E_x Cov(h | x, y), the first
   * term exact; 'direct': the spread of the chains' m̂ over x. Both are unbiased; on the
   * demo victim the direct form's error per draw of v₁ᵀF̃v₁ was 1.7× the other's at K = 1,
   * 3.0× at K = 4 and 5.0× at K = 16: its spread over x dominates, and longer chains do
   * not shrink it.
   */
  readonly estimator?: GibbsEstimator;
}

export interface GibbsFisher {
  readonly F: Matrix<Float64Array>;
  /** Element-wise standard error from the spread over batches. */
  readonly stderr: Matrix<Float64Array>;
  /** Mean ½‖m̂_A − m̂_B‖² over draws, divided by tr(Cov_x m̂): the chains' noise against the signal. */
  readonly chainNoise: number;
  /** λ₁ of F and its jackknife standard error over the batches. */
  readonly lambda1: { readonly value: number; readonly stderr: number };
  /**
   * The spectral gap λ₁ − λ₂ with its jackknife error; `degenerate` when the gap
   * is within NEAR_DEGENERATE errors of 0: then v₁ alone is noise, and only the
   * span of v₁ and v₂ is estimated (use the subspace, not one vector).
   */
  readonly gap: { readonly value: number; readonly stderr: number; readonly degenerate: boolean };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** A top pair is near-degenerate when λ₁ − λ₂ is less than this many of its standard errors. */
export const NEAR_DEGENERATE = 3;

/**
 * @throws RangeError for a wrong-width y or bad counts
 */
export function gibbsGenerationFisher(
  be: Backend,
  net: DeepRbm,
  y: Float64Array,
  options: GibbsFisherOptions,
): GibbsFisher {
  const chain = chainOf(net, 'down');
  if (y.length !== chain.inputWidth) throw new RangeError(`y has ${y.length} entries, expected ${chain.inputWidth}`);
  const N = net.layers.length;
  const S = options.samples ?? 1000;
  const K = options.sweeps ?? 8;
  const burn = options.burnIn ?? 10;
  const estimator = options.estimator ?? 'missing-information';
  const B = Math.max(1, Math.min(S, options.batches ?? 8));
  if (!(Number.isInteger(S) && S >= 2 && Number.isInteger(K) && K >= 1 && Number.isInteger(burn) && burn >= 0)) {
    throw new RangeError(`Gibbs FIM needs whole samples ≥ 2, sweeps ≥ 1 and burn-in ≥ 0, got ${S}, ${K}, ${burn}`);
  }
  const G = inputJacobian(chain);
  const top = net.layers[N - 1]!;
  const nTop = top.W.cols; // n_{N−1}
  // φ = W_Nᵀ y + b_N and μ = σ(φ)
  const phi = new Float64Array(nTop);
  for (let i = 0; i < nTop; i++) {
    let s = top.b[i]!;
    for (let c = 0; c < y.length; c++) s += y[c]! * top.W.data[c * nTop + i]!;
    phi[i] = s;
  }
  const mu = phi.map(sigmoid);
  const row = matrix(1, y.length, Float64Array.from(y));
  const drawn = propagateSampled(be, net, row, 'down', options.rng, { samples: S }).samples; // level N−1−k at k
  const level = (l: number, s: number) => drawn[N - 1 - l]!.data.subarray(s * widthOf(l), (s + 1) * widthOf(l));
  function widthOf(l: number): number {
    return l === N ? y.length : l === 0 ? net.layers[0]!.W.cols : net.layers[l - 1]!.W.rows;
  }
  const qWeight = 1 / (2 * K + burn);
  const mA = new Float64Array(S * nTop);
  const mB = new Float64Array(S * nTop);
  const rngA = options.rng.fork();
  const rngB = options.rng.fork();
  // per-layer constants e^{±w}, for the softplus differences below:
  // softplus(u + w) − softplus(u) = log(σ(−u) + σ(u)e^w), summed as the log of chunked products
  // (two positive terms: 1 + σ(u)(e^w − 1) cancels to 0 where σ(u) rounds to 1 and w ≪ 0)
  let chunk = 64;
  for (const layer of net.layers) {
    const w = layer.W.data;
    let big = 0;
    for (let i = 0; i < w.length; i++) big = Math.max(big, Math.abs(w[i]!));
    // each factor lies in [e^{−|w|}, e^{|w|}]: a chunk's product stays within e^{±600}
    chunk = Math.min(chunk, Math.max(1, Math.floor(600 / Math.max(big, 1e-9))));
  }
  // the sweeps' arrays, resident in the backend where it has Gibbs site kernels (the same bits either way):
  // per layer ℓ < N (index ℓ − 1) W_ℓ, e^{W_ℓ}, e^{−W_ℓ}; per level l < N − 1 the field u_l on it from
  // above, σ(u_l) and σ(−u_l); the chunks' products; h_{N−1} − μ; one Q per batch
  const lengths: number[] = [];
  const at = (length: number) => lengths.push(length) - 1;
  const Wk: number[] = [];
  const EP: number[] = [];
  const EM: number[] = [];
  const Uk: number[] = [];
  const SG: number[] = [];
  const CG: number[] = [];
  for (let l = 0; l < N - 1; l++) {
    const size = net.layers[l]!.W.data.length;
    Wk.push(at(size));
    EP.push(at(size));
    EM.push(at(size));
    Uk.push(at(widthOf(l)));
    SG.push(at(widthOf(l)));
    CG.push(at(widthOf(l)));
  }
  let widest = 1;
  for (let l = 0; l < N - 1; l++) widest = Math.max(widest, widthOf(l));
  const OUT = at(Math.ceil(widest / chunk));
  const CENTRED = at(nTop);
  const QB = Array.from({ length: B }, () => at(nTop * nTop));
  const kern = be.createGibbsSiteKernels?.(lengths) ?? jsGibbsSiteKernels(lengths);
  const Qb: Float64Array[] = [];
  try {
    const arr0 = kern.arrays();
    for (let l = 0; l < N - 1; l++) {
      const w = net.layers[l]!.W.data;
      arr0[Wk[l]!]!.set(w);
      arr0[EP[l]!]!.set(w.map(Math.exp));
      arr0[EM[l]!]!.set(w.map((v) => Math.exp(-v)));
    }
    // per-level scratch: h_l (l = 0 … N−1)
    const h: Float64Array[] = [];
    for (let l = 0; l < N; l++) h.push(new Float64Array(widthOf(l)));
    // fields on levels 0 … N−2 from the level above: u_l = W_{l+1}ᵀ h_{l+1} + b_{l+1}, and σ(±u_l)
    const fields = (arr: Float64Array[], l: number) => {
      const layer = net.layers[l]!; // layer l+1: W (n_{l+1} × n_l)
      const n = widthOf(l);
      const ul = arr[Uk[l]!]!;
      ul.set(layer.b);
      const above = h[l + 1]!;
      const w = layer.W.data;
      for (let j = 0; j < above.length; j++) {
        if (above[j] === 0) continue;
        for (let i = 0; i < n; i++) ul[i]! += w[j * n + i]!;
      }
      const sl = arr[SG[l]!]!;
      const cl = arr[CG[l]!]!;
      for (let i = 0; i < n; i++) {
        sl[i] = sigmoid(ul[i]!);
        cl[i] = sigmoid(-ul[i]!);
      }
    };
    // Σ_i v_i W_ℓ[j, i] for every unit j of level ℓ, v = h_{ℓ−1} (binary: a sum over the active units)
    const linear = (l: number, out: Float64Array) => {
      const n = widthOf(l - 1);
      const w = net.layers[l - 1]!.W.data;
      const below = h[l - 1]!;
      for (let j = 0; j < out.length; j++) {
        let t = 0;
        const o = j * n;
        for (let i = 0; i < n; i++) if (below[i] !== 0) t += w[o + i]!;
        out[j] = t;
      }
    };
    const lin: Float64Array[] = h.map((v) => new Float64Array(v.length));
    let qCur = QB[0]!;
    const run = (s: number, rng: Rng, skip: number, out: Float64Array) => {
      const arr = kern.arrays(); // views may move only when memory grows; nothing grows it inside a run
      const Q = arr[qCur]!;
      const products = arr[OUT]!;
      // h_{N−1} − μ, kept up to date by the top level's flips (the posterior covariance's accumulator reads it every site)
      const centred = arr[CENTRED]!;
      for (let l = 0; l < N; l++) h[l]!.set(level(l, s));
      for (let i = 0; i < nTop; i++) centred[i] = h[N - 1]![i]! - mu[i]!;
      // fields are kept up to date by every flip; recomputed exactly at the start and every 16 sweeps
      const acc = out.subarray(s * nTop, (s + 1) * nTop);
      for (let sweep = 0; sweep < skip + K; sweep++) {
        const counted = sweep >= skip;
        if (sweep % 16 === 0) for (let l = 0; l < N - 1; l++) fields(arr, l);
        for (let l = N - 1; l >= 1; l--) {
          const n = widthOf(l - 1);
          const hl = h[l]!;
          const from = l === N - 1 ? phi : arr[Uk[l]!]!;
          // the level below is fixed while level l is updated (level 0 = x for the whole draw)
          const linL = lin[l]!;
          if (l > 1 || sweep === 0) linear(l, linL);
          for (let j = 0; j < hl.length; j++) {
            const cur = hl[j]!;
            const o = j * n;
            // Δ_j = field + Σ v_i w_ji − Σ_i (softplus(u_i with h_j = 1) − softplus(u_i with h_j = 0))
            const e = cur === 1 ? EM[l - 1]! : EP[l - 1]!;
            const chunks = kern.chunkProducts(e, o, n, chunk, SG[l - 1]!, CG[l - 1]!, OUT);
            let logSum = 0;
            for (let k = 0; k < chunks; k++) logSum += Math.log(products[k]!);
            // cur = 1: logSum = log Π(σ(−u) + σ(u)e^{−w}) = softplus(u − w) − softplus(u), the negated difference
            const diff = cur === 1 ? -logSum : logSum;
            const p = sigmoid(from[j]! + linL[j]! - diff);
            if (l === N - 1) {
              if (counted) acc[j]! += p / K;
              // every sweep of either chain is a stationary draw, so all of them estimate E[hhᵀ | x]:
              // E[(h_i − μ_i)(h_j − μ_j) | x] = E[(h_i − μ_i)(p_j − μ_j)] for i ≠ j (h_i is in the rest), E[(h_j − μ_j)²] = E[p_j](1 − 2μ_j) + μ_j²
              // (row j of the transpose: contiguous; Q is symmetrised at the end)
              const dj = (p - mu[j]!) * qWeight;
              const row = j * nTop;
              kern.axpy(nTop, dj, CENTRED, 0, qCur, row);
              Q[row + j]! += (p * (1 - 2 * mu[j]!) + mu[j]! * mu[j]! - (cur - mu[j]!) * (p - mu[j]!)) * qWeight;
            }
            const next = rng.nextFloat() < p ? 1 : 0;
            if (next !== cur) {
              hl[j] = next;
              if (l === N - 1) centred[j] = next - mu[j]!;
              // σ(u ± w) = σ(u) e^{±w} / f and σ(−u ∓ w) = σ(−u) / f, f = σ(−u) + σ(u) e^{±w}
              kern.flip(n, next === 1 ? 1 : -1, Wk[l - 1]!, o, e, o, Uk[l - 1]!, SG[l - 1]!, CG[l - 1]!);
            }
          }
        }
      }
    };
    for (let b = 0; b < B; b++) {
      qCur = QB[b]!;
      for (let s = Math.floor((b * S) / B); s < Math.floor(((b + 1) * S) / B); s++) {
        if (N === 1) {
          // the first level is the end: m(x) = x, no chain needed, and Cov(h | x) = 0
          const Q = kern.arrays()[qCur]!;
          const x = level(0, s);
          mA.set(x, s * nTop);
          mB.set(x, s * nTop);
          for (let i = 0; i < nTop; i++)
            for (let j = 0; j < nTop; j++) Q[i * nTop + j]! += (x[i]! - mu[i]!) * (x[j]! - mu[j]!);
          continue;
        }
        run(s, rngA, 0, mA);
        run(s, rngB, burn, mB);
      }
    }
    const arr = kern.arrays();
    for (const q of QB) Qb.push(Float64Array.from(arr[q]!));
  } finally {
    kern.dispose();
  }
  // per batch: C_b = mean_s ½((m_A − μ)(m_B − μ)ᵀ + (m_B − μ)(m_A − μ)ᵀ), F_b = G C_b Gᵀ ('direct'),
  // or C_b = diag(μ(1 − μ)) − mean_s (Q̂_s − that product) ('missing-information')
  // (centred on the exact μ: mean(m_A m_Bᵀ) − μμᵀ has the same expectation but adds the
  // zero-mean cross terms (m̄ − μ)μᵀ, whose spread is large where ‖Gμ‖ is)
  const parts: Matrix<Float64Array>[] = [];
  let noise = 0;
  for (let b = 0; b < B; b++) {
    const s0 = Math.floor((b * S) / B);
    const s1 = Math.floor(((b + 1) * S) / B);
    const C = matrix(nTop, nTop);
    for (let s = s0; s < s1; s++) {
      const a = mA.subarray(s * nTop, (s + 1) * nTop);
      const c = mB.subarray(s * nTop, (s + 1) * nTop);
      for (let i = 0; i < nTop; i++) {
        noise += 0.5 * (a[i]! - c[i]!) ** 2;
        const ai = a[i]! - mu[i]!;
        const ci = c[i]! - mu[i]!;
        for (let j = 0; j < nTop; j++) C.data[i * nTop + j]! += 0.5 * (ai * (c[j]! - mu[j]!) + ci * (a[j]! - mu[j]!));
      }
    }
    const count = s1 - s0;
    if (estimator === 'missing-information') {
      // Cov_x(m) = Cov(h | y) − E_x Cov(h | x, y): the first exactly diag(μ(1 − μ)), the second from the chains
      const Q = Qb[b]!;
      for (let i = 0; i < nTop; i++)
        for (let j = 0; j < nTop; j++) {
          const k = i * nTop + j;
          const q = 0.5 * (Q[k]! + Q[j * nTop + i]!);
          C.data[k] = (i === j ? mu[i]! * (1 - mu[i]!) : 0) - (q - C.data[k]!) / count;
        }
    } else for (let i = 0; i < C.data.length; i++) C.data[i] = C.data[i]! / count;
    parts.push(sandwich(be, G, C));
  }
  const { mean: F, stderr } = meanAndError(be, parts);
  // the signal: tr Cov_x(m) from the cross products
  let trace = 0;
  for (let s = 0; s < S; s++)
    for (let i = 0; i < nTop; i++) trace += (mA[s * nTop + i]! - mu[i]!) * (mB[s * nTop + i]! - mu[i]!);
  // jackknife over batches of λ₁ and of the gap λ₁ − λ₂ (both from one eigen-solve of each leave-one-out mean)
  const top2 = (M: Matrix<Float64Array>) => {
    const v = be.symmetricEigen(M).values;
    return [v[0]!, v[0]! - (v[1] ?? 0)] as const;
  };
  const [value, gapValue] = top2(F);
  const loo =
    B < 2
      ? []
      : parts.map((p) => {
          const M = matrix(F.rows, F.cols);
          for (let i = 0; i < M.data.length; i++) M.data[i] = (B * F.data[i]! - p.data[i]!) / (B - 1);
          return top2(M);
        });
  const jackknife = (k: 0 | 1) => {
    if (loo.length === 0) return 0;
    const mean = loo.reduce((a, v) => a + v[k], 0) / B;
    return Math.sqrt(((B - 1) / B) * loo.reduce((a, v) => a + (v[k] - mean) ** 2, 0));
  };
  const gap = { value: gapValue, stderr: jackknife(1) };
  return {
    F,
    stderr,
    chainNoise: noise / S / Math.max(1e-300, trace / S),
    lambda1: { value, stderr: jackknife(0) },
    gap: { ...gap, degenerate: gap.value < NEAR_DEGENERATE * gap.stderr },
  };
}
