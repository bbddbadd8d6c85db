import { createCpuBackend, createRng, matrix, type Matrix } from '@rgdl/gpu-kernels';
import { expectAllClose } from '@rgdl/vitest-config/close';
import { createDeepRbm, exactStep, productDistribution, upwardField, type RbmLayer } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { couplingsFromDistribution, projectCouplings } from './couplings.js';
import { KC_2D, decimateChain, majorityBlocks, sampleIsingChain, wolffIsing2d } from './ising.js';
import { allStates } from '@rgdl/rbm';
import {
  allPairs,
  chainNearestNeighbours,
  completeBasis,
  evaluateOperators,
  latticeOperators,
  operatorSet,
  singles,
  union,
} from './operators.js';
import { eigenAnalysis } from './spectrum.js';
import { exactStabilityMatrix, jackknifeError, mcrgStabilityMatrix } from './stability.js';
import { sampleLayerPairs } from './flow.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

/** Source distribution q_1(h_1 | x) of a random first layer. */
function sourceOf(net: { layers: readonly RbmLayer[] }, x: Matrix<Float64Array>): Float64Array {
  return productDistribution(be.sigmoid(upwardField(be, net.layers[0]!, x))).data;
}

describe('exact stability matrix', () => {
  const net = createDeepRbm([5, 4, 3], createRng(4), { weightScale: 0.9 });
  const x = matrix(1, 5, Float64Array.from([1, 0, 0, 1, 1]));
  const q1 = sourceOf(net, x);

  it('equals finite differences ∂g_α^{(2)}/∂g_β^{(1)} of the exact couplings (complete bases)', () => {
    const src = completeBasis(4);
    const tgt = completeBasis(3);
    const T = exactStabilityMatrix(be, net.layers[1]!, q1, 'up', src, tgt);
    expect([T.rows, T.cols]).toEqual([7, 15]);
    const ops = evaluateOperators(src, allStates(4));
    const couplingsAt = (delta: number, beta: number) => {
      // perturb H^{(1)} by δ·O_β: q ∝ q_1 e^{−δ O_β}
      const q = q1.map((p, s) => p * Math.exp(-delta * ops.data[s * 15 + beta]!));
      const z = q.reduce((a, b) => a + b, 0);
      const q2 = exactStep(
        be,
        net.layers[1]!,
        matrix(
          1,
          16,
          q.map((v) => v / z),
        ),
        'up',
      );
      return projectCouplings(couplingsFromDistribution(q2.data, be), tgt);
    };
    const h = 1e-5;
    for (const beta of [0, 3, 7, 14]) {
      const up = couplingsAt(h, beta);
      const down = couplingsAt(-h, beta);
      for (let a = 0; a < 7; a++) expect(T.data[a * 15 + beta]).toBeCloseTo((up[a]! - down[a]!) / (2 * h), 6);
    }
  });

  it('is ≈ the identity on singles for a layer that copies its input', () => {
    const c = 30;
    const copy: RbmLayer = {
      W: matrix(
        4,
        4,
        Float64Array.from({ length: 16 }, (_, k) => (k % 5 === 0 ? c : 0)),
      ),
      a: new Float64Array(4).fill(-c / 2),
      b: new Float64Array(4),
    };
    const T = exactStabilityMatrix(be, copy, q1, 'up', singles(4), singles(4));
    expectAllClose(T.data, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], { rtol: 0, atol: 1e-5 });
  });

  it('generation direction: agrees with MCRG from joint samples within 5 jackknife σ', () => {
    const y = matrix(1, 3, Float64Array.from([0, 1, 0]));
    const qTilde = productDistribution(
      be.sigmoid({ rows: 1, cols: 4, data: be.matmulAddBias(y, net.layers[1]!.W, net.layers[1]!.b).data }),
    ).data;
    const src = completeBasis(4);
    const tgt = completeBasis(5);
    const T = exactStabilityMatrix(be, net.layers[0]!, qTilde, 'down', src, tgt);
    const pairs = sampleLayerPairs(be, net, y, 'down', 1, 200000, createRng(8));
    const r = mcrgStabilityMatrix(be, { ...pairs, sourceOps: src, targetOps: tgt, blocks: 10 });
    let worst = 0;
    for (let i = 0; i < T.data.length; i++)
      worst = Math.max(worst, Math.abs(r.T.data[i]! - T.data[i]!) / (r.stderr.data[i]! + 1e-3));
    expect(worst).toBeLessThan(5);
  }, 60_000);

  it('classification direction: exact and MCRG agree within 5 jackknife σ (complete bases, 4 → 3 units)', () => {
    const T = exactStabilityMatrix(be, net.layers[1]!, q1, 'up', completeBasis(4), completeBasis(3));
    const pairs = sampleLayerPairs(be, net, x, 'up', 2, 200000, createRng(9));
    const r = mcrgStabilityMatrix(be, {
      ...pairs,
      sourceOps: completeBasis(4),
      targetOps: completeBasis(3),
      blocks: 10,
    });
    let worst = 0;
    for (let i = 0; i < T.data.length; i++)
      worst = Math.max(worst, Math.abs(r.T.data[i]! - T.data[i]!) / (r.stderr.data[i]! + 1e-3));
    expect(worst).toBeLessThan(5);
  }, 60_000);
});

describe('MCRG on reference systems (no network)', () => {
  it('1D Ising decimation by 2: dK′/dK = tanh 2K within 4σ', () => {
    const K = 0.7;
    const chain = sampleIsingChain(33, K, 50000, createRng(1));
    const r = mcrgStabilityMatrix(be, {
      source: chain,
      target: decimateChain(chain),
      sourceOps: chainNearestNeighbours(33, { summed: true }),
      targetOps: chainNearestNeighbours(17, { summed: true }),
    });
    expect(r.stderr.data[0]!).toBeGreaterThan(0);
    expect(Math.abs(r.T.data[0]! - Math.tanh(2 * K))).toBeLessThan(4 * r.stderr.data[0]!);
  });

  it('2D Ising at K_c, 2×2 majority blocks on 16×16: thermal ≈ 2 and magnetic ≈ 3.67', () => {
    const L = 16;
    const conf = wolffIsing2d(L, KC_2D, 20000, createRng(2), { thermalise: 2000, every: 5 });
    const blocks = majorityBlocks(conf, L, 2, createRng(3));
    const leading = (shapes: Parameters<typeof latticeOperators>[1]) => {
      const r = mcrgStabilityMatrix(be, {
        source: conf,
        target: blocks,
        sourceOps: latticeOperators(L, shapes),
        targetOps: latticeOperators(L / 2, shapes),
      });
      return {
        value: eigenAnalysis(be, r.T).values[0]!.abs,
        error: jackknifeError(r.jackknife.map((t) => eigenAnalysis(be, t).values[0]!.abs)),
      };
    };
    const thermal = leading(['nn', 'nnn', 'plaquette']);
    const magnetic = leading(['magnetisation', 'threeSpin']);
    // measured: 1.955 ± 0.009 and 3.680 ± 0.002 (truncation error of 3 + 2 operators at the first level)
    expect(thermal.value).toBeGreaterThan(1.85);
    expect(thermal.value).toBeLessThan(2.05);
    expect(magnetic.value).toBeGreaterThan(3.6);
    expect(magnetic.value).toBeLessThan(3.75);
    expect(thermal.error).toBeLessThan(0.05);
  }, 60_000);
});

describe('MCRG moments of binary samples (f32 products of raw integer moments)', () => {
  it('operators: the singles/pairs fast path and its f32 output equal the general evaluation', () => {
    const rng = createRng(3);
    const samples = matrix(
      50,
      6,
      Float64Array.from({ length: 300 }, () => (rng.nextFloat() < 0.4 ? 1 : 0)),
    );
    const ops = union(singles(6), allPairs(6));
    const fast = evaluateOperators(ops, samples);
    const f32 = evaluateOperators(ops, samples, 'f32');
    expect(Array.from(f32.data)).toEqual(Array.from(fast.data));
    // the general path: the same monomials, one of them with a third unit so the fast path is off
    const general = evaluateOperators(operatorSet(6, [...ops.operators.map((o) => o.terms[0]!), [0, 1, 2]]), samples);
    for (let r = 0; r < 50; r++)
      for (let a = 0; a < ops.operators.length; a++)
        expect(general.data[r * (ops.operators.length + 1) + a]).toBe(fast.data[r * ops.operators.length + a]);
  });

  it('T from binary samples equals C_tt⁻¹ C_ts computed directly in f64 (1e-9), in several chunks', () => {
    const net = createDeepRbm([8, 10, 6], createRng(5), { weightScale: 0.8 });
    const x = matrix(
      1,
      8,
      Float64Array.from({ length: 8 }, (_, i) => i % 2),
    );
    const pairs = sampleLayerPairs(be, net, x, 'up', 2, 3000, createRng(6));
    const sourceOps = union(singles(10), allPairs(10));
    const targetOps = singles(6);
    const r = mcrgStabilityMatrix(be, { ...pairs, sourceOps, targetOps, blocks: 1, chunk: 700 });
    const Ot = evaluateOperators(targetOps, pairs.target);
    const Os = evaluateOperators(sourceOps, pairs.source);
    const n = Ot.rows;
    const nA = Ot.cols;
    const nB = Os.cols;
    const mean = (m: Matrix<Float64Array>, j: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += m.data[i * m.cols + j]!;
      return s / n;
    };
    const cov = (a: Matrix<Float64Array>, i: number, b: Matrix<Float64Array>, j: number) => {
      const ma = mean(a, i);
      const mb = mean(b, j);
      let s = 0;
      for (let k = 0; k < n; k++) s += (a.data[k * a.cols + i]! - ma) * (b.data[k * b.cols + j]! - mb);
      return s / n;
    };
    const ctt = matrix(nA, nA);
    const cts = matrix(nA, nB);
    for (let i = 0; i < nA; i++) {
      for (let j = 0; j < nA; j++) ctt.data[i * nA + j] = cov(Ot, i, Ot, j);
      for (let j = 0; j < nB; j++) cts.data[i * nB + j] = cov(Ot, i, Os, j);
    }
    let trace = 0;
    for (let i = 0; i < nA; i++) trace += ctt.data[i * nA + i]!;
    for (let i = 0; i < nA; i++) ctt.data[i * nA + i]! += (1e-9 * trace) / nA;
    expectAllClose(r.T.data, be.solve(ctt, cts).data, { rtol: 1e-9, atol: 1e-11 });
  });
});
