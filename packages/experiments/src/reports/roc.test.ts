import { describe, expect, it } from 'vitest';
import { roc } from './roc.js';

describe('roc', () => {
  it('traces the threshold sweep and its area, ties counted half', () => {
    const r = roc([3, 2, 2], [2, 1]);
    // thresholds past 3, 2 (two positives and a negative tie), 1
    expect(r.points).toEqual([
      [0, 0],
      [0, 1 / 3],
      [0.5, 1],
      [1, 1],
    ]);
    // pairs: 3>2, 3>1, 2=2 (½), 2>1, 2=2 (½), 2>1 → 5 of 6
    expect(r.auc).toBeCloseTo(5 / 6, 12);
    expect(roc([5], [1, 2]).auc).toBe(1);
    expect(roc([0], [1]).auc).toBe(0);
    expect(() => roc([], [1])).toThrow(/positives and negatives/);
  });
});
