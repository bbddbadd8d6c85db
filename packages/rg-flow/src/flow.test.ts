import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { couplingFlow, stabilityFlow } from './flow.js';
import { singularValues } from './spectrum.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('RG flow of a small deep RBM', () => {
  const net = createDeepRbm([6, 4, 4, 4, 3], createRng(5), { weightScale: 1.2 });
  const x = matrix(1, 6, Float64Array.from([1, 1, 0, 0, 1, 0]));

  it('reports couplings per level, with distances only between equal widths', () => {
    const flow = couplingFlow(be, net, x, 'up');
    expect(flow.map((l) => [l.level, l.width])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 3],
    ]);
    expect(flow[0]!.distanceToPrevious).toBeNull();
    expect(flow[1]!.distanceToPrevious).toBeGreaterThan(0);
    expect(flow[3]!.distanceToPrevious).toBeNull();
    // level 1 is a product distribution: only order-1 couplings
    expect(flow[0]!.normsByOrder[1]).toBeLessThan(1e-12);
    expect(flow[1]!.normsByOrder[1]).toBeGreaterThan(1e-6);
  });

  it('exact and MCRG stability flows agree (singles) and products compose', () => {
    const exact = stabilityFlow(be, net, x, 'up', { method: 'exact', operators: 'singles' });
    const mc = stabilityFlow(be, net, x, 'up', {
      method: 'mcrg',
      operators: 'singles',
      samples: 100000,
      rng: createRng(6),
    });
    expect(exact.layers.map((l) => l.layer)).toEqual([2, 3, 4]);
    expect(exact.layers[0]!.eigen).toBeDefined(); // 4 → 4 is square
    expect(exact.layers[2]!.eigen).toBeUndefined(); // 4 → 3 is not
    // singles are a truncation, so MCRG (a projection of the full response) and the
    // exact single-spin derivatives differ by the truncation; top singular values stay close
    exact.layers.forEach((l, i) => {
      const m = mc.layers[i]!;
      expect(Math.abs(m.singularValues[0]! - l.singularValues[0]!)).toBeLessThan(
        0.15 * l.singularValues[0]! + 5 * (m.topSingularValueError ?? 0),
      );
    });
    const P = be.matmul(exact.layers[1]!.T, exact.layers[0]!.T);
    expect(exact.productTopSingularValues[1]).toBeCloseTo(singularValues(be, P)[0]!, 12);
  }, 60_000);

  it('leftVectors: scaling fields of square T satisfy vᵀT = λvᵀ; absent unless asked for', () => {
    const plain = stabilityFlow(be, net, x, 'up', { method: 'exact', operators: 'singles' });
    expect(plain.layers[0]!.eigen!.leftVectors).toBeUndefined();
    const flow = stabilityFlow(be, net, x, 'up', { method: 'exact', operators: 'singles', leftVectors: true });
    let checked = 0;
    for (const l of flow.layers) {
      if (!l.eigen) continue;
      l.eigen.values.forEach((lam, j) => {
        const v = l.eigen!.leftVectors![j];
        if (!v) return;
        const vT = be.matmul(matrix(1, v.length, v), l.T).data;
        vT.forEach((c, i) => expect(c).toBeCloseTo(lam.re * v[i]!, 8));
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('generation flow runs over layers N−1…1', () => {
    const y = matrix(1, 3, Float64Array.from([0, 0, 1]));
    const g = stabilityFlow(be, net, y, 'down', { method: 'exact', operators: 'complete' });
    expect(g.layers.map((l) => [l.layer, l.fromLevel, l.toLevel])).toEqual([
      [3, 3, 2],
      [2, 2, 1],
      [1, 1, 0],
    ]);
    expect(g.layers[0]!.T.rows).toBe(15);
  });
});
