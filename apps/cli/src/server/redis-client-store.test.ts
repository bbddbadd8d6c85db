import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRecord, foldQuery, quantiseInput } from '@rgdl/poison';
import { redisMissing, startRedis, type TestRedis } from '@rgdl/vitest-config/redis';
import { redisClientStore } from './redis-client-store.js';

const missing = redisMissing();
const N0 = 8;
const K = 3;
const query = (i: number) => ({
  bytes: quantiseInput(Array.from({ length: N0 }, (_, j) => ((i * 7 + j) % 5) / 4)),
  label: i % K,
  outlier: i % 4 === 0,
  entropy: 0.3,
  massZ2: 1,
});

describe.skipIf(missing !== null)(`Redis client store${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two servers folding one client at once lose no update, and read the same record as one process would', async () => {
    const a = await redisClientStore({ url: redis.url, classes: K, inputs: N0 });
    const b = await redisClientStore({ url: redis.url, classes: K, inputs: N0 });
    const work = (store: typeof a, from: number) =>
      Array.from({ length: 40 }, (_, i) => store.update('carol', (r) => foldQuery(r, query(from + i))));
    await Promise.all([...work(a, 0), ...work(b, 1000)]);
    const [record] = (await a.entries(10)).filter((e) => e.client === 'carol').map((e) => e.record);
    expect(record!.queries).toBe(80);
    expect(record!.labelCounts.reduce((s, n) => s + n, 0)).toBe(80);
    await a.close();
    await b.close();
  });

  it('drops a malformed or oversized record (reason only) and starts the client afresh', async () => {
    const raw = new Redis(redis.url);
    await raw.set('rgdl:client:eve', '{"version":2,"queries":"lots"}');
    await raw.set('rgdl:client:huge', 'x'.repeat((4 << 20) + 1));
    const reasons: string[] = [];
    const store = await redisClientStore({
      url: redis.url,
      classes: K,
      inputs: N0,
      onMalformed: (client, reason) => reasons.push(`${client}: ${reason}`),
    });
    const r = await store.update('eve', (rec) => foldQuery(rec, query(1)));
    expect(r.queries).toBe(1);
    await store.update('huge', () => {});
    expect(reasons).toEqual([
      "eve: the client record's queries is malformed",
      `huge: the client record is over ${4 << 20} bytes`,
    ]);
    expect(JSON.parse((await raw.get('rgdl:client:eve'))!).queries).toBe(1);
    expect(await raw.ttl('rgdl:client:eve')).toBeGreaterThan(0);
    const fresh = emptyRecord(K);
    foldQuery(fresh, query(1));
    expect(r).toEqual(fresh);
    raw.disconnect();
    await store.close();
  });

  it('throttles a client across servers: of 20 concurrent asks from two stores one is served, the rest told the wait; served again after it', async () => {
    const a = await redisClientStore({ url: redis.url, classes: K, inputs: N0 });
    const b = await redisClientStore({ url: redis.url, classes: K, inputs: N0 });
    const waits = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).throttle('mallory', 400)),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(1);
    for (const w of waits.filter((w) => w > 0)) expect(w).toBeLessThanOrEqual(400);
    // another client is not held up
    expect(await b.throttle('alice', 400)).toBe(0);
    await new Promise((ok) => setTimeout(ok, 450));
    expect(await b.throttle('mallory', 400)).toBe(0);
    expect(await a.throttle('mallory', 400)).toBeGreaterThan(0);
    await a.close();
    await b.close();
  });

  it('says when Redis cannot be reached', async () => {
    await expect(redisClientStore({ url: 'redis://127.0.0.1:1', classes: K, inputs: N0 })).rejects.toThrow();
  });
});
