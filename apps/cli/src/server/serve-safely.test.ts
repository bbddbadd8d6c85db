/**
 * What the protected server must never do (issue: serve safely): leak the clean
 * label or the weights, ignore a defence's strength, queue work without bound,
 * reset connections while draining, refuse a full batch of grey values, answer
 * 500 to an odd path, or say nothing while it builds its defence.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, createRng, matrix, type Backend } from '@rgdl/gpu-kernels';
import {
  argmax,
  classPoisonDirections,
  createService,
  DEFENCE_STRENGTHS,
  DEFENCES,
  LABEL_PRESERVING,
  strengthOptions,
} from '@rgdl/poison';
import { createDeepRbm, parseModel, saveModel, type DeepRbm } from '@rgdl/rbm';
import { spawnRgdl } from '../cli.test-helpers.js';
import { buildServer } from './app.js';
import { defaultUiDirectory } from './static-ui.js';

const WIDTHS = [16, 6, 4];

/** n noisy binary rows of width w, and n near-constant rows (out of distribution for the reference). */
function inputs(w: number, n: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: w }, (_, j) => (i % 2 === 0 ? (rng.nextFloat() < 0.3 ? 1 : 0) : j % 3 === 0 ? 1 : 0)),
  );
}

describe('serving safely', () => {
  let be: Backend;
  let net: DeepRbm;
  beforeAll(async () => {
    be = await createBackend({ prefer: 'cpu' });
    net = createDeepRbm(WIDTHS, createRng(3), { weightScale: 2 });
  });
  afterAll(() => be.dispose());

  it('the served label is the argmax of the served answer for every defence, also on inputs the defence flags', async () => {
    // the reference: sparse noise; the inputs half in, half out of that distribution
    const reference = matrix(
      200,
      16,
      Float64Array.from(
        inputs(16, 400, 5)
          .filter((_, i) => i % 2 === 0)
          .flat(),
      ),
    );
    const xs = inputs(16, 40, 7);
    const directions = classPoisonDirections(be, net, { fisher: { samples: 200, batches: 2 }, seed: 1 });
    let changedSomewhere = 0;
    for (const defence of DEFENCES) {
      const st = DEFENCE_STRENGTHS[defence];
      // strong settings, so label-changing defences change labels here
      const strength = st === null ? 0 : st.integer ? st.min : defence === 'reverse-sigmoid' ? 1 : 0.5;
      const { app } = buildServer({
        be,
        net,
        metadata: {},
        modelName: 'tiny',
        defence,
        strength,
        seed: 1,
        batchLimit: 64,
        directions,
        reference,
        logger: false,
      });
      const res = await app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: xs } });
      expect(res.statusCode, defence).toBe(200);
      const body = res.json() as { labels: number[]; answers: number[][] };
      const clean = createService(be, net, { defence: 'none' }).answer(matrix(40, 16, Float64Array.from(xs.flat())));
      body.answers.forEach((a, r) => {
        expect(body.labels[r], `${defence} row ${r}`).toBe(argmax(Float64Array.from(a)));
        const cleanLabel = argmax(clean.clean.data.subarray(r * 4, r * 4 + 4));
        if (body.labels[r] !== cleanLabel) changedSomewhere++;
        if (LABEL_PRESERVING.includes(defence)) expect(body.labels[r], `${defence} row ${r}`).toBe(cleanLabel);
      });
      await app.close();
    }
    // the check has teeth: some defence did change labels (so labels = clean argmax would have failed)
    expect(changedSomewhere).toBeGreaterThan(0);
  });

  it('every defence takes its strength, and GET /v1/model reports it', async () => {
    const xs = inputs(16, 64, 9);
    const cost = async (defence: 'reverse-sigmoid' | 'round' | 'random-class', strength: number) => {
      const { app, info } = buildServer({
        be,
        net,
        metadata: {},
        modelName: 't',
        defence,
        strength,
        seed: 1,
        batchLimit: 64,
        logger: false,
      });
      const body = (await app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: xs } })).json() as {
        answers: number[][];
      };
      const clean = createService(be, net, { defence: 'none' }).answer(matrix(64, 16, Float64Array.from(xs.flat())));
      const l1 =
        body.answers.reduce(
          (a, row, r) => a + row.reduce((b, v, j) => b + Math.abs(v - clean.clean.data[r * 4 + j]!), 0),
          0,
        ) / 64;
      const model = (await app.inject({ method: 'GET', url: '/v1/model' })).json() as typeof info;
      await app.close();
      return { l1, model };
    };
    const weak = await cost('reverse-sigmoid', 0.1);
    const strong = await cost('reverse-sigmoid', 0.5);
    expect(strong.l1).toBeGreaterThan(2 * weak.l1); // β was ignored before (stuck at 1)
    expect(weak.model.strength).toEqual({
      symbol: 'β',
      meaning: DEFENCE_STRENGTHS['reverse-sigmoid']!.meaning,
      value: 0.1,
    });
    expect(weak.model.epsilon).toBe(0);
    const k1 = await cost('round', 1);
    const k3 = await cost('round', 3);
    expect(k3.l1).toBeLessThan(k1.l1);
    expect(k3.model.strength?.symbol).toBe('k');
    const eps = await cost('random-class', 0.2);
    expect(eps.model.strength?.value).toBe(0.2);
    expect(eps.model.epsilon).toBe(0.2);
    expect(strengthOptions('adaptive-misinformation', 0.1)).toEqual({ quantile: 0.1 });
  });

  it('GET /v1/model leaves out file paths; every response says nosniff', async () => {
    const { app } = buildServer({
      be,
      net,
      metadata: { data: { name: 'csv', paths: ['/home/someone/secret/data.csv'], threshold: 0.5 }, testAccuracy: 0.9 },
      modelName: 't',
      defence: 'none',
      strength: 0,
      seed: 1,
      logger: false,
    });
    const m = await app.inject({ method: 'GET', url: '/v1/model' });
    expect(m.body).not.toContain('/home/someone');
    expect(m.json().metadata).toEqual({ data: { name: 'csv', threshold: 0.5 }, testAccuracy: 0.9 });
    for (const url of ['/v1/model', '/healthz', '/readyz', '/nothing'])
      expect((await app.inject({ method: 'GET', url })).headers['x-content-type-options'], url).toBe('nosniff');
    const bad = await app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: [[2]] } });
    expect(bad.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });

  it('a full batch (256 rows) of real grey values at full precision fits the default body limit', async () => {
    const wide = createDeepRbm([196, 8, 10], createRng(4));
    const { app, info } = buildServer({
      be,
      net: wide,
      metadata: {},
      modelName: 'w',
      defence: 'none',
      strength: 0,
      seed: 1,
      logger: false,
    });
    const rng = createRng(11);
    // the longest JSON numbers in [0, 1]: 17 significant digits, some with exponents
    const rows = Array.from({ length: 256 }, () =>
      Array.from({ length: 196 }, (_, j) => (j % 7 === 0 ? rng.nextFloat() * 1e-7 : rng.nextFloat())),
    );
    const payload = JSON.stringify({ inputs: rows });
    expect(payload.length).toBeGreaterThan(256 * 196 * 8 + 1024); // the old limit refused it (413)
    const res = await app.inject({
      method: 'POST',
      url: '/v1/predict',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(payload.length).toBeLessThanOrEqual(info.bodyLimitBytes);
    await app.close();
  });

  it('while the defence is built: /healthz answers "starting", /readyz and /v1/predict 503 with Retry-After; then ready', async () => {
    const server = buildServer({
      be,
      net,
      metadata: {},
      modelName: 't',
      defence: 'fim',
      strength: 0.1,
      seed: 1,
      logger: false,
    });
    const { app } = server;
    expect(server.state()).toBe('starting');
    const h = await app.inject({ method: 'GET', url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ status: 'ok', state: 'starting' });
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const p = await app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: inputs(16, 1, 1) } });
    expect(p.statusCode).toBe(503);
    expect(p.json().message).toMatch(/starting/);
    expect(p.headers['retry-after']).toBeDefined();
    // /healthz answers between the classes of the FIM cache: the event loop is not held for the whole build
    let answeredDuringWarm = 0;
    const warming = server.warm();
    const poll = (async () => {
      while (server.state() === 'starting') {
        const res = await app.inject({ method: 'GET', url: '/healthz' });
        if (res.json().state === 'starting') answeredDuringWarm++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await warming;
    await poll;
    expect(answeredDuringWarm).toBeGreaterThan(0);
    expect(server.state()).toBe('ready');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const ok = await app.inject({ method: 'POST', url: '/v1/predict', payload: { inputs: inputs(16, 1, 1) } });
    expect(ok.statusCode).toBe(200);
    await app.close();
  });
});

/** One HTTP request on its own connection (no pooling), with the status, headers and time. */
function rawPost(
  port: number,
  body: string,
  agentKeepAlive = false,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; ms: number; error?: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/predict',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        agent: agentKeepAlive ? undefined : false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, ms: performance.now() - t0 }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ status: 0, headers: {}, ms: performance.now() - t0, error: e.code ?? e.message }),
    );
    req.end(body);
  });
}

describe('serving under load', () => {
  it('overload (rgdl serve in its own process): every request is answered 200 or 503 (with Retry-After) within the timeout, none reset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-overload-'));
    const model = join(dir, 'm.json');
    // wide enough that a batch of 256 takes tens of ms (sampled answers)
    saveModel(model, createDeepRbm([196, 64, 10], createRng(2)), { data: { name: 'test' } });
    const timeoutMs = 3000;
    const child = spawnRgdl([
      'serve',
      '--model',
      model,
      '--port',
      '0',
      '--defence',
      'random-class',
      '--strength',
      '0.1',
      '--max-queue',
      '1',
      '--timeout',
      String(timeoutMs),
      '--log-level',
      'warn',
    ]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) {
          clearInterval(timer);
          resolve(m[1]!);
        }
      }, 50);
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const port = Number(new URL(url).port);
    try {
      const rng = createRng(3);
      const body = JSON.stringify({
        inputs: Array.from({ length: 256 }, () => Array.from({ length: 196 }, () => (rng.nextFloat() < 0.2 ? 1 : 0))),
      });
      // deterministic overload, whatever the machine's speed: 8 requests send their headers and all but the
      // last bytes of their bodies, so the one admitted stays in the queue (of 1) while the others arrive
      const head = `POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
      const held = body.slice(-10);
      const t0 = performance.now();
      const sockets = Array.from({ length: 8 }, () => {
        const socket = connect(port, '127.0.0.1');
        let reply = '';
        const done = new Promise<{ status: number; reply: string; ms: number; error?: string }>((resolve) => {
          socket.on('data', (d) => (reply += d.toString()));
          socket.on('error', (e: NodeJS.ErrnoException) => {
            if (reply === '') resolve({ status: 0, reply, ms: performance.now() - t0, error: e.code ?? e.message });
          });
          socket.on('close', () =>
            resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1] ?? 0), reply, ms: performance.now() - t0 }),
          );
        });
        socket.write(head + body.slice(0, -10));
        return { socket, done, reply: () => reply };
      });
      // wait until 7 have been answered (at once, before their bodies are complete), then complete every body
      for (let i = 0; i < 1000 && sockets.filter((s) => s.reply() !== '').length < 7; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      for (const s of sockets) if (!s.socket.destroyed) s.socket.write(held, () => undefined);
      const results = await Promise.all(sockets.map((s) => s.done));
      expect(results.filter((r) => r.error !== undefined).map((r) => r.error)).toEqual([]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 503, 503, 503, 503, 503, 503, 503]);
      for (const r of results.filter((x) => x.status === 503))
        expect(r.reply).toMatch(/\r\nretry-after: [1-9]\d*\r\n/i);
      // a bound on the wait: the timeout plus a few predictions' compute (loose: a loaded machine computes slower)
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(timeoutMs + 4000);
      const health = (await (await fetch(`${url}/healthz`)).json()) as { rejected: number };
      expect(health.rejected).toBe(7);
    } finally {
      const exit = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exit;
    }
  }, 60_000);

  it('draining (SIGTERM): requests in flight finish with Connection: close, new ones get 503, not resets', async () => {
    const be = await createBackend({ prefer: 'cpu' });
    const net = createDeepRbm([196, 64, 10], createRng(2));
    const server = buildServer({
      be,
      net,
      metadata: {},
      modelName: 'w',
      defence: 'none',
      strength: 0,
      seed: 1,
      drainGraceMs: 400,
      logger: false,
    });
    const port = Number(new URL(await server.app.listen({ port: 0, host: '127.0.0.1' })).port);
    try {
      const rng = createRng(3);
      const body = JSON.stringify({
        inputs: Array.from({ length: 256 }, () => Array.from({ length: 196 }, () => (rng.nextFloat() < 0.2 ? 1 : 0))),
      });
      const inflight = rawPost(port, body);
      // drain once the request is admitted (on a loaded machine its headers may take a while)
      for (let i = 0; i < 2000; i++) {
        const h = await server.app.inject({ method: 'GET', url: '/healthz' });
        if ((h.json() as { pending: number }).pending > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const drained = server.drain();
      const late = await rawPost(port, JSON.stringify({ inputs: [new Array(196).fill(0)] }));
      const first = await inflight;
      await drained;
      expect(first.status).toBe(200);
      expect(first.headers.connection).toBe('close');
      expect(late.error).toBeUndefined();
      expect(late.status).toBe(503);
      expect(late.headers.connection).toBe('close');
      expect(late.headers['retry-after']).toBeDefined();
    } finally {
      be.dispose();
    }
  }, 30_000);
});

describe('the page never hands out the model (serve --ui)', () => {
  const ui = defaultUiDirectory();
  const victimPath = join(import.meta.dirname, '..', '..', '..', 'web', 'fixtures', 'victim.json');
  it.runIf(ui !== undefined)(
    'no file of the built page, no traversal and not the model path returns model parameters',
    async () => {
      const be = await createBackend({ prefer: 'cpu' });
      const text = readFileSync(victimPath, 'utf8');
      const { net } = parseModel(text);
      // a fragment of every layer's weights as stored (base64), to look for in every response
      const doc = JSON.parse(text) as { layers: { W: string }[] };
      const fragments = doc.layers.map((l) => l.W.slice(100, 140));
      const server = buildServer({
        be,
        net,
        metadata: {},
        modelName: 'victim.json',
        modelPath: victimPath,
        defence: 'random-class',
        strength: 0.2,
        seed: 1,
        logger: false,
        uiDirectory: ui!,
      });
      await server.warm();
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          if (statSync(p).isDirectory()) walk(p);
          else files.push('/' + relative(ui!, p).split('\\').join('/'));
        }
      };
      walk(ui!);
      expect(files).toContain('/index.html');
      const urls = [
        ...files,
        '/',
        '/victim.json',
        '/v1/model/../../victim.json',
        '/%2e%2e/fixtures/victim.json',
        '/..%2ffixtures%2fvictim.json',
        `/${'../'.repeat(8)}${victimPath}`,
        `/%2e%2e%2f%2e%2e%2f%2e%2e%2ffixtures%2fvictim.json`,
        '/%25',
        '/%',
        '/v1/diagnosis',
        '/v1/model',
      ];
      for (const url of urls) {
        const res = await server.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBeLessThan(500);
        // every file of the page is served (the check below must not pass by refusing them)
        if (files.includes(url)) expect(res.statusCode, url).toBe(200);
        expect(res.body.trimStart().startsWith('{') && res.body.includes('"rgdl-deep-rbm"'), url).toBe(false);
        for (const f of fragments) expect(res.body, url).not.toContain(f);
      }
      // a model file dropped into the page folder, or the model's own path inside it, is refused too
      const inside = mkdtempSync(join(tmpdir(), 'rgdl-ui-model-'));
      writeFileSync(join(inside, 'index.html'), '<!doctype html><title>p</title>');
      writeFileSync(join(inside, 'copy.json'), text);
      writeFileSync(join(inside, 'served.json'), text);
      const second = buildServer({
        be,
        net,
        metadata: {},
        modelName: 'served.json',
        modelPath: join(inside, 'served.json'),
        defence: 'none',
        strength: 0,
        seed: 1,
        logger: false,
        uiDirectory: inside,
      });
      for (const url of ['/copy.json', '/served.json', '/index.html']) {
        const res = await second.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(url === '/index.html' ? 200 : 404);
        for (const f of fragments) expect(res.body, url).not.toContain(f);
      }
      await second.app.close();
      // odd paths are client errors, never 500 (the page path used to be decoded twice)
      expect((await server.app.inject({ method: 'GET', url: '/%25' })).statusCode).toBe(404);
      const page = await server.app.inject({ method: 'GET', url: '/' });
      expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      // the diagnosis: aggregates only (λ₁ per class, singular values), no directions
      const d = (await server.app.inject({ method: 'GET', url: '/v1/diagnosis' })).json();
      expect(Object.keys(d).sort()).toEqual(['fisherTopEigenvalues', 'seconds', 'stability']);
      expect(d.fisherTopEigenvalues).toHaveLength(10);
      await server.app.close();
      be.dispose();
    },
    120_000,
  );
});
