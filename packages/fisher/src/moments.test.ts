import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { covarianceOf, symmetrise } from './moments.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('moments', () => {
  const rng = createRng(8);
  const A = matrix(
    6,
    3,
    Float64Array.from({ length: 18 }, () => rng.nextGaussian()),
  );
  const B = matrix(
    6,
    3,
    Float64Array.from({ length: 18 }, () => rng.nextGaussian()),
  );

  it('uniform weights give the population covariance of the backend', () => {
    expectAllClose(covarianceOf(A).data, be.covariance(A).data, { rtol: 1e-12, atol: 1e-14 });
  });
  it('weights act like repeated rows: q = (2, 1, 1, 1, 1, 0)/6 equals uniform over the rows with row 0 twice and row 5 dropped', () => {
    const q = [2, 1, 1, 1, 1, 0].map((w) => w / 6);
    const rows = [0, 0, 1, 2, 3, 4];
    const R = matrix(6, 3, Float64Array.from(rows.flatMap((r) => Array.from(A.data.subarray(r * 3, r * 3 + 3)))));
    expectAllClose(covarianceOf(A, q).data, covarianceOf(R).data, { rtol: 1e-12, atol: 1e-14 });
  });
  it('the cross-covariance is symmetrised: ½(Cov(A, B) + Cov(B, A))', () => {
    const C = covarianceOf(A, undefined, B);
    const ab = be.crossCovariance(A, B);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        expect(C.data[i * 3 + j]).toBeCloseTo(0.5 * (ab.data[i * 3 + j]! + ab.data[j * 3 + i]!), 12);
  });
  it('symmetrise replaces F by ½(F + Fᵀ) in place', () => {
    const F = matrix(2, 2, Float64Array.of(1, 2, 4, 3));
    symmetrise(F);
    expect(Array.from(F.data)).toEqual([1, 3, 3, 3]);
  });
});
