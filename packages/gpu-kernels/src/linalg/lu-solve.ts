/**
 * Solves A X = B by LU decomposition with partial (row) pivoting, O(n³ + n²·m),
 * row-major Float64Array storage. Never forms A⁻¹.
 */

/** Thrown when A is singular to working precision; `column` is the failing pivot. */
export class SingularMatrixError extends Error {
  constructor(
    readonly column: number,
    readonly pivot: number,
  ) {
    super(`matrix is singular to working precision (pivot ${pivot.toExponential(2)} in column ${column})`);
    this.name = 'SingularMatrixError';
  }
}

/**
 * Unchecked kernel: returns X (n×m) with A X = B for square A (n×n).
 * NaN anywhere propagates to NaN results (no pivot search stalls on NaN).
 * @throws SingularMatrixError when a pivot is 0 (or below n·ε·max|A| in magnitude).
 */
export function luSolveKernel(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const lu = Float64Array.from(a);
  const x = Float64Array.from(b);
  let maxAbs = 0;
  let hasNaN = false;
  for (let i = 0; i < lu.length; i++) {
    const v = Math.abs(lu[i]!);
    if (v !== v) hasNaN = true;
    else if (v > maxAbs) maxAbs = v;
  }
  if (hasNaN) return x.fill(NaN);
  const tiny = n * 2 ** -52 * maxAbs;
  const rowTmp = new Float64Array(Math.max(n, m));
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > tiny) || best === 0) throw new SingularMatrixError(k, best);
    if (p !== k) {
      rowTmp.set(lu.subarray(p * n, p * n + n));
      lu.copyWithin(p * n, k * n, k * n + n);
      lu.set(rowTmp.subarray(0, n), k * n);
      rowTmp.set(x.subarray(p * m, p * m + m));
      x.copyWithin(p * m, k * m, k * m + m);
      x.set(rowTmp.subarray(0, m), k * m);
    }
    const pivot = lu[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * n + k]! / pivot;
      if (f === 0) continue;
      lu[i * n + k] = f;
      for (let j = k + 1; j < n; j++) lu[i * n + j] = lu[i * n + j]! - f * lu[k * n + j]!;
      for (let j = 0; j < m; j++) x[i * m + j] = x[i * m + j]! - f * x[k * m + j]!;
    }
  }
  // back substitution U X = Y
  for (let k = n - 1; k >= 0; k--) {
    const pivot = lu[k * n + k]!;
    for (let j = 0; j < m; j++) x[k * m + j] = x[k * m + j]! / pivot;
    for (let i = 0; i < k; i++) {
      const f = lu[i * n + k]!;
      if (f === 0) continue;
      for (let j = 0; j < m; j++) x[i * m + j] = x[i * m + j]! - f * x[k * m + j]!;
    }
  }
  return x;
}
