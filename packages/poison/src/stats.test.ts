import { describe, expect, it } from 'vitest';
import { describeBound, describeDifference, pairedDifference, points, tQuantile975 } from './stats.js';

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

describe('points, describeDifference and describeBound', () => {
  const d = (mean: number, low: number, high: number) => ({
    n: 5,
    mean,
    sd: 0.01,
    low,
    high,
    excludesZero: low > 0 || high < 0,
  });
  it('write one minus sign everywhere and no negative zero', () => {
    expect(points(-0.0123)).toBe('\u22121.2');
    expect(points(0.0123)).toBe('1.2');
    expect(points(-0.0001)).toBe('0.0');
    expect(describeDifference(d(-0.001, -0.01, 0.008))).toBe('\u22120.1 points (95% CI \u22121.0 to 0.8)');
  });
  it('one seed has no interval and says so, instead of a degenerate CI', () => {
    const one = pairedDifference([0.86], [0.857]);
    expect(one.excludesZero).toBe(false);
    expect(describeDifference(one)).toBe('0.3 points (one seed: no interval)');
  });
  it('states a bound at or below 0 as no measurable room, never as a negative cap', () => {
    expect(describeBound(d(0.022, 0.018, 0.025))).toMatch(/^no label-keeping defence can take more than 2\.2 points/);
    expect(describeBound(d(-0.008, -0.02, 0.004))).toMatch(/^a label-keeping defence has no measurable room/);
    expect(describeBound(d(0.004, -0.002, 0.01))).toMatch(/no measurable room/);
  });
});
