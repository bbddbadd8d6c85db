/**
 * The victim recipe: how every classifier that this project defends is trained.
 * One deep RBM, the same weights classifying by eq. 2 and generating by eq. 9,
 * trained in three stages (docs/math.md §2–4):
 *
 *   1. greedy generative pretraining of layers 1 … N−1 (CD-1, decaying step,
 *      weight decay, held-out pseudo-likelihood per epoch) — pretrain.ts;
 *   2. the hybrid top layer: only layer N trained, on −log P(c|x) + α_top ·
 *      (−log t_N(μ_{N−1}, e_c)) — finetune.ts with trainable = [N−1];
 *   3. fine-tuning of every layer by back-propagation through the mean-field
 *      pass on the same hybrid objective, early-stopped on the validation split.
 *
 * Stages 1–2 give the "pretrained" victim, stage 3 the "fine-tuned" one; both
 * are returned so generation quality can be compared. Named recipes fix the
 * widths and settings used by the demo, the experiment, the benches and
 * `rgdl train`'s defaults.
 */
import { seedFor, DEFAULT_SEED, createRng, type Backend } from '@rgdl/gpu-kernels';
import type { LabelledData } from './datasets/labelled.js';
import { cloneDeepRbm, createDeepRbm, type DeepRbm } from './deep-rbm.js';
import { fineTune, type FineTuneEpoch } from './finetune.js';
import { pretrainGreedy, type PretrainEpoch } from './pretrain.js';

export interface VictimRecipe {
  /** Layer widths [n_0, …, n_N]. */
  readonly widths: readonly number[];
  readonly pretrain: {
    readonly epochs: number;
    readonly learningRate: number;
    readonly momentum: number;
    readonly weightDecay: number;
    readonly batchSize: number;
  };
  /** Stage 2: hybrid top layer alone. */
  readonly top: { readonly epochs: number; readonly learningRate: number };
  /** Stage 3: all layers (epochs 0 = no fine-tuning). */
  readonly fineTune: { readonly epochs: number; readonly learningRate: number; readonly patience: number };
  /** Generative weights α_top (stages 2 and 3) and α_low (stage 3). */
  readonly generative: { readonly top: number; readonly lower: number };
  /**
   * Mini-batch size of stages 2–3, an upper bound: a training set of n examples
   * uses max(10, min(batchSize, ⌊n/50⌋)), so an epoch has at least ≈50 steps.
   */
  readonly batchSize: number;
  /** Initial weight standard deviation. */
  readonly weightScale: number;
  /** Draws of h_{N−1} per input for reported eq. 2 accuracy (docs/math.md §3). */
  readonly evalSamples: number;
}

const BASE: Omit<VictimRecipe, 'widths'> = {
  pretrain: { epochs: 10, learningRate: 0.05, momentum: 0.5, weightDecay: 1e-4, batchSize: 50 },
  top: { epochs: 10, learningRate: 5e-3 },
  fineTune: { epochs: 80, learningRate: 2e-3, patience: 10 },
  generative: { top: 0.01, lower: 0.03 },
  batchSize: 100,
  weightScale: 0.01,
  evalSamples: 256,
};

/** Named victims (MNIST at 14×14 or 28×28 from the package's shipped digits). */
export const VICTIM_RECIPES = {
  /** [196, 10]: one RBM between pixels and labels (eq. 2 is then softmax regression). */
  'mnist14-d1': { ...BASE, widths: [196, 10] },
  /** [196, 64, 10]: the demo's and the experiment's depth-2 victim. */
  'mnist14-d2': { ...BASE, widths: [196, 64, 10] },
  /** [196, 64, 64, 10] */
  'mnist14-d3': { ...BASE, widths: [196, 64, 64, 10] },
  /** [784, 256, 10] at 28×28. */
  mnist28: { ...BASE, widths: [784, 256, 10] },
  /** The demo's victim: mnist14-d2 with a shorter fine-tuning budget (≤ 20 epochs; about 8 s here). */
  demo: { ...BASE, widths: [196, 64, 10], fineTune: { epochs: 20, learningRate: 3e-3, patience: 6 } },
} as const satisfies Record<string, VictimRecipe>;

export type VictimName = keyof typeof VICTIM_RECIPES;

/** The recipe for arbitrary widths: the named settings with these widths. */
export function victimRecipe(
  widths: readonly number[],
  overrides: Partial<Omit<VictimRecipe, 'widths'>> = {},
): VictimRecipe {
  return { ...BASE, ...overrides, widths: [...widths] };
}

/** The mini-batch size stages 2–3 use for n training examples (see VictimRecipe.batchSize). */
export function stageBatchSize(recipe: VictimRecipe, n: number): number {
  return Math.max(10, Math.min(recipe.batchSize, Math.floor(n / 50)));
}

export type VictimProgress =
  | { readonly stage: 'pretrain'; readonly info: PretrainEpoch }
  | { readonly stage: 'top' | 'fine-tune'; readonly info: FineTuneEpoch };

export interface TrainedVictim {
  /** The victim after all stages (the fine-tuned one when fine-tuning ran). */
  readonly net: DeepRbm;
  /** After stages 1–2 only (pretrained + hybrid top layer). */
  readonly pretrained: DeepRbm;
  readonly recipe: VictimRecipe;
  readonly pretrainHistory: PretrainEpoch[];
  readonly topHistory: FineTuneEpoch[];
  readonly fineTuneHistory: FineTuneEpoch[];
  /** Epoch of fine-tuning kept by early stopping (0 = none). */
  readonly bestFineTuneEpoch: number;
  readonly seconds: { readonly pretrain: number; readonly top: number; readonly fineTune: number };
}

/**
 * Trains a victim by the recipe on `train`, early-stopping on `validation`.
 * @throws RangeError when the data do not match the recipe's widths.
 */
export function trainVictim(
  be: Backend,
  recipe: VictimRecipe,
  train: LabelledData,
  validation: LabelledData,
  options: { seed?: number; onProgress?: (p: VictimProgress) => void } = {},
): TrainedVictim {
  const w = recipe.widths;
  if (train.x.cols !== w[0]) throw new RangeError(`data have ${train.x.cols} inputs, recipe widths start with ${w[0]}`);
  if (train.classes !== w[w.length - 1])
    throw new RangeError(`data have ${train.classes} classes, recipe widths end with ${w[w.length - 1]}`);
  const seed = options.seed ?? DEFAULT_SEED;
  const batchSize = stageBatchSize(recipe, train.x.rows);
  const net = createDeepRbm(w, createRng(seed), { weightScale: recipe.weightScale });
  const N = net.layers.length;
  const t0 = performance.now();
  const pretrainHistory = pretrainGreedy(be, net, train.x, {
    ...recipe.pretrain,
    heldOut: validation.x,
    seed: seedFor('victim-pretrain', seed),
    onEpoch: (info) => options.onProgress?.({ stage: 'pretrain', info }),
  });
  const t1 = performance.now();
  // depth 1 has no lower layers: its top stage is the whole training and gets the fine-tuning budget
  const topEpochs = N === 1 ? Math.max(recipe.top.epochs, recipe.fineTune.epochs) : recipe.top.epochs;
  const top = fineTune(be, net, train, {
    epochs: topEpochs,
    learningRate: recipe.top.learningRate,
    batchSize,
    trainable: [N - 1],
    generative: { top: recipe.generative.top, lower: 0 },
    validation,
    patience: N === 1 ? recipe.fineTune.patience : topEpochs,
    seed: seedFor('victim-top', seed),
    onEpoch: (info) => options.onProgress?.({ stage: 'top', info }),
  });
  const pretrained = top.net;
  const t2 = performance.now();
  if (recipe.fineTune.epochs === 0 || N === 1) {
    return {
      net: cloneDeepRbm(pretrained),
      pretrained,
      recipe,
      pretrainHistory,
      topHistory: top.history,
      fineTuneHistory: [],
      bestFineTuneEpoch: 0,
      seconds: { pretrain: (t1 - t0) / 1000, top: (t2 - t1) / 1000, fineTune: 0 },
    };
  }
  const ft = fineTune(be, cloneDeepRbm(pretrained), train, {
    epochs: recipe.fineTune.epochs,
    learningRate: recipe.fineTune.learningRate,
    batchSize,
    generative: recipe.generative,
    validation,
    patience: recipe.fineTune.patience,
    seed: seedFor('victim-finetune', seed),
    onEpoch: (info) => options.onProgress?.({ stage: 'fine-tune', info }),
  });
  return {
    net: ft.net,
    pretrained,
    recipe,
    pretrainHistory,
    topHistory: top.history,
    fineTuneHistory: ft.history,
    bestFineTuneEpoch: ft.bestEpoch,
    seconds: { pretrain: (t1 - t0) / 1000, top: (t2 - t1) / 1000, fineTune: (performance.now() - t2) / 1000 },
  };
}
