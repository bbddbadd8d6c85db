import { createRng, matrix } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import { decimateChain, majorityBlocks, sampleIsingChain, wolffIsing2d } from './ising.js';

const spin = (h: number) => 2 * h - 1;

/** Mean of s_i s_{i+d} over rows and positions of a chain sample. */
function chainCorrelation(m: { rows: number; cols: number; data: Float64Array }, d: number): number {
  let s = 0;
  let n = 0;
  for (let r = 0; r < m.rows; r++)
    for (let i = 0; i + d < m.cols; i++, n++) s += spin(m.data[r * m.cols + i]!) * spin(m.data[r * m.cols + i + d]!);
  return s / n;
}

describe('Ising reference systems', () => {
  it('the chain sampler has ⟨s_i s_{i+d}⟩ = tanh^d K (within 5σ), and decimation keeps every second spin', () => {
    const K = 0.7;
    const m = sampleIsingChain(21, K, 20000, createRng(1));
    expect([m.rows, m.cols]).toEqual([20000, 21]);
    for (const d of [1, 2]) {
      const c = chainCorrelation(m, d);
      const sigma = Math.sqrt((1 - Math.tanh(K) ** (2 * d)) / (20000 * (21 - d))) * 3; // neighbouring pairs are correlated: 3× margin
      expect(Math.abs(c - Math.tanh(K) ** d)).toBeLessThan(5 * sigma);
    }
    const dec = decimateChain(m);
    expect(dec.cols).toBe(11);
    for (let i = 0; i < 11; i++) expect(dec.data[i]).toBe(m.data[2 * i]);
  });

  it('Wolff at weak coupling is disordered and at strong coupling ordered', () => {
    const L = 8;
    const magnetisation = (K: number) => {
      const m = wolffIsing2d(L, K, 400, createRng(2));
      let abs = 0;
      for (let r = 0; r < m.rows; r++) {
        let s = 0;
        for (let i = 0; i < L * L; i++) s += spin(m.data[r * L * L + i]!);
        abs += Math.abs(s) / (L * L);
      }
      return abs / m.rows;
    };
    expect(magnetisation(0.1)).toBeLessThan(0.3);
    expect(magnetisation(0.8)).toBeGreaterThan(0.95);
  });

  it('majority blocks: uniform blocks map to their value; a 2–2 tie is broken both ways by the coin', () => {
    // 4×4 lattice, 2×2 blocks: block (0,0) all up, (1,0) all down, (0,1) 3 up, (1,1) a 2–2 tie
    const L = 4;
    const grid = [
      [1, 1, 0, 0],
      [1, 1, 0, 0],
      [1, 1, 1, 0],
      [0, 1, 0, 1],
    ];
    const rows = 200;
    const m = matrix(
      rows,
      16,
      Float64Array.from({ length: rows * 16 }, (_, k) => grid[Math.floor((k % 16) / L)]![k % L]!),
    );
    const b = majorityBlocks(m, L, 2, createRng(3));
    expect([b.rows, b.cols]).toEqual([rows, 4]);
    let tieUp = 0;
    for (let r = 0; r < rows; r++) {
      expect([b.data[r * 4], b.data[r * 4 + 1], b.data[r * 4 + 2]]).toEqual([1, 0, 1]);
      tieUp += b.data[r * 4 + 3]!;
    }
    expect(tieUp).toBeGreaterThan(60);
    expect(tieUp).toBeLessThan(140);
  });
});
