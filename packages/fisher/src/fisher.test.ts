import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { classificationFisher, generationFisher } from './fisher.js';
import { net, x, y } from './fixtures.test-support.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('Fisher entry points', () => {
  it('rejects inputs of the wrong width', () => {
    expect(() => generationFisher(be, net, Float64Array.from([1, 0]), { method: 'exact' })).toThrow(/2 entries/);
    expect(() => classificationFisher(be, net, x, { method: 'rg-chain' })).toThrow(/exact and monte-carlo/);
    expect(() => generationFisher(be, createDeepRbm([30, 20, 3], createRng(1)), y, { method: 'exact' })).toThrow(
      /fisher limit of 2\^16/,
    );
  });
});
