import { ENUMERATION_LIMITS } from './enumerable.js';
import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { randomLayer } from './brute.test-support.js';
import type { DeepRbm } from './deep-rbm.js';
import { classProbabilitiesAuto, classProbabilitiesChunked, evaluateClassifier, hiddenEnumerable } from './evaluate.js';
import { argmaxRows, classProbabilities } from './propagate.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

function net(hidden: number, seed: number): DeepRbm {
  const rng = createRng(seed);
  const g = () => rng.nextGaussian();
  return { layers: [randomLayer(hidden, 8, g, 0.7), randomLayer(3, hidden, g, 0.7)] };
}
function inputs(rows: number, seed: number) {
  const rng = createRng(seed);
  const x = matrix(rows, 8);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.nextFloat() < 0.5 ? 1 : 0;
  return x;
}

describe('evaluateClassifier', () => {
  it('is exact up to the limit and sampled beyond it', () => {
    expect(hiddenEnumerable(net(ENUMERATION_LIMITS.classify, 1))).toBe(true);
    expect(hiddenEnumerable(net(ENUMERATION_LIMITS.classify + 1, 1))).toBe(false);
    const small = net(5, 2);
    const x = inputs(50, 3);
    const labels = argmaxRows(classProbabilities(be, small, x));
    const data = { x, y: matrix(50, 3), labels, classes: 3 };
    const e = evaluateClassifier(be, small, data);
    expect(e.exact).toBe(1); // labels are the exact argmax
    expect(e.sampled).toEqual([]);
    const wide = net(16, 4);
    const lw = argmaxRows(classProbabilitiesAuto(be, wide, x, { samples: 4096 }));
    const ew = evaluateClassifier(be, wide, { x, y: matrix(50, 3), labels: lw, classes: 3 }, { samples: [4, 4096] });
    expect(ew.exact).toBeNull();
    expect(ew.sampled.map((s) => s.samples)).toEqual([4, 4096]);
    // S = 4096 with the same seed reproduces the labels; S = 4 is noisier and never better
    expect(ew.sampled[1]!.accuracy).toBe(1);
    expect(ew.sampled[0]!.accuracy).toBeLessThanOrEqual(1);
  });

  it('chunked Rao–Blackwellised probabilities equal the unchunked ones for one sampled layer', () => {
    const wide = net(16, 5);
    const x = inputs(37, 6);
    const a = classProbabilities(be, wide, x, { samples: 8, rng: createRng(9) });
    const b = classProbabilitiesChunked(be, wide, x, 8, createRng(9), 8 * 5);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });
});
