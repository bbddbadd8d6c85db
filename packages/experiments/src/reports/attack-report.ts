/**
 * The cloning attack's report (`rgdl attack`, the demo): per source the honest
 * user's labels and accuracy, the defender's cost and the clones' accuracy and
 * agreement; the paired comparisons against FIM with their 95% intervals and
 * the labels-only bound; and the chart of clone accuracy against cost.
 */
import { defenceLabel, points, type AttackResult } from '@rgdl/poison';
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

/** Paired FIM comparisons with their 95% intervals, the labels-only bound, and each defence's worst-case damage. */
export function comparisonTable(r: AttackResult): string {
  const pts = points;
  const rows = r.comparisons.map((c) => [
    `${c.against} − fim`,
    pts(c.difference.mean),
    `${pts(c.difference.low)} … ${pts(c.difference.high)}`,
    c.difference.excludesZero
      ? c.difference.mean > 0
        ? `FIM clone worse than ${c.against}'s`
        : `FIM clone better than ${c.against}'s`
      : 'no claim (CI covers 0)',
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
    rows.push([
      'bound: none − labels-only',
      pts(b.mean),
      `${pts(b.low)} … ${pts(b.high)}`,
      'most any label-preserving defence can take',
    ]);
  }
  for (const w of r.worstCase) {
    rows.push([
      `worst case: none − ${w.defence}`,
      pts(w.damage.mean),
      `${pts(w.damage.low)} … ${pts(w.damage.high)}`,
      w.damage.excludesZero ? 'damage' : 'no claim (CI covers 0)',
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
