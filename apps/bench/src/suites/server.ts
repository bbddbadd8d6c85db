/**
 * Server suite: a load test of `rgdl serve` (a separate process, as users run
 * it) on 127.0.0.1. The victim is a [196, 64, 10] deep RBM trained on 3,000
 * 14×14 MNIST digits; the server runs the 'fim' defence (ε = 0.05) with its
 * default JSON-line logging. A closed-loop client keeps `concurrency` requests
 * in flight for a bounded time and count, for batches of 1 and 64 test digits.
 * Reference from the same run: the same defended answers computed in process
 * (PredictionService.answer, no HTTP), so the HTTP + JSON + logging overhead is
 * the difference. Memory: the server's RSS and heap before and after (GET /healthz).
 * Robustness: garbage bodies sent after the load must all get 4xx and leave it up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createCpuBackend, createRng, fromRows } from '@rgdl/gpu-kernels';
import { createService, fingerprintFeatures, serializeWatermarkKey } from '@rgdl/poison';
import { loadMnist, saveModel, trainVictim, VICTIM_RECIPES, victimRecipe } from '@rgdl/rbm';
import { measure } from '../measure.js';

export interface LoadRow {
  readonly batch: number;
  readonly concurrency: number;
  readonly requests: number;
  /** Answers other than 200 and 503. */
  readonly errors: number;
  /** 503 answers (overloaded: the queue was full or the wait passed the timeout). */
  readonly unavailable: number;
  /** Requests with no HTTP answer (reset, refused or closed connections). */
  readonly resets: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly inputsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Reference: in-process PredictionService.answer for the same batch, mean ms. */
  readonly inProcessMs: number;
}

export interface Memory {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export interface ServerSuiteResult {
  readonly widths: number[];
  readonly defence: string;
  readonly epsilon: number;
  readonly startupSeconds: number;
  readonly rows: LoadRow[];
  readonly memoryBefore: Memory;
  readonly memoryAfter: Memory;
  readonly garbage: { readonly sent: number; readonly answered4xx: number; readonly aliveAfter: boolean };
  /**
   * The same server with a named client, per-client detection and the watermark
   * (`--keys --detect --watermark-key`), against the plain one, measured in
   * alternating rounds in the same run: p50 and p99 of each, one request in flight.
   */
  readonly protectedRows: readonly {
    readonly batch: number;
    readonly plainP50Ms: number;
    readonly protectedP50Ms: number;
    readonly plainP99Ms: number;
    readonly protectedP99Ms: number;
    readonly requests: number;
    readonly protectedErrors: number;
  }[];
  readonly protectedStartupSeconds: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function health(url: string): Promise<Memory & { ok: boolean }> {
  const r = await fetch(`${url}/healthz`);
  const j = (await r.json()) as { status: string; memory: Memory };
  return { ok: r.ok && j.status === 'ok', ...j.memory };
}

/** `rgdl serve --model <model> --port 0 <args>` from source; resolves with its URL once it listens. */
export function startServer(
  model: string,
  args: readonly string[] = ['--defence', 'fim', '--eps', '0.05'],
): Promise<{ child: ChildProcess; url: string; startupSeconds: number }> {
  const t0 = performance.now();
  const cliMain = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@rgdl/source', cliMain, 'serve', '--model', model, '--port', '0', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let head = '';
    const onData = (d: Buffer) => {
      if (head.length > 100_000) return; // only the start-up lines matter; later logs are drained unread
      head += d.toString();
      const m = /rgdl serve: ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(head);
      if (m) resolve({ child, url: m[1]!, startupSeconds: (performance.now() - t0) / 1000 });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`rgdl serve exited with ${code}: ${head.slice(0, 2000)}`)));
  });
}

/**
 * One POST on a keep-alive agent (node:http). The load uses node:http rather than
 * fetch: measured on this server under overload, fetch resolved a 503 sent before
 * the body was read only after it had pushed the whole body through (up to 7.4 s),
 * while node:http saw the same 503s within 0.7 s.
 */
function post(agent: Agent, url: URL, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: '/v1/predict',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function load(
  url: string,
  bodies: readonly string[],
  concurrency: number,
  maxRequests: number,
  maxSeconds: number,
  headers: Record<string, string> = {},
): Promise<{ latencies: number[]; errors: number; unavailable: number; resets: number; seconds: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let unavailable = 0;
  let resets = 0;
  let sent = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  const worker = async () => {
    while (sent < maxRequests && performance.now() < deadline) {
      const body = bodies[sent++ % bodies.length]!;
      const s = performance.now();
      try {
        const status = await post(agent, target, body, headers);
        if (status === 503) unavailable++;
        else if (status !== 200) errors++;
      } catch {
        resets++; // no HTTP answer at all (reset, refused, closed)
      }
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { latencies, errors, unavailable, resets, seconds: (performance.now() - t0) / 1000 };
}

export async function runServerSuite(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<ServerSuiteResult> {
  const { quick, log } = options;
  const be = createCpuBackend();
  await be.ready();
  const widths = [196, 64, 10];
  const recipe = VICTIM_RECIPES.demo;
  const net = trainVictim(
    be,
    quick ? victimRecipe(widths, { fineTune: { ...recipe.fineTune, epochs: 3 } }) : recipe,
    loadMnist({ size: 14, split: 'train' }),
    loadMnist({ size: 14, split: 'attacker' }),
    { seed: 1 },
  ).net;
  const dir = mkdtempSync(join(tmpdir(), 'rgdl-bench-server-'));
  // the watermark key of the protected server: the linear fingerprint on the training digits' 16 components
  const features = fingerprintFeatures(be, loadMnist({ size: 14, split: 'train' }).x, 16);
  const model = join(dir, 'victim.json');
  saveModel(model, net, { data: { name: 'mnist', size: 14 } });
  const test = loadMnist({ size: 14, split: 'test' });
  const rows = Array.from({ length: test.x.rows }, (_, r) => Array.from(test.x.data.slice(r * 196, (r + 1) * 196)));
  const bodiesFor = (batch: number) =>
    Array.from({ length: 16 }, (_, k) =>
      JSON.stringify({ inputs: Array.from({ length: batch }, (_, i) => rows[(k * batch + i) % rows.length]!) }),
    );

  // in-process reference (same defence, same options as the server)
  const service = createService(be, net, { defence: 'fim', epsilon: 0.05, seed: 1 });
  service.warm();
  const inProcess = new Map<number, number>();
  for (const batch of [1, 64, 256]) {
    const xs = fromRows(rows.slice(0, batch));
    inProcess.set(
      batch,
      (await measure(`answer ${batch}`, () => service.answer(xs), { timeMs: quick ? 300 : 1500, iterations: 5 }))
        .meanMs,
    );
  }
  be.dispose();

  const { child, url, startupSeconds } = await startServer(model);
  log(`  server up at ${url} in ${startupSeconds.toFixed(1)} s (includes the FIM cache)`);
  try {
    const memoryBefore = await health(url);
    const out: LoadRow[] = [];
    for (const [batch, concurrency] of [
      [1, 1],
      [1, 4],
      [64, 1],
      [64, 4],
      // overload: a full batch, 32 in flight (the server queues at most 8 and answers the rest 503)
      [256, 32],
    ] as const) {
      const bodies = bodiesFor(batch);
      if (concurrency <= 4) await load(url, bodies, concurrency, 40, 5); // warm-up
      const maxRequests = quick ? 200 : batch === 1 ? 5000 : batch === 256 ? 50_000 : 1000;
      const r = await load(url, bodies, concurrency, maxRequests, quick ? 3 : 10);
      const sorted = [...r.latencies].sort((a, b) => a - b);
      const row: LoadRow = {
        batch,
        concurrency,
        requests: r.latencies.length,
        errors: r.errors,
        unavailable: r.unavailable,
        resets: r.resets,
        seconds: r.seconds,
        requestsPerSecond: r.latencies.length / r.seconds,
        // answered inputs only (a 503 answers none)
        inputsPerSecond: (batch * (r.latencies.length - r.unavailable - r.errors - r.resets)) / r.seconds,
        p50Ms: quantile(sorted, 0.5),
        p99Ms: quantile(sorted, 0.99),
        maxMs: sorted[sorted.length - 1]!,
        inProcessMs: inProcess.get(batch)!,
      };
      log(
        `  batch ${batch}, ${concurrency} in flight: ${row.requestsPerSecond.toFixed(0)} req/s, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms (in process ${row.inProcessMs.toFixed(2)} ms), ${row.unavailable} × 503, ${row.resets} resets, ${row.errors} other errors, max ${row.maxMs.toFixed(0)} ms`,
      );
      out.push(row);
    }
    const memoryAfter = await health(url);
    // garbage after load: every one must be refused with 4xx, and the server must stay up
    const rng = createRng(5);
    let answered4xx = 0;
    const sent = 200;
    for (let i = 0; i < sent; i++) {
      const body =
        i % 2 === 0
          ? Buffer.from(
              Array.from({ length: 1 + Math.floor(rng.nextFloat() * 300) }, () => Math.floor(rng.nextFloat() * 256)),
            )
          : JSON.stringify({ inputs: [[...rows[0]!.slice(0, 195), 2]] });
      const r = await fetch(`${url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await r.arrayBuffer();
      if (r.status >= 400 && r.status < 500) answered4xx++;
    }
    const aliveAfter = (await health(url)).ok;
    // the protected server beside the plain one: alternating rounds of the same load
    const key = 'bench-client-key-0123456789';
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ clients: [{ name: 'bench', key }] }));
    writeFileSync(
      join(dir, 'wm.json'),
      serializeWatermarkKey({ secret: new Uint8Array(32).fill(9), rate: 0.005, fingerprint: 0.1, features }),
    );
    const guarded = await startServer(model, [
      '--defence',
      'fim',
      '--eps',
      '0.05',
      '--keys',
      join(dir, 'keys.json'),
      '--detect',
      '--watermark-key',
      join(dir, 'wm.json'),
    ]);
    log(
      `  protected server up at ${guarded.url} in ${guarded.startupSeconds.toFixed(1)} s (FIM cache and calibration)`,
    );
    const protectedRows: ServerSuiteResult['protectedRows'][number][] = [];
    try {
      const auth = { authorization: `Bearer ${key}` };
      for (const batch of [1, 64]) {
        const bodies = bodiesFor(batch);
        const plain: number[] = [];
        const guardedLat: number[] = [];
        let protectedErrors = 0;
        await load(guarded.url, bodies, 1, 40, 5, auth); // warm-up
        for (let round = 0; round < 4; round++) {
          const n = quick ? 50 : batch === 1 ? 1000 : 200;
          plain.push(...(await load(url, bodies, 1, n, quick ? 2 : 5)).latencies);
          const g = await load(guarded.url, bodies, 1, n, quick ? 2 : 5, auth);
          protectedErrors += g.errors + g.unavailable + g.resets;
          guardedLat.push(...g.latencies);
        }
        const sp = [...plain].sort((a, b) => a - b);
        const sg = [...guardedLat].sort((a, b) => a - b);
        const row = {
          batch,
          plainP50Ms: quantile(sp, 0.5),
          protectedP50Ms: quantile(sg, 0.5),
          plainP99Ms: quantile(sp, 0.99),
          protectedP99Ms: quantile(sg, 0.99),
          requests: sg.length,
          protectedErrors,
        };
        log(
          `  batch ${batch}: p50 ${row.plainP50Ms.toFixed(2)} ms plain, ${row.protectedP50Ms.toFixed(2)} ms with detection and watermark (${(row.protectedP50Ms / row.plainP50Ms).toFixed(2)}×)`,
        );
        protectedRows.push(row);
      }
    } finally {
      const exited = new Promise((resolve) => guarded.child.on('exit', resolve));
      guarded.child.kill('SIGTERM');
      await exited;
    }
    return {
      protectedRows,
      protectedStartupSeconds: guarded.startupSeconds,
      widths,
      defence: 'fim',
      epsilon: 0.05,
      startupSeconds,
      rows: out,
      memoryBefore: { rssBytes: memoryBefore.rssBytes, heapUsedBytes: memoryBefore.heapUsedBytes },
      memoryAfter: { rssBytes: memoryAfter.rssBytes, heapUsedBytes: memoryAfter.heapUsedBytes },
      garbage: { sent, answered4xx, aliveAfter },
    };
  } finally {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);

export function serverMarkdown(r: ServerSuiteResult): string {
  return `### Prediction server load test (\`rgdl serve\`, ${r.defence} ε=${r.epsilon}, [${r.widths.join(', ')}], 127.0.0.1)

Closed loop with 1 or 4 requests in flight (one at a time gives the unloaded latency; four show throughput and queueing, since the server computes on one thread), bounded by count and time. The last row is overload: full batches of 256 with 32 in flight against the default queue of 8 and timeout of 10 s; every request must get an answer (200 or 503 with Retry-After) within the timeout, with no resets. The reference is the same defended computation in process (no HTTP, no JSON, no logging), measured in the same run. Start-up (including the per-class FIM cache): ${r.startupSeconds.toFixed(1)} s.

| batch | in flight | requests | 503 | resets | other errors | req/s | inputs/s | p50 ms | p99 ms | max ms | in process, ms per batch |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${r.rows.map((x) => `| ${x.batch} | ${x.concurrency} | ${x.requests} | ${x.unavailable} | ${x.resets} | ${x.errors} | ${x.requestsPerSecond.toFixed(0)} | ${x.inputsPerSecond.toFixed(0)} | ${x.p50Ms.toFixed(2)} | ${x.p99Ms.toFixed(2)} | ${x.maxMs.toFixed(2)} | ${x.inProcessMs.toFixed(2)} |`).join('\n')}

With a named client, per-client detection (PRADA, free-energy OOD rate, answer entropy, input mass; memory store) and the watermark (\`--keys --detect --watermark-key\`), the same load in alternating rounds with the plain server, one request in flight (start-up with the FIM cache and the detectors' calibration: ${r.protectedStartupSeconds.toFixed(1)} s):

| batch | p50 plain ms | p50 protected ms | ratio | p99 plain ms | p99 protected ms | requests | errors |
|---:|---:|---:|---:|---:|---:|---:|---:|
${r.protectedRows.map((x) => `| ${x.batch} | ${x.plainP50Ms.toFixed(2)} | ${x.protectedP50Ms.toFixed(2)} | ${(x.protectedP50Ms / x.plainP50Ms).toFixed(2)} | ${x.plainP99Ms.toFixed(2)} | ${x.protectedP99Ms.toFixed(2)} | ${x.requests} | ${x.protectedErrors} |`).join('\n')}

Server memory (GET /healthz): RSS ${mib(r.memoryBefore.rssBytes)} MiB → ${mib(r.memoryAfter.rssBytes)} MiB, heap ${mib(r.memoryBefore.heapUsedBytes)} MiB → ${mib(r.memoryAfter.heapUsedBytes)} MiB (before → after the load). Garbage bodies after the load: ${r.garbage.answered4xx}/${r.garbage.sent} answered 4xx; server ${r.garbage.aliveAfter ? 'still up' : 'DOWN'}.
`;
}
