/**
 * Training a classifier as `rgdl train` does, without the flags: the hybrid
 * recipe (greedy CD pretraining, the top layer alone on −log P(c|x) +
 * α_top·(−log t_N), fine-tuning with early stopping; optional eq. 14 sweeps
 * after it) or the layerwise scheme of eq. 14 alone; then the test accuracy by
 * eq. 2, generation quality against a reference softmax regression, the model
 * file's metadata and the report. A model that diverged or collapsed is refused.
 */
import { createRng, seedFor, type Backend } from '@rgdl/gpu-kernels';
import {
  createDeepRbm,
  evaluateClassifier,
  generationQuality,
  MAX_PARAMETER_MAGNITUDE,
  trainLayerwise,
  tunedSoftmaxReference,
  trainVictim,
  VICTIM_RECIPES,
  widths,
  type ClassifierEvaluation,
  type DeepRbm,
  type GenerationQuality,
  type LabelledData,
  type LayerwiseProgress,
  type NegativePhase,
  type SweepInfo,
  type TrainedVictim,
  type VictimProgress,
  type VictimRecipe,
} from '@rgdl/rbm';
import { type DataSpec, dataRecord } from './data.js';
import { NumericalError, UsageError } from './errors.js';

/** The three splits a training run reads. */
export interface TrainingSplits {
  readonly train: LabelledData;
  /** Held out for early stopping and sweep selection (the 'attacker' split). */
  readonly validation: LabelledData;
  readonly test: LabelledData;
}

/**
 * The widths a run uses when none are given: the named recipe's, the shipped
 * MNIST recipes' at 28 and 14, else [inputs, 64, classes].
 */
export function defaultWidths(spec: DataSpec, train: LabelledData, recipe?: VictimRecipe): readonly number[] {
  if (recipe) return recipe.widths;
  if (spec.name === 'mnist' && spec.size === 28) return VICTIM_RECIPES.mnist28.widths;
  if (spec.name === 'mnist' && spec.size === 14) return VICTIM_RECIPES['mnist14-d2'].widths;
  return [train.x.cols, 64, train.classes];
}

/** Widths that fit the data: input and one-hot output. @throws UsageError */
export function checkWidths(w: readonly number[], train: LabelledData, dataName: string, recipe?: string): void {
  if (w.length < 2) throw new UsageError('--widths needs at least two entries (input, output)');
  if (w[0] !== train.x.cols)
    throw new UsageError(
      `--widths starts with ${w[0]} but ${dataName} inputs have ${train.x.cols} units${recipe ? ` (recipe ${recipe} is for ${VICTIM_RECIPES[recipe as keyof typeof VICTIM_RECIPES]?.widths[0]} inputs)` : ''}`,
    );
  if (w[w.length - 1] !== train.classes)
    throw new UsageError(
      `--widths ends with ${w[w.length - 1]} but ${dataName} has ${train.classes} classes (one-hot outputs)${
        train.classes === w[w.length - 1]! + 1 && !train.labels.includes(0)
          ? `: its labels run 1 … ${train.classes - 1}, and labels must start at 0 (subtract 1 from every label)`
          : ''
      }`,
    );
}

/**
 * Bytes a run of these widths holds at its peak: weights, their f32 mirror,
 * optimiser moments, velocities and the kept best copy (≈ 6 copies of every
 * parameter), the eq. 2 draws of one test input (256 per hidden unit) and the
 * 2,000 generation draws of h₁ with their fields on x.
 */
export function trainingBytes(w: readonly number[]): { bytes: number; parameters: number } {
  const parameters = w.slice(1).reduce((a, n, i) => a + n * w[i]! + n + w[i]!, 0);
  const hidden = w.slice(1, -1).reduce((a, n) => a + n, 0);
  return {
    parameters,
    bytes: parameters * 8 * 6 + 256 * hidden * 8 * 2 + 2000 * ((w[1] ?? 0) + w[0]!) * 8 * 3,
  };
}

/** eq. 14 sweeps run after hybrid fine-tuning: small steps that keep the fine-tuned weights' scale. */
export const SWEEPS_AFTER_FINETUNE = {
  batchSize: 50,
  learningRate: 0.01,
  momentum: 0.5,
  evalSamples: 16,
  epochsPerLayer: 2,
} as const;

/** The layerwise scheme of eq. 14 from a small random start. */
export const EQ14_DEFAULTS = {
  sweeps: 2,
  pretrainEpochs: 30,
  epochsPerLayer: 5,
  learningRate: 0.1,
  momentum: 0.9,
  batchSize: 50,
  negative: 'auto' as NegativePhase | 'auto',
  evalSamples: 16,
  weightScale: 0.01,
};

export interface HybridTraining {
  readonly net: DeepRbm;
  readonly victim: TrainedVictim;
  readonly evaluation: ClassifierEvaluation;
  readonly generation: { readonly pretrained: GenerationQuality; readonly final: GenerationQuality };
  readonly sweepHistory: readonly SweepInfo[];
  readonly keptSweep: number;
  readonly testAccuracy: number;
  /** What the model file records. */
  readonly metadata: Record<string, unknown>;
  /** metadata plus timings and histories (the --json report, less the path). */
  readonly report: Record<string, unknown>;
}

/**
 * Trains by the hybrid recipe, then `sweeps` eq. 14 sweeps (the best-scoring
 * weights kept, sweep 0 = the fine-tuned net), and scores the result.
 * @throws NumericalError when training diverged or (unless `force`) collapsed
 */
export function trainHybrid(
  be: Backend,
  splits: TrainingSplits,
  options: {
    readonly recipe: VictimRecipe;
    readonly recipeName?: string;
    readonly spec: DataSpec;
    readonly seed: number;
    readonly sweeps: number;
    readonly sweepEpochs?: number;
    readonly precision: 'f64' | 'f32';
    readonly force?: boolean;
    /** A victim already trained by `recipe` on these splits (the recipe search's winner): not trained again. */
    readonly trained?: TrainedVictim;
    readonly onProgress?: (p: VictimProgress) => void;
    readonly onNote?: (message: string) => void;
  },
): HybridTraining {
  const t0 = performance.now();
  const { train, validation, test } = splits;
  const { recipe, seed, sweeps } = options;
  const victim =
    options.trained ??
    guardTraining(() =>
      trainVictim(be, recipe, train, validation, {
        seed,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      }),
    );
  let net = victim.net;
  let sweepHistory: SweepInfo[] = [];
  let keptSweep = 0;
  if (sweeps > 0) {
    options.onNote?.(`eq. 14 sweeps after fine-tuning: ${sweeps}`);
    const r = trainLayerwise(be, victim.net, train, {
      validation,
      sweeps,
      pretrainEpochs: 0,
      epochsPerLayer: options.sweepEpochs ?? SWEEPS_AFTER_FINETUNE.epochsPerLayer,
      batchSize: SWEEPS_AFTER_FINETUNE.batchSize,
      learningRate: SWEEPS_AFTER_FINETUNE.learningRate,
      momentum: SWEEPS_AFTER_FINETUNE.momentum,
      precision: options.precision,
      evalSamples: SWEEPS_AFTER_FINETUNE.evalSamples,
      seed,
      patience: sweeps,
    });
    sweepHistory = r.history;
    keptSweep = r.bestSweep;
    net = r.net;
  }
  const evaluation = evaluateClassifier(be, net, test, {
    samples: [recipe.evalSamples],
    seed: seedFor('train-evaluation', seed),
  });
  // the reference a victim should beat: softmax regression, its L2 penalty chosen on the validation split
  const tuned = tunedSoftmaxReference(be, train, validation, seedFor('train-reference', seed));
  const reference = tuned.model;
  const qualitySeed = seedFor('train-generation', seed);
  const pretrained = generationQuality(be, victim.pretrained, train, test, { reference, seed: qualitySeed });
  const final = generationQuality(be, net, train, test, { reference, seed: qualitySeed });
  const testAccuracy = evaluation.exact ?? evaluation.sampled[0]!.accuracy;
  checkTrainedModel(net, testAccuracy, majorityRate(test.labels, test.classes), options.force === true);
  const validationAccuracy =
    victim.fineTuneHistory[victim.bestFineTuneEpoch - 1]?.validationAccuracy ??
    victim.topHistory.at(-1)?.validationAccuracy ??
    Number.NaN;
  const metadata = {
    data: dataRecord(options.spec, train.x.rows),
    training: { method: 'hybrid', recipe: options.recipeName ?? 'custom', ...recipe, sweeps, seed },
    testAccuracy,
    testAccuracyMethod:
      evaluation.exact !== null ? 'eq. 2 exact' : `eq. 2 Rao–Blackwellised, ${recipe.evalSamples} draws`,
    meanFieldTestAccuracy: evaluation.meanField,
    validationAccuracy,
    bestFineTuneEpoch: victim.bestFineTuneEpoch,
    keptSweep,
    sweeps: sweepHistory.map((h) => ({ sweep: h.sweep, validationAccuracy: h.validationAccuracy })),
    generation: { pretrained: summariseGeneration(pretrained), final: summariseGeneration(final) },
    reference: {
      model: 'softmax regression',
      l2: tuned.l2,
      tried: tuned.tried,
      testAccuracy: final.referenceTestAccuracy,
    },
  };
  const report = {
    widths: widths(net),
    ...metadata,
    seconds: (performance.now() - t0) / 1000,
    stageSeconds: victim.seconds,
    pretrain: victim.pretrainHistory.map((e) => ({
      layer: e.layer + 1,
      epoch: e.epoch,
      heldOutPseudoLikelihood: e.heldOutPseudoLikelihood,
    })),
    fineTune: victim.fineTuneHistory.map((e) => ({
      epoch: e.epoch,
      crossEntropy: e.crossEntropy,
      validationAccuracy: e.validationAccuracy,
    })),
  };
  return {
    net,
    victim,
    evaluation,
    generation: { pretrained, final },
    sweepHistory,
    keptSweep,
    testAccuracy,
    metadata,
    report,
  };
}

export interface Eq14Settings {
  readonly sweeps: number;
  readonly pretrainEpochs: number;
  readonly epochsPerLayer: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly batchSize: number;
  readonly negative: NegativePhase | 'auto';
  readonly evalSamples: number;
}

export interface Eq14Training {
  readonly net: DeepRbm;
  readonly history: readonly SweepInfo[];
  readonly bestSweep: number;
  readonly testAccuracy: number;
  readonly evaluation: ClassifierEvaluation;
  readonly metadata: Record<string, unknown>;
  readonly report: Record<string, unknown>;
}

/** Greedy initialisation, then eq. 14 sweeps k = 1…N each scored on the held-out split; the best kept. */
export function trainEq14(
  be: Backend,
  splits: TrainingSplits,
  w: readonly number[],
  settings: Eq14Settings,
  options: {
    readonly spec: DataSpec;
    readonly seed: number;
    readonly precision: 'f64' | 'f32';
    readonly onProgress?: (event: LayerwiseProgress) => void;
  },
): Eq14Training {
  const t0 = performance.now();
  const { train, validation, test } = splits;
  const { seed } = options;
  const net = createDeepRbm([...w], createRng(seed), { weightScale: EQ14_DEFAULTS.weightScale });
  const result = trainLayerwise(be, net, train, {
    validation,
    sweeps: settings.sweeps,
    epochsPerLayer: settings.epochsPerLayer,
    pretrainEpochs: settings.pretrainEpochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    momentum: settings.momentum,
    negative: settings.negative,
    precision: options.precision,
    evalSamples: settings.evalSamples,
    seed,
    patience: Math.max(1, settings.sweeps),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const evaluation = evaluateClassifier(be, result.net, test, {
    samples: [32],
    seed: seedFor('train-evaluation', seed),
  });
  const testAccuracy = evaluation.exact ?? evaluation.sampled[0]!.accuracy;
  const metadata = {
    data: dataRecord(options.spec, train.x.rows),
    training: { method: 'eq14-layerwise', ...settings, precision: options.precision, seed },
    bestSweep: result.bestSweep,
    validationAccuracy: result.bestAccuracy,
    testAccuracy,
    meanFieldTestAccuracy: evaluation.meanField,
    history: result.history.map((h: SweepInfo) => ({ sweep: h.sweep, validationAccuracy: h.validationAccuracy })),
  };
  const report = {
    widths: widths(result.net),
    ...metadata,
    stopped: result.stopped,
    seconds: (performance.now() - t0) / 1000,
  };
  return {
    net: result.net,
    history: result.history,
    bestSweep: result.bestSweep,
    testAccuracy,
    evaluation,
    metadata,
    report,
  };
}

function summariseGeneration(g: GenerationQuality) {
  return {
    generatedAccuracy: g.generatedAccuracy,
    testLogProbability: g.testLogProbability,
    logProbSamples: g.logProbSamples,
    referenceTestAccuracy: g.referenceTestAccuracy,
    independentPixelsLogProbability: g.independentPixelsLogProbability,
  };
}

/** Training that diverged (non-finite weights) is a numerical failure, not an internal error. */
function guardTraining<T>(train: () => T): T {
  try {
    return train();
  } catch (error) {
    if (error instanceof RangeError && /diverged/.test(error.message)) {
      throw new NumericalError(`${error.message}; nothing was written`);
    }
    throw error;
  }
}

/** Accuracy of always answering the commonest class. */
export function majorityRate(labels: ArrayLike<number>, classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return Math.max(...counts) / Math.max(1, labels.length);
}

/**
 * Refuses a model whose weights are non-finite or beyond what a model file may
 * hold, or (unless forced) whose test accuracy collapsed: no better than always
 * answering the commonest class. @throws NumericalError
 */
export function checkTrainedModel(net: DeepRbm, testAccuracy: number, majority: number, force: boolean): void {
  net.layers.forEach((l, k) => {
    for (const [name, arr] of [
      ['W', l.W.data],
      ['a', l.a],
      ['b', l.b],
    ] as const) {
      const bad = arr.findIndex((v) => !Number.isFinite(v) || Math.abs(v) > MAX_PARAMETER_MAGNITUDE);
      if (bad >= 0) {
        throw new NumericalError(
          `training diverged: layers[${k}].${name}[${bad}] = ${arr[bad]} (beyond ±${MAX_PARAMETER_MAGNITUDE}); lower the learning rates; nothing was written`,
        );
      }
    }
  });
  if (!force && testAccuracy <= majority + 1e-9) {
    throw new NumericalError(
      `training collapsed: test accuracy ${(100 * testAccuracy).toFixed(1)}% is no better than always answering the commonest class (${(100 * majority).toFixed(1)}%); the model was not written. What usually fixes it: more pretraining and top-layer epochs on small data or deep nets (--pretrain-epochs 30 --top-epochs 30), a wider net (--widths) or fewer layers; --force writes it anyway`,
    );
  }
}
