import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { bruteLowerMarginal, randomLayer } from './brute.test-support.js';
import { noisyPrototypes } from './datasets/synthetic.js';
import { createDeepRbm } from './deep-rbm.js';
import { pretrainGreedy, pseudoLogLikelihood } from './pretrain.js';
import { stateIndex } from './states.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('pseudoLogLikelihood', () => {
  it('equals (1/n) Σ_i log p(v_i | v_−i) from the brute-force marginal p(v)', () => {
    const rng = createRng(3);
    const layer = randomLayer(3, 5, () => rng.nextGaussian(), 0.9);
    const p = bruteLowerMarginal(layer);
    const v = matrix(4, 5);
    for (let i = 0; i < v.data.length; i++) v.data[i] = rng.nextFloat() < 0.5 ? 1 : 0;
    let expected = 0;
    for (let r = 0; r < 4; r++) {
      const row = Array.from(v.data.subarray(r * 5, r * 5 + 5));
      for (let i = 0; i < 5; i++) {
        const flipped = row.slice();
        flipped[i] = 1 - flipped[i]!;
        const a = p[stateIndex(row)]!;
        expected += Math.log(a / (a + p[stateIndex(flipped)]!));
      }
    }
    expect(pseudoLogLikelihood(be, layer, v)).toBeCloseTo(expected / 20, 10);
  });
});

describe('pretrainGreedy', () => {
  it('raises the held-out pseudo-likelihood of every hidden layer above that of the initial fair coins and leaves the top layer alone', () => {
    const train = noisyPrototypes({
      classes: 4,
      inputs: 36,
      examples: 400,
      flip: 0.1,
      rng: createRng(1),
      prototypeRng: createRng(2),
    });
    const held = noisyPrototypes({
      classes: 4,
      inputs: 36,
      examples: 100,
      flip: 0.1,
      rng: createRng(5),
      prototypeRng: createRng(2),
    });
    const net = createDeepRbm([36, 16, 12, 4], createRng(4), { weightScale: 0.01 });
    const top = net.layers[2]!.W.data.slice();
    const h = pretrainGreedy(be, net, train.x, { epochs: 8, learningRate: 0.1, heldOut: held.x, seed: 2 });
    expect(h.length).toBe(16);
    // at initialisation (W ≈ 0, zero biases) every unit is a fair coin: PL = log ½ ≈ −0.693 per unit
    for (const L of [0, 1]) {
      expect(h.filter((e) => e.layer === L).at(-1)!.heldOutPseudoLikelihood).toBeGreaterThan(Math.log(0.5) + 0.09);
    }
    expect(Array.from(net.layers[2]!.W.data)).toEqual(Array.from(top));
  });
});
