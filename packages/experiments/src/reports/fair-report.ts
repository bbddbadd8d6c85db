/**
 * Rendering of the fair test (@rgdl/poison runFairTest / summariseFairTest):
 * Markdown tables and SVG curves. The numbers come from the summary only.
 */
import type { FairSummary, FairTestResult } from '@rgdl/poison';
import { renderOutputs, type ChartSpec, type OutputEntry } from './charts.js';
import { pct } from './text-table.js';

/** '(12 of 51 jobs computed in this run, the rest read from the store)' when some came from the store. */
function jobNote(grid: unknown): string {
  const g = grid as { jobs?: number; jobsComputed?: number };
  if (g.jobs === undefined || g.jobsComputed === undefined || g.jobsComputed === g.jobs) return '';
  return ` (${g.jobsComputed} of ${g.jobs} jobs computed in this run, the rest read from the store)`;
}

export function fairMarkdown(r: FairTestResult, s: FairSummary, grid: unknown): string {
  const lines: string[] = [
    '# Fair test of the defences',
    '',
    `Grid: \`${JSON.stringify(grid)}\``,
    '',
    `Wall time ${r.seconds.toFixed(0)} s${jobNote(grid)}. Victims: ${r.victims.map((v) => `depth ${v.depth} [${v.widths.join(', ')}] ${pct(v.testAccuracy)}%`).join('; ')}.`,
    '',
    '## Verdict',
    '',
    s.verdict || '(no comparisons in this grid)',
    '',
    ...(s.plainSummary ? ['**In short.** ' + s.plainSummary.replace('\n', ' '), ''] : []),
    '## Worst case over the attackers run on each arm',
    '',
    'Each defence at each strength against the attacker whose clone is most accurate on average (of those run on that arm); damage = undefended worst − defended worst, paired by seed.',
    '',
    '| depth | budget | defence | strength | cost | honest labels kept % | attackers | worst attacker | clone acc. % | undefended worst | damage (points) | 95% CI |',
    '|---:|---:|---|---:|---:|---:|---:|---|---:|---|---:|---|',
    ...s.worstCase.map(
      (w) =>
        `| ${w.depth} | ${w.budget} | ${w.defence} | ${w.strength} | ${w.cost.toFixed(3)} | ${pct(w.honestLabelKept)} | ${w.attackers.length} | ${w.worstAttacker} | ${pct(w.cloneAccuracy)} | ${w.undefendedAttacker} ${pct(w.undefendedAccuracy)} | ${pct(w.damage.mean)} | ${pct(w.damage.low)} … ${pct(w.damage.high)}${w.damage.excludesZero ? '' : ' (no claim)'} |`,
    ),
    '',
    '## Defender cost and honest users',
    '',
    '| depth | defence | strength | mean ‖δy‖₁ | honest labels kept % | honest acc. % | OOD answers relabelled % |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...r.costs.map(
      (c) =>
        `| ${c.depth} | ${c.defence} | ${c.strength} | ${c.cost.toFixed(3)} | ${pct(c.honestLabelKept)} | ${pct(c.honestAccuracy)} | ${pct(c.oodLabelChanged)} |`,
    ),
    '',
    '## Clone accuracy (%, mean ± std over paired seeds)',
    '',
    '| depth | attacker | budget | defence | strength | cost | clone acc. |',
    '|---:|---|---:|---|---:|---:|---:|',
  ];
  for (const c of s.curves) {
    for (const p of c.points) {
      const sd = Math.sqrt(p.perSeed.reduce((a, v) => a + (v - p.mean) ** 2, 0) / Math.max(1, p.perSeed.length - 1));
      lines.push(
        `| ${c.depth} | ${c.attacker} | ${c.budget} | ${c.defence} | ${p.strength} | ${p.cost.toFixed(3)} | ${pct(p.mean)} ± ${pct(sd)} |`,
      );
    }
  }
  lines.push(
    '',
    '## At matched cost: (other − fim) clone accuracy, points, paired 95% CI',
    '',
    '| depth | attacker | budget | fim strength | cost | against | difference | 95% CI | claim |',
    '|---:|---|---:|---:|---:|---|---:|---|---|',
    ...s.matched.map((m) =>
      m.difference
        ? `| ${m.depth} | ${m.attacker} | ${m.budget} | ${m.fimStrength} | ${m.cost.toFixed(3)} | ${m.against} | ${pct(m.difference.mean)} | ${pct(m.difference.low)} … ${pct(m.difference.high)} | ${m.difference.excludesZero ? (m.difference.mean > 0 ? 'FIM protects more' : 'FIM protects less') : 'none'} |`
        : `| ${m.depth} | ${m.attacker} | ${m.budget} | ${m.fimStrength} | ${m.cost.toFixed(3)} | ${m.against} | — | outside its sweep | — |`,
    ),
    '',
    '## Labels-only bound (undefended soft clone − labels-only clone)',
    '',
    '| depth | attacker | budget | bound (points) | 95% CI |',
    '|---:|---|---:|---:|---|',
    ...s.labelsOnlyBound.map(
      (b) =>
        `| ${b.depth} | ${b.attacker} | ${b.budget} | ${pct(b.difference.mean)} | ${pct(b.difference.low)} … ${pct(b.difference.high)} |`,
    ),
    '',
    '## Adaptive misinformation against the attackers on OOD queries',
    '',
    '| depth | defence | attacker | budget | quantile | clone damage (points) | 95% CI | benign label loss % | OOD answers relabelled % |',
    '|---:|---|---|---:|---:|---:|---|---:|---:|',
    ...s.misinformation.map(
      (m) =>
        `| ${m.depth} | ${m.defence} | ${m.attacker} | ${m.budget} | ${m.strength} | ${pct(m.damage.mean)} | ${pct(m.damage.low)} … ${pct(m.damage.high)} | ${pct(m.benignLabelLoss)} | ${pct(m.oodLabelChanged)} |`,
    ),
    '',
    '## Query multiplier (strongest setting; budget the best attacker needs to reach the undefended softmax clone at the reference budget)',
    '',
    '| depth | defence | strength | reference budget | multiplier |',
    '|---:|---|---:|---:|---:|',
    ...s.multipliers.map(
      (m) =>
        `| ${m.depth} | ${m.defence} | ${m.strength} | ${m.reference} | ${m.multiplier === null ? 'not reached in the grid' : `${m.multiplier.toFixed(2)}×`} |`,
    ),
    '',
    ...probeTable(r),
  );
  return lines.join('\n');
}

/** eq. 14 clones' first-layer weight error and adversarial transfer (mean ± std over seeds), when measured. */
function probeTable(r: FairTestResult): string[] {
  const probed = r.rows.filter((x) => x.weightError !== undefined || x.victimAdversarial !== undefined);
  if (probed.length === 0) return [];
  const groups = new Map<string, typeof probed>();
  for (const x of probed) {
    const k = `${x.depth}|${x.attacker}|${x.budget}|${x.defence}|${x.strength}`;
    groups.set(k, [...(groups.get(k) ?? []), x]);
  }
  const ms = (v: (number | undefined)[], scale: number, digits: number) => {
    const xs = v.filter((x): x is number => x !== undefined);
    if (xs.length === 0) return '—';
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
    return `${(scale * m).toFixed(digits)} ± ${(scale * sd).toFixed(digits)}`;
  };
  return [
    '## eq. 14 clones: first-layer weight error and adversarial transfer',
    '',
    "Weight error: ‖W₁ − P W₁′‖_F / ‖W₁‖_F after Hungarian matching. Transfer: victim accuracy (%) on test digits moved along the top eigenvector of the clone's classification FIM, and on random moves of the same pixel-space norm.",
    '',
    '| depth | attacker | budget | defence | strength | seeds | weight error | victim acc. on clone-FIM inputs | on random moves |',
    '|---:|---|---:|---|---:|---:|---:|---:|---:|',
    ...[...groups.values()].map((g) => {
      const x = g[0]!;
      return `| ${x.depth} | ${x.attacker} | ${x.budget} | ${x.defence} | ${x.strength} | ${g.length} | ${ms(
        g.map((y) => y.weightError),
        1,
        3,
      )} | ${ms(
        g.map((y) => y.victimAdversarial),
        100,
        1,
      )} | ${ms(
        g.map((y) => y.victimRandomMove),
        100,
        1,
      )} |`;
    }),
    '',
  ];
}

/** Clone accuracy against defender cost, one line per defence; the labels-only clone as a reference line. */
export function fairCostChart(s: FairSummary, depth: number, attacker: string, budget: number): ChartSpec {
  const curves = s.curves.filter((c) => c.depth === depth && c.attacker === attacker && c.budget === budget);
  const labels = s.curves.find(
    (c) => c.depth === depth && c.attacker === `${attacker}-labels` && c.budget === budget && c.defence === 'none',
  );
  return {
    title: `clone accuracy vs defender cost — depth ${depth}, ${attacker} attacker, ${budget} queries`,
    xLabel: 'defender cost: mean ‖δy‖₁ on test digits',
    yLabel: 'clone test accuracy',
    series: curves.map((c) => {
      const sd = (p: { perSeed: readonly number[]; mean: number }) =>
        Math.sqrt(p.perSeed.reduce((a, v) => a + (v - p.mean) ** 2, 0) / Math.max(1, p.perSeed.length - 1));
      return { name: c.defence, points: c.points.map((p) => [p.cost, p.mean] as const), errors: c.points.map(sd) };
    }),
    ...(labels ? { referenceY: labels.points[0]!.mean, referenceLabel: 'labels-only clone (no defence)' } : {}),
  };
}

/** Clone accuracy against query budget for each defence's strongest setting. */
export function fairBudgetChart(s: FairSummary, depth: number, attacker: string): ChartSpec {
  const byDefence = new Map<string, [number, number][]>();
  for (const c of s.curves.filter((x) => x.depth === depth && x.attacker === attacker)) {
    const strongest = c.points[c.points.length - 1]!;
    byDefence.set(c.defence, [...(byDefence.get(c.defence) ?? []), [c.budget, strongest.mean]]);
  }
  return {
    title: `clone accuracy vs query budget — depth ${depth}, ${attacker} attacker (strongest setting)`,
    xLabel: 'attacker queries',
    yLabel: 'clone test accuracy',
    series: [...byDefence].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) })),
  };
}
