/**
 * The one multinomial logistic regression of the project: P(c | x) =
 * softmax(xᵀW + b)_c with W inputs × classes, fitted to soft targets t (rows on
 * the simplex; one-hot labels are a case) by minimising the mean cross-entropy
 * −(1/N) Σ_n Σ_c t_nc log P(c | x_n) + ½λ‖W‖² with `Optimiser` (optimiser.ts):
 * full-batch gradient descent (the knockoff clone) or mini-batch Adam (the
 * reference classifier of generation quality and the tuned-LR references).
 */
import { DEFAULT_SEED, createRng, matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { softmaxRows } from './mean-field.js';
import { Optimiser, type OptimiserKind } from './optimiser.js';
import { argmaxRows } from './propagate.js';
import { sparseInputsOf, sparseTimes, sparseTransposeTimes } from './sparse-inputs.js';
import { gatherRows, shuffle } from './train.js';

export interface SoftmaxRegression {
  /** inputs × classes. */
  readonly W: Matrix<Float64Array>;
  readonly b: Float64Array;
}

export interface SoftmaxRegressionOptions {
  readonly epochs: number;
  readonly learningRate: number;
  /** λ of the ½λ‖W‖² penalty (biases are not penalised). */
  readonly l2: number;
  readonly optimiser: OptimiserKind;
  /** Rows per step; absent: the whole set each step (then no shuffling and no seed). */
  readonly batchSize?: number;
  /** Seeds the mini-batch order. */
  readonly seed?: number;
  /**
   * A fixed term added to every row's logits, rows × classes (e.g. the log of an
   * answer the model corrects: with W = 0, b = 0 it returns softmax(offset)).
   * Predict with the same offset.
   */
  readonly offset?: Matrix<Float64Array>;
  /**
   * Called after each listed epoch (1-based, ≤ epochs) with a copy of the model
   * there: one fit gives the fits of every shorter run with the same settings.
   */
  readonly snapshots?: {
    readonly epochs: readonly number[];
    readonly take: (epoch: number, model: SoftmaxRegression) => void;
  };
}

/** The reference classifier's settings: 30 epochs of Adam, batch 100, step 0.01, λ = 1e-4. */
export const REFERENCE_REGRESSION: SoftmaxRegressionOptions = {
  epochs: 30,
  learningRate: 0.01,
  l2: 1e-4,
  optimiser: 'adam',
  batchSize: 100,
};

/**
 * Fits W and b to `targets` (N × classes, rows summing to 1).
 * @throws RangeError when x and targets disagree in rows
 */
export function fitSoftmaxRegression(
  be: Backend,
  x: Matrix<Float64Array>,
  targets: Matrix<Float64Array>,
  options: SoftmaxRegressionOptions,
): SoftmaxRegression {
  if (x.rows !== targets.rows) throw new RangeError(`${x.rows} inputs but ${targets.rows} target rows`);
  if (options.offset && (options.offset.rows !== x.rows || options.offset.cols !== targets.cols)) {
    throw new RangeError(
      `the offset is ${options.offset.rows} × ${options.offset.cols}, not ${x.rows} × ${targets.cols}`,
    );
  }
  const K = targets.cols;
  const W = matrix(x.cols, K);
  const b = new Float64Array(K);
  const opt = new Optimiser([W.data, b], options.optimiser);
  const full = options.batchSize === undefined || options.batchSize >= x.rows;
  const order = Int32Array.from({ length: x.rows }, (_, i) => i);
  const rng = createRng(options.seed ?? DEFAULT_SEED);
  // full-batch fits on sparse inputs (binarised digits) take the compressed products
  const sparse = full ? sparseInputsOf(x) : undefined;
  const step = (xb: Matrix<Float64Array>, rows: ArrayLike<number> | undefined) => {
    const n = xb.rows;
    const z = sparse ? sparseTimes(sparse, W, b) : be.matmulAddBias(xb, W, b);
    const offset = options.offset;
    if (offset !== undefined) {
      for (let r = 0; r < n; r++) {
        const src = rows === undefined ? r : rows[r]!;
        for (let c = 0; c < K; c++) z.data[r * K + c]! += offset.data[src * K + c]!;
      }
    }
    const p = softmaxRows(z);
    for (let r = 0; r < n; r++) {
      const src = rows === undefined ? r : rows[r]!;
      for (let c = 0; c < K; c++) p.data[r * K + c] = (p.data[r * K + c]! - targets.data[src * K + c]!) / n;
    }
    const gW = sparse ? sparseTransposeTimes(sparse, p) : be.matmul(xb, p, { transA: true });
    for (let i = 0; i < gW.data.length; i++) gW.data[i] = gW.data[i]! + options.l2 * W.data[i]!;
    const gb = new Float64Array(K);
    for (let c = 0; c < K; c++) {
      let g = 0;
      for (let r = 0; r < n; r++) g += p.data[r * K + c]!;
      gb[c] = g;
    }
    opt.step([gW.data, gb], options.learningRate);
  };
  const snapshots = options.snapshots;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    if (full) step(x, undefined);
    else {
      shuffle(order, rng);
      for (let s = 0; s < order.length; s += options.batchSize!) {
        const rows = order.subarray(s, Math.min(order.length, s + options.batchSize!));
        step(gatherRows(x, rows), rows);
      }
    }
    if (snapshots?.epochs.includes(epoch + 1)) {
      snapshots.take(epoch + 1, { W: matrix(W.rows, W.cols, W.data.slice()), b: b.slice() });
    }
  }
  return { W, b };
}

/** P(c | x) for each row of x (with the offset the model was fitted with, if any). */
export function softmaxRegressionProbabilities(
  be: Backend,
  model: SoftmaxRegression,
  x: Matrix<Float64Array>,
  offset?: Matrix<Float64Array>,
): Matrix<Float64Array> {
  const z = be.matmulAddBias(x, model.W, model.b);
  if (offset !== undefined) for (let i = 0; i < z.data.length; i++) z.data[i]! += offset.data[i]!;
  return softmaxRows(z);
}

/** argmax_c P(c | x) for each row of x. */
export function predictSoftmaxRegression(be: Backend, model: SoftmaxRegression, x: Matrix<Float64Array>): Int32Array {
  return argmaxRows(softmaxRegressionProbabilities(be, model, x));
}
