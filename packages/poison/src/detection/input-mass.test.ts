/**
 * The input-mass detector on real digits: MNIST 14 × 14 re-binarised at ½ ± 0.2
 * (the surrogate 'threshold' family, which the victim's free energy calls
 * natural) against honest streams of the same split binarised at ½. The
 * class of each query is its true label here (a stand-in for the victim's
 * clean argmax, so that no victim is trained).
 */
import { createRng, type Matrix } from '@rgdl/gpu-kernels';
import { loadMnist, oneHot } from '@rgdl/rbm';
import { describe, expect, it } from 'vitest';
import { pickRows } from '../attacker.js';
import type { OodScorer } from '../misinformation.js';
import { surrogateQueries } from '../surrogate.js';
import { streamMaxima } from './calibrate.js';
import { inputMassProfile, queryFeatures } from './detectors.js';

describe('input mass on MNIST digits re-binarised at another threshold', () => {
  const reference = loadMnist({ size: 14, split: 'train', limit: 2000 });
  const binary = loadMnist({ size: 14, split: 'attacker' });
  const grey = loadMnist({ size: 14, split: 'attacker', binarise: false });
  const mass = inputMassProfile(reference.x, Array.from(reference.labels), 10);
  const scorer: OodScorer = { score: (x) => new Float64Array(x.rows), threshold: -1, temperature: 1 };
  const stream = (x: Matrix<Float64Array>, idx: number[]) => {
    const labels = idx.map((i) => binary.labels[i]!);
    return queryFeatures(x, oneHot(Int32Array.from(labels), 10), labels, scorer, mass);
  };
  const draw = (seed: number) => {
    const rng = createRng(seed);
    return Array.from({ length: 300 }, () => Math.floor(rng.nextFloat() * binary.x.rows));
  };

  it('scores every re-binarised stream above every honest one, within 300 queries', () => {
    const honest = Array.from({ length: 20 }, (_, s) => {
      const idx = draw(100 + s);
      return streamMaxima(stream(pickRows(binary.x, idx), idx), 10).maxima['input-mass']!;
    });
    const attacks = Array.from({ length: 5 }, (_, s) => {
      const idx = draw(200 + s);
      const x = surrogateQueries(pickRows(grey.x, idx), 'threshold', 0.5, createRng(300 + s));
      return streamMaxima(stream(x, idx), 10).maxima['input-mass']!;
    });
    expect(Math.min(...attacks)).toBeGreaterThan(Math.max(...honest));
    // measured: honest 1.4–3.3, re-binarised 10.1–14.6
    expect(Math.max(...honest)).toBeLessThan(5);
    expect(Math.min(...attacks)).toBeGreaterThan(6);
  });
});
