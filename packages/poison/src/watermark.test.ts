import { createRng, matrix, type Matrix } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import { argmax } from './constrain.js';
import {
  binomialTail,
  checkWatermarkKey,
  fingerprintDirections,
  fingerprintPValue,
  asymptoticFrom,
  fingerprintScore,
  logMgf,
  clopperPearsonUpper,
  firstTriggers,
  splitQueries,
  triggerLabel,
  triggerNull,
  triggerOf,
  triggersOf,
  verifyOwnership,
  watermarkAnswers,
  type WatermarkKey,
} from './watermark.js';

const keyOf = (seed: number, rate = 0.005, fingerprint = 0.05): WatermarkKey => {
  const rng = createRng(seed);
  return { secret: Uint8Array.from({ length: 32 }, () => Math.floor(rng.nextFloat() * 256)), rate, fingerprint };
};

/** Rows of random binary inputs and random confident probability vectors. */
function batch(rows: number, seed: number, n0 = 64, K = 10) {
  const rng = createRng(seed);
  const x = matrix(
    rows,
    n0,
    Float64Array.from({ length: rows * n0 }, () => (rng.nextFloat() < 0.3 ? 1 : 0)),
  );
  const y = matrix(rows, K);
  for (let r = 0; r < rows; r++) {
    const z = Array.from({ length: K }, () => 3 * rng.nextGaussian());
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (y.data[r * K + j] = v / s));
  }
  return { x, y };
}

const labelsOf = (m: Matrix<Float64Array>) =>
  Array.from({ length: m.rows }, (_, r) => argmax(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

describe('keyed watermark', () => {
  it('marks a keyed fraction of inputs (the rate within its binomial 99.9% band), the same ones every time, other keys others', () => {
    const { x } = batch(20_000, 1);
    const key = keyOf(1);
    const marked = (k: WatermarkKey) =>
      Array.from({ length: x.rows }, (_, r) => triggerOf(k, x.data.subarray(r * 64, (r + 1) * 64), 10)).flatMap(
        (t, r) => (t.marked ? [r] : []),
      );
    const a = marked(key);
    // 100 expected, sd ≈ 10
    expect(a.length).toBeGreaterThan(67);
    expect(a.length).toBeLessThan(133);
    expect(marked(key)).toEqual(a);
    const b = marked(keyOf(2));
    expect(b.filter((r) => a.includes(r)).length).toBeLessThan(10);
    for (const r of a) {
      const s = triggerOf(key, x.data.subarray(r * 64, (r + 1) * 64), 10).shift;
      expect(s >= 1 && s <= 9).toBe(true);
    }
  });

  it('serves the keyed wrong label on marked rows only, keeps every answer a probability vector, and records the triggers', () => {
    const { x, y } = batch(4000, 3);
    const key = keyOf(3);
    const w = watermarkAnswers(key, x, y);
    const clean = labelsOf(y);
    const served = labelsOf(w.served);
    expect(w.marked.length).toBeGreaterThan(5);
    for (let r = 0; r < y.rows; r++) {
      const row = w.served.data.subarray(r * 10, (r + 1) * 10);
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
      const t = triggerOf(key, x.data.subarray(r * 64, (r + 1) * 64), 10);
      const cleanRow = Array.from(y.data.subarray(r * 10, (r + 1) * 10));
      // a marked row's label is one of the three least likely classes of its clean answer
      const leastLikely = cleanRow
        .map((v, j) => [v, j] as const)
        .sort((a, b) => a[0] - b[0])
        .slice(0, 3)
        .map((e) => e[1]);
      if (t.marked) expect(leastLikely).toContain(served[r]);
      else expect(served[r]).toBe(clean[r]);
    }
    expect(served.filter((c, r) => c !== clean[r]).length).toBe(w.marked.length);
    const triggers = triggersOf(x, w);
    expect(triggers.labels).toEqual(w.marked.map((r) => served[r]));
    // the fingerprint moves answers by at most ε
    let worst = 0;
    for (let r = 0; r < y.rows; r++) {
      if (w.marked.includes(r)) continue;
      let d2 = 0;
      for (let j = 0; j < 10; j++) d2 += (w.served.data[r * 10 + j]! - y.data[r * 10 + j]!) ** 2;
      worst = Math.max(worst, Math.sqrt(d2));
    }
    expect(worst).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(worst).toBeGreaterThan(0.04);
  });

  it('fingerprint directions are unit, sum to 0, and differ between keys', () => {
    const a = fingerprintDirections(keyOf(1), 10);
    const b = fingerprintDirections(keyOf(2), 10);
    for (const d of a) {
      expect(Math.hypot(...d)).toBeCloseTo(1, 12);
      expect(Math.abs(d.reduce((s, v) => s + v, 0))).toBeLessThan(1e-12);
    }
    expect(Math.abs(a[0]!.reduce((s, v, j) => s + v * b[0]![j]!, 0))).toBeLessThan(0.99);
  });

  it('the Chernoff p-value is valid under the null: over 2,000 keys, P(p ≤ α) ≤ α at α = 0.01, 0.05, 0.2', () => {
    // fixed sums D_c (a model that never saw the key), random keys
    const rng = createRng(7);
    const norms = Array.from({ length: 10 }, () => 0.5 + rng.nextFloat());
    const ps: number[] = [];
    for (let k = 0; k < 2000; k++) {
      let s = 0;
      for (const a of norms) {
        // t: the first coordinate of a uniform unit vector in 9 dimensions
        const g = Array.from({ length: 9 }, () => rng.nextGaussian());
        s += (a * g[0]!) / Math.hypot(...g);
      }
      ps.push(fingerprintPValue(norms, s, 9).p);
    }
    for (const alpha of [0.01, 0.05, 0.2])
      expect(ps.filter((p) => p <= alpha).length / ps.length).toBeLessThanOrEqual(alpha);
    // conservative (a Chernoff bound), not vacuous: some null draws fall below 0.5
    expect(ps.filter((p) => p <= 0.5).length / ps.length).toBeGreaterThan(0.08);
  });

  it('a copy of the watermarked answers is proven (p < 1e-6 from 100 probes); an unkeyed perturbation of the same size is not', () => {
    const key = keyOf(5, 0, 0.05);
    const { x, y } = batch(100, 9);
    const copy = watermarkAnswers(key, x, y).served;
    const s = fingerprintScore(key, copy, y);
    expect(s.p).toBeLessThan(1e-6);
    const other = watermarkAnswers(keyOf(6, 0, 0.05), x, y).served;
    expect(fingerprintScore(key, other, y).p).toBeGreaterThan(1e-3);
  });

  it('for one class the p-value bound lies above the exact tail (quadrature of the density, m = 3 and 9) and within a factor 20 of it', () => {
    for (const m of [3, 9]) {
      for (const s of [0.3, 0.8]) {
        const n = 200_000;
        let z = 0;
        let tail = 0;
        for (let i = 0; i < n; i++) {
          const t = -1 + (2 * (i + 0.5)) / n;
          const w = (1 - t * t) ** ((m - 3) / 2);
          z += w;
          if (t >= s) tail += w;
        }
        const exact = tail / z;
        const bound = fingerprintPValue([1], s, m).p;
        expect(bound).toBeGreaterThanOrEqual(exact);
        // a Chernoff bound is loose by a modest factor here, not orders of magnitude
        expect(bound).toBeLessThan(Math.max(20 * exact, 0.5));
      }
    }
  });

  it('the MGF series and its large-x asymptotic meet where one hands over to the other (m = 3, 9, 20), and a perfect copy gets a finite bound', () => {
    for (const m of [3, 9, 20]) {
      const x = asymptoticFrom(m);
      expect(Math.abs(logMgf(x, m) - logMgf(x * (1 + 1e-12), m))).toBeLessThan(1e-6);
    }
    // every d_c aligned with D_c: S at its largest, the bound falls until λ's cap
    const key = keyOf(5, 0, 0.05);
    const directions = fingerprintDirections(key, 10);
    const clean = matrix(10, 10);
    const suspect = matrix(10, 10);
    for (let c = 0; c < 10; c++) {
      clean.data[c * 10 + c] = 0.9;
      for (let j = 0; j < 10; j++) {
        if (j !== c) clean.data[c * 10 + j] = 0.1 / 9;
        suspect.data[c * 10 + j] = clean.data[c * 10 + j]! + 0.01 * directions[c]![j]!;
      }
    }
    const s = fingerprintScore(key, suspect, clean);
    expect(Number.isFinite(s.log10p)).toBe(true);
    expect(s.log10p).toBeLessThan(-10);
  });

  it('triggerLabel picks the least, second and third least likely class by the shift, never the argmax', () => {
    const row = [0.05, 0.4, 0.01, 0.2, 0.02, 0.3, 0.015, 0.003, 0.001, 0.001];
    // ascending: 8 (0.001, ties by index), 9, 7, 2, …
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => triggerLabel(row, s))).toEqual([8, 9, 7, 8, 9, 7, 8, 9, 7]);
    // two classes: the only other one
    expect(triggerLabel([0.3, 0.7], 1)).toBe(0);
  });

  it('clopperPearsonUpper: 1 − (1 − c)^{1/n} at k = 0, the exact P(X ≤ k) = 1 − c at the bound, 1 at k = n', () => {
    for (const n of [10, 400, 20_000]) expect(clopperPearsonUpper(0, n, 0.95)).toBeCloseTo(1 - 0.05 ** (1 / n), 10);
    for (const [k, n] of [
      [3, 50],
      [12, 1000],
    ] as const) {
      const u = clopperPearsonUpper(k, n, 0.99);
      expect(1 - binomialTail(n, k + 1, u)).toBeCloseTo(0.01, 8);
      expect(u).toBeGreaterThan(k / n);
    }
    expect(clopperPearsonUpper(5, 5)).toBe(1);
  });

  it('triggerNull counts references that give the would-be label; a reference that copies the served labels matches every marked row', () => {
    const { x, y } = batch(3000, 11);
    const key = keyOf(11);
    // a reference equal to the clean answers never gives a wrong label
    const none = triggerNull(key, x, y, [y, y]);
    expect(none.matches).toBe(0);
    expect(none.trials).toBe(6000);
    expect(none.rate).toBeCloseTo(1 - 0.05 ** (1 / 6000), 10);
    // a reference answering each row's would-be label everywhere matches every trial
    const wouldBe = matrix(3000, 10);
    for (let r = 0; r < 3000; r++) {
      const c = triggerLabel(
        y.data.subarray(r * 10, (r + 1) * 10),
        triggerOf(key, x.data.subarray(r * 64, (r + 1) * 64), 10).shift,
      );
      wouldBe.data[r * 10 + c] = 1;
    }
    expect(triggerNull(key, x, y, [wouldBe]).matches).toBe(3000);
    expect(() => triggerNull(key, x, y, [matrix(2, 10)])).toThrow(/reference answered 2/);
  });

  it("a reference model that shares a suspect's systematic error lets the fingerprint through where the clean answers do not; Bonferroni counts every reference", async () => {
    const key = keyOf(12, 0, 0.05);
    const { x, y } = batch(100, 12);
    const rng = createRng(13);
    // a clone's own systematic error: a fixed offset per class, larger than ε, on every answer
    const bias = Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => 0.08 * rng.nextGaussian()));
    const biased = (m: Matrix<Float64Array>) => {
      const out = matrix(m.rows, 10, m.data.slice());
      for (let r = 0; r < m.rows; r++) {
        const c = argmax(m.data.subarray(r * 10, (r + 1) * 10));
        for (let j = 0; j < 10; j++) out.data[r * 10 + j]! += bias[c]![j]!;
      }
      return out;
    };
    const suspect = biased(watermarkAnswers(key, x, y).served);
    const reference = biased(y);
    const ask = () => suspect;
    const alone = await verifyOwnership(key, { probes: x, clean: y, ask });
    const withRef = await verifyOwnership(key, { probes: x, clean: y, ask, references: [reference] });
    expect(withRef.fingerprint.reference).toBe(1);
    expect(withRef.log10p).toBeLessThan(alone.log10p - 3);
    expect(withRef.log10p).toBeCloseTo(withRef.fingerprint.log10p + Math.log10(2), 10);
    // a reference for a model that never saw the key: no proof
    const innocent = await verifyOwnership(key, { probes: x, clean: y, ask: () => reference, references: [y] });
    expect(innocent.p).toBeGreaterThan(1e-3);
  });

  it('splitQueries spends the budget on triggers first, at most half of it, then probes', () => {
    expect(splitQueries(100, 8)).toEqual({ triggers: 8, probes: 92 });
    expect(splitQueries(100, 0)).toEqual({ triggers: 0, probes: 100 });
    expect(splitQueries(100, 73)).toEqual({ triggers: 50, probes: 50 });
    expect(splitQueries(11, 9)).toEqual({ triggers: 5, probes: 6 });
    expect(() => splitQueries(1, 0)).toThrow(/integer ≥ 2/);
    const { x, y } = batch(2000, 3);
    const t = triggersOf(x, watermarkAnswers(keyOf(3), x, y));
    const first = firstTriggers(t, 2);
    expect(first.labels).toEqual(t.labels.slice(0, 2));
    expect(Array.from(first.inputs.data)).toEqual(Array.from(t.inputs.data.slice(0, 2 * 64)));
  });

  it('binomialTail equals the direct sum', () => {
    const direct = (n: number, k: number, p: number) => {
      let s = 0;
      for (let j = k; j <= n; j++) {
        let c = 1;
        for (let i = 1; i <= j; i++) c = (c * (n - j + i)) / i;
        s += c * p ** j * (1 - p) ** (n - j);
      }
      return s;
    };
    for (const [n, k, p] of [
      [10, 3, 0.1],
      [30, 10, 1 / 9],
      [50, 0, 0.2],
      [20, 20, 0.5],
    ] as const) {
      expect(binomialTail(n, k, p)).toBeCloseTo(direct(n, k, p), 12);
    }
  });

  it('refuses a short secret, a rate above 0.5% and a fingerprint out of range', () => {
    expect(() => checkWatermarkKey({ ...keyOf(1), secret: new Uint8Array(8) })).toThrow(/at least 16/);
    expect(() => checkWatermarkKey(keyOf(1, 0.01))).toThrow(/rate must be in/);
    expect(() => checkWatermarkKey(keyOf(1, 0.005, 0.6))).toThrow(/fingerprint step/);
  });
});
