/**
 * The one first-order optimiser of the project, over a list of parameter arrays
 * updated in place (callers add any weight decay to the gradient first):
 *  - 'adam' (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 *    θ ← θ − η (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + 10⁻⁸), β₁ = 0.9, β₂ = 0.999;
 *  - 'momentum' (heavy ball): u ← 0.9u − ηg, θ ← θ + u;
 *  - 'sgd': θ ← θ − ηg.
 */
export type OptimiserKind = 'adam' | 'momentum' | 'sgd';

export class Optimiser {
  readonly #m: Float64Array[];
  readonly #v: Float64Array[];
  #t = 0;
  constructor(
    readonly params: Float64Array[],
    readonly kind: OptimiserKind,
  ) {
    this.#m = params.map((p) => new Float64Array(kind === 'sgd' ? 0 : p.length));
    this.#v = params.map((p) => new Float64Array(kind === 'adam' ? p.length : 0));
  }

  /** θ ← θ − step(g) for each parameter array and its gradient (same order and lengths as `params`). */
  step(grads: readonly Float64Array[], lr: number): void {
    this.#t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.#t;
    const c2 = 1 - b2 ** this.#t;
    for (let p = 0; p < this.params.length; p++) {
      const theta = this.params[p]!;
      const g = grads[p]!;
      if (g.length !== theta.length)
        throw new RangeError(`gradient ${p} has ${g.length} entries, its parameter ${theta.length}`);
      const m = this.#m[p]!;
      const v = this.#v[p]!;
      if (this.kind === 'adam') {
        for (let i = 0; i < theta.length; i++) {
          const gi = g[i]!;
          const mi = b1 * m[i]! + (1 - b1) * gi;
          const vi = b2 * v[i]! + (1 - b2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          theta[i]! -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + 1e-8);
        }
      } else if (this.kind === 'momentum') {
        for (let i = 0; i < theta.length; i++) {
          const mi = 0.9 * m[i]! - lr * g[i]!;
          m[i] = mi;
          theta[i]! += mi;
        }
      } else {
        for (let i = 0; i < theta.length; i++) theta[i]! -= lr * g[i]!;
      }
    }
  }
}
