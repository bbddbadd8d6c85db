/**
 * Classification accuracy as the paper defines the classifier (eq. 2):
 * argmax_c P(c | x) with P(c|x) ∝ q_N(e_c | x), exact when every hidden layer
 * is enumerable, else Rao–Blackwellised over S ancestral draws of h_{N−1}
 * (propagate.ts), with the mean-field accuracy (mean-field.ts) beside it.
 */
import { createRng, matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import type { LabelledData } from './datasets/labelled.js';
import type { DeepRbm } from './deep-rbm.js';
import { meanFieldProbabilities } from './mean-field.js';
import { argmaxRows, classProbabilities } from './propagate.js';

/**
 * Widest hidden layer for which P(c|x) is enumerated exactly by default (2^14
 * states per input). Wider nets are scored by sampling.
 */
export const EXACT_HIDDEN_LIMIT = 14;

/** Whether every hidden width n_1 … n_{N−1} is at most `limit`. */
export function hiddenEnumerable(net: DeepRbm, limit = EXACT_HIDDEN_LIMIT): boolean {
  return net.layers.slice(0, -1).every((l) => l.W.rows <= limit);
}

/**
 * P(c | x) by eq. 2: exact when every hidden width ≤ EXACT_HIDDEN_LIMIT, else
 * Rao–Blackwellised over `samples` draws (default 64) seeded by `rng` (default seed 1).
 */
export function classProbabilitiesAuto(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  options: { samples?: number; rng?: Rng } = {},
): Matrix<Float64Array> {
  if (hiddenEnumerable(net)) return classProbabilities(be, net, x);
  return classProbabilitiesChunked(be, net, x, options.samples ?? 64, options.rng ?? createRng(1));
}

/**
 * Rao–Blackwellised P(c|x) over S draws, computed in chunks of inputs so that at
 * most `maxRows` sampled rows (chunk · S) — and at most 2²² sampled values of the
 * widest hidden layer — are held at once.
 */
export function classProbabilitiesChunked(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  samples: number,
  rng: Rng,
  maxRows = 1 << 16,
): Matrix<Float64Array> {
  const widest = Math.max(1, ...net.layers.slice(0, -1).map((l) => l.W.rows));
  const chunk = Math.max(1, Math.min(Math.floor(maxRows / samples), Math.floor((1 << 22) / (samples * widest))));
  if (x.rows <= chunk) return classProbabilities(be, net, x, { samples, rng });
  const C = net.layers[net.layers.length - 1]!.W.rows;
  const out = matrix(x.rows, C);
  for (let s = 0; s < x.rows; s += chunk) {
    const n = Math.min(chunk, x.rows - s);
    const part = classProbabilities(
      be,
      net,
      { rows: n, cols: x.cols, data: x.data.subarray(s * x.cols, (s + n) * x.cols) },
      { samples, rng },
    );
    out.data.set(part.data, s * C);
  }
  return out;
}

function accuracyOf(p: Matrix<Float64Array>, labels: Int32Array): number {
  const pred = argmaxRows(p);
  let ok = 0;
  for (let r = 0; r < pred.length; r++) if (pred[r] === labels[r]) ok++;
  return ok / pred.length;
}

export interface ClassifierEvaluation {
  /** Accuracy of the mean-field classifier softmax(W_N μ_{N−1} + a_N). */
  readonly meanField: number;
  /** Exact eq. 2 accuracy (null when a hidden layer is too wide to enumerate). */
  readonly exact: number | null;
  /** Rao–Blackwellised eq. 2 accuracy for each sample count S (empty when exact). */
  readonly sampled: { samples: number; accuracy: number }[];
}

/**
 * Eq. 2 accuracy (exact, or at each S in `samples`; default [16, 64, 256]) and
 * the mean-field accuracy on labelled data.
 */
export function evaluateClassifier(
  be: Backend,
  net: DeepRbm,
  data: LabelledData,
  options: { samples?: readonly number[]; seed?: number } = {},
): ClassifierEvaluation {
  const meanField = accuracyOf(meanFieldProbabilities(be, net, data.x), data.labels);
  if (hiddenEnumerable(net))
    return { meanField, exact: accuracyOf(classProbabilities(be, net, data.x), data.labels), sampled: [] };
  const sampled = (options.samples ?? [16, 64, 256]).map((S) => ({
    samples: S,
    accuracy: accuracyOf(classProbabilitiesChunked(be, net, data.x, S, createRng(options.seed ?? 1)), data.labels),
  }));
  return { meanField, exact: null, sampled };
}
