import { createRng } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import { hungarian } from './hungarian.js';

describe('hungarian', () => {
  it('finds the minimum-cost permutation (checked by brute force on 5×5)', () => {
    const rng = createRng(4);
    const n = 5;
    const cost = Float64Array.from({ length: n * n }, () => rng.nextFloat());
    const perm = hungarian(cost, n);
    const total = (p: number[]) => p.reduce((s, j, i) => s + cost[i * n + j]!, 0);
    let best = Infinity;
    const permute = (arr: number[], k: number): void => {
      if (k === n) {
        best = Math.min(best, total(arr));
        return;
      }
      for (let i = k; i < n; i++) {
        [arr[k], arr[i]] = [arr[i]!, arr[k]!];
        permute(arr, k + 1);
        [arr[k], arr[i]] = [arr[i]!, arr[k]!];
      }
    };
    permute([0, 1, 2, 3, 4], 0);
    expect(new Set(perm).size).toBe(n);
    expect(total(Array.from(perm))).toBeCloseTo(best, 12);
  });
});
