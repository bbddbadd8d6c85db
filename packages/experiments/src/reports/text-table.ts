/** Plain-text tables for terminals and logs. */

/** A fraction as a percentage with one decimal (0.8925 → '89.3'). */
export const pct = (v: number): string => (100 * v).toFixed(1);

/** A whole number as Unicode subscript digits (e₃ rather than e_3 in titles). */
export const subscript = (n: number): string => String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);

/**
 * A run's wall time as a report states it: "N s", and when some jobs came from
 * the job store, how many this run computed (so a re-rendered report never
 * passes a store read for the experiment's cost).
 */
export function runTime(r: { readonly seconds: number; readonly jobs: number; readonly jobsComputed: number }): string {
  const s = `${r.seconds.toFixed(0)} s`;
  return r.jobsComputed === r.jobs
    ? s
    : `${s} (${r.jobsComputed} of ${r.jobs} jobs computed in this run; the rest were in the job store)`;
}

/** Renders rows as an aligned text table with a header rule. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, j) => c.padEnd(widths[j]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n';
}
