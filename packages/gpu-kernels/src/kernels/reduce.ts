import type { FloatArray } from '../matrix.js';

/** log Σ_j exp(x_ij) for each row, shifted by the row max; NaN in a row gives NaN. */
export function logSumExpRows(x: FloatArray, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let max = -Infinity;
    let nan = false;
    for (let j = 0; j < cols; j++) {
      const v = x[o + j]!;
      if (v !== v) nan = true;
      else if (v > max) max = v;
    }
    if (nan) {
      out[i] = NaN;
      continue;
    }
    if (max === -Infinity || max === Infinity) {
      out[i] = max;
      continue;
    }
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[o + j]! - max);
    out[i] = max + Math.log(s);
  }
  return out;
}

/** μ_j = (1/n) Σ_i x_ij. */
export function columnMeansOf(x: FloatArray, rows: number, cols: number): Float64Array {
  const mu = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) mu[j]! += x[o + j]!;
  }
  if (rows > 0) for (let j = 0; j < cols; j++) mu[j]! /= rows;
  else mu.fill(NaN);
  return mu;
}

/**
 * In place: out_ij ← out_ij / n − μx_i μy_j  (turns XᵀY into the cross-covariance).
 */
export function centreCrossProduct(out: Float64Array, n: number, mx: Float64Array, my: Float64Array): void {
  const p = mx.length;
  const q = my.length;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) out[i * q + j] = out[i * q + j]! / n - mx[i]! * my[j]!;
  }
}
