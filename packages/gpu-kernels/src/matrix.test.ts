import { describe, expect, it } from 'vitest';
import {
  assertMatrix,
  column,
  fromRows,
  identity,
  matrix,
  orientLargestPositive,
  rowViews,
  toRows,
  transpose,
  zeros,
} from './matrix.js';

describe('matrix helpers', () => {
  it('round-trips nested rows and transposes', () => {
    const m = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(toRows(m)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(toRows(transpose(m))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(toRows(identity(2))).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(zeros(2, 2, new Float32Array(0)).data).toBeInstanceOf(Float32Array);
  });
  it('rowViews are views (fromRows of them rebuilds the matrix; writes reach it)', () => {
    const m = fromRows([new Float64Array([1, 2]), [3, 4], new Float32Array([5, 6])]);
    const rows = rowViews(m);
    expect(rows.map((r) => Array.from(r))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(fromRows(rows)).toEqual(m);
    rows[1]![0] = -3;
    expect(m.data[2]).toBe(-3);
    expect(rowViews(zeros(0, 3))).toEqual([]);
  });
  it('rejects bad shapes with RangeError naming the problem', () => {
    expect(() => matrix(2, 2, new Float64Array(3))).toThrow(/length 3.*2×2/);
    expect(() => matrix(-1, 2)).toThrow(/rows/);
    expect(() => matrix(1.5, 2)).toThrow(/rows/);
    expect(() => fromRows([[1, 2], [3]])).toThrow(/row 1 has 1 entries, expected 2/);
    expect(() => assertMatrix('X', { rows: 2, cols: 2, data: [1, 2, 3, 4] } as never)).toThrow(/X must be a matrix/);
  });
});

describe('column and orientLargestPositive', () => {
  it('column copies one column; out-of-range columns throw', () => {
    const m = fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(Array.from(column(m, 1))).toEqual([2, 4, 6]);
    expect(() => column(m, 2)).toThrow(RangeError);
  });
  it('flips the sign only when the largest-magnitude component is negative', () => {
    expect(Array.from(orientLargestPositive(Float64Array.of(0.5, -0.8, 0.1)))).toEqual([-0.5, 0.8, -0.1]);
    const v = Float64Array.of(-0.5, 0.8);
    expect(orientLargestPositive(v)).toBe(v);
    expect(orientLargestPositive(new Float64Array(0))).toHaveLength(0);
  });
});
