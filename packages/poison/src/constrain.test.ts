import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, constrainStep, projectToSimplex } from './constrain.js';

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

describe('projectToSimplex', () => {
  it('is the nearest point of the simplex: on it, idempotent, and closer than random simplex points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }),
        probVector(5),
        (v, other) => {
          const p = projectToSimplex(v);
          expect(p.every((x) => x >= 0)).toBe(true);
          expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          const again = projectToSimplex(p);
          again.forEach((x, i) => expect(x).toBeCloseTo(p[i]!, 12));
          const dist = (a: ArrayLike<number>) => Math.hypot(...v.map((x, i) => x - a[i]!));
          expect(dist(p)).toBeLessThanOrEqual(dist(other) + 1e-12);
        },
      ),
      { seed: 4, numRuns: 300 },
    );
  });

  it('known case: (0.6, 0.6, −0.2) → (0.5, 0.5, 0)', () => {
    const p = projectToSimplex([0.6, 0.6, -0.2]);
    expect(Array.from(p).map((x) => +x.toFixed(12))).toEqual([0.5, 0.5, 0]);
  });
});

describe('simplex answers', () => {
  it('renormalising a served answer changes nothing, and the step never exceeds ‖δ‖₂', () => {
    fc.assert(
      fc.property(
        probVector(6),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (y, d) => {
          const sorted = [...y].sort((a, b) => b - a);
          fc.pre(sorted[0]! - sorted[1]! > 1e-9);
          const delta = Float64Array.from(d);
          const r = constrainStep(y, delta);
          const sum = r.served.reduce((a, b) => a + b, 0);
          r.served.forEach((x) => expect(x / sum).toBeCloseTo(x, 12));
          const mean = d.reduce((a, b) => a + b, 0) / d.length;
          const stepNorm = Math.hypot(...d.map((x) => x - mean));
          expect(Math.hypot(...r.served.map((x, i) => x - y[i]!))).toBeLessThanOrEqual(r.scale * stepNorm + 1e-12);
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it('takes the largest label-keeping step, not a power of ½', () => {
    // ŷ = (0.6, 0.4): moving by s·(−1, 1)/… keeps the label while 0.6 − s·a > 0.4 + s·a
    const y = Float64Array.from([0.6, 0.4]);
    const r = constrainStep(y, Float64Array.from([-0.3, 0.3]));
    expect(r.scale).toBeCloseTo(1 / 3, 4); // less the label margin of 1e-6
    expect(argmax(r.served)).toBe(0);
  });
});
