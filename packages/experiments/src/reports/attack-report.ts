/**
 * The cloning attack's report (`rgdl attack`, the demo): per source the honest
 * user's labels and accuracy, the defender's cost and the clones' accuracy and
 * agreement; the paired comparisons against FIM with their 95% intervals and
 * the labels-only bound; and the chart of clone accuracy against cost.
 */
import { defenceLabel, points, type AttackResult, type PairedDifference } from '@rgdl/poison';
import type { ChartSpec } from './charts.js';
import { table } from './text-table.js';

/** Human-readable table of an attack result. */
export function attackTable(r: AttackResult): string {
  const pct = (v: number) => (100 * v).toFixed(1);
  return table(
    [
      'source',
      'honest labels kept %',
      'honest acc. %',
      'mean ‖δy‖₁',
      'clone acc. % (mean ± std)',
      'clone–victim agreement %',
    ],
    r.sources.map((s) => [
      s.source,
      s.honestLabelKept === null ? '—' : pct(s.honestLabelKept),
      pct(s.honestAccuracy),
      s.meanL1 === null ? '—' : s.meanL1.toFixed(3),
      `${pct(s.cloneAccuracy.mean)} ± ${pct(s.cloneAccuracy.std)}`,
      `${pct(s.cloneAgreement.mean)} ± ${pct(s.cloneAgreement.std)}`,
    ]),
  );
}

/** Why a paired difference carries no claim: one seed (no interval) or an interval that covers 0. */
const noClaim = (d: PairedDifference) =>
  d.n < 2 ? 'no claim (one seed: no interval)' : d.sd === 0 ? 'no claim (no spread)' : 'no claim (CI covers 0)';

/** "l … h", or "—" for one seed (no interval). */
const interval = (d: PairedDifference) => (d.n < 2 ? '—' : `${points(d.low)} … ${points(d.high)}`);

/** Paired FIM comparisons with their 95% intervals, the labels-only bound, and each defence's worst-case damage. */
export function comparisonTable(r: AttackResult): string {
  const pts = points;
  const rows = r.comparisons.map((c) => [
    `${c.against} − fim`,
    pts(c.difference.mean),
    interval(c.difference),
    c.difference.excludesZero
      ? c.difference.mean > 0
        ? `FIM clone worse than ${c.against}'s`
        : `FIM clone better than ${c.against}'s`
      : noClaim(c.difference),
  ]);
  if (r.labelsOnly)
    rows.push([
      'labels-only clone acc. %',
      pts(r.labelsOnly.cloneAccuracy.mean),
      `± ${pts(r.labelsOnly.cloneAccuracy.std)} (std)`,
      '',
    ]);
  if (r.labelsOnlyBound) {
    const b = r.labelsOnlyBound;
    rows.push(['bound: none − labels-only', pts(b.mean), interval(b), 'most any label-preserving defence can take']);
  }
  for (const w of r.worstCase) {
    rows.push([
      `worst case: none − ${w.defence}`,
      pts(w.damage.mean),
      interval(w.damage),
      w.damage.excludesZero ? 'damage' : noClaim(w.damage),
    ]);
  }
  return table(['paired clone-accuracy difference (points)', 'mean', '95% CI', 'claim'], rows);
}

/** Clone accuracy against defender cost (or source index when the cost is unknown). */
export function attackChart(r: AttackResult): ChartSpec {
  const costKnown = r.sources.every((s) => s.meanL1 !== null);
  return {
    title: `clone accuracy vs defender cost (${r.attacker} attacker, ${r.seeds.length} seeds, ±1 std)`,
    ...(r.labelsOnly
      ? {
          referenceY: r.labelsOnly.cloneAccuracy.mean,
          referenceLabel: "labels-only clone (the served answers' argmax)",
        }
      : {}),
    xLabel: costKnown ? 'defender cost: mean ‖δy‖₁ on test digits' : 'source',
    yLabel: 'clone test accuracy',
    // legend by defence (not by URL); the source only where two share a defence
    series: r.sources.map((s, i) => ({
      name:
        r.sources.filter((o) => o.defence === s.defence && o.epsilon === s.epsilon).length > 1
          ? s.source.replace(/^local /, '')
          : defenceLabel(s.defence, s.epsilon),
      points: [[costKnown ? s.meanL1! : i + 1, s.cloneAccuracy.mean]],
      errors: [s.cloneAccuracy.std],
      scatter: true,
    })),
  };
}
