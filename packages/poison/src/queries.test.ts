import { describe, expect, it } from 'vitest';
import { outOfDistributionQueries } from './queries.js';

describe('outOfDistributionQueries', () => {
  const digits = [0, 1, 2].map((k) => Float64Array.from({ length: 16 }, (_, i) => ((i + k) % 3 === 0 ? 1 : 0)));
  it('makes noise, blends and distortions in turn, binary, deterministic in the seed', () => {
    const q = outOfDistributionQueries(digits, 9, 4);
    expect(q).toHaveLength(9);
    for (const x of q) expect(x.every((v) => v === 0 || v === 1)).toBe(true);
    expect(q.map((x) => Array.from(x))).toEqual(outOfDistributionQueries(digits, 9, 4).map((x) => Array.from(x)));
    expect(q.map((x) => Array.from(x))).not.toEqual(outOfDistributionQueries(digits, 9, 5).map((x) => Array.from(x)));
    // a blend holds at least the ink of each of its two digits' common pixels: never less ink than a digit has
    const inkOf = (x: Float64Array) => x.reduce((a, b) => a + b, 0);
    expect(inkOf(q[1]!)).toBeGreaterThanOrEqual(Math.min(...digits.map(inkOf)));
  });
  it('rejects non-square inputs and an empty pool', () => {
    expect(() => outOfDistributionQueries([new Float64Array(15)], 3, 1)).toThrow(/square/);
    expect(() => outOfDistributionQueries([], 3, 1)).toThrow(RangeError);
  });
});
