/**
 * The ownership experiment: can the owner prove a clone was trained on its
 * watermarked answers, without accusing models that were not?
 *  - the owner serves the quick grid's depth-2 victim undefended but
 *    watermarked (@rgdl/poison's watermark.ts: a keyed fingerprint step ε on
 *    every answer, a keyed wrong label on a keyed fraction r of inputs) and
 *    keeps the triggers each attacker was served;
 *  - stolen clones: every attacker listed (by default the whole battery), at
 *    every budget and seed, trained on the watermarked answers to its own
 *    queries (the attacker split; an attacker that asks again, smoothing, asks
 *    the watermarked service);
 *  - independent models (the null, and the dataset-inference trap): the same
 *    learners trained with the true labels, on the owner's own training digits
 *    and on the disjoint attacker split, at the same budgets and seeds; each is
 *    tested with the triggers of the stolen clone of the same budget and seed;
 *  - the owner's reference models, trained without the watermark on its own
 *    training digits (its own draws, seeds from the 'ownership-reference'
 *    stream, never the experiment's): each reference learner on the clean
 *    answers (fingerprint references: they share a clone's systematic errors)
 *    and on the true labels; all of them measure the trigger test's null rate
 *    on the test digits after the probes (triggerNull: every such digit as if
 *    marked, its Clopper–Pearson 95% upper bound);
 *  - every model gets the same budget of `probes` queries: its triggers first
 *    (at most half, splitQueries), then the first test digits for the rest,
 *    and gets verifyOwnership's p-value (Bonferroni over the clean answers,
 *    each fingerprint reference and the triggers).
 * Reported: p-values, the true-positive rate at the empirical 1% and 0.1%
 * false-accusation thresholds (quantiles of the independent models' p-values)
 * and at the stated threshold `alpha`, false accusations there, queries to
 * verify, and the honest users' labels changed.
 */
import { join } from 'node:path';
import { ATTACKERS, labelsOnly, type Attacker, type Ownership, type TriggerNull } from '@rgdl/poison';
import {
  ownershipJobs,
  type NullOverKeys,
  type OwnershipCellJob,
  type OwnershipHonest,
  type OwnershipKeyJob,
  type OwnershipGrid,
  type OwnershipSetup,
} from './grid/ownership-jobs.js';
import { type ExperimentRunner, runExperimentJobs } from './grid/run-grid.js';
import type { ChartSpec, OutputEntry } from './reports/charts.js';
import { roc } from './reports/roc.js';
import { pct, runTime, table } from './reports/text-table.js';

export { experimentKey, type OwnershipGrid, type OwnershipHonest, type OwnershipSetup } from './grid/ownership-jobs.js';

export interface OwnershipExperimentOptions extends ExperimentRunner {
  /** Attackers whose clones are stolen (default: every attacker of the battery, ATTACKERS). */
  readonly attackers?: readonly Attacker[];
  /** Learners of the independent models, trained on true labels (default softmax, tuned-softmax, mlp, eq14). */
  readonly independent?: readonly Attacker[];
  readonly budgets: readonly number[];
  readonly seeds: readonly number[];
  /** Queries to every suspect (default 100): the triggers its source was served first (at most half), then probe digits. */
  readonly probes?: number;
  /** The experiment key's trigger rate (default 0.005) and fingerprint step (default 0.1); the key itself is experimentKey's. */
  readonly rate?: number;
  readonly fingerprint?: number;
  /** Principal components of the linear fingerprint (default 16; 0: the per-class fingerprint). */
  readonly features?: number;
  /** The owner's reference learners (default softmax and mlp), trained on its own digits without the watermark. */
  readonly references?: readonly Attacker[];
  /** Training digits of each reference model (default 1000). */
  readonly referenceBudget?: number;
  /** The decision threshold on p (default 1e-6). */
  readonly alpha?: number;
  /** Other keys the largest budget's first-seed clones are repeated under (default 10). */
  readonly keys?: number;
  /** Keys each independent model's fingerprint is rescored under (default 1000). */
  readonly nullKeys?: number;
}

export interface SuspectRow {
  readonly kind: 'stolen' | 'independent';
  readonly learner: Attacker;
  /** Where its training data came from: the owner's watermarked answers, or true labels on 'train' or 'attacker' digits. */
  readonly data: 'watermarked' | 'train' | 'attacker';
  readonly budget: number;
  readonly seed: number;
  /** The key: 0 the experiment's, j ≥ 1 its repeat j. */
  readonly key: number;
  readonly testAccuracy: number;
  readonly ownership: Ownership;
  /**
   * A stolen clone: how many of the answers it trained on carried a keyed wrong
   * label. A labels-only clone with none trained on the clean labels alone, data
   * that does not depend on the key: no keyed test can tell it from an
   * independent model (each accuses such a clone with probability ≤ α).
   */
  readonly marked?: number;
  /** An independent model's fingerprint p-values under keys it never saw. */
  readonly nullOverKeys?: NullOverKeys;
}

export interface OwnershipResult {
  readonly victim: { readonly widths: readonly number[]; readonly testAccuracy: number };
  readonly key: { readonly rate: number; readonly fingerprint: number; readonly features: number };
  /** Honest users: test answers whose label the watermark changed, and mean ‖ŷ′ − ŷ‖₁. */
  readonly honest: OwnershipHonest;
  readonly alpha: number;
  readonly probes: number;
  /** The owner's reference learners and the trigger test's measured null rate. */
  readonly references: {
    readonly learners: readonly Attacker[];
    readonly budget: number;
    readonly triggerNull: TriggerNull;
  };
  readonly rows: readonly SuspectRow[];
  /** The stolen clones of the largest budget and first seed under the other keys. */
  readonly repeats: readonly SuspectRow[];
  readonly summary: OwnershipSummary;
  readonly seconds: number;
  /** Jobs of the run, and how many were computed (the rest were in the store). */
  readonly jobs: number;
  readonly jobsComputed: number;
}

export interface OwnershipSummary {
  readonly stolen: number;
  readonly independent: number;
  /** Stolen clones with p < alpha, and independent models with p < alpha (false accusations). */
  readonly truePositivesAtAlpha: number;
  readonly falseAccusationsAtAlpha: number;
  /** TPR at the empirical thresholds: the 1% and 0.1% quantiles of the independent models' log₁₀ p. */
  readonly tprAt1Percent: number;
  readonly tprAt01Percent: number;
  /** Smallest p among the independent models (log₁₀). */
  readonly nullMinLog10p: number;
  /** Per learner: stolen clones verified at alpha, out of how many. */
  readonly byLearner: readonly {
    readonly learner: string;
    readonly verified: number;
    readonly of: number;
    readonly medianLog10p: number;
    /** The clones' test accuracy, lowest and highest (a clone too poor to use matters less if it escapes). */
    readonly accuracy: { readonly min: number; readonly max: number };
  }[];
  readonly queries: { readonly min: number; readonly max: number };
  /**
   * Labels-only stolen clones whose training answers held no keyed wrong label
   * (SuspectRow.marked = 0), and how many of them were verified at alpha: their
   * data is key-free, so the target 'every stolen clone verified' cannot be met
   * for them by any keyed test.
   */
  readonly keyFree: { readonly clones: number; readonly labelsOnly: number; readonly verified: number };
  /** Per learner, the clones of the largest budget and first seed verified at alpha over every key (the experiment's and its repeats). */
  readonly overKeys: readonly { readonly learner: string; readonly verified: number; readonly of: number }[];
  /** The independent models' fingerprint p-values over fresh keys: how many, and the fraction below 1e-2, 1e-3, 1e-4. */
  readonly nullOverKeys: {
    readonly tests: number;
    readonly fraction: readonly [number, number, number];
    readonly minLog10p: number;
  } | null;
}

/** The grid of the options, defaults filled in. */
export function ownershipGrid(options: OwnershipExperimentOptions): OwnershipGrid {
  return {
    // every attacker of the battery (smoothing re-asks the watermarked service for its shifted inputs)
    attackers: options.attackers ?? [...ATTACKERS],
    independent: options.independent ?? ['softmax', 'tuned-softmax', 'mlp', 'eq14'],
    references: options.references ?? ['softmax', 'mlp'],
    referenceBudget: options.referenceBudget ?? 1000,
    budgets: options.budgets,
    seeds: options.seeds,
    probes: options.probes ?? 100,
    rate: options.rate ?? 0.005,
    fingerprint: options.fingerprint ?? 0.1,
    features: options.features ?? 16,
    keys: options.keys ?? 10,
    nullKeys: options.nullKeys ?? 1000,
  };
}

export async function runOwnershipExperiment(options: OwnershipExperimentOptions): Promise<OwnershipResult> {
  const t0 = performance.now();
  const grid = ownershipGrid(options);
  const alpha = options.alpha ?? 1e-6;
  const jobs = ownershipJobs(grid);
  const run = await runExperimentJobs(jobs, options, 'ownership.jobs.jsonl');
  const setup = run.store.get<OwnershipSetup>(jobs[0]!.hash)!;
  // rows in budget, seed order whatever order the jobs ran in
  const cells = jobs.filter((j): j is OwnershipCellJob => j.kind === 'ownership-cell');
  const rows = grid.budgets.flatMap((budget) =>
    grid.seeds.flatMap((seed) => {
      const job = cells.find((j) => j.budget === budget && j.seed === seed)!;
      return run.store.get<SuspectRow[]>(job.hash)!;
    }),
  );
  const repeats = jobs
    .filter((j): j is OwnershipKeyJob => j.kind === 'ownership-key')
    .flatMap((j) => run.store.get<SuspectRow[]>(j.hash)!);
  return {
    victim: { widths: setup.widths, testAccuracy: setup.testAccuracy },
    key: { rate: grid.rate, fingerprint: grid.fingerprint, features: grid.features },
    honest: setup.honest,
    alpha,
    probes: grid.probes,
    references: { learners: grid.references, budget: setup.referenceBudget, triggerNull: setup.triggerNull },
    rows,
    repeats,
    summary: summariseOwnership(rows, alpha, repeats),
    seconds: (performance.now() - t0) / 1000,
    jobs: run.jobs,
    jobsComputed: run.computed,
  };
}

/** A fraction as a percentage with enough digits for 1e-4. */
const pctOf = (f: number) => `${(100 * f).toFixed(3)}%`;

/** The empirical q-quantile (lower) of v. */
function quantile(v: readonly number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * s.length)))]!;
}

export function summariseOwnership(
  rows: readonly SuspectRow[],
  alpha: number,
  repeats: readonly SuspectRow[] = [],
): OwnershipSummary {
  const stolen = rows.filter((r) => r.kind === 'stolen');
  const nulls = rows.filter((r) => r.kind === 'independent');
  const lp = (r: SuspectRow) => r.ownership.log10p;
  const la = Math.log10(alpha);
  const nullLp = nulls.map(lp);
  // a threshold below which at most the given fraction of the null falls (strictly below its quantile)
  const tpr = (q: number) => {
    if (nullLp.length === 0) return Number.NaN;
    const t = quantile(nullLp, q);
    return stolen.filter((r) => lp(r) < t).length / Math.max(1, stolen.length);
  };
  const learners = [...new Set(stolen.map((r) => r.learner))];
  const queries = rows.map((r) => r.ownership.queries);
  const labelsOnlyClones = stolen.filter((r) => labelsOnly(r.learner));
  const keyFree = labelsOnlyClones.filter((r) => r.marked === 0);
  return {
    stolen: stolen.length,
    independent: nulls.length,
    truePositivesAtAlpha: stolen.filter((r) => lp(r) < la).length,
    falseAccusationsAtAlpha: nulls.filter((r) => lp(r) < la).length,
    tprAt1Percent: tpr(0.01),
    tprAt01Percent: tpr(0.001),
    nullMinLog10p: nullLp.length ? Math.min(...nullLp) : Number.NaN,
    byLearner: learners.map((learner) => {
      const of = stolen.filter((r) => r.learner === learner);
      const sorted = of.map(lp).sort((a, b) => a - b);
      return {
        learner,
        verified: of.filter((r) => lp(r) < la).length,
        of: of.length,
        medianLog10p: sorted[Math.floor(sorted.length / 2)]!,
        accuracy: {
          min: Math.min(...of.map((r) => r.testAccuracy)),
          max: Math.max(...of.map((r) => r.testAccuracy)),
        },
      };
    }),
    queries: { min: Math.min(...queries), max: Math.max(...queries) },
    keyFree: {
      clones: keyFree.length,
      labelsOnly: labelsOnlyClones.length,
      verified: keyFree.filter((r) => lp(r) < la).length,
    },
    overKeys: overKeys(rows, repeats, la),
    nullOverKeys: nullsOverKeys(nulls),
  };
}

/** The largest budget's first-seed stolen clones under the experiment key and every repeat key, per learner. */
function overKeys(rows: readonly SuspectRow[], repeats: readonly SuspectRow[], la: number) {
  if (repeats.length === 0) return [];
  const { budget, seed } = repeats[0]!;
  const all = [...rows.filter((r) => r.kind === 'stolen' && r.budget === budget && r.seed === seed), ...repeats];
  return [...new Set(all.map((r) => r.learner))].map((learner) => {
    const of = all.filter((r) => r.learner === learner);
    return { learner, verified: of.filter((r) => r.ownership.log10p < la).length, of: of.length };
  });
}

function nullsOverKeys(nulls: readonly SuspectRow[]): OwnershipSummary['nullOverKeys'] {
  const n = nulls.flatMap((r) => (r.nullOverKeys ? [r.nullOverKeys] : []));
  if (n.length === 0) return null;
  const tests = n.reduce((a, b) => a + b.keys, 0);
  const fraction = [0, 1, 2].map((i) => n.reduce((a, b) => a + b.below[i]!, 0) / tests) as [number, number, number];
  return { tests, fraction, minLog10p: Math.min(...n.map((b) => b.minLog10p)) };
}

/** ownership.md: the setting, the summary, one line per learner. */
export function ownershipMarkdown(r: OwnershipResult): string {
  const s = r.summary;
  return [
    '# Ownership: is a suspect model a clone of our answers?',
    '',
    `Victim [${r.victim.widths.join(', ')}] (${pct(r.victim.testAccuracy)}%) served undefended with a keyed watermark: ${r.key.features > 0 ? `linear fingerprint (a keyed linear function of ${r.key.features} whitened principal components)` : 'per-class fingerprint'}, step ε = ${r.key.fingerprint} on every answer, keyed wrong labels on ${pct(r.key.rate)}% of inputs. Honest users: ${pct(r.honest.labelsChanged)}% of test labels changed, mean ‖ŷ′ − ŷ‖₁ ${r.honest.meanL1.toFixed(3)}${r.honest.brier ? `, Brier score ${r.honest.brier.served.toFixed(4)} (clean ${r.honest.brier.clean.toFixed(4)})` : ''}. ${runTime(r)}.`,
    `Each suspect gets ${r.probes} queries: the triggers its source was served first (at most half), then probe digits for the rest (${s.queries.min === s.queries.max ? s.queries.min : `${s.queries.min}–${s.queries.max}`} queries). Decision: p < ${r.alpha}.`,
    `The owner's reference models (${r.references.learners.join(', ')}; ${r.references.budget} of its own training digits, on its clean answers and on true labels) are the fingerprint's references and measure the trigger test's null: ${r.references.triggerNull.matches} matches in ${r.references.triggerNull.trials} would-be triggers, rate ≤ ${r.references.triggerNull.rate.toPrecision(2)} (Clopper–Pearson ${pct(r.references.triggerNull.confidence)}%).`,
    '',
    `- stolen clones verified at p < ${r.alpha}: ${s.truePositivesAtAlpha} of ${s.stolen}`,
    `- independent models accused at p < ${r.alpha}: ${s.falseAccusationsAtAlpha} of ${s.independent} (smallest null p: 1e${s.nullMinLog10p.toFixed(1)})`,
    ...(s.keyFree.labelsOnly > 0
      ? [
          `- labels-only clones served no keyed wrong label: ${s.keyFree.clones} of ${s.keyFree.labelsOnly} (verified: ${s.keyFree.verified}); they trained on the clean labels alone, which do not depend on the key, so no keyed test can tell them from an independent model`,
        ]
      : []),
    `- area under the ROC of −log₁₀ p (stolen against independent): ${ownershipRoc(r).auc.toFixed(3)}`,
    `- true-positive rate at the empirical 1% false-accusation threshold: ${pct(s.tprAt1Percent)}%; at 0.1%: ${pct(s.tprAt01Percent)}% (with ${s.independent} independent models the 0.1% threshold is their smallest p)`,
    ...(s.nullOverKeys
      ? [
          `- the fingerprint's null over keys: the ${s.independent} independent models rescored under ${s.nullOverKeys.tests / s.independent} fresh keys each (${s.nullOverKeys.tests} tests): p < 1e-2 in ${pctOf(s.nullOverKeys.fraction[0])}, < 1e-3 in ${pctOf(s.nullOverKeys.fraction[1])}, < 1e-4 in ${pctOf(s.nullOverKeys.fraction[2])} (a valid p-value: at most 1%, 0.1%, 0.01%); smallest 1e${s.nullOverKeys.minLog10p.toFixed(1)}`,
        ]
      : []),
    '',
    table(
      ['stolen by', 'verified', 'median log₁₀ p', 'clone accuracy'],
      s.byLearner.map((b) => [
        b.learner,
        `${b.verified} / ${b.of}`,
        b.medianLog10p.toFixed(1),
        `${pct(b.accuracy.min)}–${pct(b.accuracy.max)}%`,
      ]),
    ),
    '',
    ...(s.overKeys.length > 0
      ? [
          `Over keys: the clones of ${r.repeats[0]!.budget} queries, seed ${r.repeats[0]!.seed}, under the experiment's key and ${new Set(r.repeats.map((x) => x.key)).size} others (how often a key leaves a clone unverifiable):`,
          '',
          table(
            ['stolen by', 'verified over keys'],
            s.overKeys.map((b) => [b.learner, `${b.verified} / ${b.of}`]),
          ),
          '',
        ]
      : []),
  ].join('\n');
}

/** log₁₀ p of every suspect against its clone accuracy, stolen and independent as two series. */
export function ownershipChart(r: OwnershipResult): ChartSpec {
  const series = (kind: SuspectRow['kind'], name: string) => ({
    name,
    scatter: true,
    points: r.rows.filter((x) => x.kind === kind).map((x) => [x.testAccuracy, x.ownership.log10p] as const),
  });
  return {
    title: 'ownership test: p-value of every suspect',
    xLabel: 'suspect test accuracy',
    yLabel: 'log₁₀ p (fingerprint and triggers)',
    series: [series('stolen', 'stolen clones'), series('independent', 'independent models')],
    referenceY: Math.log10(r.alpha),
    referenceLabel: `p = ${r.alpha}`,
  };
}

/** The ROC of −log₁₀ p: stolen clones against independent models. */
export function ownershipRoc(r: OwnershipResult) {
  const score = (x: SuspectRow) => -x.ownership.log10p;
  return roc(
    r.rows.filter((x) => x.kind === 'stolen').map(score),
    r.rows.filter((x) => x.kind === 'independent').map(score),
  );
}

export function ownershipRocChart(r: OwnershipResult): ChartSpec {
  const c = ownershipRoc(r);
  return {
    title: 'ownership test: ROC of the p-value',
    subtitle: `${r.summary.stolen} stolen clones against ${r.summary.independent} independent models`,
    xLabel: 'independent models accused (false-accusation rate)',
    yLabel: 'stolen clones verified',
    series: [{ name: `−log₁₀ p (AUC ${c.auc.toFixed(3)})`, points: c.points }],
  };
}

export function ownershipFiles(r: OwnershipResult, out: string): OutputEntry[] {
  return [
    { path: join(out, 'ownership-roc.svg'), chart: ownershipRocChart(r) },
    { path: join(out, 'ownership.json'), text: `${JSON.stringify(r, null, 1)}\n` },
    { path: join(out, 'ownership.md'), text: ownershipMarkdown(r) },
    { path: join(out, 'ownership.svg'), chart: ownershipChart(r) },
  ];
}
