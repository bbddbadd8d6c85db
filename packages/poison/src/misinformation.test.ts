import { createCpuBackend, createRng, fromRows, rowViews, type Matrix } from '@rgdl/gpu-kernels';
import { createDeepRbm, noisyPrototypes, pretrainGreedy } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { argmax } from './constrain.js';
import { createService } from './defences.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('adaptive misinformation', () => {
  it("flags noise as out of distribution by the victim's own bottom RBM and leaves in-distribution queries mostly alone", () => {
    const data = (examples: number, seed: number) =>
      noisyPrototypes({
        classes: 4,
        inputs: 36,
        examples,
        flip: 0.1,
        rng: createRng(seed),
        prototypeRng: createRng(2),
      });
    const train = data(400, 1);
    const held = data(200, 3);
    const net = createDeepRbm([36, 16, 4], createRng(4), { weightScale: 0.01 });
    pretrainGreedy(be, net, train.x, { epochs: 10, learningRate: 0.1, seed: 5 });
    // the top layer: weights that read the class prototypes off h₁ are not needed to test the score
    const service = createService(be, net, { defence: 'adaptive-misinformation', reference: train.x, quantile: 0.05 });
    const rng = createRng(9);
    const noise = fromRows(
      Array.from({ length: 200 }, () => Float64Array.from({ length: 36 }, () => (rng.nextFloat() < 0.5 ? 1 : 0))),
    );
    const answered = (inputs: Matrix<Float64Array>) => {
      const b = service.answer(inputs);
      return { served: rowViews(b.served), clean: rowViews(b.clean) };
    };
    const moved = (inputs: Matrix<Float64Array>) => {
      const b = answered(inputs);
      return (
        b.served.reduce((s, a, r) => s + a.reduce((t, v, j) => t + Math.abs(v - b.clean[r]![j]!), 0), 0) / inputs.rows
      );
    };
    const labelChanged = (inputs: Matrix<Float64Array>) => {
      const b = answered(inputs);
      return b.served.filter((a, r) => argmax(a) !== argmax(b.clean[r]!)).length / inputs.rows;
    };
    const inDist = moved(held.x);
    const ood = moved(noise);
    expect(ood).toBeGreaterThan(10 * inDist);
    expect(labelChanged(held.x)).toBeLessThan(0.15);
    // answers stay probability vectors
    const first20 = fromRows(rowViews(noise).slice(0, 20));
    for (const a of answered(first20).served) expect(a.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(() => createService(be, net, { defence: 'adaptive-misinformation' }).answer(first20)).toThrow(/reference/);
  });
});
