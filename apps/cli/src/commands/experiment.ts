import { join } from 'node:path';
import { createBackend } from '@rgdl/gpu-kernels';
import {
  runFairTest,
  summariseFairTest,
  type FairTestConfig,
  DEFENCES,
  runExperiment,
  summarise,
  summaryMarkdown,
  summarySvg,
  type AttackerName,
  type DefenceName,
  type ExperimentConfig,
} from '@rgdl/poison';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { fairBudgetSvg, fairCostSvg, fairMarkdown } from './fair-report.js';
import { intFlag, requiredString } from '../flags.js';
import { ensureOutDir, writeOutputs } from '../output-files.js';
import { Progress } from '../progress.js';
import { UsageError } from '../usage-error.js';

const ATTACKERS: readonly AttackerName[] = ['eq14', 'softmax', 'mlp', 'softmax-averaging'];

export const QUICK_GRID: ExperimentConfig = {
  depths: [1, 2],
  hidden: 32,
  epsilons: [0.2],
  defences: ['none', 'fim', 'random-class', 'random-query', 'top1'],
  attackers: ['softmax', 'eq14'],
  seeds: [1, 2],
  victimExamples: 1500,
  attackerQueries: 800,
  testExamples: 400,
  pretrainEpochs: 5,
  victimFineTuneEpochs: 25,
};

export const TRANSFER_GRID: ExperimentConfig = {
  depths: [2, 3],
  hidden: 64,
  epsilons: [0.2],
  defences: ['none', 'fim', 'random-class', 'random-query'],
  attackers: ['eq14'],
  seeds: [1, 2, 3],
  victimExamples: 3000,
  attackerQueries: 1500,
  testExamples: 1000,
  pretrainEpochs: 5,
  transfer: { inputs: 100, epsilon: 1.5 },
};

export const DEFAULT_GRID: ExperimentConfig = {
  depths: [1, 2, 3, 4],
  hidden: 64,
  epsilons: [0.05, 0.1, 0.2],
  defences: DEFENCES,
  attackers: ATTACKERS,
  seeds: [1, 2, 3, 4, 5],
  victimExamples: 3000,
  attackerQueries: 1500,
  testExamples: 1000,
  pretrainEpochs: 5,
};

export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'Run the depth × ε poisoning/cloning grid (defences, attackers, seeds) and write JSON, Markdown and SVG',
  usage: 'rgdl experiment --out DIR [--quick | --transfer] [--seeds N] [--json]',
  help: `Victims of depth N = 1…4 (14×14 MNIST, ${DEFAULT_GRID.hidden} hidden units per layer) are trained on the
'train' split. Each defence (${DEFENCES.join(', ')}) answers the attacker's
own queries (the 'attacker' split); each attacker (${ATTACKERS.join(', ')}) trains a
clone; clones and defender utility are scored on the 'test' split.

Default grid: depths 1–4, ε ∈ {0.05, 0.1, 0.2}, all defences and attackers, 5 seeds
(≈30 min on 2 cores). --quick: depths 1–2, ε = 0.2, none/fim/random-class/random-query/top1, softmax
and eq14 attackers, 2 seeds, small splits (≈1 min). --transfer: depths 2–3, ε = 0.2,
none/fim/random-class/random-query, the eq14 attacker, 3 seeds, plus adversarial inputs from each
clone's classification FIM (pixel-space norm 1.5, 100 test digits) tried on the victim.

Options:
  --out DIR      directory for experiment.json, experiment.md, clone-vs-utility-*.svg (required)
  --quick        the small grid
  --transfer     the adversarial-transfer grid
  --fair         the fair test (with --quick: its small grid): every defence swept
                 over its strength and compared with FIM at matched cost (paired
                 95% intervals), the labels-only bound, MAD, adaptive
                 misinformation against an OOD attacker, query budgets; writes
                 fair.json, fair.md and SVG curves
  --seeds N      number of seeds (overrides the grid's)
  --seed S       first seed (seeds S, S+1, …)                          (1)
  --json         print the summary as JSON
`,
  options: {
    out: { type: 'string' },
    quick: { type: 'boolean' },
    transfer: { type: 'boolean' },
    fair: { type: 'boolean' },
    seeds: { type: 'string' },
  },
  async run({ values }, io) {
    const out = requiredString('out', values.out);
    if (values.fair === true) {
      if (values.transfer === true) throw new UsageError('choose one of --fair and --transfer');
      await runFair(values, out, io);
      return;
    }
    if (values.quick === true && values.transfer === true) throw new UsageError('choose one of --quick and --transfer');
    const base = values.quick === true ? QUICK_GRID : values.transfer === true ? TRANSFER_GRID : DEFAULT_GRID;
    const nSeeds = values.seeds === undefined ? base.seeds.length : intFlag('seeds', values.seeds, 1, 1);
    const firstSeed = intFlag('seed', values.seed, 1);
    ensureOutDir(out);
    const t0 = performance.now();
    const be = await createBackend();
    try {
      const progress = new Progress(1, { enabled: values.json !== true });
      const config: ExperimentConfig = {
        ...base,
        seeds: Array.from({ length: nSeeds }, (_, i) => firstSeed + i),
        onProgress: (done, total, label) => progress.update(done, total, `${done}/${total} ${label}`),
      };
      const rows = runExperiment(be, config);
      progress.finish();
      const summary = summarise(rows);
      const seconds = (performance.now() - t0) / 1000;
      const { onProgress: _omit, ...grid } = config;
      const md = `# Poisoning vs cloning experiment\n\nGrid: ${JSON.stringify(grid)}\n\nWall time ${seconds.toFixed(0)} s. Mean ± std over ${nSeeds} seeds.\n\n${summaryMarkdown(summary)}`;
      writeOutputs([
        { path: join(out, 'experiment.json'), text: JSON.stringify({ grid, seconds, rows, summary }, null, 1) + '\n' },
        { path: join(out, 'experiment.md'), text: md },
        ...config.attackers.map((attacker) => ({
          path: join(out, `clone-vs-utility-${attacker}.svg`),
          text: summarySvg(summary, attacker),
        })),
      ]);
      if (values.json === true) {
        io.out(JSON.stringify({ seconds, summary }, null, 2) + '\n');
        return;
      }
      io.out(`${md}\nwrote ${out}/experiment.{json,md} and ${config.attackers.length} SVG plots\n`);
    } finally {
      be.dispose();
    }
  },
};
export type { DefenceName };

/** The fair test's small grid (about 2 min here). */
export const FAIR_QUICK: FairTestConfig = {
  depths: [2],
  arms: [
    { defence: 'none', strengths: [0] },
    { defence: 'fim', strengths: [0.1, 0.2] },
    // the controls' sweeps reach past FIM's cost, so every FIM point can be matched
    { defence: 'fim-min', strengths: [0.1, 0.3] },
    { defence: 'random-class', strengths: [0.1, 0.3] },
    { defence: 'mad-argmax', strengths: [0.1, 0.4] },
    { defence: 'adaptive-misinformation', strengths: [0.05] },
    { defence: 'top1', strengths: [0] },
  ],
  attackers: ['softmax', 'softmax-labels', 'adaptive', 'ood'],
  budgets: [200, 800],
  seeds: [1, 2, 3, 4],
  testExamples: 400,
  victimFineTuneEpochs: 15,
  fisher: { samples: 1000, pool: 2048, batches: 4 },
};

/** The fair test's default grid (depths 1–3, 10 paired seeds, budgets 100–3,000; ≈30 min here). */
export const FAIR_DEFAULT: FairTestConfig = {
  depths: [1, 2, 3],
  arms: [
    { defence: 'none', strengths: [0] },
    { defence: 'fim', strengths: [0.1, 0.2, 0.3] },
    { defence: 'fim-min', strengths: [0.1, 0.45] },
    { defence: 'random-class', strengths: [0.1, 0.2, 0.3, 0.45] },
    { defence: 'random-query', strengths: [0.45] },
    { defence: 'mad-argmax', strengths: [0.1, 0.5] },
    { defence: 'reverse-sigmoid', strengths: [0.5] },
    { defence: 'adaptive-misinformation', strengths: [0.05] },
    { defence: 'top1', strengths: [0] },
  ],
  attackers: ['softmax', 'softmax-labels', 'mlp', 'mlp-labels', 'adaptive', 'ood'],
  // natural queries stop at the attacker split's 1,998; the OOD attacker reaches 3,000
  budgets: [100, 300, 1000, 3000],
  costlyBudgets: [1000],
  seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  testExamples: 1000,
};

async function runFair(values: Record<string, string | boolean | undefined>, out: string, io: CliIo): Promise<void> {
  const base = values.quick === true ? FAIR_QUICK : FAIR_DEFAULT;
  const nSeeds = values.seeds === undefined ? base.seeds.length : intFlag('seeds', values.seeds, 1, 2);
  const firstSeed = intFlag('seed', values.seed, 1);
  ensureOutDir(out);
  const be = await createBackend();
  try {
    const progress = new Progress(1, { enabled: values.json !== true });
    const config: FairTestConfig = {
      ...base,
      seeds: Array.from({ length: nSeeds }, (_, i) => firstSeed + i),
      onProgress: (done, total, label) => progress.update(done, total, `${done}/${total} ${label}`),
    };
    const result = runFairTest(be, config);
    progress.finish();
    const summary = summariseFairTest(result, config);
    const { onProgress: _omit, ...grid } = config;
    const md = fairMarkdown(result, summary, grid);
    const natural = config.budgets.filter((b) => b <= 1998);
    const top = natural[natural.length - 1] ?? config.budgets[0]!;
    const plots = config.depths.flatMap((depth) =>
      config.attackers
        .filter((a) => !a.endsWith('-labels'))
        .flatMap((attacker) => [
          {
            path: join(out, `fair-cost-d${depth}-${attacker}.svg`),
            text: fairCostSvg(summary, depth, attacker, attacker === 'ood' ? Math.max(...config.budgets) : top),
          },
          { path: join(out, `fair-budget-d${depth}-${attacker}.svg`), text: fairBudgetSvg(summary, depth, attacker) },
        ]),
    );
    writeOutputs([
      { path: join(out, 'fair.json'), text: JSON.stringify({ grid, result, summary }, null, 1) + '\n' },
      { path: join(out, 'fair.md'), text: md },
      ...plots,
    ]);
    if (values.json === true) {
      io.out(
        JSON.stringify(
          { seconds: result.seconds, victims: result.victims, summary: { ...summary, curves: undefined } },
          null,
          2,
        ) + '\n',
      );
      return;
    }
    io.out(`${md}\nwrote ${out}/fair.{json,md} and ${plots.length} SVG plots\n`);
  } finally {
    be.dispose();
  }
}
