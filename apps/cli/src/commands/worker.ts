import { availableParallelism } from 'node:os';
import type { Command } from '../command.js';
import { existsSync, statSync } from 'node:fs';
import {
  intFlag,
  requiredString,
  QueueUnreachable,
  redisConnection,
  serveQueue,
  queueSecret,
  redactUrl,
  UsageError,
} from '@rgdl/experiments';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run grid jobs from a Redis queue (BullMQ) for `rgdl experiment --queue` on any machine',
  usage:
    'rgdl worker --queue redis://HOST:PORT [--secret-file F] [--data-root DIR] [--concurrency N] [--lock-ms MS] [--job-timeout-ms MS]',
  help: `Pulls fair-test jobs that 'rgdl experiment --queue URL' put on the queue and runs
them, each in its own worker thread with a single-threaded backend; the results go
back through Redis to the experiment's store. Start one on every machine that
should help (each needs this package and, for your own data, the same data files
at the same paths). A worker killed mid-job loses nothing: when its job lock
lapses the job goes back on the queue and another worker runs it (3 attempts).
SIGTERM or SIGINT: finish the jobs in hand, then exit 0.

The queue is not trusted: a worker runs only jobs signed with the secret it
shares with the coordinator, that fit the job schema and its bounds, and that
read own data only from below --data-root (shipped data sets need none); it
signs its results, and what it leaves in Redis on failure is the error's class
and first line (no stack, no file contents). Passwords never appear in its logs.

Options:
  --queue URL        redis://[:password@]host:port[/db], or rediss:// (TLS; a CA
                     file in RGDL_QUEUE_TLS_CA if not a system CA)          (required)
  --secret-file F    the queue's shared secret, ≥ 16 bytes                 (RGDL_QUEUE_SECRET)
  --data-root DIR    own data files only from below DIR                    (none: refused)
  --concurrency N    jobs at once, one thread each                         (all cores)
  --lock-ms MS       job lock; a worker silent this long is taken for dead; a
                     dead worker's job is back on the queue within ~1.5 × MS (30000)
  --job-timeout-ms MS  a job running longer is stopped and failed          (3600000)
`,
  options: {
    queue: { type: 'string' },
    concurrency: { type: 'string' },
    'lock-ms': { type: 'string' },
    'secret-file': { type: 'string' },
    'data-root': { type: 'string' },
    'job-timeout-ms': { type: 'string' },
  },
  async run({ values }, io) {
    const url = requiredString('queue', values.queue);
    try {
      redisConnection(url);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const concurrency = intFlag('concurrency', values.concurrency, availableParallelism(), 1);
    const lockMs = intFlag('lock-ms', values['lock-ms'], 30_000, 1000);
    const jobTimeoutMs = intFlag('job-timeout-ms', values['job-timeout-ms'], 3_600_000, 1000);
    const secret = queueSecret(typeof values['secret-file'] === 'string' ? values['secret-file'] : undefined);
    const dataRoot = values['data-root'];
    if (
      dataRoot !== undefined &&
      (typeof dataRoot !== 'string' || !existsSync(dataRoot) || !statSync(dataRoot).isDirectory())
    )
      throw new UsageError(`--data-root ${String(dataRoot)} is not a directory`);
    const log = (event: Record<string, unknown>) =>
      io.out(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...event })}\n`);
    let handle: Awaited<ReturnType<typeof serveQueue>>;
    try {
      handle = await serveQueue(url, {
        secret,
        ...(typeof dataRoot === 'string' ? { dataRoot } : {}),
        jobTimeoutMs,
        concurrency,
        lockMs,
        onJob: (event, key, detail) => log({ event, job: key, ...(detail ? { detail } : {}) }),
      });
    } catch (error) {
      if (error instanceof QueueUnreachable) throw new UsageError(error.message);
      throw error;
    }
    log({ event: 'ready', queue: redactUrl(url), concurrency });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log({ event: 'stopping', signal });
        void handle.close().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    log({ event: 'closed' });
  },
};
