/**
 * The one numeric policy for exact enumeration: whether summing over the 2^n
 * states of some levels is affordable, by what the sum is for. Every routine
 * that chooses between an exact and a sampled method, or refuses an exact one,
 * asks `enumerable` (or `assertEnumerable`); no other file holds a width limit.
 *
 * A purpose's limit is the widest level whose 2^n states it enumerates, set by
 * how often the sum is repeated (once per call, per input, per epoch or per
 * mini-batch) so that one call stays within seconds on one core (measured in
 * apps/bench, suites rbm and fisher).
 */

export const ENUMERATION_LIMITS = {
  /** One layer's partition function, model statistics or posterior table, once per call: 2^24 ≈ 1.7·10⁷ states. */
  partition: 24,
  /** Eq. 2's P(c | x): 2^{n_k} hidden states per input, for every input of a batch. Wider nets are sampled. */
  classify: 14,
  /** Fine-tuning's exact negative phase of the top layer: 2^{n_N} output states per step. */
  'negative-phase': 16,
  /** Eq. 14 layerwise training with 'auto': exact negative phase per mini-batch when the narrower side fits, else CD. */
  'layerwise-negative': 12,
  /** The exact Fisher information (generation or classification): every level of the chain, per output. */
  fisher: 16,
  /** Classification Monte Carlo FIM: the output layer is enumerated per sample. */
  outputs: 16,
  /** Exact stability matrices and complete operator bases: 2^n × 2^m joint tables per layer. */
  stability: 20,
  /** Exact effective couplings of a level (Walsh–Hadamard transform of 2^n energies), every level visited. */
  couplings: 16,
  /** The amplification map's exact stability cells: every level, per output and β. */
  map: 12,
} as const;

export type EnumerationPurpose = keyof typeof ENUMERATION_LIMITS;

/** Whether every width is at most the purpose's limit (2^n states each). */
export function enumerable(widths: number | readonly number[], purpose: EnumerationPurpose): boolean {
  const limit = ENUMERATION_LIMITS[purpose];
  return (typeof widths === 'number' ? [widths] : widths).every((n) => n <= limit);
}

/**
 * @throws RangeError naming `what`, the widest level and the purpose's limit
 * when some width is too wide to enumerate.
 */
export function assertEnumerable(widths: number | readonly number[], purpose: EnumerationPurpose, what: string): void {
  if (enumerable(widths, purpose)) return;
  const n = Math.max(...(typeof widths === 'number' ? [widths] : widths));
  throw new RangeError(
    `${what}: exact enumeration of 2^${n} states exceeds the ${purpose} limit of 2^${ENUMERATION_LIMITS[purpose]}; use a sampled method`,
  );
}
