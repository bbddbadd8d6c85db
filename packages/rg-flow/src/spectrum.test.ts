import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { eigenAnalysis, singularValues, topRightSingularVectors } from './spectrum.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('spectra of stability matrices', () => {
  it('finds a complex pair of a scaled rotation and counts relevant directions', () => {
    // 1.5·R(30°) ⊕ 0.5: eigenvalues 1.5 e^{±iπ/6} and 0.5
    const c = 1.5 * Math.cos(Math.PI / 6);
    const s = 1.5 * Math.sin(Math.PI / 6);
    const e = eigenAnalysis(be, matrix(3, 3, Float64Array.from([c, -s, 0, s, c, 0, 0, 0, 0.5])));
    expect(e.values.map((v) => v.abs)).toEqual([
      expect.closeTo(1.5, 12),
      expect.closeTo(1.5, 12),
      expect.closeTo(0.5, 12),
    ]);
    expect(Math.abs(e.values[0]!.im)).toBeCloseTo(s, 12);
    expect(e.relevant).toBe(2);
  });

  it('left eigenvectors satisfy vᵀT = λvᵀ for a non-symmetric T with real spectrum', () => {
    const T = matrix(3, 3, Float64Array.from([2, 1, 0, 0, 0.5, 0.3, 0.1, 0, 1.2]));
    const e = eigenAnalysis(be, T, { leftVectors: true });
    expect(e.leftVectors).toHaveLength(3);
    e.leftVectors!.forEach((v, k) => {
      expect(v).not.toBeNull();
      const lambda = e.values[k]!.re;
      for (let j = 0; j < 3; j++) {
        let vt = 0;
        for (let i = 0; i < 3; i++) vt += v![i]! * T.data[i * 3 + j]!;
        expect(vt).toBeCloseTo(lambda * v![j]!, 8);
      }
    });
  });

  it('singular values of a rectangular matrix match the closed form', () => {
    // rows orthogonal with norms 3 and 2
    const T = matrix(2, 3, Float64Array.from([3, 0, 0, 0, 2 / Math.SQRT2, 2 / Math.SQRT2]));
    expect(Array.from(singularValues(be, T))).toEqual([expect.closeTo(3, 12), expect.closeTo(2, 12)]);
    expect(() => eigenAnalysis(be, T)).toThrow(/square/);
  });

  it('right singular vectors: unit, ‖T v‖ = σ, orthogonal, largest component positive; closed form for a 2×3 matrix', () => {
    const T = matrix(2, 3, Float64Array.from([3, 0, 0, 0, 2 / Math.SQRT2, 2 / Math.SQRT2]));
    const r = topRightSingularVectors(be, T, 2);
    expect(Array.from(r.values)).toEqual([expect.closeTo(3, 12), expect.closeTo(2, 12)]);
    expect(Array.from(r.vectors[0]!)).toEqual([expect.closeTo(1, 12), expect.closeTo(0, 12), expect.closeTo(0, 12)]);
    expect(Array.from(r.vectors[1]!)).toEqual([
      expect.closeTo(0, 12),
      expect.closeTo(Math.SQRT1_2, 12),
      expect.closeTo(Math.SQRT1_2, 12),
    ]);
    // a random 5×4 matrix: invariants
    const rng = createRng(11);
    const A = matrix(
      5,
      4,
      Float64Array.from({ length: 20 }, () => rng.nextGaussian()),
    );
    const s = topRightSingularVectors(be, A, 4);
    expect(Array.from(s.values)).toEqual(Array.from(singularValues(be, A)).map((v) => expect.closeTo(v, 10)));
    s.vectors.forEach((v, j) => {
      expect(Math.hypot(...v)).toBeCloseTo(1, 12);
      expect(Math.hypot(...be.matmul(A, matrix(4, 1, v)).data)).toBeCloseTo(s.values[j]!, 10);
      const big = v.reduce((a, x) => (Math.abs(x) > Math.abs(a) ? x : a), 0);
      expect(big).toBeGreaterThan(0);
      for (let k = 0; k < j; k++) expect(v.reduce((a, x, i) => a + x * s.vectors[k]![i]!, 0)).toBeCloseTo(0, 10);
    });
  });
});

describe('eigenAnalysis with zero rows (degenerate MCRG operators)', () => {
  it('zero rows each add an eigenvalue 0; the rest come from the remaining block', () => {
    // rows 1 and 3 zero; the {0, 2} block is [[2, 1], [0.5, 1]] with eigenvalues (3 ± √3)/2
    const T = matrix(4, 4, Float64Array.from([2, 7, 1, -3, 0, 0, 0, 0, 0.5, 4, 1, 9, 0, 0, 0, 0]));
    const e = eigenAnalysis(be, T);
    expect(e.values.map((v) => v.abs)).toEqual([
      expect.closeTo((3 + Math.sqrt(3)) / 2, 12),
      expect.closeTo((3 - Math.sqrt(3)) / 2, 12),
      0,
      0,
    ]);
    expect(e.relevant).toBe(1);
  });
});
