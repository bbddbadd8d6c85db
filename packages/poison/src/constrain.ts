/**
 * Keeping a perturbed answer valid (docs/math.md §9). The served ŷ′ is the
 * Euclidean projection of ŷ + s·δ onto the valid answers and must keep the label
 * argmax ŷ, leading every other entry by at least LABEL_MARGIN (1e-6):
 *  - 'simplex' (the default; class probabilities): the probability simplex
 *    {p ≥ 0, Σp = 1}, exactly (sort-based projection), after removing δ's
 *    component along (1,…,1), so every served answer is a probability vector and
 *    renormalising it changes nothing;
 *  - 'box' (output-unit marginals, on request): entries clipped to [0, 1].
 * The step scale s ∈ [0, 1] is the largest that keeps the label (s = 1 if it
 * does, else found by bisection to 2⁻³⁰), and is reported. Projection onto a
 * convex set that contains ŷ never lengthens the step: ‖ŷ′ − ŷ‖₂ ≤ s‖δ‖₂.
 */

export type AnswerView = 'box' | 'simplex';

export interface Constrained {
  readonly served: Float64Array;
  /** Fraction of the requested step applied before projection (1 = full, 0 = dropped). */
  readonly scale: number;
}

export function argmax(v: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[k]!) k = i;
  return k;
}

/**
 * The point of the probability simplex nearest to v (Euclidean):
 * w_i = max(v_i − θ, 0) with θ chosen so Σw = 1 (Held, Wolfe & Crowder 1974;
 * the sort-based form of Duchi et al. 2008).
 */
export function projectToSimplex(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const u = Float64Array.from(v).sort().reverse();
  let cumulative = 0;
  let theta = 0;
  for (let j = 0; j < n; j++) {
    cumulative += u[j]!;
    const t = (cumulative - 1) / (j + 1);
    if (u[j]! - t > 0) theta = t;
  }
  return Float64Array.from(v, (x) => Math.max(x - theta, 0));
}

function project(y: Float64Array, d: Float64Array, scale: number, view: AnswerView): Float64Array {
  const moved = Float64Array.from(y, (v, i) => v + scale * d[i]!);
  if (view === 'simplex') return projectToSimplex(moved);
  return moved.map((v) => Math.min(1, Math.max(0, v)));
}

/**
 * The label must lead every other entry by this much, so that the answer keeps its
 * label through rounding (servers send 9 decimals) and float noise.
 */
export const LABEL_MARGIN = 1e-6;

function keepsLabel(out: Float64Array, label: number): boolean {
  for (let i = 0; i < out.length; i++) if (i !== label && out[i]! > out[label]! - LABEL_MARGIN) return false;
  return true;
}

/** The valid answer nearest to ŷ + s·δ for the largest s ∈ [0, 1] that keeps the label. */
export function constrainStep(yhat: Float64Array, delta: Float64Array, view: AnswerView = 'simplex'): Constrained {
  const n = yhat.length;
  const d = Float64Array.from(delta);
  if (view === 'simplex') {
    const mean = d.reduce((a, b) => a + b, 0) / n;
    for (let i = 0; i < n; i++) d[i]! -= mean;
  }
  const label = argmax(yhat);
  const full = project(yhat, d, 1, view);
  if (keepsLabel(full, label)) return { served: full, scale: 1 };
  // ŷ itself may lead by less than the margin: then it is served unchanged
  if (!keepsLabel(project(yhat, d, 0, view), label)) return { served: project(yhat, d, 0, view), scale: 0 };
  let lo = 0;
  let hi = 1;
  for (let t = 0; t < 30; t++) {
    const mid = (lo + hi) / 2;
    if (keepsLabel(project(yhat, d, mid, view), label)) lo = mid;
    else hi = mid;
  }
  return { served: project(yhat, d, lo, view), scale: lo };
}

/**
 * A unit direction drawn from `rng` (one Gaussian per entry, in order) in the
 * space an answer can move in: for the simplex its component along (1,…,1) is
 * removed first, so the direction is uniform on the unit sphere of Σδ = 0.
 */
export function randomAnswerDirection(
  rng: { nextGaussian(): number },
  classes: number,
  view: AnswerView,
): Float64Array {
  const v = Float64Array.from({ length: classes }, () => rng.nextGaussian());
  if (view === 'simplex') {
    const mean = v.reduce((a, b) => a + b, 0) / classes;
    for (let j = 0; j < classes; j++) v[j]! -= mean;
  }
  const n = Math.hypot(...v);
  return n > 0 ? v.map((x) => x / n) : v;
}
