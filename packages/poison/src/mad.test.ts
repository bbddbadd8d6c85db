import { createRng } from '@rgdl/gpu-kernels';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, projectToSimplex } from './constrain.js';
import { gradientAngle, madAnswer, randomSurrogate, surrogateProbabilities } from './mad.js';

const probVector = (n: number) =>
  fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((w) => {
    const s = w.reduce((a, b) => a + b, 0);
    return Float64Array.from(w, (x) => x / s);
  });

const l1 = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((s, v, i) => s + Math.abs(v - b[i]!), 0);

describe('MAD', () => {
  it('stays on the simplex within its L1 budget; MAD-argmax keeps the label', () => {
    fc.assert(
      fc.property(probVector(6), probVector(6), fc.double({ min: 0.01, max: 1.5, noNaN: true }), (y, F, budget) => {
        const sorted = [...y].sort((a, b) => b - a);
        fc.pre(sorted[0]! - sorted[1]! > 1e-5);
        for (const keep of [false, true]) {
          const a = madAnswer(y, F, budget, keep);
          expect(a.every((v) => v >= -1e-12)).toBe(true);
          expect(a.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
          expect(l1(a, y)).toBeLessThanOrEqual(budget + 1e-9);
          if (keep) expect(argmax(a)).toBe(argmax(y));
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('its answer deviates the surrogate gradient more than random feasible answers of the same budget', () => {
    const rng = createRng(3);
    fc.assert(
      fc.property(probVector(6), probVector(6), fc.double({ min: 0.1, max: 1, noNaN: true }), (y, F, budget) => {
        const mad = gradientAngle(y, madAnswer(y, F, budget, false), F);
        const angles: number[] = [];
        for (let t = 0; t < 100; t++) {
          // a random point of the simplex within the budget
          const d = Float64Array.from({ length: 6 }, () => rng.nextGaussian());
          let p = projectToSimplex(y.map((v, i) => v + d[i]!));
          const dist = l1(p, y);
          if (dist > budget) p = p.map((v, i) => y[i]! + ((v - y[i]!) * budget) / dist);
          angles.push(gradientAngle(y, p, F));
        }
        angles.sort((a, b) => a - b);
        expect(mad).toBeGreaterThanOrEqual(angles[89]! - 1e-9); // at least the 90th percentile
      }),
      { seed: 8, numRuns: 100 },
    );
  });

  it('a linear surrogate: F(x) = softmax(Wx + b) is a probability vector, seeded', () => {
    const s = randomSurrogate(4, 5, 1);
    const F = surrogateProbabilities(s, [1, 0, 1, 1, 0]);
    expect(F.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Array.from(surrogateProbabilities(randomSurrogate(4, 5, 1), [1, 0, 1, 1, 0]))).toEqual(Array.from(F));
  });
});
