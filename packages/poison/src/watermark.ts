/**
 * A keyed watermark in the served answers, and the test that a suspect model
 * carries it (proof of ownership after the fact). Two marks, both keyed by the
 * owner's secret k (≥ 16 bytes) through HMAC-SHA256:
 *  - triggers (DAWN, Szyller et al. 2021): an input x is marked when
 *    u(x) = HMAC_k("rgdl-wm1/trigger" ‖ q(x)) read as a uniform in [0, 1) is
 *    below the rate r (≤ 0.5%), q(x) the input quantised to bytes (round(255x));
 *    a marked input's answer carries a keyed wrong label c′: one of the
 *    UNLIKELY_CHOICES classes the clean answer finds least likely, picked by
 *    s(x) ∈ {1, …, K − 1} from the same digest ((s − 1) mod 3 counts up from
 *    the least likely; the entries of c and c′ swapped), so a model that never
 *    saw the answer rarely gives c′ (the null rate is measured on the owner's
 *    reference models: triggerNull); the server keeps the marked inputs it
 *    answered (the evidence);
 *  - fingerprint, linear (a key with `features`, linear-fingerprint.ts): every
 *    answer moves a step ε P A φ(x)/√((K − 1)p) along a keyed linear function
 *    of the owner's whitened principal components φ(x); its test is exact
 *    (S | M ~ N(0, ‖M‖²)) and a clone that fits a linear function of x
 *    inherits it;
 *  - fingerprint, per class (a key without features: the first design, kept for
 *    comparison): every answer of predicted class c moves a step of ‖δ‖₂ = ε
 *    along a keyed unit direction d_c (uniform on the unit sphere of Σδ = 0,
 *    drawn from a generator seeded by HMAC_k("rgdl-wm1/direction" ‖ c)), kept
 *    valid and label-keeping by constrainStep; a soft clone inherits the shift.
 * Verification of the per-class fingerprint asks the suspect for answers p(x) on probe inputs (the owner's
 * own data) and forms, with reference answers r(x) that do not depend on the key
 * (the owner's clean answers ŷ(x), or a reference model the owner trained on
 * them, which shares a clone's systematic errors and so lowers the noise),
 *   D_c = P Σ_{x : argmax p(x) = c} (p(x) − r(x)),   S = Σ_c ⟨D_c, d_c⟩,
 * P the projection onto Σδ = 0. For a model that never saw the key (the null),
 * the d_c are independent and uniform on the sphere of dimension m = K − 1
 * whatever the D_c are, so ⟨D_c, d_c⟩ = ‖D_c‖ t_c with t_c of density
 * ∝ (1 − t²)^{(m−3)/2} on [−1, 1], and the Chernoff bound
 *   P(S ≥ s) ≤ min_{λ ≥ 0} e^{−λs} Π_c E[e^{λ‖D_c‖t}]
 * (each factor from its moment series) is a valid p-value. The triggers are scored by
 * how many of the recorded marked inputs the suspect labels c′: under the null
 * a binomial whose rate is the Clopper–Pearson upper bound of the match rate
 * the owner's reference models show on would-be triggers (triggerNull; without
 * references, the 1/(K − 1) of a model that errs uniformly). Several
 * references and the triggers are combined by Bonferroni (the smallest p times
 * the number of tests).
 * Node only (node:crypto).
 */
import { createHmac } from 'node:crypto';
import { matrix, rngFor, type Matrix } from '@rgdl/gpu-kernels';
import { argmax, constrainStep, randomAnswerDirection } from './constrain.js';
import { linearFingerprintScore, linearMap, linearStep, type FingerprintFeatures } from './linear-fingerprint.js';

export interface WatermarkKey {
  /** The owner's secret (≥ 16 bytes). */
  readonly secret: Uint8Array;
  /** Fraction of inputs answered with a keyed wrong label (0 … 0.005). */
  readonly rate: number;
  /** ε = ‖δ‖₂ of the fingerprint step on every answer (0 … 0.5; 0: none; for the linear fingerprint its root mean square over the owner's data). */
  readonly fingerprint: number;
  /** The linear fingerprint's feature map (the owner's whitened principal components); without it the per-class fingerprint. */
  readonly features?: FingerprintFeatures;
}

/** The largest trigger rate a key may ask for: at most 0.5% of honest answers change label. */
export const MAX_WATERMARK_RATE = 0.005;

/** @throws RangeError for a short secret or a rate or fingerprint out of range. */
export function checkWatermarkKey(key: WatermarkKey): WatermarkKey {
  if (key.secret.length < 16) throw new RangeError(`the watermark secret has ${key.secret.length} bytes; at least 16`);
  if (!(key.rate >= 0 && key.rate <= MAX_WATERMARK_RATE)) {
    throw new RangeError(`the watermark rate must be in [0, ${MAX_WATERMARK_RATE}], got ${key.rate}`);
  }
  if (!(key.fingerprint >= 0 && key.fingerprint <= 0.5)) {
    throw new RangeError(`the fingerprint step must be in [0, 0.5], got ${key.fingerprint}`);
  }
  const f = key.features;
  if (f !== undefined) {
    if (f.basis.rows < 1 || f.basis.cols !== f.mean.length || f.basis.data.length !== f.basis.rows * f.basis.cols) {
      throw new RangeError(
        `the fingerprint's features need a p × n basis and a mean of length n (got ${f.basis.rows} × ${f.basis.cols} and ${f.mean.length})`,
      );
    }
    if (!f.basis.data.every(Number.isFinite) || !f.mean.every(Number.isFinite)) {
      throw new RangeError("the fingerprint's features must be finite numbers");
    }
  }
  return key;
}

function digest(key: WatermarkKey, tag: string, bytes: Uint8Array): Buffer {
  return createHmac('sha256', key.secret).update(`rgdl-wm1/${tag}`).update(bytes).digest();
}

/** round(255·x) per entry: the bytes an input is keyed by (equal for inputs a server cannot tell apart at 8 bits). */
function quantise(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, x[i]!)));
  return out;
}

/** How many of the least likely classes a trigger's wrong label is drawn from. */
export const UNLIKELY_CHOICES = 3;

/**
 * The keyed wrong label of a marked input whose clean answer is `row`: of the
 * classes other than argmax, sorted from least likely (ties by index), the one
 * at (shift − 1) mod min(UNLIKELY_CHOICES, K − 1).
 */
export function triggerLabel(row: ArrayLike<number>, shift: number): number {
  const c = argmax(row);
  const others = Array.from({ length: row.length }, (_, j) => j).filter((j) => j !== c);
  others.sort((a, b) => row[a]! - row[b]! || a - b);
  return others[(shift - 1) % Math.min(UNLIKELY_CHOICES, others.length)]!;
}

/** Whether x is a trigger, and its label shift s ∈ {1, …, K − 1}. */
export function triggerOf(
  key: WatermarkKey,
  x: ArrayLike<number>,
  classes: number,
): { marked: boolean; shift: number } {
  const d = digest(key, 'trigger', quantise(x));
  const u = d.readUInt32BE(0) / 2 ** 32;
  return { marked: u < key.rate, shift: 1 + (d.readUInt32BE(4) % (classes - 1)) };
}

/** Each key's directions once computed (a server watermarks every batch with the same key). */
const DIRECTIONS = new WeakMap<WatermarkKey, Map<number, readonly Float64Array[]>>();

/** The keyed fingerprint direction of each class: unit, Σ = 0, uniform on that sphere. */
export function fingerprintDirections(key: WatermarkKey, classes: number): readonly Float64Array[] {
  let byClasses = DIRECTIONS.get(key);
  if (byClasses === undefined) DIRECTIONS.set(key, (byClasses = new Map()));
  let directions = byClasses.get(classes);
  if (directions === undefined) {
    directions = Array.from({ length: classes }, (_, c) =>
      randomAnswerDirection(
        rngFor('watermark-direction', digest(key, 'direction', Uint8Array.of(c)).readUInt32BE(0)),
        classes,
        'simplex',
      ),
    );
    byClasses.set(classes, directions);
  }
  return directions;
}

export interface WatermarkedBatch {
  readonly served: Matrix<Float64Array>;
  /** Rows that carry a keyed wrong label (the evidence a server keeps). */
  readonly marked: readonly number[];
}

/** The watermarked answers for inputs x (rows × n_0) and the answers a defence served (rows × K). */
export function watermarkAnswers(
  key: WatermarkKey,
  x: Matrix<Float64Array>,
  answers: Matrix<Float64Array>,
): WatermarkedBatch {
  const K = answers.cols;
  const features = key.features;
  if (features !== undefined && features.mean.length !== x.cols) {
    throw new RangeError(`the key's fingerprint features take ${features.mean.length} inputs, not ${x.cols}`);
  }
  const directions = key.fingerprint > 0 && features === undefined ? fingerprintDirections(key, K) : [];
  const map = key.fingerprint > 0 && features !== undefined ? linearMap(key.secret, K, features.basis.rows) : undefined;
  const out = matrix(answers.rows, K);
  const marked: number[] = [];
  for (let r = 0; r < answers.rows; r++) {
    const clean = answers.data.subarray(r * K, (r + 1) * K);
    let row: Float64Array = clean.slice();
    const c = argmax(row);
    if (key.fingerprint > 0) {
      const step =
        features === undefined
          ? directions[c]!.map((v) => key.fingerprint * v)
          : linearStep(map!, features, key.fingerprint, x.data.subarray(r * x.cols, (r + 1) * x.cols), K);
      row = constrainStep(row, step, 'simplex').served;
    }
    const t = triggerOf(key, x.data.subarray(r * x.cols, (r + 1) * x.cols), K);
    if (t.marked) {
      const wrong = triggerLabel(clean, t.shift);
      [row[c], row[wrong]] = [row[wrong]!, row[c]!];
      // a tie would leave the label ambiguous: the wrong label leads by the margin
      if (row[wrong]! <= row[c]!) row[wrong] = row[c]! + 1e-6;
      marked.push(r);
    }
    out.data.set(row, r * K);
  }
  return { served: out, marked };
}

/** Where logMgf switches from its series to its asymptotic form. */
export function asymptoticFrom(m: number): number {
  return Math.max(400, 50 * (m - 2) ** 2);
}

/** log Γ(m/2) for an integer m ≥ 1 (exact: Γ(1) = 1, Γ(½) = √π, Γ(z + 1) = zΓ(z)). */
function logGammaHalf(m: number): number {
  let z = m % 2 === 0 ? 1 : 0.5;
  let log = m % 2 === 0 ? 0 : 0.5 * Math.log(Math.PI);
  while (z < m / 2) {
    log += Math.log(z);
    z += 1;
  }
  return log;
}

/**
 * log E[e^{x t}] for t of density ∝ (1 − t²)^{(m−3)/2} on [−1, 1] (the first
 * coordinate of a uniform unit vector in m dimensions). This is
 * Γ(m/2)(2/x)^ν I_ν(x) with ν = m/2 − 1. For x ≤ 400: its moment series
 * Σ_k x^{2k} E[t^{2k}]/(2k)!, E[t^{2k}] = Π_{i<k} (2i + 1)/(m + 2i) (the ratio
 * of consecutive terms is x²/((m + 2k)(2k + 2))), summed in log space until the
 * terms fall below 1e-18 of the sum, up to x = max(400, 50μ) with μ = 4ν².
 * Beyond: the asymptotic I_ν(x) = e^x/√(2πx) (1 − (μ − 1)/(8x) +
 * (μ − 1)(μ − 9)/(2(8x)²) − …) to three terms (the next is below 1e-6).
 */
export function logMgf(x: number, m: number): number {
  const ax = Math.abs(x);
  const nu = m / 2 - 1;
  const mu = 4 * nu * nu;
  if (ax > asymptoticFrom(m)) {
    const z = 8 * ax;
    const series = 1 - (mu - 1) / z + ((mu - 1) * (mu - 9)) / (2 * z * z);
    return logGammaHalf(m) + nu * Math.log(2 / ax) + ax - 0.5 * Math.log(2 * Math.PI * ax) + Math.log(series);
  }
  const x2 = x * x;
  let logTerm = 0;
  let logSum = 0;
  for (let k = 0; k < 10 * asymptoticFrom(m); k++) {
    logTerm += Math.log(x2 / ((m + 2 * k) * (2 * k + 2)));
    const hi = Math.max(logSum, logTerm);
    logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logTerm - hi));
    if (k > ax && logTerm < logSum - 41.5) break;
  }
  return logSum;
}

/** log of the Chernoff bound at λ: −λs + Σ_c log E[e^{λ a_c t}]. */
function chernoffLog(norms: readonly number[], s: number, m: number, lambda: number): number {
  let log = -lambda * s;
  for (const a of norms) if (a > 0) log += logMgf(lambda * a, m);
  return log;
}

/**
 * The Chernoff p-value bound P(Σ_c ‖D_c‖ t_c ≥ s) for independent t_c of the
 * sphere's projection density in dimension m (above), minimised over λ ≥ 0
 * (the bound's logarithm is convex in λ: a bracket, then golden-section
 * search); 1 when s ≤ 0. Returned as log₁₀ too (for bounds below 1e-300).
 */
export function fingerprintPValue(norms: readonly number[], s: number, m: number): { p: number; log10p: number } {
  if (!(s > 0) || norms.every((a) => !(a > 0))) return { p: 1, log10p: 0 };
  // the Gaussian proxy's optimum λ = s·m / Σa² starts the bracket
  const sumSq = norms.reduce((acc, a) => acc + a * a, 0);
  // λ·max a is capped at 1e7: where the bound keeps falling beyond (S at its largest possible
  // value, every d_c aligned with D_c) the p-value reported is the bound there
  const cap = 1e7 / Math.max(...norms);
  let hi = Math.min(cap, (2 * s * m) / sumSq);
  while (2 * hi <= cap && chernoffLog(norms, s, m, 2 * hi) < chernoffLog(norms, s, m, hi)) hi *= 2;
  let lo = 0;
  hi *= 2;
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = chernoffLog(norms, s, m, a);
  let fb = chernoffLog(norms, s, m, b);
  for (let i = 0; i < 60; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = chernoffLog(norms, s, m, a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = chernoffLog(norms, s, m, b);
    }
  }
  const best = Math.min(0, fa, fb);
  return { p: Math.exp(best), log10p: best / Math.LN10 };
}

export interface FingerprintScore {
  /** S = Σ_c ⟨D_c, d_c⟩. */
  readonly score: number;
  /** ‖D_c‖ per class. */
  readonly norms: readonly number[];
  /** Chernoff bound on P(S ≥ score) for a model that never saw the key. */
  readonly p: number;
  readonly log10p: number;
}

/**
 * The fingerprint statistic of a suspect's answers on probe inputs against the
 * owner's clean answers there (both rows × K).
 */
export function fingerprintScore(
  key: WatermarkKey,
  suspect: Matrix<Float64Array>,
  clean: Matrix<Float64Array>,
): FingerprintScore {
  const K = suspect.cols;
  if (clean.rows !== suspect.rows || clean.cols !== K) {
    throw new RangeError(`${suspect.rows} × ${K} suspect answers but ${clean.rows} × ${clean.cols} clean ones`);
  }
  const directions = fingerprintDirections(key, K);
  const D = Array.from({ length: K }, () => new Float64Array(K));
  for (let r = 0; r < suspect.rows; r++) {
    const p = suspect.data.subarray(r * K, (r + 1) * K);
    const c = argmax(p);
    for (let j = 0; j < K; j++) D[c]![j]! += p[j]! - clean.data[r * K + j]!;
  }
  let score = 0;
  const norms = D.map((d, c) => {
    const mean = d.reduce((a, b) => a + b, 0) / K;
    for (let j = 0; j < K; j++) d[j]! -= mean;
    for (let j = 0; j < K; j++) score += d[j]! * directions[c]![j]!;
    return Math.hypot(...d);
  });
  return { score, norms, ...fingerprintPValue(norms, score, K - 1) };
}

/** Triggers recorded by a server: the marked inputs and the wrong labels they were served. */
export interface TriggerSet {
  readonly inputs: Matrix<Float64Array>;
  readonly labels: readonly number[];
}

/** The triggers among a batch the watermark answered (rows `marked` of x, labelled by their served argmax). */
export function triggersOf(x: Matrix<Float64Array>, batch: WatermarkedBatch): TriggerSet {
  const inputs = matrix(batch.marked.length, x.cols);
  batch.marked.forEach((r, i) => inputs.data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  const K = batch.served.cols;
  return {
    inputs,
    labels: batch.marked.map((r) => argmax(batch.served.data.subarray(r * K, (r + 1) * K))),
  };
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log(n - k + i) - Math.log(i);
  let term = logC + k * Math.log(p) + (n - k) * Math.log1p(-p);
  let sum = Math.exp(term);
  for (let j = k + 1; j <= n; j++) {
    term += Math.log(n - j + 1) - Math.log(j) + Math.log(p) - Math.log1p(-p);
    sum += Math.exp(term);
  }
  return Math.min(1, sum);
}

/**
 * The one-sided Clopper–Pearson upper bound on a binomial rate after k
 * successes in n trials: the p with P(X ≤ k | n, p) = 1 − confidence (1 when
 * k = n), found by bisection on binomialTail.
 */
export function clopperPearsonUpper(k: number, n: number, confidence = 0.95): number {
  if (!(n > 0) || k >= n) return 1;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    // P(X ≤ k) = 1 − P(X ≥ k + 1) falls as p grows
    if (1 - binomialTail(n, k + 1, mid) > 1 - confidence) lo = mid;
    else hi = mid;
  }
  return hi;
}

export interface TriggerNull {
  /** Would-be triggers × reference models on which a reference gave the keyed wrong label. */
  readonly matches: number;
  readonly trials: number;
  /** The Clopper–Pearson upper bound at `confidence`: the null rate verifyOwnership should use. */
  readonly rate: number;
  readonly confidence: number;
}

/**
 * The null rate of the trigger test, measured: every input of the owner's
 * held-out data is treated as if it were marked (marking is a keyed hash,
 * independent of the input's content), its would-be wrong label is
 * triggerLabel(clean answer, s(x)), and each reference model (trained by the
 * owner without the watermark: on true labels, or on the clean answers) is
 * scored on how often it gives that label. Returns the count and its
 * Clopper–Pearson upper bound.
 */
export function triggerNull(
  key: WatermarkKey,
  inputs: Matrix<Float64Array>,
  clean: Matrix<Float64Array>,
  references: readonly Matrix<Float64Array>[],
  confidence = 0.95,
): TriggerNull {
  const K = clean.cols;
  if (clean.rows !== inputs.rows) throw new RangeError(`${inputs.rows} inputs but ${clean.rows} clean answers`);
  const labels = Array.from({ length: inputs.rows }, (_, r) =>
    triggerLabel(
      clean.data.subarray(r * K, (r + 1) * K),
      triggerOf(key, inputs.data.subarray(r * inputs.cols, (r + 1) * inputs.cols), K).shift,
    ),
  );
  let matches = 0;
  for (const ref of references) {
    if (ref.rows !== inputs.rows || ref.cols !== K) {
      throw new RangeError(`a reference answered ${ref.rows} × ${ref.cols}, not ${inputs.rows} × ${K}`);
    }
    labels.forEach((c, r) => {
      if (argmax(ref.data.subarray(r * K, (r + 1) * K)) === c) matches++;
    });
  }
  const trials = labels.length * references.length;
  return { matches, trials, rate: clopperPearsonUpper(matches, trials, confidence), confidence };
}

export interface OwnershipOptions {
  /** Probe inputs the suspect is asked about (the owner's own data), rows × n_0. */
  readonly probes: Matrix<Float64Array>;
  /** The owner's clean answers ŷ on the probes (rows × K). */
  readonly clean: Matrix<Float64Array>;
  /**
   * Answers on the probes of the owner's reference models (trained without the
   * watermark): each is one more fingerprint reference beside `clean`, and the
   * best of them counts (Bonferroni over all tests).
   */
  readonly references?: readonly Matrix<Float64Array>[];
  /** The suspect: its answers (rows × K probability vectors, or one-hot labels) for inputs. */
  readonly ask: (inputs: Matrix<Float64Array>) => Matrix<Float64Array> | Promise<Matrix<Float64Array>>;
  /** The triggers served to the suspect's source (a server's evidence), if any. */
  readonly triggers?: TriggerSet;
  /**
   * Null probability that a model that never saw the key gives a trigger its
   * keyed wrong label (default 1/(K − 1); measure it with triggerNull).
   */
  readonly triggerNull?: number;
}

/** A fingerprint test's outcome: S, its p-value, and (linear) z = S/‖M‖ or (per class) the ‖D_c‖. */
export interface FingerprintTest {
  readonly kind: 'linear' | 'class';
  readonly score: number;
  readonly p: number;
  readonly log10p: number;
  /** Linear: z = S / ‖M‖_F. */
  readonly z?: number;
  /** Per class: ‖D_c‖. */
  readonly norms?: readonly number[];
}

/** The fingerprint test of a key on a suspect's answers against one reference's (both rows × K) on the probes. */
export function fingerprintTest(
  key: WatermarkKey,
  probes: Matrix<Float64Array>,
  suspect: Matrix<Float64Array>,
  reference: Matrix<Float64Array>,
): FingerprintTest {
  if (key.features === undefined) return { kind: 'class', ...fingerprintScore(key, suspect, reference) };
  const { score, z, p, log10p } = linearFingerprintScore(key.secret, key.features, probes, suspect, reference);
  return { kind: 'linear', score, z, p, log10p };
}

export interface Ownership {
  /** The fingerprint against the reference that gave the smallest p (0: the clean answers, i: references[i − 1]). */
  readonly fingerprint: FingerprintTest & { readonly reference: number };
  readonly triggers: { readonly n: number; readonly matched: number; readonly null: number; readonly p: number } | null;
  /** The smaller p-value times the number of tests (Bonferroni): a valid p-value for "this suspect was trained on our answers". */
  readonly p: number;
  readonly log10p: number;
  /** Inputs sent to the suspect. */
  readonly queries: number;
}

/** Scores both marks from the suspect's answers on the probes and (when there are triggers) on the triggers. */
function ownershipOf(
  key: WatermarkKey,
  options: Omit<OwnershipOptions, 'ask'>,
  answers: Matrix<Float64Array>,
  triggerAnswers: Matrix<Float64Array> | undefined,
): Ownership {
  const candidates = [options.clean, ...(options.references ?? [])].map((ref, reference) => ({
    ...fingerprintTest(key, options.probes, answers, ref),
    reference,
  }));
  const fingerprint = candidates.reduce((best, c) => (c.log10p < best.log10p ? c : best));
  let triggers: Ownership['triggers'] = null;
  let log10p = fingerprint.log10p;
  const t = options.triggers;
  if (t !== undefined && triggerAnswers !== undefined) {
    const K = triggerAnswers.cols;
    let matched = 0;
    t.labels.forEach((c, i) => {
      if (argmax(triggerAnswers.data.subarray(i * K, (i + 1) * K)) === c) matched++;
    });
    const p0 = options.triggerNull ?? 1 / (K - 1);
    const p = binomialTail(t.labels.length, matched, p0);
    triggers = { n: t.labels.length, matched, null: p0, p };
    log10p = Math.min(log10p, Math.log10(Math.max(p, 1e-300)));
  }
  const tests = candidates.length + (triggers ? 1 : 0);
  const combined = Math.min(0, log10p + Math.log10(tests));
  return {
    fingerprint,
    triggers,
    p: 10 ** combined,
    log10p: combined,
    queries: options.probes.rows + (t?.labels.length ?? 0),
  };
}

const hasTriggers = (o: Omit<OwnershipOptions, 'ask'>) => o.triggers !== undefined && o.triggers.labels.length > 0;

/**
 * How a verification budget of `queries` is spent: the recorded triggers first
 * (at most half the budget: each is worth more than a probe to a clone that
 * memorises, nothing to one that does not), then probes for the rest.
 */
export function splitQueries(
  queries: number,
  triggers: number,
): { readonly triggers: number; readonly probes: number } {
  if (!(Number.isInteger(queries) && queries >= 2))
    throw new RangeError(`the query budget must be an integer ≥ 2, got ${queries}`);
  const t = Math.min(Math.max(0, triggers), Math.floor(queries / 2));
  return { triggers: t, probes: queries - t };
}

/** The first n triggers of a set. */
export function firstTriggers(t: TriggerSet, n: number): TriggerSet {
  const k = Math.min(n, t.labels.length);
  return {
    inputs: matrix(k, t.inputs.cols, t.inputs.data.slice(0, k * t.inputs.cols)),
    labels: t.labels.slice(0, k),
  };
}

/** Asks the suspect about the probes (and the triggers) and scores both marks. */
export async function verifyOwnership(key: WatermarkKey, options: OwnershipOptions): Promise<Ownership> {
  const answers = await options.ask(options.probes);
  const got = hasTriggers(options) ? await options.ask(options.triggers!.inputs) : undefined;
  return ownershipOf(key, options, answers, got);
}

/** verifyOwnership for a suspect that answers synchronously (a model in this process: the experiments' jobs). */
export function verifyOwnershipSync(
  key: WatermarkKey,
  options: Omit<OwnershipOptions, 'ask'> & { readonly ask: (inputs: Matrix<Float64Array>) => Matrix<Float64Array> },
): Ownership {
  const answers = options.ask(options.probes);
  const got = hasTriggers(options) ? options.ask(options.triggers!.inputs) : undefined;
  return ownershipOf(key, options, answers, got);
}

/**
 * A watermark key file: JSON {format, version, secret (base64), rate,
 * fingerprint}; version 2 adds features {mean, basis (p rows)} (the linear
 * fingerprint's feature map).
 */
export function serializeWatermarkKey(key: WatermarkKey): string {
  const f = key.features;
  const head = {
    format: 'rgdl-watermark-key',
    version: f === undefined ? 1 : 2,
    secret: Buffer.from(key.secret).toString('base64'),
    rate: key.rate,
    fingerprint: key.fingerprint,
  };
  if (f === undefined) return `${JSON.stringify(head, null, 1)}\n`;
  const rows = Array.from({ length: f.basis.rows }, (_, k) =>
    Array.from(f.basis.data.subarray(k * f.basis.cols, (k + 1) * f.basis.cols)),
  );
  return `${JSON.stringify({ ...head, features: { mean: Array.from(f.mean), basis: rows } })}\n`;
}

function parseFeatures(o: unknown): FingerprintFeatures {
  const f = o as { mean?: unknown; basis?: unknown } | null;
  const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
  if (
    f === null ||
    typeof f !== 'object' ||
    !isNumbers(f.mean) ||
    !Array.isArray(f.basis) ||
    !f.basis.every(isNumbers)
  ) {
    throw new RangeError("the watermark key file's features need mean (numbers) and basis (rows of numbers)");
  }
  const rows = f.basis as number[][];
  const n = f.mean.length;
  if (rows.length === 0 || rows.some((r) => r.length !== n)) {
    throw new RangeError(`the watermark key file's features need 1 or more basis rows of ${n} numbers`);
  }
  return { mean: Float64Array.from(f.mean), basis: matrix(rows.length, n, Float64Array.from(rows.flat())) };
}

/** @throws RangeError for text that is not a valid key file (the secret is never quoted). */
export function parseWatermarkKey(text: string): WatermarkKey {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new RangeError('the watermark key file is not JSON');
  }
  const f = o as Record<string, unknown>;
  if (
    f === null ||
    typeof f !== 'object' ||
    f.format !== 'rgdl-watermark-key' ||
    (f.version !== 1 && f.version !== 2)
  ) {
    throw new RangeError('not an rgdl watermark key file (format rgdl-watermark-key, version 1 or 2)');
  }
  if (typeof f.secret !== 'string' || typeof f.rate !== 'number' || typeof f.fingerprint !== 'number') {
    throw new RangeError('the watermark key file needs secret (base64), rate and fingerprint');
  }
  const features = f.version === 2 ? parseFeatures(f.features) : undefined;
  return checkWatermarkKey({
    secret: Buffer.from(f.secret, 'base64'),
    rate: f.rate,
    fingerprint: f.fingerprint,
    ...(features ? { features } : {}),
  });
}
