import { createBackend, type Backend } from '@rgdl/gpu-kernels';
import {
  binariseData,
  searchVictimRecipe,
  VICTIM_RECIPES,
  victimRecipe,
  type RecipeSearch,
  type ClassifierEvaluation,
  type DeepRbm,
  type LabelledData,
  type VictimName,
  type VictimRecipe,
} from '@rgdl/rbm';
import type { Command } from '../command.js';
import { writeModel } from '../model-io.js';
import { Progress } from '../progress.js';
import {
  dataRecord,
  loadDataset,
  parseDataFlags,
  type DataSpec,
  checkMemory,
  choiceFlag,
  intFlag,
  intListFlag,
  numberFlag,
  requiredString,
  checkOutputFile,
  NumericalError,
  UsageError,
  seedFlag,
  checkWidths,
  defaultWidths,
  EQ14_DEFAULTS,
  SWEEPS_AFTER_FINETUNE,
  trainEq14,
  trainHybrid,
  trainingBytes,
  table,
} from '@rgdl/experiments';
import { DATA_HELP, DATA_OPTIONS } from '../data-flags.js';

const RECIPES = Object.keys(VICTIM_RECIPES) as VictimName[];

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a deep RBM classifier (hybrid pretraining + fine-tuning, or the layerwise scheme of eq. 14)',
  usage:
    'rgdl train --out model.json [--data mnist|bas|synthetic|csv:PATH|idx:IMG,LAB|npy:X,Y] [--size 14] [--recipe NAME | --widths 196,64,10] [options]',
  help: `Method 'hybrid' (default; docs/math.md §2–4): greedy CD pretraining of the hidden
layers, then the top layer alone on −log P(c|x) + α_top·(−log t_N(h, y)), then every
layer fine-tuned by back-propagation through the mean-field pass on the same
objective plus α_lower × a CD term per lower layer, early-stopped on the held-out
'attacker' split. The same weights classify by eq. 2 and generate by eq. 9.
Accuracy is reported by eq. 2 (exact, or Rao–Blackwellised over --eval-samples
draws) with the mean-field accuracy beside it; generation quality (docs/math.md §5)
is reported for the pretrained and the fine-tuned net.

Method 'eq14': greedy initialisation then eq. 14 sweeps k = 1…N, each scored on
the held-out split, the best kept (sweeps can collapse: docs/math.md §6).
With 'hybrid', --sweeps N runs N eq. 14 sweeps after fine-tuning and reports
each; the best-scoring weights (sweep 0 = the fine-tuned net) are kept.

On your own data (csv:, idx:, npy:) with none of --threshold, --recipe,
--widths and the stage flags given, the recipe is searched first, within
--search-budget seconds, on the validation split: grey values in [0, 1] as
Bernoulli means on the visible units or binarised at 0.5; no hidden layer or
64, 128, 256 hidden units; 10 or 30 pretraining epochs; weight decay 1e-4 or
1e-3 (candidates in that order, each skipped when it would end past the
budget). The winner (best mean-field validation accuracy) is kept, printed, and
recorded in the model file with the input mode it needs. The reference printed
beside the model is a softmax regression whose L2 penalty is chosen on the same
validation split.

Options:
  --out FILE              model file to write (atomically)              (required)
${DATA_HELP}
  --limit N               use the first N training examples            (all)
  --recipe NAME           ${RECIPES.join(' | ')}
                          (widths and settings of a named victim; default
                          mnist14-d2 at 14×14, mnist28 at 28×28)
  --widths a,b,…          layer widths n_0,…,n_N; n_0 and n_N must match the data
                          (default: the recipe's, or input, 64, classes)
  --method M              hybrid | eq14                                 (hybrid)
  --pretrain-epochs N     CD epochs per hidden layer                    (recipe: 10)
  --top-epochs N          epochs of the hybrid top layer alone          (recipe: 10)
  --finetune-epochs N     maximum epochs of fine-tuning, 0 = none       (recipe: 80)
  --finetune-lr X         Adam step of fine-tuning                      (recipe: 0.002)
  --patience N            early-stopping patience in epochs             (recipe: 10)
  --alpha-top X           weight of the top layer's generative term     (recipe: 0.01)
  --alpha-lower X         weight of each lower layer's CD term          (recipe: 0.03)
  --sweeps N              eq. 14 sweeps (eq14: after initialisation, default 2;
                          hybrid: after fine-tuning, default 0)
  --epochs N              eq14: epochs per layer per sweep              (5)
  --lr X --momentum X     eq14 / pretraining SGD step and momentum      (0.1, 0.9)
  --batch N               mini-batch size                               (recipe: 100; eq14: 50)
  --negative P            eq14: auto | cd | pcd | exact                 (auto)
  --precision P           f64 | f32 arithmetic of the CD products       (f32)
  --eval-samples N        draws of h_{N−1} per input for eq. 2 accuracy (recipe: 256)
  --seed S                seed for initialisation and sampling          (1)
  --search-budget S       own data: seconds for the recipe search, 0 = off (60)
  --force                 write the model even if training collapsed (no better
                          than always answering the commonest class)
                          (non-finite or exploding weights are never written)
  --json                  print the training report as JSON
`,
  options: {
    out: { type: 'string' },
    ...DATA_OPTIONS,
    limit: { type: 'string' },
    recipe: { type: 'string' },
    widths: { type: 'string' },
    method: { type: 'string' },
    'pretrain-epochs': { type: 'string' },
    'top-epochs': { type: 'string' },
    'finetune-epochs': { type: 'string' },
    'finetune-lr': { type: 'string' },
    patience: { type: 'string' },
    'alpha-top': { type: 'string' },
    'alpha-lower': { type: 'string' },
    sweeps: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    batch: { type: 'string' },
    negative: { type: 'string' },
    precision: { type: 'string' },
    'eval-samples': { type: 'string' },
    force: { type: 'boolean' },
    'search-budget': { type: 'string' },
  },
  async run({ values }, io) {
    const out = requiredString('out', values.out);
    checkOutputFile(out); // before any training: a bad path fails in milliseconds
    const method = choiceFlag('method', values.method, ['hybrid', 'eq14'] as const, 'hybrid');
    const recipeName =
      values.recipe === undefined ? undefined : choiceFlag('recipe', values.recipe, RECIPES, 'mnist14-d2');
    const named = recipeName === undefined ? undefined : VICTIM_RECIPES[recipeName];
    const namedSize = named === undefined ? undefined : named.widths[0] === 784 ? 28 : 14;
    const spec = parseDataFlags(values, namedSize ?? 14);
    const { name: dataName, size } = spec;
    const limit = values.limit === undefined ? undefined : intFlag('limit', values.limit, 0, 1);
    const seed = seedFlag(values.seed);
    // own data with nothing chosen by hand: the recipe (and grey or binarised inputs) is searched on validation
    const budget = numberFlag('search-budget', values['search-budget'], 60, 0);
    const handPicked = [
      'threshold',
      'recipe',
      'widths',
      'pretrain-epochs',
      'top-epochs',
      'finetune-epochs',
      'finetune-lr',
      'patience',
      'alpha-top',
      'alpha-lower',
      'lr',
      'momentum',
      'batch',
    ].some((f) => values[f as keyof typeof values] !== undefined);
    const searching = method === 'hybrid' && spec.file !== undefined && !handPicked && budget > 0;
    const readSpec: DataSpec = searching && spec.file ? { ...spec, file: { ...spec.file, threshold: false } } : spec;
    let train = loadDataset(readSpec, 'train', limit);
    let validation = loadDataset(readSpec, 'attacker');
    let test = loadDataset(readSpec, 'test');
    const w = intListFlag('widths', values.widths) ?? [...defaultWidths(spec, train, named)];
    checkWidths(w, train, dataName, recipeName);
    const base = named ?? VICTIM_RECIPES['mnist14-d2'];
    const { bytes, parameters } = trainingBytes(w);
    checkMemory('--widths', bytes, `[${w.join(', ')}] (${parameters.toExponential(2)} parameters)`);
    const precision = choiceFlag('precision', values.precision, ['f64', 'f32'] as const, 'f32');

    const t0 = performance.now();
    const be = await createBackend();
    try {
      if (method === 'eq14') {
        runEq14(be, w, train, validation, test, values, { seed, precision, spec, out }, io.out);
        return;
      }
      let search: RecipeSearch | undefined;
      let trainedSpec = spec;
      if (searching && spec.file) {
        const note = (m: string) => {
          if (values.json !== true) io.err(`${m}\n`);
        };
        note(
          `searching the recipe on ${dataName}'s validation split (${validation.x.rows} examples), budget ${budget} s…`,
        );
        search = searchVictimRecipe(be, train, validation, {
          budgetSeconds: budget,
          seed,
          onTrial: (t, i, of) =>
            note(
              `  candidate ${i + 1} of ${of}: ${describeCandidate(t, train.x.cols, train.classes)}: validation ${(100 * t.validationAccuracy).toFixed(2)}% (${t.seconds.toFixed(1)} s)`,
            ),
        });
        if (search.chosen.input === 'binary') {
          [train, validation, test] = [binariseData(train), binariseData(validation), binariseData(test)];
          trainedSpec = { ...spec, file: { ...spec.file, threshold: 0.5 } };
        } else trainedSpec = readSpec;
      }
      const recipe: VictimRecipe =
        search?.recipe ??
        victimRecipe(w, {
          pretrain: {
            ...base.pretrain,
            epochs: intFlag('pretrain-epochs', values['pretrain-epochs'], base.pretrain.epochs, 0),
            learningRate: numberFlag('lr', values.lr, base.pretrain.learningRate, 0),
            momentum: numberFlag('momentum', values.momentum, base.pretrain.momentum, 0, 0.999),
          },
          top: { ...base.top, epochs: intFlag('top-epochs', values['top-epochs'], base.top.epochs, 0) },
          fineTune: {
            epochs: intFlag('finetune-epochs', values['finetune-epochs'], base.fineTune.epochs, 0),
            learningRate: numberFlag('finetune-lr', values['finetune-lr'], base.fineTune.learningRate, 0),
            patience: intFlag('patience', values.patience, base.fineTune.patience, 1),
          },
          generative: {
            top: numberFlag('alpha-top', values['alpha-top'], base.generative.top, 0),
            lower: numberFlag('alpha-lower', values['alpha-lower'], base.generative.lower, 0),
          },
          batchSize: intFlag('batch', values.batch, base.batchSize, 1),
          evalSamples: intFlag('eval-samples', values['eval-samples'], base.evalSamples, 1),
        });
      const sweeps = intFlag('sweeps', values.sweeps, 0, 0);
      const N = recipe.widths.length - 1;
      const units =
        recipe.pretrain.epochs * (N - 1) +
        (N === 1 ? Math.max(recipe.top.epochs, recipe.fineTune.epochs) : recipe.top.epochs + recipe.fineTune.epochs);
      const progress = new Progress(Math.max(1, units), { enabled: values.json !== true });
      progress.note(
        search
          ? `chose [${recipe.widths.join(', ')}], ${search.chosen.input} inputs (${search.trials.length} candidates in ${search.seconds.toFixed(1)} s)`
          : `training [${recipe.widths.join(', ')}] on ${dataName} (${train.x.rows} examples), backend ${be.mode}`,
      );
      const r = trainHybrid(
        be,
        { train, validation, test },
        {
          recipe,
          ...(recipeName !== undefined ? { recipeName } : search ? { recipeName: 'searched' } : {}),
          spec: trainedSpec,
          ...(search ? { trained: search.victim } : {}),
          seed,
          sweeps,
          sweepEpochs: intFlag('epochs', values.epochs, SWEEPS_AFTER_FINETUNE.epochsPerLayer, 1),
          precision,
          force: values.force === true,
          onProgress: (p) => {
            if (p.stage === 'pretrain')
              progress.tick(
                1,
                `pretrain layer ${p.info.layer + 1} epoch ${p.info.epoch}: held-out PL ${p.info.heldOutPseudoLikelihood.toFixed(4)}`,
              );
            else
              progress.tick(
                1,
                `${p.stage} epoch ${p.info.epoch}: held-out MF acc ${(100 * p.info.validationAccuracy).toFixed(1)}%`,
              );
          },
          onNote: (m) => progress.note(m),
        },
      );
      progress.finish();
      const recipeSearch = search && {
        budgetSeconds: search.budgetSeconds,
        seconds: search.seconds,
        chosen: search.chosen,
        trials: search.trials,
        skipped: search.skipped,
      };
      writeModel(out, r.net, { ...r.metadata, ...(recipeSearch ? { recipeSearch } : {}) });
      const report = { model: out, ...r.report, ...(recipeSearch ? { recipeSearch } : {}) };
      const { victim, evaluation, sweepHistory, keptSweep } = r;
      const { pretrained: genPretrained, final: genFinal } = r.generation;
      const seconds = (performance.now() - t0) / 1000;
      if (values.json === true) {
        io.out(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      io.out(
        renderHybrid(
          victim.pretrainHistory
            .filter((e) => e.epoch === recipe.pretrain.epochs)
            .map((e) => e.heldOutPseudoLikelihood),
          evaluation,
          recipe,
          {
            pretrainSeconds: victim.seconds.pretrain,
            topSeconds: victim.seconds.top,
            fineTuneSeconds: victim.seconds.fineTune,
            bestEpoch: victim.bestFineTuneEpoch,
            epochsRun: victim.fineTuneHistory.length,
          },
        ),
      );
      io.out(
        `\n${table(
          [
            'generation (eq. 9)',
            'generated digits labelled as their class',
            `log q̃₀(x | e_label), ${genFinal.logProbSamples} draws`,
            'with ¼ of the draws',
          ],
          [
            [
              'pretrained + hybrid top',
              pct(genPretrained.generatedAccuracy),
              genPretrained.testLogProbability.toFixed(2),
              genPretrained.testLogProbabilityQuarter.toFixed(2),
            ],
            [
              sweeps > 0 ? 'final (fine-tuned, sweeps)' : 'fine-tuned',
              pct(genFinal.generatedAccuracy),
              genFinal.testLogProbability.toFixed(2),
              genFinal.testLogProbabilityQuarter.toFixed(2),
            ],
          ],
        )}`,
      );
      const ref = r.metadata.reference as { l2: number };
      io.out(
        `reference: softmax regression (L2 λ = ${ref.l2} chosen on the validation split) classifies ${pct(genFinal.referenceTestAccuracy)} of test examples; independent inputs per class give log-probability ${genFinal.independentPixelsLogProbability.toFixed(2)}\n`,
      );
      if (search) {
        io.out(
          `\n${table(
            ['recipe candidate', 'validation (mean field)', 'seconds'],
            search.trials.map((t) => [
              `${describeCandidate(t, train.x.cols, train.classes)}${t === search!.chosen ? '  ← chosen' : ''}`,
              pct(t.validationAccuracy),
              t.seconds.toFixed(1),
            ]),
          )}${search.skipped.length ? `\n${search.skipped.length} more candidate(s) skipped: the ${search.budgetSeconds} s budget (--search-budget) would have been exceeded` : ''}\n`,
        );
      }
      io.out(
        sweeps > 0
          ? `\neq. 14 sweeps after fine-tuning (held-out accuracy, ${SWEEPS_AFTER_FINETUNE.evalSamples} draws): ${sweepHistory.map((h) => `${h.sweep}: ${pct(h.validationAccuracy)}`).join(', ')}; kept sweep ${keptSweep}\n`
          : '\neq. 14 sweeps: none run (pass --sweeps N to run N after fine-tuning and see their effect)\n',
      );
      io.out(`wrote ${out} in ${seconds.toFixed(1)} s\n`);
    } finally {
      be.dispose();
    }
  },
};

function describeCandidate(
  c: { input: string; hidden: number; pretrainEpochs: number; weightDecay: number; discriminative?: boolean },
  inputs: number,
  classes: number,
): string {
  const w = c.hidden > 0 ? [inputs, c.hidden, classes] : [inputs, classes];
  return `[${w.join(', ')}] ${c.input}${c.hidden > 0 ? `, ${c.pretrainEpochs} pretraining epochs, decay ${c.weightDecay}` : c.discriminative === true ? ', discriminative' : ''}`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function renderHybrid(
  pl: number[],
  e: ClassifierEvaluation,
  recipe: VictimRecipe,
  t: { pretrainSeconds: number; topSeconds: number; fineTuneSeconds: number; bestEpoch: number; epochsRun: number },
): string {
  const lines = [
    `pretraining: held-out pseudo-log-likelihood per unit after ${recipe.pretrain.epochs} epochs: ${pl.length ? pl.map((v, i) => `layer ${i + 1} ${v.toFixed(4)}`).join(', ') : '(no hidden layers)'} (${t.pretrainSeconds.toFixed(1)} s)`,
    `hybrid top layer: ${t.topSeconds.toFixed(1)} s (α_top ${recipe.generative.top})`,
    `fine-tuning: ${t.epochsRun} epochs, kept epoch ${t.bestEpoch} (α_lower ${recipe.generative.lower}; ${t.fineTuneSeconds.toFixed(1)} s)`,
    e.exact !== null
      ? `test accuracy (eq. 2, exact): ${pct(e.exact)}; mean field ${pct(e.meanField)}`
      : `test accuracy (eq. 2, ${e.sampled.map((s) => `${s.samples} draws: ${pct(s.accuracy)}`).join(', ')}); mean field ${pct(e.meanField)}`,
  ];
  return lines.join('\n') + '\n';
}

/** The eq. 14 layerwise path (greedy initialisation, then sweeps). */
function runEq14(
  be: Backend,
  w: number[],
  train: LabelledData,
  validation: LabelledData,
  test: LabelledData,
  values: Record<string, string | boolean | undefined>,
  ctx: { seed: number; precision: 'f64' | 'f32'; spec: DataSpec; out: string },
  write: (s: string) => void,
): void {
  const { seed, precision, spec, out } = ctx;
  const dataName = spec.name;
  const t0 = performance.now();
  const settings = {
    sweeps: intFlag('sweeps', values.sweeps, EQ14_DEFAULTS.sweeps, 0),
    pretrainEpochs: intFlag('pretrain-epochs', values['pretrain-epochs'], EQ14_DEFAULTS.pretrainEpochs, 0),
    epochsPerLayer: intFlag('epochs', values.epochs, EQ14_DEFAULTS.epochsPerLayer, 1),
    learningRate: numberFlag('lr', values.lr, EQ14_DEFAULTS.learningRate, 0),
    momentum: numberFlag('momentum', values.momentum, EQ14_DEFAULTS.momentum, 0, 0.999),
    batchSize: intFlag('batch', values.batch, EQ14_DEFAULTS.batchSize, 1),
    negative: choiceFlag('negative', values.negative, ['auto', 'cd', 'pcd', 'exact'] as const, 'auto'),
    evalSamples: intFlag('eval-samples', values['eval-samples'], EQ14_DEFAULTS.evalSamples, 1),
  };
  const N = w.length - 1;
  const progress = new Progress(settings.pretrainEpochs * N + settings.sweeps * N * settings.epochsPerLayer, {
    enabled: values.json !== true,
  });
  progress.note(`training [${w.join(', ')}] on ${dataName} (${train.x.rows} examples) by eq. 14, backend ${be.mode}`);
  const result = trainEq14(be, { train, validation, test }, w, settings, {
    spec,
    seed,
    precision,
    onProgress: (e) => {
      if (e.kind === 'layer') progress.tick(1, `sweep ${e.sweep} layer ${e.layer} epoch ${e.epoch}`);
      else
        progress.note(
          `sweep ${e.info.sweep}: held-out accuracy ${(100 * e.info.validationAccuracy).toFixed(1)}% (${e.info.seconds.toFixed(1)} s)`,
        );
    },
  });
  progress.finish();
  const { testAccuracy, evaluation } = result;
  const seconds = (performance.now() - t0) / 1000;
  writeModel(out, result.net, result.metadata);
  const report = { model: out, ...result.report };
  if (values.json === true) {
    write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  write(
    table(
      ['sweep', 'held-out accuracy', 'seconds'],
      result.history.map((h) => [h.sweep, `${(100 * h.validationAccuracy).toFixed(2)}%`, h.seconds.toFixed(1)]),
    ),
  );
  write(
    `\nkept sweep ${result.bestSweep}; test accuracy ${(100 * testAccuracy).toFixed(2)}% on ${test.x.rows} examples (mean field ${(100 * evaluation.meanField).toFixed(2)}%)\n`,
  );
  write(`wrote ${out} in ${seconds.toFixed(1)} s\n`);
}
