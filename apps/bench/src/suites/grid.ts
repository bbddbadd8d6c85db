/**
 * Grid suite: `rgdl experiment` run as jobs (separate processes, as users run
 * it) on the same grids with 1 local worker thread, 2 local worker threads, and
 * 2 `rgdl worker` processes on a Redis queue (BullMQ; Debian's redis-server
 * started for the run, skipped with a note when it is missing). Each run starts
 * from an empty store. Reported: wall time, jobs, the sum of the jobs' own
 * seconds (from the rows), the speed-up of 2 workers over 1, and the queue's
 * overhead per job against the 2-thread pool.
 */
import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { redisMissing, startRedis, type TestRedis } from '@rgdl/vitest-config/redis';

export interface GridRun {
  readonly grid: string;
  readonly mode: '1 local worker' | '2 local workers' | '2 queue workers';
  readonly wallSeconds: number;
  readonly jobs: number;
  /** Σ over rows of the clone's own seconds (attacks only; victims and answers excluded). */
  readonly attackSeconds: number;
}

export interface GridSuiteResult {
  readonly runs: GridRun[];
  readonly redis: string;
  readonly grids: Record<string, unknown>;
}

const cliMain = () => fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));
const tsxArgs = () => ['--import', 'tsx', '--conditions=@rgdl/source', cliMain()];

/**
 * The medium grid, as `--grid` overrides of the quick grid (`--quick`): depths 1–2,
 * 6 seeds, two budgets and the MLP attacker; the quick grid's arms, victims and FIM.
 */
export const MEDIUM_GRID = {
  depths: [1, 2],
  attackers: ['softmax', 'softmax-labels', 'mlp', 'adaptive', 'ood'],
  budgets: [300, 1000],
  costlyBudgets: [1000],
  seeds: [1, 2, 3, 4, 5, 6],
  testExamples: 500,
};

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsxArgs(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`rgdl ${args.join(' ')}: exit ${code}\n${err}`)),
    );
  });
}

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...tsxArgs(), 'worker', '--queue', url, '--concurrency', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('"event":"ready"')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`rgdl worker exited (${code})`)));
  });
}

/** Debian's redis-server for the queue runs, or why they are skipped. */
async function queueRedis(): Promise<TestRedis | string> {
  // the coordinator and its workers (child processes) share the queue's secret
  process.env.RGDL_QUEUE_SECRET ??= randomBytes(24).toString('hex');
  const missing = redisMissing();
  return missing === null ? startRedis() : `${missing}: queue runs skipped`;
}

export async function runGridSuite(options: { quick: boolean; log: (l: string) => void }): Promise<GridSuiteResult> {
  const work = mkdtempSync(join(tmpdir(), 'rgdl-bench-grid-'));
  const mediumFile = join(work, 'medium.json');
  writeFileSync(mediumFile, JSON.stringify(MEDIUM_GRID));
  const grids: [string, string[]][] = [['quick', ['--quick']]];
  if (!options.quick) grids.push(['medium', ['--quick', '--grid', mediumFile]]);
  const redis = await queueRedis();
  const runs: GridRun[] = [];
  try {
    for (const [name, flags] of grids) {
      const modes: [GridRun['mode'], string[]][] = [
        ['1 local worker', ['--workers', '1']],
        ['2 local workers', ['--workers', '2']],
      ];
      if (typeof redis !== 'string') modes.push(['2 queue workers', ['--queue', redis.url]]);
      for (const [mode, extra] of modes) {
        const out = join(work, `${name}-${mode.replace(/ /g, '-')}`);
        const workers =
          mode === '2 queue workers' && typeof redis !== 'string'
            ? await Promise.all([startWorker(redis.url), startWorker(redis.url)])
            : [];
        try {
          if (typeof redis !== 'string' && mode === '2 queue workers')
            spawnSync('redis-cli', ['-u', redis.url, 'FLUSHALL']);
          const t0 = performance.now();
          await run(['experiment', ...flags, ...extra, '--out', out, '--json']);
          const wallSeconds = (performance.now() - t0) / 1000;
          const saved = JSON.parse(readFileSync(join(out, 'fair.json'), 'utf8')) as {
            grid: { jobs: number };
            result: { rows: { seconds: number }[] };
          };
          const r: GridRun = {
            grid: name,
            mode,
            wallSeconds,
            jobs: saved.grid.jobs,
            attackSeconds: saved.result.rows.reduce((a, x) => a + x.seconds, 0),
          };
          runs.push(r);
          options.log(`${name}, ${mode}: ${wallSeconds.toFixed(1)} s wall, ${r.jobs} jobs`);
        } finally {
          for (const w of workers) w.kill('SIGTERM');
        }
      }
    }
  } finally {
    if (typeof redis !== 'string') await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return {
    runs,
    redis: typeof redis === 'string' ? redis : 'redis-server (Debian) on 127.0.0.1',
    grids: { medium: MEDIUM_GRID },
  };
}

export function gridMarkdown(r: GridSuiteResult): string {
  const lines = [
    `Each run from an empty store; ${r.redis}. Speed-up: 1-worker wall ÷ this wall. Queue overhead per job: (queue wall − 2-local-worker wall) ÷ jobs, and as a share of the mean job (2-local-worker wall × 2 ÷ jobs).`,
    '',
    '| grid | mode | jobs | wall s | speed-up | queue overhead per job |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const x of r.runs) {
    const one = r.runs.find((y) => y.grid === x.grid && y.mode === '1 local worker');
    const two = r.runs.find((y) => y.grid === x.grid && y.mode === '2 local workers');
    const overhead =
      x.mode === '2 queue workers' && two
        ? `${((x.wallSeconds - two.wallSeconds) / x.jobs).toFixed(2)} s (${((100 * (x.wallSeconds - two.wallSeconds)) / (2 * two.wallSeconds)).toFixed(1)}% of a mean job)`
        : '—';
    lines.push(
      `| ${x.grid} | ${x.mode} | ${x.jobs} | ${x.wallSeconds.toFixed(1)} | ${one ? (one.wallSeconds / x.wallSeconds).toFixed(2) : '—'}× | ${overhead} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
