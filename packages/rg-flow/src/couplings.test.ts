import fc from 'fast-check';
import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { classifyExact, createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { couplingsFromDistribution, hamiltonianFromCouplings, projectCouplings } from './couplings.js';
import { chainNearestNeighbours, completeBasis, evaluateOperators } from './operators.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('couplings from log q (complete basis)', () => {
  it('reconstruct −log q exactly up to the constant (property test)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 7 })
          .chain((n) =>
            fc.array(fc.double({ min: 1e-6, max: 1, noNaN: true }), { minLength: 2 ** n, maxLength: 2 ** n }),
          ),
        (w) => {
          const z = w.reduce((a, b) => a + b, 0);
          const q = w.map((x) => x / z);
          const g = couplingsFromDistribution(q, be);
          const H = hamiltonianFromCouplings(g, be);
          expectAllClose(
            H,
            q.map((p) => -Math.log(p)),
            { rtol: 1e-10, atol: 1e-10 },
          );
          // and they are the coefficients of H = g_0 + Σ g_α O_α(s) evaluated operator by operator
          const n = Math.log2(q.length);
          const ops = evaluateOperators(
            completeBasis(n),
            matrix(
              q.length,
              n,
              Float64Array.from({ length: q.length * n }, (_, k) => (Math.floor(k / n) >> (k % n)) & 1),
            ),
          );
          for (let s = 0; s < q.length; s++) {
            let h = g[0]!;
            for (let a = 1; a < q.length; a++) h += g[a]! * ops.data[s * (q.length - 1) + a - 1]!;
            expect(h).toBeCloseTo(-Math.log(q[s]!), 8);
          }
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });

  it('first-layer couplings given x are g_i = −(W x + a)_i / 2 and nothing else', () => {
    const net = createDeepRbm([5, 4], createRng(3), { weightScale: 0.8 });
    const x = matrix(1, 5, Float64Array.from([1, 0, 1, 1, 0]));
    const g = couplingsFromDistribution(classifyExact(be, net, x)[0]!.data, be);
    const { W, a } = net.layers[0]!;
    for (let mask = 1; mask < 16; mask++) {
      if ((mask & (mask - 1)) === 0) {
        const i = Math.log2(mask);
        let u = a[i]!;
        for (let j = 0; j < 5; j++) u += W.data[i * 5 + j]! * x.data[j]!;
        expect(g[mask]).toBeCloseTo(-u / 2, 10);
      } else {
        expect(Math.abs(g[mask]!)).toBeLessThan(1e-12);
      }
    }
  });

  it('1D Ising decimation by 2: the even-site marginal has only nn couplings, tanh K′ = tanh² K', () => {
    const L = 9; // sites 0…8, keep 0, 2, 4, 6, 8
    for (const K of [0.3, 0.8, 1.5]) {
      const q = new Float64Array(2 ** 5);
      for (let s = 0; s < 2 ** L; s++) {
        let e = 0;
        for (let i = 0; i + 1 < L; i++) e += (2 * ((s >> i) & 1) - 1) * (2 * ((s >> (i + 1)) & 1) - 1);
        let kept = 0;
        for (let j = 0; j < 5; j++) kept |= ((s >> (2 * j)) & 1) << j;
        q[kept]! += Math.exp(K * e);
      }
      const z = q.reduce((a, b) => a + b, 0);
      const g = couplingsFromDistribution(
        q.map((x) => x / z),
        be,
      );
      const nn = projectCouplings(g, chainNearestNeighbours(5, { summed: true }))[0]!;
      expect(Math.tanh(-nn)).toBeCloseTo(Math.tanh(K) ** 2, 12);
      for (let mask = 1; mask < 32; mask++) {
        const isNN = [3, 6, 12, 24].includes(mask);
        if (!isNN) expect(Math.abs(g[mask]!)).toBeLessThan(1e-12);
      }
    }
  });
});
