import { createCpuBackend, createRng, matrix, type Matrix } from '@rgdl/gpu-kernels';
import { noisyPrototypes } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { trainAttacker } from '../attacker.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('smoothing attacker', () => {
  it('spends exactly its budget: a quarter of the inputs, each asked three more times (again, shifted right, shifted down)', () => {
    const d = noisyPrototypes({
      classes: 3,
      inputs: 16,
      examples: 40,
      flip: 0.1,
      rng: createRng(1),
      prototypeRng: createRng(2),
    });
    const asked: Matrix<Float64Array>[] = [];
    // a service that answers the one-hot of the first pixel: enough to count and inspect the queries
    const ask = (q: Matrix<Float64Array>) => {
      asked.push(q);
      const a = matrix(q.rows, 3);
      for (let r = 0; r < q.rows; r++) a.data[r * 3 + (q.data[r * 16]! > 0 ? 1 : 0)] = 1;
      return a;
    };
    trainAttacker(be, 'smoothing', d.x, d.y, { widths: [16, 4, 3], seed: 1, ask });
    expect(asked.map((q) => q.rows)).toEqual([10, 10, 10]);
    expect(10 + asked.reduce((a, q) => a + q.rows, 0)).toBe(d.x.rows);
    // the repeat is the input itself; the shifts move every pixel by one column, then one row (4 × 4 images)
    expect(Array.from(asked[0]!.data)).toEqual(Array.from(d.x.data.slice(0, 10 * 16)));
    const x0 = d.x.data.slice(0, 16);
    expect(asked[1]!.data[5]).toBe(x0[4]);
    expect(asked[1]!.data[4]).toBe(0);
    expect(asked[2]!.data[5]).toBe(x0[1]);
    expect(asked[2]!.data[1]).toBe(0);
  });
});
