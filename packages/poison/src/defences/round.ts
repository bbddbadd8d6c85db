/**
 * 'round': ŷ rounded to multiples of 10^−k that still sum to 1 (largest
 * remainder), so the label is kept unless ŷ's top two are within one unit.
 */
import { defineDefence } from './defence.js';

/**
 * ŷ rounded to multiples of 10^−decimals that still sum to 1 (largest remainder:
 * round down, then give the missing units to the largest remainders, ties to the
 * larger probability).
 */
export function roundOnSimplex(y: Float64Array, decimals: number): Float64Array {
  const units = 10 ** decimals;
  const floors = Array.from(y, (v) => Math.floor(v * units + 1e-9));
  let missing = units - floors.reduce((a, b) => a + b, 0);
  const order = Array.from(y, (_, i) => i).sort(
    (i, j) => y[j]! * units - floors[j]! - (y[i]! * units - floors[i]!) || y[j]! - y[i]!,
  );
  for (const i of order) {
    if (missing <= 0) break;
    floors[i]!++;
    missing--;
  }
  return Float64Array.from(floors, (f) => f / units);
}

export const round = defineDefence({
  name: 'round',
  order: 6,
  summary: 'ŷ rounded to k decimals on the simplex (largest remainder)',
  armName: 'rounding',
  keepsLabel: false,
  randomised: false,
  strength: {
    symbol: 'k',
    meaning: 'decimals kept (answers rounded to multiples of 10^−k on the simplex)',
    min: 0,
    max: 9,
    integer: true,
    fallback: 1,
    cost: 'down',
  },
  strengthOptions: (s) => ({ decimals: s }),
  needs: [],
  create: (ctx) => {
    const k = ctx.options.decimals ?? 1;
    return {
      answer: (y) => ({
        served: ctx.view === 'simplex' ? roundOnSimplex(y, k) : y.map((v) => Math.round(v * 10 ** k) / 10 ** k),
      }),
    };
  },
});
