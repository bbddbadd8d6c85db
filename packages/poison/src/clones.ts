/**
 * The attacker's clones, trained on its own queries x and the served answers ŷ′:
 *  (a) 'eq14':    the victim's architecture trained layerwise by eq. 14 with the
 *                 served ŷ′ as (soft) outputs, with the same held-out guard as the
 *                 victim (a held-out fifth of the attacker's queries, labelled by
 *                 argmax ŷ′) — the paper's attacker;
 *  (b) 'softmax': multinomial logistic regression on the soft labels (knockoff).
 */
import { createRng, matrix, type Backend } from '@rgdl/gpu-kernels';
import { classProbabilities, createDeepRbm, oneHot, subset, trainLayerwise, type DeepRbm, type LabelledData } from '@rgdl/rbm';
import { argmax } from './constrain.js';

export type CloneKind = 'eq14' | 'softmax';

export interface Clone {
  readonly kind: CloneKind;
  /** Class probabilities for input rows. */
  predict(inputs: readonly Float64Array[]): Float64Array[];
  /** The eq. 14 clone's network (for weight comparisons). */
  readonly net?: DeepRbm;
}

export interface CloneOptions {
  readonly widths: readonly number[];
  readonly seed: number;
  /** eq14: greedy-initialisation epochs (default 5) and eq. 14 sweeps (default 1: the poisoned ŷ′ reaches the lower layers only through the sweeps). */
  readonly pretrainEpochs?: number;
  readonly sweeps?: number;
  /** softmax: epochs of full-batch gradient descent (default 300). */
  readonly epochs?: number;
}

function toLabelled(xs: readonly Float64Array[], ys: readonly Float64Array[]): LabelledData {
  const n0 = xs[0]!.length;
  const classes = ys[0]!.length;
  const x = matrix(xs.length, n0);
  xs.forEach((r, i) => x.data.set(r, i * n0));
  const y = matrix(ys.length, classes);
  ys.forEach((r, i) => y.data.set(r, i * classes));
  const labels = Int32Array.from(ys, (r) => argmax(r));
  return { x, y, labels, classes };
}

export function trainClone(be: Backend, kind: CloneKind, xs: readonly Float64Array[], served: readonly Float64Array[], options: CloneOptions): Clone {
  const data = toLabelled(xs, served);
  if (kind === 'eq14') {
    const n = data.x.rows;
    const cut = Math.floor(0.8 * n);
    const train = subset({ ...data, y: data.y }, Array.from({ length: cut }, (_, i) => i));
    // subset() re-encodes y as one-hot from labels; keep the served soft answers
    const soft = { ...train, y: matrix(cut, data.classes, data.y.data.slice(0, cut * data.classes)) };
    const validation = subset(data, Array.from({ length: n - cut }, (_, i) => cut + i));
    const net = createDeepRbm([...options.widths], createRng(options.seed), { weightScale: 0.01 });
    const r = trainLayerwise(be, net, soft, {
      validation: { ...validation, y: oneHot(validation.labels, data.classes) },
      sweeps: options.sweeps ?? 1, pretrainEpochs: options.pretrainEpochs ?? 5, epochsPerLayer: 2, patience: 1,
      batchSize: 50, learningRate: 0.1, momentum: 0.9, precision: 'f32', seed: options.seed, evalSamples: 8,
    });
    const cloneNet = r.net;
    const hidden = cloneNet.layers.slice(0, -1).map((l) => l.W.rows);
    return {
      kind, net: cloneNet,
      predict(inputs) {
        const m = matrix(inputs.length, inputs[0]!.length);
        inputs.forEach((row, i) => m.data.set(row, i * m.cols));
        const p = classProbabilities(be, cloneNet, m, hidden.every((h) => h <= 14) ? {} : { samples: 32, rng: createRng(options.seed + 3) });
        return inputs.map((_, i) => p.data.slice(i * data.classes, (i + 1) * data.classes));
      },
    };
  }
  // softmax regression: minimise Σ_n Σ_c −ŷ′_nc log softmax(W x_n + b)_c by gradient descent
  const n0 = data.x.cols;
  const K = data.classes;
  const W = matrix(n0, K);
  const b = new Float64Array(K);
  const epochs = options.epochs ?? 300;
  const lr = 0.5;
  const N = data.x.rows;
  const forward = (x: typeof data.x) => {
    const z = be.matmulAddBias(x, W, b);
    for (let r = 0; r < z.rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < K; c++) max = Math.max(max, z.data[r * K + c]!);
      let s = 0;
      for (let c = 0; c < K; c++) {
        const e = Math.exp(z.data[r * K + c]! - max);
        z.data[r * K + c] = e;
        s += e;
      }
      for (let c = 0; c < K; c++) z.data[r * K + c]! /= s;
    }
    return z;
  };
  // soft targets normalised to sum 1 (served answers in the box view need not)
  const target = matrix(N, K, data.y.data.slice());
  for (let r = 0; r < N; r++) {
    let s = 0;
    for (let c = 0; c < K; c++) s += Math.max(0, target.data[r * K + c]!);
    for (let c = 0; c < K; c++) target.data[r * K + c] = s > 0 ? Math.max(0, target.data[r * K + c]!) / s : 1 / K;
  }
  for (let e = 0; e < epochs; e++) {
    const p = forward(data.x);
    for (let i = 0; i < p.data.length; i++) p.data[i] = (p.data[i]! - target.data[i]!) / N;
    const gW = be.matmul(data.x, p, { transA: true });
    for (let i = 0; i < W.data.length; i++) W.data[i]! -= lr * (gW.data[i]! + 1e-4 * W.data[i]!);
    for (let c = 0; c < K; c++) {
      let g = 0;
      for (let r = 0; r < N; r++) g += p.data[r * K + c]!;
      b[c]! -= lr * g;
    }
  }
  return {
    kind,
    predict(inputs) {
      const m = matrix(inputs.length, n0);
      inputs.forEach((row, i) => m.data.set(row, i * n0));
      const p = forward(m);
      return inputs.map((_, i) => p.data.slice(i * K, (i + 1) * K));
    },
  };
}
