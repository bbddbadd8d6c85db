import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';

describe('createRng', () => {
  it('is reproducible from the seed and differs across seeds', () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const xa = Array.from({ length: 8 }, () => a.nextFloat());
    const xb = Array.from({ length: 8 }, () => b.nextFloat());
    const xc = Array.from({ length: 8 }, () => c.nextFloat());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });
  it('nextFloat is in [0,1) with mean 1/2 and variance 1/12 (5σ)', () => {
    const r = createRng(5);
    const n = 100000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });
  it('nextGaussian has mean 0 and variance 1 (5σ)', () => {
    const r = createRng(6);
    const n = 100000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const g = r.nextGaussian();
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
  it('fork gives reproducible, distinct streams', () => {
    const p1 = createRng(9);
    const p2 = createRng(9);
    const f1 = p1.fork();
    const f2 = p2.fork();
    const g1 = p1.fork();
    const x1 = Array.from({ length: 4 }, () => f1.nextUint32());
    expect(x1).toEqual(Array.from({ length: 4 }, () => f2.nextUint32()));
    expect(x1).not.toEqual(Array.from({ length: 4 }, () => g1.nextUint32()));
  });
  it('rejects non-integer seeds', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });
});
