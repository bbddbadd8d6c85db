import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { randomMapNet } from './amplification.js';
import { exactFisher } from './exact.js';
import { gibbsGenerationFisher, NEAR_DEGENERATE } from './gibbs.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

/** Nets whose posteriors p(h | x, y) are sharp (weights × 2.5 to × 3): where importance sampling from the prior fails. */
const cases = [
  { name: 'depth 2, [9, 6, 4], weights × 2.5', widths: [9, 6, 4], scale: 2.5, seed: 11 },
  { name: 'depth 2, [8, 7, 3], weights × 3', widths: [8, 7, 3], scale: 3, seed: 12 },
  { name: 'depth 3, [7, 5, 5, 3], weights × 2.5', widths: [7, 5, 5, 3], scale: 2.5, seed: 13 },
  { name: 'depth 3, [6, 5, 4, 3], weights × 3', widths: [6, 5, 4, 3], scale: 3, seed: 14 },
] as const;
/** Each case with both estimators: the default (missing information, K = 8) and 'direct' at K = 1. */
const runs = cases.flatMap((c) => [
  { ...c, estimator: 'missing-information' as const, sweeps: 8 },
  { ...c, estimator: 'direct' as const, sweeps: 1 },
]);

describe('generation FIM by Rao–Blackwellised Gibbs sampling of the posterior', () => {
  it.each(runs)(
    '$name, $estimator: every entry within 3 standard errors of the exact F̃, and λ₁ covered',
    ({ widths, scale, seed, estimator, sweeps }) => {
      const net = createDeepRbm(widths, createRng(seed), { weightScale: scale });
      const y = new Float64Array(widths.at(-1)!);
      y[0] = 1;
      const exact = exactFisher(be, net, y, 'down');
      const g = gibbsGenerationFisher(be, net, y, {
        rng: createRng(seed + 100),
        estimator,
        sweeps,
        samples: 16000,
        batches: 32,
      });
      const n = exact.rows;
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) {
          const k = i * n + j;
          const z = Math.abs(g.F.data[k]! - exact.data[k]!) / Math.max(g.stderr.data[k]!, 1e-9);
          expect(z, `entry ${i},${j}: ${g.F.data[k]} against ${exact.data[k]} ± ${g.stderr.data[k]}`).toBeLessThan(3);
        }
      }
      const ev = be.symmetricEigen(exact).values;
      const l1 = ev[0]!;
      expect(Math.abs(g.lambda1.value - l1)).toBeLessThan(3 * g.lambda1.stderr);
      // the gap λ₁ − λ₂ and its interval too; flagged near-degenerate exactly when within 3 errors of 0
      expect(Math.abs(g.gap.value - (ev[0]! - ev[1]!))).toBeLessThan(3 * g.gap.stderr + 1e-9);
      expect(g.gap.degenerate).toBe(g.gap.value < NEAR_DEGENERATE * g.gap.stderr);
      expect(g.lambda1.stderr / l1).toBeLessThan(0.15);
      expect(g.chainNoise).toBeGreaterThan(0);
    },
    120_000,
  );

  it('depth 1: m(x) = x, so F̃ = W Cov(x) Wᵀ with no chain; missing information gives it exactly (Cov(x | y) is diagonal)', () => {
    const net = createDeepRbm([6, 3], createRng(3), { weightScale: 1 });
    const y = Float64Array.from([0, 1, 0]);
    const exact = exactFisher(be, net, y, 'down');
    const direct = gibbsGenerationFisher(be, net, y, {
      rng: createRng(4),
      samples: 20000,
      batches: 16,
      estimator: 'direct',
    });
    for (let k = 0; k < 9; k++) {
      expect(direct.stderr.data[k]!).toBeGreaterThan(0);
      expect(Math.abs(direct.F.data[k]! - exact.data[k]!)).toBeLessThan(4 * direct.stderr.data[k]! + 1e-9);
    }
    const mi = gibbsGenerationFisher(be, net, y, { rng: createRng(4), samples: 200 });
    for (let k = 0; k < 9; k++) expect(mi.F.data[k]!).toBeCloseTo(exact.data[k]!, 12);
  });

  it('missing information beats direct on a wider net (K = 8, same draws): λ₁ error at least 2.5× smaller (measured 4.3×)', () => {
    const net = createDeepRbm([40, 16, 6], createRng(15), { weightScale: 1 });
    const y = Float64Array.from([1, 0, 0, 0, 0, 0]);
    const common = { samples: 2000, batches: 32, sweeps: 8 };
    const mi = gibbsGenerationFisher(be, net, y, { rng: createRng(7), ...common });
    const direct = gibbsGenerationFisher(be, net, y, { rng: createRng(7), ...common, estimator: 'direct' });
    expect(direct.lambda1.stderr / mi.lambda1.stderr).toBeGreaterThan(2.5);
    // and the two agree within their errors
    expect(Math.abs(direct.lambda1.value - mi.lambda1.value)).toBeLessThan(
      3 * Math.hypot(direct.lambda1.stderr, mi.lambda1.stderr),
    );
  });

  it('stays finite where fields are large (σ(u) rounds to 1: the map cell [64, 64, 10] × 8 gave NaN)', () => {
    const net = randomMapNet(64, 2, 8);
    const y = Float64Array.from({ length: 10 }, (_, j) => (j === 0 ? 1 : 0));
    // with 1 + σ(u)(e^w − 1) in place of σ(−u) + σ(u)e^w these draws gave NaN
    const g = gibbsGenerationFisher(be, net, y, { rng: createRng(8), samples: 300, batches: 4 });
    expect(g.F.data.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(g.lambda1.value) && g.lambda1.value > 0).toBe(true);
    expect(Number.isFinite(g.lambda1.stderr)).toBe(true);
  });

  it('gives the same bits on the WebAssembly site kernels and in TypeScript (depth 2 and 3, chunks of 64 and fewer, twice on one backend)', () => {
    const js = createCpuBackend({ threads: 1, wasm: false });
    try {
      expect(js.createGibbsSiteKernels).toBeUndefined();
      expect(be.createGibbsSiteKernels).toBeDefined();
      for (const net of [
        createDeepRbm([70, 9, 4], createRng(21), { weightScale: 2 }),
        createDeepRbm([30, 9, 6, 4], createRng(22), { weightScale: 2 }),
        randomMapNet(64, 2, 8),
      ]) {
        const y = new Float64Array(net.layers.at(-1)!.W.rows);
        y[1] = 1;
        const options = { samples: 40, batches: 4, burnIn: 3 };
        const want = gibbsGenerationFisher(js, net, y, { rng: createRng(4), ...options });
        for (let repeat = 0; repeat < 2; repeat++) {
          const got = gibbsGenerationFisher(be, net, y, { rng: createRng(4), ...options });
          expect(Array.from(got.F.data)).toEqual(Array.from(want.F.data));
          expect(got.lambda1).toEqual(want.lambda1);
          expect(got.chainNoise).toBe(want.chainNoise);
        }
      }
    } finally {
      js.dispose();
    }
  });

  it('refuses a wrong-width y and bad counts', () => {
    const net = createDeepRbm([6, 4, 3], createRng(3));
    expect(() => gibbsGenerationFisher(be, net, new Float64Array(2), { rng: createRng(1) })).toThrow(/expected 3/);
    expect(() => gibbsGenerationFisher(be, net, new Float64Array(3), { rng: createRng(1), sweeps: 0 })).toThrow(
      /sweeps/,
    );
  });
});
