import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, createRng, matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { argmax, DEFAULT_DETECTION, memoryClientStore } from '@rgdl/poison';
import { createDeepRbm, type DeepRbm } from '@rgdl/rbm';
import { buildServer } from './app.js';
import { parseClientKeys } from './clients.js';

const N0 = 16;
const KEYS = {
  clients: [
    { name: 'alice', key: 'alice-key-0123456789' },
    { name: 'mallory', key: 'mallory-key-0123456789' },
    { name: 'ops', key: 'ops-key-0123456789abc', metrics: true },
  ],
};
const auth = (name: string) => ({ authorization: `Bearer ${KEYS.clients.find((c) => c.name === name)!.key}` });

/** Four binary prototypes with 10% of pixels flipped: the defender's data and a benign user's queries. */
function natural(rows: number, seed: number): Matrix<Float64Array> {
  const protos = createRng(5);
  const p = Array.from({ length: 4 }, () => Array.from({ length: N0 }, () => (protos.nextFloat() < 0.4 ? 1 : 0)));
  const rng = createRng(seed);
  const x = matrix(rows, N0);
  for (let r = 0; r < rows; r++) {
    const proto = p[Math.floor(rng.nextFloat() * 4)]!;
    for (let j = 0; j < N0; j++) x.data[r * N0 + j] = rng.nextFloat() < 0.1 ? 1 - proto[j]! : proto[j]!;
  }
  return x;
}
/** A synthetic attacker: from one natural seed, each query one pixel ⅛ from the last (a new seed every 25). */
function synthetic(rows: number, seed: number): number[][] {
  const rng = createRng(seed);
  const seeds = natural(rows, seed + 1);
  const out: number[][] = [];
  let cur: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (r % 25 === 0) cur = Array.from(seeds.data.subarray(r * N0, (r + 1) * N0));
    const j = Math.floor(rng.nextFloat() * N0);
    cur = cur.slice();
    cur[j] = Math.min(1, Math.max(0, cur[j]! + (cur[j]! >= 0.5 ? -0.125 : 0.125)));
    out.push(cur);
  }
  return out;
}
const rowsOf = (x: Matrix<Float64Array>, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => Array.from(x.data.subarray((from + i) * N0, (from + i + 1) * N0)));

describe('clients and extraction detection in the server', () => {
  let be: Backend;
  let net: DeepRbm;
  const servers: ReturnType<typeof buildServer>[] = [];
  const logs: string[] = [];
  const make = async (policy: 'log' | 'refuse' | 'misinform' | 'throttle') => {
    const server = buildServer({
      be,
      net,
      metadata: { data: { name: 'test' } },
      modelName: 'tiny',
      defence: 'none',
      strength: 0,
      seed: 1,
      batchLimit: 25,
      logger: { level: 'warn', stream: { write: (line: string) => void logs.push(line) } },
      clients: parseClientKeys(JSON.stringify(KEYS)),
      detection: {
        reference: natural(400, 11),
        store: memoryClientStore(4),
        policy,
        throttleMs: 60_000,
        misinformKey: { secret: new Uint8Array(32).fill(7), rate: 0, fingerprint: 0 },
        calibration: { streams: 60, length: 150, falseAlarmRate: 0.02 },
        settings: { ...DEFAULT_DETECTION, window: 25, minDistances: 25 },
      },
    });
    servers.push(server);
    await server.app.ready();
    await server.warm();
    return server;
  };
  beforeAll(async () => {
    be = await createBackend({ prefer: 'cpu' });
    net = createDeepRbm([N0, 6, 4], createRng(3), { weightScale: 1 });
  });
  afterAll(async () => {
    for (const s of servers) await s.app.close();
    be.dispose();
  });
  const post = (server: ReturnType<typeof buildServer>, headers: Record<string, string>, inputs: number[][]) =>
    server.app.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': 'application/json', ...headers },
      payload: { inputs },
    });

  it('names clients by key: 401 without or with a wrong key, /metrics only for a metrics key', async () => {
    const server = await make('refuse');
    const x = rowsOf(natural(2, 3), 0, 2);
    expect((await post(server, {}, x)).statusCode).toBe(401);
    const wrong = await post(server, { authorization: 'Bearer not-a-key-of-anyone' }, x);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer');
    expect(wrong.body).not.toContain('not-a-key');
    expect((await post(server, auth('alice'), x)).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/metrics', headers: auth('alice') })).statusCode).toBe(403);
    const m = await server.app.inject({ method: 'GET', url: '/metrics', headers: auth('ops') });
    expect(m.statusCode).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain/);
    expect(m.body).toMatch(/rgdl_predictions_total\{client_kind="key"\} 2/);
    expect(m.body).toMatch(/rgdl_client_queries\{client="alice"\} 2/);
    expect(m.body).toMatch(/rgdl_detector_threshold\{detector="prada"\} 0\.\d+/);
    // the per-client gauges of the same scrape (collected concurrently, from one read of the store)
    expect(m.body).toMatch(/rgdl_client_alarm\{client="alice",detector="prada"\} 0/);
    expect(m.body).toMatch(/rgdl_client_alarm\{client="alice",detector="answer-entropy"\} 0/);
    expect(m.body).not.toMatch(/mallory/);
  });

  it('refuses a synthetic attacker once PRADA alarms, logs the alarm once, and keeps answering a benign user', async () => {
    const server = await make('refuse');
    logs.length = 0;
    const attack = synthetic(600, 21);
    let refusedAt: number | undefined;
    for (let b = 0; b < attack.length; b += 25) {
      const res = await post(server, auth('mallory'), attack.slice(b, b + 25));
      if (res.statusCode === 403) {
        refusedAt = b + 25;
        expect(res.json().message).toMatch(/flagged/);
        break;
      }
      expect(res.statusCode).toBe(200);
    }
    expect(refusedAt).toBeDefined();
    expect((await post(server, auth('mallory'), attack.slice(0, 1))).statusCode).toBe(403);
    const alarms = logs.filter((l) => l.includes('extraction alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(1);
    expect(new Set(alarms.map((l) => JSON.parse(l).detector)).size).toBe(alarms.length); // once per detector
    expect(alarms.every((l) => JSON.parse(l).client === 'mallory')).toBe(true);
    const benign = natural(150, 31);
    for (let b = 0; b < 150; b += 25)
      expect((await post(server, auth('alice'), rowsOf(benign, b, b + 25))).statusCode).toBe(200);
    expect(server.monitor()!.calibration.thresholds.prada).toBeGreaterThan(0);
  });

  it("under 'log' answers every batch, folds each just after its reply, and logs the alarm once", async () => {
    const server = await make('log');
    logs.length = 0;
    const attack = synthetic(600, 21);
    let folded = 0;
    for (let b = 0; b < attack.length; b += 25) {
      const res = await post(server, auth('mallory'), attack.slice(b, b + 25));
      expect(res.statusCode).toBe(200);
      // the batch is folded on the next turn of the event loop, not before the reply
      await new Promise((resolve) => setImmediate(resolve));
      folded = (await server.monitor()!.store.update('mallory', () => {})).queries;
      expect(folded).toBe(Math.min(b + 25, attack.length));
    }
    const record = await server.monitor()!.store.update('mallory', () => {});
    expect(record.alarms).toContain('prada');
    const alarms = logs.filter((l) => l.includes('extraction alarm'));
    expect(new Set(alarms.map((l) => JSON.parse(l).detector)).size).toBe(alarms.length);
    expect(alarms.map((l) => JSON.parse(l).detector)).toEqual(expect.arrayContaining(record.alarms));
    const m = await server.app.inject({ method: 'GET', url: '/metrics', headers: auth('ops') });
    expect(m.body).toMatch(/rgdl_client_alarm\{client="mallory",detector="prada"\} 1/);
  });

  it('misinforms an alarmed client with keyed wrong labels, the same for the same input', async () => {
    const server = await make('misinform');
    const attack = synthetic(600, 21);
    let b = 0;
    for (; b < attack.length; b += 25) {
      await post(server, auth('mallory'), attack.slice(b, b + 25));
      const rec = await server.monitor()!.store.update('mallory', () => {});
      if (rec.alarms.length > 0) break;
    }
    expect(b).toBeLessThan(attack.length);
    const probe = rowsOf(natural(10, 41), 0, 10);
    const clean = (await post(server, auth('alice'), probe)).json().labels as number[];
    const first = (await post(server, auth('mallory'), probe)).json();
    const again = (await post(server, auth('mallory'), probe)).json();
    expect(again.answers).toEqual(first.answers);
    first.labels.forEach((label: number, i: number) => {
      expect(label).not.toBe(clean[i]);
      expect(argmax(first.answers[i])).toBe(label);
    });
  });

  it('throttles an alarmed client to one batch per interval with 429 and Retry-After', async () => {
    const server = await make('throttle');
    const attack = synthetic(600, 21);
    const codes: number[] = [];
    for (let b = 0; b < attack.length; b += 25)
      codes.push((await post(server, auth('mallory'), attack.slice(b, b + 25))).statusCode);
    const first429 = codes.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(codes.slice(first429).every((c) => c === 429)).toBe(true); // one batch served at the alarm, then none for 60 s
    const res = await post(server, auth('mallory'), attack.slice(0, 1));
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(50);
  });
});

describe('parseClientKeys', () => {
  it('finds clients by bearer key and refuses bad files without echoing keys', () => {
    const keys = parseClientKeys(JSON.stringify(KEYS));
    expect(keys.size).toBe(3);
    expect(keys.clientOf(auth('ops').authorization)).toEqual({ name: 'ops', metrics: true });
    expect(keys.clientOf('Bearer alice-key-0123456789x')).toBeUndefined();
    expect(keys.clientOf(undefined)).toBeUndefined();
    expect(keys.clientOf('Basic alice-key-0123456789')).toBeUndefined();
    const bad = (v: unknown) => () => parseClientKeys(JSON.stringify(v));
    expect(() => parseClientKeys('{')).toThrow(/not JSON/);
    expect(bad({ clients: [] })).toThrow(/expected/);
    expect(bad({ clients: [{ name: 'a b', key: 'k'.repeat(20) }] })).toThrow(/client 1: "name"/);
    expect(bad({ clients: [{ name: 'a', key: 'short-secret' }] })).toThrow(/client 1 \(a\): "key"/);
    expect(bad({ clients: [{ name: 'a', key: 'short-secret' }] })).not.toThrow(/short-secret/);
    expect(
      bad({
        clients: [
          { name: 'a', key: 'k'.repeat(20) },
          { name: 'b', key: 'k'.repeat(20) },
        ],
      }),
    ).toThrow(/another client's/);
    expect(
      bad({
        clients: [
          { name: 'a', key: 'k'.repeat(20) },
          { name: 'a', key: 'j'.repeat(20) },
        ],
      }),
    ).toThrow(/used twice/);
  });
});
