/**
 * Host-side operand description shared by every backend's GEMM: op(X) as a
 * strided view, op(X)(i, j) = data[i·rowStride + j·colStride].
 */
import type { FloatArray, Matrix } from '../matrix.js';

/** Operand description: row stride and column stride in elements. */
export interface StridedOperand {
  readonly data: FloatArray;
  readonly rowStride: number;
  readonly colStride: number;
}

/** op(X) = X or Xᵀ as a strided view of X's row-major data (no copy). */
export function stridedOperand(x: Matrix<FloatArray>, transposed: boolean): StridedOperand {
  return transposed
    ? { data: x.data, rowStride: 1, colStride: x.cols }
    : { data: x.data, rowStride: x.cols, colStride: 1 };
}
