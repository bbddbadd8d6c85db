/**
 * A pool worker (worker_threads): runs fair-test jobs with a single-threaded
 * backend, so the pool, not the linear algebra, owns the cores.
 */
import { parentPort } from 'node:worker_threads';
import { createBackend } from '@rgdl/gpu-kernels';
import { type FairJob, type JobCache, runJob, type VictimPayload } from './fair-jobs.js';

export interface WorkerRequest {
  readonly id: number;
  readonly job: FairJob;
  readonly victim?: VictimPayload;
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
    const result = runJob(be, m.job, cache, m.victim);
    parentPort!.postMessage({ id: m.id, result, seconds: (performance.now() - t0) / 1000 } satisfies WorkerReply);
  } catch (error) {
    parentPort!.postMessage({ id: m.id, error: (error as Error).stack ?? String(error) } satisfies WorkerReply);
  }
});
