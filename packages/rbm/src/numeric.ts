/**
 * Small scalar helpers shared by every package that works with Bernoulli
 * conditionals and discrete distributions (docs/math.md §1).
 */

/** softplus(u) = log(1 + eᵘ), stable for large |u|. */
export function softplus(u: number): number {
  return (u > 0 ? u : 0) + Math.log1p(Math.exp(-Math.abs(u)));
}

/**
 * Σ_j softplus(u_j) over `count` entries of `u` starting at `offset`: the
 * log-normaliser of a factorised Bernoulli with logits u, log Π_j (1 + e^{u_j}).
 */
export function softplusSum(u: ArrayLike<number>, offset = 0, count = u.length - offset): number {
  let s = 0;
  for (let j = offset; j < offset + count; j++) s += softplus(u[j]!);
  return s;
}

/** Floor applied to q in KL(p ‖ q) so an impossible state costs log(1/floor), not ∞. */
export const KL_FLOOR = 1e-300;

/**
 * D_KL(p ‖ q) = Σ_s p_s log(p_s / q_s) of two discrete distributions given as
 * `count` entries from `pOffset` / `qOffset` (terms with p_s = 0 contribute 0;
 * q_s is floored at `floor`).
 */
export function discreteKl(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  options: { pOffset?: number; qOffset?: number; count?: number; floor?: number } = {},
): number {
  const po = options.pOffset ?? 0;
  const qo = options.qOffset ?? 0;
  const n = options.count ?? p.length - po;
  const floor = options.floor ?? KL_FLOOR;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = p[po + i]!;
    if (a > 0) s += a * Math.log(a / Math.max(q[qo + i]!, floor));
  }
  return s;
}

/** log Σ_i exp(v_i), stable. */
export function logSumExpOf(v: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > max) max = v[i]!;
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i]! - max);
  return max + Math.log(s);
}
