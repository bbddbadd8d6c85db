/**
 * A fair test of a defence (docs/math.md §9): every defence is swept over its own
 * strength so all can be compared at matched defender cost (mean ‖ŷ′ − ŷ‖₁ on the
 * test inputs); seeds are paired (a seed fixes the attacker's queries and the
 * clone's start for every arm; the victim is the same for every arm); attackers
 * use what they are given:
 *  - 'softmax', 'mlp':  knockoffs on the served (soft) answers;
 *  - 'eq14':            the victim's architecture by eq. 14, at least one forced sweep;
 *  - '<kind>-labels':   the same on the argmax labels (the labels-only bound: a
 *                       label-preserving defence serves them exactly the clean labels);
 *  - 'adaptive':        a softmax knockoff that picks, on a held-out fifth of its own
 *                       queries, the best of soft, argmax and sharpened targets;
 *  - 'ood':             a softmax knockoff on synthetic out-of-distribution queries
 *                       (queries.ts) — the case adaptive misinformation is for.
 * (attacker.ts trains them all.)
 * Strength by defence: ε (step defences: ‖δy‖₂; MAD: L1 budget), β (reverse
 * sigmoid, γ = 0.1), the OOD quantile (adaptive misinformation), decimals (round).
 */
import { seedFor, fromRows, rowViews, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { accuracy, trainVictim, VICTIM_RECIPES, victimRecipe, type DeepRbm, type LabelledData } from '@rgdl/rbm';
import { attackerDescriptor, attackOnce, labelsOnly, type Attacker } from './attacker.js';
import { argmax } from './constrain.js';
import {
  classPoisonDirections,
  createService,
  defenceDescriptor,
  LABEL_PRESERVING,
  type ClassDirections,
  type DefenceName,
  type DefenceOptions,
} from './defences.js';
import { strengthOptions } from './strength.js';
import { firstLayerWeightError } from './metrics.js';
import { transferAttack } from './transfer.js';

/**
 * An attacker of attacker.ts on the attacker's natural queries, or one on
 * synthetic out-of-distribution queries: 'ood' (the softmax clone) and
 * 'ood-<attacker>' (that attacker, e.g. 'ood-inversion').
 */
export type FairAttacker = Attacker | 'ood' | `ood-${Attacker}`;

/** The attacker that trains on OOD queries, or undefined for natural queries. */
export function oodAttacker(a: FairAttacker): Attacker | undefined {
  return a === 'ood' ? 'softmax' : a.startsWith('ood-') ? (a.slice(4) as Attacker) : undefined;
}

/** The registered attacker behind a fair-test attacker. */
const baseAttacker = (a: FairAttacker): Attacker => oodAttacker(a) ?? (a as Attacker);

export interface DefenceArm {
  readonly defence: DefenceName;
  /** Strengths swept (ignored, use [0], for none and top1). */
  readonly strengths: readonly number[];
}

export interface FairTestConfig {
  /** Victim depths (14×14 MNIST, `hidden` units per hidden layer, @rgdl/rbm's recipe). */
  readonly depths: readonly number[];
  readonly hidden?: number;
  readonly arms: readonly DefenceArm[];
  readonly attackers: readonly FairAttacker[];
  /** Query budgets; natural-query attackers stop at the attacker split's size (1,998). */
  readonly budgets: readonly number[];
  /** Budgets at which the costly attackers (mlp, eq14, adaptive and their label variants) run (default: all). */
  readonly costlyBudgets?: readonly number[];
  /**
   * Cells cut to fit a time budget: an attacker listed here attacks only these
   * defences (default: every arm). Seeds are never cut.
   */
  readonly attackerArms?: Partial<Record<FairAttacker, readonly DefenceName[]>>;
  readonly seeds: readonly number[];
  /** Test digits scored (default 1000). */
  readonly testExamples?: number;
  /** Victim fine-tuning epochs (default: the recipe's). */
  readonly victimFineTuneEpochs?: number;
  /** Victim training digits (default all 6,006). */
  readonly victimExamples?: number;
  /**
   * Your own data instead of 14×14 MNIST: the victim's training split, the
   * attacker's pool (also the victim's early-stopping split, as for MNIST) and the
   * test split. Widths follow its inputs and classes. The OOD attacker needs square images.
   */
  readonly data?: { readonly train: LabelledData; readonly attacker: LabelledData; readonly test: LabelledData };
  /** FIM cache estimator (default Monte Carlo as in classPoisonDirections). */
  readonly fisher?: DefenceOptions['fisher'];
  /**
   * Adversarial transfer for eq. 14 clones (transfer.ts): inputs from the clone's
   * classification FIM (pixel-space norm `epsilon`) tried on the victim, on the
   * first `inputs` test digits, beside random moves of the same norm.
   */
  readonly transfer?: { readonly inputs: number; readonly epsilon: number };
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface ArmCost {
  readonly depth: number;
  readonly defence: DefenceName;
  readonly strength: number;
  /** Defender cost: mean ‖ŷ′ − ŷ‖₁ on the test inputs. */
  readonly cost: number;
  /** Honest user on test inputs: label kept, accuracy. */
  readonly honestLabelKept: number;
  readonly honestAccuracy: number;
  /** Fraction of the OOD attacker's queries whose served label differs from the clean one. */
  readonly oodLabelChanged: number;
}

export interface FairRow {
  readonly depth: number;
  readonly defence: DefenceName;
  readonly strength: number;
  readonly attacker: FairAttacker;
  readonly budget: number;
  readonly seed: number;
  readonly cloneAccuracy: number;
  /** Seconds to train and score this clone (0 when reused from a label-preserving arm). */
  readonly seconds: number;
  /** eq14 clones of depth > 1: first-layer weight error after Hungarian matching (metrics.ts). */
  readonly weightError?: number;
  /** With `transfer`, eq14 clones: victim accuracy on clone-FIM adversarial inputs and on random moves. */
  readonly victimAdversarial?: number;
  readonly victimRandomMove?: number;
}

export interface FairTestResult {
  readonly victims: { readonly depth: number; readonly widths: number[]; readonly testAccuracy: number }[];
  readonly costs: ArmCost[];
  readonly rows: FairRow[];
  readonly seconds: number;
}

/** Widths for depth N: `inputs` (default 196 = 14×14), N−1 hidden layers of `hidden`, `classes` outputs (default 10). */
export function widthsForDepth(depth: number, hidden = 64, inputs = 196, classes = 10): number[] {
  return [inputs, ...new Array<number>(depth - 1).fill(hidden), classes];
}

/** Whether an attacker of the grid is a costly one (its cells run only at `costlyBudgets`). */
export const isCostlyAttacker = (a: FairAttacker): boolean => attackerDescriptor(baseAttacker(a)).costly;
const costly = isCostlyAttacker;

/** The splits a fair test runs on, loaded once (MNIST 14×14 unless `config.data`). */
export interface FairTestData {
  readonly train: LabelledData;
  readonly attacker: LabelledData;
  readonly test: LabelledData;
  /** The OOD attacker's synthetic queries (empty without an 'ood' attacker). */
  readonly oodPool: Matrix<Float64Array> | undefined;
}

/** The (attacker, budget) cells of the grid, and those an arm's defence is attacked by. */
export function fairCells(config: FairTestConfig, data: FairTestData, defence?: DefenceName) {
  const cells: { attacker: FairAttacker; budget: number }[] = [];
  for (const attacker of config.attackers) {
    for (const budget of config.budgets) {
      if (oodAttacker(attacker) === undefined && budget > data.attacker.x.rows) continue;
      if (costly(attacker) && config.costlyBudgets && !config.costlyBudgets.includes(budget)) continue;
      if (defence !== undefined && !(config.attackerArms?.[attacker]?.includes(defence) ?? true)) continue;
      cells.push({ attacker, budget });
    }
  }
  return cells;
}

/** A depth's victim and what every arm shares: the FIM cache (when fim or fim-min is swept). */
export interface FairVictim {
  readonly depth: number;
  readonly widths: number[];
  readonly net: DeepRbm;
  readonly directions: ClassDirections | undefined;
  readonly testAccuracy: number;
}

/** Trains the depth's victim (seed 1, @rgdl/rbm's recipe) and its FIM cache. */
export function fairVictim(be: Backend, config: FairTestConfig, data: FairTestData, depth: number): FairVictim {
  const widths = widthsForDepth(depth, config.hidden ?? 64, data.train.x.cols, data.train.classes);
  const recipe = victimRecipe(
    widths,
    config.victimFineTuneEpochs === undefined
      ? {}
      : { fineTune: { ...VICTIM_RECIPES['mnist14-d2'].fineTune, epochs: config.victimFineTuneEpochs } },
  );
  const net = trainVictim(be, recipe, data.train, data.attacker, { seed: seedFor('fair-victim') }).net;
  const needsFim = config.arms.some((a) => defenceDescriptor(a.defence).needs.includes('class-directions'));
  const directions = needsFim
    ? classPoisonDirections(be, net, {
        seed: seedFor('fair-fim-cache', depth),
        ...(config.fisher ? { fisher: config.fisher } : {}),
      })
    : undefined;
  const clean = createService(be, net, { defence: 'none', seed: seedFor('clean-service') }).answer(data.test.x).clean;
  return { depth, widths, net, directions, testAccuracy: accuracy(clean, data.test.labels) };
}

/** One arm setting (defence at one strength) against one depth's victim: its cost and its rows. */
export interface FairArmResult {
  readonly cost: ArmCost;
  readonly rows: FairRow[];
}

/**
 * Runs every (attacker, budget, seed) cell of one arm setting. Labels-only
 * attackers see the clean labels from every label-preserving arm, so with
 * `skipSharedLabels` they run only on 'none' (and `assembleFairTest` copies
 * those rows to the other label-preserving arms).
 */
export function runFairArm(
  be: Backend,
  config: FairTestConfig,
  data: FairTestData,
  victim: FairVictim,
  defence: DefenceName,
  strength: number,
  options: { readonly skipSharedLabels?: boolean; readonly onRow?: (row: FairRow) => void } = {},
): FairArmResult {
  const { depth, widths, net } = victim;
  const pool = data.attacker.x;
  const tests = data.test.x;
  const service = createService(be, net, {
    defence,
    seed: seedFor('fair-service', depth),
    reference: data.train.x,
    ...(victim.directions ? { directions: victim.directions } : {}),
    ...strengthOptions(defence, strength),
  });
  const onTest = service.answer(tests);
  const cleanRows = rowViews(onTest.clean);
  let cost = 0;
  let kept = 0;
  let honest = 0;
  rowViews(onTest.served).forEach((s, r) => {
    const y = cleanRows[r]!;
    for (let j = 0; j < s.length; j++) cost += Math.abs(s[j]! - y[j]!);
    if (argmax(s) === argmax(y)) kept++;
    if (argmax(s) === data.test.labels[r]) honest++;
  });
  const served = service.answer(pool).served;
  const oodAnswers = data.oodPool ? service.answer(data.oodPool) : undefined;
  const armCost: ArmCost = {
    depth,
    defence,
    strength,
    cost: cost / tests.rows,
    honestLabelKept: kept / tests.rows,
    honestAccuracy: honest / tests.rows,
    oodLabelChanged: oodAnswers ? labelChanged(oodAnswers.served, oodAnswers.clean) : 0,
  };
  // reusable from the 'none' arm only where that arm runs the same cell
  const noneCells = config.arms.some((a) => a.defence === 'none') ? fairCells(config, data, 'none') : [];
  const shared = (attacker: FairAttacker, budget: number) =>
    oodAttacker(attacker) === undefined &&
    labelsOnly(attacker as Attacker) &&
    LABEL_PRESERVING.includes(defence) &&
    defence !== 'none' &&
    noneCells.some((c) => c.attacker === attacker && c.budget === budget);
  const rows: FairRow[] = [];
  for (const { attacker, budget } of fairCells(config, data, defence)) {
    if (options.skipSharedLabels && shared(attacker, budget)) continue;
    for (const seed of config.seeds) {
      const t1 = performance.now();
      const ood = oodAttacker(attacker) !== undefined;
      const clone = attackOnce(
        be,
        baseAttacker(attacker),
        ood ? data.oodPool! : pool,
        ood ? oodAnswers!.served : served,
        budget,
        seed,
        widths,
        { ask: (inputs) => service.answer(inputs).served, published: { defence, strength } },
      );
      const cloneAccuracy = accuracy(clone.predict(tests), data.test.labels);
      const probes: Partial<FairRow> = {};
      if (clone.net && clone.kind === 'eq14') {
        if (depth > 1) Object.assign(probes, { weightError: firstLayerWeightError(net, clone.net) });
        if (config.transfer) {
          const n = Math.min(config.transfer.inputs, tests.rows);
          const t = transferAttack(
            be,
            net,
            clone.net,
            fromRows(rowViews(tests).slice(0, n)),
            data.test.labels,
            config.transfer.epsilon,
          );
          Object.assign(probes, { victimAdversarial: t.victimAdversarial, victimRandomMove: t.victimRandom });
        }
      }
      const row: FairRow = {
        depth,
        defence,
        strength,
        attacker,
        budget,
        seed,
        cloneAccuracy,
        seconds: (performance.now() - t1) / 1000,
        ...probes,
      };
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return { cost: armCost, rows };
}

/**
 * The grid's result from its victims and arm results (in any order): arms run
 * with `skipSharedLabels` get the labels-only rows of their depth's 'none' arm
 * (with `seconds` 0: reused, not recomputed). Rows and costs come out in grid order.
 */
export function assembleFairTest(
  config: FairTestConfig,
  data: FairTestData,
  victims: readonly FairVictim[] | FairTestResult['victims'],
  arms: readonly FairArmResult[],
  seconds: number,
): FairTestResult {
  const costs: ArmCost[] = [];
  const rows: FairRow[] = [];
  for (const depth of config.depths) {
    const none = arms.find((a) => a.cost.depth === depth && a.cost.defence === 'none');
    for (const arm of config.arms) {
      for (const strength of arm.strengths) {
        const r = arms.find(
          (a) => a.cost.depth === depth && a.cost.defence === arm.defence && a.cost.strength === strength,
        );
        if (!r) throw new RangeError(`no result for depth ${depth} ${arm.defence} ${strength}`);
        costs.push(r.cost);
        for (const { attacker, budget } of fairCells(config, data, arm.defence)) {
          for (const seed of config.seeds) {
            const own = r.rows.find((x) => x.attacker === attacker && x.budget === budget && x.seed === seed);
            if (own) rows.push(own);
            else {
              const copy = none?.rows.find((x) => x.attacker === attacker && x.budget === budget && x.seed === seed);
              if (!copy)
                throw new RangeError(
                  `no row for depth ${depth} ${arm.defence} ${strength} ${attacker} ${budget} seed ${seed}`,
                );
              rows.push({ ...copy, defence: arm.defence, strength, seconds: 0 });
            }
          }
        }
      }
    }
  }
  return {
    victims: victims.map((v) => ({ depth: v.depth, widths: [...v.widths], testAccuracy: v.testAccuracy })),
    costs,
    rows,
    seconds,
  };
}

/** Rows a grid will produce (for progress). */
export function fairRowCount(config: FairTestConfig, data: FairTestData): number {
  return (
    config.depths.length *
    config.seeds.length *
    config.arms.reduce((a, arm) => a + arm.strengths.length * fairCells(config, data, arm.defence).length, 0)
  );
}

/** Fraction of rows whose served label differs from the clean one. */
function labelChanged(served: Matrix<Float64Array>, clean: Matrix<Float64Array>): number {
  const c = rowViews(clean);
  return rowViews(served).filter((s, r) => argmax(s) !== argmax(c[r]!)).length / Math.max(1, served.rows);
}
