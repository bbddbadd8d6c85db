import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { bits, bruteClassify, bruteGenerate, randomLayer, rowOf } from './brute.test-support.js';
import { createDeepRbm, type DeepRbm } from './deep-rbm.js';
import {
  classifyExact,
  classProbabilities,
  generateExact,
  outputMarginals,
  productDistribution,
  propagateSampled,
} from './propagate.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

// widths [4, 3, 5, 2]: x (4) → h1 (3) → h2 (5) → y (2)
function testNet(seed: number, scale = 1): DeepRbm {
  const rng = createRng(seed);
  const g = () => rng.nextGaussian();
  return { layers: [randomLayer(3, 4, g, scale), randomLayer(5, 3, g, scale), randomLayer(2, 5, g, scale)] };
}

describe('exact propagation against brute-force enumeration', () => {
  const net = testNet(1);
  const xs = matrix(3, 4, Float64Array.from([1, 0, 1, 1, 0, 0, 0, 0, 0.3, 0.9, 0.1, 0.5]));

  it('classifyExact gives q_k(h_k|x) for every layer and input row (x may be real)', () => {
    const dists = classifyExact(be, net, xs);
    expect(dists.map((d) => [d.rows, d.cols])).toEqual([
      [3, 8],
      [3, 32],
      [3, 4],
    ]);
    for (let r = 0; r < 3; r++) {
      const brute = bruteClassify(net, rowOf(xs, r));
      dists.forEach((d, k) => expectAllClose(rowOf(d, r), brute[k]!, { rtol: 1e-10, atol: 1e-14 }));
    }
  });

  it('generateExact gives q̃_k(h_k|y) for real-valued y, down to q̃_0(x|y)', () => {
    const ys = matrix(3, 2, Float64Array.from([1, 0, 0, 1, 0.7, 0.2]));
    const dists = generateExact(be, net, ys);
    expect(dists.map((d) => d.cols)).toEqual([32, 8, 16]);
    for (let r = 0; r < 3; r++) {
      const brute = bruteGenerate(net, rowOf(ys, r));
      dists.forEach((d, k) => expectAllClose(rowOf(d, r), brute[k]!, { rtol: 1e-10, atol: 1e-14 }));
    }
  });

  it('every exact distribution sums to one', () => {
    for (const d of [
      ...classifyExact(be, net, xs),
      ...generateExact(be, net, matrix(1, 2, Float64Array.from([0.5, 0.5]))),
    ]) {
      for (let r = 0; r < d.rows; r++) expect(rowOf(d, r).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('class probabilities and output marginals match brute force', () => {
    const p = classProbabilities(be, net, xs);
    const m = outputMarginals(be, net, xs);
    for (let r = 0; r < 3; r++) {
      const qy = bruteClassify(net, rowOf(xs, r))[2]!; // states 0..3 of y (2 units)
      // one-hot states of 2 units: e_0 = index 1, e_1 = index 2
      const z = qy[1]! + qy[2]!;
      expectAllClose(rowOf(p, r), [qy[1]! / z, qy[2]! / z], { rtol: 1e-10, atol: 1e-14 });
      expectAllClose(rowOf(m, r), [qy[1]! + qy[3]!, qy[2]! + qy[3]!], { rtol: 1e-10, atol: 1e-14 });
    }
  });

  it('productDistribution is Π p_i^{s_i}(1−p_i)^{1−s_i}', () => {
    const p = matrix(1, 3, Float64Array.from([0.2, 0.7, 0.5]));
    const d = productDistribution(p);
    for (let s = 0; s < 8; s++) {
      const b = bits(s, 3);
      expect(d.data[s]).toBeCloseTo(
        b.reduce((acc, bi, i) => acc * (bi ? p.data[i]! : 1 - p.data[i]!), 1),
        15,
      );
    }
  });

  it('refuses widths beyond the enumeration limit and mismatched inputs', () => {
    const wide: DeepRbm = { layers: [randomLayer(30, 2, () => 0.1)] };
    expect(() => classifyExact(be, wide, matrix(1, 2))).toThrow(/2\^30/);
    expect(() => classifyExact(be, net, matrix(1, 5))).toThrow(/5 columns.*width 4/);
  });
});

describe('sampled propagation agrees with exact within Monte Carlo error', () => {
  const net = testNet(2, 0.8);
  const x = matrix(1, 4, Float64Array.from([1, 1, 0, 1]));
  const S = 20000;

  it('empirical frequencies of h_N and h_0 are within 5σ of the exact distributions', () => {
    const exactY = classifyExact(be, net, x)[2]!;
    const up = propagateSampled(be, net, x, 'up', createRng(9), { samples: S });
    const yS = up.samples[2]!;
    const freq = new Float64Array(4);
    for (let r = 0; r < S; r++) freq[yS.data[r * 2]! + 2 * yS.data[r * 2 + 1]!]! += 1 / S;
    for (let s = 0; s < 4; s++) {
      const p = exactY.data[s]!;
      expect(Math.abs(freq[s]! - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / S) + 1e-9);
    }
    const y = matrix(1, 2, Float64Array.from([0, 1]));
    const exactX = generateExact(be, net, y)[2]!;
    const down = propagateSampled(be, net, y, 'down', createRng(10), { samples: S });
    const xf = new Float64Array(16);
    const xsS = down.samples[2]!;
    for (let r = 0; r < S; r++) {
      let s = 0;
      for (let i = 0; i < 4; i++) s += xsS.data[r * 4 + i]! * 2 ** i;
      xf[s]! += 1 / S;
    }
    for (let s = 0; s < 16; s++) {
      const p = exactX.data[s]!;
      expect(Math.abs(xf[s]! - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / S) + 1e-9);
    }
  });

  it('Rao–Blackwellised class probabilities are within 0.02 of exact with 4000 samples', () => {
    const exact = classProbabilities(be, net, x);
    const sampled = classProbabilities(be, net, x, { samples: 4000, rng: createRng(4) });
    expectAllClose(sampled.data, exact.data, { rtol: 0, atol: 0.02 });
    const m = outputMarginals(be, net, x, { samples: 4000, rng: createRng(5) });
    expectAllClose(m.data, outputMarginals(be, net, x).data, { rtol: 0, atol: 0.02 });
  });

  it('is reproducible from the seed', () => {
    const a = propagateSampled(be, net, x, 'up', createRng(1), { samples: 50 });
    const b = propagateSampled(be, net, x, 'up', createRng(1), { samples: 50 });
    expect(Array.from(a.samples[2]!.data)).toEqual(Array.from(b.samples[2]!.data));
  });
});

describe('non-finite parameters show in the answer', () => {
  it('a NaN weight gives NaN class probabilities (exact and sampled), not a uniform answer', () => {
    for (const layer of [0, 1]) {
      const net = createDeepRbm([6, 3, 4], createRng(3), { weightScale: 1 });
      net.layers[layer]!.W.data[0] = Number.NaN;
      const x = matrix(2, 6, Float64Array.of(0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1));
      expect(Array.from(classProbabilities(be, net, x).data).some(Number.isNaN), `layer ${layer} exact`).toBe(true);
      const sampled = classProbabilities(be, net, x, { samples: 8, rng: createRng(1) });
      expect(Array.from(sampled.data).some(Number.isNaN), `layer ${layer} sampled`).toBe(true);
    }
  });
});
