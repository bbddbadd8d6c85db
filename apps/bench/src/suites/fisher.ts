/**
 * Fisher suite. (1) Per-query cost of the generation FIM F̃(ŷ) of a trained
 * 784-64-32-10 net (28×28 MNIST) by Monte Carlo (two budgets) and by the RG
 * chain with MCRG singles, and of a per-class cache (F̃ precomputed at the 10
 * one-hot outputs, looked up by the predicted class), with the accuracy of each
 * top eigenvector against a high-budget Monte Carlo reference at the served ŷ
 * (|cos|). (2) The depth study: nets of depth 1–4 trained on the same 14×14
 * data, top eigenvalue of F̃(e_c) over the ten classes and ε for D_KL = 0.01.
 */
import { createCpuBackend, createRng, type Backend } from '@rgdl/gpu-kernels';
import { generationFisher, depthStudy, topEigenpairs, type FisherOptions } from '@rgdl/fisher';
import { classProbabilities, evaluateClassifier, loadMnist, trainVictim, victimRecipe, type DeepRbm } from '@rgdl/rbm';
import { measure } from '../measure.js';

export interface QueryRow {
  readonly estimator: string;
  readonly msPerQuery: number;
  /** mean |cos| between this top eigenvector and the reference one, over the queries */
  readonly meanAbsCosine: number;
  readonly minAbsCosine: number;
}

export interface FisherSuiteResult {
  readonly net: number[];
  readonly trainSeconds: number;
  readonly queries: number;
  readonly rows: QueryRow[];
  readonly depth: {
    depth: number;
    widths: number[];
    testAccuracy: number;
    topEigenvalueMean: number;
    topEigenvalueStd: number;
    epsilonForKl: number;
    topEigenvalueError: number;
    effectiveSamples: number;
    topLayerEigenvalueMean: number;
    retentionMean: number;
    maxExcess: number;
  }[];
}

/** A victim by @rgdl/rbm's recipe (quick: one pretraining epoch, three of fine-tuning). */
function train(be: Backend, widths: number[], size: 28 | 14, quick: boolean, limit: number): DeepRbm {
  const base = victimRecipe(widths);
  const recipe = quick
    ? victimRecipe(widths, { pretrain: { ...base.pretrain, epochs: 1 }, fineTune: { ...base.fineTune, epochs: 3 } })
    : base;
  return trainVictim(be, recipe, loadMnist({ size, split: 'train', limit }), loadMnist({ size, split: 'attacker' }), {
    seed: 1,
  }).net;
}

function absCos(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return Math.abs(s);
}

export async function runFisherSuite(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<FisherSuiteResult> {
  const { quick, log } = options;
  const be = createCpuBackend();
  await be.ready();
  const t0 = performance.now();
  const widths = [784, 64, 32, 10];
  const net = train(be, widths, 28, quick, quick ? 1000 : 6006);
  const trainSeconds = (performance.now() - t0) / 1000;
  log(`  trained [${widths.join(', ')}] in ${trainSeconds.toFixed(1)} s`);
  const test = loadMnist({ size: 28, split: 'test', limit: quick ? 3 : 10 });
  const yhat = classProbabilities(be, net, test.x, { samples: 64, rng: createRng(2) });
  const queries = Array.from({ length: yhat.rows }, (_, r) => yhat.data.slice(r * 10, (r + 1) * 10));
  const top = (y: Float64Array, o: FisherOptions) =>
    topEigenpairs(be, generationFisher(be, net, y, o).F, 1).vectors[0]!;
  const reference = queries.map((y) =>
    top(y, {
      method: 'monte-carlo',
      samples: quick ? 2000 : 8000,
      pool: quick ? 2048 : 8192,
      batches: 8,
      rng: createRng(3),
    }),
  );
  const estimators: [string, FisherOptions][] = [
    [
      'Monte Carlo (S=2000, pool 4096×8)',
      { method: 'monte-carlo', samples: 2000, pool: 4096, batches: 8, rng: createRng(4) },
    ],
    [
      'Monte Carlo (S=500, pool 512×2)',
      { method: 'monte-carlo', samples: 500, pool: 512, batches: 2, rng: createRng(5) },
    ],
    [
      'RG chain, MCRG singles (S=5000)',
      { method: 'rg-chain', stability: 'mcrg', operators: 'singles', samples: 5000, rng: createRng(6) },
    ],
  ];
  const rows: QueryRow[] = [];
  for (const [name, o] of estimators) {
    const cos: number[] = [];
    const t = await measure(
      name,
      () => {
        queries.forEach((y, i) => cos.push(absCos(top(y, o), reference[i]!)));
      },
      { timeMs: 0, iterations: 1, warmup: 0 },
    );
    rows.push({
      estimator: name,
      msPerQuery: t.minMs / queries.length,
      meanAbsCosine: cos.reduce((a, b) => a + b, 0) / cos.length,
      minAbsCosine: Math.min(...cos),
    });
    log(
      `  ${name}: ${(t.minMs / queries.length).toFixed(1)} ms/query, mean |cos| ${(cos.reduce((a, b) => a + b, 0) / cos.length).toFixed(3)}`,
    );
  }
  // per-class cache: F̃ at the one-hot e_c, looked up by argmax ŷ
  const cache = Array.from({ length: 10 }, (_, c) =>
    top(
      Float64Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0)),
      { method: 'monte-carlo', samples: 2000, pool: 4096, batches: 8, rng: createRng(7) },
    ),
  );
  const cosCache: number[] = [];
  const tc = await measure(
    'cache',
    () => {
      queries.forEach((y, i) => {
        let c = 0;
        for (let j = 1; j < 10; j++) if (y[j]! > y[c]!) c = j;
        cosCache.push(absCos(cache[c]!, reference[i]!));
      });
    },
    { timeMs: 0, iterations: 1, warmup: 0 },
  );
  rows.push({
    estimator: 'per-class cache (10 MC FIMs at e_c, precomputed)',
    msPerQuery: tc.minMs / queries.length,
    meanAbsCosine: cosCache.reduce((a, b) => a + b, 0) / cosCache.length,
    minAbsCosine: Math.min(...cosCache),
  });

  // depth study on 14×14
  const depthNets: DeepRbm[] = [];
  const accs: number[] = [];
  const test14 = loadMnist({ size: 14, split: 'test' });
  for (const w of quick
    ? [
        [196, 10],
        [196, 32, 10],
      ]
    : [
        [196, 10],
        [196, 64, 10],
        [196, 64, 64, 10],
        [196, 64, 64, 64, 10],
      ]) {
    const n = train(be, w, 14, quick, quick ? 500 : 6006);
    depthNets.push(n);
    const e = evaluateClassifier(be, n, test14, { samples: [256], seed: 8 });
    accs.push(e.exact ?? e.sampled[0]!.accuracy);
  }
  const ys = Array.from({ length: 10 }, (_, c) => Float64Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0)));
  // Gibbs posterior sampling, missing information (K = 8): importance sampling from the prior reads
  // λ₁ ~15% low at width 64 (class-fisher suite)
  const study = depthStudy(be, depthNets, ys, 0.01, {
    method: 'gibbs',
    samples: quick ? 300 : 1000,
    batches: 8,
    rng: createRng(9),
  });
  const depth = study.map((r, i) => ({ ...r, testAccuracy: accs[i]! }));
  for (const r of depth)
    log(
      `  depth ${r.depth} [${r.widths.join(', ')}]: λ₁ ${r.topEigenvalueMean.toFixed(4)} ± ${r.topEigenvalueStd.toFixed(4)} (MC error ${r.topEigenvalueError.toFixed(4)}), λ₁(F_top) ${r.topLayerEigenvalueMean.toFixed(4)}, r ${r.retentionMean.toFixed(3)}, excess ${r.maxExcess.toExponential(1)}, ESS ${Number.isFinite(r.effectiveSamples) ? r.effectiveSamples.toFixed(0) : '— (Gibbs)'}, test acc ${(100 * r.testAccuracy).toFixed(1)}%`,
    );
  be.dispose();
  return { net: widths, trainSeconds, queries: queries.length, rows, depth };
}

export function fisherMarkdown(r: FisherSuiteResult): string {
  return (
    [
      `### Generation FIM per query, [${r.net.join(', ')}] on 28×28 MNIST (${r.queries} test digits, ŷ = class probabilities)`,
      '',
      '| estimator | ms / query | mean \\|cos\\| to reference v₁ | min \\|cos\\| |',
      '|---|---:|---:|---:|',
      ...r.rows.map(
        (x) =>
          `| ${x.estimator} | ${x.msPerQuery.toFixed(2)} | ${x.meanAbsCosine.toFixed(3)} | ${x.minAbsCosine.toFixed(3)} |`,
      ),
      '',
      'Reference: Monte Carlo with S = 8000 and 8 independent pools of 8192 chains at the served ŷ.',
      '',
      '### Depth study (14×14 victims by the @rgdl/rbm recipe, eq. 2 test accuracy with 256 draws, top eigenvalue of F̃(e_c) over the 10 classes)',
      '',
      'λ₁ mean ± std over the classes by Gibbs posterior sampling with the missing-information estimator (S = 1000 draws per class, K = 8 sweeps, burn-in 10; exact at depth 1), with the mean Monte Carlo error of λ₁ (jackknife over batches); λ₁(F_top) = λ₁ of the top layer alone, W_N diag(σ′) W_Nᵀ, the data-processing bound; r = λ₁(F̃)/λ₁(F_top); excess = the largest eigenvalue of F̃ − F_top over the classes (≤ 0 up to Monte Carlo error); ESS = mean effective sample size of the importance weights per pool (— for Gibbs, which has none).',
      '',
      '| depth | widths | test accuracy | λ₁ mean ± std | MC error of λ₁ | λ₁(F_top) | r | excess | ESS | ε for D_KL = 0.01 |',
      '|---:|---|---:|---|---:|---:|---:|---:|---:|---:|',
      ...r.depth.map(
        (d) =>
          `| ${d.depth} | [${d.widths.join(', ')}] | ${(100 * d.testAccuracy).toFixed(1)}% | ${d.topEigenvalueMean.toFixed(4)} ± ${d.topEigenvalueStd.toFixed(4)} | ${d.topEigenvalueError?.toFixed(4) ?? '—'} | ${d.topLayerEigenvalueMean?.toFixed(4) ?? '—'} | ${d.retentionMean?.toFixed(3) ?? '—'} | ${d.maxExcess?.toExponential(1) ?? '—'} | ${Number.isFinite(d.effectiveSamples) ? d.effectiveSamples.toFixed(0) : '—'} | ${d.epsilonForKl.toFixed(3)} |`,
      ),
    ].join('\n') + '\n'
  );
}
