/**
 * Spectra of stability matrices. Square T: eigenvalues of the non-symmetric
 * matrix (complex pairs allowed), relevant = |λ| > 1, left eigenvectors (the
 * scaling fields) as eigenvectors of Tᵀ. Any T: singular values.
 */
import { type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { eigs } from 'mathjs';

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
   * Left eigenvectors (rows of the scaling-field matrix), real parts, in the order
   * of `values`; undefined when the eigenvector computation failed.
   */
  readonly leftVectors?: number[][];
}

interface ComplexLike { re: number; im: number }

function toComplex(v: unknown): ComplexLike {
  if (typeof v === 'number') return { re: v, im: 0 };
  const c = v as ComplexLike;
  return { re: c.re, im: c.im };
}

function nested(m: Matrix<Float64Array>, transpose = false): number[][] {
  const rows = transpose ? m.cols : m.rows;
  const cols = transpose ? m.rows : m.cols;
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (transpose ? m.data[j * m.cols + i]! : m.data[i * m.cols + j]!)));
}

/**
 * Eigenvalues (and left eigenvectors) of a square, generally non-symmetric T
 * (mathjs `eigs`: Hessenberg QR with complex support).
 * @throws RangeError if T is not square.
 */
export function eigenAnalysis(T: Matrix<Float64Array>, options: { leftVectors?: boolean } = {}): EigenAnalysis {
  if (T.rows !== T.cols) throw new RangeError(`eigenAnalysis needs a square matrix, got ${T.rows}×${T.cols}`);
  if (T.rows === 0) return { values: [], relevant: 0 };
  if (T.data.some((v) => !Number.isFinite(v))) {
    return { values: Array.from({ length: T.rows }, () => ({ re: NaN, im: NaN, abs: NaN })), relevant: 0 };
  }
  const { values } = eigs(nested(T), { eigenvectors: false });
  const list = (Array.isArray(values) ? values : (values as { toArray(): unknown[] }).toArray()).map(toComplex);
  const sorted = list.map((c) => ({ re: c.re, im: c.im, abs: Math.hypot(c.re, c.im) })).sort((a, b) => b.abs - a.abs);
  const result: EigenAnalysis = { values: sorted, relevant: sorted.filter((v) => v.abs > 1).length };
  if (options.leftVectors !== true) return result;
  try {
    const left = eigs(nested(T, true));
    const pairs = left.eigenvectors.map((e) => {
      const value = toComplex(e.value);
      const vec = (Array.isArray(e.vector) ? e.vector : (e.vector as { toArray(): unknown[] }).toArray()).map((x) => toComplex(x).re);
      return { abs: Math.hypot(value.re, value.im), vec };
    }).sort((a, b) => b.abs - a.abs);
    return { ...result, leftVectors: pairs.map((p) => p.vec) };
  } catch {
    return result;
  }
}

/** Singular values of T, descending (square roots of the eigenvalues of the smaller Gram matrix). */
export function singularValues(be: Backend, T: Matrix<Float64Array>): Float64Array {
  const gram = T.rows <= T.cols ? be.matmul(T, T, { transB: true }) : be.matmul(T, T, { transA: true });
  return be.symmetricEigen(gram).values.map((v) => Math.sqrt(Math.max(0, v)));
}
