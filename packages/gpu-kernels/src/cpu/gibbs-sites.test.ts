import { afterAll, describe, expect, it } from 'vitest';
import type { GibbsSiteKernels } from '../backend.js';
import { jsGibbsSiteKernels } from '../kernels/gibbs-sites.js';
import { createRng } from '../random.js';
import { createGpuJsBackend } from '../gpujs/gpujs-backend.js';
import { createCpuBackend } from './cpu-backend.js';

const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('Gibbs site kernels', () => {
  const be = createCpuBackend({ threads: 1 });
  const unshared = createCpuBackend({ threads: 1, sharedMemory: false });
  afterAll(() => {
    be.dispose();
    unshared.dispose();
  });

  /** Layout: 0 W (m×n), 1 e^{W}, 2 e^{−W}, 3 u, 4 σ(u), 5 σ(−u), 6 chunk products, 7 x, 8 y. */
  function load(k: GibbsSiteKernels, m: number, n: number, seed: number) {
    const a = k.arrays();
    const rng = createRng(seed);
    for (let i = 0; i < m * n; i++) {
      const w = 3 * rng.nextGaussian();
      a[0]![i] = w;
      a[1]![i] = Math.exp(w);
      a[2]![i] = Math.exp(-w);
    }
    for (let i = 0; i < n; i++) {
      a[3]![i] = 4 * rng.nextGaussian();
      a[4]![i] = sigmoid(a[3]![i]!);
      a[5]![i] = sigmoid(-a[3]![i]!);
    }
    for (let i = 0; i < a[7]!.length; i++) a[7]![i] = rng.nextGaussian();
    for (let i = 0; i < a[8]!.length; i++) a[8]![i] = rng.nextGaussian();
  }

  for (const [m, n, chunk] of [
    [5, 197, 64],
    [3, 8, 3],
    [4, 1, 64],
    [6, 33, 7],
  ] as const) {
    it(`the WebAssembly kernels give the TypeScript kernels' bits (${m}×${n}, chunks of ${chunk}), shared and unshared memory`, () => {
      for (const backend of [be, unshared]) {
        const lengths = [m * n, m * n, m * n, n, n, n, Math.ceil(n / chunk), 3 * n + 5, 2 * n + 9];
        const w = backend.createGibbsSiteKernels!(lengths)!;
        const j = jsGibbsSiteKernels(lengths);
        expect(w).toBeDefined();
        load(w, m, n, 11);
        load(j, m, n, 11);
        const rng = createRng(5);
        for (let step = 0; step < 40; step++) {
          const row = Math.floor(rng.nextFloat() * m);
          const up = rng.nextFloat() < 0.5;
          const e = up ? 1 : 2;
          const cw = w.chunkProducts(e, row * n, n, chunk, 4, 5, 6);
          const cj = j.chunkProducts(e, row * n, n, chunk, 4, 5, 6);
          expect(cw).toBe(Math.ceil(n / chunk));
          expect(cj).toBe(cw);
          w.flip(n, up ? 1 : -1, 0, row * n, e, row * n, 3, 4, 5);
          j.flip(n, up ? 1 : -1, 0, row * n, e, row * n, 3, 4, 5);
          const alpha = rng.nextGaussian();
          w.axpy(n + 3, alpha, 7, step % 5, 8, step % 7);
          j.axpy(n + 3, alpha, 7, step % 5, 8, step % 7);
          const aw = w.arrays();
          const aj = j.arrays();
          for (const k of [3, 4, 5, 6, 8]) expect(Array.from(aw[k]!)).toEqual(Array.from(aj[k]!));
        }
        w.dispose();
      }
    });
  }

  it('a chunk product is the exponential of the summed softplus differences, and a flip moves the field', () => {
    const n = 50;
    const k = jsGibbsSiteKernels([n, n, n, n, n, n, 1, 0, 0]);
    load(k, 1, n, 3);
    const a = k.arrays();
    const u = Float64Array.from(a[3]!);
    expect(k.chunkProducts(1, 0, n, 64, 4, 5, 6)).toBe(1);
    let want = 0;
    for (let i = 0; i < n; i++) want += softplus(u[i]! + a[0]![i]!) - softplus(u[i]!);
    expect(Math.log(a[6]![0]!)).toBeCloseTo(want, 9);
    k.flip(n, 1, 0, 0, 1, 0, 3, 4, 5);
    for (let i = 0; i < n; i++) {
      expect(a[3]![i]).toBeCloseTo(u[i]! + a[0]![i]!, 12);
      expect(a[4]![i]).toBeCloseTo(sigmoid(a[3]![i]!), 9);
      expect(a[5]![i]).toBeCloseTo(sigmoid(-a[3]![i]!), 9);
    }
  });

  it('arrays start at zero even where an earlier block held values, and views follow a growing memory', () => {
    const first = be.createGibbsSiteKernels!([1000])!;
    first.arrays()[0]!.fill(7);
    first.dispose();
    const second = be.createGibbsSiteKernels!([1000, 3])!;
    expect(second.arrays()[0]!.every((v) => v === 0)).toBe(true);
    second.arrays()[1]!.set([1, 2, 3]);
    const before = second.arrays()[1]!.buffer.byteLength;
    // a large product grows the memory past the resident block
    const big = 700;
    const M = { rows: big, cols: big, data: new Float64Array(big * big).fill(1) };
    be.matmul(M, M);
    expect(second.arrays()[1]!.buffer.byteLength).toBeGreaterThan(before);
    second.axpy(3, 2, 1, 0, 1, 0);
    expect(Array.from(second.arrays()[1]!)).toEqual([3, 6, 9]);
    second.dispose();
    expect(() => second.arrays()).toThrow(/after dispose/);
  });

  it('a gpu.js backend has them too (the same module, made on first use, released with the backend)', async () => {
    const gpu = await createGpuJsBackend({ mode: 'cpu' });
    try {
      const lengths = [5 * 33, 5 * 33, 5 * 33, 33, 33, 33, 1, 40, 40];
      const w = gpu.createGibbsSiteKernels!(lengths)!;
      const j = jsGibbsSiteKernels(lengths);
      load(w, 5, 33, 2);
      load(j, 5, 33, 2);
      for (const k of [w, j]) {
        k.chunkProducts(1, 66, 33, 64, 4, 5, 6);
        k.flip(33, 1, 0, 66, 1, 66, 3, 4, 5);
        k.axpy(30, 0.7, 7, 3, 8, 2);
      }
      for (const k of [3, 4, 5, 6, 8]) expect(Array.from(w.arrays()[k]!)).toEqual(Array.from(j.arrays()[k]!));
      w.dispose();
    } finally {
      gpu.dispose();
    }
  });

  it('refuses lengths that are not whole numbers ≥ 0', () => {
    expect(() => jsGibbsSiteKernels([3, -1])).toThrow(RangeError);
    expect(() => be.createGibbsSiteKernels!([2.5])).toThrow(RangeError);
  });
});
