import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { classificationFisher, generationFisher } from './fisher.js';
import { net, x, y } from './fixtures.test-support.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('generation Fisher information F̃(y) by Monte Carlo', () => {
  const exact = generationFisher(be, net, y, { method: 'exact' }).F;
  it('Monte Carlo agrees with exact within 4 standard errors', () => {
    const mc = generationFisher(be, net, y, {
      method: 'monte-carlo',
      samples: 20000,
      pool: 8192,
      batches: 8,
      rng: createRng(5),
    });
    for (let i = 0; i < 9; i++)
      expect(Math.abs(mc.F.data[i]! - exact.data[i]!)).toBeLessThan(4 * mc.stderr!.data[i]! + 1e-6);
  }, 180_000); // one of these two took 32 s in a fresh-clone pnpm test beside the other packages
});

describe('classification Fisher information F(x) by Monte Carlo', () => {
  it('Monte Carlo agrees with exact within 4 standard errors', () => {
    const exact = classificationFisher(be, net, x, { method: 'exact' }).F;
    expect([exact.rows, exact.cols]).toEqual([5, 5]);
    const mc = classificationFisher(be, net, x, { method: 'monte-carlo', pool: 20000, batches: 8, rng: createRng(6) });
    for (let i = 0; i < 25; i++)
      expect(Math.abs(mc.F.data[i]! - exact.data[i]!)).toBeLessThan(4 * mc.stderr!.data[i]! + 1e-6);
  }, 180_000); // one of these two took 32 s in a fresh-clone pnpm test beside the other packages
});
