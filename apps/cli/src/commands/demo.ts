import {
  createBackend, createRng, naiveMatmul, type Backend, type Matrix,
} from '@rgdl/gpu-kernels';
import type { Command } from '../command.js';
import { choiceFlag, intFlag } from '../flags.js';
import { table } from '../io.js';

interface ThroughputRow {
  readonly n: number;
  readonly dtype: 'f64' | 'f32';
  readonly ms: number;
  readonly gflops: number;
}

function randomSquare(seed: number, n: number, f32: boolean): Matrix<Float64Array | Float32Array> {
  const rng = createRng(seed);
  const data = f32 ? new Float32Array(n * n) : new Float64Array(n * n);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat() * 2 - 1;
  return { rows: n, cols: n, data };
}

/** Best of `reps` wall times of op(A)·op(B), in ms. */
function timeMatmul(be: Backend, a: Matrix<Float64Array | Float32Array>, reps: number): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    be.matmul(a as Matrix<Float64Array>, a as Matrix<Float64Array>);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the end-to-end demo (currently: the linear-algebra kernels)',
  usage: 'rgdl demo [--backend gpu|cpu] [--max-n N] [--seed S] [--json]',
  help: `Creates a backend (gpu.js when a GPU context exists, otherwise the WASM-SIMD
CPU path, saying why), checks its products against a naive reference, and times
square matrix products.

Options:
  --backend gpu|cpu   backend to prefer (default gpu, falls back to cpu)
  --max-n N           largest matrix size timed (default 1024)
  --seed S            seed for the random matrices (default 1)
  --json              print one JSON object instead of tables
`,
  options: {
    backend: { type: 'string' },
    'max-n': { type: 'string' },
  },
  async run({ values }, io) {
    const prefer = choiceFlag('backend', values.backend, ['gpu', 'cpu'] as const, 'gpu');
    const maxN = intFlag('max-n', values['max-n'], 1024, 16);
    const seed = intFlag('seed', values.seed, 1);
    const t0 = performance.now();
    const be = await createBackend({ prefer });
    try {
      await be.ready();
      // correctness against the naive reference on a shape that is no multiple of any tile
      const rng = createRng(seed);
      const a: Matrix<Float64Array> = { rows: 123, cols: 77, data: Float64Array.from({ length: 123 * 77 }, () => rng.nextFloat() - 0.5) };
      const b: Matrix<Float64Array> = { rows: 77, cols: 91, data: Float64Array.from({ length: 77 * 91 }, () => rng.nextFloat() - 0.5) };
      const c = be.matmul(a, b);
      const ref = naiveMatmul(a, b);
      let maxErr = 0;
      for (let i = 0; i < c.data.length; i++) maxErr = Math.max(maxErr, Math.abs(c.data[i]! - ref.data[i]!));
      const cov = be.covariance(be.sampleBernoulli({ rows: 2000, cols: 8, data: new Float64Array(16000).fill(0.5) }, rng));
      const topVariance = be.symmetricEigen(cov).values[0]!;

      const sizes = [128, 256, 512, 1024, 2048].filter((n) => n <= maxN);
      const rows: ThroughputRow[] = [];
      for (const dtype of ['f64', 'f32'] as const) {
        for (const n of sizes) {
          const m = randomSquare(seed + n, n, dtype === 'f32');
          be.matmul(m as Matrix<Float64Array>, m as Matrix<Float64Array>); // warm-up
          const ms = timeMatmul(be, m, n >= 1024 ? 2 : 4);
          rows.push({ n, dtype, ms, gflops: (2 * n ** 3) / ms / 1e6 });
        }
      }
      const result = {
        backend: { name: be.name, mode: be.mode, precision: be.precision, fallbackReason: be.fallbackReason ?? null },
        checks: {
          matmulMaxAbsErrorVsNaive: maxErr,
          bernoulliCovarianceTopEigenvalue: topVariance,
        },
        throughput: rows,
        wallSeconds: (performance.now() - t0) / 1000,
      };
      if (values.json === true) {
        io.out(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      io.out(`backend: ${be.name} (${be.mode}, ${be.precision})\n`);
      if (be.fallbackReason) io.out(`  fallback: ${be.fallbackReason}\n`);
      io.out(`check: 123×77 · 77×91 max |C − naive| = ${maxErr.toExponential(2)}\n`);
      io.out(`check: top eigenvalue of Cov(Bernoulli(½)^8) = ${topVariance.toFixed(4)} (population value 0.25)\n\n`);
      io.out(table(['n', 'dtype', 'ms (best)', 'GFLOP/s'], rows.map((r) => [r.n, r.dtype, r.ms.toFixed(2), r.gflops.toFixed(1)])));
      io.out(`\ndone in ${result.wallSeconds.toFixed(1)} s\n`);
    } finally {
      be.dispose();
    }
  },
};
