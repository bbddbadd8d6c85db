/**
 * The fair test as one call: a named grid (presets.ts) with the caller's
 * overrides, run as a job graph (grid/run-grid.ts: in process, on threads or on
 * a Redis queue, resumed from the store in the output directory), summarised
 * (poison's summariseFairTest) and turned into report files: fair.json, fair.md
 * and the cost and budget curves per depth and attacker.
 */
import { join } from 'node:path';
import { readRegularFileText } from '@rgdl/rbm';
import {
  oodAttacker,
  summariseFairTest,
  type FairSummary,
  type FairTestConfig,
  type FairTestResult,
} from '@rgdl/poison';
import { type DataSpec, loadDataset } from './data.js';
import { UsageError } from './errors.js';
import { FAIR_GRIDS, GRID_FIELDS, type FairGridName } from './presets.js';
import { QueueUnreachable } from './grid/queue.js';
import { type GridProgress, type GridRunResult, runGrid, storePathIn } from './grid/run-grid.js';
import type { OutputEntry } from './reports/charts.js';
import { fairBudgetChart, fairCostChart, fairMarkdown } from './reports/fair-report.js';

/** The largest --grid file read. */
const GRID_FILE_LIMIT_BYTES = 1 << 20;

export interface FairExperimentOptions {
  /** The named grid (default 'default'). */
  readonly grid?: FairGridName;
  /** Fields replacing the named grid's (a --grid file, readGridFile). */
  readonly overrides?: Partial<FairTestConfig>;
  /** Paired seeds replacing the grid's. */
  readonly seeds?: readonly number[];
  /** Own data (the attacker's pool is its attacker split); absent: 14×14 MNIST. */
  readonly data?: DataSpec;
  /** How the data is named in the report (never its contents). */
  readonly dataLabel?: string;
  /** Output directory: the store (fair.jobs.jsonl) lives there and the report files' paths point there. */
  readonly out: string;
  readonly workers: number;
  readonly queue?: { readonly url: string; readonly secret: Buffer };
  readonly onProgress?: (p: GridProgress) => void;
  /** Notes for the user (an attacker left out, a torn store line cut). */
  readonly onNote?: (message: string) => void;
}

export interface FairExperiment {
  readonly run: GridRunResult;
  readonly config: FairTestConfig;
  readonly summary: FairSummary;
  /** The grid as recorded in fair.json: its fields, the data's name, how the jobs ran. */
  readonly grid: Record<string, unknown>;
  readonly markdown: string;
  /** fair.json, fair.md and the SVG curves, for renderOutputs → writeOutputs. */
  readonly files: readonly OutputEntry[];
  readonly plots: number;
}

/**
 * Said when a natural-query budget is more than half the attacker split: every
 * seed then draws mostly the same queries, so the paired intervals measure the
 * clones' training noise and not which queries an attacker happens to ask.
 */
export function sharedQueriesNote(pool: number, budgets: readonly number[]): string {
  return `at budget${budgets.length > 1 ? 's' : ''} ${budgets.join(', ')} each seed draws more than half of the ${pool} attacker inputs, so the seeds share most of their queries: the intervals there cover the clones' training noise, not the choice of queries (a larger attacker share, --fractions, gives seeds of their own)`;
}

/** Budgets above this are synthetic (OOD) query counts, not bounded by the attacker split. */
const NATURAL_BUDGET_LIMIT = 1998;

/**
 * Runs the fair test and shapes its report. The OOD attacker needs square
 * images: on own data that is not, it is left out (with a note).
 * @throws UsageError for an impossible grid or an unreachable queue
 */
export async function runFairExperiment(options: FairExperimentOptions): Promise<FairExperiment> {
  const chosen = FAIR_GRIDS[options.grid ?? 'default'];
  const base: FairTestConfig = { ...chosen, ...options.overrides };
  let attackers = base.attackers;
  if (options.data !== undefined) {
    const cols = loadDataset(options.data, 'train').x.cols;
    const side = Math.round(Math.sqrt(cols));
    if (side * side !== cols && base.attackers.some((a) => oodAttacker(a) !== undefined)) {
      options.onNote?.(`${cols} inputs are not a square image; the attackers on OOD queries are left out`);
      attackers = base.attackers.filter((a) => oodAttacker(a) === undefined);
    }
  }
  let budgets = base.budgets;
  let costlyBudgets = base.costlyBudgets;
  if (options.data !== undefined) {
    // natural-query attackers cannot ask more than the attacker split holds: a budget above it becomes the whole split
    const pool = loadDataset(options.data, 'attacker').x.rows;
    const fit = (list: readonly number[]) =>
      [...new Set(list.map((b) => (b > pool && b <= NATURAL_BUDGET_LIMIT ? pool : b)))].sort((a, b) => a - b);
    const over = base.budgets.filter((b) => b > pool && b <= NATURAL_BUDGET_LIMIT);
    if (over.length > 0) {
      budgets = fit(base.budgets);
      if (costlyBudgets) costlyBudgets = fit(costlyBudgets);
      options.onNote?.(
        `the attacker split has ${pool} inputs: budget${over.length > 1 ? 's' : ''} ${over.join(', ')} shrunk to ${pool} (budgets ${budgets.join(', ')})`,
      );
    }
    const shared = budgets.filter((b) => b > pool / 2 && b <= NATURAL_BUDGET_LIMIT);
    if (shared.length > 0) options.onNote?.(sharedQueriesNote(pool, shared));
  }
  const { onProgress: _drop, data: _none, ...baseConfig } = base;
  const config = {
    ...baseConfig,
    budgets,
    ...(costlyBudgets ? { costlyBudgets } : {}),
    attackers,
    seeds: [...(options.seeds ?? base.seeds)],
  };
  let run: GridRunResult;
  try {
    run = await runGrid(
      { config, ...(options.data ? { data: options.data } : {}) },
      {
        workers: options.workers,
        ...(options.queue !== undefined ? { queue: options.queue.url, secret: options.queue.secret } : {}),
        storePath: storePathIn(options.out),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
    );
  } catch (error) {
    if (error instanceof RangeError || error instanceof QueueUnreachable) throw new UsageError(error.message);
    throw error;
  }
  if (run.tornBytes > 0)
    options.onNote?.(
      `a torn last line (${run.tornBytes} bytes) in ${storePathIn(options.out)} was cut off and its job rerun`,
    );
  const result: FairTestResult = run.result;
  const summary = summariseFairTest(result, config);
  const grid = {
    ...config,
    data: options.dataLabel ?? 'mnist 14×14',
    workers: options.workers,
    jobs: run.jobs,
    jobsComputed: run.computed,
  };
  const markdown = fairMarkdown(result, summary, grid);
  const plots = fairPlots(options.out, config, summary);
  return {
    run,
    config,
    summary,
    grid,
    markdown,
    plots: plots.length,
    files: [
      { path: join(options.out, 'fair.json'), text: JSON.stringify({ grid, result, summary }, null, 1) + '\n' },
      { path: join(options.out, 'fair.md'), text: markdown },
      ...plots,
    ],
  };
}

/** Clone accuracy against cost (at the largest natural budget; OOD at its largest) and against budget, per depth and attacker. */
function fairPlots(out: string, config: FairTestConfig, summary: FairSummary): OutputEntry[] {
  const natural = config.budgets.filter((b) => b <= 1998);
  const top = natural[natural.length - 1] ?? config.budgets[0]!;
  return config.depths.flatMap((depth) =>
    config.attackers
      .filter((a) => !a.endsWith('-labels'))
      .flatMap((attacker) => [
        {
          path: join(out, `fair-cost-d${depth}-${attacker}.svg`),
          chart: fairCostChart(
            summary,
            depth,
            attacker,
            oodAttacker(attacker) !== undefined ? Math.max(...config.budgets) : top,
          ),
        },
        {
          path: join(out, `fair-budget-d${depth}-${attacker}.svg`),
          chart: fairBudgetChart(summary, depth, attacker),
        },
      ]),
  );
}

/**
 * A --grid file: a regular file of at most 1 MiB holding a JSON object of known
 * fields, arrays where arrays belong. @throws UsageError
 */
export function readGridFile(path: string): Partial<FairTestConfig> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readRegularFileText(path, GRID_FILE_LIMIT_BYTES, 'grid file'));
  } catch (error) {
    throw new UsageError(
      error instanceof SyntaxError ? `--grid ${path}: not JSON` : `--grid ${path}: ${(error as Error).message}`,
    );
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
