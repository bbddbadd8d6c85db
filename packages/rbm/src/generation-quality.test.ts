import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { bruteGenerate, randomLayer } from './brute.test-support.js';
import { noisyPrototypes } from './datasets/synthetic.js';
import type { DeepRbm } from './deep-rbm.js';
import { generationQuality } from './generation-quality.js';
import { stateIndex } from './states.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

const protos = (examples: number, seed: number) =>
  noisyPrototypes({ classes: 3, inputs: 8, examples, flip: 0.1, rng: createRng(seed), prototypeRng: createRng(99) });

describe('generationQuality', () => {
  const train = protos(600, 3);
  const test = protos(90, 4);
  it('a net that generates each class prototype scores ≈ 1; one with zero weights scores near chance', () => {
    const W = matrix(3, 8);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 8; i++) W.data[c * 8 + i] = 6 * (2 * train.prototypes[c * 8 + i]! - 1);
    const good: DeepRbm = { layers: [{ W, a: new Float64Array(3), b: new Float64Array(8) }] };
    const blank: DeepRbm = { layers: [{ W: matrix(3, 8), a: new Float64Array(3), b: new Float64Array(8) }] };
    const g = generationQuality(be, good, train, test, { perClass: 200 });
    const z = generationQuality(be, blank, train, test, { perClass: 200 });
    expect(g.generatedAccuracy).toBeGreaterThan(0.95);
    expect(z.generatedAccuracy).toBeLessThan(0.6);
    // fair coins: log q̃_0 = 8 log ½ exactly
    expect(z.testLogProbability).toBeCloseTo(8 * Math.log(0.5), 10);
    expect(g.testLogProbability).toBeGreaterThan(z.testLogProbability);
  });

  it('the sampled log q̃_0(x | e_c) converges to the brute-force value', () => {
    const rng = createRng(5);
    const gauss = () => rng.nextGaussian();
    const net: DeepRbm = { layers: [randomLayer(4, 8, gauss, 0.8), randomLayer(3, 4, gauss, 0.8)] };
    let exact = 0;
    for (let r = 0; r < test.x.rows; r++) {
      const y = [0, 0, 0];
      y[test.labels[r]!] = 1;
      const q0 = bruteGenerate(net, y).at(-1)!;
      exact += Math.log(q0[stateIndex(test.x.data.subarray(r * 8, r * 8 + 8))]!);
    }
    exact /= test.x.rows;
    const q = generationQuality(be, net, train, test, { perClass: 10, logProbSamples: 20000, seed: 3 });
    expect(Math.abs(q.testLogProbability - exact)).toBeLessThan(0.01);
    // fewer draws never estimate higher on average (Jensen); here the quarter estimate is within 0.05 below
    expect(q.testLogProbabilityQuarter).toBeLessThan(exact + 0.02);
  });
});
