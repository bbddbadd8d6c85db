/**
 * Class-FIM suite: λ₁ and the top eigenvector of the generation FIM F̃(e_c) of
 * the demo's victim [196, 64, 10] (the demo's recipe, data and seed) for every
 * class c, by
 *  - the 'fim' defence's per-class cache (classPoisonDirections: importance
 *    sampling from the prior, S = 2000, 8 pools of 4096);
 *  - Gibbs posterior sampling at the library's defaults (S = 2000, K = 1,
 *    burn-in 10) and at S = 8000;
 *  - a converged reference in the same run: Gibbs with S = 30,000 (quick:
 *    8,000), K = 2, burn-in 10, other seeds.
 * Reported per class: each estimate, its ratio to the reference, its error
 * (jackknife over batches for Gibbs), the angle of its top eigenvector to the
 * reference's, the reference's spectral gap λ₁ − λ₂, and the seconds spent.
 */
import { createCpuBackend, createRng, DEFAULT_SEED, seedFor, type Backend } from '@rgdl/gpu-kernels';
import { generationFisher, topEigenpairs, type FisherResult } from '@rgdl/fisher';
import { classPoisonDirections } from '@rgdl/poison';
import { loadMnist, trainVictim, VICTIM_RECIPES, type DeepRbm } from '@rgdl/rbm';

export interface ClassFisherEstimate {
  readonly lambda1: number;
  /** Gibbs: λ₁'s jackknife error; null for the cache (it reports none). */
  readonly stderr: number | null;
  readonly ratio: number;
  /** Angle in degrees between this v₁ and the reference's. */
  readonly angle: number;
}

export interface ClassFisherRow {
  readonly label: number;
  readonly reference: { readonly lambda1: number; readonly stderr: number; readonly lambda2: number };
  readonly cache: ClassFisherEstimate;
  readonly gibbs: ClassFisherEstimate;
  readonly gibbsLong: ClassFisherEstimate;
}

export interface ClassFisherResult {
  readonly widths: number[];
  readonly samples: { readonly gibbs: number; readonly gibbsLong: number; readonly reference: number };
  readonly seconds: {
    readonly cache: number;
    readonly gibbs: number;
    readonly gibbsLong: number;
    readonly reference: number;
  };
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
  const samples = { gibbs: 2000, gibbsLong: 8000, reference: quick ? 8000 : 30_000 };
  const seconds = { cache: 0, gibbs: 0, gibbsLong: 0, reference: 0 };
  let t = performance.now();
  const cache = classPoisonDirections(be, net, { seed: seedFor('demo-defender', DEFAULT_SEED) });
  seconds.cache = (performance.now() - t) / 1000;
  log(`  cache (importance sampling): ${seconds.cache.toFixed(1)} s for 10 classes`);
  const rows: ClassFisherRow[] = [];
  for (let c = 0; c < 10; c++) {
    const y = Float64Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0));
    const timed = (key: 'gibbs' | 'gibbsLong' | 'reference', f: () => FisherResult) => {
      const t0 = performance.now();
      const r = f();
      seconds[key] += (performance.now() - t0) / 1000;
      return r;
    };
    const ref = timed('reference', () =>
      generationFisher(be, net, y, {
        method: 'gibbs',
        samples: samples.reference,
        sweeps: 2,
        burnIn: 10,
        batches: 32,
        rng: createRng(9000 + c),
      }),
    );
    const refTop = topEigenpairs(be, ref.F, 2);
    const v = refTop.vectors[0]!;
    const l1 = ref.lambda1!.value;
    const estimate = (r: FisherResult): ClassFisherEstimate => {
      const top = topEigenpairs(be, r.F, 1);
      return {
        lambda1: top.values[0]!,
        stderr: r.lambda1?.stderr ?? null,
        ratio: top.values[0]! / l1,
        angle: angle(top.vectors[0]!, v),
      };
    };
    const gibbs = estimate(
      timed('gibbs', () =>
        generationFisher(be, net, y, { method: 'gibbs', samples: samples.gibbs, rng: createRng(7000 + c) }),
      ),
    );
    const gibbsLong = estimate(
      timed('gibbsLong', () =>
        generationFisher(be, net, y, { method: 'gibbs', samples: samples.gibbsLong, rng: createRng(8000 + c) }),
      ),
    );
    const fromCache: ClassFisherEstimate = {
      lambda1: cache.eigenvalues[c]!,
      stderr: null,
      ratio: cache.eigenvalues[c]! / l1,
      angle: angle(cache.directions[c]!, v),
    };
    rows.push({
      label: c,
      reference: { lambda1: l1, stderr: ref.lambda1!.stderr, lambda2: refTop.values[1]! },
      cache: fromCache,
      gibbs,
      gibbsLong,
    });
    log(
      `  class ${c}: reference ${l1.toFixed(3)} ± ${ref.lambda1!.stderr.toFixed(3)}; cache ${fromCache.lambda1.toFixed(3)} (${fromCache.angle.toFixed(1)}°); gibbs ${gibbs.lambda1.toFixed(3)} ± ${gibbs.stderr!.toFixed(3)} (${gibbs.angle.toFixed(1)}°); S = ${samples.gibbsLong}: ${gibbsLong.lambda1.toFixed(3)} ± ${gibbsLong.stderr!.toFixed(3)} (${gibbsLong.angle.toFixed(1)}°)`,
    );
  }
  be.dispose();
  return { widths, samples, seconds, rows };
}

export function classFisherMarkdown(r: ClassFisherResult): string {
  const est = (e: ClassFisherEstimate) =>
    `${e.lambda1.toFixed(2)}${e.stderr !== null ? ` ± ${e.stderr.toFixed(2)}` : ''} | ${e.ratio.toFixed(3)} | ${e.angle.toFixed(1)}°`;
  const within = (k: 'cache' | 'gibbs' | 'gibbsLong', tol: number) =>
    r.rows.filter((x) => Math.abs(x[k].ratio - 1) <= tol).length;
  const worst = (k: 'cache' | 'gibbs' | 'gibbsLong') => Math.max(...r.rows.map((x) => x[k].angle));
  return [
    `### λ₁ of F̃(e_c) of the demo victim [${r.widths.join(', ')}], every class, against a converged reference`,
    '',
    `Reference: Gibbs posterior sampling, S = ${r.samples.reference.toLocaleString('en')}, K = 2, burn-in 10 (${r.seconds.reference.toFixed(0)} s for 10 classes). Cache: the 'fim' defence's importance sampling (S = 2000, 8 pools of 4096; ${r.seconds.cache.toFixed(1)} s). Gibbs: the library's defaults, K = 1, burn-in 10, at S = ${r.samples.gibbs} (${r.seconds.gibbs.toFixed(1)} s) and S = ${r.samples.gibbsLong} (${r.seconds.gibbsLong.toFixed(1)} s). Angle: between the top eigenvector and the reference's.`,
    '',
    `| class | reference λ₁ | λ₂ | cache λ₁ | ratio | angle | Gibbs S = ${r.samples.gibbs} | ratio | angle | Gibbs S = ${r.samples.gibbsLong} | ratio | angle |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.label} | ${x.reference.lambda1.toFixed(2)} ± ${x.reference.stderr.toFixed(2)} | ${x.reference.lambda2.toFixed(2)} | ${est(x.cache)} | ${est(x.gibbs)} | ${est(x.gibbsLong)} |`,
    ),
    '',
    `Within 2% of the reference: cache ${within('cache', 0.02)} of 10, Gibbs S = ${r.samples.gibbs} ${within('gibbs', 0.02)}, S = ${r.samples.gibbsLong} ${within('gibbsLong', 0.02)}. Largest angle: cache ${worst('cache').toFixed(1)}°, Gibbs ${worst('gibbs').toFixed(1)}°, ${worst('gibbsLong').toFixed(1)}°.`,
    '',
  ].join('\n');
}
