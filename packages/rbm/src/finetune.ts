/**
 * Discriminative fine-tuning of a deep RBM that keeps it a generative model
 * (docs/math.md §3–4). The loss per example (x, c) is
 *
 *   L = −log P_MF(c | x)                                  (classification, eq. 2 in mean field)
 *       + α_top · [−log t_N(μ_{N−1}, y = e_c)]             (hybrid top layer, Larochelle & Bengio 2008)
 *       + α_low · Σ_{k<N} [−log t_k(μ_{k−1})]               (optional generative term on lower layers)
 *
 * with μ_k = σ(W_k μ_{k−1} + a_k). The classification term is back-propagated
 * through the mean-field pass into every trainable layer, and so is the top
 * layer's generative term (it depends on the lower layers through μ_{N−1}): the
 * gradient is that of L exactly. The top layer's negative phase enumerates the
 * 2^{n_N} output states (n_N within the 'negative-phase' enumeration limit). The lower layers'
 * generative terms are stochastic (CD-1 on the mean-field representation below
 * them, held fixed as in greedy training). Optimiser: Adam or momentum SGD; the
 * weights with the best validation score are kept (early stopping).
 */
import { DEFAULT_SEED, createRng, matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { downwardProbabilities, upwardProbabilities } from './conditionals.js';
import type { LabelledData } from './datasets/labelled.js';
import { cloneDeepRbm, type DeepRbm } from './deep-rbm.js';
import { lowerWidth, upperWidth, type RbmLayer } from './layer.js';
import { meanFieldPass, softmaxRows } from './mean-field.js';
import { energy } from './energy.js';
import { gatherRows, shuffle, upperEnumeratedStats } from './train.js';
import { assertEnumerable } from './enumerable.js';
import { Optimiser } from './optimiser.js';

/** Gradients of L with respect to every layer's parameters (same shapes as the layer). */
export interface LayerGradient {
  readonly W: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
}

export interface HybridWeights {
  /** Weight α_top of the top layer's generative term (0 = purely discriminative). */
  readonly top: number;
  /** Weight α_low of each lower layer's generative (CD-1) term (0 = none). */
  readonly lower: number;
}

export interface ObjectiveOptions {
  readonly generative?: Partial<HybridWeights>;
  /** Layers (0-based) that receive gradients; default all. */
  readonly trainable?: readonly number[];
  /** Draws for the lower layers' CD-1 terms (needed when generative.lower > 0). */
  readonly rng?: Rng;
}

export interface ObjectiveValue {
  /** Mean −log P_MF(c|x) over the batch. */
  readonly crossEntropy: number;
  /** Mean −log t_N(μ_{N−1}, e_c) (exact; NaN when α_top = 0). */
  readonly topNegLogLikelihood: number;
  readonly gradients: LayerGradient[];
}

function zerosLike(layer: RbmLayer): LayerGradient {
  return {
    W: new Float64Array(layer.W.data.length),
    a: new Float64Array(layer.a.length),
    b: new Float64Array(layer.b.length),
  };
}

/**
 * The hybrid objective and its gradient on one batch (x: batch × n_0, y: one-hot
 * batch × n_N). Gradients are of the batch mean.
 * @throws RangeError on shape mismatches, or α_top > 0 with n_N beyond the 'negative-phase' enumeration limit.
 */
export function hybridObjective(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  y: Matrix<Float64Array>,
  options: ObjectiveOptions = {},
): ObjectiveValue {
  const N = net.layers.length;
  const top = net.layers[N - 1]!;
  if (x.cols !== lowerWidth(net.layers[0]!))
    throw new RangeError(`x has ${x.cols} columns, network input width is ${lowerWidth(net.layers[0]!)}`);
  if (y.cols !== upperWidth(top) || y.rows !== x.rows)
    throw new RangeError(`y is ${y.rows}×${y.cols}, expected ${x.rows}×${upperWidth(top)}`);
  const alphaTop = options.generative?.top ?? 0;
  const alphaLow = options.generative?.lower ?? 0;
  const trainable = new Set(options.trainable ?? net.layers.map((_, k) => k));
  const B = x.rows;
  const C = y.cols;
  const { activations, logits } = meanFieldPass(be, net, x);
  const p = softmaxRows(logits);
  let ce = 0;
  const dz = matrix(B, C);
  for (let r = 0; r < B; r++) {
    for (let c = 0; c < C; c++) {
      const t = y.data[r * C + c]!;
      const pc = p.data[r * C + c]!;
      if (t > 0) ce -= t * Math.log(Math.max(pc, 1e-300));
      dz.data[r * C + c] = (pc - t) / B;
    }
  }
  const grads = net.layers.map(zerosLike);
  const lowest = Math.min(...trainable);
  // back-propagate δ_k = ∂L/∂(field of layer k) from the top
  let delta = dz;
  for (let k = N - 1; k >= 0 && k >= lowest; k--) {
    const below = activations[k]!;
    if (trainable.has(k)) {
      const gW = be.matmul(delta, below, { transA: true });
      grads[k]!.W.set(gW.data);
      const ga = grads[k]!.a;
      for (let r = 0; r < B; r++) for (let j = 0; j < delta.cols; j++) ga[j]! += delta.data[r * delta.cols + j]!;
    }
    if (k === 0 || k - 1 < lowest) break;
    const dmu = be.matmul(delta, net.layers[k]!.W); // B × n_{k}
    if (k === N - 1 && alphaTop > 0) {
      // ∂(−log t_N(μ, y))/∂μ = −(W_Nᵀ y + b_N), per example
      const gen = be.matmulAddBias(y, top.W, top.b);
      for (let i = 0; i < dmu.data.length; i++) dmu.data[i]! -= (alphaTop * gen.data[i]!) / B;
    }
    for (let i = 0; i < dmu.data.length; i++) {
      const m = below.data[i]!;
      dmu.data[i]! *= m * (1 - m);
    }
    delta = dmu;
  }
  let topNll = NaN;
  if (alphaTop > 0 && trainable.has(N - 1)) {
    assertEnumerable(C, 'negative-phase', 'hybrid top layer (its outputs)');
    const h = activations[N - 1]!;
    // ∂(−log t)/∂W = ⟨y hᵀ⟩_model − y hᵀ (batch mean); a: ⟨y⟩ − y; b: ⟨h⟩ − h
    const neg = upperEnumeratedStats(be, top, 'negative-phase');
    const pos = be.matmul(y, h, { transA: true });
    const g = grads[N - 1]!;
    for (let i = 0; i < g.W.length; i++) g.W[i]! += alphaTop * (neg.hv.data[i]! - pos.data[i]! / B);
    for (let j = 0; j < C; j++) {
      let m = 0;
      for (let r = 0; r < B; r++) m += y.data[r * C + j]!;
      g.a[j]! += alphaTop * (neg.h[j]! - m / B);
    }
    for (let i = 0; i < h.cols; i++) {
      let m = 0;
      for (let r = 0; r < B; r++) m += h.data[r * h.cols + i]!;
      g.b[i]! += alphaTop * (neg.v[i]! - m / B);
    }
    topNll = energy(be, top, y, h).reduce((a, e) => a + e + neg.logZ, 0) / B;
  }
  if (alphaLow > 0) {
    const rng = options.rng;
    if (rng === undefined) throw new RangeError("hybridObjective: the lower layers' CD-1 terms need an rng");
    for (let k = 0; k < N - 1; k++) {
      if (!trainable.has(k)) continue;
      const layer = net.layers[k]!;
      const v0 = activations[k]!;
      const h0 = activations[k + 1]!;
      const v1 = be.sampleBernoulli(downwardProbabilities(be, layer, be.sampleBernoulli(h0, rng)), rng);
      const h1 = upwardProbabilities(be, layer, v1);
      const pos = be.matmul(h0, v0, { transA: true });
      const neg = be.matmul(h1, v1, { transA: true });
      const g = grads[k]!;
      for (let i = 0; i < g.W.length; i++) g.W[i]! += (alphaLow * (neg.data[i]! - pos.data[i]!)) / B;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < h0.cols; j++)
          g.a[j]! += (alphaLow * (h1.data[r * h0.cols + j]! - h0.data[r * h0.cols + j]!)) / B;
        for (let i = 0; i < v0.cols; i++)
          g.b[i]! += (alphaLow * (v1.data[r * v0.cols + i]! - v0.data[r * v0.cols + i]!)) / B;
      }
    }
  }
  return { crossEntropy: ce / B, topNegLogLikelihood: topNll, gradients: grads };
}

export interface FineTuneOptions {
  /** Maximum epochs (default 50). */
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Step size (default 1e-3 for Adam, 0.05 for momentum SGD). */
  readonly learningRate?: number;
  /** 'adam' (default) or 'momentum' (SGD with momentum 0.9). */
  readonly optimizer?: 'adam' | 'momentum';
  /** L2 penalty λ on every W (adds λW to the gradient; default 1e-5). */
  readonly weightDecay?: number;
  /** Generative weights α_top and α_low (default 0.01 and 0). */
  readonly generative?: Partial<HybridWeights>;
  /** Layers (0-based) to train; default all (the hybrid top layer alone: [N−1]). */
  readonly trainable?: readonly number[];
  /** Held-out data scored after every epoch by mean-field accuracy (default: none, no early stopping). */
  readonly validation?: LabelledData;
  /** Stop after this many epochs without a better validation score (default 8). */
  readonly patience?: number;
  /** Learning rate multiplied by this factor after every epoch (default 1). */
  readonly decay?: number;
  readonly seed?: number;
  readonly onEpoch?: (info: FineTuneEpoch) => boolean | void;
}

export interface FineTuneEpoch {
  readonly epoch: number;
  /** Mean training cross-entropy −log P_MF(c|x) over the epoch. */
  readonly crossEntropy: number;
  /** Mean −log t_N(μ_{N−1}, e_c) over the epoch (NaN without the hybrid term). */
  readonly topNegLogLikelihood: number;
  /** Mean-field validation accuracy (NaN without validation data). */
  readonly validationAccuracy: number;
  /** Mean-field validation cross-entropy (NaN without validation data). */
  readonly validationCrossEntropy: number;
  readonly seconds: number;
}

export interface FineTuneResult {
  /** The weights of the best validation epoch (the last epoch without validation). */
  readonly net: DeepRbm;
  readonly bestEpoch: number;
  readonly history: FineTuneEpoch[];
  readonly stopped: 'epochs' | 'patience' | 'callback';
}

/** Mean-field accuracy and cross-entropy on labelled data (evaluated in chunks). */
export function meanFieldScore(
  be: Backend,
  net: DeepRbm,
  data: LabelledData,
): { accuracy: number; crossEntropy: number } {
  let ok = 0;
  let ce = 0;
  const chunk = 1000;
  for (let s = 0; s < data.x.rows; s += chunk) {
    const rows = Int32Array.from({ length: Math.min(chunk, data.x.rows - s) }, (_, i) => s + i);
    const p = softmaxRows(meanFieldPass(be, net, gatherRows(data.x, rows)).logits);
    for (let r = 0; r < p.rows; r++) {
      const label = data.labels[s + r]!;
      let best = 0;
      for (let c = 1; c < p.cols; c++) if (p.data[r * p.cols + c]! > p.data[r * p.cols + best]!) best = c;
      if (best === label) ok++;
      ce -= Math.log(Math.max(p.data[r * p.cols + label]!, 1e-300));
    }
  }
  return { accuracy: ok / data.x.rows, crossEntropy: ce / data.x.rows };
}

/**
 * Fine-tunes `net` in place on the hybrid objective and returns the best weights
 * (a copy) with per-epoch diagnostics.
 * @throws RangeError on shape mismatches (see hybridObjective).
 */
export function fineTune(be: Backend, net: DeepRbm, data: LabelledData, options: FineTuneOptions = {}): FineTuneResult {
  const epochs = options.epochs ?? 50;
  const batchSize = options.batchSize ?? 50;
  const kind = options.optimizer ?? 'adam';
  let lr = options.learningRate ?? (kind === 'adam' ? 1e-3 : 0.05);
  const decayFactor = options.decay ?? 1;
  const wd = options.weightDecay ?? 1e-5;
  const generative = { top: options.generative?.top ?? 0.01, lower: options.generative?.lower ?? 0 };
  const trainable = options.trainable ?? net.layers.map((_, k) => k);
  const patience = options.patience ?? 8;
  const rng = createRng(options.seed ?? DEFAULT_SEED);
  const params: Float64Array[] = [];
  for (const k of trainable) {
    const l = net.layers[k]!;
    params.push(l.W.data, l.a, l.b);
  }
  const opt = new Optimiser(params, kind);
  const n = data.x.rows;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const history: FineTuneEpoch[] = [];
  let best = cloneDeepRbm(net);
  let bestScore = -Infinity;
  let bestEpoch = 0;
  let stopped: FineTuneResult['stopped'] = 'epochs';
  if (options.validation !== undefined) {
    const s0 = meanFieldScore(be, net, options.validation);
    bestScore = s0.accuracy - 1e-6 * s0.crossEntropy;
  }
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    shuffle(order, rng);
    let ce = 0;
    let nll = 0;
    let batches = 0;
    for (let s = 0; s < n; s += batchSize) {
      const rows = order.subarray(s, Math.min(n, s + batchSize));
      const x = gatherRows(data.x, rows);
      const y = gatherRows(data.y, rows);
      const value = hybridObjective(be, net, x, y, { generative, trainable, rng });
      const grads: Float64Array[] = [];
      for (const k of trainable) {
        const g = value.gradients[k]!;
        const W = net.layers[k]!.W.data;
        if (wd > 0) for (let i = 0; i < W.length; i++) g.W[i]! += wd * W[i]!;
        grads.push(g.W, g.a, g.b);
      }
      opt.step(grads, lr);
      ce += value.crossEntropy;
      nll += value.topNegLogLikelihood;
      batches++;
    }
    lr *= decayFactor;
    const v =
      options.validation !== undefined
        ? meanFieldScore(be, net, options.validation)
        : { accuracy: NaN, crossEntropy: NaN };
    const info: FineTuneEpoch = {
      epoch,
      crossEntropy: ce / batches,
      topNegLogLikelihood: nll / batches,
      validationAccuracy: v.accuracy,
      validationCrossEntropy: v.crossEntropy,
      seconds: (performance.now() - t0) / 1000,
    };
    history.push(info);
    for (const p of [...net.layers.flatMap((l) => [l.W.data, l.a, l.b])]) {
      for (let i = 0; i < p.length; i++)
        if (!Number.isFinite(p[i]!))
          throw new RangeError(`fine-tuning diverged at epoch ${epoch} (non-finite weights); lower the learning rate`);
    }
    // accuracy first, cross-entropy breaks ties
    const score = options.validation !== undefined ? v.accuracy - 1e-6 * v.crossEntropy : epoch;
    if (score > bestScore) {
      bestScore = score;
      best = cloneDeepRbm(net);
      bestEpoch = epoch;
    } else if (epoch - bestEpoch >= patience) {
      stopped = 'patience';
      if (options.onEpoch?.(info) === false) stopped = 'callback';
      break;
    }
    if (options.onEpoch?.(info) === false) {
      stopped = 'callback';
      break;
    }
  }
  return { net: best, bestEpoch, history, stopped };
}
