import { createRng, matrix, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import type { OodScorer } from '../misinformation.js';
import { calibrateThresholds, streamMaxima } from './calibrate.js';
import { benignStream as drawBenign } from './benign-streams.js';
import { memoryClientStore, parseClientRecord } from './client-store.js';
import {
  DEFAULT_DETECTION,
  DETECTORS,
  emptyRecord,
  foldQuery,
  inputMassProfile,
  quantiseInput,
  queryFeatures,
  scoresOf,
  type DetectionSettings,
  type QueryFeature,
} from './detectors.js';
import { createClientMonitor } from './monitor.js';
import { shapiroWilkW } from './shapiro-wilk.js';

const n0 = 24;
const K = 4;

/** Four binary prototypes; a natural query flips each pixel of one with probability 0.15. */
function prototypes(rng: Rng): Uint8Array[] {
  return Array.from({ length: K }, () => Uint8Array.from({ length: n0 }, () => (rng.nextFloat() < 0.4 ? 1 : 0)));
}
function natural(protos: Uint8Array[], rng: Rng): { x: Float64Array; label: number } {
  const label = Math.floor(rng.nextFloat() * K);
  const x = Float64Array.from(protos[label]!, (v) => (rng.nextFloat() < 0.15 ? 1 - v : v));
  return { x, label };
}
const feature = (x: Float64Array, label: number, outlier = false, entropy = 0.2, massZ2 = 1): QueryFeature => ({
  bytes: quantiseInput(x),
  label,
  outlier,
  entropy,
  massZ2,
});
function benignStream(length: number, seed: number): QueryFeature[] {
  const rng = createRng(seed);
  const protos = prototypes(createRng(7));
  return Array.from({ length }, () => {
    const { x, label } = natural(protos, rng);
    return feature(x, label, rng.nextFloat() < 0.05, 0.2 + 0.1 * rng.nextFloat(), 2 * rng.nextFloat());
  });
}
/** JBDA-like: a few seeds, then each query a small step (one pixel changed by ⅛) from the previous one. */
function syntheticStream(length: number, seed: number): QueryFeature[] {
  const rng = createRng(seed);
  const protos = prototypes(createRng(7));
  let cur = natural(protos, rng);
  return Array.from({ length }, (_, i) => {
    if (i % 50 === 0) cur = natural(protos, rng);
    const x = cur.x.slice();
    const j = Math.floor(rng.nextFloat() * n0);
    x[j] = Math.min(1, Math.max(0, x[j]! + (rng.nextFloat() < 0.5 ? -0.125 : 0.125)));
    cur = { x, label: cur.label };
    return feature(x, cur.label, rng.nextFloat() < 0.6, 0.6 + 0.2 * rng.nextFloat());
  });
}

describe('PRADA fold', () => {
  it('keeps the first query of a class, records d_min, and raises T_c to mean − sd of the kept distances', () => {
    const r = emptyRecord(2);
    const x = (v: number[]) => Float64Array.from([...v, ...new Array(n0 - v.length).fill(0)]);
    foldQuery(r, feature(x([1]), 0));
    expect([r.kept[0]!.length, r.distances.length]).toEqual([1, 0]);
    foldQuery(r, feature(x([1, 1]), 0)); // distance 1 > T = 0: kept, T = 1 − 0
    expect(r.distances).toEqual([1]);
    expect(r.kept[0]!.length).toBe(2);
    expect(r.thresholds[0]).toBeCloseTo(1, 12);
    foldQuery(r, feature(x([1, 1, 0.5]), 0)); // d_min 0.5 ≤ T: not kept
    expect(r.distances[1]).toBeCloseTo(128 / 255, 12); // 0.5 quantised to 128/255
    expect(r.kept[0]!.length).toBe(2);
    foldQuery(r, feature(x([0, 0, 0, 1, 1, 1]), 0)); // d_min √4 = 2 (to [1, 1]): kept; kept distances 1, 2
    expect(r.kept[0]!.length).toBe(3);
    expect(r.thresholds[0]).toBeCloseTo(1.5 - 0.5, 12);
    // another class has its own sets
    foldQuery(r, feature(x([1]), 1));
    expect(r.kept[1]!.length).toBe(1);
    expect(r.distances.length).toBe(3);
    expect(r.queries).toBe(5);
    expect(r.labelCounts).toEqual([4, 1]);
  });

  it('scores a synthetic stream above every benign one of the same length', () => {
    const benign = Array.from(
      { length: 8 },
      (_, s) => streamMaxima(benignStream(400, 100 + s), K).record.scores.prada!,
    );
    const synthetic = Array.from(
      { length: 4 },
      (_, s) => streamMaxima(syntheticStream(400, 200 + s), K).record.scores.prada!,
    );
    expect(Math.min(...synthetic)).toBeGreaterThan(Math.max(...benign));
  });

  it('stays within its bounds', () => {
    const settings: DetectionSettings = { ...DEFAULT_DETECTION, maxStored: 30, maxDistances: 50, window: 40 };
    const { record } = streamMaxima(benignStream(500, 3), K, settings);
    expect(record.kept.reduce((s, l) => s + l.length, 0)).toBeLessThanOrEqual(30);
    expect(record.distances.length).toBe(50);
    expect(record.outliers.length).toBe(40);
    expect(record.queries).toBe(500);
  });
});

describe('calibrateThresholds', () => {
  it('holds the calibration streams to the false-alarm rate and flags synthetic streams', () => {
    const benign = Array.from({ length: 40 }, (_, s) => benignStream(300, 1000 + s));
    const cal = calibrateThresholds(benign, K, 0.05);
    expect(cal).toMatchObject({ streams: 40, length: 300, falseAlarmRate: 0.05 });
    for (const d of DETECTORS) {
      expect(cal.thresholds[d]).toBeDefined();
      const alarmed = benign.filter((s) => streamMaxima(s, K).maxima[d]! > cal.thresholds[d]!).length;
      expect(alarmed).toBeLessThanOrEqual(2); // ⌊0.05 · 40⌋
    }
    const attack = streamMaxima(syntheticStream(300, 9), K).maxima;
    expect(attack.prada!).toBeGreaterThan(cal.thresholds.prada!);
    expect(attack['free-energy']!).toBeGreaterThan(cal.thresholds['free-energy']!);
    expect(() => calibrateThresholds([], K, 0.01)).toThrow(/at least one/);
    expect(() => calibrateThresholds(benign, K, 1)).toThrow(/\(0, 1\)/);
  });
});

describe('client stores and the monitor', () => {
  const scorer: OodScorer = {
    // "in distribution" when fewer than half the pixels are on
    score: (x: Matrix<Float64Array>) =>
      Float64Array.from(
        { length: x.rows },
        (_, r) => -x.data.subarray(r * n0, (r + 1) * n0).reduce((s, v) => s + v, 0),
      ),
    threshold: -n0 / 2,
    temperature: 1,
  };

  it('raises each alarm once per client, keeps clients apart, and drops the least recent past its size', async () => {
    const store = memoryClientStore(K, 2);
    const monitor = createClientMonitor({
      scorer,
      mass: { mean: [0, 0, 0, 0], sd: [1, 1, 1, 1] },
      store,
      calibration: { thresholds: { 'free-energy': 0.5 }, falseAlarmRate: 0.01, streams: 1, length: 1 },
    });
    const ood = matrix(30, n0);
    ood.data.fill(1);
    const clean = matrix(30, K);
    clean.data.fill(1 / K);
    const labels = new Array<number>(30).fill(2);
    const first = await monitor.observe('mallory', ood, clean, labels);
    expect(first.newAlarms).toEqual(['free-energy']);
    expect(first.record.scores['free-energy']).toBe(1);
    expect(first.record.scores['answer-entropy']).toBeCloseTo(1, 12);
    const again = await monitor.observe('mallory', ood, clean, labels);
    expect(again.newAlarms).toEqual([]);
    expect(again.record.alarms).toEqual(['free-energy']);
    const quiet = await monitor.observe('alice', matrix(30, n0), clean, labels);
    expect(quiet.record.alarms).toEqual([]);
    await monitor.observe('bob', matrix(1, n0), matrix(1, K), [0]);
    expect((await store.entries(10)).map((e) => e.client)).toEqual(['alice', 'bob']);
  });

  it('features: bytes, OOD flags, normalised entropies and mass z² against the clean class', () => {
    const x = matrix(2, n0);
    x.data.fill(1, n0);
    const clean = matrix(2, K);
    clean.data.set([1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25]);
    const mass = { mean: [1, 2, 3, 4], sd: [0.5, 1, 1, 1] };
    const f = queryFeatures(x, clean, [0, 3], scorer, mass);
    expect(f.map((q) => [q.label, q.outlier, q.entropy])).toEqual([
      [0, false, 0],
      [3, true, 1],
    ]);
    expect(f[1]!.bytes.every((b) => b === 255)).toBe(true);
    // row 0: mass 0, class 0: z = (0 − 1)/0.5; row 1: mass 24, the served 3 but the clean argmax 0 (first of a tie)
    expect(f[0]!.massZ2).toBeCloseTo(4, 12);
    expect(f[1]!.massZ2).toBeCloseTo(((24 - 1) / 0.5) ** 2, 9);
    expect(() => queryFeatures(x, clean, [0, 3], scorer, { mean: [0], sd: [1] })).toThrow(/profile of 1 classes/);
  });

  it('parses a stored record back, and refuses malformed or oversized ones without echoing them', () => {
    const { record } = streamMaxima(benignStream(150, 4), K);
    expect(parseClientRecord(JSON.stringify(record), K, n0)).toEqual(record);
    const wrong = (patch: Record<string, unknown>) => JSON.stringify({ ...record, ...patch });
    expect(() => parseClientRecord('{"version":2', K, n0)).toThrow(/not JSON/);
    expect(() => parseClientRecord(wrong({ version: 1 }), K, n0)).toThrow(/version/);
    expect(() => parseClientRecord(wrong({ masses: [1, -1] }), K, n0)).toThrow(/masses/);
    expect(() => parseClientRecord(wrong({ masses: new Array(101).fill(1) }), K, n0)).toThrow(/masses/);
    expect(() => parseClientRecord(wrong({ masses: [10] }), K, n0)).toThrow(/masses/);
    expect(() => parseClientRecord(wrong({ massKeys: [1.5] }), K, n0)).toThrow(/massKeys/);
    expect(() => parseClientRecord(wrong({ kept: [['AAAA'], [], [], []] }), K, n0)).toThrow(/kept/);
    expect(() => parseClientRecord(wrong({ distances: new Array(1001).fill(1) }), K, n0)).toThrow(/distances/);
    expect(() => parseClientRecord(wrong({ alarms: ['secret-detector'] }), K, n0)).toThrow(/alarms is malformed$/);
    expect(() => parseClientRecord(wrong({ scores: { prada: 'x' } }), K, n0)).toThrow(/scores/);
  });
});

describe('input mass', () => {
  /** Natural prototype queries (each pixel flipped with probability 0.15) as a matrix, their labels and one-hot answers. */
  function naturalBatch(count: number, seed: number, redraw?: (x: Float64Array, rng: Rng) => Float64Array) {
    const rng = createRng(seed);
    const protos = prototypes(createRng(7));
    const x = matrix(count, n0);
    const clean = matrix(count, K);
    const labels: number[] = [];
    for (let r = 0; r < count; r++) {
      const q = natural(protos, rng);
      x.data.set(redraw === undefined ? q.x : redraw(q.x, rng), r * n0);
      clean.data[r * K + q.label] = 1;
      labels.push(q.label);
    }
    return { x, clean, labels };
  }
  const scorer: OodScorer = { score: (x) => new Float64Array(x.rows), threshold: -1, temperature: 1 };

  it('profiles each class by the mean and sample deviation of Σx (pooled for a class with under two rows)', () => {
    const x = matrix(5, 2);
    x.data.set([1, 0, 1, 1, 0, 0, 0.5, 0.5, 0.25, 0]);
    // masses 1, 2, 0, 1, 0.25 in classes 0, 0, 1, 1, 2
    const p = inputMassProfile(x, [0, 0, 1, 1, 2], 4);
    expect(p.mean.slice(0, 2)).toEqual([1.5, 0.5]);
    expect(p.sd[0]).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(p.sd[1]).toBeCloseTo(Math.sqrt(0.5), 12);
    const pooledMean = 4.25 / 5;
    const pooledSd = Math.sqrt([1, 2, 0, 1, 0.25].reduce((s, m) => s + (m - pooledMean) ** 2, 0) / 4);
    expect(p.mean[2]).toBeCloseTo(pooledMean, 12);
    expect(p.mean[3]).toBeCloseTo(pooledMean, 12);
    expect(p.sd[2]).toBeCloseTo(pooledSd, 12);
    // a class whose inputs all have one mass: floored, so z stays finite
    const flat = inputMassProfile(x, [0, 1, 1, 2, 2], 3);
    expect(flat.sd[0]).toBeGreaterThan(0);
    expect(() => inputMassProfile(matrix(0, 2), [], 2)).toThrow(/reference/);
    expect(() => inputMassProfile(x, [0, 0], 2)).toThrow(/2 labels for 5/);
    expect(() => inputMassProfile(x, [0, 0, 1, 1, 5], 4)).toThrow(/label 5/);
  });

  it('flags queries re-binarised thicker or thinner (half each, so the mean mass is kept) and not benign ones', () => {
    const ref = naturalBatch(2000, 1);
    const mass = inputMassProfile(ref.x, ref.labels, K);
    const stream = (seed: number, redraw?: (x: Float64Array, rng: Rng) => Float64Array) => {
      const b = naturalBatch(300, seed, redraw);
      return queryFeatures(b.x, b.clean, b.labels, scorer, mass);
    };
    const benign = Array.from({ length: 40 }, (_, s) => stream(500 + s));
    // benign: E z² = 1 (to sampling error)
    const z2 = benign.flat().map((q) => q.massZ2);
    expect(z2.reduce((s, v) => s + v, 0) / z2.length).toBeGreaterThan(0.9);
    expect(z2.reduce((s, v) => s + v, 0) / z2.length).toBeLessThan(1.1);
    const cal = calibrateThresholds(benign, K, 0.05);
    // thicker: 30% of the off pixels turned on; thinner: 30% of the on pixels turned off
    const rebinarise = (x: Float64Array, rng: Rng) => {
      const on = rng.nextFloat() < 0.5 ? 1 : 0;
      return x.map((v) => (v !== on && rng.nextFloat() < 0.3 ? on : v));
    };
    const attacks = Array.from(
      { length: 4 },
      (_, s) => streamMaxima(stream(900 + s, rebinarise), K).maxima['input-mass']!,
    );
    const fresh = Array.from({ length: 40 }, (_, s) => streamMaxima(stream(990 + s), K).maxima['input-mass']!);
    expect(Math.min(...attacks)).toBeGreaterThan(cal.thresholds['input-mass']!);
    expect(fresh.filter((v) => v > cal.thresholds['input-mass']!).length).toBeLessThanOrEqual(4); // α = 5% of 40 is 2
  });

  it('counts an input once while it is in the window, and caps z² at 9', () => {
    const settings: DetectionSettings = { ...DEFAULT_DETECTION, window: 30 };
    const r = emptyRecord(K);
    const x = (i: number) =>
      Float64Array.from({ length: n0 }, (_, j) => ((j === i % n0 ? 1 : 0) * (1 + Math.floor(i / n0))) / 8);
    for (let i = 0; i < 20; i++) foldQuery(r, feature(x(i), 0, false, 0.2, 4), settings);
    expect(r.scores['input-mass']).toBeCloseTo((4 - 1) * Math.sqrt(20 / 2), 12);
    // the same 20 inputs again: nothing new in the window
    for (let i = 0; i < 20; i++) foldQuery(r, feature(x(i), 0, false, 0.2, 100), settings);
    expect(r.masses).toHaveLength(20);
    // 20 new ones with z² 100, counted as 9; the window keeps the last 30
    for (let i = 20; i < 40; i++) foldQuery(r, feature(x(i), 0, false, 0.2, 100), settings);
    expect(r.masses).toHaveLength(30);
    expect(r.massKeys).toHaveLength(30);
    expect(r.scores['input-mass']).toBeCloseTo(((10 * 4 + 20 * 9) / 30 - 1) * Math.sqrt(30 / 2), 12);
    // the oldest has left the window: asked again, it counts again
    foldQuery(r, feature(x(0), 0, false, 0.2, 0), settings);
    expect(r.masses.at(-1)).toBe(0);
  });
});

describe('PRADA on a fixed-step walker', () => {
  it('scores distances with no spread as non-normal (1), not as W = 1', () => {
    const r = emptyRecord(1);
    r.distances = new Array<number>(120).fill(32 / 255);
    expect(scoresOf(r).prada).toBe(1);
    r.distances[7] = 0.2;
    expect(scoresOf(r).prada).toBeLessThan(1);
  });
});

describe("PRADA's sorted distances, kept in step", () => {
  it('scores exactly as sorting afresh, through drops past maxDistances and a record read back from JSON', () => {
    const settings: DetectionSettings = { ...DEFAULT_DETECTION, maxDistances: 150, minDistances: 20 };
    const r = emptyRecord(K);
    const stream = [...benignStream(600, 11), ...syntheticStream(300, 12)];
    let checked = 0;
    stream.forEach((q, i) => {
      foldQuery(r, q, settings);
      if (r.scores.prada !== null && i % 37 === 0) {
        const fresh = 1 - shapiroWilkW(r.distances);
        expect(Math.abs(r.scores.prada - fresh)).toBeLessThan(1e-12);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(15);
    expect(r.distances).toHaveLength(150);
    // a copy (as a shared store reads it) has no sorted copy: the same score
    const copy = JSON.parse(JSON.stringify(r)) as typeof r;
    expect(scoresOf(copy, settings).prada).toBeCloseTo(r.scores.prada!, 12);
    // a distance changed in place is noticed (length and sum), not scored from the stale copy
    r.distances[3] = 5;
    expect(scoresOf(r, settings).prada).toBeCloseTo(1 - shapiroWilkW(r.distances), 12);
  });
});

describe('benignStream', () => {
  const pool = drawBenign(
    Array.from({ length: 200 }, (_, i) =>
      feature(
        Float64Array.from({ length: n0 }, (_, j) => ((i * 31 + j) % 7) / 6),
        i % K,
      ),
    ),
    'random',
    200,
    createRng(1),
  );
  it('draws each honest behaviour', () => {
    const rng = createRng(2);
    expect(drawBenign(pool, 'random', 300, rng)).toHaveLength(300);
    const sorted = drawBenign(pool, 'class-order', 150, rng).map((q) => q.label);
    expect(sorted).toEqual([...sorted].sort((a, b) => a - b));
    const skewed = drawBenign(pool, 'skewed', 1000, rng);
    const counts = new Array<number>(K).fill(0);
    for (const q of skewed) counts[q.label]!++;
    expect(Math.max(...counts)).toBeGreaterThan(650);
    const repeated = drawBenign(pool, 'repeated', 300, rng);
    expect(new Set(repeated).size).toBeLessThanOrEqual(30);
    expect(() => drawBenign([], 'random', 5, rng)).toThrow(/pool/);
  });
  it('PRADA ignores exact repeats (no zero distances)', () => {
    const { record } = streamMaxima(drawBenign(pool, 'repeated', 400, createRng(3)), K);
    expect(record.distances.every((d) => d > 0)).toBe(true);
  });
});
