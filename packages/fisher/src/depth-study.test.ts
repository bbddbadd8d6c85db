import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { depthStudy } from './depth-study.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('depth study', () => {
  it('depthStudy reports λ₁ and ε = √(2c/λ₁) per depth', () => {
    const nets = [1, 2, 3].map((N) =>
      createDeepRbm([5, ...new Array(N - 1).fill(4), 3], createRng(N), { weightScale: 1 }),
    );
    const ys = [0, 1, 2].map((c) => Float64Array.from([0, 1, 2], (j) => (j === c ? 1 : 0)));
    const rows = depthStudy(be, nets, ys, 0.01, { method: 'exact' });
    expect(rows.map((r) => r.depth)).toEqual([1, 2, 3]);
    for (const r of rows) expect(r.epsilonForKl).toBeCloseTo(Math.sqrt(0.02 / r.topEigenvalueMean), 12);
    // exact: no Monte Carlo error; the bound holds and depth 1 retains everything
    for (const r of rows) {
      expect(r.topEigenvalueError).toBe(0);
      expect(r.maxExcess).toBeLessThanOrEqual(1e-10 * r.topLayerEigenvalueMean);
      expect(r.retentionMean).toBeLessThanOrEqual(1 + 1e-12);
    }
    expect(rows[0]!.retentionMean).toBeCloseTo(1, 12);
  });
  it('with Monte Carlo: λ₁ within a few of its reported errors of the exact value, and the effective sample size reported', () => {
    const net = createDeepRbm([5, 4, 3], createRng(9), { weightScale: 1 });
    const ys = [Float64Array.of(1, 0, 0)];
    const exact = depthStudy(be, [net], ys, 0.01, { method: 'exact' })[0]!;
    const mc = depthStudy(be, [net], ys, 0.01, {
      method: 'monte-carlo',
      samples: 4000,
      pool: 1024,
      batches: 8,
      rng: createRng(3),
    })[0]!;
    expect(mc.topEigenvalueError).toBeGreaterThan(0);
    expect(Math.abs(mc.topEigenvalueMean - exact.topEigenvalueMean)).toBeLessThan(4 * mc.topEigenvalueError);
    expect(mc.effectiveSamples).toBeGreaterThan(1);
    expect(mc.topLayerEigenvalueMean).toBeCloseTo(exact.topLayerEigenvalueMean, 12); // F_top is exact either way
  });
});
