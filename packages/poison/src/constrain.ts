/**
 * Keeping a perturbed answer valid (docs/math.md §9). The served ŷ′ is the
 * projection of ŷ + s·δ onto the valid answers — entries clipped to [0, 1]
 * ('box' view, output-unit marginals), or δ made sum-free, negative entries
 * clipped and the vector renormalised ('simplex' view, class probabilities) —
 * and must keep the label argmax ŷ with a strict margin. If the full step s = 1
 * would change the label, s is halved (up to 30 times, then the step is
 * dropped); the scale actually applied is reported.
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

function project(y: Float64Array, d: Float64Array, scale: number, view: AnswerView): Float64Array {
  const out = Float64Array.from(y, (v, i) => Math.min(1, Math.max(0, v + scale * d[i]!)));
  if (view === 'simplex') {
    const s = out.reduce((a, b) => a + b, 0);
    for (let i = 0; i < out.length; i++) out[i] = s > 0 ? out[i]! / s : 1 / out.length;
  }
  return out;
}

/** The valid answer nearest to ŷ + s·δ for the largest s ∈ {1, ½, ¼, …} that keeps the label. */
export function constrainStep(yhat: Float64Array, delta: Float64Array, view: AnswerView): Constrained {
  const n = yhat.length;
  const d = Float64Array.from(delta);
  if (view === 'simplex') {
    const mean = d.reduce((a, b) => a + b, 0) / n;
    for (let i = 0; i < n; i++) d[i]! -= mean;
  }
  const label = argmax(yhat);
  let scale = 1;
  for (let t = 0; t <= 30; t++) {
    const out = project(yhat, d, scale, view);
    let kept = true;
    for (let i = 0; i < n; i++) if (i !== label && out[i]! >= out[label]!) kept = false;
    if (kept) return { served: out, scale };
    scale /= 2;
  }
  return { served: project(yhat, d, 0, view), scale: 0 };
}
