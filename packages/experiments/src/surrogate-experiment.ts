/**
 * Surrogate-data curves (Knockoff-style attackers who stay near the victim's
 * data): the attacker's digits transformed by each family of
 * @rgdl/poison's surrogate.ts at levels 0 … 1, answered by the undefended victim
 * and by adaptive misinformation, and reported against the distance the
 * victim itself sees, the bottom RBM's free-energy score
 *   d = (mean_ref s − mean_q s) / sd_ref s,   s(x) = −F₁(x)
 * (0 for the defender's own data; positive further out), beside the OOD flag
 * rate (s below τ, the defence's quantile of the reference) and the clone's
 * damage (undefended clone accuracy − defended, paired over seeds, 95% t
 * interval). Level 0 (the natural digits) is shared by every family.
 */
import { join } from 'node:path';
import { loadMnist } from '@rgdl/rbm';
import { rngFor, seedFor, type Backend } from '@rgdl/gpu-kernels';
import {
  bottomRbmScorer,
  createService,
  pairedDifference,
  pickRows,
  rowLabels,
  querySubset,
  SURROGATE_FAMILIES,
  surrogateQueries,
  trainAttacker,
  type Attacker,
  type PairedDifference,
  type SurrogateFamily,
} from '@rgdl/poison';
import { accuracy } from '@rgdl/rbm';
import { quickGridVictim } from './quick-victim.js';
import type { ChartSpec, OutputEntry } from './reports/charts.js';
import { pct, table } from './reports/text-table.js';

export interface SurrogateOptions {
  readonly families?: readonly SurrogateFamily[];
  /** Levels in (0, 1] (level 0 is always run, once). */
  readonly levels?: readonly number[];
  readonly seeds: readonly number[];
  /** Queries per attack (the attacker split holds 1,998). */
  readonly budget: number;
  /** The attacker that trains the clone (default 'softmax', the plain knockoff). */
  readonly attacker?: Attacker;
  /** Adaptive misinformation's OOD quantile (default 0.05). */
  readonly quantile?: number;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface SurrogatePoint {
  /** 'natural' for level 0. */
  readonly family: SurrogateFamily | 'natural';
  readonly level: number;
  /** Free-energy distance d (above), over every seed's queries. */
  readonly distance: number;
  /** Fraction of queries adaptive misinformation calls out of distribution. */
  readonly flagRate: number;
  /** Fraction whose served label differs from the clean one. */
  readonly labelChanged: number;
  /** Mean clone accuracy (test digits) on undefended and defended answers. */
  readonly undefended: number;
  readonly defended: number;
  /** Undefended − defended clone accuracy, paired over seeds. */
  readonly damage: PairedDifference;
}

export interface SurrogateResult {
  readonly victim: { readonly widths: readonly number[]; readonly testAccuracy: number };
  readonly options: Omit<SurrogateOptions, 'onProgress'>;
  readonly points: readonly SurrogatePoint[];
  readonly seconds: number;
}

/** The quick grid's depth-2 victim, attacked with surrogate queries. */
export function runSurrogateCurves(be: Backend, options: SurrogateOptions): SurrogateResult {
  const t0 = performance.now();
  const families = options.families ?? SURROGATE_FAMILIES;
  const levels = options.levels ?? [0.25, 0.5, 0.75, 1];
  const attacker = options.attacker ?? 'softmax';
  const quantile = options.quantile ?? 0.05;
  const { data, victim } = quickGridVictim(be);
  const grey = loadMnist({ size: 14, split: 'attacker', binarise: false });
  if (options.budget > grey.x.rows) {
    throw new RangeError(`a budget of ${options.budget} is more than the attacker's ${grey.x.rows} digits`);
  }
  const none = createService(be, victim.net, { defence: 'none', seed: seedFor('clean-service') });
  const defended = createService(be, victim.net, {
    defence: 'adaptive-misinformation',
    seed: seedFor('fair-service', 2),
    reference: data.train.x,
    quantile,
  });
  const scorer = bottomRbmScorer(be, victim.net, data.train.x, quantile);
  const ref = scorer.score(data.train.x);
  const refMean = ref.reduce((a, v) => a + v, 0) / ref.length;
  const refSd = Math.sqrt(ref.reduce((a, v) => a + (v - refMean) ** 2, 0) / ref.length);
  const cells: { family: SurrogatePoint['family']; level: number }[] = [
    { family: 'natural', level: 0 },
    ...families.flatMap((family) => levels.map((level) => ({ family, level }))),
  ];
  const total = cells.length * options.seeds.length;
  let done = 0;
  const points = cells.map(({ family, level }) => {
    let scoreSum = 0;
    let flagged = 0;
    let changed = 0;
    let count = 0;
    const plain: number[] = [];
    const poisoned: number[] = [];
    for (const seed of options.seeds) {
      const picked = pickRows(grey.x, querySubset(grey.x.rows, options.budget, seedFor('attacker-queries', seed)));
      const queries = surrogateQueries(
        picked,
        family === 'natural' ? 'shift' : family,
        level,
        rngFor('surrogate-transform', seed),
      );
      const s = scorer.score(queries);
      for (const v of s) {
        scoreSum += v;
        if (v < scorer.threshold) flagged++;
      }
      count += s.length;
      const clean = none.answer(queries).served;
      const served = defended.answer(queries).served;
      const before = rowLabels(clean);
      rowLabels(served).forEach((c, r) => {
        if (c !== before[r]) changed++;
      });
      const train = (answers: typeof served, defence: string) =>
        accuracy(
          trainAttacker(be, attacker, queries, answers, {
            widths: victim.widths,
            seed,
            published: { defence, strength: defence === 'none' ? 0 : quantile },
          }).predict(data.test.x),
          data.test.labels,
        );
      plain.push(train(clean, 'none'));
      poisoned.push(train(served, 'adaptive-misinformation'));
      options.onProgress?.(++done, total, `${family} ${level}, seed ${seed}`);
    }
    const mean = (v: readonly number[]) => v.reduce((a, x) => a + x, 0) / v.length;
    return {
      family,
      level,
      distance: (refMean - scoreSum / count) / refSd,
      flagRate: flagged / count,
      labelChanged: changed / count,
      undefended: mean(plain),
      defended: mean(poisoned),
      damage: pairedDifference(plain, poisoned),
    };
  });
  const { onProgress: _, ...recorded } = options;
  return {
    victim: { widths: victim.widths, testAccuracy: victim.testAccuracy },
    options: { ...recorded, families, levels, attacker, quantile },
    points,
    seconds: (performance.now() - t0) / 1000,
  };
}

const signed = (v: number) => `${v < 0 ? '−' : ''}${pct(Math.abs(v))}`;

/** surrogate.md: the curves as one table per family, with the setting and a reading. */
export function surrogateMarkdown(r: SurrogateResult): string {
  const o = r.options;
  const rows = r.points.map((p) => [
    p.family,
    p.level.toFixed(2),
    p.distance.toFixed(2),
    pct(p.flagRate),
    pct(p.labelChanged),
    pct(p.undefended),
    pct(p.defended),
    `${signed(p.damage.mean)} (${signed(p.damage.low)} … ${signed(p.damage.high)})`,
  ]);
  const natural = r.points[0]!;
  const near = r.points.filter((p) => p.family !== 'natural' && p.flagRate <= 2 * Math.max(natural.flagRate, 0.01));
  return [
    '# Surrogate-data curves',
    '',
    `Victim [${r.victim.widths.join(', ')}] (test accuracy ${pct(r.victim.testAccuracy)}%), adaptive misinformation at quantile ${o.quantile};`,
    `the ${o.attacker} attacker with ${o.budget} queries per seed, seeds ${o.seeds.join(', ')}; ${r.seconds.toFixed(0)} s.`,
    'Distance: the victim bottom RBM’s free-energy score, (mean over reference − mean over queries) / sd of the reference.',
    'Damage: undefended clone accuracy − defended, in points, paired over seeds (95% t interval).',
    '',
    table(
      [
        'family',
        'level',
        'distance',
        'flagged %',
        'labels changed %',
        'clone, undefended %',
        'clone, defended %',
        'damage (95% CI)',
      ],
      rows,
    ),
    '',
    `Natural digits are flagged ${pct(natural.flagRate)}% of the time. ${near.length} of ${r.points.length - 1} transformed settings are flagged at most twice as often (or ≤ 2%)` +
      (near.length > 0
        ? `; among them the largest damage is ${signed(Math.max(...near.map((p) => p.damage.mean)))} points and the clone reaches ${pct(Math.max(...near.map((p) => p.defended)))}% on defended answers.`
        : '.'),
    '',
  ].join('\n');
}

/** Flag rate and damage against distance, one series per family (level 0 in every series). */
export function surrogateCharts(r: SurrogateResult): { flags: ChartSpec; damage: ChartSpec } {
  const natural = r.points[0]!;
  const families = [...new Set(r.points.filter((p) => p.family !== 'natural').map((p) => p.family))];
  const series = (f: (p: SurrogatePoint) => number, err?: (p: SurrogatePoint) => number) =>
    families.map((family) => {
      const pts = [natural, ...r.points.filter((p) => p.family === family)];
      return {
        name: family,
        points: pts.map((p) => [p.distance, f(p)] as const),
        ...(err ? { errors: pts.map(err) } : {}),
      };
    });
  return {
    flags: {
      title: 'surrogate queries: OOD flag rate vs free-energy distance',
      xLabel: 'distance d (reference sd of the bottom RBM score)',
      yLabel: 'queries flagged (fraction)',
      series: series((p) => p.flagRate),
    },
    damage: {
      title: `surrogate queries: clone damage vs distance (${r.options.attacker}, ${r.options.budget} queries)`,
      xLabel: 'distance d (reference sd of the bottom RBM score)',
      yLabel: 'damage: undefended − defended clone accuracy',
      series: series(
        (p) => p.damage.mean,
        (p) => (p.damage.high - p.damage.low) / 2,
      ),
      referenceY: 0,
      referenceLabel: 'no damage',
    },
  };
}

/** surrogate.json, surrogate.md and the two charts. */
export function surrogateFiles(r: SurrogateResult, out: string): OutputEntry[] {
  const charts = surrogateCharts(r);
  return [
    { path: join(out, 'surrogate.json'), text: `${JSON.stringify(r, null, 1)}\n` },
    { path: join(out, 'surrogate.md'), text: surrogateMarkdown(r) },
    { path: join(out, 'surrogate-flags.svg'), chart: charts.flags },
    { path: join(out, 'surrogate-damage.svg'), chart: charts.damage },
  ];
}
