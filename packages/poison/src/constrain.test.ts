import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, constrainStep } from './constrain.js';

const probVector = (n: number) =>
  fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((w) => {
    const s = w.reduce((a, b) => a + b, 0);
    return Float64Array.from(w, (x) => x / s);
  });

describe('constrainStep (property tests)', () => {
  it('never changes the label and keeps the answer valid, for any step and either view', () => {
    fc.assert(
      fc.property(
        probVector(6),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.constantFrom('box' as const, 'simplex' as const),
        (y, d, view) => {
          // strict argmax only (ties have no well-defined label)
          const sorted = [...y].sort((a, b) => b - a);
          fc.pre(sorted[0]! - sorted[1]! > 1e-9);
          const r = constrainStep(y, Float64Array.from(d), view);
          expect(argmax(r.served)).toBe(argmax(y));
          expect(r.served.every((v) => v >= 0 && v <= 1)).toBe(true);
          if (view === 'simplex') expect(r.served.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          expect(r.scale).toBeGreaterThanOrEqual(0);
          expect(r.scale).toBeLessThanOrEqual(1);
        },
      ),
      { seed: 3, numRuns: 500 },
    );
  });
});
