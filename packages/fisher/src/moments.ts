// Moment helpers shared by the Fisher estimators.
import { matrix, type Matrix } from '@rgdl/gpu-kernels';

/**
 * Weighted (cross-)covariance of the rows of A and B under weights q (summing to
 * 1; uniform when absent), symmetrised: ½(Cov(A, B) + Cov(B, A)).
 */
export function covarianceOf(
  A: Matrix<Float64Array>,
  q?: ArrayLike<number>,
  B: Matrix<Float64Array> = A,
): Matrix<Float64Array> {
  const n = A.cols;
  const R = A.rows;
  const muA = new Float64Array(n);
  const muB = new Float64Array(n);
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < n; i++) {
      muA[i]! += (q ? q[r]! : 1 / R) * A.data[r * n + i]!;
      muB[i]! += (q ? q[r]! : 1 / R) * B.data[r * n + i]!;
    }
  }
  const C = matrix(n, n);
  for (let r = 0; r < R; r++) {
    const qr = q ? q[r]! : 1 / R;
    for (let i = 0; i < n; i++) {
      const di = qr * (A.data[r * n + i]! - muA[i]!);
      for (let j = 0; j < n; j++) C.data[i * n + j]! += di * (B.data[r * n + j]! - muB[j]!);
    }
  }
  symmetrise(C);
  return C;
}

/** F ← ½(F + Fᵀ) in place. */
export function symmetrise(F: Matrix<Float64Array>): void {
  const n = F.rows;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (F.data[i * n + j]! + F.data[j * n + i]!);
      F.data[i * n + j] = v;
      F.data[j * n + i] = v;
    }
  }
}
