import type { FloatArray } from '../matrix.js';
import type { Rng } from '../random.js';

// Unchecked element-wise kernels; `out` may alias `x`.

/** σ(x) = 1 / (1 + e^{−x}), evaluated without overflow for either sign. */
export function sigmoidInto(x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v >= 0) {
      out[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      out[i] = e / (1 + e);
    }
  }
}

/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}). */
export function softplusInto(x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
}

/** log σ(x) = −softplus(−x). */
export function logSigmoidInto(x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = (v < 0 ? v : 0) - Math.log1p(Math.exp(-Math.abs(v)));
  }
}

/**
 * out_i = 1 if u_i < p_i else 0, u_i = rng.nextFloat32() drawn in order (32-bit
 * resolution: probabilities are resolved to 2^−32). NaN p gives NaN.
 */
export function bernoulliInto(p: FloatArray, rng: Rng, out: FloatArray): void {
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    const ui = rng.nextFloat32();
    out[i] = pi !== pi ? NaN : ui < pi ? 1 : 0;
  }
}
