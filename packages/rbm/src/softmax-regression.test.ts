import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { noisyPrototypes } from './datasets/synthetic.js';
import {
  fitSoftmaxRegression,
  predictSoftmaxRegression,
  REFERENCE_REGRESSION,
  softmaxRegressionProbabilities,
} from './softmax-regression.js';

const be = createCpuBackend();
afterAll(() => be.dispose());

const protos = (examples: number, seed: number) =>
  noisyPrototypes({ classes: 3, inputs: 8, examples, flip: 0.1, rng: createRng(seed), prototypeRng: createRng(99) });

describe('fitSoftmaxRegression', () => {
  it('mini-batch Adam on one-hot labels classifies noisy prototypes far above chance', () => {
    const train = protos(600, 1);
    const test = protos(300, 2);
    const model = fitSoftmaxRegression(be, train.x, train.y, { ...REFERENCE_REGRESSION, seed: 2 });
    const pred = predictSoftmaxRegression(be, model, test.x);
    let ok = 0;
    for (let r = 0; r < pred.length; r++) if (pred[r] === test.labels[r]) ok++;
    expect(ok / pred.length).toBeGreaterThan(0.9);
  });

  it('full-batch gradient descent equals a hand-written loop step for step, and converges to a stationary point', () => {
    const d = protos(200, 3);
    // soft targets: 0.8 on the label, the rest spread evenly
    const t = matrix(
      d.y.rows,
      3,
      d.y.data.map((v) => (v === 1 ? 0.8 : 0.1)),
    );
    const options = { epochs: 40, learningRate: 0.5, l2: 1e-3, optimiser: 'sgd' as const };
    const fit = fitSoftmaxRegression(be, d.x, t, options);
    // the same descent written out: W ← W − η(Xᵀ(P − T)/N + λW), b ← b − η Σ_n (P − T)_n / N
    const n0 = d.x.cols;
    const N = d.x.rows;
    const W = new Float64Array(n0 * 3);
    const b = new Float64Array(3);
    for (let e = 0; e < options.epochs; e++) {
      const gW = new Float64Array(n0 * 3);
      const gb = new Float64Array(3);
      for (let r = 0; r < N; r++) {
        const z = [0, 1, 2].map(
          (c) =>
            b[c]! +
            Array.from({ length: n0 }, (_, i) => d.x.data[r * n0 + i]! * W[i * 3 + c]!).reduce((a, v) => a + v, 0),
        );
        const m = Math.max(...z);
        const ex = z.map((v) => Math.exp(v - m));
        const s = ex.reduce((a, v) => a + v, 0);
        for (let c = 0; c < 3; c++) {
          const g = (ex[c]! / s - t.data[r * 3 + c]!) / N;
          gb[c]! += g;
          for (let i = 0; i < n0; i++) gW[i * 3 + c]! += d.x.data[r * n0 + i]! * g;
        }
      }
      for (let i = 0; i < W.length; i++) W[i]! -= options.learningRate * (gW[i]! + options.l2 * W[i]!);
      for (let c = 0; c < 3; c++) b[c]! -= options.learningRate * gb[c]!;
    }
    for (let i = 0; i < W.length; i++) expect(fit.W.data[i]).toBeCloseTo(W[i]!, 10);
    for (let c = 0; c < 3; c++) expect(fit.b[c]).toBeCloseTo(b[c]!, 10);

    // many more steps: the gradient of the penalised loss vanishes
    const long = fitSoftmaxRegression(be, d.x, t, { ...options, epochs: 3000 });
    const p = softmaxRegressionProbabilities(be, long, d.x);
    let worst = 0;
    for (let i = 0; i < n0; i++) {
      for (let c = 0; c < 3; c++) {
        let g = options.l2 * long.W.data[i * 3 + c]!;
        for (let r = 0; r < N; r++) g += (d.x.data[r * n0 + i]! * (p.data[r * 3 + c]! - t.data[r * 3 + c]!)) / N;
        worst = Math.max(worst, Math.abs(g));
      }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('a snapshot at epoch e is bit-identical to a fit of e epochs (full batch and mini-batch)', () => {
    const d = protos(120, 5);
    for (const base of [
      { epochs: 30, learningRate: 0.5, l2: 1e-3, optimiser: 'sgd' as const },
      { ...REFERENCE_REGRESSION, epochs: 12, seed: 3 },
    ]) {
      const taken: Record<number, { W: Float64Array; b: Float64Array }> = {};
      const full = fitSoftmaxRegression(be, d.x, d.y, {
        ...base,
        snapshots: { epochs: [5, base.epochs], take: (e, m) => (taken[e] = { W: m.W.data, b: m.b }) },
      });
      const short = fitSoftmaxRegression(be, d.x, d.y, { ...base, epochs: 5 });
      expect(Object.keys(taken).map(Number)).toEqual([5, base.epochs]);
      expect(Array.from(taken[5]!.W)).toEqual(Array.from(short.W.data));
      expect(Array.from(taken[5]!.b)).toEqual(Array.from(short.b));
      expect(Array.from(taken[base.epochs]!.W)).toEqual(Array.from(full.W.data));
      // a copy: later steps did not move the early snapshot
      expect(Array.from(taken[5]!.W)).not.toEqual(Array.from(full.W.data));
    }
  });

  it('refuses inputs and targets of different lengths', () => {
    const d = protos(10, 4);
    expect(() => fitSoftmaxRegression(be, d.x, matrix(9, 3), REFERENCE_REGRESSION)).toThrow(
      /10 inputs but 9 target rows/,
    );
  });
});
