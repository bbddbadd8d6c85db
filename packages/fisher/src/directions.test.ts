import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { adversarialPerturbation } from './directions.js';
import { exactKl } from './exact.js';
import { generationFisher, topEigenpairs } from './fisher.js';
import { net, y } from './fixtures.test-support.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('directions from the Fisher information', () => {
  it('the top eigenvector moves the class distribution more than a random direction of equal norm', () => {
    const r = adversarialPerturbation(be, net, Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5]), 0.3, {
      method: 'exact',
      controlRng: createRng(1),
    });
    expect(r.norm).toBeCloseTo(0.3, 10);
    expect(r.kl).toBeGreaterThan(r.randomKl);
    expect(r.eigenvalue).toBeGreaterThan(0);
  });

  it('along the top eigenvector of F̃(y), the exact D_KL is ½ λ₁ ε² to second order', () => {
    const F = generationFisher(be, net, y, { method: 'exact' }).F;
    const top = topEigenpairs(be, F, 1);
    const p = { direction: top.vectors[0]!, eigenvalue: top.values[0]! };
    // second order: D_KL ≈ ½ λ₁ ε² for small ε (third-order term: 0.5% at ε = 0.01)
    const eps = 1e-2;
    const d = exactKl(
      be,
      net,
      y,
      y.map((v, i) => v + eps * p.direction[i]!),
      'down',
    );
    expectAllClose([d], [0.5 * p.eigenvalue * eps * eps], { rtol: 0.02, atol: 0 });
  });
});
