import { createCpuBackend, createRng, fromRows, matrix, rowViews, type Matrix } from '@rgdl/gpu-kernels';
import { accuracy, noisyPrototypes } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { attackOnce, pickRows, querySubset, rowLabels, trainAttacker } from './attacker.js';
import { trainClone } from './clones.js';

const be = createCpuBackend();
afterAll(() => be.dispose());

const data = (examples: number, seed: number) =>
  noisyPrototypes({ classes: 4, inputs: 20, examples, flip: 0.15, rng: createRng(seed), prototypeRng: createRng(9) });

/** Soft answers that keep the true label but put most of the rest on one wrong class. */
function misleading(labels: Int32Array): Matrix<Float64Array> {
  const y = matrix(labels.length, 4);
  labels.forEach((c, r) => {
    y.data[r * 4 + c] = 0.5;
    y.data[r * 4 + ((c + 1) % 4)] = 0.45;
    y.data[r * 4 + ((c + 2) % 4)] = 0.05;
  });
  return y;
}

describe('the attacker', () => {
  const train = data(300, 1);
  const test = data(200, 2);
  const opts = { widths: [20, 4], seed: 3, epochs: 150 };

  it('labels-only attackers train on the one-hot argmax of the served answers', () => {
    const served = misleading(train.labels);
    const oneHot = fromRows(rowViews(served).map((a) => a.map((v) => (v === Math.max(...a) ? 1 : 0))));
    const viaAttacker = trainAttacker(be, 'softmax-labels', train.x, served, opts).predict(test.x);
    const direct = trainClone(be, 'softmax', train.x, oneHot, opts).predict(test.x);
    expect(Array.from(viaAttacker.data)).toEqual(Array.from(direct.data));
  });

  it('the adaptive attacker refits on one of soft, argmax or sharpened targets, and is deterministic', () => {
    const served = misleading(train.labels);
    const adaptive = trainAttacker(be, 'adaptive', train.x, served, opts).predict(test.x);
    const again = trainAttacker(be, 'adaptive', train.x, served, opts).predict(test.x);
    expect(Array.from(again.data)).toEqual(Array.from(adaptive.data));
    const soft = trainClone(be, 'softmax', train.x, served, opts).predict(test.x);
    const labels = trainAttacker(be, 'softmax-labels', train.x, served, opts).predict(test.x);
    const sharp = trainClone(
      be,
      'softmax',
      train.x,
      fromRows(
        rowViews(served).map((a) => {
          const s = a.reduce((x, v) => x + v * v, 0);
          return a.map((v) => (v * v) / s);
        }),
      ),
      opts,
    ).predict(test.x);
    const same = [soft, labels, sharp].filter((p) => p.data.every((v, i) => Math.abs(v - adaptive.data[i]!) < 1e-12));
    expect(same.length).toBeGreaterThanOrEqual(1);
    // whatever it chose, it is at least as good as the soft clone on these misleading answers
    expect(accuracy(adaptive, test.labels)).toBeGreaterThanOrEqual(accuracy(soft, test.labels) - 0.02);
  });

  it('querySubset is a seeded permutation prefix; attackOnce draws the same rows for every source', () => {
    const a = querySubset(50, 20, 7);
    expect(new Set(a).size).toBe(20);
    expect(a.every((i) => i >= 0 && i < 50)).toBe(true);
    expect(querySubset(50, 20, 7)).toEqual(a);
    expect(querySubset(50, 20, 8)).not.toEqual(a);
    expect(querySubset(50, 50, 7).slice(0, 20)).toEqual(a);
    const picked = pickRows(train.x, [3, 1]);
    expect(Array.from(picked.data.subarray(0, 20))).toEqual(Array.from(train.x.data.subarray(60, 80)));
    // the same seed and budget: two sources with identical answers give identical clones
    const served = misleading(train.labels);
    const p1 = attackOnce(be, 'softmax', train.x, served, 100, 4, [20, 4]).predict(test.x);
    const p2 = attackOnce(
      be,
      'softmax',
      train.x,
      matrix(served.rows, 4, Float64Array.from(served.data)),
      100,
      4,
      [20, 4],
    ).predict(test.x);
    expect(Array.from(p1.data)).toEqual(Array.from(p2.data));
    expect(
      rowLabels(
        fromRows([
          [0.1, 0.9],
          [0.7, 0.3],
        ]),
      ),
    ).toEqual([1, 0]);
  });
});
