import { describe, expect, it } from 'vitest';
import { NumericalError, requireFinite } from './errors.js';

describe('requireFinite', () => {
  it('passes finite values and names the quantity, value and index of the first bad one', () => {
    expect(() => requireFinite('λ', [1, 2, -3e300])).not.toThrow();
    expect(() => requireFinite('the FIM eigenvalues', Float64Array.of(1, Number.NaN, Infinity))).toThrow(
      new NumericalError('the FIM eigenvalues is not finite (NaN at index 1); nothing was written'),
    );
    expect(() => requireFinite('trace', Number.POSITIVE_INFINITY, 'stopped')).toThrow(
      /^trace is not finite \(Infinity\); stopped$/,
    );
  });
});
