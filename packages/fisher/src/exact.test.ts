import { createCpuBackend } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { cloneDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { exactKl } from './exact.js';
import { generationFisher } from './fisher.js';
import { net, y } from './fixtures.test-support.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('generation Fisher information F̃(y) (eq. 20)', () => {
  const exact = generationFisher(be, net, y, { method: 'exact' }).F;
  it('equals the second derivative of D_KL(q̃_0(·|y) ‖ q̃_0(·|y′)) by finite differences', () => {
    const h = 1e-3;
    const kl = (d: number[]) =>
      exactKl(
        be,
        net,
        y,
        y.map((v, i) => v + d[i]!),
        'down',
      );
    for (let i = 0; i < 3; i++) {
      for (let j = i; j < 3; j++) {
        let fd: number;
        if (i === j) {
          const e = [0, 0, 0];
          e[i] = h;
          fd = (kl(e) + kl(e.map((v) => -v))) / (h * h);
        } else {
          const pp = [0, 0, 0],
            pm = [0, 0, 0];
          pp[i] = h;
          pp[j] = h;
          pm[i] = h;
          pm[j] = -h;
          fd = (kl(pp) + kl(pp.map((v) => -v)) - kl(pm) - kl(pm.map((v) => -v))) / (4 * h * h);
        }
        expect(fd).toBeCloseTo(exact.data[i * 3 + j]!, 6);
      }
    }
  });

  it('is symmetric positive semi-definite', () => {
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(exact.data[i * 3 + j]).toBe(exact.data[j * 3 + i]);
    expect(Math.min(...be.symmetricEigen(exact).values)).toBeGreaterThan(-1e-14);
  });

  it('scales as 1/c² under the reparametrisation y → c·y', () => {
    const c = 2.5;
    const scaled = cloneDeepRbm(net);
    const top = scaled.layers[2]!.W.data;
    for (let i = 0; i < top.length; i++) top[i]! /= c;
    const Fc = generationFisher(
      be,
      scaled,
      y.map((v) => c * v),
      { method: 'exact' },
    ).F;
    expectAllClose(
      Fc.data,
      Array.from(exact.data, (v) => v / (c * c)),
      { rtol: 1e-10, atol: 1e-15 },
    );
  });
});
