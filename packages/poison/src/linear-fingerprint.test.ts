import { createBackend, createRng, matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickRows, trainAttacker } from './attacker.js';
import { argmax } from './constrain.js';
import {
  featuresOf,
  fingerprintFeatures,
  linearFingerprintScore,
  linearMap,
  linearStep,
  logNormalTail,
} from './linear-fingerprint.js';
import {
  checkWatermarkKey,
  parseWatermarkKey,
  serializeWatermarkKey,
  verifyOwnershipSync,
  watermarkAnswers,
  type WatermarkKey,
} from './watermark.js';

let be: Backend;
beforeAll(async () => {
  be = await createBackend();
});
afterAll(() => be.dispose());

const secretOf = (seed: number) => {
  const rng = createRng(seed);
  return Uint8Array.from({ length: 32 }, () => Math.floor(rng.nextFloat() * 256));
};

/** Correlated inputs (a few latent factors, like pixels) and confident answers that depend on them. */
function world(rows: number, seed: number, n0 = 40, K = 6) {
  const rng = createRng(seed);
  const loadings = Array.from({ length: 5 * n0 }, () => rng.nextGaussian());
  const x = matrix(rows, n0);
  const y = matrix(rows, K);
  for (let r = 0; r < rows; r++) {
    const f = Array.from({ length: 5 }, () => rng.nextGaussian());
    for (let j = 0; j < n0; j++) {
      let v = 0.3 * rng.nextGaussian();
      for (let k = 0; k < 5; k++) v += f[k]! * loadings[k * n0 + j]!;
      x.data[r * n0 + j] = 1 / (1 + Math.exp(-v));
    }
    const z = Array.from({ length: K }, (_, c) => 2 * f[c % 5]! + 0.5 * rng.nextGaussian());
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => (y.data[r * K + c] = v / s));
  }
  return { x, y };
}

describe('logNormalTail', () => {
  it('matches Φ̄(z) to 1e-6 relative from z = −3 to 30', () => {
    // Φ̄ values from the series of erfc (Abramowitz & Stegun 7.1) to 10 significant digits
    const known: [number, number][] = [
      [-3, 0.998650102],
      [-1, 0.8413447461],
      [0, 0.5],
      [1.959963985, 0.025],
      [5, 2.866515719e-7],
      [10, 7.619853024e-24],
      [30, 4.906713928e-198],
    ];
    for (const [z, p] of known) expect(Math.abs(logNormalTail(z) - Math.log(p))).toBeLessThan(1e-6);
  });
});

describe('linear fingerprint', () => {
  it('whitens the owner inputs: φ has identity covariance over them, and p rows', () => {
    const { x } = world(3000, 1);
    const f = fingerprintFeatures(be, x, 8);
    expect(f.basis.rows).toBe(8);
    const phi = Array.from({ length: x.rows }, (_, r) => featuresOf(f, x.data.subarray(r * 40, (r + 1) * 40)));
    for (let a = 0; a < 8; a++) {
      for (let b = 0; b < 8; b++) {
        const c = phi.reduce((s, v) => s + v[a]! * v[b]!, 0) / (x.rows - 1);
        expect(Math.abs(c - (a === b ? 1 : 0))).toBeLessThan(1e-9);
      }
    }
    expect(() => fingerprintFeatures(be, matrix(1, 40), 8)).toThrow(/at least 2/);
  });

  it('keyed map: deterministic per key, different keys nearly orthogonal', () => {
    const a = linearMap(secretOf(1), 10, 16);
    expect(linearMap(secretOf(1), 10, 16)).toEqual(a);
    const b = linearMap(secretOf(2), 10, 16);
    const cos = a.reduce((s, v, i) => s + v * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
    // 160 iid Gaussian entries: |cos| has sd 1/√160 ≈ 0.08
    expect(Math.abs(cos)).toBeLessThan(0.32);
  });

  it('steps sum to 0 with root mean square ε over the owner data (within 10%)', () => {
    const { x } = world(2000, 2);
    const f = fingerprintFeatures(be, x, 8);
    const A = linearMap(secretOf(3), 6, 8);
    let sq = 0;
    for (let r = 0; r < x.rows; r++) {
      const d = linearStep(A, f, 0.1, x.data.subarray(r * 40, (r + 1) * 40), 6);
      expect(Math.abs(d.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
      sq += d.reduce((a, b) => a + b * b, 0);
    }
    const rms = Math.sqrt(sq / x.rows);
    expect(rms).toBeGreaterThan(0.09 * Math.sqrt(5 / 6) * 0.9);
    expect(rms).toBeLessThan(0.11);
  });

  it('the null is exact: z over 400 keys against a model that never saw them has mean 0 and variance 1 (99.9% bands)', () => {
    const { x, y } = world(500, 4);
    const f = fingerprintFeatures(be, x, 8);
    const probes = matrix(100, 40, x.data.slice(400 * 40));
    const clean = matrix(100, 6, y.data.slice(400 * 6));
    // an innocent suspect: the clean answers, re-weighted by a fixed function of x (its own systematic errors)
    const suspect = matrix(100, 6);
    for (let r = 0; r < 100; r++) {
      let s = 0;
      for (let c = 0; c < 6; c++) {
        const v = clean.data[r * 6 + c]! * Math.exp(2 * probes.data[r * 40 + c]!);
        suspect.data[r * 6 + c] = v;
        s += v;
      }
      for (let c = 0; c < 6; c++) suspect.data[r * 6 + c]! /= s;
    }
    const z = Array.from(
      { length: 400 },
      (_, k) => linearFingerprintScore(secretOf(100 + k), f, probes, suspect, clean).z,
    );
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1);
    // sd of the mean 0.05; of the variance ≈ √(2/399) ≈ 0.071
    expect(Math.abs(mean)).toBeLessThan(0.165);
    expect(Math.abs(variance - 1)).toBeLessThan(0.24);
  });

  it('a suspect that copies the served answers is verified from 100 probes; an innocent one is not', () => {
    const { x, y } = world(2100, 5);
    const owner = matrix(2000, 40, x.data.slice(0, 2000 * 40));
    const key: WatermarkKey = checkWatermarkKey({
      secret: secretOf(6),
      rate: 0,
      fingerprint: 0.1,
      features: fingerprintFeatures(be, owner, 8),
    });
    const probes = matrix(100, 40, x.data.slice(2000 * 40));
    const clean = matrix(100, 6, y.data.slice(2000 * 6));
    const served = watermarkAnswers(key, probes, clean).served;
    for (let r = 0; r < 100; r++) {
      expect(argmax(served.data.subarray(r * 6, (r + 1) * 6))).toBe(argmax(clean.data.subarray(r * 6, (r + 1) * 6)));
    }
    const copy = verifyOwnershipSync(key, { probes, clean, ask: () => served });
    expect(copy.fingerprint.kind).toBe('linear');
    expect(copy.p).toBeLessThan(1e-6);
    const other = verifyOwnershipSync({ ...key, secret: secretOf(7) }, { probes, clean, ask: () => served });
    expect(other.p).toBeGreaterThan(1e-3);
  });

  it('a softmax clone trained on 1,000 watermarked answers carries the fingerprint (p < 1e-4 from 100 probes); one trained on clean answers does not', () => {
    const { x } = world(4100, 10);
    // answers a softmax regression can represent: softmax of a random linear map of x
    const rng = createRng(12);
    const W = Array.from({ length: 6 * 40 }, () => rng.nextGaussian());
    const y = matrix(x.rows, 6);
    for (let r = 0; r < x.rows; r++) {
      const z = Array.from({ length: 6 }, (_, c) =>
        W.slice(c * 40, (c + 1) * 40).reduce((a, w, j) => a + 0.5 * w * (x.data[r * 40 + j]! - 0.5), 0),
      );
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => (y.data[r * 6 + c] = v / sum));
    }
    const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    const key: WatermarkKey = checkWatermarkKey({
      secret: secretOf(11),
      rate: 0,
      fingerprint: 0.1,
      features: fingerprintFeatures(be, pickRows(x, rows(0, 2000)), 16),
    });
    const attackerX = pickRows(x, rows(2000, 1000));
    const served = watermarkAnswers(key, attackerX, pickRows(y, rows(2000, 1000))).served;
    const options = { widths: [40, 16, 6], seed: 1 };
    const stolen = trainAttacker(be, 'softmax', attackerX, served, options);
    const innocentX = pickRows(x, rows(3000, 1000));
    const innocent = trainAttacker(be, 'softmax', innocentX, pickRows(y, rows(3000, 1000)), options);
    const probes = pickRows(x, rows(4000, 100));
    const clean = pickRows(y, rows(4000, 100));
    const verdict = (m: typeof stolen) => verifyOwnershipSync(key, { probes, clean, ask: (q) => m.predict(q) });
    const s = verdict(stolen);
    const i = verdict(innocent);
    // z = 4.4 here (16 features, 6 classes: at most about √80 ≈ 9 for a perfect copy); the innocent's −0.04
    expect(s.fingerprint.z!).toBeGreaterThan(3.7);
    expect(s.p).toBeLessThan(1e-4);
    expect(i.p).toBeGreaterThan(1e-2);
  });

  it('refuses inputs of another width, and a key file round-trips with its features (version 2)', () => {
    const { x, y } = world(300, 8);
    const key: WatermarkKey = {
      secret: secretOf(9),
      rate: 0.005,
      fingerprint: 0.1,
      features: fingerprintFeatures(be, x, 4),
    };
    expect(() => watermarkAnswers(key, matrix(2, 39), matrix(2, 6, y.data.slice(0, 12)))).toThrow(/take 40 inputs/);
    const text = serializeWatermarkKey(key);
    expect(JSON.parse(text).version).toBe(2);
    const back = parseWatermarkKey(text);
    expect(back.features!.basis.rows).toBe(4);
    expect(Array.from(back.features!.basis.data)).toEqual(Array.from(key.features!.basis.data));
    expect(Array.from(back.features!.mean)).toEqual(Array.from(key.features!.mean));
    const bad = JSON.parse(text) as { features: { basis: number[][] } };
    bad.features.basis[1] = [1, 2];
    expect(() => parseWatermarkKey(JSON.stringify(bad))).toThrow(/basis rows of 40 numbers/);
    const noFeatures = { ...JSON.parse(text), features: undefined };
    expect(() => parseWatermarkKey(JSON.stringify(noFeatures))).toThrow(/need mean/);
    expect(() =>
      checkWatermarkKey({
        ...key,
        features: { mean: new Float64Array(40), basis: matrix(1, 40, new Float64Array(40).fill(NaN)) },
      }),
    ).toThrow(/finite/);
  });
});
