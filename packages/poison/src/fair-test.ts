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
import { pairedDifference, type PairedDifference } from './stats.js';
import { transferAttack } from './transfer.js';

/** An attacker of attacker.ts, or 'ood': a softmax clone on synthetic out-of-distribution queries. */
export type FairAttacker = Attacker | 'ood';

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

const costly = (a: FairAttacker) => a !== 'ood' && attackerDescriptor(a).costly;

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
      if (attacker !== 'ood' && budget > data.attacker.x.rows) continue;
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
    attacker !== 'ood' &&
    labelsOnly(attacker) &&
    LABEL_PRESERVING.includes(defence) &&
    defence !== 'none' &&
    noneCells.some((c) => c.attacker === attacker && c.budget === budget);
  const rows: FairRow[] = [];
  for (const { attacker, budget } of fairCells(config, data, defence)) {
    if (options.skipSharedLabels && shared(attacker, budget)) continue;
    for (const seed of config.seeds) {
      const t1 = performance.now();
      const ood = attacker === 'ood';
      const clone = attackOnce(
        be,
        ood ? 'softmax' : (attacker as Attacker),
        ood ? data.oodPool! : pool,
        ood ? oodAnswers!.served : served,
        budget,
        seed,
        widths,
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

export interface CurvePoint {
  readonly strength: number;
  readonly cost: number;
  readonly mean: number;
  readonly perSeed: readonly number[];
}

export interface MatchedComparison {
  readonly depth: number;
  readonly attacker: FairAttacker;
  readonly budget: number;
  /** FIM's strength and cost (the matched cost). */
  readonly fimStrength: number;
  readonly cost: number;
  readonly against: DefenceName;
  /** Paired (against − fim) clone accuracy at the matched cost; null when the cost is outside `against`'s sweep. */
  readonly difference: PairedDifference | null;
}

export interface FairSummary {
  /** depth → attacker → budget → defence → curve (sorted by cost). */
  readonly curves: {
    depth: number;
    attacker: FairAttacker;
    budget: number;
    defence: DefenceName;
    points: CurvePoint[];
  }[];
  readonly matched: MatchedComparison[];
  /** Undefended soft clone − labels-only clone (paired), per depth, attacker family and budget. */
  readonly labelsOnlyBound: {
    depth: number;
    attacker: 'softmax' | 'mlp' | 'eq14';
    budget: number;
    difference: PairedDifference;
  }[];
  /** Adaptive misinformation against the OOD attacker: clone damage vs none (paired) and benign label loss, per strength. */
  readonly misinformation: {
    depth: number;
    budget: number;
    strength: number;
    damage: PairedDifference;
    benignLabelLoss: number;
    oodLabelChanged: number;
  }[];
  /**
   * Query multiplier: for each defence's strongest setting, the budget at which the
   * best attacker's clone first reaches the undefended softmax clone's accuracy at
   * the second-largest natural budget (the reference), ÷ that budget (log-linear
   * between budgets); null when no budget in the grid reaches it.
   */
  readonly multipliers: {
    depth: number;
    defence: DefenceName;
    strength: number;
    reference: number;
    multiplier: number | null;
  }[];
  readonly verdict: string;
}

/** Linear interpolation of y(x) at x0 on points sorted by x; undefined outside the range. */
function interpolate(xs: readonly number[], ys: readonly number[], x0: number): number | undefined {
  if (xs.length === 0) return undefined;
  if (xs.length === 1) return Math.abs(xs[0]! - x0) <= 1e-9 ? ys[0] : undefined;
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = xs[i]!;
    const b = xs[i + 1]!;
    if (x0 >= a - 1e-12 && x0 <= b + 1e-12)
      return b === a ? ys[i] : ys[i]! + ((ys[i + 1]! - ys[i]!) * (x0 - a)) / (b - a);
  }
  return undefined;
}

const pts = (v: number) => (100 * v).toFixed(1);

/** Curves, matched-cost comparisons, the labels-only bound, misinformation and multipliers, and a verdict. */
export function summariseFairTest(result: FairTestResult, config: Pick<FairTestConfig, 'seeds'>): FairSummary {
  const seeds = config.seeds;
  const key = (...parts: (string | number)[]) => parts.join('|');
  const acc = new Map<string, number>();
  for (const r of result.rows)
    acc.set(key(r.depth, r.defence, r.strength, r.attacker, r.budget, r.seed), r.cloneAccuracy);
  const costOf = new Map(result.costs.map((c) => [key(c.depth, c.defence, c.strength), c]));
  const cellKeys = new Set(result.rows.map((r) => key(r.depth, r.attacker, r.budget)));
  const curves: FairSummary['curves'] = [];
  for (const ck of cellKeys) {
    const [dS, attacker, bS] = ck.split('|');
    const depth = Number(dS);
    const budget = Number(bS);
    const defences = [...new Set(result.costs.filter((c) => c.depth === depth).map((c) => c.defence))];
    for (const defence of defences) {
      const points = result.costs
        .filter((c) => c.depth === depth && c.defence === defence)
        .map((c) => {
          const perSeed = seeds.map((s) => acc.get(key(depth, defence, c.strength, attacker!, budget, s)) ?? NaN);
          return {
            strength: c.strength,
            cost: c.cost,
            mean: perSeed.reduce((a, b) => a + b, 0) / perSeed.length,
            perSeed,
          };
        })
        .filter((p) => p.perSeed.every(Number.isFinite))
        .sort((a, b) => a.cost - b.cost);
      if (points.length > 0) curves.push({ depth, attacker: attacker as FairAttacker, budget, defence, points });
    }
  }
  const curve = (depth: number, attacker: string, budget: number, defence: DefenceName) =>
    curves.find((c) => c.depth === depth && c.attacker === attacker && c.budget === budget && c.defence === defence);
  const matched: MatchedComparison[] = [];
  // labels-only attackers see identical labels from every label-preserving arm: their bound is reported instead
  for (const c of curves.filter((x) => x.defence === 'fim' && !x.attacker.endsWith('-labels'))) {
    for (const p of c.points) {
      // defences swept over at least two strengths (a single setting has no curve to match on)
      for (const other of curves.filter(
        (x) =>
          x.depth === c.depth &&
          x.attacker === c.attacker &&
          x.budget === c.budget &&
          x.defence !== 'fim' &&
          x.points.length >= 2,
      )) {
        const xs = other.points.map((q) => q.cost);
        const perSeed = seeds.map((_, s) =>
          interpolate(
            xs,
            other.points.map((q) => q.perSeed[s]!),
            p.cost,
          ),
        );
        const difference = perSeed.every((v) => v !== undefined)
          ? pairedDifference(perSeed as number[], [...p.perSeed])
          : null;
        matched.push({
          depth: c.depth,
          attacker: c.attacker,
          budget: c.budget,
          fimStrength: p.strength,
          cost: p.cost,
          against: other.defence,
          difference,
        });
      }
    }
  }
  const labelsOnlyBound: FairSummary['labelsOnlyBound'] = [];
  for (const c of curves.filter(
    (x) => x.defence === 'none' && (x.attacker === 'softmax' || x.attacker === 'mlp' || x.attacker === 'eq14'),
  )) {
    const l = curve(c.depth, `${c.attacker}-labels`, c.budget, 'none');
    if (l)
      labelsOnlyBound.push({
        depth: c.depth,
        attacker: c.attacker as 'softmax' | 'mlp' | 'eq14',
        budget: c.budget,
        difference: pairedDifference([...c.points[0]!.perSeed], [...l.points[0]!.perSeed]),
      });
  }
  const misinformation: FairSummary['misinformation'] = [];
  for (const c of curves.filter((x) => x.defence === 'adaptive-misinformation' && x.attacker === 'ood')) {
    const none = curve(c.depth, 'ood', c.budget, 'none');
    if (!none) continue;
    for (const p of c.points) {
      const arm = costOf.get(key(c.depth, 'adaptive-misinformation', p.strength))!;
      misinformation.push({
        depth: c.depth,
        budget: c.budget,
        strength: p.strength,
        damage: pairedDifference([...none.points[0]!.perSeed], [...p.perSeed]),
        benignLabelLoss: 1 - arm.honestLabelKept,
        oodLabelChanged: arm.oodLabelChanged,
      });
    }
  }
  const multipliers: FairSummary['multipliers'] = [];
  const depths = [...new Set(result.costs.map((c) => c.depth))];
  for (const depth of depths) {
    const budgets = [
      ...new Set(curves.filter((c) => c.depth === depth && c.attacker !== 'ood').map((c) => c.budget)),
    ].sort((a, b) => a - b);
    if (budgets.length === 0) continue;
    // the undefended clone at the second-largest budget: the grid's larger budgets can then show how many
    // more queries an attacker needs against each defence to get as far
    const reference = budgets.length > 1 ? budgets[budgets.length - 2]! : budgets[0]!;
    const target = curve(depth, 'softmax', reference, 'none')?.points[0]?.mean;
    if (target === undefined) continue;
    const defences = [
      ...new Set(result.costs.filter((c) => c.depth === depth && c.defence !== 'none').map((c) => c.defence)),
    ];
    for (const defence of defences) {
      const strongest = result.costs
        .filter((c) => c.depth === depth && c.defence === defence)
        .sort((a, b) => b.cost - a.cost)[0]!;
      const bestAt = budgets.map((b) =>
        Math.max(
          ...curves
            .filter((c) => c.depth === depth && c.budget === b && c.defence === defence && c.attacker !== 'ood')
            .map((c) => c.points.find((p) => p.strength === strongest.strength)?.mean ?? -Infinity),
        ),
      );
      let multiplier: number | null = null;
      for (let i = 0; i < budgets.length; i++) {
        if (bestAt[i]! >= target) {
          if (i === 0) multiplier = budgets[0]! / reference;
          else {
            // log-linear interpolation between the budgets that bracket the target
            const f = (target - bestAt[i - 1]!) / (bestAt[i]! - bestAt[i - 1]!);
            multiplier =
              Math.exp(Math.log(budgets[i - 1]!) + f * (Math.log(budgets[i]!) - Math.log(budgets[i - 1]!))) / reference;
          }
          break;
        }
      }
      multipliers.push({ depth, defence, strength: strongest.strength, reference, multiplier });
    }
  }
  return {
    curves,
    matched,
    labelsOnlyBound,
    misinformation,
    multipliers,
    verdict: fairVerdict(matched, labelsOnlyBound, misinformation),
  };
}

function ci(d: PairedDifference): string {
  return `${pts(d.mean)} points (95% CI ${pts(d.low)} to ${pts(d.high)})`;
}

/** One paragraph from the numbers: a claim only where its interval excludes 0. */
function fairVerdict(
  matched: readonly MatchedComparison[],
  bounds: FairSummary['labelsOnlyBound'],
  misinformation: FairSummary['misinformation'],
): string {
  const parts: string[] = [];
  const depths = [...new Set(matched.map((m) => m.depth))].sort((a, b) => a - b);
  for (const depth of depths) {
    for (const attacker of ['softmax', 'mlp', 'eq14', 'adaptive'] as const) {
      const at = matched.filter((m) => m.depth === depth && m.attacker === attacker);
      if (at.length === 0) continue;
      const budget = Math.max(...at.map((m) => m.budget));
      const strongest = Math.max(...at.filter((m) => m.budget === budget).map((m) => m.cost));
      const here = at.filter((m) => m.budget === budget && m.cost === strongest);
      const say = (against: DefenceName) => {
        const m = here.find((x) => x.against === against);
        if (!m) return undefined;
        if (!m.difference) return `${against}: its sweep does not reach this cost`;
        const d = m.difference;
        return `${against} − fim ${ci(d)}${d.excludesZero ? (d.mean > 0 ? " (FIM's clone worse: FIM protects more)" : " (FIM's clone better: FIM protects less)") : ' (no difference claimed)'}`;
      };
      const items = (
        ['random-class', 'random-query', 'fim-min', 'mad-argmax', 'mad', 'reverse-sigmoid'] as DefenceName[]
      )
        .map(say)
        .filter((x): x is string => x !== undefined);
      const bound = bounds.find((b) => b.depth === depth && b.attacker === attacker && b.budget === budget);
      parts.push(
        `Depth ${depth}, ${attacker} attacker, ${budget} queries, at FIM's largest cost (mean ‖δy‖₁ ${strongest.toFixed(3)}): ${items.join('; ')}` +
          (bound
            ? `; no label-preserving defence can take more than ${ci(bound.difference)} from this attacker (labels-only bound)`
            : '') +
          '.',
      );
    }
  }
  for (const m of misinformation) {
    parts.push(
      `Adaptive misinformation (quantile ${m.strength}) at depth ${m.depth} against the OOD attacker (${m.budget} queries): clone damage ${ci(m.damage)}${m.damage.excludesZero ? '' : m.damage.sd === 0 ? ' (identical in every seed: no interval)' : ', not distinguishable from 0'}; benign users lose ${pts(m.benignLabelLoss)}% of labels; ${pts(m.oodLabelChanged)}% of OOD answers change label.`,
    );
  }
  return parts.join(' ');
}
