import type { FloatArray } from '../matrix.js';

/**
 * In-place fast Walsh–Hadamard transform of each row (length 2^m), natural
 * (Hadamard) order, unnormalised: ŵ_α = Σ_s (−1)^{popcount(α & s)} w_s.
 * Applying it twice multiplies by 2^m. With bit i of the index meaning h_i = 1 and
 * spins s_i = 2h_i − 1, (−1)^{popcount(α & s)} = Π_{i∈α}(−s_i) = (−1)^{|α|} O_α(s).
 */
export function walshHadamardRows(x: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let h = 1; h < cols; h <<= 1) {
      for (let i = 0; i < cols; i += h << 1) {
        for (let j = i; j < i + h; j++) {
          const u = x[o + j]!;
          const v = x[o + j + h]!;
          x[o + j] = u + v;
          x[o + j + h] = u - v;
        }
      }
    }
  }
}
