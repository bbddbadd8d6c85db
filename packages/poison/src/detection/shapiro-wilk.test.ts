import { describe, expect, it } from 'vitest';
import { normalQuantile } from './normal-quantile.js';
import { prepareShapiroWilk, shapiroWilkCoefficients, shapiroWilkW } from './shapiro-wilk.js';

describe('normalQuantile', () => {
  it('matches scipy.stats.norm.ppf (1.10.1) in every region of AS 241', () => {
    const cases: [number, number][] = [
      [1e-10, -6.361340902404056],
      [0.01, -2.3263478740408408],
      [0.3, -0.5244005127080409],
      [0.5, 0],
      [0.975, 1.959963984540054],
      [1 - 1e-12, 7.0344869100478356],
    ];
    for (const [p, want] of cases) expect(normalQuantile(p)).toBeCloseTo(want, 9);
    expect(() => normalQuantile(0)).toThrow(/\(0, 1\)/);
  });
});

describe('shapiroWilkW', () => {
  // scipy.stats.shapiro 1.10.1 (Royston's AS R94 in single precision, so 6 digits) on
  // exponential quantiles −ln(1 − (i − ½)/n), uniform quantiles (i − ½)/n and i² mod 17
  const reference: [number, number, number, number][] = [
    [3, 0.957432746887207, 1.0, 0.9795919060707092],
    [4, 0.9327030181884766, 0.9929119348526001, 0.9621240496635437],
    [5, 0.9166369438171387, 0.9867621660232544, 0.9668086171150208],
    [6, 0.9052173495292664, 0.9818894863128662, 0.9212637543678284],
    [7, 0.8965979218482971, 0.9780016541481018, 0.9111278057098389],
    [11, 0.8758897185325623, 0.9683912992477417, 0.8765420913696289],
    [12, 0.8725622296333313, 0.9668962955474854, 0.896979033946991],
    [20, 0.8563576936721802, 0.9603753089904785, 0.8969833850860596],
    [50, 0.8375864028930664, 0.9555822610855103, 0.8854517936706543],
    [200, 0.8237522840499878, 0.9546113610267639, 0.8831807971000671],
    [1000, 0.8180306553840637, 0.9548079371452332, 0.8839555978775024],
    [5000, 0.8163628578186035, 0.9549093842506409, 0.8838668465614319],
  ];
  it.each(reference)('n = %i agrees with scipy', (n, exponential, uniform, squares) => {
    // scipy sums in single precision: 5e-6 up to n = 200, 5e-5 beyond (its rounding, not ours)
    const digits = n > 200 ? 4 : 5;
    const i = Array.from({ length: n }, (_, k) => k + 1);
    expect(shapiroWilkW(i.map((k) => -Math.log(1 - (k - 0.5) / n)))).toBeCloseTo(exponential, digits);
    expect(shapiroWilkW(i.map((k) => (k - 0.5) / n))).toBeCloseTo(uniform, digits);
    expect(shapiroWilkW(i.map((k) => (k * k) % 17))).toBeCloseTo(squares, digits);
  });

  it('is invariant to order, shift and scale, near 1 on normal quantiles, and 1 with no spread', () => {
    const n = 300;
    const normal = Array.from({ length: n }, (_, k) => normalQuantile((k + 0.5) / n));
    expect(shapiroWilkW(normal)).toBeGreaterThan(0.999);
    const skewed = normal.map((z) => Math.exp(z));
    const w = shapiroWilkW(skewed);
    expect(w).toBeLessThan(0.8);
    expect(shapiroWilkW(skewed.map((v) => 3 * v + 7).reverse())).toBeCloseTo(w, 12);
    expect(shapiroWilkW([2, 2, 2, 2])).toBe(1);
  });

  it('has antisymmetric coefficients of unit length, and refuses sizes it does not cover', () => {
    for (const n of [3, 4, 5, 6, 101]) {
      const a = shapiroWilkCoefficients(n);
      for (let i = 0; i < n; i++) expect(a[i]).toBeCloseTo(-a[n - 1 - i]!, 14);
      expect(a.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 3);
    }
    expect(() => shapiroWilkW([1, 2])).toThrow(/3 to 5000 samples/);
    expect(() => shapiroWilkW([1, 2, Number.NaN])).toThrow(/finite/);
  });
});

describe('shapiroWilkCoefficients cache', () => {
  it('returns the same coefficients from the cache, and after they were dropped past its budget', () => {
    const first = shapiroWilkCoefficients(1000);
    expect(shapiroWilkCoefficients(1000)).toBe(first); // a cache hit: the same array
    const copy = Float64Array.from(first);
    // 286 sizes from 3,000 to 4,998: about 1.1 million numbers, past the 2^20 budget
    for (let n = 3000; n < 5000; n += 7) shapiroWilkCoefficients(n);
    const again = shapiroWilkCoefficients(1000);
    expect(again).not.toBe(first); // dropped and recomputed
    expect(Array.from(again)).toEqual(Array.from(copy));
  });
});

describe('prepareShapiroWilk', () => {
  it("caches every size a client's distances pass through at the defaults, and stops at the budget", () => {
    expect(prepareShapiroWilk(100, 1000)).toBe(901);
    const a = shapiroWilkCoefficients(777);
    expect(shapiroWilkCoefficients(777)).toBe(a);
    // 4,000 … 5,000 holds 4.5 million numbers: only the first 254 sizes fit 2^20
    expect(prepareShapiroWilk(4000, 5000)).toBe(254);
  });
});
