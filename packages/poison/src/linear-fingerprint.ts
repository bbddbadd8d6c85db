/**
 * The linear fingerprint: every answer moves a step along a keyed linear
 * function of its input, so any clone that can fit a linear function of x
 * (softmax regression, an MLP) inherits it, and the test's null distribution
 * is exact. With the owner's feature map φ(x) = B(x − m) (the top p principal
 * components of its own inputs, whitened: B = Λ^{−1/2}Vᵀ, so φ has unit
 * covariance over the owner's data) and a keyed K × p matrix A whose entries
 * are iid N(0, 1) (a generator seeded by HMAC_k("rgdl-wm1/linear-map")):
 *   δ(x) = ε P A φ(x) / √((K − 1)p),   E‖δ‖₂² ≈ ε² over the owner's data,
 * P the projection onto Σδ = 0, kept valid and label-keeping by constrainStep.
 * Verification forms, from the suspect's answers s_r and a key-free reference
 * r_r (the owner's clean answers or a reference model's) on probes x_r, the
 * centred log answers ℓs_r = P log(s_r + τ) and ℓr_r = P log(r_r + τ)
 * (τ = 10⁻³: clones trained by cross-entropy copy the small probabilities'
 * relative shifts), and
 *   e_r = ℓs_r − β ℓr_r,   β = Σ_r ⟨ℓs_r, ℓr_r⟩ / Σ_r ‖ℓr_r‖²
 *   (β absorbs a clone's temperature: one less or more confident than the
 *   reference; measured: 10 of 10 softmax clones verified with it, 9 without),
 *   M = Σ_r e_r φ(x_r)ᵀ,   S = ⟨A, M⟩_F,   z = S / ‖M‖_F.
 * Nothing in M depends on the key, so for a model that never saw it A is
 * independent of M, S | M is N(0, ‖M‖²_F) exactly, and p = Φ̄(z) is a valid
 * p-value whatever the model.
 */
import { createHmac } from 'node:crypto';
import { matrix, rngFor, type Backend, type Matrix } from '@rgdl/gpu-kernels';

/** φ(x) = basis · (x − mean): the owner's whitened principal components (basis p × n_0). */
export interface FingerprintFeatures {
  readonly mean: Float64Array;
  readonly basis: Matrix<Float64Array>;
}

/** The default number of principal components of a new key's feature map. */
export const DEFAULT_FEATURES = 16;

/** τ of the log-ratio e_r = log(s + τ) − log(r + τ). */
export const LOG_FLOOR = 1e-3;

/**
 * The feature map of the owner's inputs x (rows × n_0): their mean and the top
 * p eigenvectors of their covariance, each divided by the square root of its
 * eigenvalue (components with eigenvalue ≤ 1e-12 of the largest are dropped).
 * @throws RangeError for fewer than 2 rows or p < 1.
 */
export function fingerprintFeatures(be: Backend, x: Matrix<Float64Array>, p = DEFAULT_FEATURES): FingerprintFeatures {
  const n = x.rows;
  const d = x.cols;
  if (n < 2) throw new RangeError(`the fingerprint's features need at least 2 inputs, got ${n}`);
  if (!(Number.isInteger(p) && p >= 1)) throw new RangeError(`the number of features must be an integer ≥ 1, got ${p}`);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j]! += x.data[r * d + j]! / n;
  const centred = matrix(n, d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) centred.data[r * d + j] = x.data[r * d + j]! - mean[j]!;
  const cov = be.matmul(centred, centred, { transA: true });
  for (let i = 0; i < cov.data.length; i++) cov.data[i]! /= n - 1;
  const { values, vectors } = be.symmetricEigen(cov);
  const keep = Math.min(p, d, [...values].filter((v) => v > 1e-12 * Math.max(values[0]!, 0)).length);
  const basis = matrix(keep, d);
  for (let k = 0; k < keep; k++) {
    const s = 1 / Math.sqrt(values[k]!);
    for (let j = 0; j < d; j++) basis.data[k * d + j] = vectors.data[j * d + k]! * s;
  }
  return { mean, basis };
}

/** φ(x) for one input. */
export function featuresOf(f: FingerprintFeatures, x: ArrayLike<number>): Float64Array {
  const { rows: p, cols: d, data: B } = f.basis;
  const mean = f.mean;
  const c = new Float64Array(d);
  for (let j = 0; j < d; j++) c[j] = x[j]! - mean[j]!;
  const out = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    // four partial sums: a server computes φ(x) for every answer
    const o = k * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < d; j += 4) {
      s0 += B[o + j]! * c[j]!;
      s1 += B[o + j + 1]! * c[j + 1]!;
      s2 += B[o + j + 2]! * c[j + 2]!;
      s3 += B[o + j + 3]! * c[j + 3]!;
    }
    for (; j < d; j++) s0 += B[o + j]! * c[j]!;
    out[k] = s0 + s1 + (s2 + s3);
  }
  return out;
}

const MAPS = new WeakMap<Uint8Array, Map<string, Float64Array>>();

/** The keyed K × p matrix A (row-major), entries iid N(0, 1). */
export function linearMap(secret: Uint8Array, classes: number, p: number): Float64Array {
  let bySize = MAPS.get(secret);
  if (bySize === undefined) MAPS.set(secret, (bySize = new Map()));
  const id = `${classes}×${p}`;
  let A = bySize.get(id);
  if (A === undefined) {
    const word = createHmac('sha256', secret).update('rgdl-wm1/linear-map').update(id).digest().readUInt32BE(0);
    const rng = rngFor('watermark-direction', word);
    A = Float64Array.from({ length: classes * p }, () => rng.nextGaussian());
    bySize.set(id, A);
  }
  return A;
}

/**
 * The fingerprint step δ(x) = ε P A φ(x) / √((K − 1)p) for one input (before
 * constrainStep), A = linearMap(secret, classes, p) looked up once per batch.
 */
export function linearStep(
  A: Float64Array,
  features: FingerprintFeatures,
  epsilon: number,
  x: ArrayLike<number>,
  classes: number,
): Float64Array {
  const phi = featuresOf(features, x);
  const p = phi.length;
  const v = new Float64Array(classes);
  for (let c = 0; c < classes; c++) for (let k = 0; k < p; k++) v[c]! += A[c * p + k]! * phi[k]!;
  const mean = v.reduce((a, b) => a + b, 0) / classes;
  const scale = epsilon / Math.sqrt((classes - 1) * p);
  return v.map((a) => (a - mean) * scale);
}

/**
 * log Φ̄(z) = log P(N(0, 1) ≥ z), accurate in relative terms for every z
 * (for z ≥ 0 through erfc's Chebyshev fit, Numerical Recipes' erfcc, fractional
 * error < 1.2e-7, evaluated in log space so it never underflows).
 */
export function logNormalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const logErfc =
    Math.log(t) -
    x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const upper = logErfc - Math.LN2; // log Φ̄(|z|)
  return z >= 0 ? upper : Math.log1p(-Math.exp(upper));
}

export interface LinearFingerprintScore {
  /** S = ⟨A, M⟩_F. */
  readonly score: number;
  /** ‖M‖_F (the null's standard deviation of S). */
  readonly norm: number;
  /** z = S / ‖M‖_F. */
  readonly z: number;
  readonly p: number;
  readonly log10p: number;
}

/**
 * M = Σ_r e_r φ(x_r)ᵀ (K × p, row-major) of a suspect's answers against a
 * reference's on the probes (both rows × K probability vectors): everything the
 * test needs except the key.
 */
export function fingerprintMoment(
  features: FingerprintFeatures,
  probes: Matrix<Float64Array>,
  suspect: Matrix<Float64Array>,
  reference: Matrix<Float64Array>,
): Float64Array {
  const K = suspect.cols;
  if (reference.rows !== suspect.rows || reference.cols !== K || probes.rows !== suspect.rows) {
    throw new RangeError(
      `${probes.rows} probes, ${suspect.rows} × ${K} suspect answers and ${reference.rows} × ${reference.cols} reference ones`,
    );
  }
  const p = features.basis.rows;
  // centred log answers of the suspect (ls) and the reference (lr), then β = ⟨ls, lr⟩/⟨lr, lr⟩
  const centredLog = (m: Matrix<Float64Array>) => {
    const out = new Float64Array(m.data.length);
    for (let r = 0; r < m.rows; r++) {
      let mean = 0;
      for (let c = 0; c < K; c++) mean += (out[r * K + c] = Math.log(m.data[r * K + c]! + LOG_FLOOR)) / K;
      for (let c = 0; c < K; c++) out[r * K + c]! -= mean;
    }
    return out;
  };
  const ls = centredLog(suspect);
  const lr = centredLog(reference);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ls.length; i++) {
    num += ls[i]! * lr[i]!;
    den += lr[i]! * lr[i]!;
  }
  const beta = den > 0 ? num / den : 1;
  const M = new Float64Array(K * p);
  for (let r = 0; r < suspect.rows; r++) {
    const phi = featuresOf(features, probes.data.subarray(r * probes.cols, (r + 1) * probes.cols));
    for (let c = 0; c < K; c++) {
      const e = ls[r * K + c]! - beta * lr[r * K + c]!;
      for (let k = 0; k < p; k++) M[c * p + k]! += e * phi[k]!;
    }
  }
  return M;
}

/** The test of a moment M under the keyed map A (both K × p): S = ⟨A, M⟩, z = S/‖M‖, p = Φ̄(z). */
export function momentTest(A: Float64Array, M: Float64Array): LinearFingerprintScore {
  let score = 0;
  let sq = 0;
  for (let i = 0; i < M.length; i++) {
    score += M[i]! * A[i]!;
    sq += M[i]! * M[i]!;
  }
  const norm = Math.sqrt(sq);
  if (!(norm > 0) || !Number.isFinite(score)) return { score, norm, z: 0, p: 1, log10p: 0 };
  const z = score / norm;
  const log = logNormalTail(z);
  return { score, norm, z, p: Math.exp(log), log10p: log / Math.LN10 };
}

/**
 * The test above for a suspect's answers and a reference's on the probes (both
 * rows × K probability vectors).
 */
export function linearFingerprintScore(
  secret: Uint8Array,
  features: FingerprintFeatures,
  probes: Matrix<Float64Array>,
  suspect: Matrix<Float64Array>,
  reference: Matrix<Float64Array>,
): LinearFingerprintScore {
  const M = fingerprintMoment(features, probes, suspect, reference);
  return momentTest(linearMap(secret, suspect.cols, features.basis.rows), M);
}
