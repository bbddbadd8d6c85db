import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnist } from './datasets/mnist.js';
import { noisyPrototypes } from './datasets/synthetic.js';
import { subset } from './datasets/labelled.js';
import { createDeepRbm } from './deep-rbm.js';
import { classifierAccuracy, layerwiseSource, trainLayerwise, type LayerwiseProgress } from './layerwise.js';

const be = createCpuBackend();
afterAll(() => be.dispose());

describe('eq. 14 positive phase', () => {
  it('pairs x with generated h_1 for layer 1 and sampled h_{N−1} with y for the top layer', () => {
    const data = noisyPrototypes({ classes: 3, inputs: 6, examples: 12, rng: createRng(1) });
    const net = createDeepRbm([6, 4, 3], createRng(2), { weightScale: 0.5 });
    const bottom = layerwiseSource(be, net, 0, data, 5, createRng(3)).batch(0, net.layers[0]!, createRng(3));
    expect([bottom.lower.cols, bottom.upper.cols, bottom.lower.rows]).toEqual([6, 4, 5]);
    // lower side of layer 1 is x itself (binary)
    expect(Array.from(bottom.lower.data).every((v) => v === 0 || v === 1)).toBe(true);
    // upper side is E[h_1 | y] = σ(W_2ᵀ y + b_2): strictly inside (0, 1)
    expect(Array.from(bottom.upper.data).every((v) => v > 0 && v < 1)).toBe(true);
    const top = layerwiseSource(be, net, 1, data, 5, createRng(3)).batch(0, net.layers[1]!, createRng(3));
    expect([top.lower.cols, top.upper.cols]).toEqual([4, 3]);
    for (let r = 0; r < 5; r++)
      expect(Array.from(top.upper.data.subarray(r * 3, r * 3 + 3)).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('trainLayerwise', () => {
  it('learns noisy prototypes (Bayes accuracy ≈ 1) far above chance and keeps the best sweep', () => {
    const rng = createRng(5);
    const train = noisyPrototypes({ classes: 4, inputs: 24, examples: 400, flip: 0.1, rng });
    const test = noisyPrototypes({ classes: 4, inputs: 24, examples: 200, flip: 0.1, rng: createRng(5) });
    const net = createDeepRbm([24, 10, 4], createRng(6), { weightScale: 0.05 });
    const events: LayerwiseProgress[] = [];
    const r = trainLayerwise(be, net, train, {
      validation: subset(
        test,
        Array.from({ length: 100 }, (_, i) => i),
      ),
      sweeps: 3,
      epochsPerLayer: 3,
      pretrainEpochs: 10,
      batchSize: 20,
      learningRate: 0.1,
      momentum: 0.5,
      seed: 7,
      onProgress: (e) => events.push(e),
    });
    expect(r.history[0]!.sweep).toBe(0);
    expect(r.bestAccuracy).toBe(Math.max(...r.history.map((h) => h.validationAccuracy)));
    expect(r.history[r.bestSweep]!.validationAccuracy).toBe(r.bestAccuracy);
    expect(events.filter((e) => e.kind === 'sweep')).toHaveLength(r.history.length);
    // the exact class probabilities are available here (hidden width 10)
    expect(classifierAccuracy(be, r.net, test)).toBeGreaterThan(0.9);
  });

  it('rejects data whose widths do not match the network', () => {
    const data = noisyPrototypes({ classes: 3, inputs: 6, examples: 6, rng: createRng(1) });
    expect(() => trainLayerwise(be, createDeepRbm([7, 4, 3], createRng(1)), data)).toThrow(/6 columns.*width is 7/);
    expect(() => trainLayerwise(be, createDeepRbm([6, 4, 2], createRng(1)), data)).toThrow(
      /y has 3 columns.*width is 2/,
    );
  });

  it('trains a 14×14 MNIST net (2,000 digits, [196, 64, 10]) to well above chance on the test split', () => {
    const train = loadMnist({ size: 14, split: 'train', limit: 2000 });
    const test = loadMnist({ size: 14, split: 'test', limit: 500 });
    const net = createDeepRbm([196, 64, 10], createRng(1), { weightScale: 0.01 });
    const r = trainLayerwise(be, net, train, {
      validation: loadMnist({ size: 14, split: 'attacker', limit: 300 }),
      sweeps: 1,
      epochsPerLayer: 2,
      pretrainEpochs: 8,
      batchSize: 20,
      learningRate: 0.1,
      momentum: 0.9,
      seed: 3,
    });
    const acc = classifierAccuracy(be, r.net, test, { samples: 16, rng: createRng(2) });
    expect(acc).toBeGreaterThan(0.6); // chance is 0.1
  }, 120_000);
});

describe('eq. 14 guard', () => {
  it('keepFrom: 1 keeps a sweep ≥ 1 even when greedy initialisation scored best', () => {
    const data = noisyPrototypes({
      classes: 3,
      inputs: 12,
      examples: 90,
      rng: createRng(4),
      prototypeRng: createRng(5),
    });
    const opts = {
      sweeps: 2,
      pretrainEpochs: 20,
      epochsPerLayer: 1,
      learningRate: 0.5,
      momentum: 0,
      seed: 3,
      patience: 5,
    };
    const free = trainLayerwise(be, createDeepRbm([12, 6, 3], createRng(6), { weightScale: 0.01 }), data, opts);
    const forced = trainLayerwise(be, createDeepRbm([12, 6, 3], createRng(6), { weightScale: 0.01 }), data, {
      ...opts,
      keepFrom: 1,
    });
    expect(forced.bestSweep).toBeGreaterThanOrEqual(1);
    expect(forced.history.map((h) => h.validationAccuracy)).toEqual(free.history.map((h) => h.validationAccuracy));
    const best = Math.max(...forced.history.slice(1).map((h) => h.validationAccuracy));
    expect(forced.bestAccuracy).toBe(best);
  });
});
