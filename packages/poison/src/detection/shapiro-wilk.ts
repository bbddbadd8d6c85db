/**
 * The Shapiro–Wilk statistic W (Shapiro & Wilk 1965) with Royston's
 * approximation of its coefficients (Royston 1992, "Approximating the
 * Shapiro–Wilk W-test for non-normality", the algorithm of AS R94):
 *   W = (Σ_i a_i x_(i))² / Σ_i (x_i − x̄)²,  x_(i) the order statistics,
 *   m_i = Φ⁻¹((i − 3/8)/(n + 1/4)),  a_i = m_i/√φ for the inner i, and the
 *   two outermost a_n, a_{n−1} by Royston's polynomials in u = 1/√n.
 * W is near 1 for normal samples and smaller the less normal they are (PRADA
 * calls a client an attacker when W of its queries' distances falls below δ).
 */
import { normalQuantile } from './normal-quantile.js';

const poly = (c: readonly number[], x: number) => c.reduceRight((s, ci) => s * x + ci, 0);
const C1 = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2 = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];

/** Most samples W is defined for here (Royston's approximation holds to 5,000). */
export const SHAPIRO_WILK_MAX = 5000;

/**
 * Coefficients per n, at most COEFFICIENT_BUDGET numbers in all (8 MiB), the
 * oldest dropped first. Every n from 3 to 1,000 fits (500,497 numbers), so a
 * client's distances filling up to the default 1,000 never recompute them (at
 * 64 entries they were recomputed for every new n: 1,000 normal quantiles and
 * an allocation on each of a client's first 1,000 queries).
 */
const coefficientCache = new Map<number, Float64Array>();
const COEFFICIENT_BUDGET = 1 << 20;
let cachedNumbers = 0;

/** a_1 … a_n for sample size n (antisymmetric: a_i = −a_{n+1−i}), cached per n. */
export function shapiroWilkCoefficients(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 3 || n > SHAPIRO_WILK_MAX) {
    throw new RangeError(`Shapiro–Wilk needs 3 to ${SHAPIRO_WILK_MAX} samples, got ${n}`);
  }
  const hit = coefficientCache.get(n);
  if (hit !== undefined) return hit;
  const a = new Float64Array(n);
  if (n === 3) {
    a[0] = -Math.SQRT1_2;
    a[2] = Math.SQRT1_2;
  } else {
    const m = Float64Array.from({ length: n }, (_, i) => normalQuantile((i + 1 - 0.375) / (n + 0.25)));
    const ss = m.reduce((s, v) => s + v * v, 0);
    const u = 1 / Math.sqrt(n);
    const an = m[n - 1]! / Math.sqrt(ss) + poly(C1, u);
    if (n > 5) {
      const an1 = m[n - 2]! / Math.sqrt(ss) + poly(C2, u);
      const phi = (ss - 2 * m[n - 1]! ** 2 - 2 * m[n - 2]! ** 2) / (1 - 2 * an ** 2 - 2 * an1 ** 2);
      for (let i = 2; i < n - 2; i++) a[i] = m[i]! / Math.sqrt(phi);
      a[n - 2] = an1;
      a[1] = -an1;
    } else {
      const phi = (ss - 2 * m[n - 1]! ** 2) / (1 - 2 * an ** 2);
      for (let i = 1; i < n - 1; i++) a[i] = m[i]! / Math.sqrt(phi);
    }
    a[n - 1] = an;
    a[0] = -an;
  }
  while (cachedNumbers + n > COEFFICIENT_BUDGET && coefficientCache.size > 0) {
    const [oldest, values] = coefficientCache.entries().next().value!;
    coefficientCache.delete(oldest);
    cachedNumbers -= values.length;
  }
  coefficientCache.set(n, a);
  cachedNumbers += n;
  return a;
}

/**
 * Computes and caches the coefficients for every n in [from, to] that fits the
 * cache's budget (from the smallest n up); returns how many sizes are cached.
 */
export function prepareShapiroWilk(from: number, to: number): number {
  let numbers = 0;
  let sizes = 0;
  for (let n = from; n <= to && numbers + n <= COEFFICIENT_BUDGET; n++, sizes++) {
    shapiroWilkCoefficients(n);
    numbers += n;
  }
  return sizes;
}

/**
 * W of the sample (3 ≤ n ≤ 5,000); 1 for a sample with no spread (nothing to
 * call non-normal).
 * @throws RangeError for a sample size outside [3, 5,000] or a non-finite value
 */
export function shapiroWilkW(sample: ArrayLike<number>): number {
  return shapiroWilkSorted(Float64Array.from(sample).sort());
}

/** W of a sample already sorted ascending (what shapiroWilkW computes after sorting). */
export function shapiroWilkSorted(x: ArrayLike<number>): number {
  const n = x.length;
  const a = shapiroWilkCoefficients(n);
  if (!Number.isFinite(x[0]!) || !Number.isFinite(x[n - 1]!)) throw new RangeError('Shapiro–Wilk needs finite values');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let ss = 0;
  let num = 0;
  for (let i = 0; i < n; i++) {
    ss += (x[i]! - mean) ** 2;
    num += a[i]! * x[i]!;
  }
  if (!(ss > 1e-300)) return 1;
  return Math.min(1, (num * num) / ss);
}
