/**
 * Reference systems with known RG eigenvalues, used to validate the MCRG code
 * without any network: the 1D Ising chain (decimation by 2: tanh K′ = tanh² K)
 * and the 2D Ising model at K_c = ½ ln(1 + √2) with 2×2 majority-rule blocks
 * (thermal eigenvalue b^{1/ν} = 2, magnetic b^{15/8} ≈ 3.668).
 * Configurations are stored as binary h = (s + 1)/2, one per row.
 */
import { matrix, type Matrix, type Rng } from '@rgdl/gpu-kernels';

/** Critical coupling of the square-lattice Ising model, ½ ln(1 + √2). */
export const KC_2D = 0.5 * Math.log(1 + Math.SQRT2);

/**
 * Exact samples of an open Ising chain of L spins with weight e^{K Σ s_i s_{i+1}}:
 * s_0 uniform, then each bond aligned with probability e^K / (e^K + e^{−K}).
 */
export function sampleIsingChain(L: number, K: number, samples: number, rng: Rng): Matrix<Float64Array> {
  const out = matrix(samples, L);
  const pAlign = 1 / (1 + Math.exp(-2 * K));
  for (let r = 0; r < samples; r++) {
    let s = rng.nextFloat() < 0.5 ? 1 : 0;
    out.data[r * L] = s;
    for (let i = 1; i < L; i++) {
      if (rng.nextFloat() >= pAlign) s = 1 - s;
      out.data[r * L + i] = s;
    }
  }
  return out;
}

/** Keeps every other site of each chain (sites 0, 2, 4, …): decimation by b = 2. */
export function decimateChain(samples: Matrix<Float64Array>): Matrix<Float64Array> {
  const L2 = Math.ceil(samples.cols / 2);
  const out = matrix(samples.rows, L2);
  for (let r = 0; r < samples.rows; r++)
    for (let j = 0; j < L2; j++) out.data[r * L2 + j] = samples.data[r * samples.cols + 2 * j]!;
  return out;
}

export interface WolffOptions {
  /** Cluster flips discarded first (default 1000). */
  readonly thermalise?: number;
  /** Cluster flips between recorded configurations (default 10). */
  readonly every?: number;
}

/**
 * Wolff single-cluster Monte Carlo of the periodic L×L Ising model at coupling K
 * (weight e^{K Σ_{⟨ij⟩} s_i s_j}); returns `samples` configurations (site (x, y) =
 * unit y·L + x).
 */
export function wolffIsing2d(
  L: number,
  K: number,
  samples: number,
  rng: Rng,
  options: WolffOptions = {},
): Matrix<Float64Array> {
  const N = L * L;
  const spin = new Int8Array(N);
  for (let i = 0; i < N; i++) spin[i] = rng.nextFloat() < 0.5 ? 1 : -1;
  const pAdd = 1 - Math.exp(-2 * K);
  const stack = new Int32Array(N);
  const flip = () => {
    const seed = Math.floor(rng.nextFloat() * N);
    const s0 = spin[seed]!;
    let top = 0;
    stack[top++] = seed;
    spin[seed] = -s0 as -1 | 1;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % L;
      const y = (i - x) / L;
      const nbrs = [y * L + ((x + 1) % L), y * L + ((x + L - 1) % L), ((y + 1) % L) * L + x, ((y + L - 1) % L) * L + x];
      for (const j of nbrs) {
        if (spin[j] === s0 && rng.nextFloat() < pAdd) {
          spin[j] = -s0 as -1 | 1;
          stack[top++] = j;
        }
      }
    }
  };
  for (let t = 0; t < (options.thermalise ?? 1000); t++) flip();
  const out = matrix(samples, N);
  const every = options.every ?? 10;
  for (let r = 0; r < samples; r++) {
    for (let t = 0; t < every; t++) flip();
    for (let i = 0; i < N; i++) out.data[r * N + i] = spin[i] === 1 ? 1 : 0;
  }
  return out;
}

/**
 * Majority-rule b×b block spins of periodic L×L configurations; ties (possible
 * for even b²) are broken by a fair coin from `rng`.
 */
export function majorityBlocks(samples: Matrix<Float64Array>, L: number, b: number, rng: Rng): Matrix<Float64Array> {
  if (L % b !== 0) throw new RangeError(`lattice side ${L} is not a multiple of the block size ${b}`);
  const Lb = L / b;
  const out = matrix(samples.rows, Lb * Lb);
  for (let r = 0; r < samples.rows; r++) {
    for (let by = 0; by < Lb; by++) {
      for (let bx = 0; bx < Lb; bx++) {
        let sum = 0;
        for (let dy = 0; dy < b; dy++)
          for (let dx = 0; dx < b; dx++) sum += 2 * samples.data[r * L * L + (by * b + dy) * L + bx * b + dx]! - 1;
        out.data[r * Lb * Lb + by * Lb + bx] = sum > 0 ? 1 : sum < 0 ? 0 : rng.nextFloat() < 0.5 ? 1 : 0;
      }
    }
  }
  return out;
}
