import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { createDeepRbm, noisyPrototypes, trainLayerwise } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { firstStepFisher, retention } from './bound.js';
import { classificationFisher, generationFisher } from './fisher.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('the data-processing bound F ≼ F_first', () => {
  it('depth 1: the end is the first step, so F̃ = F_top exactly', () => {
    const net = createDeepRbm([6, 4], createRng(1), { weightScale: 1.5 });
    const y = Float64Array.of(0.3, 0.9, 0.1, 0.5);
    expectAllClose(generationFisher(be, net, y, { method: 'exact' }).F.data, firstStepFisher(be, net, y, 'down').data, {
      rtol: 1e-10,
      atol: 1e-13,
    });
  });

  it('random nets of depth 2–4 and weight scales 0.25–8 (exact by enumeration): λ_max(F − F_first) ≤ 0, both directions', () => {
    let cases = 0;
    for (const widths of [
      [6, 5, 4],
      [5, 6, 6, 3],
      [4, 5, 5, 5, 4],
    ]) {
      for (const scale of [0.25, 1, 2, 8]) {
        for (const seed of [1, 2]) {
          const net = createDeepRbm(widths, createRng(100 * seed + Math.round(4 * scale)), { weightScale: scale });
          const rng = createRng(seed);
          const y = Float64Array.from({ length: widths[widths.length - 1]! }, () => rng.nextFloat());
          const x = Float64Array.from({ length: widths[0]! }, () => (rng.nextFloat() < 0.5 ? 1 : 0));
          for (const [F, Ff] of [
            [generationFisher(be, net, y, { method: 'exact' }).F, firstStepFisher(be, net, y, 'down')],
            [classificationFisher(be, net, x, { method: 'exact' }).F, firstStepFisher(be, net, x, 'up')],
          ] as const) {
            const r = retention(be, F, Ff);
            expect(r.maxExcess, `${widths} β=${scale} seed ${seed}`).toBeLessThanOrEqual(
              1e-10 * Math.max(1, r.lambdaFirst),
            );
            expect(r.ratio).toBeLessThanOrEqual(1 + 1e-10);
            expect(r.ratio).toBeGreaterThanOrEqual(0);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(48);
  });

  it('a trained net (eq. 14 on noisy prototypes) obeys it too, and its deeper layers lose information (r < 1)', () => {
    const data = noisyPrototypes({
      classes: 4,
      inputs: 8,
      examples: 300,
      flip: 0.1,
      rng: createRng(3),
      prototypeRng: createRng(4),
    });
    const net = createDeepRbm([8, 6, 6, 4], createRng(5), { weightScale: 0.1 });
    trainLayerwise(be, net, data, { sweeps: 1, pretrainEpochs: 10, epochsPerLayer: 5, learningRate: 0.1, seed: 6 });
    for (let c = 0; c < 4; c++) {
      const y = Float64Array.from({ length: 4 }, (_, j) => (j === c ? 1 : 0));
      const r = retention(be, generationFisher(be, net, y, { method: 'exact' }).F, firstStepFisher(be, net, y, 'down'));
      expect(r.maxExcess).toBeLessThanOrEqual(1e-10 * r.lambdaFirst);
      expect(r.ratio).toBeLessThan(1);
    }
  });

  it('at width 64 the Monte Carlo F̃ stays below F_top within its sampling error', () => {
    const net = createDeepRbm([64, 64, 10], createRng(7), { weightScale: 1 });
    const y = Float64Array.from({ length: 10 }, (_, j) => (j === 3 ? 1 : 0));
    const mc = generationFisher(be, net, y, {
      method: 'monte-carlo',
      samples: 4000,
      pool: 2048,
      batches: 4,
      rng: createRng(8),
    });
    const r = retention(be, mc.F, firstStepFisher(be, net, y, 'down'));
    // a bound on the spectral norm of the estimation error: the Frobenius norm of 3 standard errors
    const err = 3 * Math.sqrt(mc.stderr!.data.reduce((a, v) => a + v * v, 0));
    expect(r.maxExcess).toBeLessThanOrEqual(err);
    expect(r.ratio).toBeLessThanOrEqual(1 + err / r.lambdaFirst);
  });
});
