/**
 * The most damaging input perturbation δx (top eigenvector of the classification
 * FIM F(x), [8]). Poison directions δy live with the defences in @rgdl/poison.
 */
import { rngFor, createRng, matrix, orientLargestPositive, type Backend, type Rng } from '@rgdl/gpu-kernels';
import { argmaxRows, classProbabilitiesAuto, discreteKl, type DeepRbm } from '@rgdl/rbm';
import { exactKl } from './exact.js';
import { classificationFisher, generationFisher, topEigenpairs, type FisherOptions } from './fisher.js';

export interface AdversarialResult {
  /** x′ = clip(x + δ, 0, 1). */
  readonly perturbed: Float64Array;
  /** Unit direction used (top eigenvector of F(x), sign chosen for the larger KL). */
  readonly direction: Float64Array;
  readonly eigenvalue: number;
  /** ‖x′ − x‖₂ after clipping. */
  readonly norm: number;
  readonly labelBefore: number;
  readonly labelAfter: number;
  /** D_KL(P(·|x) ‖ P(·|x′)) over the class probabilities. */
  readonly kl: number;
  /** The same for a random unit direction of equal norm (the control). */
  readonly randomKl: number;
  readonly randomLabelAfter: number;
}

/**
 * The most damaging input perturbation of Euclidean norm ε along the top
 * eigenvector of F(x), clipped to [0, 1], with its effect on the predicted
 * label and a random-direction control. Class probabilities are exact when the
 * hidden widths allow, else sampled with common random numbers (`samples`).
 */
export function adversarialPerturbation(
  be: Backend,
  net: DeepRbm,
  x: Float64Array,
  epsilon: number,
  options: FisherOptions & { samples?: number; controlRng?: Rng },
): AdversarialResult {
  const { F } = classificationFisher(be, net, x, options);
  const top = topEigenpairs(be, F, 1);
  const v = top.vectors[0]!;
  const probs = (inputs: Float64Array[]) => {
    const m = matrix(inputs.length, x.length);
    inputs.forEach((row, r) => m.data.set(row, r * x.length));
    return classProbabilitiesAuto(be, net, m, {
      samples: options.samples ?? 256,
      rng: rngFor('direction-probabilities'),
    });
  };
  const clip = (d: Float64Array) => x.map((xi, i) => Math.min(1, Math.max(0, xi + d[i]!)));
  const plus = clip(v.map((t) => epsilon * t));
  const minus = clip(v.map((t) => -epsilon * t));
  const rng = options.controlRng ?? rngFor('control-direction');
  const r = Float64Array.from({ length: x.length }, () => rng.nextGaussian());
  const rn = Math.hypot(...r);
  const rand = clip(r.map((t) => (epsilon * t) / rn));
  const P = probs([x, plus, minus, rand]);
  const row = (i: number) => P.data.slice(i * P.cols, (i + 1) * P.cols);
  const labels = argmaxRows(P);
  const klPlus = discreteKl(row(0), row(1));
  const klMinus = discreteKl(row(0), row(2));
  const usePlus = klPlus >= klMinus;
  const perturbed = usePlus ? plus : minus;
  return {
    perturbed,
    direction: usePlus ? v : v.map((t) => -t),
    eigenvalue: top.values[0]!,
    norm: Math.hypot(...perturbed.map((p, i) => p - x[i]!)),
    labelBefore: labels[0]!,
    labelAfter: labels[usePlus ? 1 : 2]!,
    kl: Math.max(klPlus, klMinus),
    randomKl: discreteKl(row(0), row(3)),
    randomLabelAfter: labels[3]!,
  };
}
