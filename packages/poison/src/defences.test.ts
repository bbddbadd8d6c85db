import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { classPoisonDirections, createService, DEFENCES, utility } from './defences.js';

const be = createCpuBackend();
afterAll(() => be.dispose());

describe('defences', () => {
  const net = createDeepRbm([16, 8, 4], createRng(1), { weightScale: 1 });
  const rng = createRng(2);
  const inputs = Array.from({ length: 40 }, () =>
    Float64Array.from({ length: 16 }, () => (rng.nextFloat() < 0.5 ? 1 : 0)),
  );
  const fisher = { samples: 400, pool: 256, batches: 2 };

  it('with ε = 0 every step-based defence is the identity; none is always the identity', () => {
    for (const defence of ['none', 'fim', 'random', 'gaussian'] as const) {
      const b = createService(be, net, { defence, epsilon: 0, fisher }).answer(inputs);
      b.served.forEach((s, r) => expect(Array.from(s)).toEqual(Array.from(b.clean[r]!)));
      expect(utility(b)).toEqual({ labelAgreement: 1, meanL1: 0 });
    }
  });

  it('keep the label (label agreement 1) except top1/round/reverse-sigmoid, whose cost is their own', () => {
    for (const defence of DEFENCES) {
      const b = createService(be, net, { defence, epsilon: 0.2, fisher, decimals: 1 }).answer(inputs);
      const u = utility(b);
      if (['fim', 'random', 'gaussian', 'none', 'top1'].includes(defence)) expect(u.labelAgreement).toBe(1);
      // step-based defences never move more than the requested Euclidean norm
      if (['fim', 'random'].includes(defence)) {
        b.served.forEach((s, r) =>
          expect(Math.hypot(...s.map((v, j) => v - b.clean[r]![j]!))).toBeLessThanOrEqual(0.2 + 1e-12),
        );
      }
    }
  });

  it('fim and random answers are deterministic per query; gaussian noise is fresh', () => {
    for (const defence of ['fim', 'random'] as const) {
      const s = createService(be, net, { defence, epsilon: 0.2, fisher });
      expect(s.answer(inputs.slice(0, 3)).served.map((a) => Array.from(a))).toEqual(
        s.answer(inputs.slice(0, 3)).served.map((a) => Array.from(a)),
      );
    }
    const g = createService(be, net, { defence: 'gaussian', epsilon: 0.2 });
    const a = g.answer(inputs.slice(0, 3)).served.map((x) => Array.from(x));
    const b = g.answer(inputs.slice(0, 3)).served.map((x) => Array.from(x));
    expect(a).not.toEqual(b);
  });

  it('warm() builds the fim cache up front; given per-class directions give the same answers as the lazy cache', () => {
    const lazy = createService(be, net, { defence: 'fim', epsilon: 0.2, fisher, seed: 5 }).answer(inputs);
    const warmed = createService(be, net, { defence: 'fim', epsilon: 0.2, fisher, seed: 5 });
    expect(warmed.warm()).toBeGreaterThan(0);
    expect(warmed.answer(inputs).served).toEqual(lazy.served);
    const shared = classPoisonDirections(be, net, { fisher, seed: 5 });
    expect(shared.directions).toHaveLength(4);
    expect(Array.from(shared.eigenvalues).every((l) => l > 0)).toBe(true);
    shared.directions.forEach((v) => expect(Math.hypot(...v)).toBeCloseTo(1, 12));
    const given = createService(be, net, { defence: 'fim', epsilon: 0.2, directions: shared });
    expect(given.warm()).toBeLessThan(0.05); // nothing left to compute
    expect(given.answer(inputs).served).toEqual(lazy.served);
    // defences without a cache have nothing to warm
    expect(createService(be, net, { defence: 'random', epsilon: 0.2 }).warm()).toBeLessThan(0.05);
  });
});
