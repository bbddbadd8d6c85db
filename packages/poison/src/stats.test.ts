import { describe, expect, it } from 'vitest';
import { pairedDifference, tQuantile975 } from './stats.js';

describe('pairedDifference', () => {
  it('matches a hand computation', () => {
    // d = [1, 2, 3, 4, 5]: mean 3, sd √2.5, t(4) = 2.776 → half-width 2.776·1.5811/√5 = 1.9630
    const r = pairedDifference([3, 5, 7, 9, 11], [2, 3, 4, 5, 6]);
    expect(r.n).toBe(5);
    expect(r.mean).toBeCloseTo(3, 12);
    expect(r.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(r.low).toBeCloseTo(3 - 1.963, 3);
    expect(r.high).toBeCloseTo(3 + 1.963, 3);
    expect(r.excludesZero).toBe(true);
  });

  it('makes no claim when the interval covers 0, for one pair, or for identical arms', () => {
    expect(pairedDifference([1, -1, 1, -1], [0, 0, 0, 0]).excludesZero).toBe(false);
    expect(pairedDifference([1], [0]).excludesZero).toBe(false);
    expect(pairedDifference([0.5, 0.5], [0.5, 0.5]).excludesZero).toBe(false);
    expect(() => pairedDifference([1, 2], [1])).toThrow(RangeError);
  });

  it('t quantiles: the table, then the expansion close to the normal limit', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.706, 3);
    expect(tQuantile975(9)).toBeCloseTo(2.262, 3);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
    expect(tQuantile975(1e9)).toBeCloseTo(1.96, 3);
  });
});
