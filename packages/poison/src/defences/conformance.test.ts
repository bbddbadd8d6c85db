/**
 * The conformance suite every registered defence passes (as scikit-learn's
 * check_estimator does for its estimators): answers on the simplex, the label
 * kept where the descriptor says so, one answer per query whatever the batching,
 * a defender's cost that moves with the strength the way the descriptor says,
 * and a descriptor whose strength range holds its default.
 */
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createRng, fromRows, matrix, rowViews, type Matrix } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { argmax } from '../constrain.js';
import { classPoisonDirections, createService, DEFENCE_REGISTRY, DEFENCES, type DefenceName } from '../defences.js';
import { strengthOptions } from '../strength.js';

const be = createCpuBackend({ threads: 1 });
const net = createDeepRbm([16, 6, 4], createRng(3), { weightScale: 2 });
const directions = classPoisonDirections(be, net, { fisher: { samples: 300, batches: 2 }, seed: 1 });
const rng = createRng(11);
/** Half sparse binary inputs (the reference's distribution), half dense ones (out of it). */
const inputs: Matrix<Float64Array> = fromRows(
  Array.from({ length: 48 }, (_, i) =>
    Array.from({ length: 16 }, () => (rng.nextFloat() < (i % 2 === 0 ? 0.25 : 0.8) ? 1 : 0)),
  ),
);
const reference = fromRows(
  Array.from({ length: 200 }, () => Array.from({ length: 16 }, () => (rng.nextFloat() < 0.25 ? 1 : 0))),
);

/** Three strengths in the defence's range, increasing (or [0] for defences without one). */
function strengths(name: DefenceName): number[] {
  const st = DEFENCE_REGISTRY.find((d) => d.name === name)!.strength;
  if (st === null) return [0];
  if (st.integer) return [st.min, st.min + 1, st.min + 2];
  const hi = Math.min(st.max, name === 'reverse-sigmoid' ? 1 : name === 'adaptive-misinformation' ? 0.5 : 0.3);
  return [hi / 4, hi / 2, hi];
}

const service = (name: DefenceName, s: number) =>
  createService(be, net, { defence: name, seed: 1, directions, reference, ...strengthOptions(name, s) });

function meanL1(name: DefenceName, s: number): number {
  const b = service(name, s).answer(inputs);
  let l1 = 0;
  for (let i = 0; i < b.clean.data.length; i++) l1 += Math.abs(b.served.data[i]! - b.clean.data[i]!);
  return l1 / inputs.rows;
}

describe.each(DEFENCES)('defence %s', (name) => {
  const d = DEFENCE_REGISTRY.find((x) => x.name === name)!;

  it('has a sound descriptor (strength range holds the default; options for it)', () => {
    expect(d.summary.length).toBeGreaterThan(5);
    expect(d.armName.length).toBeGreaterThan(2);
    if (d.strength !== null) {
      expect(d.strength.min).toBeLessThanOrEqual(d.strength.fallback);
      expect(d.strength.fallback).toBeLessThanOrEqual(d.strength.max);
      expect(Object.keys(d.strengthOptions(d.strength.fallback)).length).toBeGreaterThan(0);
    }
  });

  it('answers on the simplex, and keeps the label where it says it does', () => {
    for (const s of strengths(name)) {
      const b = service(name, s).answer(inputs);
      const served = rowViews(b.served);
      rowViews(b.clean).forEach((y, r) => {
        const a = served[r]!;
        expect(
          a.every((v) => v >= 0 && v <= 1 + 1e-12),
          `${name} ${s} row ${r}`,
        ).toBe(true);
        expect(
          a.reduce((p, q) => p + q, 0),
          `${name} ${s} row ${r}`,
        ).toBeCloseTo(1, 9);
        if (d.keepsLabel) expect(argmax(a), `${name} ${s} row ${r}`).toBe(argmax(y));
      });
    }
  });

  it.runIf(!d.randomised)('gives one answer per query, whatever the batch it comes in', () => {
    const s = strengths(name).at(-1)!;
    const whole = service(name, s).answer(inputs).served;
    const alone = service(name, s);
    rowViews(inputs).forEach((x, r) => {
      const one = alone.answer(matrix(1, 16, Float64Array.from(x))).served.data;
      expect(Array.from(one), `${name} row ${r}`).toEqual(Array.from(whole.data.subarray(r * 4, r * 4 + 4)));
    });
  });

  it.runIf(d.strength !== null)('has a defender cost that moves with its strength as declared', () => {
    const costs = strengths(name).map((s) => meanL1(name, s));
    const dir = d.strength!.cost === 'up' ? 1 : -1;
    for (let k = 1; k < costs.length; k++)
      expect(dir * (costs[k]! - costs[k - 1]!), `${name}: ${costs}`).toBeGreaterThanOrEqual(-1e-9);
    expect(dir * (costs.at(-1)! - costs[0]!), `${name}: ${costs}`).toBeGreaterThan(0);
  });
});

describe('the registry', () => {
  it('names every defence once, and every list derives from it', () => {
    expect(new Set(DEFENCES).size).toBe(DEFENCES.length);
    expect(DEFENCES).toEqual(DEFENCE_REGISTRY.map((d) => d.name));
    expect(DEFENCES).toContain('rounded'); // added as one module
  });
});
