/**
 * Paired comparisons over seeds. Within a seed two arms share the victim, the
 * query subset and the clone's initialisation, so their difference cancels what
 * they share; the 95% interval of the mean difference is the Student t interval
 *   d̄ ± t_{0.975, n−1} · s_d / √n   (s_d the sample standard deviation of the d_i).
 * A claim is made only when that interval excludes 0.
 */

/** Two-sided 97.5% quantiles of Student's t for 1 … 30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * t_{0.975, df}: the table up to 30 degrees of freedom, then the Cornish–Fisher
 * expansion around z = 1.959964 (error < 1e-4 for df > 30).
 * @throws RangeError for df < 1.
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be ≥ 1, got ${df}`);
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = 1.959963985;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface PairedDifference {
  /** Number of pairs. */
  readonly n: number;
  /** Mean of a_i − b_i. */
  readonly mean: number;
  /** Sample standard deviation of the differences (0 for one pair). */
  readonly sd: number;
  /** 95% interval of the mean difference ([mean, mean] when n = 1 or sd = 0). */
  readonly low: number;
  readonly high: number;
  /** Whether the interval lies entirely above or entirely below 0. */
  readonly excludesZero: boolean;
}

/**
 * Mean and 95% t interval of a_i − b_i over paired observations.
 * @throws RangeError when the arms have different lengths or none.
 */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`paired arms need the same, non-zero number of observations, got ${a.length} and ${b.length}`);
  }
  const n = a.length;
  const d = a.map((x, i) => x - b[i]!);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  const half = n > 1 ? (tQuantile975(n - 1) * sd) / Math.sqrt(n) : 0;
  const low = mean - half;
  const high = mean + half;
  // one pair, or identical differences, carry no interval: no claim
  const excludesZero = n > 1 && sd > 0 && (low > 0 || high < 0);
  return { n, mean, sd, low, high, excludesZero };
}

/** 100·v with one decimal and a true minus sign (U+2212); −0.0 prints as 0.0. */
export function points(v: number): string {
  const t = (100 * Math.abs(v)).toFixed(1);
  return v < 0 && Number(t) !== 0 ? `\u2212${t}` : t;
}

/** "m points (95% CI l to h)" of a paired difference, every number with the same minus sign ("one seed: no interval" for one pair). */
export function describeDifference(d: PairedDifference): string {
  if (d.n < 2) return `${points(d.mean)} points (one seed: no interval)`;
  return `${points(d.mean)} points (95% CI ${points(d.low)} to ${points(d.high)})`;
}

/**
 * The labels-only bound in words: the most any label-keeping defence can take
 * from the attacker, or, when its interval does not lie above 0, that there is
 * no measurable room.
 */
export function describeBound(d: PairedDifference): string {
  return d.excludesZero && d.mean > 0
    ? `no label-keeping defence can take more than ${describeDifference(d)} from this attacker`
    : `a label-keeping defence has no measurable room against this attacker: its labels-only clone is as good as its soft one (${describeDifference(d)})`;
}
