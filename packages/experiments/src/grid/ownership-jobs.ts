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
  pickRows,
  querySubset,
  rowLabels,
  trainAttacker,
  triggerNull,
  triggersOf,
  verifyOwnershipSync,
  watermarkAnswers,
  type Attacker,
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
}

/** The key the experiment uses when none is given: 32 bytes from a fixed generator (reproducible, not secret). */
export function experimentKey(rate = 0.005, fingerprint = 0.05): WatermarkKey {
  const rng = createRng(seedFor('watermark-experiment-key'));
  return { secret: Uint8Array.from({ length: 32 }, () => Math.floor(rng.nextFloat() * 256)), rate, fingerprint };
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
  readonly honest: { readonly labelsChanged: number; readonly meanL1: number };
  readonly referenceBudget: number;
}

/** The victim, its clean service and the probes, as every job of a run sees them. */
function ownershipWorld(be: Backend, grid: OwnershipGrid, net?: DeepRbm) {
  const served = servedQuickVictim(be, net);
  const { data, service } = served;
  const key = experimentKey(grid.rate, grid.fingerprint);
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
    },
    referenceBudget,
  };
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
): SuspectRow[] {
  const w = ownershipWorld(be, grid, parseModel(setup.model).net);
  const { data, service, key, probes, clean } = w;
  const widths = setup.widths;
  const K = clean.cols;
  const references = setup.references.map((r) => matrix(probes.rows, K, Float64Array.from(r)));
  const pool = data.attacker.x;
  const wm = watermarkAnswers(key, pool, service.answer(pool).served);
  const idx = querySubset(pool.rows, Math.min(budget, pool.rows), seedFor('attacker-queries', seed));
  const x = pickRows(pool, idx);
  const served = pickRows(wm.served, idx);
  const markedHere = new Set(wm.marked);
  const triggers = triggersOf(x, { served, marked: idx.flatMap((i, r) => (markedHere.has(i) ? [r] : [])) });
  const rows: SuspectRow[] = [];
  const score = (
    kind: SuspectRow['kind'],
    learner: Attacker,
    source: SuspectRow['data'],
    xs: Matrix<Float64Array>,
    ys: Matrix<Float64Array>,
  ) => {
    const clone = trainAttacker(be, learner, xs, ys, { widths, seed });
    rows.push({
      kind,
      learner,
      data: source,
      budget,
      seed,
      testAccuracy: accuracy(clone.predict(data.test.x), data.test.labels),
      ownership: verifyOwnershipSync(key, {
        probes,
        clean,
        references,
        ask: (inputs) => clone.predict(inputs),
        triggers,
        triggerNull: setup.triggerNull.rate,
      }),
    });
  };
  for (const a of grid.attackers) score('stolen', a, 'watermarked', x, served);
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

export type OwnershipJob = OwnershipSetupJob | OwnershipCellJob;

/** The setup job, then one cell per budget × seed (largest budget first: the longest jobs start first). */
export function ownershipJobs(grid: OwnershipGrid): OwnershipJob[] {
  const { budgets: _b, seeds: _s, ...shared } = grid;
  const setupHash = hashOf({ kind: 'ownership-setup', grid: { ...shared, budgets: [], seeds: [] } });
  const jobs: OwnershipJob[] = [{ kind: 'ownership-setup', key: 'ownership setup', hash: setupHash, grid }];
  for (const budget of [...grid.budgets].sort((a, b) => b - a)) {
    for (const seed of grid.seeds) {
      jobs.push({
        kind: 'ownership-cell',
        key: `ownership ${budget} queries seed ${seed}`,
        hash: hashOf({ kind: 'ownership-cell', needs: setupHash, shared, budget, seed }),
        grid,
        budget,
        seed,
        needs: setupHash,
      });
    }
  }
  return jobs;
}

/** Runs one ownership job (the setup returns OwnershipSetup; a cell its rows). */
export function runOwnershipJob(be: Backend, job: OwnershipJob, dependency?: unknown): unknown {
  if (job.kind === 'ownership-setup') return ownershipSetup(be, job.grid);
  if (dependency === undefined) throw new Error(`job ${job.key} needs the ownership setup`);
  return ownershipCell(be, job.grid, dependency as OwnershipSetup, job.budget, job.seed);
}
