import { createCpuBackend, createRng, fromRows, rowViews } from '@rgdl/gpu-kernels';
import { noisyPrototypes } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { trainClone } from './clones.js';
import { argmax } from './constrain.js';

const be = createCpuBackend();
afterAll(() => be.dispose());

describe('knockoff clones on soft labels', () => {
  it('softmax regression and the MLP learn noisy prototypes from soft answers', () => {
    const train = noisyPrototypes({
      classes: 4,
      inputs: 20,
      examples: 400,
      flip: 0.1,
      rng: createRng(1),
      prototypeRng: createRng(9),
    });
    const test = noisyPrototypes({
      classes: 4,
      inputs: 20,
      examples: 200,
      flip: 0.1,
      rng: createRng(2),
      prototypeRng: createRng(9),
    });
    // soft answers: 0.7 on the true class, the rest spread evenly
    const soft = Array.from(train.labels, (c) => Float64Array.from({ length: 4 }, (_, j) => (j === c ? 0.7 : 0.1)));
    for (const kind of ['softmax', 'mlp'] as const) {
      const clone = trainClone(be, kind, train.x, fromRows(soft), { widths: [20, 4], seed: 3, epochs: 200 });
      const pred = rowViews(clone.predict(test.x));
      const acc = pred.filter((p, r) => argmax(p) === test.labels[r]).length / pred.length;
      expect(acc, kind).toBeGreaterThan(0.9);
      for (const p of pred) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    }
  });
});
