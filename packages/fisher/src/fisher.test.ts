import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { classificationFisher, generationFisher } from './fisher.js';
import { net, x, y } from './fixtures.test-support.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('Fisher entry points', () => {
  it("'gibbs' returns F with entry errors, λ₁ with its jackknife error and the chains' noise; λ₁'s interval covers the exact value", () => {
    const exact = generationFisher(be, net, y, { method: 'exact' });
    const g = generationFisher(be, net, y, { method: 'gibbs', samples: 8000, batches: 16, rng: createRng(21) });
    expect(g.method).toBe('gibbs');
    expect(g.stderr).toBeDefined();
    expect(g.chainNoise).toBeGreaterThan(0);
    const l1 = be.symmetricEigen(exact.F).values[0]!;
    expect(g.lambda1!.value).toBeCloseTo(be.symmetricEigen(g.F).values[0]!, 12);
    expect(Math.abs(g.lambda1!.value - l1)).toBeLessThan(3 * g.lambda1!.stderr);
  });

  it('rejects inputs of the wrong width', () => {
    expect(() => generationFisher(be, net, Float64Array.from([1, 0]), { method: 'exact' })).toThrow(/2 entries/);
    expect(() => classificationFisher(be, net, x, { method: 'rg-chain' })).toThrow(/exact and monte-carlo/);
    expect(() => classificationFisher(be, net, x, { method: 'gibbs', rng: createRng(1) })).toThrow(
      /exact and monte-carlo/,
    );
    expect(() => generationFisher(be, net, y, { method: 'gibbs' })).toThrow(/gibbs estimator needs an rng/);
    expect(() => generationFisher(be, createDeepRbm([30, 20, 3], createRng(1)), y, { method: 'exact' })).toThrow(
      /fisher limit of 2\^16/,
    );
  });
});
