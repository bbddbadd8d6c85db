import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import { generationFisher } from './fisher.js';
import { net, y } from './fixtures.test-support.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('generation Fisher information F̃(y) by the RG chain rule (eq. 21–22)', () => {
  const exact = generationFisher(be, net, y, { method: 'exact' }).F;
  it('the RG chain rule with complete bases and exact T̃ equals the exact FIM to 1e-8', () => {
    const chain = generationFisher(be, net, y, { method: 'rg-chain', stability: 'exact', operators: 'complete' }).F;
    expectAllClose(chain.data, exact.data, { rtol: 0, atol: 1e-8 });
  });

  it('the chain rule with MCRG stability matrices (complete bases) is within 10% in Frobenius norm', () => {
    const m = generationFisher(be, net, y, {
      method: 'rg-chain',
      stability: 'mcrg',
      operators: 'complete',
      samples: 100000,
      rng: createRng(3),
    }).F;
    const diff = Math.hypot(...Array.from(m.data, (v, i) => v - exact.data[i]!));
    expect(diff / Math.hypot(...exact.data)).toBeLessThan(0.1);
  }, 60_000);
});
