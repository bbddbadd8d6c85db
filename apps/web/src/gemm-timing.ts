/** GEMM speed of a backend: C = A·B for n×n operands, best of a few repeats. */
import type { Backend } from '@rgdl/gpu-kernels';
import type { GemmTiming } from './protocol.js';

export function squareOperand(n: number, precision: 'f64' | 'f32', salt = 0) {
  const data = precision === 'f64' ? new Float64Array(n * n) : new Float32Array(n * n);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(0.37 * i + salt);
  return { rows: n, cols: n, data };
}

/** Best-of time for one n×n·n×n product (≥ 3 repeats and ≥ 0.2 s in all, after one warm-up). */
export function timeGemm(be: Backend, n: number, precision: 'f64' | 'f32'): GemmTiming {
  const a = squareOperand(n, precision, 1);
  const b = squareOperand(n, precision, 2);
  be.matmul(a, b);
  let best = Number.POSITIVE_INFINITY;
  const start = performance.now();
  for (let r = 0; r < 3 || performance.now() - start < 200; r++) {
    const t0 = performance.now();
    be.matmul(a, b);
    best = Math.min(best, (performance.now() - t0) / 1000);
    if (r > 50) break;
  }
  return { n, seconds: best, gflops: (2 * n ** 3) / best / 1e9 };
}
