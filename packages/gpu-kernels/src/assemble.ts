/**
 * Builds a checked `Backend` from a set of unchecked kernels: every backend
 * shares the validation, allocation and the CPU-side reference algorithms, and
 * differs only in the kernels it supplies (tfjs-style "what" vs "where").
 */
import type { Backend, BackendName, MatmulOptions } from './backend.js';
import { checkBias, checkPowerOfTwoCols, checkProduct, checkSameRows, checkSolve, checkSquare } from './checks.js';
import { bernoulliInto } from './kernels/elementwise.js';
import { centreCrossProduct, columnMeansOf, logSumExpRows } from './kernels/reduce.js';
import { stridedOperand, type StridedOperand } from './kernels/strided.js';
import { luSolveKernel } from './linalg/lu-solve.js';
import { symmetricEigenKernel } from './linalg/symmetric-eigen.js';
import { generalEigenvaluesKernel } from './linalg/general-eigenvalues.js';
import { assertMatrix, type FloatArray, type Matrix } from './matrix.js';

/** Unchecked kernels a backend supplies; `out` may alias `x` for element-wise ops. */
export interface KernelSet {
  /** out(m×n, row-major) = op(A)·op(B) (+ out when `accumulate`). */
  gemm(
    m: number,
    n: number,
    k: number,
    a: StridedOperand,
    b: StridedOperand,
    out: FloatArray,
    accumulate: boolean,
  ): void;
  sigmoid(x: FloatArray, out: FloatArray): void;
  softplus(x: FloatArray, out: FloatArray): void;
  logSigmoid(x: FloatArray, out: FloatArray): void;
  /** In-place WHT of each row. */
  walshHadamard(x: FloatArray, rows: number, cols: number): void;
}

export interface BackendInfo {
  readonly name: BackendName;
  readonly mode: string;
  readonly precision: 'f64' | 'f32';
  readonly fallbackReason?: string;
  readonly dispose: () => void;
  readonly ready?: () => Promise<void>;
  readonly createRbmTrainer?: Backend['createRbmTrainer'];
  readonly createGibbsSiteKernels?: Backend['createGibbsSiteKernels'];
}

function like<A extends FloatArray>(x: A, length: number): A {
  return new (x.constructor as new (n: number) => A)(length);
}

function toF64(x: FloatArray): Float64Array {
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

export function assembleBackend(info: BackendInfo, k: KernelSet): Backend {
  const product = <A extends FloatArray>(
    op: string,
    a: Matrix<A>,
    b: Matrix<A>,
    options: MatmulOptions | undefined,
    bias?: ArrayLike<number>,
  ): Matrix<A> => {
    const { m, n, k: inner } = checkProduct(op, a, b, options);
    const out = like(a.data, m * n);
    if (bias !== undefined) {
      checkBias(op, bias, n, `${m}×${n}`);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = bias[j]!;
    }
    k.gemm(
      m,
      n,
      inner,
      stridedOperand(a, options?.transA === true),
      stridedOperand(b, options?.transB === true),
      out,
      bias !== undefined,
    );
    return { rows: m, cols: n, data: out };
  };
  const elementwise =
    (op: string, fn: (x: FloatArray, out: FloatArray) => void) =>
    <A extends FloatArray>(x: Matrix<A>): Matrix<A> => {
      assertMatrix(`${op}: X`, x);
      const out = like(x.data, x.data.length);
      fn(x.data, out);
      return { rows: x.rows, cols: x.cols, data: out };
    };
  /** Centred f64 copy of X (n×p) and its column means. */
  const centred = (x: Matrix<FloatArray>): { data: Float64Array; mean: Float64Array } => {
    const mean = columnMeansOf(x.data, x.rows, x.cols);
    const data = Float64Array.from(x.data);
    for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) data[i * x.cols + j]! -= mean[j]!;
    return { data, mean };
  };
  const crossCov = (x: Matrix<FloatArray>, y: Matrix<FloatArray>, same: boolean): Matrix<Float64Array> => {
    const cx = centred(x);
    const cy = same ? cx : centred(y);
    const out = new Float64Array(x.cols * y.cols);
    k.gemm(
      x.cols,
      y.cols,
      x.rows,
      { data: cx.data, rowStride: 1, colStride: x.cols },
      { data: cy.data, rowStride: y.cols, colStride: 1 },
      out,
      false,
    );
    // centred data: XcᵀYc/n equals XᵀY/n − μxμyᵀ; the helper divides by n
    centreCrossProduct(out, x.rows, new Float64Array(x.cols), new Float64Array(y.cols));
    if (x.rows === 0) out.fill(NaN);
    return { rows: x.cols, cols: y.cols, data: out };
  };

  const backend: Backend = {
    name: info.name,
    mode: info.mode,
    precision: info.precision,
    ...(info.fallbackReason !== undefined ? { fallbackReason: info.fallbackReason } : {}),
    matmul: (a, b, options) => product('matmul', a, b, options),
    matmulAddBias: (a, b, bias, options) => product('matmulAddBias', a, b, options, bias),
    sigmoid: elementwise('sigmoid', k.sigmoid),
    softplus: elementwise('softplus', k.softplus),
    logSigmoid: elementwise('logSigmoid', k.logSigmoid),
    sampleBernoulli(p, rng) {
      assertMatrix('sampleBernoulli: P', p);
      const out = like(p.data, p.data.length);
      bernoulliInto(p.data, rng, out);
      return { rows: p.rows, cols: p.cols, data: out };
    },
    columnMeans(x) {
      assertMatrix('columnMeans: X', x);
      return columnMeansOf(x.data, x.rows, x.cols);
    },
    covariance(x) {
      assertMatrix('covariance: X', x);
      return crossCov(x, x, true);
    },
    crossCovariance(x, y) {
      checkSameRows('crossCovariance', x, y);
      return crossCov(x, y, false);
    },
    walshHadamard(x) {
      checkPowerOfTwoCols('walshHadamard', x);
      const out = x.data.slice() as typeof x.data;
      k.walshHadamard(out, x.rows, x.cols);
      return { rows: x.rows, cols: x.cols, data: out };
    },
    logSumExp(x) {
      assertMatrix('logSumExp: X', x);
      return logSumExpRows(x.data, x.rows, x.cols);
    },
    symmetricEigen(a) {
      checkSquare('symmetricEigen', a);
      return symmetricEigenKernel(toF64(a.data), a.rows);
    },
    eigenvalues(a) {
      checkSquare('eigenvalues', a);
      return generalEigenvaluesKernel(a.data, a.rows);
    },
    solve(a, b) {
      checkSolve('solve', a, b);
      return { rows: b.rows, cols: b.cols, data: luSolveKernel(toF64(a.data), a.rows, toF64(b.data), b.cols) };
    },
    ready: info.ready ?? (() => Promise.resolve()),
    dispose: info.dispose,
    ...(info.createRbmTrainer !== undefined ? { createRbmTrainer: info.createRbmTrainer } : {}),
    ...(info.createGibbsSiteKernels !== undefined ? { createGibbsSiteKernels: info.createGibbsSiteKernels } : {}),
  };
  return backend;
}
