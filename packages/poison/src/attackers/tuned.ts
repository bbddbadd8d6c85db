/**
 * The tuned attackers: clones whose hyperparameters are chosen as a careful
 * attacker chooses them, on a held-out fifth of its own queries, scored by
 * agreement with the labels it was served (then by cross-entropy against the
 * served answers); never the victim's true labels. The winner is refitted on
 * every query.
 *  - 'tuned-softmax': softmax regression; targets soft or sharpened (T = ½),
 *    weight decay λ ∈ {1e-4, 1e-3, 1e-2} and 100 or 300 epochs of full-batch
 *    gradient descent;
 *  - 'tuned-mlp': one tanh layer; targets soft or sharpened, width 32, 64 or
 *    128 and λ 1e-4 or 1e-2 (300 epochs of Adam);
 *  - '<…>-labels': the same on the one-hot argmax of the served answers (the
 *    tuned labels-only attacker: "tuned soft − tuned labels-only" on an
 *    undefended source bounds what a label-keeping defence can take from it).
 * Cost: the attacker's queries only (tuning reuses them); compute: 6 fits per
 * target kind (softmax: the plain setting among them) or 6 (MLP: widths 32,
 * 64, 128 × λ 1e-4, 1e-2) plus the refit.
 */
import type { Backend, Matrix } from '@rgdl/gpu-kernels';
import { accuracy, fitSoftmaxRegression, softmaxRegressionProbabilities } from '@rgdl/rbm';
import { fitMlp, simplexRows, type Clone, type CloneKind } from '../clones.js';
import { defineAttacker, holdOut, mapRows, oneHotOf, rowLabels, sharpen } from './attacker.js';

/** How the served answers become targets (a labels-only attacker is given one-hot answers, used as they are). */
type Targets = 'soft' | 'sharpened';

const TARGETS: Record<Targets, (y: Matrix<Float64Array>) => Matrix<Float64Array>> = {
  soft: (y) => y,
  sharpened: (y) => mapRows(y, sharpen),
};

/** Mean −Σ_c t_c log p_c over rows. */
function crossEntropy(p: Matrix<Float64Array>, t: Matrix<Float64Array>): number {
  let s = 0;
  for (let i = 0; i < p.data.length; i++) s -= t.data[i]! * Math.log(Math.max(p.data[i]!, 1e-300));
  return s / Math.max(1, p.rows);
}

interface Candidate {
  readonly targets: Targets;
  readonly fit: (x: Matrix<Float64Array>, t: Matrix<Float64Array>) => Clone;
}

function softmaxCandidates(be: Backend, targets: readonly Targets[]): Candidate[] {
  return targets.flatMap((t) =>
    // the plain clone's own setting (λ = 1e-4, 300 epochs) is one of the candidates
    [1e-4, 1e-3, 1e-2].flatMap((l2) =>
      [100, 300].map((epochs) => ({
        targets: t,
        fit: (x: Matrix<Float64Array>, y: Matrix<Float64Array>): Clone => {
          const model = fitSoftmaxRegression(be, x, y, { epochs, learningRate: 0.5, l2, optimiser: 'sgd' });
          return { kind: 'softmax', predict: (inputs) => softmaxRegressionProbabilities(be, model, inputs) };
        },
      })),
    ),
  );
}

function mlpCandidates(be: Backend, targets: readonly Targets[], seed: number): Candidate[] {
  return targets.flatMap((t) =>
    [32, 64, 128].flatMap((hidden) =>
      [1e-4, 1e-2].map((weightDecay) => ({
        targets: t,
        fit: (x: Matrix<Float64Array>, y: Matrix<Float64Array>) =>
          fitMlp(be, x, y, { seed, hidden, weightDecay, epochs: 300, learningRate: 0.01 }),
      })),
    ),
  );
}

/** Fits every candidate on the first 80%, keeps the best on the last 20%, refits it on everything. */
function tune(x: Matrix<Float64Array>, served: Matrix<Float64Array>, candidates: readonly Candidate[]): Clone {
  const answers = simplexRows(served);
  const { fitX, fitY, heldX, heldY } = holdOut(x, answers);
  const heldLabels = rowLabels(heldY);
  let best = candidates[0]!;
  let bestAgree = -1;
  let bestCe = Infinity;
  if (heldX.rows > 0 && fitX.rows > 0) {
    for (const c of candidates) {
      const p = c.fit(fitX, TARGETS[c.targets](fitY)).predict(heldX);
      const agree = accuracy(p, heldLabels);
      const ce = crossEntropy(p, heldY);
      if (agree > bestAgree || (agree === bestAgree && ce < bestCe)) {
        best = c;
        bestAgree = agree;
        bestCe = ce;
      }
    }
  }
  return best.fit(x, TARGETS[best.targets](answers));
}

/**
 * The tuned clone of `clone` kind ('softmax' or 'mlp') on queries x and answers
 * `served`: soft or sharpened targets, or (labels) their one-hot argmax.
 */
export function tunedClone(
  be: Backend,
  x: Matrix<Float64Array>,
  served: Matrix<Float64Array>,
  clone: CloneKind,
  labels: boolean,
  seed: number,
): Clone {
  const targets: readonly Targets[] = labels ? ['soft'] : ['soft', 'sharpened'];
  // a labels-only attacker sees nothing but the argmax, in fitting and in scoring
  const seen = labels ? mapRows(served, oneHotOf) : served;
  return tune(x, seen, clone === 'mlp' ? mlpCandidates(be, targets, seed) : softmaxCandidates(be, targets));
}

function tuned<const N extends string>(name: N, order: number, clone: CloneKind, labels: boolean) {
  return defineAttacker({
    name,
    order,
    summary: `${clone === 'mlp' ? 'one tanh layer (width,' : 'multinomial logistic regression ('} weight decay, epochs${labels ? '' : ' and soft or sharpened targets'} chosen on its own held-out queries) on the ${labels ? 'argmax of the ' : ''}served answers`,
    clone,
    labelsOnly: labels,
    costly: true,
    train: (be, x, served, options) => tunedClone(be, x, served, clone, labels, options.seed),
  });
}

export const tunedSoftmax = tuned('tuned-softmax', 8, 'softmax', false);
export const tunedSoftmaxLabels = tuned('tuned-softmax-labels', 9, 'softmax', true);
export const tunedMlp = tuned('tuned-mlp', 10, 'mlp', false);
export const tunedMlpLabels = tuned('tuned-mlp-labels', 11, 'mlp', true);
