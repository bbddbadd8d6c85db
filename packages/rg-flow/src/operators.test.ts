import { matrix } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import {
  allPairs,
  chainNearestNeighbours,
  completeBasis,
  evaluateOperators,
  latticeOperators,
  operatorSet,
  singles,
  union,
  upToOrder,
} from './operators.js';

describe('operator sets', () => {
  it('builders have the expected sizes', () => {
    expect(singles(7).operators).toHaveLength(7);
    expect(allPairs(7).operators).toHaveLength(21);
    expect(upToOrder(6, 3).operators).toHaveLength(6 + 15 + 20);
    expect(completeBasis(5).operators).toHaveLength(31);
    expect(union(singles(4), allPairs(4)).operators).toHaveLength(10);
    expect(chainNearestNeighbours(6).operators).toHaveLength(5);
    expect(chainNearestNeighbours(6, { periodic: true }).operators).toHaveLength(6);
  });

  it('lattice-summed operators on a periodic L×L lattice count every translate once', () => {
    const L = 4;
    const ops = latticeOperators(L, ['magnetisation', 'nn', 'nnn', 'plaquette', 'threeSpin']);
    expect(ops.operators.map((o) => o.terms.length)).toEqual([L * L, 2 * L * L, 2 * L * L, L * L, L * L]);
    // every nn bond joins lattice neighbours
    for (const [i, j] of ops.operators[1]!.terms as number[][]) {
      const ax = Math.abs((i! % L) - (j! % L));
      const ay = Math.abs(Math.floor(i! / L) - Math.floor(j! / L));
      const periodic = (d: number) => Math.min(d, L - d);
      expect([periodic(ax), periodic(ay)].sort()).toEqual([0, 1]);
    }
  });

  it('evaluates Σ_t Π_{i∈t} s_i with s = 2h − 1', () => {
    const h = matrix(2, 3, Float64Array.from([1, 0, 1, 0, 0, 0]));
    const ops = operatorSet(3, [[0], [1, 2], [0, 1, 2]]);
    expect(Array.from(evaluateOperators(ops, h).data)).toEqual([1, -1, -1, -1, 1, -1]);
    const summed = chainNearestNeighbours(3, { summed: true });
    expect(Array.from(evaluateOperators(summed, h).data)).toEqual([-2, 2]);
  });

  it('rejects bad index sets and mismatched samples', () => {
    expect(() => operatorSet(3, [[3]])).toThrow(/outside 0…2/);
    expect(() => operatorSet(3, [[1, 1]])).toThrow(/repeats/);
    expect(() => operatorSet(3, [[]])).toThrow(/at least one unit/);
    expect(() => evaluateOperators(singles(3), matrix(1, 4))).toThrow(/4 units.*3/);
    expect(() => completeBasis(21)).toThrow(/stability limit of 2\^20/);
  });
});
