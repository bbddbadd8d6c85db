/**
 * Worker threads that run grid jobs (worker.ts), one job per thread at a time;
 * `run` waits for a free thread.
 */
import { Worker } from 'node:worker_threads';
import type { GridJob } from './grid-job.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

/** The worker script beside this module (.ts under tsx and in tests, .js when built). */
function workerUrl(): { url: URL; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  return {
    url: new URL(ts ? './worker-dev.mjs' : './worker.js', import.meta.url),
    execArgv: ts ? ['--conditions=@rgdl/source'] : [],
  };
}

/** A job ran past its time limit. */
export class JobTimeout extends Error {
  override readonly name = 'JobTimeout';
}

export class ThreadPool {
  private readonly idle: Worker[] = [];
  private readonly waiters: ((w: Worker) => void)[] = [];
  private readonly all: Worker[] = [];
  private readonly calls = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }
  >();
  private nextId = 0;
  private broken: Error | undefined;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const { url, execArgv } = workerUrl();
    const w = new Worker(url, { execArgv });
    w.on('message', (m: WorkerReply) => {
      const call = this.calls.get(m.id);
      this.calls.delete(m.id);
      if (!call) return;
      clearTimeout(call.timer);
      this.release(w);
      if ('error' in m) call.reject(new Error(m.error));
      else call.resolve(m.result);
    });
    w.on('error', (e) => {
      this.broken = e;
      for (const c of this.calls.values()) c.reject(e);
      this.calls.clear();
    });
    this.all.push(w);
    return w;
  }

  private release(w: Worker): void {
    const next = this.waiters.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((r) => this.waiters.push(r));
  }

  /**
   * Runs one job on a free thread (with the result of the job it needs); a job
   * still running after `timeoutMs` has its thread stopped (a fresh one takes its
   * place) and fails. @throws Error with the job's error when it fails
   */
  async run(job: GridJob, dependency?: unknown, timeoutMs?: number): Promise<unknown> {
    if (this.broken) throw this.broken;
    const w = await this.acquire();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              if (!this.calls.delete(id)) return;
              void w.terminate();
              this.all.splice(this.all.indexOf(w), 1);
              this.release(this.spawn());
              reject(new JobTimeout(`job ${job.key} ran longer than its limit of ${timeoutMs} ms and was stopped`));
            }, timeoutMs);
      this.calls.set(id, { resolve, reject, ...(timer !== undefined ? { timer } : {}) });
      w.postMessage({ id, job, ...(dependency !== undefined ? { dependency } : {}) } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
