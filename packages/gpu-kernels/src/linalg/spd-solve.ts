import { matrix, type Matrix } from '../matrix.js';
import type { Backend } from '../backend.js';

/**
 * X = A⁻¹B for a symmetric positive-definite A (e.g. a covariance with a ridge):
 * Cholesky A = LLᵀ and L⁻¹ by triangular inversion (k³/3 each, here), then
 * A⁻¹ = L⁻ᵀL⁻¹ and A⁻¹B by the backend's matrix product, so many right-hand
 * sides cost one GEMM instead of 2k² per column in a scalar loop (`be.solve`).
 * Falls back to the backend's pivoted LU when a pivot is not positive.
 */
export function solveSpd(be: Backend, a: Matrix<Float64Array>, b: Matrix<Float64Array>): Matrix<Float64Array> {
  const k = a.rows;
  const L = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let d = a.data[j * k + j]!;
    for (let p = 0; p < j; p++) d -= L[j * k + p]! ** 2;
    if (!(d > 0)) return be.solve(a, b);
    const ljj = Math.sqrt(d);
    L[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a.data[i * k + j]!;
      for (let p = 0; p < j; p++) s -= L[i * k + p]! * L[j * k + p]!;
      L[i * k + j] = s / ljj;
    }
  }
  // M = L⁻¹ (lower triangular), column by column
  const M = matrix(k, k);
  for (let j = 0; j < k; j++) {
    M.data[j * k + j] = 1 / L[j * k + j]!;
    for (let i = j + 1; i < k; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s -= L[i * k + p]! * M.data[p * k + j]!;
      M.data[i * k + j] = s / L[i * k + i]!;
    }
  }
  const inverse = be.matmul(M, M, { transA: true }); // L⁻ᵀL⁻¹ = A⁻¹
  return be.matmul(inverse, b);
}
