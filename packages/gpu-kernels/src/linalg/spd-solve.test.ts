import { afterAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpu/cpu-backend.js';
import { matrix } from '../matrix.js';
import { createRng } from '../random.js';
import { solveSpd } from './spd-solve.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('solveSpd', () => {
  it('agrees with the pivoted LU solve on a covariance with many right-hand sides', () => {
    const rng = createRng(4);
    const k = 40;
    const g = matrix(
      k,
      3 * k,
      Float64Array.from({ length: 3 * k * k }, () => rng.nextGaussian()),
    );
    const a = be.matmul(g, g, { transB: true }); // G Gᵀ: symmetric positive definite
    const b = matrix(
      k,
      70,
      Float64Array.from({ length: k * 70 }, () => rng.nextGaussian()),
    );
    const x = solveSpd(be, a, b);
    const ref = be.solve(a, b);
    let worst = 0;
    for (let i = 0; i < x.data.length; i++) worst = Math.max(worst, Math.abs(x.data[i]! - ref.data[i]!));
    expect(worst).toBeLessThan(1e-9);
  });
  it('falls back to LU for a matrix that is not positive definite', () => {
    const a = matrix(2, 2, Float64Array.of(0, 1, 1, 0));
    const b = matrix(2, 1, Float64Array.of(2, 3));
    expect(Array.from(solveSpd(be, a, b).data)).toEqual([3, 2]);
  });
});
