import { describe, expect, it } from 'vitest';
import { compareAllClose, expectAllClose } from './close.js';

describe('expectAllClose', () => {
  it('accepts values within atol + rtol·|e|', () => {
    expectAllClose([1, 2, 3], [1 + 1e-10, 2, 3 - 2e-9], { rtol: 1e-9, atol: 0 });
  });
  it('rejects values outside tolerance and reports the index', () => {
    expect(() => expectAllClose([1, 2.01], [1, 2], { rtol: 1e-3, atol: 0 })).toThrow(/\[1\]/);
  });
  it('rejects length mismatch, NaN unless equalNan, and mismatched infinities', () => {
    expect(compareAllClose([1], [1, 2]).ok).toBe(false);
    expect(compareAllClose([NaN], [NaN]).ok).toBe(false);
    expect(compareAllClose([NaN], [NaN], { equalNan: true }).ok).toBe(true);
    expect(compareAllClose([Infinity], [-Infinity]).ok).toBe(false);
    expect(compareAllClose([Infinity], [Infinity]).ok).toBe(true);
  });
});
