import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { cloneDeepRbm, createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { depthStudy } from './depth-study.js';
import { adversarialPerturbation, poisonDirection } from './directions.js';
import { exactKl } from './exact.js';
import { classificationFisher, generationFisher, topEigenpairs } from './fisher.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

const net = createDeepRbm([5, 4, 4, 3], createRng(2), { weightScale: 1 });
const y = Float64Array.from([0.2, 0.7, 0.1]);
const x = Float64Array.from([1, 0, 1, 1, 0]);

describe('generation Fisher information F̃(y) (eq. 20)', () => {
  const exact = generationFisher(be, net, y, { method: 'exact' }).F;

  it('the RG chain rule with complete bases and exact T̃ equals the exact FIM to 1e-8', () => {
    const chain = generationFisher(be, net, y, { method: 'rg-chain', stability: 'exact', operators: 'complete' }).F;
    expectAllClose(chain.data, exact.data, { rtol: 0, atol: 1e-8 });
  });

  it('equals the second derivative of D_KL(q̃_0(·|y) ‖ q̃_0(·|y′)) by finite differences', () => {
    const h = 1e-3;
    const kl = (d: number[]) => exactKl(be, net, y, y.map((v, i) => v + d[i]!), 'down');
    for (let i = 0; i < 3; i++) {
      for (let j = i; j < 3; j++) {
        let fd: number;
        if (i === j) {
          const e = [0, 0, 0];
          e[i] = h;
          fd = (kl(e) + kl(e.map((v) => -v))) / (h * h);
        } else {
          const pp = [0, 0, 0], pm = [0, 0, 0];
          pp[i] = h; pp[j] = h; pm[i] = h; pm[j] = -h;
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
    const Fc = generationFisher(be, scaled, y.map((v) => c * v), { method: 'exact' }).F;
    expectAllClose(Fc.data, Array.from(exact.data, (v) => v / (c * c)), { rtol: 1e-10, atol: 1e-15 });
  });

  it('Monte Carlo agrees with exact within 4 standard errors', () => {
    const mc = generationFisher(be, net, y, { method: 'monte-carlo', samples: 20000, pool: 8192, batches: 8, rng: createRng(5) });
    for (let i = 0; i < 9; i++) expect(Math.abs(mc.F.data[i]! - exact.data[i]!)).toBeLessThan(4 * mc.stderr!.data[i]! + 1e-6);
  }, 60_000);

  it('the chain rule with MCRG stability matrices (complete bases) is within 10% in Frobenius norm', () => {
    const m = generationFisher(be, net, y, { method: 'rg-chain', stability: 'mcrg', operators: 'complete', samples: 100000, rng: createRng(3) }).F;
    const diff = Math.hypot(...Array.from(m.data, (v, i) => v - exact.data[i]!));
    expect(diff / Math.hypot(...exact.data)).toBeLessThan(0.1);
  }, 60_000);
});

describe('classification Fisher information F(x) and adversarial directions', () => {
  it('Monte Carlo agrees with exact within 4 standard errors', () => {
    const exact = classificationFisher(be, net, x, { method: 'exact' }).F;
    expect([exact.rows, exact.cols]).toEqual([5, 5]);
    const mc = classificationFisher(be, net, x, { method: 'monte-carlo', pool: 20000, batches: 8, rng: createRng(6) });
    for (let i = 0; i < 25; i++) expect(Math.abs(mc.F.data[i]! - exact.data[i]!)).toBeLessThan(4 * mc.stderr!.data[i]! + 1e-6);
  }, 60_000);

  it('the top eigenvector moves the class distribution more than a random direction of equal norm', () => {
    const r = adversarialPerturbation(be, net, Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5]), 0.3, { method: 'exact', controlRng: createRng(1) });
    expect(r.norm).toBeCloseTo(0.3, 10);
    expect(r.kl).toBeGreaterThan(r.randomKl);
    expect(r.eigenvalue).toBeGreaterThan(0);
  });
});

describe('poison direction and depth study', () => {
  it('poisonDirection is the top eigenvector with the KL-increasing sign', () => {
    const p = poisonDirection(be, net, y, { method: 'exact', probe: 0.2 });
    const F = generationFisher(be, net, y, { method: 'exact' }).F;
    const top = topEigenpairs(be, F, 1);
    expect(p.eigenvalue).toBeCloseTo(top.values[0]!, 12);
    expect(Math.abs(p.direction.reduce((s, v, i) => s + v * top.vectors[0]![i]!, 0))).toBeCloseTo(1, 10);
    expect(p.signRule).toBe('kl');
    const kl = (sgn: number) => exactKl(be, net, y, y.map((v, i) => v + sgn * 0.2 * p.direction[i]!), 'down');
    expect(kl(1)).toBeGreaterThanOrEqual(kl(-1));
    // second order: D_KL ≈ ½ λ₁ ε² for small ε (third-order term: 0.5% at ε = 0.01)
    const eps = 1e-2;
    const d = exactKl(be, net, y, y.map((v, i) => v + eps * p.direction[i]!), 'down');
    expectAllClose([d], [0.5 * p.eigenvalue * eps * eps], { rtol: 0.02, atol: 0 });
  });

  it('depthStudy reports λ₁ and ε = √(2c/λ₁) per depth', () => {
    const nets = [1, 2, 3].map((N) => createDeepRbm([5, ...new Array(N - 1).fill(4), 3], createRng(N), { weightScale: 1 }));
    const ys = [0, 1, 2].map((c) => Float64Array.from([0, 1, 2], (j) => (j === c ? 1 : 0)));
    const rows = depthStudy(be, nets, ys, 0.01, { method: 'exact' });
    expect(rows.map((r) => r.depth)).toEqual([1, 2, 3]);
    for (const r of rows) expect(r.epsilonForKl).toBeCloseTo(Math.sqrt(0.02 / r.topEigenvalueMean), 12);
  });

  it('rejects inputs of the wrong width', () => {
    expect(() => generationFisher(be, net, Float64Array.from([1, 0]), { method: 'exact' })).toThrow(/2 entries/);
    expect(() => classificationFisher(be, net, x, { method: 'rg-chain' })).toThrow(/exact and monte-carlo/);
    expect(() => generationFisher(be, createDeepRbm([30, 20, 3], createRng(1)), y, { method: 'exact' })).toThrow(/up to 16 units/);
  });
});
