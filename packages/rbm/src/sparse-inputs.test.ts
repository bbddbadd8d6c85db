import { createRng, matrix, naiveMatmul } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import { SPARSE_DENSITY_LIMIT, sparseInputsOf, sparseTimes, sparseTransposeTimes } from './sparse-inputs.js';

/** rows × cols with about `density` nonzeros, values in (−2, 2) (not only ones). */
function sparseMatrix(rows: number, cols: number, density: number, seed: number) {
  const rng = createRng(seed);
  const x = matrix(rows, cols);
  for (let i = 0; i < x.data.length; i++) if (rng.nextFloat() < density) x.data[i] = 4 * rng.nextFloat() - 2;
  return x;
}

function dense(rows: number, cols: number, seed: number) {
  const rng = createRng(seed);
  const m = matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.nextGaussian();
  return m;
}

describe('sparse inputs', () => {
  // every pass width (8, 4, 2, 1) and their mixtures
  it.each([1, 2, 3, 4, 7, 10, 13, 17])('X B + b and Xᵀ G equal the dense products with %i columns', (K) => {
    const x = sparseMatrix(37, 29, 0.2, 11 + K);
    const s = sparseInputsOf(x);
    expect(s).toBeDefined();
    const B = dense(29, K, 3);
    const G = dense(37, K, 4);
    const bias = Float64Array.from({ length: K }, (_, c) => c - 1.5);
    const want = naiveMatmul(x, B);
    for (let r = 0; r < 37; r++) for (let c = 0; c < K; c++) want.data[r * K + c]! += bias[c]!;
    const got = sparseTimes(s!, B, bias);
    const wantT = naiveMatmul(x, G, { transA: true });
    const gotT = sparseTransposeTimes(s!, G);
    expect([got.rows, got.cols, gotT.rows, gotT.cols]).toEqual([37, K, 29, K]);
    for (let i = 0; i < want.data.length; i++) expect(got.data[i]).toBeCloseTo(want.data[i]!, 12);
    for (let i = 0; i < wantT.data.length; i++) expect(gotT.data[i]).toBeCloseTo(wantT.data[i]!, 12);
  });

  it('sums each entry over the nonzeros in index order, bit for bit, with ten columns in one pass', () => {
    const x = sparseMatrix(23, 31, 0.25, 41);
    const s = sparseInputsOf(x)!;
    const B = dense(31, 10, 42);
    const bias = Float64Array.from({ length: 10 }, (_, c) => 0.1 * c);
    const got = sparseTimes(s, B, bias);
    for (let r = 0; r < 23; r++) {
      for (let c = 0; c < 10; c++) {
        let a = bias[c]!;
        for (let j = 0; j < 31; j++) if (x.data[r * 31 + j] !== 0) a += x.data[r * 31 + j]! * B.data[j * 10 + c]!;
        expect(got.data[r * 10 + c]).toBe(a);
      }
    }
  });

  it('is declined above the density limit and handles empty rows and columns', () => {
    expect(sparseInputsOf(sparseMatrix(20, 20, 0.9, 5))).toBeUndefined();
    const x = matrix(3, 4);
    x.data[1 * 4 + 2] = 2; // rows 0 and 2, columns 0, 1 and 3 are empty
    const s = sparseInputsOf(x)!;
    const B = dense(4, 3, 6);
    const got = sparseTimes(s, B);
    expect(Array.from(got.data.slice(0, 3))).toEqual([0, 0, 0]);
    expect(got.data[3]).toBe(2 * B.data[2 * 3]!);
    expect(SPARSE_DENSITY_LIMIT).toBeLessThanOrEqual(1);
  });

  it('refuses mismatched shapes', () => {
    const s = sparseInputsOf(sparseMatrix(5, 6, 0.3, 7))!;
    expect(() => sparseTimes(s, dense(5, 2, 1))).toThrow(/6 columns but B 5 rows/);
    expect(() => sparseTransposeTimes(s, dense(6, 2, 1))).toThrow(/5 rows but G 6/);
  });
});
