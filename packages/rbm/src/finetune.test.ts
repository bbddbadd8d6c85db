import { createCpuBackend, createRng, matrix, transpose } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { bruteLogZ, negEnergy, randomLayer } from './brute.test-support.js';
import { noisyPrototypes } from './datasets/synthetic.js';
import { oneHot } from './datasets/labelled.js';
import type { DeepRbm } from './deep-rbm.js';
import { fineTune, hybridObjective, meanFieldScore } from './finetune.js';
import { meanFieldProbabilities } from './mean-field.js';
import { classProbabilities } from './propagate.js';
import { exactModelStats, upperEnumeratedStats } from './train.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

// widths [5, 4, 3, 3]
function tinyNet(seed: number): DeepRbm {
  const rng = createRng(seed);
  const g = () => rng.nextGaussian();
  return { layers: [randomLayer(4, 5, g, 0.8), randomLayer(3, 4, g, 0.8), randomLayer(3, 3, g, 0.8)] };
}

function batch(seed: number, rows: number, n0: number, classes: number) {
  const rng = createRng(seed);
  const x = matrix(rows, n0);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.nextFloat();
  return {
    x,
    y: oneHot(
      Array.from({ length: rows }, (_, r) => r % classes),
      classes,
    ),
  };
}

describe('hybridObjective', () => {
  it('its gradient matches central finite differences of CE + α_top·(−log t_N) in every parameter', () => {
    const net = tinyNet(3);
    const { x, y } = batch(4, 6, 5, 3);
    const alpha = 0.7;
    const loss = () => {
      const v = hybridObjective(be, net, x, y, { generative: { top: alpha } });
      return v.crossEntropy + alpha * v.topNegLogLikelihood;
    };
    const g = hybridObjective(be, net, x, y, { generative: { top: alpha } }).gradients;
    const h = 1e-5;
    net.layers.forEach((layer, k) => {
      for (const name of ['W', 'a', 'b'] as const) {
        const theta = name === 'W' ? layer.W.data : layer[name];
        const numeric = new Float64Array(theta.length);
        for (let i = 0; i < theta.length; i++) {
          const t = theta[i]!;
          theta[i] = t + h;
          const up = loss();
          theta[i] = t - h;
          const down = loss();
          theta[i] = t;
          numeric[i] = (up - down) / (2 * h);
        }
        expectAllClose(g[k]![name], numeric, { rtol: 1e-5, atol: 1e-8, label: `layer ${k} ${name}` });
      }
    });
  });

  it('−log t_N(μ, e_c) is the brute-force joint negative log-likelihood', () => {
    const net = tinyNet(5);
    const { x, y } = batch(6, 4, 5, 3);
    const v = hybridObjective(be, net, x, y, { generative: { top: 1 } });
    const top = net.layers[2]!;
    // μ_2 by hand
    const logZ = bruteLogZ(top);
    let nll = 0;
    for (let r = 0; r < x.rows; r++) {
      let m: number[] = Array.from(x.data.subarray(r * 5, r * 5 + 5));
      for (const layer of net.layers.slice(0, 2)) {
        m = Array.from({ length: layer.W.rows }, (_, j) => {
          let u = layer.a[j]!;
          for (let i = 0; i < layer.W.cols; i++) u += layer.W.data[j * layer.W.cols + i]! * m[i]!;
          return 1 / (1 + Math.exp(-u));
        });
      }
      nll += logZ - negEnergy(top, Array.from(y.data.subarray(r * 3, r * 3 + 3)), m);
    }
    expect(v.topNegLogLikelihood).toBeCloseTo(nll / x.rows, 10);
  });

  it('trainable = [N−1] leaves the lower layers without gradient; the top gradient is unchanged', () => {
    const net = tinyNet(7);
    const { x, y } = batch(8, 5, 5, 3);
    const all = hybridObjective(be, net, x, y, { generative: { top: 0.3 } });
    const topOnly = hybridObjective(be, net, x, y, { generative: { top: 0.3 }, trainable: [2] });
    expect(Math.max(...topOnly.gradients[0]!.W.map(Math.abs), ...topOnly.gradients[1]!.W.map(Math.abs))).toBe(0);
    expectAllClose(topOnly.gradients[2]!.W, all.gradients[2]!.W, { rtol: 1e-12, atol: 1e-15 });
  });

  it('rejects mismatched shapes and a missing rng for lower generative terms', () => {
    const net = tinyNet(1);
    const { x, y } = batch(2, 3, 5, 3);
    expect(() => hybridObjective(be, net, matrix(3, 4), y)).toThrow(RangeError);
    expect(() => hybridObjective(be, net, x, matrix(3, 2))).toThrow(/y is 3×2/);
    expect(() => hybridObjective(be, net, x, y, { generative: { lower: 0.1 } })).toThrow(/rng/);
  });
});

describe('upperEnumeratedStats', () => {
  it('equals the lower-side enumeration of exactModelStats and the brute-force log Z', () => {
    const rng = createRng(9);
    const layer = randomLayer(4, 7, () => rng.nextGaussian(), 0.6);
    const a = upperEnumeratedStats(be, layer);
    // the same RBM with its sides swapped: exactModelStats then enumerates the lower side
    const swapped = { W: transpose(layer.W), a: layer.b, b: layer.a };
    const b = exactModelStats(be, swapped);
    expectAllClose(a.hv.data, transpose(b.hv as typeof layer.W).data, { rtol: 1e-10, atol: 1e-13 });
    expectAllClose(a.h, b.v, { rtol: 1e-10, atol: 1e-13 });
    expectAllClose(a.v, b.h, { rtol: 1e-10, atol: 1e-13 });
    expect(a.logZ).toBeCloseTo(bruteLogZ(layer), 10);
    expect(b.logZ).toBeCloseTo(bruteLogZ(layer), 10);
  });
});

describe('mean field and eq. 2', () => {
  it('for depth 1 the mean-field softmax is exactly eq. 2', () => {
    const rng = createRng(11);
    const net: DeepRbm = { layers: [randomLayer(4, 6, () => rng.nextGaussian(), 1)] };
    const { x } = batch(12, 5, 6, 4);
    expectAllClose(meanFieldProbabilities(be, net, x).data, classProbabilities(be, net, x).data, {
      rtol: 1e-12,
      atol: 1e-14,
    });
  });
});

describe('fineTune', () => {
  const data = noisyPrototypes({
    classes: 4,
    inputs: 24,
    examples: 400,
    flip: 0.2,
    rng: createRng(1),
    prototypeRng: createRng(2),
  });
  const val = noisyPrototypes({
    classes: 4,
    inputs: 24,
    examples: 200,
    flip: 0.2,
    rng: createRng(3),
    prototypeRng: createRng(2),
  });
  const fresh = (): DeepRbm => {
    const rng = createRng(4);
    return {
      layers: [randomLayer(8, 24, () => rng.nextGaussian(), 0.05), randomLayer(4, 8, () => rng.nextGaussian(), 0.05)],
    };
  };

  it('learns noisy prototypes from near-zero weights (held-out mean-field accuracy > 0.9, chance 0.25)', () => {
    const before = meanFieldScore(be, fresh(), val).accuracy;
    const r = fineTune(be, fresh(), data, { epochs: 30, learningRate: 1e-2, validation: val, seed: 5 });
    expect(before).toBeLessThan(0.5);
    expect(r.history[r.bestEpoch - 1]!.validationAccuracy).toBeGreaterThan(0.9);
    expect(meanFieldScore(be, r.net, val).accuracy).toBe(r.history[r.bestEpoch - 1]!.validationAccuracy);
    // training cross-entropy falls
    expect(r.history[r.history.length - 1]!.crossEntropy).toBeLessThan(r.history[0]!.crossEntropy);
  });

  it('is deterministic under its seed, and the generative terms change the result', () => {
    const opts = { epochs: 3, learningRate: 1e-2, seed: 7, generative: { top: 0.1, lower: 0.1 } };
    const a = fineTune(be, fresh(), data, opts);
    const b = fineTune(be, fresh(), data, opts);
    const c = fineTune(be, fresh(), data, { ...opts, generative: { top: 0, lower: 0 } });
    expectAllClose(a.net.layers[0]!.W.data, b.net.layers[0]!.W.data, { rtol: 0, atol: 0 });
    expect(a.net.layers[0]!.b.some((v, i) => v !== c.net.layers[0]!.b[i])).toBe(true);
    expect(a.history.every((h) => Number.isFinite(h.topNegLogLikelihood))).toBe(true);
  });

  it('stops on patience and keeps the best epoch', () => {
    const r = fineTune(be, fresh(), data, { epochs: 200, learningRate: 5e-2, validation: val, patience: 3, seed: 1 });
    expect(r.stopped).toBe('patience');
    expect(r.history.length - r.bestEpoch).toBe(3);
  });

  it('stops with a clear error when the weights diverge', () => {
    expect(() =>
      fineTune(be, fresh(), data, { epochs: 5, learningRate: 1e300, optimizer: 'momentum', seed: 1 }),
    ).toThrow(/diverged/);
  });
});
