import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { bits, bruteLogZ, negEnergy, randomLayer } from './brute.test-support.js';
import { energy, freeEnergyLower, freeEnergyUpper, logPartitionAis, logPartitionExact } from './energy.js';
import { allStates } from './states.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('energies and partition functions against brute force', () => {
  const rng = createRng(31);
  const layer = randomLayer(3, 5, () => rng.nextGaussian(), 0.8);

  it('energy(h, v) = −hᵀWv − aᵀh − bᵀv', () => {
    const h = allStates(3);
    const v = matrix(
      8,
      5,
      Float64Array.from({ length: 40 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
    );
    const e = energy(be, layer, h, v);
    for (let r = 0; r < 8; r++)
      expect(e[r]).toBeCloseTo(-negEnergy(layer, bits(r, 3), v.data.subarray(r * 5, r * 5 + 5)), 12);
  });

  it('free energies are −log Σ over the other side of e^{−E}', () => {
    const vs = allStates(5);
    const fl = freeEnergyLower(be, layer, vs);
    for (let t = 0; t < 32; t++) {
      let z = 0;
      for (let s = 0; s < 8; s++) z += Math.exp(negEnergy(layer, bits(s, 3), bits(t, 5)));
      expect(fl[t]).toBeCloseTo(-Math.log(z), 12);
    }
    const fu = freeEnergyUpper(be, layer, allStates(3));
    for (let s = 0; s < 8; s++) {
      let z = 0;
      for (let t = 0; t < 32; t++) z += Math.exp(negEnergy(layer, bits(s, 3), bits(t, 5)));
      expect(fu[s]).toBeCloseTo(-Math.log(z), 12);
    }
  });

  it('logPartitionExact matches the double sum whichever side is narrower', () => {
    expect(logPartitionExact(be, layer)).toBeCloseTo(bruteLogZ(layer), 11);
    const wide = randomLayer(6, 2, () => rng.nextGaussian(), 0.8);
    expect(logPartitionExact(be, wide)).toBeCloseTo(bruteLogZ(wide), 11);
  });

  it('refuses exact enumeration beyond the width limit', () => {
    const big = randomLayer(30, 30, () => 0);
    expect(() => logPartitionExact(be, big)).toThrow(/2\^30.*limit/);
  });

  it('AIS agrees with the exact log Z within 4 standard errors (+0.05)', () => {
    const r = createRng(77);
    const l = randomLayer(8, 12, () => r.nextGaussian(), 0.5);
    const exact = logPartitionExact(be, l);
    const est = logPartitionAis(be, l, { betas: 500, runs: 200, rng: createRng(3) });
    expect(est.stderr).toBeGreaterThan(0);
    expect(Math.abs(est.logZ - exact)).toBeLessThan(4 * est.stderr + 0.05);
  });

  it('AIS is exact for a layer with no couplings', () => {
    const l = randomLayer(4, 6, () => 0);
    l.a.set([0.3, -0.2, 1, 0]);
    l.b.set([0.5, 0.1, -1, 2, 0, 0]);
    expectAllClose(
      [logPartitionAis(be, l, { betas: 50, runs: 20, baseLowerBias: l.b }).logZ],
      [logPartitionExact(be, l)],
      { rtol: 1e-12, atol: 1e-9 },
    );
  });
});
