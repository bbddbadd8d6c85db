import { createRng, fromRows } from '@rgdl/gpu-kernels';
import { cloneDeepRbm, createDeepRbm } from '@rgdl/rbm';
import { describe, expect, it } from 'vitest';
import { brierScore, cloneMetrics, firstLayerWeightError } from './metrics.js';

describe('clone metrics', () => {
  it('accuracy, agreement and KL(victim ‖ clone) match a hand computation', () => {
    const victim = fromRows([
      [0.8, 0.2],
      [0.3, 0.7],
    ]);
    const clone = fromRows([
      [0.6, 0.4],
      [0.6, 0.4],
    ]);
    const m = cloneMetrics(victim, clone, [0, 1]);
    expect(m.cloneAccuracy).toBe(0.5); // clone predicts 0, 0
    expect(m.agreement).toBe(0.5); // victim predicts 0, 1
    const kl =
      (0.8 * Math.log(0.8 / 0.6) + 0.2 * Math.log(0.2 / 0.4) + 0.3 * Math.log(0.3 / 0.6) + 0.7 * Math.log(0.7 / 0.4)) /
      2;
    expect(m.kl).toBeCloseTo(kl, 14);
    expect(cloneMetrics(victim, victim, [0, 1])).toEqual({ cloneAccuracy: 1, agreement: 1, kl: 0 });
  });

  it('first-layer weight error is 0 for a clone with permuted hidden units and ‖ΔW‖/‖W‖ for a scaled one', () => {
    const victim = createDeepRbm([6, 4, 3], createRng(1), { weightScale: 1 });
    const permuted = cloneDeepRbm(victim);
    const W = victim.layers[0]!.W;
    const order = [2, 0, 3, 1];
    order.forEach((src, dst) => permuted.layers[0]!.W.data.set(W.data.subarray(src * 6, (src + 1) * 6), dst * 6));
    expect(firstLayerWeightError(victim, permuted)).toBeCloseTo(0, 14);
    const scaled = cloneDeepRbm(victim);
    scaled.layers[0]!.W.data.forEach((v, i, a) => (a[i] = 1.1 * v));
    expect(firstLayerWeightError(victim, scaled)).toBeCloseTo(0.1, 12);
    expect(() => firstLayerWeightError(victim, createDeepRbm([6, 5, 3], createRng(2)))).toThrow(RangeError);
  });
});

describe('brierScore', () => {
  it('is 0 for certain right answers, 2 for certain wrong ones, and the mean squared distance to one-hot otherwise', () => {
    const certain = fromRows([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(brierScore(certain, [0, 2])).toBe(0);
    expect(brierScore(certain, [1, 0])).toBe(2);
    // (0.5−1)² + 0.3² + 0.2² = 0.38 and 0.1² + 0.1² + (0.8−1)² = 0.06: mean 0.22
    expect(
      brierScore(
        fromRows([
          [0.5, 0.3, 0.2],
          [0.1, 0.1, 0.8],
        ]),
        [0, 2],
      ),
    ).toBeCloseTo(0.22, 12);
    const rng = createRng(3);
    const rows = Array.from({ length: 50 }, () => {
      const v = [rng.nextFloat(), rng.nextFloat(), rng.nextFloat(), rng.nextFloat()];
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((x) => x / s);
    });
    const labels = rows.map((_, r) => r % 4);
    const brute =
      rows.reduce((t, p, r) => t + p.reduce((u, q, c) => u + (q - (c === labels[r] ? 1 : 0)) ** 2, 0), 0) / 50;
    expect(brierScore(fromRows(rows), labels)).toBeCloseTo(brute, 12);
    expect(() => brierScore(fromRows([[1, 0]]), [0, 1])).toThrow(/1 answers and 2 labels/);
    expect(() => brierScore(fromRows([[1, 0]]), [2])).toThrow(/not a class of 2/);
  });
});
