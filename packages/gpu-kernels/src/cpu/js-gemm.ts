import type { FloatArray } from '../matrix.js';
import type { StridedOperand } from '../kernels/strided.js';

const KB = 128;

/**
 * Portable blocked GEMM in TypeScript (fallback when the wasm module cannot run
 * or the operands do not fit its memory): out(m×n) (+)= op(A)·op(B).
 * Packs op(B) row-major once so the inner loop is a contiguous axpy.
 */
export function jsGemm(
  m: number,
  n: number,
  k: number,
  a: StridedOperand,
  b: StridedOperand,
  out: FloatArray,
  accumulate: boolean,
): void {
  if (!accumulate) out.fill(0);
  if (m === 0 || n === 0 || k === 0) return;
  // contiguous op(B) (k×n)
  let bp: FloatArray;
  if (b.colStride === 1 && b.rowStride === n) {
    bp = b.data;
  } else {
    bp = new Float64Array(k * n);
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < n; j++) bp[p * n + j] = b.data[p * b.rowStride + j * b.colStride]!;
    }
  }
  const ad = a.data;
  const ars = a.rowStride;
  const acs = a.colStride;
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(k, p0 + KB);
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = p0; p < p1; p++) {
        const aip = ad[i * ars + p * acs]!;
        const bo = p * n;
        for (let j = 0; j < n; j++) out[ci + j]! += aip * bp[bo + j]!;
      }
    }
  }
}
