import fc from 'fast-check';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { describe, it } from 'vitest';
import { walshHadamardRows } from './walsh-hadamard.js';

describe('walshHadamardRows (property tests)', () => {
  it('is its own inverse up to a factor 2^m', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 8 })
          .chain((m) =>
            fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1 << m, maxLength: 1 << m }),
          ),
        (xs) => {
          const x = Float64Array.from(xs);
          walshHadamardRows(x, 1, x.length);
          walshHadamardRows(x, 1, x.length);
          expectAllClose(
            x,
            xs.map((v) => v * xs.length),
            { rtol: 1e-12, atol: 1e-9 * xs.length },
          );
        },
      ),
      { seed: 20261125, numRuns: 200 },
    );
  });
  it('preserves the squared norm up to 2^m (Parseval)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 8 })
          .chain((m) =>
            fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1 << m, maxLength: 1 << m }),
          ),
        (xs) => {
          const x = Float64Array.from(xs);
          walshHadamardRows(x, 1, x.length);
          const lhs = x.reduce((s, v) => s + v * v, 0);
          const rhs = xs.reduce((s, v) => s + v * v, 0) * xs.length;
          expectAllClose([lhs], [rhs], { rtol: 1e-10, atol: 1e-6 });
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
