import { createRng, fromRows } from '@rgdl/gpu-kernels';
import { cloneDeepRbm, createDeepRbm } from '@rgdl/rbm';
import { describe, expect, it } from 'vitest';
import { cloneMetrics, firstLayerWeightError } from './metrics.js';

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
