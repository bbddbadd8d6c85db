/**
 * The README's demo failed on a slower machine: while the attacker trained its
 * clones (synchronous work), the server closed the idle keep-alive socket, and
 * the next request was written on the dead socket (ECONNRESET). The client now
 * repeats such a request on a new connection. These tests block the client's
 * event loop for longer than the server's keep-alive between two requests.
 */
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, createRng, fromRows, type Backend } from '@rgdl/gpu-kernels';
import { httpSource, runCloneAttack, type RetryEvent } from '@rgdl/poison';
import { createDeepRbm, loadMnist, type DeepRbm } from '@rgdl/rbm';
import { buildServer } from './app.js';

/** Blocks this thread (and its event loop) for `ms`, as a clone's training does. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin */
  }
}

const KEEP_ALIVE_MS = 2000; // the smallest that undici reuses a socket for (it keeps it timeout − 1 s)

describe('a client that blocks longer than the server keep-alive', () => {
  let be: Backend;
  let net: DeepRbm;
  const apps: { close(): Promise<unknown> }[] = [];
  const urls: string[] = [];
  beforeAll(async () => {
    be = await createBackend({ prefer: 'cpu' });
    net = createDeepRbm([16, 6, 4], createRng(3), { weightScale: 1 });
    for (const defence of ['none', 'random-class'] as const) {
      const { app } = buildServer({
        be,
        net,
        metadata: {},
        modelName: 'tiny',
        defence,
        strength: 0.1,
        seed: 1,
        keepAliveTimeoutMs: KEEP_ALIVE_MS,
        logger: false,
      });
      apps.push(app);
      urls.push(await app.listen({ port: 0, host: '127.0.0.1' }));
    }
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    be.dispose();
  });
  const x = () => fromRows([Array.from({ length: 16 }, (_, j) => j % 2)]);

  it('one server: the second request after a long block is answered (repeated on a new connection if need be)', async () => {
    const retries: RetryEvent[] = [];
    const source = await httpSource(urls[0]!, { onRetry: (e) => retries.push(e) });
    const first = await source.answer(x());
    busy(KEEP_ALIVE_MS + 1000);
    const second = await source.answer(x());
    expect(Array.from(second.served.data)).toEqual(Array.from(first.served.data));
    for (const r of retries) expect(r.reason).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed|EPIPE/);
  }, 30_000);

  it('two servers, alternating with blocks between: every answer arrives', async () => {
    const sources = await Promise.all(urls.map((u) => httpSource(u)));
    for (let round = 0; round < 3; round++) {
      for (const s of sources) {
        const r = await s.answer(x());
        expect(r.served.rows).toBe(1);
        busy(KEEP_ALIVE_MS + 500);
      }
    }
  }, 60_000);
});

/**
 * A server that answers the first request of every connection with keep-alive,
 * and resets the connection when a second request arrives on it: the race of a
 * keep-alive socket closed by the server just as the client reuses it, made
 * deterministic.
 */
async function resettingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let requests = 0;
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      const head = buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, head))?.[1] ?? 0);
      if (buffer.length < head + 4 + length) return;
      const path = buffer.split(' ')[1];
      buffer = '';
      if (++requests > 1) {
        socket.resetAndDestroy();
        return;
      }
      const body =
        path === '/v1/model'
          ? JSON.stringify({ widths: [16, 6, 4], defence: 'none', epsilon: 0, batchLimit: 8 })
          : JSON.stringify({ labels: [0], answers: [[0.7, 0.1, 0.1, 0.1]] });
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: keep-alive\r\nkeep-alive: timeout=30\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a request written on a connection the server resets', () => {
  const x = () => fromRows([Array.from({ length: 16 }, (_, j) => j % 2)]);
  it('is repeated on a new connection, and told at --debug (onRetry)', async () => {
    const server = await resettingServer();
    try {
      const retries: RetryEvent[] = [];
      const source = await httpSource(server.url, { onRetry: (e) => retries.push(e), backoffMs: 10 });
      for (let i = 0; i < 3; i++)
        expect(Array.from((await source.answer(x())).served.data)).toEqual([0.7, 0.1, 0.1, 0.1]);
      expect(retries.length).toBeGreaterThanOrEqual(3); // every request after the first met a reset connection
      expect(retries[0]!.reason).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed/);
      expect(server.connections()).toBeGreaterThanOrEqual(4);
    } finally {
      await server.close();
    }
  });
  it('without retries it fails with one line, kind "unreachable" (the CLI exits 4)', async () => {
    const server = await resettingServer();
    try {
      const source = await httpSource(server.url, { retries: 0 });
      const failures: unknown[] = [];
      for (let i = 0; i < 3; i++) await source.answer(x()).catch((error: unknown) => failures.push(error));
      expect(failures.length).toBeGreaterThan(0);
      expect(failures[0]).toMatchObject({
        kind: 'unreachable',
        message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/predict \([^\n]+\)$/),
      });
    } finally {
      await server.close();
    }
  });
});

describe("the demo's attack loop over HTTP with its default seeds and queries", () => {
  it('5 seeds × 1,500 queries against three servers with the default keep-alive: completes', async () => {
    const be = await createBackend({ prefer: 'cpu' });
    const net = createDeepRbm([196, 64, 10], createRng(5));
    const apps = (['none', 'fim', 'random-class'] as const).map(
      (defence) =>
        buildServer({
          be,
          net,
          metadata: {},
          modelName: 'demo-like',
          defence,
          strength: 0.2,
          seed: 1,
          directions: {
            // any fixed per-class cache will do here: the test is about the transport
            eigenvalues: new Float64Array(10).fill(1),
            lambda1Errors: new Float64Array(10),
            gaps: Array.from({ length: 10 }, () => null),
            directions: Array.from({ length: 10 }, () =>
              Float64Array.from({ length: 10 }, (_, j) => (j === 0 ? 1 : 0)),
            ),
            fisher: Array.from({ length: 10 }, () =>
              Float64Array.from({ length: 100 }, (_, k) => (k % 11 === 0 ? 1 : 0)),
            ),
            candidates: Array.from({ length: 10 }, () => [
              Float64Array.from({ length: 10 }, (_, j) => (j === 0 ? 0.7071 : j === 1 ? -0.7071 : 0)),
            ]),
            smallest: Array.from({ length: 10 }, () =>
              Float64Array.from({ length: 10 }, (_, j) => (j === 2 ? 0.7071 : j === 3 ? -0.7071 : 0)),
            ),
          },
          logger: false,
        }).app,
    );
    try {
      const urls = await Promise.all(apps.map((a) => a.listen({ port: 0, host: '127.0.0.1' })));
      const retries: RetryEvent[] = [];
      const sources = await Promise.all(urls.map((u) => httpSource(u, { onRetry: (e) => retries.push(e) })));
      const pool = loadMnist({ size: 14, split: 'attacker' });
      const test = loadMnist({ size: 14, split: 'test', limit: 300 });
      const result = await runCloneAttack(be, {
        sources,
        attacker: 'softmax',
        widths: [196, 64, 10],
        pool: pool.x,
        queries: 1500,
        test: test.x,
        testLabels: test.labels,
        seeds: [1, 2, 3, 4, 5],
      });
      expect(result.sources).toHaveLength(3);
      for (const s of result.sources) expect(s.perSeed).toHaveLength(5);
      console.log(`attack loop over HTTP: ${result.seconds.toFixed(1)} s, ${retries.length} retries`);
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      be.dispose();
    }
  }, 300_000);
});
