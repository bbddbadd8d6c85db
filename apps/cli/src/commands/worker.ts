import { availableParallelism } from 'node:os';
import type { Command } from '../command.js';
import { intFlag, requiredString } from '../flags.js';
import { QueueUnreachable, redisConnection, serveQueue } from '../grid/queue.js';
import { UsageError } from '../usage-error.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run grid jobs from a Redis queue (BullMQ) for `rgdl experiment --queue` on any machine',
  usage: 'rgdl worker --queue redis://HOST:PORT [--concurrency N] [--lock-ms MS]',
  help: `Pulls fair-test jobs that 'rgdl experiment --queue URL' put on the queue and runs
them, each in its own worker thread with a single-threaded backend; the results go
back through Redis to the experiment's store. Start one on every machine that
should help (each needs this package and, for your own data, the same data files
at the same paths). A worker killed mid-job loses nothing: when its job lock
lapses the job goes back on the queue and another worker runs it (3 attempts).
SIGTERM or SIGINT: finish the jobs in hand, then exit 0.

Options:
  --queue URL        redis://[:password@]host:port[/db]                    (required)
  --concurrency N    jobs at once, one thread each                         (all cores)
  --lock-ms MS       job lock; a worker silent this long is taken for dead (30000)
`,
  options: {
    queue: { type: 'string' },
    concurrency: { type: 'string' },
    'lock-ms': { type: 'string' },
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
    const log = (event: Record<string, unknown>) =>
      io.out(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...event })}\n`);
    let handle: Awaited<ReturnType<typeof serveQueue>>;
    try {
      handle = await serveQueue(url, {
        concurrency,
        lockMs,
        onJob: (event, key, detail) => log({ event, job: key, ...(detail ? { detail } : {}) }),
      });
    } catch (error) {
      if (error instanceof QueueUnreachable) throw new UsageError(error.message);
      throw error;
    }
    log({ event: 'ready', queue: url, concurrency });
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
