import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { adversarialPerturbation, poisonDirection } from './directions.js';
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

  it('poisonDirection is the top eigenvector with the KL-increasing sign', () => {
    const p = poisonDirection(be, net, y, { method: 'exact', probe: 0.2 });
    const F = generationFisher(be, net, y, { method: 'exact' }).F;
    const top = topEigenpairs(be, F, 1);
    expect(p.eigenvalue).toBeCloseTo(top.values[0]!, 12);
    expect(Math.abs(p.direction.reduce((s, v, i) => s + v * top.vectors[0]![i]!, 0))).toBeCloseTo(1, 10);
    expect(p.signRule).toBe('kl');
    const kl = (sgn: number) =>
      exactKl(
        be,
        net,
        y,
        y.map((v, i) => v + sgn * 0.2 * p.direction[i]!),
        'down',
      );
    expect(kl(1)).toBeGreaterThanOrEqual(kl(-1));
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
