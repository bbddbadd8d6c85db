/**
 * Grid jobs on many machines through BullMQ on Redis. The coordinator
 * (`rgdl experiment --queue URL`) adds each job under its input hash as the job
 * id, so a second coordinator on the same grid attaches to the same jobs instead
 * of adding new ones; a depth's arm jobs are added (with the victim in their
 * data) once its victim job is done; results are read back and appended to the
 * local store as they finish. Workers (`rgdl worker --queue URL`) run each job in
 * a worker thread, so their event loop stays free to renew job locks; a worker
 * killed mid-job loses nothing: when its lock lapses the job is stalled, moved
 * back to the queue and run again (at most `attempts` times, each error kept).
 */
import { type Job, Queue, UnrecoverableError, Worker as QueueWorker } from 'bullmq';
import { readRegularFileText } from '@rgdl/rbm';
import { type GridJob, needsOf } from './grid-job.js';
import { ThreadPool } from './thread-pool.js';
import {
  checkJob,
  checkResult,
  queueSecret,
  publicReason,
  redactUrl,
  signedJobData,
  signedResult,
} from './queue-security.js';
import { UsageError } from '../errors.js';

export const QUEUE_NAME = 'rgdl-fair';
/** Runs per job before it is failed (a stall counts as one). */
export const ATTEMPTS = 3;

/**
 * ioredis options from redis://[:password@]host:port[/db] or rediss://… (TLS; the
 * server's certificate is checked against the system's CAs, or the PEM file named
 * by RGDL_QUEUE_TLS_CA). @throws RangeError for another scheme
 */
export function redisConnection(url: string): {
  host: string;
  port: number;
  password?: string;
  db?: number;
  tls?: { servername: string; ca?: string };
  maxRetriesPerRequest: null;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`--queue must be a redis:// or rediss:// URL, got ${redactUrl(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new RangeError(`--queue must be a redis:// or rediss:// URL, got ${redactUrl(url)}`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  const host = u.hostname || '127.0.0.1';
  const caFile = process.env.RGDL_QUEUE_TLS_CA;
  return {
    host,
    port: u.port ? Number(u.port) : 6379,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:'
      ? {
          tls: {
            servername: host,
            ...(caFile ? { ca: readRegularFileText(caFile, 1 << 20, 'TLS CA file (RGDL_QUEUE_TLS_CA)') } : {}),
          },
        }
      : {}),
    maxRetriesPerRequest: null,
  };
}

/** Waits for a Redis connection, or fails in `ms` naming the URL and the last error. */
async function reachable<T>(
  ready: Promise<T>,
  url: string,
  lastError: () => Error | undefined,
  ms = 10_000,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new QueueUnreachable(
            `cannot reach Redis at ${redactUrl(url)}${lastError() ? ` (${lastError()!.message})` : ''}`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The queue's Redis cannot be reached (a user-side problem: exit 2 from the CLI). */
export class QueueUnreachable extends Error {
  override readonly name = 'QueueUnreachable';
}

/**
 * Where the jobs of a run go: --workers N (all cores by default) or --queue URL
 * (checked) with its shared secret (--secret-file or RGDL_QUEUE_SECRET). @throws UsageError
 */
export function runnerFlags(
  values: {
    readonly workers?: string | boolean;
    readonly queue?: string | boolean;
    readonly 'secret-file'?: string | boolean;
  },
  cores: number,
): {
  workers: number;
  queue?: string;
  secret?: Buffer;
} {
  const workers = values.workers === undefined ? cores : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) {
    throw new UsageError(`--workers must be an integer ≥ 0, got '${String(values.workers)}'`);
  }
  if (values.queue === undefined) {
    if (values['secret-file'] !== undefined) throw new UsageError('--secret-file applies to a run with --queue');
    return { workers };
  }
  const queue = String(values.queue);
  try {
    redisConnection(queue);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const file = values['secret-file'];
  return { workers, queue, secret: queueSecret(typeof file === 'string' ? file : undefined) };
}

export interface QueueJobData {
  readonly job: GridJob;
  /** The result of the job this one needs, if any. */
  readonly dependency?: unknown;
  /** HMAC-SHA256 of {job, dependency} under the queue's secret (queue-security.ts). */
  readonly mac: string;
}

/**
 * Runs `pending` on the queue at `url`, calling `finish` with each result in
 * the order they complete; a job that needs another is added once that one's
 * result is known (`resultOf`), with it in its data. Resolves when all are done.
 * @throws Error with the job's last error when a job fails `ATTEMPTS` times.
 */
export async function runOnQueue(
  url: string,
  pending: readonly GridJob[],
  resultOf: (hash: string) => unknown,
  finish: (job: GridJob, result: unknown) => void,
  secret: Buffer,
  pollMs = 250,
): Promise<void> {
  const queue = new Queue<QueueJobData>(QUEUE_NAME, { connection: redisConnection(url) });
  let lastError: Error | undefined;
  queue.on('error', (e) => {
    lastError = e;
  });
  try {
    await reachable(queue.waitUntilReady(), url, () => lastError);
    const waiting = new Map<string, GridJob>();
    const add = async (job: GridJob) => {
      const needs = needsOf(job);
      const dependency = needs !== undefined ? resultOf(needs) : undefined;
      await queue.add(job.key, signedJobData(secret, job, dependency) as unknown as QueueJobData, {
        jobId: job.hash,
        attempts: ATTEMPTS,
        backoff: { type: 'fixed', delay: 500 },
        removeOnComplete: false,
        removeOnFail: false,
      });
      waiting.set(job.hash, job);
    };
    const remaining = [...pending];
    while (remaining.length > 0 || waiting.size > 0) {
      // add what is ready: victims at once, arms when their victim's result is here
      for (let i = remaining.length - 1; i >= 0; i--) {
        const job = remaining[i]!;
        const needs = needsOf(job);
        if (needs === undefined || resultOf(needs) != null) {
          remaining.splice(i, 1);
          await add(job);
        }
      }
      for (const [hash, job] of [...waiting]) {
        // the state first, then the job: a job read before it completes carries no return value yet
        const state = await queue.getJobState(hash);
        if (state === 'unknown') {
          // removed by someone else: add it again
          waiting.delete(hash);
          await add(job);
          continue;
        }
        if (state !== 'completed' && state !== 'failed') continue;
        const j: Job<QueueJobData> | undefined = await queue.getJob(hash);
        if (!j) continue;
        if (state === 'completed') {
          waiting.delete(hash);
          // Redis is not trusted: only a result signed with the secret, with sane numbers, counts
          finish(job, checkResult(job.key, hash, j.returnvalue, secret));
        } else {
          throw new Error(`job ${job.key} failed ${j.attemptsMade} times; last error: ${j.failedReason}`);
        }
      }
      if (remaining.length > 0 || waiting.size > 0) await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await queue.close();
  }
}

export interface QueueWorkerOptions {
  /** The secret shared with the coordinators: jobs not signed with it are refused. */
  readonly secret: Buffer;
  /** Own data files are read only from below this folder (none: own-data jobs refused). */
  readonly dataRoot?: string;
  /** A job running longer than this is stopped and failed (default 1 hour). */
  readonly jobTimeoutMs?: number;
  /** Jobs run at once, each in its own thread (default 1). */
  readonly concurrency?: number;
  /** Job lock: a worker silent this long is taken for dead (default 30 s). */
  readonly lockMs?: number;
  readonly onJob?: (event: 'start' | 'done' | 'failed', key: string, detail?: string) => void;
}

/** Pulls and runs grid jobs from the queue until `close()` is called. */
export async function serveQueue(url: string, options: QueueWorkerOptions): Promise<{ close(): Promise<void> }> {
  const concurrency = options.concurrency ?? 1;
  const lockMs = options.lockMs ?? 30_000;
  const pool = new ThreadPool(concurrency);
  const worker = new QueueWorker<QueueJobData>(
    QUEUE_NAME,
    async (job) => {
      // checked before anything runs: signature, schema and bounds, data below --data-root
      try {
        checkJob(job.data, options.secret, options.dataRoot);
      } catch (error) {
        throw new UnrecoverableError(publicReason(error));
      }
      options.onJob?.('start', job.data.job.key);
      let result: unknown;
      try {
        result = await pool.run(job.data.job, job.data.dependency, options.jobTimeoutMs ?? 3_600_000);
      } catch (error) {
        // into Redis goes the error's class and first line, never a stack or a file's contents
        throw new Error(publicReason(error));
      }
      options.onJob?.('done', job.data.job.key);
      return signedResult(options.secret, job.data.job.hash, result);
    },
    {
      connection: redisConnection(url),
      concurrency,
      lockDuration: lockMs,
      // the stall check at half the lock: a dead worker's job is back on the queue within about 1.5 × lockMs
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      maxStalledCount: ATTEMPTS - 1,
    },
  );
  worker.on('failed', (job, error) => options.onJob?.('failed', job?.data.job.key ?? '?', error.message));
  let lastError: Error | undefined;
  worker.on('error', (e) => {
    lastError = e;
  });
  try {
    await reachable(worker.waitUntilReady(), url, () => lastError);
  } catch (error) {
    await worker.close(true).catch(() => undefined);
    await pool.close();
    throw error;
  }
  return {
    async close() {
      await worker.close();
      await pool.close();
    },
  };
}
