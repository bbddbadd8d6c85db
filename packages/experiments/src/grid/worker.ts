/**
 * A pool worker (worker_threads): runs fair-test jobs with a single-threaded
 * backend, so the pool, not the linear algebra, owns the cores.
 */
import { parentPort } from 'node:worker_threads';
import { createBackend } from '@rgdl/gpu-kernels';
import type { JobCache } from './fair-jobs.js';
import { type GridJob, runGridJob } from './grid-job.js';

export interface WorkerRequest {
  readonly id: number;
  readonly job: GridJob;
  /** The result of the job this one needs, if any. */
  readonly dependency?: unknown;
}

export type WorkerReply =
  | { readonly id: number; readonly result: unknown; readonly seconds: number }
  | { readonly id: number; readonly error: string };

const be = await createBackend({ threads: 1 });
const cache: JobCache = { victims: new Map() };
parentPort!.on('message', (m: WorkerRequest | 'exit') => {
  if (m === 'exit') {
    be.dispose();
    parentPort!.close();
    return;
  }
  const t0 = performance.now();
  try {
    const result = runGridJob(be, m.job, cache, m.dependency);
    parentPort!.postMessage({ id: m.id, result, seconds: (performance.now() - t0) / 1000 } satisfies WorkerReply);
  } catch (error) {
    // the error's class and message, not its stack (it may be stored where others read it)
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort!.postMessage({ id: m.id, error: `${e.name}: ${e.message}` } satisfies WorkerReply);
  }
});
