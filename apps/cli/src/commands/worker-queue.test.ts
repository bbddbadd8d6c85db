import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QUEUE_NAME,
  redisConnection,
  runGrid,
  timelessRows as rowsOf,
  tinyFairGrid as tinySpec,
} from '@rgdl/experiments';
import { redisMissing, startRedis, type TestRedis } from '@rgdl/vitest-config/redis';
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
    // the coordinator (this process) and the workers (children) share the queue's secret
    process.env.RGDL_QUEUE_SECRET = 'a test secret of more than 16 bytes';
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
    const survivor = workers.find((w) => w !== victim)!;
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    // how long until the survivor takes the dead worker's job (lock 2 s, stall check every 1 s)
    const before = fresh(survivor).length;
    const recoveredMs = await new Promise<number>((resolve) => {
      const timer = setInterval(() => {
        if (
          fresh(survivor)
            .slice(before)
            .some((l) => l.event === 'start' && l.job === killedJob)
        ) {
          clearInterval(timer);
          resolve(performance.now() - killedAt);
        }
      }, 10);
    });
    console.log(
      `queue recovery: the killed worker's job restarted ${(recoveredMs / 1000).toFixed(2)} s after kill -9 (lock 2 s)`,
    );
    const q = await run;
    expect(rowsOf(q)).toEqual(rowsOf(local));
    // the killed worker's job was finished by the other one, within about 1.5 locks (+ the survivor's current job)
    expect(fresh(survivor).some((l) => l.event === 'done' && l.job === killedJob)).toBe(true);
    expect(recoveredMs).toBeLessThan(1.5 * 2000 + 8000);
  });

  it('an unsigned job is refused by the workers (its reason in Redis, no stack); a changed result is refused by the coordinator', {
    timeout: 300_000,
  }, async () => {
    const queue = new Queue(QUEUE_NAME, { connection: redisConnection(redis.url) });
    try {
      const forged = await queue.add(
        'forged',
        { job: { kind: 'map-victim', key: 'forged', hash: 'f'.repeat(32), depth: 1 } },
        { jobId: 'forged-job', attempts: 3 },
      );
      let state = '';
      for (let i = 0; i < 200 && state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = await queue.getJobState(forged.id!);
      }
      expect(state).toBe('failed');
      const failed = (await queue.getJob(forged.id!))!;
      expect(failed.failedReason).toMatch(
        /^JobRefused: the job does not fit its schema|^JobRefused: the job is not signed/,
      );
      expect(failed.failedReason).not.toMatch(/\n|\bat \//);
      expect(failed.attemptsMade).toBe(1); // refused once, not retried
      // a finished grid, then its stored result changed in Redis: a coordinator attaching to it refuses it
      const dir = mkdtempSync(join(tmpdir(), 'rgdl-queue-tamper-'));
      const grid = spec([5]);
      await runGrid(grid, { workers: 0, queue: redis.url, storePath: join(dir, 'a.jsonl') });
      const completed = await queue.getJobs(['completed']);
      const arm = completed.find((j) => j.name.startsWith('d1 none'))!;
      const stored = JSON.parse(
        (await queue.client.then((c) => c.hget(`bull:${QUEUE_NAME}:${arm.id}`, 'returnvalue'))) as string,
      );
      stored.result.rows[0].cloneAccuracy = 1.947;
      const client = (await queue.client) as unknown as { hset(k: string, f: string, v: string): Promise<number> };
      await client.hset(`bull:${QUEUE_NAME}:${arm.id}`, 'returnvalue', JSON.stringify(stored));
      await expect(runGrid(grid, { workers: 0, queue: redis.url, storePath: join(dir, 'b.jsonl') })).rejects.toThrow(
        /the result of job d1 none .* is not signed with the queue's secret/,
      );
    } finally {
      await queue.close();
    }
  });
});
