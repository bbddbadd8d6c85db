/**
 * Class-FIM suite: λ₁ and the top eigenvector of the generation FIM F̃(e_c) of
 * the demo's victim [196, 64, 10] (the demo's recipe, data and seed) for every
 * class c, by
 *  - the former per-class cache of the 'fim' defence (importance sampling from
 *    the prior, S = 2000, 8 pools of 4096);
 *  - the current cache (classPoisonDirections: Gibbs posterior sampling, the
 *    missing-information estimator, S = 1000, K = 8), with λ₁'s jackknife error,
 *    timed on one thread and on two (classPoisonDirectionsOnThreads, one class
 *    per job: the same numbers), and with S = 2000 on two threads;
 *  - a converged reference in the same run: the same sampler with S = 12,000
 *    (quick: 3,000), K = 16, 32 batches, other seeds.
 * Reported per class: each estimate, its ratio to the reference, its error,
 * the angle of its top eigenvector to the reference's, the reference's
 * spectral gap λ₁ − λ₂, and the seconds spent.
 */
import { createCpuBackend, createRng, DEFAULT_SEED, seedFor, type Backend } from '@rgdl/gpu-kernels';
import { generationFisher, topEigenpairs, type FisherResult } from '@rgdl/fisher';
import { classPoisonDirectionsOnThreads } from '@rgdl/experiments';
import { classPoisonDirections } from '@rgdl/poison';
import { loadMnist, trainVictim, VICTIM_RECIPES, type DeepRbm } from '@rgdl/rbm';

export interface ClassFisherEstimate {
  readonly lambda1: number;
  /** Gibbs: λ₁'s jackknife error; null for importance sampling (it reports none). */
  readonly stderr: number | null;
  readonly ratio: number;
  /** Angle in degrees between this v₁ and the reference's. */
  readonly angle: number;
}

export interface ClassFisherRow {
  readonly label: number;
  readonly reference: { readonly lambda1: number; readonly stderr: number; readonly lambda2: number };
  /** The former cache (importance sampling). */
  readonly former: ClassFisherEstimate;
  /** The current cache (Gibbs, missing information, S = 1000). */
  readonly cache: ClassFisherEstimate & { readonly degenerate: boolean };
  /** The same with S = 2000 (two threads). */
  readonly cacheLong: ClassFisherEstimate & { readonly degenerate: boolean };
}

export interface ClassFisherResult {
  readonly widths: number[];
  readonly samples: { readonly cache: number; readonly cacheLong: number; readonly reference: number };
  readonly seconds: {
    readonly former: number;
    readonly cache: number;
    readonly cacheThreads: number;
    readonly cacheLongThreads: number;
    readonly reference: number;
  };
  /** Whether the two-thread cache equals the one-thread cache bit for bit. */
  readonly threadsIdentical: boolean;
  readonly rows: ClassFisherRow[];
}

const angle = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return (Math.acos(Math.min(1, Math.abs(s))) * 180) / Math.PI;
};

function demoVictim(be: Backend): DeepRbm {
  const recipe = VICTIM_RECIPES.demo;
  return trainVictim(
    be,
    recipe,
    loadMnist({ size: 14, split: 'train', limit: 6006 }),
    loadMnist({ size: 14, split: 'attacker' }),
    { seed: DEFAULT_SEED },
  ).net;
}

export async function runClassFisherSuite(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<ClassFisherResult> {
  const { quick, log } = options;
  const be = createCpuBackend({ threads: 1 });
  await be.ready();
  const net = demoVictim(be);
  const widths = [net.layers[0]!.W.cols, ...net.layers.map((l) => l.W.rows)];
  const samples = { cache: 1000, cacheLong: 2000, reference: quick ? 3000 : 12_000 };
  const seconds = { former: 0, cache: 0, cacheThreads: 0, cacheLongThreads: 0, reference: 0 };
  const seed = seedFor('demo-defender', DEFAULT_SEED);
  let t = performance.now();
  const former = classPoisonDirections(be, net, {
    seed,
    fisher: { method: 'monte-carlo', samples: 2000, pool: 4096, batches: 8 },
  });
  seconds.former = (performance.now() - t) / 1000;
  log(`  former cache (importance sampling): ${seconds.former.toFixed(1)} s for 10 classes`);
  t = performance.now();
  const cache = classPoisonDirections(be, net, { seed });
  seconds.cache = (performance.now() - t) / 1000;
  log(`  cache (Gibbs, missing information): ${seconds.cache.toFixed(1)} s for 10 classes`);
  t = performance.now();
  const threaded = await classPoisonDirectionsOnThreads(be, net, { seed, threads: 2 });
  seconds.cacheThreads = (performance.now() - t) / 1000;
  const threadsIdentical =
    threaded.fisher.every((f, c) => f.every((v, k) => v === cache.fisher[c]![k])) &&
    threaded.eigenvalues.every((v, c) => v === cache.eigenvalues[c]);
  log(`  the same on 2 threads: ${seconds.cacheThreads.toFixed(1)} s (identical: ${threadsIdentical})`);
  t = performance.now();
  const long = await classPoisonDirectionsOnThreads(be, net, {
    seed,
    fisher: { samples: samples.cacheLong },
    threads: 2,
  });
  seconds.cacheLongThreads = (performance.now() - t) / 1000;
  log(`  S = ${samples.cacheLong} on 2 threads: ${seconds.cacheLongThreads.toFixed(1)} s`);
  const rows: ClassFisherRow[] = [];
  for (let c = 0; c < 10; c++) {
    const y = Float64Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0));
    t = performance.now();
    const ref = generationFisher(be, net, y, {
      method: 'gibbs',
      samples: samples.reference,
      sweeps: 16,
      batches: 32,
      rng: createRng(31_000 + c),
    });
    seconds.reference += (performance.now() - t) / 1000;
    const refTop = topEigenpairs(be, ref.F, 2);
    const v = refTop.vectors[0]!;
    const l1 = ref.lambda1!.value;
    const of = (d: typeof cache, stderr: number | null): ClassFisherEstimate => ({
      lambda1: d.eigenvalues[c]!,
      stderr,
      ratio: d.eigenvalues[c]! / l1,
      angle: angle(d.directions[c]!, v),
    });
    const row: ClassFisherRow = {
      label: c,
      reference: { lambda1: l1, stderr: ref.lambda1!.stderr, lambda2: refTop.values[1]! },
      former: of(former, null),
      cache: { ...of(cache, cache.lambda1Errors[c]!), degenerate: cache.gaps[c]?.degenerate ?? false },
      cacheLong: { ...of(long, long.lambda1Errors[c]!), degenerate: long.gaps[c]?.degenerate ?? false },
    };
    rows.push(row);
    log(
      `  class ${c}: reference ${l1.toFixed(3)} ± ${row.reference.stderr.toFixed(3)}; former ${row.former.lambda1.toFixed(3)} (${row.former.angle.toFixed(1)}°); cache ${row.cache.lambda1.toFixed(3)} ± ${row.cache.stderr!.toFixed(3)} (${row.cache.angle.toFixed(1)}°); S = ${samples.cacheLong}: ${row.cacheLong.lambda1.toFixed(3)} ± ${row.cacheLong.stderr!.toFixed(3)} (${row.cacheLong.angle.toFixed(1)}°)`,
    );
  }
  be.dispose();
  return { widths, samples, seconds, threadsIdentical, rows };
}

export function classFisherMarkdown(r: ClassFisherResult): string {
  const est = (e: ClassFisherEstimate) =>
    `${e.lambda1.toFixed(2)}${e.stderr !== null ? ` ± ${e.stderr.toFixed(2)}` : ''} | ${e.ratio.toFixed(3)} | ${e.angle.toFixed(1)}°`;
  type Key = 'former' | 'cache' | 'cacheLong';
  const within = (k: Key, tol: number) => r.rows.filter((x) => Math.abs(x[k].ratio - 1) <= tol).length;
  const covered = (k: 'cache' | 'cacheLong') =>
    r.rows.filter(
      (x) => Math.abs(x[k].lambda1 - x.reference.lambda1) <= 2 * Math.hypot(x[k].stderr!, x.reference.stderr),
    ).length;
  const worst = (k: Key) => Math.max(...r.rows.map((x) => x[k].angle));
  const flag = (e: { degenerate: boolean }) => (e.degenerate ? ' (near-degenerate)' : '');
  return [
    `### λ₁ of F̃(e_c) of the demo victim [${r.widths.join(', ')}], every class, against a converged reference`,
    '',
    `Reference: Gibbs posterior sampling, missing-information estimator, S = ${r.samples.reference.toLocaleString('en')}, K = 16, 32 batches (${r.seconds.reference.toFixed(0)} s for 10 classes). Former cache: the 'fim' defence's importance sampling (S = 2000, 8 pools of 4096; ${r.seconds.former.toFixed(1)} s). Cache: classPoisonDirections now, Gibbs with the missing-information estimator, S = ${r.samples.cache}, K = 8, burn-in 10: ${r.seconds.cache.toFixed(1)} s for 10 classes on one thread, ${r.seconds.cacheThreads.toFixed(1)} s on two (${r.threadsIdentical ? 'identical numbers' : 'NOT identical'}); S = ${r.samples.cacheLong} on two threads: ${r.seconds.cacheLongThreads.toFixed(1)} s. Angle: between the top eigenvector and the reference's.`,
    '',
    `| class | reference λ₁ | λ₂ | former λ₁ | ratio | angle | cache λ₁ (S = ${r.samples.cache}) | ratio | angle | S = ${r.samples.cacheLong} | ratio | angle |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.label} | ${x.reference.lambda1.toFixed(2)} ± ${x.reference.stderr.toFixed(2)} | ${x.reference.lambda2.toFixed(2)} | ${est(x.former)} | ${est(x.cache)}${flag(x.cache)} | ${est(x.cacheLong)}${flag(x.cacheLong)} |`,
    ),
    '',
    `Within 2% of the reference: former ${within('former', 0.02)} of 10, cache S = ${r.samples.cache} ${within('cache', 0.02)}, S = ${r.samples.cacheLong} ${within('cacheLong', 0.02)}. The ±2σ interval covers the reference in ${covered('cache')} and ${covered('cacheLong')} of 10. Largest angle: former ${worst('former').toFixed(1)}°, cache ${worst('cache').toFixed(1)}°, ${worst('cacheLong').toFixed(1)}°.`,
    '',
  ].join('\n');
}
