import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { depthStudy } from './depth-study.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('depth study', () => {
  it('depthStudy reports λ₁ and ε = √(2c/λ₁) per depth', () => {
    const nets = [1, 2, 3].map((N) =>
      createDeepRbm([5, ...new Array(N - 1).fill(4), 3], createRng(N), { weightScale: 1 }),
    );
    const ys = [0, 1, 2].map((c) => Float64Array.from([0, 1, 2], (j) => (j === c ? 1 : 0)));
    const rows = depthStudy(be, nets, ys, 0.01, { method: 'exact' });
    expect(rows.map((r) => r.depth)).toEqual([1, 2, 3]);
    for (const r of rows) expect(r.epsilonForKl).toBeCloseTo(Math.sqrt(0.02 / r.topEigenvalueMean), 12);
  });
});
