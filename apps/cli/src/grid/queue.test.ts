import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, tinySpec } from './grid.test-support.js';
import { QUEUE_NAME, redisConnection } from './queue.js';
import { redisMissing, startRedis, type TestRedis } from '@rgdl/vitest-config/redis';
import { runGrid } from './run-grid.js';
import { spawnRgdl } from '../cli.test-helpers.js';

const missing = redisMissing();
if (missing) console.warn(`${missing}; queue tests skipped`);

const spec = (seeds: number[]) => tinySpec({ attackers: ['softmax', 'softmax-labels', 'mlp'], budgets: [300], seeds });

interface RunningWorker {
  readonly child: ChildProcess;
  readonly lines: Record<string, string>[];
}

function startWorker(url: string): Promise<RunningWorker> {
  const child = spawnRgdl(['worker', '--queue', url, '--concurrency', '1', '--lock-ms', '2000']);
  const lines: Record<string, string>[] = [];
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) {
        const l = JSON.parse(p) as Record<string, string>;
        lines.push(l);
        if (l.event === 'ready') resolve({ child, lines });
      }
    });
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${err}`)));
  });
}

describe.skipIf(missing !== null)('grid jobs on a Redis queue (BullMQ)', () => {
  let redis: TestRedis;
  const workers: RunningWorker[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    workers.push(await startWorker(redis.url), await startWorker(redis.url));
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await redis?.stop();
  });

  it('two workers give the local numbers; a second experiment on the same grid attaches to the same jobs', {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-queue-'));
    const local = await runGrid(spec([1, 2]), { workers: 0, storePath: join(dir, 'local.jsonl') });
    const [a, b] = await Promise.all([
      runGrid(spec([1, 2]), { workers: 0, queue: redis.url, storePath: join(dir, 'a.jsonl') }),
      runGrid(spec([1, 2]), { workers: 0, queue: redis.url, storePath: join(dir, 'b.jsonl') }),
    ]);
    expect(rowsOf(a)).toEqual(rowsOf(local));
    expect(rowsOf(b)).toEqual(rowsOf(local));
    const queue = new Queue(QUEUE_NAME, { connection: redisConnection(redis.url) });
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
    await queue.close();
    expect(counts).toMatchObject({ completed: 5, failed: 0, waiting: 0, active: 0 }); // not 10: attached
    // both workers took jobs
    for (const w of workers) expect(w.lines.some((l) => l.event === 'done')).toBe(true);
  });

  it('kill -9 of a worker in the middle of a job: the job goes back on the queue and the grid completes with the same numbers', {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-queue-kill-'));
    const grid = spec([3, 4]);
    const local = await runGrid(grid, { workers: 0, storePath: join(dir, 'local.jsonl') });
    const seen = workers.map((w) => w.lines.length); // this test's lines only
    const fresh = (w: RunningWorker) => w.lines.slice(seen[workers.indexOf(w)]);
    const run = runGrid(grid, { workers: 0, queue: redis.url, storePath: join(dir, 'q.jsonl') });
    // wait until some worker is in the middle of an arm job, then kill it
    const busy = (w: RunningWorker) => {
      const lines = fresh(w);
      const last = lines.filter((l) => l.event === 'start').pop();
      return last?.job?.startsWith('d1 ') && !lines.some((l) => l.event === 'done' && l.job === last.job)
        ? last.job
        : undefined;
    };
    const [victim, killedJob] = await new Promise<[RunningWorker, string]>((resolve) => {
      const timer = setInterval(() => {
        const w = workers.find((x) => busy(x) !== undefined);
        if (w) {
          clearInterval(timer);
          resolve([w, busy(w)!]);
        }
      }, 10);
    });
    victim.child.kill('SIGKILL');
    const q = await run;
    expect(rowsOf(q)).toEqual(rowsOf(local));
    // the killed worker's job was finished by the other one
    const survivor = workers.find((w) => w !== victim)!;
    expect(fresh(survivor).some((l) => l.event === 'done' && l.job === killedJob)).toBe(true);
  });
});
