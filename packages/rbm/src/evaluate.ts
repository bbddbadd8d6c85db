/**
 * Classification accuracy as the paper defines the classifier (eq. 2):
 * argmax_c P(c | x) with P(c|x) ∝ q_N(e_c | x), exact when every hidden layer
 * is enumerable, else Rao–Blackwellised over S ancestral draws of h_{N−1}
 * (propagate.ts), with the mean-field accuracy (mean-field.ts) beside it.
 */
import { DEFAULT_SEED, createRng, matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import type { LabelledData } from './datasets/labelled.js';
import type { DeepRbm } from './deep-rbm.js';
import { meanFieldProbabilities } from './mean-field.js';
import { argmaxRows, classProbabilities } from './propagate.js';
import { enumerable } from './enumerable.js';
import { accuracy } from './accuracy.js';

/**
 * Whether eq. 2's P(c|x) is enumerated exactly: every hidden width n_1 … n_{N−1}
 * within the 'classify' enumeration limit (enumerable.ts). Wider nets are scored by sampling.
 */
export function hiddenEnumerable(net: DeepRbm): boolean {
  return enumerable(
    net.layers.slice(0, -1).map((l) => l.W.rows),
    'classify',
  );
}

/**
 * P(c | x) by eq. 2: exact when hiddenEnumerable, else
 * Rao–Blackwellised over `samples` draws (default 64) seeded by `rng` (default seed 1).
 */
export function classProbabilitiesAuto(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  options: { samples?: number; rng?: Rng } = {},
): Matrix<Float64Array> {
  if (hiddenEnumerable(net)) return classProbabilities(be, net, x);
  return classProbabilitiesChunked(be, net, x, options.samples ?? 64, options.rng ?? createRng(DEFAULT_SEED));
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
  const meanField = accuracy(meanFieldProbabilities(be, net, data.x), data.labels);
  if (hiddenEnumerable(net))
    return { meanField, exact: accuracy(classProbabilities(be, net, data.x), data.labels), sampled: [] };
  const sampled = (options.samples ?? [16, 64, 256]).map((S) => ({
    samples: S,
    accuracy: accuracy(
      classProbabilitiesChunked(be, net, data.x, S, createRng(options.seed ?? DEFAULT_SEED)),
      data.labels,
    ),
  }));
  return { meanField, exact: null, sampled };
}
