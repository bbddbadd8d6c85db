import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { createDeepRbm, downwardField } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { amplificationCell, meanFieldGenerationJacobian } from './amplification.js';
import { generationFisher, topEigenpairs } from './fisher.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

/** Mean-field generation E_MF[x](y): σ(W_kᵀ h + b_k) from the top down. */
function meanFieldX(net: ReturnType<typeof createDeepRbm>, y: Float64Array): Float64Array {
  let h = matrix(1, y.length, y);
  for (let k = net.layers.length - 1; k >= 0; k--) h = be.sigmoid(downwardField(be, net.layers[k]!, h));
  return h.data;
}

describe('amplification map cell', () => {
  const net = createDeepRbm([6, 5, 5, 4], createRng(3), { weightScale: 2 });
  const y = Float64Array.of(0.2, 0.9, 0.4, 0.1);

  it('the mean-field generation Jacobian matches central finite differences', () => {
    const { J, factors } = meanFieldGenerationJacobian(be, net, y);
    expect([J.rows, J.cols]).toEqual([4, 6]);
    expect(factors).toHaveLength(3);
    const h = 1e-6;
    const fd = new Float64Array(4 * 6);
    for (let c = 0; c < 4; c++) {
      const up = meanFieldX(
        net,
        y.map((v, i) => (i === c ? v + h : v)),
      );
      const down = meanFieldX(
        net,
        y.map((v, i) => (i === c ? v - h : v)),
      );
      for (let i = 0; i < 6; i++) fd[c * 6 + i] = (up[i]! - down[i]!) / (2 * h);
    }
    expectAllClose(J.data, fd, { rtol: 1e-6, atol: 1e-9 });
  });

  it('exact cells: λ₁ is generationFisher’s, the bound holds, and depth 1 retains everything', () => {
    const ys = [y, Float64Array.of(1, 0, 0, 0)];
    const cell = amplificationCell(be, net, ys, { samples: 100, pool: 64, batches: 2, seed: 1 });
    expect(cell.method).toBe('exact');
    const lambdas = ys.map((v) => topEigenpairs(be, generationFisher(be, net, v, { method: 'exact' }).F, 1).values[0]!);
    expect(cell.lambda).toBeCloseTo((lambdas[0]! + lambdas[1]!) / 2, 12);
    expect(cell.lambdaError).toBe(0);
    expect(cell.maxExcess).toBeLessThanOrEqual(1e-10 * cell.lambdaTop);
    expect(cell.retention).toBeLessThanOrEqual(1);
    expect(cell.layerNorms).toHaveLength(3);
    // ‖J‖₂ ≤ Π ‖factor‖₂ (submultiplicativity)
    expect(cell.jacobianNorm).toBeLessThanOrEqual(cell.layerNorms.reduce((a, b) => a * b, 1) * (1 + 1e-12));
    const one = amplificationCell(be, createDeepRbm([6, 4], createRng(4), { weightScale: 2 }), ys, {
      samples: 100,
      pool: 64,
      batches: 2,
      seed: 1,
    });
    expect(one.retention).toBeCloseTo(1, 12);
    // stability matrices between hidden levels: none at depth 1; two layers at depth 3, products start at the first
    expect(one.stability.generation.layers).toEqual([]);
    for (const dir of ['generation', 'classification'] as const) {
      const st = cell.stability[dir];
      expect(st.layers).toHaveLength(2);
      expect(st.products[0]).toBeCloseTo(st.layers[0]!, 12);
      expect(st.products[1]!).toBeLessThanOrEqual(st.layers[0]! * st.layers[1]! * (1 + 1e-12));
    }
  });

  it('a cell too wide to enumerate samples F̃ by Gibbs (λ₁ with its jackknife error), within the top-layer bound', () => {
    const wide = createDeepRbm([24, 20, 10], createRng(4), { weightScale: 1 });
    const ys = [0, 1].map((c) => Float64Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0)));
    const cell = amplificationCell(be, wide, ys, { samples: 400, pool: 64, batches: 4, seed: 5 });
    expect(cell.method).toBe('gibbs');
    expect(cell.lambdaError).toBeGreaterThan(0);
    expect(cell.lambdaError).toBeLessThan(0.2 * cell.lambda);
    // F̃ ≼ F_top (data processing): the sampled λ₁ stays below the top layer's within its error
    expect(cell.lambda).toBeLessThan(cell.lambdaTop + 3 * cell.lambdaError);
    expect(
      amplificationCell(be, wide, ys, { method: 'monte-carlo', samples: 200, pool: 64, batches: 2, seed: 5 }).method,
    ).toBe('monte-carlo');
  });
});
