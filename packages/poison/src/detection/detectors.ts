/**
 * Per-client detectors of model extraction. Each folds a client's queries, one
 * at a time, into a small JSON state (so a store shared between server
 * processes can hold it) and gives a score, higher = more like an attacker,
 * or null while it has seen too little:
 *  - 'prada' (Juuti et al. 2019, Algorithm 1): for each query of served class
 *    c, d_min = its L2 distance to the nearest earlier query kept for c; d_min
 *    joins D unless it is 0 (an exact repeat); the query is kept (G_c) when d_min > T_c, and then
 *    T_c ← max(T_c, mean − sd of the kept distances of c). Benign queries'
 *    d_min are close to normal; synthetic ones (small steps from seeds) are not.
 *    Score 1 − W, W the Shapiro–Wilk statistic of D (once |D| ≥ `minDistances`;
 *    1 when every distance is the same, a walk of one fixed step).
 *  - 'free-energy': the fraction of the last `window` queries the victim's
 *    bottom RBM calls out of distribution (score s(x) = −F(x) below its
 *    `oodQuantile` on the defender's own data: benign rate ≈ that quantile).
 *  - 'answer-entropy': the mean normalised entropy H(ŷ)/ln K of the clean
 *    answers to the last `window` queries (the class coverage of the client's
 *    labels is reported beside it): queries far from the data get unsure answers.
 *  - 'input-mass': (mean of min(z², 9) − 1)·√(n/2) over the last `window`
 *    distinct queries (n of them), z = (Σᵢ xᵢ − m_c)/s_c the query's mass
 *    against the defender's inputs the victim labels c (its clean argmax;
 *    `inputMassProfile`): about a standard normal for benign queries. Digits
 *    drawn thicker or thinner, shifted, scaled or re-binarised change their
 *    mass in either direction while the victim's density still calls them
 *    natural. z² is capped at 9 (3 sd) so that a few misread digits do not
 *    carry a window, and an input already in the window is not counted again
 *    (an honest user who asks again brings no new mass: counted, repeats
 *    doubled the benign spread and the threshold).
 * Inputs are kept as bytes round(255·x) (the watermark's quantisation), so a
 * stored query costs n₀ bytes. Bounds: at most `maxStored` kept queries and
 * `maxDistances` distances per client (the oldest distances are dropped).
 */
import type { Matrix } from '@rgdl/gpu-kernels';
import { argmax } from '../constrain.js';
import type { OodScorer } from '../misinformation.js';
import { SHAPIRO_WILK_MAX, shapiroWilkSorted } from './shapiro-wilk.js';

export const DETECTORS = ['prada', 'free-energy', 'answer-entropy', 'input-mass'] as const;
export type DetectorName = (typeof DETECTORS)[number];

export interface DetectionSettings {
  /** Queries in the free-energy, entropy and input-mass windows (default 100). */
  readonly window: number;
  /** Distances PRADA needs before it scores (default 100, as in its paper). */
  readonly minDistances: number;
  /** Most distances kept per client (default 1,000; ≤ 5,000). */
  readonly maxDistances: number;
  /** Most queries kept per client for PRADA's distances (default 1,000). */
  readonly maxStored: number;
  /** Quantile of the defender's free-energy scores called out of distribution (default 0.05). */
  readonly oodQuantile: number;
}

export const DEFAULT_DETECTION: DetectionSettings = {
  window: 100,
  minDistances: 100,
  maxDistances: 1000,
  maxStored: 1000,
  oodQuantile: 0.05,
};

/** What each query contributes: its bytes, its served class, whether it is OOD, its clean answer's entropy, its mass's z². */
export interface QueryFeature {
  readonly bytes: Uint8Array;
  readonly label: number;
  readonly outlier: boolean;
  readonly entropy: number;
  readonly massZ2: number;
}

/**
 * The defender's inputs' mass per class: m_c and s_c, the mean and standard
 * deviation of Σᵢ xᵢ over the reference rows the victim labels c (a class with
 * fewer than two rows takes the pooled values; s_c is floored at 10⁻⁶ of the
 * pooled one, or 10⁻⁹, so z stays finite).
 */
export interface InputMassProfile {
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

/**
 * @throws RangeError for no reference rows, or labels that do not match them
 */
export function inputMassProfile(
  reference: Matrix<Float64Array>,
  labels: readonly number[],
  classes: number,
): InputMassProfile {
  const n = reference.rows;
  if (n === 0) throw new RangeError('an input-mass profile needs reference inputs');
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} reference inputs`);
  const sum = new Float64Array(classes + 1);
  const sq = new Float64Array(classes + 1);
  const count = new Float64Array(classes + 1);
  for (let r = 0; r < n; r++) {
    const c = labels[r]!;
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) throw new RangeError(`label ${c} outside 0 … ${classes - 1}`);
    const m = massOf(reference.data.subarray(r * reference.cols, (r + 1) * reference.cols));
    for (const k of [c, classes]) {
      sum[k]! += m;
      sq[k]! += m * m;
      count[k]!++;
    }
  }
  const meanOf = (k: number) => sum[k]! / count[k]!;
  const sdOf = (k: number) =>
    Math.sqrt(Math.max(0, (sq[k]! - count[k]! * meanOf(k) ** 2) / Math.max(1, count[k]! - 1)));
  const pooledSd = sdOf(classes);
  const floor = pooledSd > 0 ? 1e-6 * pooledSd : 1e-9;
  const mean: number[] = [];
  const sd: number[] = [];
  for (let c = 0; c < classes; c++) {
    const own = count[c]! >= 2;
    mean.push(own ? meanOf(c) : meanOf(classes));
    sd.push(Math.max(floor, own ? sdOf(c) : pooledSd));
  }
  return { mean, sd };
}

/** Σᵢ xᵢ of one input. */
function massOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

/** One client's detector state (JSON: numbers, arrays and base64 strings only). */
export interface ClientRecord {
  readonly version: 2;
  queries: number;
  /** PRADA: kept queries per class (base64 bytes), T_c, the kept distances' count, sum and sum of squares per class, D. */
  kept: string[][];
  thresholds: number[];
  keptStats: [number, number, number][];
  distances: number[];
  /** Ring buffers of the last `window` OOD flags (0/1) and entropies; labels seen per class. */
  outliers: number[];
  entropies: number[];
  /** Ring buffers of the last `window` distinct queries' mass z² (capped at 9) and their inputs' 32-bit hashes. */
  masses: number[];
  massKeys: number[];
  labelCounts: number[];
  scores: Record<DetectorName, number | null>;
  /** Detectors that have alarmed for this client (an alarm stays). */
  alarms: DetectorName[];
}

/** Every detector with no score yet. */
export const noScores = (): Record<DetectorName, number | null> =>
  Object.fromEntries(DETECTORS.map((d) => [d, null])) as Record<DetectorName, number | null>;

export function emptyRecord(classes: number): ClientRecord {
  return {
    version: 2,
    queries: 0,
    kept: Array.from({ length: classes }, () => []),
    thresholds: new Array<number>(classes).fill(0),
    keptStats: Array.from({ length: classes }, () => [0, 0, 0] as [number, number, number]),
    distances: [],
    outliers: [],
    entropies: [],
    masses: [],
    massKeys: [],
    labelCounts: new Array<number>(classes).fill(0),
    scores: noScores(),
    alarms: [],
  };
}

/** round(255·x) per entry (inputs in [0, 1]). */
export function quantiseInput(x: ArrayLike<number>): Uint8Array {
  // a plain loop: Uint8Array.from with a mapping function took half of a batch's detection time
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, x[i]!)));
  return out;
}

/**
 * Each row's feature: its bytes, the served label, the OOD flag (s(x) below the
 * scorer's threshold), the clean answer's normalised entropy and the z² of its
 * mass against the profile of its clean class.
 * @throws RangeError when the profile has fewer classes than the answers
 */
export function queryFeatures(
  inputs: Matrix<Float64Array>,
  clean: Matrix<Float64Array>,
  servedLabels: readonly number[],
  scorer: OodScorer,
  mass: InputMassProfile,
): QueryFeature[] {
  const scores = scorer.score(inputs);
  const K = clean.cols;
  if (mass.mean.length < K) throw new RangeError(`an input-mass profile of ${mass.mean.length} classes for ${K}`);
  return Array.from({ length: inputs.rows }, (_, r) => {
    let h = 0;
    for (let c = 0; c < K; c++) {
      const p = clean.data[r * K + c]!;
      if (p > 0) h -= p * Math.log(p);
    }
    const x = inputs.data.subarray(r * inputs.cols, (r + 1) * inputs.cols);
    const top = argmax(clean.data.subarray(r * K, (r + 1) * K));
    const z = (massOf(x) - mass.mean[top]!) / mass.sd[top]!;
    return {
      bytes: quantiseInput(x),
      label: servedLabels[r] ?? top,
      outlier: scores[r]! < scorer.threshold,
      entropy: K > 1 ? h / Math.log(K) : 0,
      massZ2: z * z,
    };
  });
}

/** z² above this (3 sd) counts as this in the input-mass window. */
export const MASS_Z2_CAP = 9;

/** 32-bit FNV-1a of the quantised input (the input-mass window's repeat check). */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

const toBase64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/** ‖a − b‖₂ of two quantised inputs, in input units (bytes / 255). */
function byteDistance(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s) / 255;
}

/** Appends to a ring of at most `size` values; returns the oldest ones it dropped. */
const push = (ring: number[], value: number, size: number): number[] => {
  ring.push(value);
  return ring.length > size ? ring.splice(0, ring.length - size) : [];
};

/**
 * A sorted copy of each record's distances, kept in step as they are pushed and
 * dropped (sorting 1,000 distances at every batch took half of a batch's
 * detection time). Checked against the list's length and sum before use; a
 * record read from a shared store, or changed by hand, is sorted afresh.
 */
const sortedDistances = new WeakMap<number[], { sorted: number[]; sum: number }>();

/** Index of the first entry of `sorted` not below v. */
function lowerBound(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const sumOf = (v: readonly number[]) => v.reduce((s, x) => s + x, 0);

/** The record's distances, sorted ascending (from the cache when it is in step). */
function sortedOf(list: number[]): number[] {
  const hit = sortedDistances.get(list);
  const sum = sumOf(list);
  if (hit !== undefined && hit.sorted.length === list.length && Math.abs(hit.sum - sum) <= 1e-9 * Math.max(1, sum))
    return hit.sorted;
  const sorted = [...list].sort((a, b) => a - b);
  sortedDistances.set(list, { sorted, sum });
  return sorted;
}

/** Appends a distance (dropping the oldest past `size`), keeping the sorted copy in step. */
function pushDistance(list: number[], value: number, size: number): void {
  const cache = sortedDistances.get(list);
  const inStep = cache !== undefined && cache.sorted.length === list.length;
  const dropped = push(list, value, size);
  if (!inStep) return;
  const sorted = cache.sorted;
  sorted.splice(lowerBound(sorted, value), 0, value);
  cache.sum += value;
  for (const d of dropped) {
    sorted.splice(lowerBound(sorted, d), 1);
    cache.sum -= d;
  }
}

/** Decoded kept queries, per record (decoding base64 on every query would cost more than the distances). */
const decoded = new WeakMap<string[], Uint8Array[]>();
function keptBytes(list: string[]): Uint8Array[] {
  let d = decoded.get(list);
  if (d === undefined || d.length !== list.length) {
    d = list.map(fromBase64);
    decoded.set(list, d);
  }
  return d;
}

/**
 * Folds one query into the record (in place) and, unless `rescore` is false,
 * refreshes its scores (a server folds a batch, then scores once).
 */
export function foldQuery(
  record: ClientRecord,
  q: QueryFeature,
  settings: DetectionSettings = DEFAULT_DETECTION,
  rescore = true,
): void {
  const c = q.label;
  if (!(c >= 0 && c < record.kept.length)) throw new RangeError(`label ${c} outside 0 … ${record.kept.length - 1}`);
  record.queries++;
  record.labelCounts[c]!++;
  // PRADA
  const list = record.kept[c]!;
  const bytes = keptBytes(list);
  const storedTotal = record.kept.reduce((s, l) => s + l.length, 0);
  if (list.length === 0) {
    if (storedTotal < settings.maxStored) {
      list.push(toBase64(q.bytes));
      bytes.push(q.bytes);
    }
  } else {
    let dMin = Infinity;
    for (const b of bytes) dMin = Math.min(dMin, byteDistance(b, q.bytes));
    // an exact repeat (the same bytes kept before) tells an attacker nothing new: it is not a
    // distance (honest users who ask again would otherwise look like a walk of zero steps)
    if (dMin > 0) pushDistance(record.distances, dMin, settings.maxDistances);
    if (dMin > record.thresholds[c]! && storedTotal < settings.maxStored) {
      list.push(toBase64(q.bytes));
      bytes.push(q.bytes);
      const st = record.keptStats[c]!;
      st[0]++;
      st[1] += dMin;
      st[2] += dMin * dMin;
      const mean = st[1] / st[0];
      const sd = Math.sqrt(Math.max(0, st[2] / st[0] - mean * mean));
      record.thresholds[c] = Math.max(record.thresholds[c]!, mean - sd);
    }
  }
  push(record.outliers, q.outlier ? 1 : 0, settings.window);
  push(record.entropies, q.entropy, settings.window);
  const key = fnv1a(q.bytes);
  if (!record.massKeys.includes(key)) {
    push(record.masses, Math.min(MASS_Z2_CAP, q.massZ2), settings.window);
    push(record.massKeys, key, settings.window);
  }
  if (rescore) record.scores = scoresOf(record, settings);
}

/** The detectors' scores of a record (null while a detector has seen too little). */
export function scoresOf(
  record: ClientRecord,
  settings: DetectionSettings = DEFAULT_DETECTION,
): ClientRecord['scores'] {
  const n = record.distances.length;
  // a window scores once it holds 20 queries (or all of a shorter window)
  const ready = (ring: readonly number[]) => ring.length >= Math.min(settings.window, 20);
  const windowFull = ready(record.outliers);
  const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const scored = n >= Math.max(3, settings.minDistances);
  const d = !scored
    ? []
    : n > SHAPIRO_WILK_MAX
      ? record.distances.slice(-SHAPIRO_WILK_MAX).sort((a, b) => a - b)
      : sortedOf(record.distances);
  return {
    // distances with no spread (a walker of one fixed step) are as far from normal as can be
    prada: scored
      ? d[d.length - 1]! - d[0]! > 1e-9 * Math.max(1, Math.abs(d[d.length - 1]!))
        ? 1 - shapiroWilkSorted(d)
        : 1
      : null,
    'free-energy': windowFull ? mean(record.outliers) : null,
    'answer-entropy': windowFull ? mean(record.entropies) : null,
    'input-mass': ready(record.masses) ? (mean(record.masses) - 1) * Math.sqrt(record.masses.length / 2) : null,
  };
}

/** Classes the client's served labels have covered (a count, reported beside the entropy). */
export function classCoverage(record: ClientRecord): number {
  return record.labelCounts.filter((n) => n > 0).length;
}
