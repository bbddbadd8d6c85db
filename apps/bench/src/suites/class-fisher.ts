/**
 * Class-FIM suite: λ₁ and the top eigenvector of the generation FIM F̃(e_c) of
 * the demo's victim [196, 64, 10] (the demo's recipe, data and seed) for every
 * class c, by
 *  - the former per-class cache of the 'fim' defence (importance sampling from
 *    the prior, S = 2000, 8 pools of 4096);
 *  - the current cache (classPoisonDirections: Gibbs posterior sampling, the
 *    missing-information estimator, S = 1000, K = 8), with λ₁'s jackknife error;
 *  - a converged reference in the same run: the same sampler with S = 12,000
 *    (quick: 3,000), K = 16, 32 batches, other seeds.
 * Reported per class: each estimate, its ratio to the reference, its error,
 * the angle of its top eigenvector to the reference's, the reference's
 * spectral gap λ₁ − λ₂, and the seconds spent.
 */
import { createCpuBackend, createRng, DEFAULT_SEED, seedFor, type Backend } from '@rgdl/gpu-kernels';
import { generationFisher, topEigenpairs, type FisherResult } from '@rgdl/fisher';
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
  /** The current cache (Gibbs, missing information). */
  readonly cache: ClassFisherEstimate & { readonly degenerate: boolean };
}

export interface ClassFisherResult {
  readonly widths: number[];
  readonly samples: { readonly cache: number; readonly reference: number };
  readonly seconds: { readonly former: number; readonly cache: number; readonly reference: number };
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
  const samples = { cache: 1000, reference: quick ? 3000 : 12_000 };
  const seconds = { former: 0, cache: 0, reference: 0 };
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
    };
    rows.push(row);
    log(
      `  class ${c}: reference ${l1.toFixed(3)} ± ${row.reference.stderr.toFixed(3)}; former ${row.former.lambda1.toFixed(3)} (${row.former.angle.toFixed(1)}°); cache ${row.cache.lambda1.toFixed(3)} ± ${row.cache.stderr!.toFixed(3)} (${row.cache.angle.toFixed(1)}°)`,
    );
  }
  be.dispose();
  return { widths, samples, seconds, rows };
}

export function classFisherMarkdown(r: ClassFisherResult): string {
  const est = (e: ClassFisherEstimate) =>
    `${e.lambda1.toFixed(2)}${e.stderr !== null ? ` ± ${e.stderr.toFixed(2)}` : ''} | ${e.ratio.toFixed(3)} | ${e.angle.toFixed(1)}°`;
  const within = (k: 'former' | 'cache', tol: number) => r.rows.filter((x) => Math.abs(x[k].ratio - 1) <= tol).length;
  const covered = r.rows.filter(
    (x) => Math.abs(x.cache.lambda1 - x.reference.lambda1) <= 2 * Math.hypot(x.cache.stderr!, x.reference.stderr),
  ).length;
  const worst = (k: 'former' | 'cache') => Math.max(...r.rows.map((x) => x[k].angle));
  return [
    `### λ₁ of F̃(e_c) of the demo victim [${r.widths.join(', ')}], every class, against a converged reference`,
    '',
    `Reference: Gibbs posterior sampling, missing-information estimator, S = ${r.samples.reference.toLocaleString('en')}, K = 16, 32 batches (${r.seconds.reference.toFixed(0)} s for 10 classes). Former cache: the 'fim' defence's importance sampling (S = 2000, 8 pools of 4096; ${r.seconds.former.toFixed(1)} s). Cache: classPoisonDirections now, Gibbs with the missing-information estimator, S = ${r.samples.cache}, K = 8, burn-in 10 (${r.seconds.cache.toFixed(1)} s for 10 classes, one thread). Angle: between the top eigenvector and the reference's.`,
    '',
    `| class | reference λ₁ | λ₂ | former λ₁ | ratio | angle | cache λ₁ | ratio | angle |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.label} | ${x.reference.lambda1.toFixed(2)} ± ${x.reference.stderr.toFixed(2)} | ${x.reference.lambda2.toFixed(2)} | ${est(x.former)} | ${est(x.cache)}${x.cache.degenerate ? ' (near-degenerate)' : ''} |`,
    ),
    '',
    `Within 2% of the reference: former ${within('former', 0.02)} of 10, cache ${within('cache', 0.02)}. The cache's ±2σ interval covers the reference in ${covered} of 10. Largest angle: former ${worst('former').toFixed(1)}°, cache ${worst('cache').toFixed(1)}°.`,
    '',
  ].join('\n');
}
