import type { MatmulOptions } from './backend.js';
import { checkProduct } from './checks.js';
import type { Matrix } from './matrix.js';

/**
 * Textbook triple loop C_ij = Σ_k op(A)_ik op(B)_kj in f64 — the reference the
 * test suite and benchmarks compare every backend against.
 */
export function naiveMatmul(
  a: Matrix<Float64Array | Float32Array>,
  b: Matrix<Float64Array | Float32Array>,
  options: MatmulOptions = {},
): Matrix<Float64Array> {
  const { m, n, k } = checkProduct('naiveMatmul', a, b, options);
  const ta = options.transA === true;
  const tb = options.transB === true;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!;
        const bv = tb ? b.data[j * b.cols + p]! : b.data[p * b.cols + j]!;
        s += av * bv;
      }
      out[i * n + j] = s;
    }
  }
  return { rows: m, cols: n, data: out };
}
