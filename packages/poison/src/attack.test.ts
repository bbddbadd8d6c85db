import { describe, expect, it } from 'vitest';
import { defenceLabel, stat } from './attack.js';

describe('attack statistics', () => {
  it('stat: mean and sample standard deviation (n − 1), zero spread for one seed', () => {
    const s = stat([0.7, 0.8, 0.9]);
    expect(s.mean).toBeCloseTo(0.8, 14);
    expect(s.std).toBeCloseTo(0.1, 14);
    expect(s.n).toBe(3);
    expect(stat([0.5])).toEqual({ mean: 0.5, std: 0, n: 1 });
  });
  it('labels name ε only for defences that take it', () => {
    expect(defenceLabel('fim', 0.2)).toBe('fim ε=0.2');
    expect(defenceLabel('none', 0.2)).toBe('none');
    expect(defenceLabel('top1', 0)).toBe('top1');
  });
});
