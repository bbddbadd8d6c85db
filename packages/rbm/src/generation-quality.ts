/**
 * Is generation (eq. 9) still meaningful? Two measures (docs/math.md §5):
 *
 * 1. Generated-digit accuracy: draw x ~ q̃_0(x | e_c) by ancestral sampling down
 *    the generation chain from the one-hot output e_c, and ask an independent
 *    classifier — multinomial logistic regression fitted on the real training
 *    inputs — for its label. The fraction labelled c, averaged over classes.
 * 2. Test log-probability: log q̃_0(x | e_label) for held-out digits, estimated as
 *      log (1/S) Σ_s t_1(x | h_s),   h_s ~ q̃_1(· | e_label) (S ancestral draws),
 *      log t_1(x | h) = Σ_i [x_i u_i − softplus(u_i)],  u = W_1ᵀ h + b_1,
 *    a consistent estimate whose expectation is a lower bound (Jensen) that rises
 *    to the true value as S grows. Beside it, the same quantity under
 *    independent pixels per class (the class-mean image), as a scale.
 */
import { seedFor, DEFAULT_SEED, createRng, matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { downwardField } from './conditionals.js';
import type { LabelledData } from './datasets/labelled.js';
import type { DeepRbm } from './deep-rbm.js';
import { softmaxRows } from './mean-field.js';
import { logSumExpOf, softplusSum } from './numeric.js';
import { propagateSampled } from './propagate.js';
import {
  fitSoftmaxRegression,
  predictSoftmaxRegression,
  REFERENCE_REGRESSION,
  type SoftmaxRegression,
} from './softmax-regression.js';
import { gatherRows } from './train.js';

export interface GenerationQuality {
  /** Mean over classes of the fraction of digits generated from e_c that the reference classifier labels c. */
  readonly generatedAccuracy: number;
  /** The same fraction per class. */
  readonly generatedAccuracyByClass: number[];
  /** Digits generated per class. */
  readonly generatedPerClass: number;
  /** Reference classifier's accuracy on the real test inputs (its own quality). */
  readonly referenceTestAccuracy: number;
  /** Mean over test digits of log q̃_0(x | e_label) (nats), estimated with `logProbSamples` draws. */
  readonly testLogProbability: number;
  /** The same with a quarter of the draws (how far the estimate is from converged). */
  readonly testLogProbabilityQuarter: number;
  readonly logProbSamples: number;
  /** Mean log-probability of test digits under independent pixels per class (class-mean image, clipped to [1e-3, 1−1e-3]). */
  readonly independentPixelsLogProbability: number;
}

export interface GenerationQualityOptions {
  /** Reference classifier fitted on the real training inputs (fitted here from `train` when absent). */
  readonly reference?: SoftmaxRegression;
  /** Digits generated per class (default 100). */
  readonly perClass?: number;
  /** Draws S of h_1 per class for the log-probability (default 2000). */
  readonly logProbSamples?: number;
  readonly seed?: number;
}

/** Draws of h_1 ~ q̃_1(· | e_c): S × n_1 (or x itself for N = 1: one row, the input is y). */
function hiddenDraws(be: Backend, net: DeepRbm, c: number, S: number, rng: Rng): Matrix<Float64Array> {
  const N = net.layers.length;
  const nOut = net.layers[N - 1]!.W.rows;
  const y = matrix(1, nOut);
  y.data[c] = 1;
  if (N === 1) return y;
  const p = propagateSampled(be, net, y, 'down', rng, { samples: S, steps: N - 1 });
  return p.samples[N - 2]!;
}

/**
 * Both generation measures for a trained net on labelled data.
 * @throws RangeError if train/test widths do not match the network.
 */
export function generationQuality(
  be: Backend,
  net: DeepRbm,
  train: LabelledData,
  test: LabelledData,
  options: GenerationQualityOptions = {},
): GenerationQuality {
  const rng = createRng(options.seed ?? DEFAULT_SEED);
  const C = train.classes;
  const n0 = train.x.cols;
  if (net.layers[0]!.W.cols !== n0)
    throw new RangeError(`data have ${n0} inputs, the network ${net.layers[0]!.W.cols}`);
  const reference =
    options.reference ??
    fitSoftmaxRegression(be, train.x, train.y, {
      ...REFERENCE_REGRESSION,
      seed: seedFor('reference-regression', options.seed ?? DEFAULT_SEED),
    });
  const refPred = predictSoftmaxRegression(be, reference, test.x);
  let refOk = 0;
  for (let r = 0; r < refPred.length; r++) if (refPred[r] === test.labels[r]) refOk++;
  const perClass = options.perClass ?? 100;
  const byClass: number[] = [];
  for (let c = 0; c < C; c++) {
    const y = matrix(1, C);
    y.data[c] = 1;
    const gen = propagateSampled(be, net, y, 'down', rng, { samples: perClass });
    const x = gen.samples[gen.samples.length - 1]!;
    const pred = predictSoftmaxRegression(be, reference, x);
    let ok = 0;
    for (let r = 0; r < pred.length; r++) if (pred[r] === c) ok++;
    byClass.push(ok / perClass);
  }
  const S = options.logProbSamples ?? 2000;
  const bottom = net.layers[0]!;
  let sum = 0;
  let sumQuarter = 0;
  let indep = 0;
  for (let c = 0; c < C; c++) {
    const rows: number[] = [];
    for (let r = 0; r < test.x.rows; r++) if (test.labels[r] === c) rows.push(r);
    if (rows.length === 0) continue;
    const xc = gatherRows(test.x, rows);
    const h = hiddenDraws(be, net, c, S, rng);
    // u_s = W_1ᵀ h_s + b_1 (S × n_0); log t_1(x|h_s) = x·u_s − Σ_i softplus(u_si)
    const u = downwardField(be, bottom, h);
    const norm = new Float64Array(u.rows);
    for (let s = 0; s < u.rows; s++) norm[s] = softplusSum(u.data, s * n0, n0);
    const xu = be.matmul(xc, u, { transB: true }); // rows × S
    const row = new Float64Array(u.rows);
    const quarter = Math.max(1, Math.floor(u.rows / 4));
    for (let r = 0; r < rows.length; r++) {
      for (let s = 0; s < u.rows; s++) row[s] = xu.data[r * u.rows + s]! - norm[s]!;
      sum += logSumExpOf(row) - Math.log(u.rows);
      sumQuarter += logSumExpOf(row.subarray(0, quarter)) - Math.log(quarter);
    }
    // independent pixels per class from the training class means
    const mean = new Float64Array(n0);
    let count = 0;
    for (let r = 0; r < train.x.rows; r++) {
      if (train.labels[r] !== c) continue;
      count++;
      for (let i = 0; i < n0; i++) mean[i]! += train.x.data[r * n0 + i]!;
    }
    for (let i = 0; i < n0; i++) mean[i] = Math.min(1 - 1e-3, Math.max(1e-3, mean[i]! / Math.max(1, count)));
    for (const r of rows) {
      for (let i = 0; i < n0; i++) {
        const xi = test.x.data[r * n0 + i]!;
        indep += xi * Math.log(mean[i]!) + (1 - xi) * Math.log(1 - mean[i]!);
      }
    }
  }
  return {
    generatedAccuracy: byClass.reduce((a, b) => a + b, 0) / C,
    generatedAccuracyByClass: byClass,
    generatedPerClass: perClass,
    referenceTestAccuracy: refOk / test.x.rows,
    testLogProbability: sum / test.x.rows,
    testLogProbabilityQuarter: sumQuarter / test.x.rows,
    logProbSamples: S,
    independentPixelsLogProbability: indep / test.x.rows,
  };
}
