import { describe, expect, it } from 'vitest';
import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { trainAttacker } from '../attacker.js';
import { argmax } from '../constrain.js';
import { implausibleRows } from './cleaned.js';
import { mapRows, oneHotOf } from './attacker.js';

const be = createCpuBackend({ threads: 1 });
// 800 inputs of 30 pixels-like features, answered by a softmax teacher over 6 classes (a victim an MLP can learn)
const rows = 800;
const n0 = 30;
const K = 6;
const rng = createRng(5);
const W = Array.from({ length: K * n0 }, () => rng.nextGaussian());
const x = matrix(rows, n0);
const served = matrix(rows, K);
for (let r = 0; r < rows; r++) {
  for (let j = 0; j < n0; j++) x.data[r * n0 + j] = rng.nextFloat();
  const z = Array.from({ length: K }, (_, c) =>
    W.slice(c * n0, (c + 1) * n0).reduce((a, w, j) => a + 2 * w * (x.data[r * n0 + j]! - 0.5), 0),
  );
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  e.forEach((v, c) => (served.data[r * K + c] = v / s));
}
// 1% of the answers carry a trigger-like wrong label: the class the teacher finds least likely, probabilities swapped
const flipped = Array.from({ length: 8 }, (_, i) => 13 + 97 * i);
const marked = mapRows(served, (row) => row.slice());
const wrongLabels = flipped.map((r) => {
  const row = marked.data.subarray(r * K, (r + 1) * K);
  const wrong = row.indexOf(Math.min(...row));
  const c = argmax(row);
  [row[c], row[wrong]] = [row[wrong]!, row[c]!];
  return wrong;
});
const options = { widths: [n0, 16, K], seed: 3 };

describe('cleaned-mlp-labels', () => {
  it('drops the trigger-like wrong labels by their out-of-fold rank, and few of the teacher’s own', () => {
    const found = implausibleRows(be, x, mapRows(marked, oneHotOf), options);
    const hits = found.filter((r) => flipped.includes(r)).length;
    // measured: all 8, and 29 of the 792 right labels (3.7%: what cleaning costs the attacker)
    expect(hits, `dropped ${found.join(',')}`).toBeGreaterThanOrEqual(7);
    expect(found.length - hits, `dropped ${found.join(',')}`).toBeLessThanOrEqual(40);
    // fewer than two rows a fold: nothing is dropped
    const few = matrix(7, n0, x.data.slice(0, 7 * n0));
    expect(implausibleRows(be, few, mapRows(matrix(7, K, marked.data.slice(0, 7 * K)), oneHotOf), options)).toEqual([]);
  });

  it('its clone gives the flipped inputs their wrong label less often than the plain labels-only MLP', () => {
    const agree = (attacker: 'mlp-labels' | 'cleaned-mlp-labels') => {
      const p = trainAttacker(be, attacker, x, marked, options).predict(x);
      return flipped.filter((r, i) => argmax(p.data.subarray(r * K, (r + 1) * K)) === wrongLabels[i]).length;
    };
    const plain = agree('mlp-labels');
    const cleaned = agree('cleaned-mlp-labels');
    expect(cleaned, `plain ${plain}, cleaned ${cleaned}`).toBeLessThan(plain);
  });
});
