/**
 * Couplings of effective Hamiltonians (eq. 4–5, 11–12). For a distribution q over
 * n units with q(s) > 0, H(s) = −log q(s) expands exactly in the complete basis:
 *   g_α = 2^{−n} Σ_s O_α(s) H(s),   α ≠ ∅,
 * computed for all α at once by one Walsh–Hadamard transform (O(n·2^n)):
 * (−1)^{popcount(α&s)} = (−1)^{|α|} O_α(s) in the index convention h_i = bit i of s.
 * A truncated (or lattice-summed) operator's coupling is the projection of H on
 * its span: the mean of its monomials' coefficients.
 */
import type { Backend } from '@rgdl/gpu-kernels';
import type { OperatorSet } from './operators.js';
import { termMask } from './operators.js';

/** Probabilities below this are floored before the logarithm (q must be positive). */
export const PROBABILITY_FLOOR = 1e-300;

function popcount(x: number): number {
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}

/**
 * Complete-basis couplings of H = −log q from a distribution over 2^n states:
 * entry α (bitmask of units) is g_α; entry 0 is the constant (mean of H).
 * @throws RangeError if the length is not a power of two.
 */
export function couplingsFromDistribution(q: ArrayLike<number>, be: Backend): Float64Array {
  const size = q.length;
  if (size === 0 || (size & (size - 1)) !== 0)
    throw new RangeError(`distribution length ${size} is not a power of two`);
  const H = Float64Array.from(q, (p) => -Math.log(Math.max(p, PROBABILITY_FLOOR)));
  return couplingsFromHamiltonian(H, be);
}

/** Complete-basis couplings of a Hamiltonian given on all 2^n states. */
export function couplingsFromHamiltonian(H: ArrayLike<number>, be: Backend): Float64Array {
  const size = H.length;
  const w = be.walshHadamard({ rows: 1, cols: size, data: Float64Array.from(H) }).data;
  const g = new Float64Array(size);
  for (let a = 0; a < size; a++) g[a] = ((popcount(a) & 1 ? -1 : 1) * w[a]!) / size;
  return g;
}

/** H(s) = g_0 + Σ_α g_α O_α(s) on all states (inverse of couplingsFromHamiltonian). */
export function hamiltonianFromCouplings(g: ArrayLike<number>, be: Backend): Float64Array {
  const size = g.length;
  const signed = Float64Array.from({ length: size }, (_, a) => (popcount(a) & 1 ? -1 : 1) * g[a]!);
  return be.walshHadamard({ rows: 1, cols: size, data: signed }).data as Float64Array;
}

/**
 * Couplings of an operator set from complete-basis couplings: the least-squares
 * projection of H on span{O_α}, i.e. the mean coefficient of each operator's
 * monomials (monomials are orthogonal under the uniform measure).
 */
export function projectCouplings(full: ArrayLike<number>, set: OperatorSet): Float64Array {
  if (full.length !== 2 ** set.n) throw new RangeError(`couplings have ${full.length} entries, expected 2^${set.n}`);
  return Float64Array.from(set.operators, (op) => {
    let s = 0;
    for (const t of op.terms) s += full[termMask(t)]!;
    return s / op.terms.length;
  });
}

/** Σ_{|α| = m} g_α² for m = 1…n: how the coupling weight spreads over orders. */
export function couplingNormsByOrder(full: ArrayLike<number>): Float64Array {
  const n = Math.log2(full.length);
  const out = new Float64Array(n);
  for (let a = 1; a < full.length; a++) out[popcount(a) - 1]! += full[a]! ** 2;
  return out.map(Math.sqrt);
}
