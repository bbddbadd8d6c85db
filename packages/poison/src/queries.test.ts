import { fromRows, rowViews, zeros } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import { outOfDistributionQueries } from './queries.js';

describe('outOfDistributionQueries', () => {
  const digits = [0, 1, 2].map((k) => Float64Array.from({ length: 16 }, (_, i) => ((i + k) % 3 === 0 ? 1 : 0)));
  const images = fromRows(digits);
  it('makes noise, blends and distortions in turn, binary, deterministic in the seed', () => {
    const m = outOfDistributionQueries(images, 9, 4);
    expect([m.rows, m.cols]).toEqual([9, 16]);
    const q = rowViews(m);
    for (const x of q) expect(x.every((v) => v === 0 || v === 1)).toBe(true);
    expect(Array.from(m.data)).toEqual(Array.from(outOfDistributionQueries(images, 9, 4).data));
    expect(Array.from(m.data)).not.toEqual(Array.from(outOfDistributionQueries(images, 9, 5).data));
    // a blend holds at least the ink of each of its two digits' common pixels: never less ink than a digit has
    const inkOf = (x: Float64Array) => x.reduce((a, b) => a + b, 0);
    expect(inkOf(q[1]!)).toBeGreaterThanOrEqual(Math.min(...digits.map(inkOf)));
  });
  it('rejects non-square inputs and an empty pool', () => {
    expect(() => outOfDistributionQueries(zeros(1, 15), 3, 1)).toThrow(/square/);
    expect(() => outOfDistributionQueries(zeros(0, 16), 3, 1)).toThrow(RangeError);
  });
});
