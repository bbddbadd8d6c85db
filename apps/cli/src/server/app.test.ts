import { mkdtempSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, createRng, matrix, type Backend } from '@rgdl/gpu-kernels';
import { argmax } from '@rgdl/poison';
import { classProbabilities, createDeepRbm, saveModel, type DeepRbm } from '@rgdl/rbm';
import { buildServer } from './app.js';
import { spawnRgdl } from '../cli.test-helpers.js';
import { NumericalError } from '@rgdl/experiments';

const WIDTHS = [16, 6, 4];
const EPS = 0.1;

describe('prediction server', () => {
  let be: Backend;
  let net: DeepRbm;
  let server: ReturnType<typeof buildServer>;
  beforeAll(async () => {
    be = await createBackend({ prefer: 'cpu' });
    net = createDeepRbm(WIDTHS, createRng(3), { weightScale: 1 });
    server = buildServer({
      be,
      net,
      metadata: { data: { name: 'test' } },
      modelName: 'tiny',
      defence: 'random-query',
      strength: EPS,
      seed: 1,
      batchLimit: 8,
      logger: false,
    });
    await server.app.ready();
  });
  afterAll(async () => {
    await server.app.close();
    be.dispose();
  });
  const post = (payload: unknown, contentType = 'application/json') =>
    server.app.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': contentType },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  it('answers a batch: labels are the clean argmax, answers move by at most ε and keep the label', async () => {
    const rng = createRng(9);
    const inputs = Array.from({ length: 5 }, () => Array.from({ length: 16 }, () => (rng.nextFloat() < 0.5 ? 0 : 1)));
    const res = await post({ inputs });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const x = matrix(5, 16, Float64Array.from(inputs.flat()));
    const clean = classProbabilities(be, net, x, {}); // hidden width 6: exact
    expect(body.labels).toHaveLength(5);
    for (let r = 0; r < 5; r++) {
      const y = clean.data.slice(r * 4, (r + 1) * 4);
      expect(body.labels[r]).toBe(argmax(y));
      expect(argmax(body.answers[r])).toBe(body.labels[r]);
      const dist = Math.hypot(...body.answers[r].map((v: number, j: number) => v - y[j]!));
      expect(dist).toBeLessThanOrEqual(EPS + 1e-6);
      expect(dist).toBeGreaterThan(0); // the random defence moved it
    }
    // a repeated query gets the same answer (the direction is seeded by the query)
    expect((await post({ inputs })).json().answers).toEqual(body.answers);
  });

  it('GET /healthz and GET /v1/model (metadata, no weights)', async () => {
    const h = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(h.json().status).toBe('ok');
    expect(h.json().memory.rssBytes).toBeGreaterThan(1e6);
    const m = await server.app.inject({ method: 'GET', url: '/v1/model' });
    expect(m.json()).toMatchObject({
      widths: WIDTHS,
      inputs: 16,
      classes: 4,
      defence: 'random-query',
      epsilon: EPS,
      batchLimit: 8,
    });
    expect(m.body).not.toMatch(/"W"|"bias|"weights"/);
    expect(m.body.length).toBeLessThan(1000);
  });

  it.each([
    ['wrong row length', { inputs: [[0, 1]] }, /fewer than 16/],
    ['value above 1', { inputs: [new Array(16).fill(1.5)] }, /must be <= 1/],
    ['negative value', { inputs: [new Array(16).fill(-0.1)] }, /must be >= 0/],
    ['strings are not coerced', { inputs: [new Array(16).fill('0.5')] }, /must be number/],
    ['batch over the limit', { inputs: Array.from({ length: 9 }, () => new Array(16).fill(0)) }, /more than 8 items/],
    ['empty batch', { inputs: [] }, /fewer than 1 items/],
    ['missing inputs', {}, /required property 'inputs'/],
    ['extra property', { inputs: [new Array(16).fill(0)], weights: 1 }, /additional properties/],
    ['null body', 'null', /object/],
    ['invalid JSON', '{"inputs": [[0,', /not valid JSON/],
  ])('rejects %s with a one-line 400', async (_name, payload, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(message);
    expect(res.json().message).not.toMatch(/\n/);
  });

  it('413 for a body over the byte limit, 415 for an unknown content type', async () => {
    const big = await post({ inputs: [new Array(16).fill(0)], pad: 'x'.repeat(server.info.bodyLimitBytes) });
    expect(big.statusCode).toBe(413);
    const xml = await post('<inputs/>', 'application/xml');
    expect(xml.statusCode).toBe(415);
    const text = await post(JSON.stringify({ inputs: [new Array(16).fill(0)] }), 'text/plain');
    expect(text.statusCode).toBe(415);
  });

  it('garbage bodies (seeded fuzz, 300 cases) get 4xx answers and never take it down', async () => {
    const rng = createRng(42);
    const valid = JSON.stringify({ inputs: [new Array(16).fill(0.5)] });
    const types = ['application/json', 'text/plain', 'application/octet-stream', 'application/json; charset=utf-8'];
    for (let i = 0; i < 300; i++) {
      let payload: string;
      const kind = i % 4;
      if (kind === 0)
        payload = String.fromCharCode(
          ...Array.from({ length: 1 + Math.floor(rng.nextFloat() * 200) }, () => Math.floor(rng.nextFloat() * 256)),
        );
      else if (kind === 1) payload = valid.slice(0, Math.floor(rng.nextFloat() * valid.length));
      else if (kind === 2) payload = '['.repeat(1 + Math.floor(rng.nextFloat() * 5000));
      else payload = valid.replace('0.5', ['1e400', '-0', 'NaN', 'true', '"x"', '{}', '[]', '0.5e-400'][i % 8]!);
      const res = await post(payload, types[i % types.length]);
      expect(res.statusCode, `case ${i}: ${payload.slice(0, 40)}`).toBeGreaterThanOrEqual(200);
      expect(res.statusCode, `case ${i}: ${payload.slice(0, 40)}`).toBeLessThan(500);
    }
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('refuses to start on a model whose probe answers are not finite (NumericalError: exit 3)', () => {
    const bad = createDeepRbm(WIDTHS, createRng(3), { weightScale: 1 });
    bad.layers[1]!.W.data[0] = Number.NaN; // not loadable from a file (validation rejects it); built in process
    const start = () =>
      buildServer({
        be,
        net: bad,
        metadata: {},
        modelName: 'bad',
        defence: 'none',
        strength: 0,
        seed: 1,
        logger: false,
      });
    expect(start).toThrow(NumericalError);
    expect(start).toThrow(/probe inputs .* is not finite \(NaN at index 0\); refusing to serve/);
  });
});

describe('prediction server over TCP', () => {
  it('request timeout: a client that stalls in its headers or body, or trickles its body, is cut off after the timeout', async () => {
    const be = await createBackend({ prefer: 'cpu' });
    const { app } = buildServer({
      be,
      net: createDeepRbm(WIDTHS, createRng(3)),
      metadata: {},
      modelName: 'tiny',
      defence: 'none',
      strength: 0,
      seed: 1,
      requestTimeoutMs: 300,
      logger: false,
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    const stall = (text: string) =>
      new Promise<{ reply: string; ms: number }>((resolve, reject) => {
        const t0 = performance.now();
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        let reply = '';
        socket.on('data', (d) => (reply += d.toString()));
        socket.on('close', () => resolve({ reply, ms: performance.now() - t0 }));
        socket.on('error', reject);
        setTimeout(() => reject(new Error('no answer in 5 s')), 5000).unref();
      });
    try {
      const headers = await stall('POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
      expect(headers.reply).toMatch(/^(|HTTP\/1\.1 408 Request Timeout[\s\S]*)$/); // cut off, or told 408
      expect(headers.ms).toBeGreaterThan(250);
      expect(headers.ms).toBeLessThan(4000);
      const body = await stall(
        'POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"inp',
      );
      expect(body.reply).toMatch(/^(|HTTP\/1\.1 408 Request Timeout[\s\S]*)$/);
      expect(body.ms).toBeGreaterThan(250);
      expect(body.ms).toBeLessThan(4000);
      // slowloris: a body trickled a byte every 50 ms keeps the idle timer alive; the whole-request deadline ends it
      const trickle = await new Promise<{ ms: number; bytes: number }>((resolve, reject) => {
        const t0 = performance.now();
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(
            'POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n',
          ),
        );
        let bytes = 0;
        const timer = setInterval(() => {
          if (!socket.destroyed) {
            socket.write(' ');
            bytes++;
          }
        }, 50);
        socket.on('close', () => {
          clearInterval(timer);
          resolve({ ms: performance.now() - t0, bytes });
        });
        socket.on('error', () => undefined);
        setTimeout(() => {
          clearInterval(timer);
          reject(new Error('trickle still connected after 5 s'));
        }, 5000).unref();
      });
      expect(trickle.bytes).toBeGreaterThan(3); // it was really trickling
      expect(trickle.ms).toBeGreaterThan(250);
      expect(trickle.ms).toBeLessThan(2000);
    } finally {
      await app.close();
      be.dispose();
    }
  });

  it('a server that cannot listen, or is stopped while its FIM cache is built, exits at once instead of finishing the cache', async () => {
    // the playground's victim [196, 64, 10]: its FIM cache takes 8–20 s on the 2-core machine
    const victim = join(import.meta.dirname, '../../../web/fixtures/victim.json');
    const run = async (args: string[], signalWhenListening: boolean) => {
      const child = spawnRgdl(['serve', '--model', victim, '--defence', 'fim', '--detect', ...args]);
      let out = '';
      child.stdout.on('data', (d) => (out += d.toString()));
      child.stderr.on('data', (d) => (out += d.toString()));
      const t0 = performance.now();
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      if (signalWhenListening) {
        for (let i = 0; i < 600 && !/"msg":"Server listening/.test(out); i++)
          await new Promise((r) => setTimeout(r, 50));
        child.kill('SIGTERM');
      }
      const code = await exit;
      return { code, seconds: (performance.now() - t0) / 1000, out };
    };
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = await run(['--port', String((blocker.address() as AddressInfo).port)], false);
    blocker.close();
    expect(busy.code, busy.out).toBe(2);
    expect(busy.out).toMatch(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    // measured: 3.4 s (busy port) and 7.1 s (SIGTERM, with the drain's grace) with the stop; 21.9 s without it
    expect(busy.seconds).toBeLessThan(10);
    const stopped = await run(['--port', '0'], true);
    expect(stopped.code, stopped.out).toBe(0);
    expect(stopped.out).not.toMatch(/could not be built/);
    expect(stopped.seconds).toBeLessThan(15);
  }, 90_000);

  it('rgdl serve logs JSON lines and shuts down cleanly on SIGTERM (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-serve-'));
    const model = join(dir, 'm.json');
    saveModel(model, createDeepRbm(WIDTHS, createRng(4)), { data: { name: 'test' } });
    const child = spawnRgdl(['serve', '--model', model, '--port', '0', '--defence', 'fim', '--eps', '0.05']);
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.stderr.on('data', (d) => (out += d.toString()));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /rgdl serve: ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(m[1]!);
        }
      }, 50);
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const inflight = fetch(`${address}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [new Array(16).fill(1)] }),
    });
    const res = await inflight;
    expect(res.status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('rgdl serve: ready at'));
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const msgs = lines.map((l) => JSON.parse(l).msg as string);
    expect(msgs).toContain('defence ready');
    expect(msgs).toContain('request completed');
    expect(msgs[msgs.length - 1]).toBe('closed');
  }, 60_000);
});
