/**
 * The victim recipe fitted to the data at hand: a short, ordered search on the
 * validation split, within a time budget, over
 *  - the inputs: grey values in [0, 1] used as Bernoulli means on the visible
 *    units, or binarised at ½ (only binarised when the data are binary already);
 *  - the hidden width (64, 128, 256 for one hidden layer; the same width at
 *    every hidden level of a deeper net), or none: [n_0, K], one RBM between
 *    inputs and labels, whose eq. 2 is a softmax regression (what small,
 *    nearly separable data sets want);
 *  - the pretraining epochs (10, 30) and its weight decay (1e-4, 1e-3);
 *  - for [n_0, K], also a discriminative fit: no generative term (α_top = 0),
 *    learning rate 0.05, up to 300 epochs with patience 30 (the hybrid recipe's
 *    early stopping left breast-cancer at 97.4% where this reaches 99.1%, a
 *    tuned logistic regression's accuracy; it takes under a second there).
 * Candidates run in a fixed order, the cheap and usually good first, each
 * trained by trainVictim with the same seed; a candidate whose estimated time
 * (the slowest earlier trial of its shape, scaled by parameters) would end
 * past the budget is skipped, the first always runs. The winner is the highest
 * mean-field accuracy on the validation split (ties: the earlier candidate),
 * and its trained victim is returned, so nothing is trained twice.
 *
 * Also: the reference a victim should beat, a softmax regression whose L2
 * penalty λ is chosen on the same validation split (tunedSoftmaxReference).
 */
import { seedFor, type Backend } from '@rgdl/gpu-kernels';
import { binariseValues, type LabelledData } from './datasets/labelled.js';
import { evaluateClassifier } from './evaluate.js';
import {
  fitSoftmaxRegression,
  predictSoftmaxRegression,
  REFERENCE_REGRESSION,
  type SoftmaxRegression,
} from './softmax-regression.js';
import { trainVictim, victimRecipe, type TrainedVictim, type VictimRecipe } from './victims.js';
import { accuracy } from './accuracy.js';

export type InputMode = 'grey' | 'binary';

export interface RecipeCandidate {
  readonly input: InputMode;
  /** Units per hidden level; 0: no hidden level ([n_0, K]). */
  readonly hidden: number;
  readonly pretrainEpochs: number;
  readonly weightDecay: number;
  /** [n_0, K] only: trained for p(y | x) alone (α_top = 0, longer, faster), not by the hybrid recipe. */
  readonly discriminative?: boolean;
}

export interface RecipeTrial extends RecipeCandidate {
  /** Mean-field accuracy on the validation split. */
  readonly validationAccuracy: number;
  readonly seconds: number;
}

export interface RecipeSearch {
  readonly chosen: RecipeTrial;
  readonly recipe: VictimRecipe;
  /** The chosen candidate's trained victim (trained on `input`-mode data). */
  readonly victim: TrainedVictim;
  readonly trials: readonly RecipeTrial[];
  /** Candidates not run because the budget would have been exceeded. */
  readonly skipped: readonly RecipeCandidate[];
  readonly budgetSeconds: number;
  readonly seconds: number;
}

/** The data binarised at the files' default threshold (x ≥ ½ → 1), as a copy. */
export function binariseData(d: LabelledData): LabelledData {
  return { ...d, x: { ...d.x, data: binariseValues(d.x.data.slice()) } };
}

/** Whether every input value is 0 or 1. */
export function isBinary(d: LabelledData): boolean {
  return d.x.data.every((v) => v === 0 || v === 1);
}

/** The search's candidates in the order they run. */
export function recipeCandidates(binaryData: boolean): RecipeCandidate[] {
  const input: InputMode = binaryData ? 'binary' : 'grey';
  const c = (over: Partial<RecipeCandidate>): RecipeCandidate => ({
    input,
    hidden: 64,
    pretrainEpochs: 10,
    weightDecay: 1e-4,
    ...over,
  });
  return [
    c({}),
    c({ hidden: 0 }),
    c({ hidden: 0, discriminative: true }),
    c({ hidden: 128 }),
    ...(binaryData ? [] : [c({ input: 'binary' })]),
    c({ hidden: 256 }),
    c({ hidden: 128, pretrainEpochs: 30 }),
    c({ hidden: 128, weightDecay: 1e-3 }),
  ];
}

/** The recipe of a candidate: the named settings with its widths, epochs and decay. */
export function candidateRecipe(c: RecipeCandidate, inputs: number, classes: number, hiddenLayers = 1): VictimRecipe {
  const widths = [inputs, ...Array.from({ length: c.hidden > 0 ? hiddenLayers : 0 }, () => c.hidden), classes];
  const base = victimRecipe(widths);
  const discriminative = c.discriminative === true && c.hidden === 0;
  return victimRecipe(widths, {
    pretrain: { ...base.pretrain, epochs: c.pretrainEpochs, weightDecay: c.weightDecay },
    // depth 1: the top stage is the whole training, with the fine-tuning budget's epochs and patience
    ...(discriminative
      ? {
          top: { ...base.top, learningRate: 0.05 },
          fineTune: { ...base.fineTune, epochs: 300, patience: 30 },
          generative: { top: 0, lower: 0 },
        }
      : {}),
  });
}

const parametersOf = (w: readonly number[]) => w.slice(1).reduce((a, n, i) => a + n * w[i]!, 0);

/**
 * Runs the search. `train` and `validation` hold the data as read (grey values
 * in [0, 1], or binary).
 * @throws RangeError for a non-positive budget or data with no inputs
 */
export function searchVictimRecipe(
  be: Backend,
  train: LabelledData,
  validation: LabelledData,
  options: {
    readonly budgetSeconds: number;
    readonly seed: number;
    readonly hiddenLayers?: number;
    readonly candidates?: readonly RecipeCandidate[];
    readonly onTrial?: (trial: RecipeTrial, index: number, of: number) => void;
  },
): RecipeSearch {
  if (!(options.budgetSeconds > 0))
    throw new RangeError(`the search budget must be positive, got ${options.budgetSeconds}`);
  const t0 = performance.now();
  const binaryData = isBinary(train) && isBinary(validation);
  const candidates = options.candidates ?? recipeCandidates(binaryData);
  const hiddenLayers = options.hiddenLayers ?? 1;
  const binary = binaryData
    ? { train, validation }
    : { train: binariseData(train), validation: binariseData(validation) };
  const trials: RecipeTrial[] = [];
  const skipped: RecipeCandidate[] = [];
  let best: { trial: RecipeTrial; recipe: VictimRecipe; victim: TrainedVictim } | undefined;
  // a candidate's time: the slowest trial of the same shape (with or without hidden levels) scaled by
  // parameters, else the slowest trial so far (the stages' epochs, not the parameters, set a net without hidden levels' cost)
  const done: { hidden: boolean; seconds: number; parameters: number }[] = [];
  const estimate = (c: RecipeCandidate, parameters: number) => {
    const alike = done.filter((d) => d.hidden === c.hidden > 0);
    if (alike.length === 0) return Math.max(0, ...done.map((d) => d.seconds));
    return Math.max(...alike.map((d) => (d.seconds * parameters) / d.parameters));
  };
  candidates.forEach((c, i) => {
    const recipe = candidateRecipe(c, train.x.cols, train.classes, hiddenLayers);
    const elapsed = (performance.now() - t0) / 1000;
    if (i > 0 && elapsed + estimate(c, parametersOf(recipe.widths)) > options.budgetSeconds) {
      skipped.push(c);
      return;
    }
    const data = c.input === 'binary' ? binary : { train, validation };
    const t = performance.now();
    const victim = trainVictim(be, recipe, data.train, data.validation, { seed: options.seed });
    const validationAccuracy = evaluateClassifier(be, victim.net, data.validation, {
      samples: [],
      seed: seedFor('train-evaluation', options.seed),
    }).meanField;
    const seconds = (performance.now() - t) / 1000;
    done.push({ hidden: c.hidden > 0, seconds, parameters: parametersOf(recipe.widths) });
    const trial: RecipeTrial = { ...c, validationAccuracy, seconds };
    trials.push(trial);
    options.onTrial?.(trial, i, candidates.length);
    if (best === undefined || validationAccuracy > best.trial.validationAccuracy) best = { trial, recipe, victim };
  });
  const chosen = best!;
  return {
    chosen: chosen.trial,
    recipe: chosen.recipe,
    victim: chosen.victim,
    trials,
    skipped,
    budgetSeconds: options.budgetSeconds,
    seconds: (performance.now() - t0) / 1000,
  };
}

export interface TunedReference {
  readonly model: SoftmaxRegression;
  /** The λ chosen, and the validation accuracy of each λ tried. */
  readonly l2: number;
  readonly tried: readonly { readonly l2: number; readonly validationAccuracy: number }[];
}

/** The λ a tuned reference tries (REFERENCE_REGRESSION's optimiser, 100 epochs). */
export const REFERENCE_L2 = [1e-2, 1e-3, 1e-4, 1e-5, 0] as const;

/**
 * A softmax regression with its L2 penalty chosen on the validation split
 * (REFERENCE_L2, strongest first; ties keep the stronger), fitted on `train`.
 */
export function tunedSoftmaxReference(
  be: Backend,
  train: LabelledData,
  validation: LabelledData,
  seed: number,
): TunedReference {
  let best: { model: SoftmaxRegression; l2: number; acc: number } | undefined;
  const tried = REFERENCE_L2.map((l2) => {
    const model = fitSoftmaxRegression(be, train.x, train.y, { ...REFERENCE_REGRESSION, epochs: 100, l2, seed });
    const validationAccuracy = accuracy(predictSoftmaxRegression(be, model, validation.x), validation.labels);
    if (best === undefined || validationAccuracy > best.acc) best = { model, l2, acc: validationAccuracy };
    return { l2, validationAccuracy };
  });
  return { model: best!.model, l2: best!.l2, tried };
}
