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
import { matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { accuracy, fitSoftmaxRegression, softmaxRegressionProbabilities, type SoftmaxRegression } from '@rgdl/rbm';
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

/** One setting's clone fitted on the attacker's first 80%, and how to refit that setting on everything. */
interface Fitted {
  readonly clone: Clone;
  readonly refit: (x: Matrix<Float64Array>, t: Matrix<Float64Array>) => Clone;
}

/** Settings that one fit serves together (softmax: 100 and 300 epochs are snapshots of one run). */
interface Candidates {
  readonly targets: Targets;
  readonly fit: (x: Matrix<Float64Array>, t: Matrix<Float64Array>) => readonly Fitted[];
}

const SOFTMAX_EPOCHS = [100, 300] as const;

function softmaxCandidates(be: Backend, targets: readonly Targets[]): Candidates[] {
  const settings = (l2: number, epochs: number) => ({ epochs, learningRate: 0.5, l2, optimiser: 'sgd' as const });
  const asClone = (model: SoftmaxRegression): Clone => ({
    kind: 'softmax',
    predict: (inputs) => softmaxRegressionProbabilities(be, model, inputs),
  });
  return targets.flatMap((t) =>
    // the plain clone's own setting (λ = 1e-4, 300 epochs) is one of the candidates
    [1e-4, 1e-3, 1e-2].map((l2) => ({
      targets: t,
      fit: (x: Matrix<Float64Array>, y: Matrix<Float64Array>): readonly Fitted[] => {
        const fitted: Fitted[] = [];
        fitSoftmaxRegression(be, x, y, {
          ...settings(l2, Math.max(...SOFTMAX_EPOCHS)),
          snapshots: {
            epochs: SOFTMAX_EPOCHS,
            take: (epochs, model) =>
              fitted.push({
                clone: asClone(model),
                refit: (xa, ya) => asClone(fitSoftmaxRegression(be, xa, ya, settings(l2, epochs))),
              }),
          },
        });
        return fitted;
      },
    })),
  );
}

function mlpCandidates(be: Backend, targets: readonly Targets[], seed: number): Candidates[] {
  return targets.flatMap((t) =>
    [32, 64, 128].flatMap((hidden) =>
      [1e-4, 1e-2].map((weightDecay) => {
        const fit = (x: Matrix<Float64Array>, y: Matrix<Float64Array>) =>
          fitMlp(be, x, y, { seed, hidden, weightDecay, epochs: 300, learningRate: 0.01 });
        return {
          targets: t,
          fit: (x: Matrix<Float64Array>, y: Matrix<Float64Array>) => [{ clone: fit(x, y), refit: fit }],
        };
      }),
    ),
  );
}

/** Fits every candidate on the first 80%, keeps the best on the last 20%, refits it on everything. */
function tune(x: Matrix<Float64Array>, served: Matrix<Float64Array>, candidates: readonly Candidates[]): Clone {
  const answers = simplexRows(served);
  const { fitX, fitY, heldX, heldY } = holdOut(x, answers);
  const heldLabels = rowLabels(heldY);
  let best: { targets: Targets; refit: Fitted['refit'] } | undefined;
  let bestAgree = -1;
  let bestCe = Infinity;
  if (heldX.rows > 0 && fitX.rows > 0) {
    for (const c of candidates) {
      for (const f of c.fit(fitX, TARGETS[c.targets](fitY))) {
        const p = f.clone.predict(heldX);
        const agree = accuracy(p, heldLabels);
        const ce = crossEntropy(p, heldY);
        if (agree > bestAgree || (agree === bestAgree && ce < bestCe)) {
          best = { targets: c.targets, refit: f.refit };
          bestAgree = agree;
          bestCe = ce;
        }
      }
    }
  }
  // too few queries to hold any out: the first candidate's setting
  best ??= { targets: candidates[0]!.targets, refit: (xa, ya) => candidates[0]!.fit(xa, ya)[0]!.clone };
  return best.refit(x, TARGETS[best.targets](answers));
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
  const key = `${clone} ${labels} ${seed} ${contentKey(x)} ${contentKey(seen)}`;
  let memo = MEMO.get(be);
  if (memo === undefined) MEMO.set(be, (memo = new Map()));
  const hit = memo.get(key);
  // the digest finds the entry; equal contents, compared in full, make it the same fit
  if (hit !== undefined && sameContents(hit.x, x) && sameContents(hit.seen, seen)) return hit.clone;
  const fitted = tune(x, seen, clone === 'mlp' ? mlpCandidates(be, targets, seed) : softmaxCandidates(be, targets));
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
  memo.set(key, {
    x: matrix(x.rows, x.cols, x.data.slice()),
    seen: matrix(seen.rows, seen.cols, seen.data.slice()),
    clone: fitted,
  });
  return fitted;
}

/**
 * The last tuned clones fitted on each backend, by their inputs' contents: a
 * tuned fit is a deterministic function of (queries, answers, kind, labels,
 * seed), and attackers that change no answer (inversion with nothing flagged,
 * smoothing without the service) ask for the same fit as tuned-softmax in the
 * same cell; they get it without fitting again.
 */
const MEMO = new WeakMap<
  Backend,
  Map<string, { readonly x: Matrix<Float64Array>; readonly seen: Matrix<Float64Array>; readonly clone: Clone }>
>();
const MEMO_SIZE = 16;

function sameContents(a: Matrix<Float64Array>, b: Matrix<Float64Array>): boolean {
  if (a.rows !== b.rows || a.cols !== b.cols) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

/** A digest of a matrix's shape and bytes (two 32-bit FNV-1a lanes), as text: equal contents, equal key. */
function contentKey(m: Matrix<Float64Array>): string {
  const words = new Uint32Array(m.data.buffer, m.data.byteOffset, m.data.length * 2);
  let lo = 0x811c9dc5 ^ m.rows;
  let hi = 0x01000193 ^ m.cols;
  for (let i = 0; i < words.length; i += 2) {
    lo = Math.imul(lo ^ words[i]!, 0x01000193);
    hi = Math.imul(hi ^ words[i + 1]!, 0x01000193) ^ (lo >>> 15);
  }
  return `${m.rows}x${m.cols}:${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16)}`;
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
