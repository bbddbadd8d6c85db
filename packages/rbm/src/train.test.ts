import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { bits, negEnergy, randomLayer } from './brute.test-support.js';
import { barsAndStripes } from './datasets/bars-and-stripes.js';
import { logPartitionExact, meanLogLikelihood } from './energy.js';
import { cloneLayer, createLayer } from './layer.js';
import { dataSource, exactModelStats, fitRbm, type NegativePhase } from './train.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('exactModelStats', () => {
  it('equals ⟨h vᵀ⟩, ⟨h⟩, ⟨v⟩ under the joint, by brute force, for either narrower side', () => {
    const rng = createRng(2);
    for (const [nu, nl] of [
      [3, 5],
      [5, 2],
    ] as const) {
      const layer = randomLayer(nu, nl, () => rng.nextGaussian(), 0.7);
      const st = exactModelStats(be, layer);
      const hv = new Float64Array(nu * nl);
      const h = new Float64Array(nu);
      const v = new Float64Array(nl);
      let z = 0;
      for (let s = 0; s < 2 ** nu; s++) {
        for (let t = 0; t < 2 ** nl; t++) {
          const hs = bits(s, nu);
          const vs = bits(t, nl);
          const w = Math.exp(negEnergy(layer, hs, vs));
          z += w;
          for (let j = 0; j < nu; j++) {
            h[j]! += w * hs[j]!;
            for (let i = 0; i < nl; i++) hv[j * nl + i]! += w * hs[j]! * vs[i]!;
          }
          for (let i = 0; i < nl; i++) v[i]! += w * vs[i]!;
        }
      }
      expectAllClose(
        st.hv.data,
        hv.map((x) => x / z),
        { rtol: 1e-10, atol: 1e-13 },
      );
      expectAllClose(
        st.h,
        h.map((x) => x / z),
        { rtol: 1e-10, atol: 1e-13 },
      );
      expectAllClose(
        st.v,
        v.map((x) => x / z),
        { rtol: 1e-10, atol: 1e-13 },
      );
    }
  });
});

describe('fitRbm on bars-and-stripes 3×3', () => {
  const bas = barsAndStripes(3);
  const uniform = -9 * Math.LN2; // log-likelihood of the uniform distribution over 2^9 patterns
  // settings per negative phase: PCD with only 7 persistent chains needs no momentum
  // and 5 Gibbs steps to mix (measured over seeds 10, 20, 30: −3.11 … −3.43; with
  // lr 0.1 and momentum it diverges)
  const SETTINGS = {
    cd: { epochs: 1000, learningRate: 0.1, momentum: 0.5, k: 1 },
    pcd: { epochs: 3000, learningRate: 0.05, momentum: 0, k: 5 },
    exact: { epochs: 1000, learningRate: 0.1, momentum: 0.5, k: 1 },
  } as const;
  const run = (negative: NegativePhase, seed: number, precision: 'f64' | 'f32' = 'f64', generic = false) => {
    const layer = createLayer(12, 9, createRng(seed), { weightScale: 0.1 });
    const before = meanLogLikelihood(be, layer, bas.x, logPartitionExact(be, layer));
    const rng = createRng(seed + 1);
    const data = dataSource(be, bas.x, 7, rng);
    // generic: the same batches without lowerBatch, so the upper side comes from batch()
    const source = generic ? { batches: data.batches, batch: data.batch } : data;
    fitRbm(be, layer, source, { ...SETTINGS[negative], weightDecay: 0, negative, rng, precision });
    const after = meanLogLikelihood(be, layer, bas.x, logPartitionExact(be, layer));
    return { before, after, layer };
  };

  for (const negative of ['cd', 'pcd', 'exact'] as const) {
    it(`${negative} raises the exact log-likelihood well above uniform`, () => {
      const { before, after } = run(negative, 10);
      // 14 patterns: the best possible mean log-likelihood is log(1/14) ≈ −2.64; uniform is −6.24
      expect(before).toBeLessThan(uniform + 0.5);
      expect(after).toBeGreaterThan(before + 2);
      expect(after).toBeGreaterThan(-4.0);
    });
  }

  for (const negative of ['cd', 'pcd'] as const) {
    it(`${negative} in f32 (fused statistics, f32 positive phase) raises it as well, with or without lowerBatch`, () => {
      for (const generic of [false, true]) {
        const { before, after, layer } = run(negative, 10, 'f32', generic);
        expect(after, `generic ${generic}`).toBeGreaterThan(before + 2);
        expect(after, `generic ${generic}`).toBeGreaterThan(-4.0);
        expect(layer.W.data.every(Number.isFinite)).toBe(true);
      }
    });
  }

  it('is deterministic under the seed', () => {
    const a = run('cd', 3).layer;
    const b = run('cd', 3).layer;
    expect(Array.from(a.W.data)).toEqual(Array.from(b.W.data));
    const c = run('cd', 4).layer;
    expect(Array.from(a.W.data)).not.toEqual(Array.from(c.W.data));
  });

  it('reports per-epoch reconstruction error and stops when onEpoch returns false', () => {
    const layer = createLayer(6, 9, createRng(1), { weightScale: 0.1 });
    const rng = createRng(2);
    const history = fitRbm(be, layer, dataSource(be, bas.x, 7, rng), { epochs: 50, rng, onEpoch: (e) => e.epoch < 3 });
    expect(history).toHaveLength(3);
    for (const e of history) expect(e.reconstructionError).toBeGreaterThan(0);
  });

  it('rejects positive batches whose widths do not fit the layer', () => {
    const layer = createLayer(4, 9, createRng(1));
    const rng = createRng(1);
    expect(() =>
      fitRbm(
        be,
        cloneLayer(layer),
        { batches: 1, batch: () => ({ lower: matrix(2, 8), upper: matrix(2, 4) }) },
        { epochs: 1, rng },
      ),
    ).toThrow(/lower 2×8/);
  });
});
