/**
 * Adaptive misinformation (Kariyappa & Qureshi, CVPR 2020): queries that look
 * out of distribution get answers blended with misinformation,
 *   ŷ′ = (1 − α(x)) ŷ + α(x) ỹ,   α(x) = σ((τ − s(x)) / ν),
 * where s(x) is an in-distribution score. Here the score is the victim's own:
 * s(x) = −F₁(x) = b₁ᵀx + Σ_j softplus((W₁x + a₁)_j), the log of the bottom RBM's
 * unnormalised marginal p₁(x) — no separate detector. τ is the `quantile` of s on
 * the defender's in-distribution reference inputs (e.g. its training data), ν a
 * tenth of their standard deviation. The misinformation ỹ is either
 *  - the fixed map ỹ_k = (1 − ŷ_k)/(K − 1) ('adaptive-misinformation-map'): it
 *    moves mass away from the predicted class, but it is a function of ŷ alone,
 *    so an attacker who knows it inverts it (ŷ = 1 − (K − 1)ỹ where flagged); or
 *  - a trained misinformation function f̂(x) ('adaptive-misinformation', as in
 *    the paper): a softmax regression fitted on the defender's reference inputs
 *    to minimise the probability of the victim's label,
 *      L = −(1/N) Σ_n log(1 − f̂(x_n)_{c_n}) + ½λ‖W‖²,  c_n = argmax ŷ(x_n),
 *    whose answer depends on x, not on ŷ, so no fixed map of the served vector
 *    undoes it.
 * OOD queries may get a wrong label (benign users whose digits score low lose
 * theirs too: report it).
 */
import { matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import type { DefenceContext } from './defences/defence.js';
import {
  argmaxRows,
  freeEnergyLower,
  meanFieldProbabilities,
  Optimiser,
  softmaxRegressionProbabilities,
  softmaxRows,
  type DeepRbm,
  type SoftmaxRegression,
} from '@rgdl/rbm';

/** The strength of both adaptive-misinformation defences: the OOD quantile q. */
export const OOD_QUANTILE_STRENGTH = {
  symbol: 'q',
  meaning: 'quantile of in-distribution scores below which a query is called OOD and misinformed',
  min: 0.001,
  max: 0.5,
  integer: false,
  fallback: 0.05,
  cost: 'up',
} as const;

/** What both adaptive-misinformation defences share in their descriptors: labels may change, answers are deterministic, the knob is q, the defender's inputs are needed. */
export const OOD_DEFENCE = {
  keepsLabel: false,
  randomised: false,
  strength: OOD_QUANTILE_STRENGTH,
  strengthOptions: (s: number) => ({ quantile: s }),
  needs: ['reference'],
} as const;

export interface OodScorer {
  /** s(x) for each row (higher = more in-distribution). */
  score(x: Matrix<Float64Array>): Float64Array;
  /** Threshold τ: the chosen quantile of the reference scores. */
  readonly threshold: number;
  /** Temperature ν of the blend. */
  readonly temperature: number;
}

/**
 * The bottom-RBM score with τ at `quantile` of the reference inputs' scores.
 * @throws RangeError for an empty reference or a quantile outside (0, 1).
 */
export function bottomRbmScorer(
  be: Backend,
  net: DeepRbm,
  reference: Matrix<Float64Array>,
  quantile: number,
): OodScorer {
  if (reference.rows === 0) throw new RangeError('adaptive misinformation needs in-distribution reference inputs');
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be in (0, 1), got ${quantile}`);
  const bottom = net.layers[0]!;
  const score = (x: Matrix<Float64Array>) => freeEnergyLower(be, bottom, x).map((f) => -f);
  const ref = Float64Array.from(score(reference)).sort();
  const threshold = ref[Math.min(ref.length - 1, Math.floor(quantile * ref.length))]!;
  const mean = ref.reduce((a, b) => a + b, 0) / ref.length;
  const sd = Math.sqrt(ref.reduce((a, b) => a + (b - mean) ** 2, 0) / ref.length);
  return { score, threshold, temperature: Math.max(1e-9, sd / 10) };
}

/**
 * The scorer of a defence's context: bottomRbmScorer on the victim with τ at
 * the options' quantile (default 0.05) of the defender's reference inputs.
 * @throws RangeError when the options hold no reference inputs
 */
export function contextScorer(ctx: DefenceContext, name: string): OodScorer {
  const reference = ctx.options.reference;
  if (reference === undefined) {
    throw new RangeError(`${name} needs the defender's in-distribution inputs (options.reference)`);
  }
  return bottomRbmScorer(ctx.be, ctx.net, reference, ctx.options.quantile ?? 0.05);
}

/** The blend weight α(x) = σ((τ − s(x))/ν). */
function blendWeight(s: number, scorer: OodScorer): number {
  return 1 / (1 + Math.exp(-(scorer.threshold - s) / scorer.temperature));
}

/** The blended answer for clean ŷ and score s with the fixed map ỹ = (1 − ŷ)/(K − 1). */
export function misinformedAnswer(y: Float64Array, s: number, scorer: OodScorer): Float64Array {
  const alpha = blendWeight(s, scorer);
  const K = y.length;
  return y.map((v) => (1 - alpha) * v + (alpha * (1 - v)) / (K - 1));
}

/** The blended answer for clean ŷ and score s with misinformation ỹ (e.g. f̂(x)). */
export function blendedAnswer(
  y: Float64Array,
  s: number,
  scorer: OodScorer,
  misinformation: Float64Array,
): Float64Array {
  const alpha = blendWeight(s, scorer);
  return y.map((v, k) => (1 - alpha) * v + alpha * misinformation[k]!);
}

/**
 * Fits the misinformation function f̂ on the defender's reference inputs x
 * (rows × n_0), the victim's labels being its mean-field argmax, by full-batch
 * Adam on L = −(1/N) Σ log(1 − f̂(x_n)_{c_n}) + ½λ‖W‖² (W starts at 0, so f̂ starts
 * uniform): ∂L/∂z_j = (1/N) p_c (δ_jc − p_j)/(1 − p_c) per row.
 */
export function trainMisinformation(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  options: { readonly epochs?: number; readonly learningRate?: number; readonly l2?: number } = {},
): SoftmaxRegression {
  const p0 = meanFieldProbabilities(be, net, x);
  const K = p0.cols;
  const labels = argmaxRows(p0);
  const W = matrix(x.cols, K);
  const b = new Float64Array(K);
  const opt = new Optimiser([W.data, b], 'adam');
  const l2 = options.l2 ?? 1e-4;
  const N = x.rows;
  for (let e = 0; e < (options.epochs ?? 200); e++) {
    const p = softmaxRows(be.matmulAddBias(x, W, b));
    const g = matrix(N, K);
    for (let r = 0; r < N; r++) {
      const c = labels[r]!;
      const pc = p.data[r * K + c]!;
      const f = pc / Math.max(1e-12, 1 - pc) / N;
      for (let j = 0; j < K; j++) g.data[r * K + j] = f * ((j === c ? 1 : 0) - p.data[r * K + j]!);
    }
    const gW = be.matmul(x, g, { transA: true });
    for (let i = 0; i < gW.data.length; i++) gW.data[i] = gW.data[i]! + l2 * W.data[i]!;
    const gb = new Float64Array(K);
    for (let r = 0; r < N; r++) for (let j = 0; j < K; j++) gb[j]! += g.data[r * K + j]!;
    opt.step([gW.data, gb], options.learningRate ?? 0.05);
  }
  return { W, b };
}

/** f̂(x) for each row of x. */
export function misinformationOf(be: Backend, model: SoftmaxRegression, x: Matrix<Float64Array>): Matrix<Float64Array> {
  return softmaxRegressionProbabilities(be, model, x);
}
