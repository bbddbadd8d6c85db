/**
 * Runs a fair-test grid as jobs on a pool of worker threads (or in this process
 * with `workers: 0`), resumable: finished jobs are read from the store in the
 * output directory and skipped; each job's result is appended as it finishes.
 * Victim jobs run first; a depth's arm jobs start as soon as its victim is done.
 */
import { join } from 'node:path';
import { createBackend } from '@rgdl/gpu-kernels';
import { assembleFairTest, type FairArmResult, type FairTestConfig, type FairTestResult } from '@rgdl/poison';
import type { AmplificationRow } from '@rgdl/fisher';
import { type FairGridSpec, fairJobs, gridData, type JobCache, type VictimPayload } from './fair-jobs.js';
import { type GridJob, needsOf, runGridJob } from './grid-job.js';
import { type MapGrid, mapJobs } from './map-jobs.js';
import { ResultStore } from './store.js';
import { QueueUnreachable, runOnQueue } from './queue.js';
import { UsageError } from '../errors.js';
import { queueSecret } from './queue-security.js';
import { ThreadPool } from './thread-pool.js';

export interface GridProgress {
  readonly done: number;
  readonly total: number;
  /** Jobs found finished in the store when the run began. */
  readonly resumed: number;
  readonly label: string;
}

export interface GridRunOptions {
  /** Worker threads (0: run in this process with the default backend); ignored with `queue`. */
  readonly workers: number;
  /** redis:// URL: run the jobs on BullMQ workers (`rgdl worker --queue URL`) instead. */
  readonly queue?: string;
  /** The queue's shared secret (default: queueSecret(), from RGDL_QUEUE_SECRET). */
  readonly secret?: Buffer;
  /** The store file (JSON Lines); absent: results are kept in memory only (nothing resumes). */
  readonly storePath?: string;
  readonly onProgress?: (p: GridProgress) => void;
  /** Stop after this many jobs have been computed (tests: a run cut short). */
  readonly stopAfter?: number;
}

export interface GridRunResult {
  readonly result: FairTestResult;
  readonly jobs: number;
  /** Jobs computed by this run (the rest came from the store). */
  readonly computed: number;
  readonly tornBytes: number;
  readonly seconds: number;
}

export class GridStopped extends Error {
  override readonly name = 'GridStopped';
}

/** What running a list of jobs left: the store (every result by hash) and counts. */
export interface JobsRun {
  readonly store: ResultStore;
  readonly jobs: number;
  readonly computed: number;
  readonly tornBytes: number;
}

/**
 * Runs jobs resumably: those already in the store are skipped; the rest run in
 * this process (`workers: 0`), on a thread pool, or on the queue, each once the
 * job it needs is stored; every result is appended to the store as it finishes.
 */
export async function runJobs(jobs: readonly GridJob[], options: GridRunOptions): Promise<JobsRun> {
  const store = new ResultStore(options.storePath);
  const pending = jobs.filter((j) => !store.has(j.hash));
  const resumed = jobs.length - pending.length;
  let done = resumed;
  let computed = 0;
  const report = (label: string) => options.onProgress?.({ done, total: jobs.length, resumed, label });
  report(resumed > 0 ? `resumed: ${resumed} of ${jobs.length} jobs already in the store` : 'starting');
  const ready = (j: GridJob) => {
    const needs = needsOf(j);
    return needs === undefined || store.has(needs);
  };
  const finish = (job: GridJob, result: unknown) => {
    store.put(job.hash, job.key, result);
    done++;
    computed++;
    report(job.key);
  };
  if (options.queue !== undefined) {
    await runOnQueue(options.queue, pending, (h) => store.get(h), finish, options.secret ?? queueSecret());
  } else if (options.workers === 0) {
    const be = await createBackend();
    const cache: JobCache = { victims: new Map() };
    try {
      const queue = [...pending];
      while (queue.length > 0) {
        if (options.stopAfter !== undefined && computed >= options.stopAfter)
          throw new GridStopped(`stopped after ${computed} jobs`);
        const k = queue.findIndex(ready);
        if (k < 0) throw new Error('grid jobs wait for a job that is not scheduled');
        const job = queue.splice(k, 1)[0]!;
        const needs = needsOf(job);
        finish(job, runGridJob(be, job, cache, needs === undefined ? undefined : store.get(needs)));
      }
    } finally {
      be.dispose();
    }
  } else {
    await runOnPool(pending, options, store, ready, finish, () => computed);
  }
  return { store, jobs: jobs.length, computed, tornBytes: store.tornBytes };
}

export async function runGrid(spec: FairGridSpec, options: GridRunOptions): Promise<GridRunResult> {
  const t0 = performance.now();
  const data = gridData(spec);
  const jobs = fairJobs(spec, data);
  const { store, computed, tornBytes } = await runJobs(jobs, options);
  const victims = jobs.filter((j) => j.kind === 'victim').map((j) => store.get<VictimPayload>(j.hash)!);
  const arms = jobs.filter((j) => j.kind === 'arm').map((j) => store.get<FairArmResult>(j.hash)!);
  const seconds = (performance.now() - t0) / 1000;
  const config = spec.config as FairTestConfig;
  return {
    result: assembleFairTest(config, data, victims, arms, seconds),
    jobs: jobs.length,
    computed,
    tornBytes,
    seconds,
  };
}

/** The amplification map as jobs (map-jobs.ts): its rows in grid order. */
export async function runMapGrid(
  grid: MapGrid,
  options: GridRunOptions,
): Promise<{ rows: AmplificationRow[]; jobs: number; computed: number; tornBytes: number; seconds: number }> {
  const t0 = performance.now();
  const jobs = mapJobs(grid);
  const { store, computed, tornBytes } = await runJobs(jobs, options);
  const rows = jobs.filter((j) => j.kind === 'map-cell').map((j) => store.get<AmplificationRow>(j.hash)!);
  return { rows, jobs: jobs.length, computed, tornBytes, seconds: (performance.now() - t0) / 1000 };
}

/** Runs jobs on a thread pool, each as soon as it is ready (once the job it needs is stored). */
async function runOnPool(
  pending: GridJob[],
  options: GridRunOptions,
  store: ResultStore,
  ready: (j: GridJob) => boolean,
  finish: (job: GridJob, result: unknown) => void,
  computed: () => number,
): Promise<void> {
  const pool = new ThreadPool(Math.max(1, Math.min(options.workers, pending.length || 1)));
  const queue = [...pending];
  const running = new Set<Promise<void>>();
  try {
    while (queue.length > 0 || running.size > 0) {
      while (running.size < pool.size) {
        if (options.stopAfter !== undefined && computed() + running.size >= options.stopAfter) break;
        const k = queue.findIndex(ready);
        if (k < 0) break; // waiting for a job it needs
        const job = queue.splice(k, 1)[0]!;
        const needs = needsOf(job);
        const p: Promise<void> = pool.run(job, needs === undefined ? undefined : store.get(needs)).then((result) => {
          running.delete(p);
          finish(job, result);
        });
        running.add(p);
      }
      if (running.size === 0) {
        if (options.stopAfter !== undefined && computed() >= options.stopAfter) {
          throw new GridStopped(`stopped after ${computed()} jobs`);
        }
        if (queue.length > 0) throw new Error('grid jobs wait for a victim that is not scheduled');
        break;
      }
      await Promise.race(running);
    }
  } finally {
    await pool.close();
  }
}

/** The store file of a grid run in `outDir`. */
export function storePathIn(outDir: string): string {
  return join(outDir, 'fair.jobs.jsonl');
}

/** A run's rows without their timings (which differ run to run): what two runs of one grid must agree on. */
export function timelessRows(r: GridRunResult): Omit<GridRunResult['result']['rows'][number], 'seconds'>[] {
  return r.result.rows.map(({ seconds: _s, ...x }) => x);
}

/** How an experiment runs its jobs: threads (0: this process) or a queue, the store in `out` (resumable). */
export interface ExperimentRunner {
  readonly workers?: number;
  readonly queue?: { readonly url: string; readonly secret: Buffer };
  readonly out?: string;
  readonly onProgress?: (p: GridProgress) => void;
}

/**
 * runJobs for an experiment's jobs, the store at `out/storeName`; an
 * unreachable queue is a usage error. @throws UsageError
 */
export async function runExperimentJobs(
  jobs: readonly GridJob[],
  runner: ExperimentRunner,
  storeName: string,
): Promise<JobsRun> {
  try {
    return await runJobs(jobs, {
      workers: runner.workers ?? 0,
      ...(runner.queue !== undefined ? { queue: runner.queue.url, secret: runner.queue.secret } : {}),
      ...(runner.out !== undefined ? { storePath: join(runner.out, storeName) } : {}),
      ...(runner.onProgress ? { onProgress: runner.onProgress } : {}),
    });
  } catch (error) {
    if (error instanceof QueueUnreachable) throw new UsageError(error.message);
    throw error;
  }
}
