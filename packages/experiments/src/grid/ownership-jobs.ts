/**
 * The ownership experiment (ownership-experiment.ts) as jobs for the grid
 * runner: one setup job (the victim, the owner's reference models, the trigger
 * test's measured null, the honest users' cost) and one cell per budget × seed
 * (every attacker's clone of the watermarked answers and the independent
 * models, each verified). Pure functions of their inputs, hashed like the fair
 * test's; a cell needs the setup's result.
 */
import { createRng, matrix, seedFor, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import {
  brierScore,
  firstTriggers,
  fingerprintFeatures,
  fingerprintMoment,
  splitQueries,
  linearMap,
  momentTest,
  pickRows,
  querySubset,
  rowLabels,
  trainAttacker,
  triggerNull,
  triggersOf,
  verifyOwnershipSync,
  watermarkAnswers,
  type Attacker,
  type FingerprintFeatures,
  type TriggerNull,
  type WatermarkKey,
} from '@rgdl/poison';
import { accuracy, oneHot, parseModel, serializeModel, type DeepRbm } from '@rgdl/rbm';
import type { SuspectRow } from '../ownership-experiment.js';
import { servedQuickVictim } from '../quick-victim.js';
import { hashOf } from './fair-jobs.js';

/** Every setting of an ownership run: what its jobs' hashes are made of. */
export interface OwnershipGrid {
  readonly attackers: readonly Attacker[];
  readonly independent: readonly Attacker[];
  readonly references: readonly Attacker[];
  readonly referenceBudget: number;
  readonly budgets: readonly number[];
  readonly seeds: readonly number[];
  readonly probes: number;
  /** The experiment key's trigger rate and fingerprint step (experimentKey). */
  readonly rate: number;
  readonly fingerprint: number;
  /** Principal components of the linear fingerprint's feature map (0: the per-class fingerprint). */
  readonly features: number;
  /** Other keys the stolen clones are repeated under (largest budget, first seed): how often a key leaves a clone unverifiable. */
  readonly keys: number;
  /** Keys under which each independent model's fingerprint is rescored (the null over keys; linear fingerprint only). */
  readonly nullKeys: number;
}

/** 32 bytes from a generator. */
const secretFrom = (rng: { nextFloat(): number }) =>
  Uint8Array.from({ length: 32 }, () => Math.floor(rng.nextFloat() * 256));

/**
 * The key the experiment uses when none is given: 32 bytes from a fixed
 * generator (reproducible, not secret); repeat j ≥ 1: another key of the same
 * rate and step.
 */
export function experimentKey(rate = 0.005, fingerprint = 0.1, repeat = 0): WatermarkKey {
  const seed = repeat ? seedFor('watermark-repeat-key', repeat) : seedFor('watermark-experiment-key');
  const rng = createRng(seed);
  return { secret: secretFrom(rng), rate, fingerprint };
}

/** What the watermark costs honest users on the test digits: labels changed, mean ‖ŷ′ − ŷ‖₁, and the Brier score (brierScore) of the clean and the served answers. */
export interface OwnershipHonest {
  readonly labelsChanged: number;
  readonly meanL1: number;
  /** Absent from a setup job stored before it was measured (its hash did not change), which a report then leaves out. */
  readonly brier?: { readonly clean: number; readonly served: number };
}

/** What the setup job leaves for the cells: the victim, the owner's references and the measured null. */
export interface OwnershipSetup {
  /** The victim's model file text. */
  readonly model: string;
  readonly widths: number[];
  readonly testAccuracy: number;
  /** Each reference model's answers on the probes (rows × K, row-major). */
  readonly references: number[][];
  readonly triggerNull: TriggerNull;
  readonly honest: OwnershipHonest;
  readonly referenceBudget: number;
}

/** The victim, its clean service and the probes, as every job of a run sees them (key `repeat`: 0 the experiment's). */
function ownershipWorld(be: Backend, grid: OwnershipGrid, net?: DeepRbm, repeat = 0) {
  const served = servedQuickVictim(be, net);
  const { data, service } = served;
  const plain = experimentKey(grid.rate, grid.fingerprint, repeat);
  // the owner's feature map: its own training digits' whitened principal components
  const key = grid.features > 0 ? { ...plain, features: fingerprintFeatures(be, data.train.x, grid.features) } : plain;
  const probes = matrix(grid.probes, data.test.x.cols, data.test.x.data.slice(0, grid.probes * data.test.x.cols));
  return { ...served, key, probes, clean: service.answer(probes).served };
}

/**
 * The setup job: trains the victim; the owner's reference models (each reference
 * learner on its clean answers and on true labels, its own digits and seeds);
 * the trigger null on the test digits after the probes; the honest users' cost.
 */
export function ownershipSetup(be: Backend, grid: OwnershipGrid): OwnershipSetup {
  const w = ownershipWorld(be, grid);
  const { data, service, key, probes } = w;
  const victim = w.victim!;
  const widths = victim.widths;
  const onTest = service.answer(data.test.x).served;
  const onTestWm = watermarkAnswers(key, data.test.x, onTest).served;
  const before = rowLabels(onTest);
  const after = rowLabels(onTestWm);
  let l1 = 0;
  for (let i = 0; i < onTest.data.length; i++) l1 += Math.abs(onTest.data[i]! - onTestWm.data[i]!);
  const referenceBudget = Math.min(grid.referenceBudget, data.train.x.rows);
  const calibration = matrix(
    data.test.x.rows - grid.probes,
    data.test.x.cols,
    data.test.x.data.slice(grid.probes * data.test.x.cols),
  );
  const references: number[][] = [];
  const nullAnswers: Matrix<Float64Array>[] = [];
  grid.references.forEach((learner, i) => {
    const seed = seedFor('ownership-reference', i);
    const idx = querySubset(data.train.x.rows, referenceBudget, seed);
    const x = pickRows(data.train.x, idx);
    const onClean = trainAttacker(be, learner, x, service.answer(x).served, { widths, seed });
    const onTruth = trainAttacker(
      be,
      learner,
      x,
      oneHot(
        Int32Array.from(idx, (j) => data.train.labels[j]!),
        10,
      ),
      { widths, seed },
    );
    references.push(Array.from(onClean.predict(probes).data));
    nullAnswers.push(onClean.predict(calibration), onTruth.predict(calibration));
  });
  return {
    model: serializeModel(victim.net, {}),
    widths,
    testAccuracy: victim.testAccuracy,
    references,
    triggerNull: triggerNull(key, calibration, service.answer(calibration).served, nullAnswers),
    honest: {
      labelsChanged: before.filter((c, r) => c !== after[r]).length / before.length,
      meanL1: l1 / onTest.rows,
      brier: { clean: brierScore(onTest, data.test.labels), served: brierScore(onTestWm, data.test.labels) },
    },
    referenceBudget,
  };
}

/** One independent model's fingerprint p-values under keys it never saw (Bonferroni over the references, as verifyOwnership). */
export interface NullOverKeys {
  readonly keys: number;
  /** Keys with p below 1e-2, 1e-3 and 1e-4. */
  readonly below: readonly [number, number, number];
  readonly minLog10p: number;
}

/** The keyed maps A of `keys` fresh keys (the 'watermark-null-keys' stream), the same for every model. */
function nullKeyMaps(keys: number, classes: number, p: number): Float64Array[] {
  const rng = createRng(seedFor('watermark-null-keys'));
  return Array.from({ length: keys }, () => linearMap(secretFrom(rng), classes, p));
}

/**
 * The fingerprint's null over keys: the model's moments M against each
 * reference do not depend on the key, so each fresh key's map A costs one
 * ⟨A, M⟩ per reference.
 */
function nullOverKeys(
  features: FingerprintFeatures,
  probes: Matrix<Float64Array>,
  answers: Matrix<Float64Array>,
  references: readonly Matrix<Float64Array>[],
  maps: readonly Float64Array[],
): NullOverKeys {
  const moments = references.map((r) => fingerprintMoment(features, probes, answers, r));
  const below: [number, number, number] = [0, 0, 0];
  let minLog10p = 0;
  for (const A of maps) {
    const best = Math.min(...moments.map((M) => momentTest(A, M).log10p));
    const log10p = Math.min(0, best + Math.log10(moments.length));
    [-2, -3, -4].forEach((t, i) => {
      if (log10p < t) below[i]!++;
    });
    minLog10p = Math.min(minLog10p, log10p);
  }
  return { keys: maps.length, below, minLog10p };
}

/**
 * One (budget, seed) cell: every attacker's clone of the watermarked answers to
 * its queries, and the independent learners on true labels (the owner's digits
 * and the attacker's), each verified with the triggers that attacker was served.
 */
export function ownershipCell(
  be: Backend,
  grid: OwnershipGrid,
  setup: OwnershipSetup,
  budget: number,
  seed: number,
  repeat = 0,
): SuspectRow[] {
  const w = ownershipWorld(be, grid, parseModel(setup.model).net, repeat);
  const { data, service, key, probes: allProbes, clean: allClean } = w;
  const widths = setup.widths;
  const K = allClean.cols;
  const allReferences = setup.references.map((r) => matrix(allProbes.rows, K, Float64Array.from(r)));
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const pool = data.attacker.x;
  /** What the watermarked server answers (an attacker that asks again, smoothing, asks it too). */
  const watermarked = (inputs: Matrix<Float64Array>) => watermarkAnswers(key, inputs, service.answer(inputs).served);
  const wm = watermarked(pool);
  const idx = querySubset(pool.rows, Math.min(budget, pool.rows), seedFor('attacker-queries', seed));
  const x = pickRows(pool, idx);
  const served = pickRows(wm.served, idx);
  const markedHere = new Set(wm.marked);
  const allTriggers = triggersOf(x, { served, marked: idx.flatMap((i, r) => (markedHere.has(i) ? [r] : [])) });
  // every suspect gets the same budget of grid.probes queries: the triggers first (at most half), then probes
  const plan = splitQueries(grid.probes, allTriggers.labels.length);
  const triggers = firstTriggers(allTriggers, plan.triggers);
  const probes = pickRows(allProbes, range(plan.probes));
  const clean = pickRows(allClean, range(plan.probes));
  const references = allReferences.map((r) => pickRows(r, range(plan.probes)));
  const rows: SuspectRow[] = [];
  // the null keys' maps, drawn once per cell for all its independent models
  let maps: Float64Array[] | undefined;
  const nullMaps = () => (maps ??= nullKeyMaps(grid.nullKeys, K, key.features!.basis.rows));
  const score = (
    kind: SuspectRow['kind'],
    learner: Attacker,
    source: SuspectRow['data'],
    xs: Matrix<Float64Array>,
    ys: Matrix<Float64Array>,
  ) => {
    // a model trained on true labels asks nobody
    const ask = (inputs: Matrix<Float64Array>) => watermarked(inputs).served;
    const clone = trainAttacker(be, learner, xs, ys, { widths, seed, ...(kind === 'stolen' ? { ask } : {}) });
    const onProbes = clone.predict(probes);
    rows.push({
      kind,
      learner,
      data: source,
      budget,
      seed,
      key: repeat,
      testAccuracy: accuracy(clone.predict(data.test.x), data.test.labels),
      ...(kind === 'stolen' ? { marked: allTriggers.labels.length } : {}),
      ...(kind === 'independent' && key.features !== undefined && grid.nullKeys > 0
        ? { nullOverKeys: nullOverKeys(key.features, probes, onProbes, [clean, ...references], nullMaps()) }
        : {}),
      ownership: verifyOwnershipSync(key, {
        probes,
        clean,
        references,
        ask: (inputs) => (inputs === probes ? onProbes : clone.predict(inputs)),
        triggers,
        triggerNull: setup.triggerNull.rate,
      }),
    });
  };
  for (const a of grid.attackers) score('stolen', a, 'watermarked', x, served);
  if (repeat > 0) return rows;
  // the null: the same learners on true labels, on the owner's digits and on the attacker's
  const trainIdx = querySubset(
    data.train.x.rows,
    Math.min(budget, data.train.x.rows),
    seedFor('attacker-queries', seed),
  );
  const ownX = pickRows(data.train.x, trainIdx);
  const ownY = oneHot(
    Int32Array.from(trainIdx, (i) => data.train.labels[i]!),
    10,
  );
  const theirY = oneHot(
    Int32Array.from(idx, (i) => data.attacker.labels[i]!),
    10,
  );
  for (const l of grid.independent) {
    score('independent', l, 'train', ownX, ownY);
    score('independent', l, 'attacker', x, theirY);
  }
  return rows;
}

export interface OwnershipSetupJob {
  readonly kind: 'ownership-setup';
  readonly key: string;
  readonly hash: string;
  readonly grid: OwnershipGrid;
}

export interface OwnershipCellJob {
  readonly kind: 'ownership-cell';
  readonly key: string;
  readonly hash: string;
  readonly grid: OwnershipGrid;
  readonly budget: number;
  readonly seed: number;
  readonly needs: string;
}

/** The stolen clones of the largest budget and first seed under another key (repeat ≥ 1). */
export interface OwnershipKeyJob {
  readonly kind: 'ownership-key';
  readonly key: string;
  readonly hash: string;
  readonly grid: OwnershipGrid;
  readonly repeat: number;
  readonly needs: string;
}

export type OwnershipJob = OwnershipSetupJob | OwnershipCellJob | OwnershipKeyJob;

/** The setup job, then one cell per budget × seed (largest budget first: the longest jobs start first). */
export function ownershipJobs(grid: OwnershipGrid): OwnershipJob[] {
  const { budgets: _b, seeds: _s, keys: _k, nullKeys, ...shared } = grid;
  const setupHash = hashOf({ kind: 'ownership-setup', grid: { ...shared, budgets: [], seeds: [] } });
  const jobs: OwnershipJob[] = [{ kind: 'ownership-setup', key: 'ownership setup', hash: setupHash, grid }];
  for (const budget of [...grid.budgets].sort((a, b) => b - a)) {
    for (const seed of grid.seeds) {
      jobs.push({
        kind: 'ownership-cell',
        key: `ownership ${budget} queries seed ${seed}`,
        hash: hashOf({ kind: 'ownership-cell', needs: setupHash, shared, nullKeys, budget, seed }),
        grid,
        budget,
        seed,
        needs: setupHash,
      });
    }
  }
  const [firstSeed] = grid.seeds;
  for (let repeat = 1; repeat <= grid.keys; repeat++) {
    jobs.push({
      kind: 'ownership-key',
      key: `ownership key ${repeat}`,
      hash: hashOf({
        kind: 'ownership-key',
        needs: setupHash,
        shared,
        budget: Math.max(...grid.budgets),
        seed: firstSeed,
        repeat,
      }),
      grid,
      repeat,
      needs: setupHash,
    });
  }
  return jobs;
}

/** Runs one ownership job (the setup returns OwnershipSetup; a cell its rows). */
export function runOwnershipJob(be: Backend, job: OwnershipJob, dependency?: unknown): unknown {
  if (job.kind === 'ownership-setup') return ownershipSetup(be, job.grid);
  if (dependency === undefined) throw new Error(`job ${job.key} needs the ownership setup`);
  if (job.kind === 'ownership-key') {
    const budget = Math.max(...job.grid.budgets);
    return ownershipCell(be, job.grid, dependency as OwnershipSetup, budget, job.grid.seeds[0]!, job.repeat);
  }
  return ownershipCell(be, job.grid, dependency as OwnershipSetup, job.budget, job.seed);
}
