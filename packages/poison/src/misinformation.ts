/**
 * Adaptive misinformation (Kariyappa & Qureshi, CVPR 2020): queries that look
 * out of distribution get answers blended with misinformation,
 *   ŷ′ = (1 − α(x)) ŷ + α(x) ỹ,   α(x) = σ((τ − s(x)) / ν),
 * where s(x) is an in-distribution score. Here the score is the victim's own:
 * s(x) = −F₁(x) = b₁ᵀx + Σ_j softplus((W₁x + a₁)_j), the log of the bottom RBM's
 * unnormalised marginal p₁(x) — no separate detector. τ is the `quantile` of s on
 * the defender's in-distribution reference inputs (e.g. its training data), ν a
 * tenth of their standard deviation. The misinformation ỹ_k = (1 − ŷ_k)/(K − 1)
 * moves mass away from the predicted class, so OOD queries may get a wrong label
 * (benign users whose digits score low lose theirs too: report it).
 */
import type { Backend, Matrix } from '@rgdl/gpu-kernels';
import { freeEnergyLower, type DeepRbm } from '@rgdl/rbm';

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

/** The blended answer for clean ŷ and score s. */
export function misinformedAnswer(y: Float64Array, s: number, scorer: OodScorer): Float64Array {
  const alpha = 1 / (1 + Math.exp(-(scorer.threshold - s) / scorer.temperature));
  const K = y.length;
  return y.map((v) => (1 - alpha) * v + (alpha * (1 - v)) / (K - 1));
}
