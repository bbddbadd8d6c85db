/**
 * RBM suite: (1) one training epoch of a 784→256 RBM on the 10,000 MNIST digits,
 * batch 100, CD-1 and PCD-1, beside scikit-learn's BernoulliRBM (PCD-1, same
 * sizes, learning rate and batch) measured in the same run when installed;
 * (2) time of exact classification propagation as the hidden width grows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { classifyExact, createDeepRbm, createLayer, dataSource, fitRbm, loadMnist } from '@rgdl/rbm';
import { measure } from '../measure.js';
import { runPythonReference } from '../python-reference.js';

export interface EpochRow {
  readonly impl: string;
  readonly method: string;
  readonly seconds: number;
  readonly note?: string;
}

export interface ExactRow {
  readonly widths: number[];
  readonly batch: number;
  readonly ms: number;
  /** bytes of the largest distribution carried (batch · 2^{n} · 8) */
  readonly distributionBytes: number;
}

export interface RbmResult {
  readonly epoch: EpochRow[];
  readonly sklearn: string;
  readonly exact: ExactRow[];
}

const SKLEARN_SCRIPT = (file: string, rows: number, cols: number, repeats: number) => `
import json, time, numpy as np, sklearn
from sklearn.neural_network import BernoulliRBM
X = np.fromfile(${JSON.stringify(file)}, dtype='<f8').reshape(${rows}, ${cols})
best = 1e9
for r in range(${repeats}):
    rbm = BernoulliRBM(n_components=256, learning_rate=0.1, batch_size=100, n_iter=1, random_state=r)
    t0 = time.perf_counter(); rbm.fit(X); best = min(best, time.perf_counter() - t0)
print(json.dumps({'seconds': best, 'version': sklearn.__version__}))
`;

export async function runRbmSuite(options: { quick: boolean; log: (line: string) => void }): Promise<RbmResult> {
  const { quick, log } = options;
  const data = loadMnist({ size: 28, split: 'all', ...(quick ? { limit: 1000 } : {}) });
  const repeats = quick ? 1 : 3;
  const epoch: EpochRow[] = [];
  for (const threads of [1, 2]) {
    const be = createCpuBackend({ threads });
    await be.ready();
    for (const [negative, precision] of [
      ['cd', 'f64'],
      ['pcd', 'f64'],
      ['cd', 'f32'],
      ['pcd', 'f32'],
    ] as const) {
      const layer = createLayer(256, 784, createRng(1), { weightScale: 0.01 });
      const rng = createRng(2);
      const source = dataSource(be, data.x, 100, rng);
      const t = await measure(
        `rbm epoch ${negative}`,
        () =>
          fitRbm(be, layer, source, {
            epochs: 1,
            learningRate: 0.1,
            momentum: 0,
            weightDecay: 0,
            negative,
            k: 1,
            rng,
            precision,
          }),
        { timeMs: 0, iterations: repeats, warmup: 1 },
      );
      epoch.push({
        impl: `rgdl (${be.mode}, ${precision})`,
        method: `${negative.toUpperCase()}-1`,
        seconds: t.minMs / 1000,
      });
      log(
        `  rgdl ${be.mode} ${precision} ${negative}-1 epoch on ${data.x.rows}×784 → 256: ${(t.minMs / 1000).toFixed(3)} s`,
      );
    }
    be.dispose();
  }
  let sklearn = 'not measured';
  const dir = mkdtempSync(join(tmpdir(), 'rgdl-bench-'));
  try {
    const file = join(dir, 'mnist.f64');
    writeFileSync(file, Buffer.from(data.x.data.buffer, data.x.data.byteOffset, data.x.data.byteLength));
    for (const threads of ['1', 'all'] as const) {
      const env: Record<string, string> = threads === '1' ? { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } : {};
      const ref = runPythonReference(SKLEARN_SCRIPT(file, data.x.rows, 784, repeats), ['numpy', 'sklearn'], env);
      if ('unavailable' in ref) {
        sklearn = ref.unavailable;
        break;
      }
      const r = ref.result as { seconds: number; version: string };
      sklearn = `scikit-learn ${r.version} (${ref.python})`;
      epoch.push({
        impl: `scikit-learn BernoulliRBM (${threads === '1' ? '1 thread' : 'all threads'})`,
        method: 'PCD-1',
        seconds: r.seconds,
      });
      log(`  sklearn (${threads} threads) PCD-1 epoch: ${r.seconds.toFixed(3)} s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // exact classification propagation: [64, n, 10] (one wide step 2^n → 2^10) and [16, n, n] (2^n → 2^n)
  const exact: ExactRow[] = [];
  const be = createCpuBackend();
  await be.ready();
  const shapes: number[][] = [];
  for (const n of quick ? [8, 10] : [8, 10, 12, 14, 16, 18]) shapes.push([64, n, 10]);
  for (const n of quick ? [6, 8] : [6, 8, 10, 12, 13]) shapes.push([16, n, n]);
  for (const w of shapes) {
    const net = createDeepRbm(w, createRng(3), { weightScale: 0.3 });
    const batch = 4;
    const x = matrix(
      batch,
      w[0]!,
      Float64Array.from({ length: batch * w[0]! }, (_, i) => ((i * 7919) % 3 === 0 ? 1 : 0)),
    );
    const t = await measure(`exact ${w.join('-')}`, () => classifyExact(be, net, x), {
      timeMs: 0,
      iterations: quick ? 1 : 2,
      warmup: 0,
    });
    const maxN = Math.max(...w.slice(1));
    exact.push({ widths: w, batch, ms: t.minMs, distributionBytes: batch * 2 ** maxN * 8 });
    log(`  exact classification [${w.join(', ')}] batch ${batch}: ${t.minMs.toFixed(1)} ms`);
  }
  be.dispose();
  return { epoch, sklearn, exact };
}

export function rbmMarkdown(r: RbmResult): string {
  const sk = r.epoch.find((e) => e.impl.startsWith('scikit-learn') && e.impl.includes('all threads'));
  const lines = [
    '### One training epoch, 784 → 256 RBM, batch 100, learning rate 0.1',
    '',
    '| implementation (mode, arithmetic) | method | seconds / epoch | time ÷ scikit-learn (all threads, f64) |',
    '|---|---|---:|---:|',
    ...r.epoch.map(
      (e) =>
        `| ${e.impl} | ${e.method} | ${e.seconds.toFixed(3)} | ${sk ? (e.seconds / sk.seconds).toFixed(2) : '—'} |`,
    ),
    '',
    `Reference: ${r.sklearn}. scikit-learn's BernoulliRBM runs PCD-1: the same five matrix products per batch as CD-1. rgdl's f32 rows use the cpu backend's fused trainer (every operand resident in wasm memory, one stacked statistics product, σ and Bernoulli draws fused and split over both threads).`,
    '',
    '### Exact classification propagation (batch of 4 inputs)',
    '',
    '| widths | ms | largest distribution carried |',
    '|---|---:|---:|',
    ...r.exact.map(
      (e) => `| [${e.widths.join(', ')}] | ${e.ms.toFixed(1)} | ${(e.distributionBytes / 2 ** 20).toFixed(2)} MiB |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
