/**
 * The fair test's summary (docs/math.md §9): per depth, attacker and budget the
 * clone-accuracy curve of every defence against its cost; FIM compared with
 * every other arm at matched cost (paired 95% intervals, interpolated along each
 * arm's sweep); the labels-only bound; adaptive misinformation's damage to the
 * OOD attacker and its benign loss; query multipliers; and the verdict, which
 * claims only what an interval excluding 0 carries.
 */
import { labelsOnly, type Attacker } from './attacker.js';
import { LABEL_PRESERVING, type DefenceName } from './defences.js';
import { oodAttacker, type FairAttacker, type FairTestConfig, type FairTestResult } from './fair-test.js';
import { describeBound, describeDifference, pairedDifference, points, type PairedDifference } from './stats.js';

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
  /** Undefended soft clone − labels-only clone (paired), per depth, attacker with a '-labels' twin, and budget. */
  readonly labelsOnlyBound: {
    depth: number;
    attacker: FairAttacker;
    budget: number;
    difference: PairedDifference;
  }[];
  /** Adaptive misinformation against the OOD attacker: clone damage vs none (paired) and benign label loss, per strength. */
  readonly misinformation: {
    depth: number;
    defence: DefenceName;
    attacker: FairAttacker;
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
  /**
   * Each defence judged by its worst case: at every depth, budget and strength,
   * the attacker (of those run on that arm, and for a label-keeping arm the
   * labels-only ones run on 'none') whose clone is most accurate on average,
   * against the undefended worst case over the same attackers at the same depth
   * and budget; damage = undefended worst − defended worst, paired by seed.
   */
  readonly worstCase: WorstCase[];
  readonly verdict: string;
  /** The verdict in two plain sentences: the largest measurable worst-case damage, and FIM against random directions. */
  readonly plainSummary: string;
}

export interface WorstCase {
  readonly depth: number;
  readonly budget: number;
  readonly defence: DefenceName;
  readonly strength: number;
  /** Defender cost (mean ‖δy‖₁) and the honest user's labels kept. */
  readonly cost: number;
  readonly honestLabelKept: number;
  /**
   * The attackers the worst case is over: those run on this arm at this budget
   * and, for a label-keeping arm, the labels-only attackers run on 'none' (their
   * clone is the same). The undefended worst case is over the same attackers.
   */
  readonly attackers: readonly FairAttacker[];
  readonly worstAttacker: FairAttacker;
  readonly cloneAccuracy: number;
  readonly undefendedAttacker: FairAttacker;
  readonly undefendedAccuracy: number;
  readonly damage: PairedDifference;
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
  for (const c of curves.filter((x) => x.defence === 'none' && !x.attacker.endsWith('-labels'))) {
    const l = curve(c.depth, `${c.attacker}-labels`, c.budget, 'none');
    if (l)
      labelsOnlyBound.push({
        depth: c.depth,
        attacker: c.attacker,
        budget: c.budget,
        difference: pairedDifference([...c.points[0]!.perSeed], [...l.points[0]!.perSeed]),
      });
  }
  const misinformation: FairSummary['misinformation'] = [];
  for (const c of curves.filter(
    (x) => x.defence.startsWith('adaptive-misinformation') && oodAttacker(x.attacker) !== undefined,
  )) {
    const none = curve(c.depth, c.attacker, c.budget, 'none');
    if (!none) continue;
    for (const p of c.points) {
      const arm = costOf.get(key(c.depth, c.defence, p.strength))!;
      misinformation.push({
        depth: c.depth,
        defence: c.defence,
        attacker: c.attacker,
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
  const worstCase = worstCases(curves, result);
  return {
    curves,
    matched,
    labelsOnlyBound,
    misinformation,
    multipliers,
    worstCase,
    verdict: fairVerdict(matched, labelsOnlyBound, misinformation, worstCase),
    plainSummary: fairPlainSummary(matched, worstCase),
  };
}

/** The most accurate clone (by its mean over seeds) among `curves` at one strength. */
function strongest(curves: FairSummary['curves'], strength: number) {
  let best: { attacker: FairAttacker; mean: number; perSeed: readonly number[] } | undefined;
  for (const c of curves) {
    const p = c.points.find((x) => x.strength === strength);
    if (p && (best === undefined || p.mean > best.mean))
      best = { attacker: c.attacker, mean: p.mean, perSeed: p.perSeed };
  }
  return best;
}

function worstCases(curves: FairSummary['curves'], result: FairTestResult): WorstCase[] {
  const out: WorstCase[] = [];
  const groups = [...new Set(curves.map((c) => `${c.depth}|${c.budget}`))];
  const sharedLabels = (a: FairAttacker) => oodAttacker(a) === undefined && labelsOnly(a as Attacker);
  for (const g of groups) {
    const [depth, budget] = g.split('|').map(Number) as [number, number];
    const here = curves.filter((c) => c.depth === depth && c.budget === budget);
    const onNone = here.filter((c) => c.defence === 'none');
    if (onNone.length === 0) continue;
    for (const cost of result.costs.filter((c) => c.depth === depth && c.defence !== 'none')) {
      const own = here.filter((c) => c.defence === cost.defence && c.points.some((p) => p.strength === cost.strength));
      // a label-keeping defence serves a labels-only attacker exactly the clean labels, so that
      // attacker's clone on 'none' is its clone too, wherever the grid ran it
      const inherited = LABEL_PRESERVING.includes(cost.defence)
        ? onNone.filter((c) => sharedLabels(c.attacker) && !own.some((o) => o.attacker === c.attacker))
        : [];
      const attackers = [...own, ...inherited].map((c) => c.attacker);
      const candidates = [strongest(own, cost.strength), strongest(inherited, 0)].filter((x) => x !== undefined);
      const worst = candidates.sort((a, b) => b.mean - a.mean)[0];
      // the undefended worst case over the same attackers, so a cell the grid cut is cut on both sides
      const none = strongest(
        onNone.filter((c) => attackers.includes(c.attacker)),
        0,
      );
      if (!worst || !none) continue;
      out.push({
        depth,
        budget,
        defence: cost.defence,
        strength: cost.strength,
        cost: cost.cost,
        honestLabelKept: cost.honestLabelKept,
        attackers,
        worstAttacker: worst.attacker,
        cloneAccuracy: worst.mean,
        undefendedAttacker: none.attacker,
        undefendedAccuracy: none.mean,
        damage: pairedDifference([...none.perSeed], [...worst.perSeed]),
      });
    }
  }
  return out;
}

const ci = describeDifference;

/**
 * Two sentences for a newcomer: at the largest budget, the largest worst-case
 * damage whose interval lies above 0 among defences that keep every honest
 * label and among those that do not (with the labels they cost); and how often
 * FIM's direction beat a random one at matched cost.
 */
function fairPlainSummary(matched: readonly MatchedComparison[], worstCase: readonly WorstCase[]): string {
  const budget = Math.max(0, ...worstCase.map((w) => w.budget));
  const atB = worstCase.filter((w) => w.budget === budget && w.damage.excludesZero && w.damage.mean > 0);
  const best = (ws: WorstCase[]) => ws.sort((a, b) => b.damage.mean - a.damage.mean)[0];
  const keeping = best(atB.filter((w) => w.honestLabelKept >= 1));
  const changing = best(atB.filter((w) => w.honestLabelKept < 1));
  const first =
    keeping === undefined && changing === undefined
      ? `Against the best clone each defence faced at ${budget} queries, no defence made a measurable difference.`
      : `Against the best clone each defence faced at ${budget} queries, ${
          keeping === undefined
            ? 'no defence that keeps every honest label made a measurable difference'
            : `the most a defence that keeps every honest label took was ${points(keeping.damage.mean)} points (${keeping.defence}, depth ${keeping.depth})`
        }${
          changing === undefined
            ? ''
            : `; one that changes labels took up to ${points(changing.damage.mean)} points (${changing.defence}, depth ${changing.depth}) and cost honest users ${points(1 - changing.honestLabelKept)}% of their labels`
        }.`;
  const random = matched.filter((m) => m.against === 'random-class' && m.difference !== null);
  const more = random.filter((m) => m.difference!.excludesZero && m.difference!.mean > 0).length;
  const less = random.filter((m) => m.difference!.excludesZero && m.difference!.mean < 0).length;
  const second =
    random.length === 0
      ? 'FIM was not compared with a random direction.'
      : `FIM's direction protected measurably more than a random direction of the same cost in ${more} of ${random.length} comparisons, and less in ${less}.`;
  return `${first}\n${second}`;
}

/** One paragraph from the numbers: a claim only where its interval excludes 0. */
function fairVerdict(
  matched: readonly MatchedComparison[],
  bounds: FairSummary['labelsOnlyBound'],
  misinformation: FairSummary['misinformation'],
  worstCase: readonly WorstCase[],
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
        const claim = d.excludesZero
          ? d.mean > 0
            ? `FIM's clone is worse than ${against}'s (FIM protects more)`
            : `FIM's clone is better than ${against}'s (FIM protects less)`
          : `FIM and ${against} are not distinguishable`;
        return `${claim}: ${against}'s clone minus FIM's ${ci(d)}`;
      };
      const items = (
        ['random-class', 'random-query', 'fim-min', 'mad-argmax', 'mad', 'reverse-sigmoid'] as DefenceName[]
      )
        .map(say)
        .filter((x): x is string => x !== undefined);
      const bound = bounds.find((b) => b.depth === depth && b.attacker === attacker && b.budget === budget);
      parts.push(
        `Depth ${depth}, ${attacker} attacker, ${budget} queries, at FIM's largest cost (mean ‖δy‖₁ ${strongest.toFixed(3)}): ${items.join('; ')}` +
          (bound ? `; labels-only bound: ${describeBound(bound.difference)}` : '') +
          '.',
      );
    }
  }
  for (const m of misinformation) {
    parts.push(
      `${m.defence} (quantile ${m.strength}) at depth ${m.depth} against the ${m.attacker} attacker (${m.budget} OOD queries): clone damage ${ci(m.damage)}${m.damage.excludesZero ? '' : m.damage.sd === 0 ? ' (identical in every seed: no interval)' : ', not distinguishable from 0'}; benign users lose ${pts(m.benignLabelLoss)}% of labels; ${pts(m.oodLabelChanged)}% of OOD answers change label.`,
    );
  }
  // each defence at its strongest setting, by its worst case at the largest budget of every depth
  for (const depth of [...new Set(worstCase.map((w) => w.depth))].sort((a, b) => a - b)) {
    const at = worstCase.filter((w) => w.depth === depth);
    const budget = Math.max(...at.map((w) => w.budget));
    const atB = at.filter((w) => w.budget === budget);
    const items = [...new Set(atB.map((w) => w.defence))].map((defence) => {
      const w = atB.filter((x) => x.defence === defence).sort((a, b) => b.cost - a.cost)[0];
      if (!w) return undefined;
      const naive = w.attackers.length < 3 ? `; only ${w.attackers.length} attacker(s) ran on this arm` : '';
      return `${defence} (cost ${w.cost.toFixed(3)}, honest labels kept ${pts(w.honestLabelKept)}%): worst attacker ${w.worstAttacker} at ${pts(w.cloneAccuracy)}% against ${pts(w.undefendedAccuracy)}% undefended (${w.undefendedAttacker}), damage ${ci(w.damage)}${w.damage.excludesZero ? '' : ', not distinguishable from 0'}${naive}`;
    });
    parts.push(
      `Worst case at depth ${depth}, ${budget} queries (each defence at its strongest setting, against the most accurate clone among the attackers run on it, and the undefended worst case over the same attackers): ${items.filter((x) => x !== undefined).join('; ')}.`,
    );
  }
  return parts.join(' ');
}
