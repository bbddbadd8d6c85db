/**
 * The attacker's clones, trained on its own queries x and the served answers ŷ′:
 *  (a) 'eq14':    the victim's architecture trained layerwise by eq. 14 with the
 *                 served ŷ′ as (soft) outputs, with the same held-out guard as the
 *                 victim (a held-out fifth of the attacker's queries, labelled by
 *                 argmax ŷ′), choosing among sweeps ≥ 1 so the lower layers see
 *                 ŷ′ — the paper's attacker;
 *  (b) 'softmax': multinomial logistic regression on the soft labels (knockoff);
 *  (c) 'mlp':     one hidden layer of 64 tanh units and a softmax output, trained on
 *                 the soft labels by full-batch Adam (knockoff).
 */
import { rngFor, createRng, matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import {
  fitSoftmaxRegression,
  Optimiser,
  softmaxRegressionProbabilities,
  classProbabilitiesAuto,
  createDeepRbm,
  oneHot,
  softmaxRows,
  subset,
  trainLayerwise,
  type DeepRbm,
  type LabelledData,
} from '@rgdl/rbm';
import { argmax } from './constrain.js';

export type CloneKind = 'eq14' | 'softmax' | 'mlp';

export interface Clone {
  readonly kind: CloneKind;
  /** Class probabilities (rows × classes) for input rows. */
  predict(inputs: Matrix<Float64Array>): Matrix<Float64Array>;
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
  /**
   * The defended service, for attackers that ask again (smoothing): answers for
   * new inputs, in process only. Such an attacker spends part of its budget on
   * the repeats (it trains on fewer distinct inputs), so budgets stay matched.
   */
  readonly ask?: (inputs: Matrix<Float64Array>) => Matrix<Float64Array>;
  /**
   * The defence's published form, for attackers that undo it (recovery): its
   * name and strength, which a server reports (`GET /v1/model`), never its
   * victim, seed or caches.
   */
  readonly published?: PublishedDefence;
}

/** What a defence's user may know of it: which defence, at which strength. */
export interface PublishedDefence {
  readonly defence: string;
  readonly strength: number;
}

function toLabelled(x: Matrix<Float64Array>, y: Matrix<Float64Array>): LabelledData {
  if (x.rows !== y.rows) throw new RangeError(`${x.rows} queries but ${y.rows} answers`);
  const labels = new Int32Array(y.rows);
  for (let r = 0; r < y.rows; r++) labels[r] = argmax(y.data.subarray(r * y.cols, (r + 1) * y.cols));
  return { x, y, labels, classes: y.cols };
}

export function trainClone(
  be: Backend,
  kind: CloneKind,
  x: Matrix<Float64Array>,
  served: Matrix<Float64Array>,
  options: CloneOptions,
): Clone {
  const data = toLabelled(x, served);
  if (kind === 'eq14') {
    const n = data.x.rows;
    const cut = Math.floor(0.8 * n);
    const train = subset(
      { ...data, y: data.y },
      Array.from({ length: cut }, (_, i) => i),
    );
    // subset() re-encodes y as one-hot from labels; keep the served soft answers
    const soft = { ...train, y: matrix(cut, data.classes, data.y.data.slice(0, cut * data.classes)) };
    const validation = subset(
      data,
      Array.from({ length: n - cut }, (_, i) => cut + i),
    );
    const net = createDeepRbm([...options.widths], createRng(options.seed), { weightScale: 0.01 });
    const r = trainLayerwise(be, net, soft, {
      validation: { ...validation, y: oneHot(validation.labels, data.classes) },
      sweeps: options.sweeps ?? 1,
      pretrainEpochs: options.pretrainEpochs ?? 5,
      epochsPerLayer: 2,
      patience: 1,
      // the guard chooses among sweeps ≥ 1, so the served ŷ′ reach the lower layers
      keepFrom: 1,
      batchSize: 50,
      learningRate: 0.1,
      momentum: 0.9,
      precision: 'f32',
      seed: options.seed,
      evalSamples: 8,
    });
    const cloneNet = r.net;
    return {
      kind,
      net: cloneNet,
      predict: (inputs) =>
        classProbabilitiesAuto(be, cloneNet, inputs, {
          samples: 32,
          rng: rngFor('clone-eq14-probabilities', options.seed),
        }),
    };
  }
  if (kind === 'mlp') return trainMlp(be, data, options);
  // softmax regression: minimise Σ_n Σ_c −ŷ′_nc log softmax(W x_n + b)_c by full-batch gradient descent
  const model = fitSoftmaxRegression(be, data.x, simplexRows(data.y), {
    epochs: options.epochs ?? 300,
    learningRate: 0.5,
    l2: 1e-4,
    optimiser: 'sgd',
  });
  return {
    kind,
    predict: (inputs) => softmaxRegressionProbabilities(be, model, inputs),
  };
}

/** Answers as soft targets: rows clipped at 0 and renormalised to sum 1 (box-view answers need not sum to 1). */
export function simplexRows(y: Matrix<Float64Array>): Matrix<Float64Array> {
  const K = y.cols;
  const t = y.data.slice();
  for (let r = 0; r < y.rows; r++) {
    let s = 0;
    for (let c = 0; c < K; c++) s += Math.max(0, t[r * K + c]!);
    for (let c = 0; c < K; c++) t[r * K + c] = s > 0 ? Math.max(0, t[r * K + c]!) / s : 1 / K;
  }
  return matrix(y.rows, K, t);
}

function trainMlp(be: Backend, data: LabelledData, options: CloneOptions): Clone {
  return fitMlp(be, data.x, simplexRows(data.y), {
    seed: options.seed,
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
  });
}

/** The MLP clone's settings (defaults: the plain 'mlp' attacker's). */
export interface MlpSettings {
  readonly seed: number;
  /** Hidden tanh units (64). */
  readonly hidden?: number;
  /** Full-batch Adam epochs (300). */
  readonly epochs?: number;
  /** Adam step (0.01). */
  readonly learningRate?: number;
  /** L2 penalty on the weights, not the biases (1e-4). */
  readonly weightDecay?: number;
}

/**
 * One hidden layer of tanh units and a softmax output, fitted to soft targets
 * (rows on the simplex) by full-batch Adam on the cross-entropy.
 */
export function fitMlp(
  be: Backend,
  queries: Matrix<Float64Array>,
  targets: Matrix<Float64Array>,
  settings: MlpSettings,
): Clone {
  const H = settings.hidden ?? 64;
  const n0 = queries.cols;
  const K = targets.cols;
  const N = queries.rows;
  const rng = rngFor('clone-mlp-init', settings.seed);
  const W1 = matrix(
    n0,
    H,
    Float64Array.from({ length: n0 * H }, () => rng.nextGaussian() / Math.sqrt(n0)),
  );
  const b1 = new Float64Array(H);
  const W2 = matrix(
    H,
    K,
    Float64Array.from({ length: H * K }, () => rng.nextGaussian() / Math.sqrt(H)),
  );
  const b2 = new Float64Array(K);
  const params = [W1.data, b1, W2.data, b2];
  const adam = new Optimiser(params, 'adam');
  const target = targets.data;
  const lr = settings.learningRate ?? 0.01;
  const decay = settings.weightDecay ?? 1e-4;
  const forward = (x: Matrix<Float64Array>) => {
    const h = be.matmulAddBias(x, W1, b1);
    for (let i = 0; i < h.data.length; i++) h.data[i] = Math.tanh(h.data[i]!);
    return { h, p: softmaxRows(be.matmulAddBias(h, W2, b2)) };
  };
  const epochs = settings.epochs ?? 300;
  for (let e = 1; e <= epochs; e++) {
    const { h, p } = forward(queries);
    for (let i = 0; i < p.data.length; i++) p.data[i] = (p.data[i]! - target[i]!) / N; // dL/dz
    const gW2 = be.matmul(h, p, { transA: true });
    const gb2 = new Float64Array(K);
    for (let r = 0; r < N; r++) for (let c = 0; c < K; c++) gb2[c]! += p.data[r * K + c]!;
    const dh = be.matmul(p, W2, { transB: true });
    for (let i = 0; i < dh.data.length; i++) dh.data[i]! *= 1 - h.data[i]! ** 2;
    const gW1 = be.matmul(queries, dh, { transA: true });
    const gb1 = new Float64Array(H);
    for (let r = 0; r < N; r++) for (let j = 0; j < H; j++) gb1[j]! += dh.data[r * H + j]!;
    const grads = [gW1.data, gb1, gW2.data, gb2];
    // Adam with a small L2 penalty on the weights (not the biases)
    for (const k of [0, 2]) {
      const g = grads[k]!;
      const theta = params[k]!;
      for (let i = 0; i < theta.length; i++) g[i]! += decay * theta[i]!;
    }
    adam.step(grads, lr);
  }
  return {
    kind: 'mlp',
    predict: (inputs) => forward(inputs).p,
  };
}
