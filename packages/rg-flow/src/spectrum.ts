/**
 * Spectra of stability matrices. Square T: eigenvalues of the non-symmetric
 * matrix (complex pairs allowed; Hessenberg + Francis QR from the backend),
 * relevant = |λ| > 1, and left eigenvectors vᵀT = λvᵀ (the scaling fields) for
 * real eigenvalues by inverse iteration on Tᵀ. Any T: singular values.
 */
import {
  column,
  matrix,
  orientLargestPositive,
  SingularMatrixError,
  type Backend,
  type Matrix,
} from '@rgdl/gpu-kernels';

export interface Eigenvalue {
  readonly re: number;
  readonly im: number;
  readonly abs: number;
}

export interface EigenAnalysis {
  /** Eigenvalues sorted by |λ| descending. */
  readonly values: Eigenvalue[];
  /** Number with |λ| > 1 (relevant directions). */
  readonly relevant: number;
  /**
   * Unit left eigenvectors (scaling fields) in the order of `values`, for real
   * eigenvalues; null for complex ones. Present when asked for.
   */
  readonly leftVectors?: (Float64Array | null)[];
}

/**
 * Eigenvalues (and optionally left eigenvectors) of a square, generally
 * non-symmetric T. @throws RangeError if T is not square.
 */
export function eigenAnalysis(
  be: Backend,
  T: Matrix<Float64Array>,
  options: { leftVectors?: boolean } = {},
): EigenAnalysis {
  if (T.rows !== T.cols) throw new RangeError(`eigenAnalysis needs a square matrix, got ${T.rows}×${T.cols}`);
  const { re, im } = be.eigenvalues(T);
  const values = Array.from(re, (r, i) => ({ re: r, im: im[i]!, abs: Math.hypot(r, im[i]!) })).sort(
    (a, b) => b.abs - a.abs,
  );
  const result: EigenAnalysis = { values, relevant: values.filter((v) => v.abs > 1).length };
  if (options.leftVectors !== true) return result;
  return {
    ...result,
    leftVectors: values.map((v) => (Math.abs(v.im) > 1e-12 * Math.max(1, v.abs) ? null : leftEigenvector(be, T, v.re))),
  };
}

/** Inverse iteration on (Tᵀ − μI) with μ slightly off λ; returns a unit vector. */
function leftEigenvector(be: Backend, T: Matrix<Float64Array>, lambda: number): Float64Array | null {
  const n = T.rows;
  let scale = 0;
  for (const x of T.data) scale = Math.max(scale, Math.abs(x));
  for (const offset of [1e-10, 1e-7, 1e-4]) {
    const mu = lambda + offset * Math.max(scale, 1);
    const A = matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A.data[i * n + j] = T.data[j * n + i]! - (i === j ? mu : 0);
    let v = matrix(
      n,
      1,
      Float64Array.from({ length: n }, (_, i) => 1 + i / n),
    );
    try {
      for (let it = 0; it < 3; it++) {
        v = be.solve(A, v);
        const norm = Math.hypot(...v.data);
        if (!(norm > 0) || !Number.isFinite(norm)) break;
        for (let i = 0; i < n; i++) v.data[i]! /= norm;
      }
      if (v.data.every(Number.isFinite)) return orientLargestPositive(v.data);
    } catch (error) {
      if (!(error instanceof SingularMatrixError)) throw error;
    }
  }
  return null;
}

/** Singular values of T, descending (square roots of the eigenvalues of the smaller Gram matrix). */
export function singularValues(be: Backend, T: Matrix<Float64Array>): Float64Array {
  const gram = T.rows <= T.cols ? be.matmul(T, T, { transB: true }) : be.matmul(T, T, { transA: true });
  return be.symmetricEigen(gram).values.map((v) => Math.sqrt(Math.max(0, v)));
}

/**
 * The k largest singular values of T and their right singular vectors v
 * (unit, in source-coupling space: ‖T v‖ = σ), from the eigenvectors of TᵀT.
 * Sign: largest component positive. Directions with σ > 1 are amplified by the layer.
 */
export function topRightSingularVectors(
  be: Backend,
  T: Matrix<Float64Array>,
  k: number,
): { values: Float64Array; vectors: Float64Array[] } {
  const { values, vectors } = be.symmetricEigen(be.matmul(T, T, { transA: true }));
  const m = Math.min(k, T.cols);
  return {
    values: values.slice(0, m).map((v) => Math.sqrt(Math.max(0, v))),
    vectors: Array.from({ length: m }, (_, j) => orientLargestPositive(column(vectors, j))),
  };
}
