import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEFENCES, summariseFairTest, type DefenceName, type FairTestConfig } from '@rgdl/poison';
import type { Command } from '../command.js';
import { DATA_HELP, DATA_OPTIONS, type DataSpec, loadDataset, parseDataFlags } from '../data.js';
import { QueueUnreachable, runnerFlags } from '../grid/queue.js';
import { type GridRunResult, runGrid, storePathIn } from '../grid/run-grid.js';
import type { CliIo } from '../io.js';
import { fairBudgetChart, fairCostChart, fairMarkdown } from './fair-report.js';
import { intFlag, requiredString } from '../flags.js';
import { ensureOutDir, writeOutputs } from '../output-files.js';
import { renderOutputs } from '../charts.js';
import { Progress } from '../progress.js';
import { UsageError } from '../usage-error.js';

export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'The fair test of the defences: every defence swept over its strength and compared with FIM at matched cost',
  usage: 'rgdl experiment --out DIR [--quick | --transfer] [--seeds N] [--seed S] [--json]',
  help: `Recipe victims of depth 1–3 (14×14 MNIST, 64 hidden units per hidden layer) are
trained on the 'train' split and attacked through defended services
(${DEFENCES.join(', ')}) with the attacker's own queries (the 'attacker' split, or
synthetic out-of-distribution queries); clones are scored on the 'test' split.
Every defence is swept over its own strength and compared with FIM at the same
defender cost (mean ‖δy‖₁); seeds are paired (same victim, queries and clone start
across defences) and differences carry 95% intervals; a claim is printed only
where its interval excludes 0. Beside them: the labels-only bound, adaptive
misinformation against the OOD attacker, and clone accuracy against query budget.

Grids:
  (default)   depths 1–3, 10 paired seeds, budgets 100/300/1,000 (and 3,000 OOD
              queries); attackers softmax and MLP on soft answers and on labels,
              eq. 14, adaptive, OOD (costly attackers at 1,000 queries, on the arms listed
              in FAIR_DEFAULT.attackerArms); 16 min on 2 cores (2 workers)
  --quick     depth 2, 4 seeds, budgets 200/800, small splits (about 1 min)
  --transfer  depths 2–3, ε = 0.2, none/fim/random-class/random-query, the eq. 14
              attacker with 1,500 queries, 3 seeds, plus its first-layer weight error
              and adversarial inputs from each clone's classification FIM
              (pixel-space norm 1.5, 100 test digits) tried on the victim

Jobs (one per victim, one per depth × defence × strength) run on a pool of worker
threads; each result is appended to fair.jobs.jsonl in DIR as it finishes, keyed
by the hash of its inputs, so a run that is stopped or killed resumes where it
left off, and a changed grid recomputes only the jobs whose inputs changed.

Writes fair.json (grid, every row, the summary), fair.md (tables and the verdict)
and SVG curves: clone accuracy against defender cost (labels-only clone as a line)
and against query budget, per depth and attacker.

Options:
  --out DIR      output directory (required)
  --quick        the small grid
  --transfer     the adversarial-transfer grid
  --seeds N      number of seeds (overrides the grid's; at least 2 for intervals)
  --seed S       first seed (seeds S, S+1, …)                          (1)
  --workers N    worker threads, each with a single-threaded backend; 0 runs
                 in this process                              (all cores)
  --grid FILE    a JSON object of grid fields replacing the chosen grid's
                 (depths, arms, attackers, budgets, costlyBudgets, attackerArms,
                 seeds, testExamples, victimExamples, victimFineTuneEpochs,
                 hidden, fisher, transfer)
  --queue URL    put the jobs on a Redis queue (redis:// or rediss://host:port)
                 for 'rgdl worker --queue URL' processes on any machines; a second
                 experiment on the same grid attaches to the same jobs. Jobs and
                 results are signed with a secret shared with the workers:
  --secret-file F  the queue's secret (≥ 16 bytes; default RGDL_QUEUE_SECRET)
  --json         print the summary as JSON
  --fair         accepted for old scripts: the fair test is the only grid
${DATA_HELP}
                 (default: 14×14 MNIST; the attacker's pool is the attacker split,
                 and the OOD attacker runs only on square images)
`,
  options: {
    out: { type: 'string' },
    quick: { type: 'boolean' },
    transfer: { type: 'boolean' },
    fair: { type: 'boolean' },
    seeds: { type: 'string' },
    workers: { type: 'string' },
    queue: { type: 'string' },
    'secret-file': { type: 'string' },
    grid: { type: 'string' },
    ...DATA_OPTIONS,
  },
  async run({ values }, io) {
    const out = requiredString('out', values.out);
    if (values.quick === true && values.transfer === true) throw new UsageError('choose one of --quick and --transfer');
    await runFair(values, out, io);
  },
};
export type { DefenceName };

/** The fair test's small grid (61.5 s here on 2 workers). */
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

/**
 * The fair test's default grid (depths 1–3, 10 paired seeds, budgets 100–3,000).
 * Cells are cut to keep it within 30 min here (941 s on 2 workers; never seeds): the costly attackers
 * run at 1,000 queries on the arms listed in `attackerArms`, the OOD attacker on
 * the arms it judges (none, adaptive misinformation, fim).
 */
export const FAIR_DEFAULT: FairTestConfig = {
  depths: [1, 2, 3],
  arms: [
    { defence: 'none', strengths: [0] },
    { defence: 'fim', strengths: [0.1, 0.2, 0.3] },
    { defence: 'fim-min', strengths: [0.1, 0.45] },
    { defence: 'random-class', strengths: [0.1, 0.3, 0.45] },
    { defence: 'random-query', strengths: [0.45] },
    { defence: 'mad-argmax', strengths: [0.1, 0.5] },
    // β with γ = 0.1: costs that bracket FIM's
    { defence: 'reverse-sigmoid', strengths: [0.1, 0.25] },
    { defence: 'adaptive-misinformation', strengths: [0.05] },
    { defence: 'top1', strengths: [0] },
  ],
  attackers: ['softmax', 'softmax-labels', 'mlp', 'mlp-labels', 'eq14', 'adaptive', 'ood'],
  // natural queries stop at the attacker split's 1,998; the OOD attacker reaches 3,000
  budgets: [100, 300, 1000, 3000],
  costlyBudgets: [1000],
  attackerArms: {
    mlp: ['none', 'fim', 'random-class', 'mad-argmax'],
    'mlp-labels': ['none'],
    eq14: ['none', 'fim', 'fim-min', 'random-class'],
    adaptive: ['none', 'fim', 'random-class', 'mad-argmax', 'reverse-sigmoid', 'top1'],
    ood: ['none', 'fim', 'adaptive-misinformation'],
  },
  seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  testExamples: 1000,
};

/** The adversarial-transfer grid: the eq. 14 attacker's clones, their weight error and transfer to the victim. */
export const FAIR_TRANSFER: FairTestConfig = {
  depths: [2, 3],
  arms: [
    { defence: 'none', strengths: [0] },
    { defence: 'fim', strengths: [0.2] },
    { defence: 'random-class', strengths: [0.2] },
    { defence: 'random-query', strengths: [0.2] },
  ],
  attackers: ['eq14'],
  budgets: [1500],
  seeds: [1, 2, 3],
  testExamples: 1000,
  transfer: { inputs: 100, epsilon: 1.5 },
};

async function runFair(values: Record<string, string | boolean | undefined>, out: string, io: CliIo): Promise<void> {
  const chosen = values.quick === true ? FAIR_QUICK : values.transfer === true ? FAIR_TRANSFER : FAIR_DEFAULT;
  const base: FairTestConfig = values.grid === undefined ? chosen : { ...chosen, ...readGridFile(String(values.grid)) };
  const nSeeds = values.seeds === undefined ? base.seeds.length : intFlag('seeds', values.seeds, 1, 2);
  const firstSeed = intFlag('seed', values.seed, 1);
  ensureOutDir(out);
  const runner = runnerFlags(values, availableParallelism());
  const { workers } = runner;
  let dataSpec: DataSpec | undefined;
  let attackers = base.attackers;
  if (values.data !== undefined) {
    dataSpec = parseDataFlags(values);
    const cols = loadDataset(dataSpec, 'train').x.cols;
    const side = Math.round(Math.sqrt(cols));
    if (side * side !== cols && base.attackers.includes('ood')) {
      io.err(`note: ${cols} inputs are not a square image; the OOD attacker is left out\n`);
      attackers = base.attackers.filter((a) => a !== 'ood');
    }
  }
  const { onProgress: _drop, data: _none, ...baseConfig } = base;
  const gridConfig = {
    ...baseConfig,
    attackers,
    seeds:
      values.seeds === undefined && values.seed === undefined
        ? [...base.seeds]
        : Array.from({ length: nSeeds }, (_, i) => firstSeed + i),
  };
  const progress = new Progress(1, { enabled: values.json !== true });
  let run: GridRunResult;
  try {
    run = await runGrid(
      { config: gridConfig, ...(dataSpec ? { data: dataSpec } : {}) },
      {
        workers,
        ...(runner.queue !== undefined ? { queue: runner.queue, secret: runner.secret! } : {}),
        storePath: storePathIn(out),
        onProgress: (p) => progress.update(p.done, p.total, `${p.done}/${p.total} jobs ${p.label}`),
      },
    );
  } catch (error) {
    if (error instanceof RangeError || error instanceof QueueUnreachable) throw new UsageError(error.message);
    throw error;
  }
  progress.finish();
  if (run.tornBytes > 0)
    io.err(`note: a torn last line (${run.tornBytes} bytes) in ${storePathIn(out)} was cut off and its job rerun\n`);
  {
    const result = run.result;
    const config: FairTestConfig = gridConfig;
    const summary = summariseFairTest(result, config);
    // the data set by name (never its contents), and how the jobs ran
    const grid = {
      ...gridConfig,
      data: values.data ?? 'mnist 14×14',
      workers,
      jobs: run.jobs,
      jobsComputed: run.computed,
    };
    const md = fairMarkdown(result, summary, grid);
    const natural = config.budgets.filter((b) => b <= 1998);
    const top = natural[natural.length - 1] ?? config.budgets[0]!;
    const plots = config.depths.flatMap((depth) =>
      config.attackers
        .filter((a) => !a.endsWith('-labels'))
        .flatMap((attacker) => [
          {
            path: join(out, `fair-cost-d${depth}-${attacker}.svg`),
            chart: fairCostChart(summary, depth, attacker, attacker === 'ood' ? Math.max(...config.budgets) : top),
          },
          {
            path: join(out, `fair-budget-d${depth}-${attacker}.svg`),
            chart: fairBudgetChart(summary, depth, attacker),
          },
        ]),
    );
    writeOutputs(
      await renderOutputs([
        { path: join(out, 'fair.json'), text: JSON.stringify({ grid, result, summary }, null, 1) + '\n' },
        { path: join(out, 'fair.md'), text: md },
        ...plots,
      ]),
    );
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
  }
}

const GRID_FIELDS = [
  'depths',
  'arms',
  'attackers',
  'budgets',
  'costlyBudgets',
  'attackerArms',
  'seeds',
  'testExamples',
  'victimExamples',
  'victimFineTuneEpochs',
  'hidden',
  'fisher',
  'transfer',
] as const;

/** A --grid file: known fields only, arrays where arrays belong. @throws UsageError */
function readGridFile(path: string): Partial<FairTestConfig> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--grid ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`--grid ${path} must hold a JSON object`);
  const o = parsed as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(GRID_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new UsageError(`--grid ${path}: unknown field ${unknown.join(', ')} (known: ${GRID_FIELDS.join(', ')})`);
  for (const k of ['depths', 'arms', 'attackers', 'budgets', 'seeds'] as const) {
    if (k in o && (!Array.isArray(o[k]) || (o[k] as unknown[]).length === 0)) {
      throw new UsageError(`--grid ${path}: ${k} must be a non-empty array`);
    }
  }
  return o as Partial<FairTestConfig>;
}
