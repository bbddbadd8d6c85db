/**
 * One test suite run against every backend (tfjs-style): each backend must match
 * the naive f64 reference within tolerances set by its compute precision.
 */
import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { matrix, type FloatArray, type Matrix } from './matrix.js';
import { createRng, type Rng } from './random.js';
import { naiveMatmul } from './reference.js';

function randomMatrix(rng: Rng, rows: number, cols: number, f32 = false): Matrix<FloatArray> {
  const data = f32 ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = 2 * rng.nextFloat() - 1;
  return { rows, cols, data };
}

/** Shapes (m, n, k) chosen to straddle the 4×4 / 4×8 micro-tiles and the KC=256 / MC blocks. */
const SHAPES: readonly [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 5],
  [7, 1, 5],
  [5, 7, 1],
  [1, 64, 1],
  [64, 1, 64],
  [3, 5, 17],
  [13, 9, 33],
  [33, 65, 31],
  [130, 67, 257],
  [97, 129, 300],
];

export interface SuiteOptions {
  /** Compute precision: f32 backends get looser tolerances. */
  readonly precision: 'f64' | 'f32';
  /** Run the large (threaded / memory-growing) product; slow on interpreted modes. */
  readonly large?: boolean;
  /**
   * Transcendentals run in GLSL (gpu.js GL modes): GLSL ES 3.00 §4.5.1 allows
   * exp(x) an error of (3 + 2·|x|) ULP, so sigmoid's bound on [−40, 40] is that
   * many f32 ULPs of the result instead of 1e-6 relative.
   */
  readonly glslTranscendentals?: boolean;
}

export function describeBackendSuite(
  label: string,
  factory: () => Promise<Backend> | Backend,
  options: SuiteOptions,
): void {
  describe(`backend suite: ${label}`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await factory();
      await be.ready();
    });
    afterAll(() => be?.dispose());

    const f32Compute = options.precision === 'f32';
    const tolFor = (k: number, f32Data: boolean) =>
      f32Compute || f32Data ? { rtol: 1e-4, atol: 2e-6 * (k + 1) } : { rtol: 1e-12, atol: 1e-13 * (k + 1) };

    describe('matmul', () => {
      for (const [m, n, k] of SHAPES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            it(`${m}×${k} · ${k}×${n} transA=${transA} transB=${transB}`, () => {
              const rng = createRng(m * 1000 + n * 10 + k);
              const a = randomMatrix(rng, transA ? k : m, transA ? m : k);
              const b = randomMatrix(rng, transB ? n : k, transB ? k : n);
              const c = be.matmul(a, b, { transA, transB });
              expect([c.rows, c.cols]).toEqual([m, n]);
              expect(c.data).toBeInstanceOf(Float64Array);
              expectAllClose(c.data, naiveMatmul(a, b, { transA, transB }).data, tolFor(k, false));
            });
          }
        }
      }

      it('Float32Array inputs give Float32Array outputs within f32 tolerance', () => {
        const rng = createRng(7);
        const a = randomMatrix(rng, 37, 71, true);
        const b = randomMatrix(rng, 71, 45, true);
        const c = be.matmul(a, b);
        expect(c.data).toBeInstanceOf(Float32Array);
        expectAllClose(c.data, naiveMatmul(a, b).data, tolFor(71, true));
        const ct = be.matmul(b, a, { transA: true, transB: true });
        expectAllClose(ct.data, naiveMatmul(b, a, { transA: true, transB: true }).data, tolFor(71, true));
      });

      if (options.large !== false) {
        it('large product 300×280·280×333 (threads, memory growth), then a smaller one', () => {
          const rng = createRng(11);
          const a = randomMatrix(rng, 300, 280);
          const b = randomMatrix(rng, 280, 333);
          expectAllClose(be.matmul(a, b).data, naiveMatmul(a, b).data, tolFor(280, false));
          const a2 = randomMatrix(rng, 20, 30);
          const b2 = randomMatrix(rng, 30, 10);
          expectAllClose(be.matmul(a2, b2).data, naiveMatmul(a2, b2).data, tolFor(30, false));
        });
      }

      it('empty inner dimension gives zeros; empty outer gives an empty matrix', () => {
        const z = be.matmul(matrix(3, 0), matrix(0, 4));
        expect([z.rows, z.cols]).toEqual([3, 4]);
        expect(Array.from(z.data)).toEqual(new Array(12).fill(0));
        expect(be.matmul(matrix(0, 5), matrix(5, 2)).data.length).toBe(0);
      });

      it('throws RangeError naming both shapes on inner-dimension mismatch', () => {
        expect(() => be.matmul(matrix(2, 3), matrix(4, 5))).toThrow(RangeError);
        expect(() => be.matmul(matrix(2, 3), matrix(4, 5))).toThrow(/2×3.*4×5/);
        expect(() => be.matmul(matrix(2, 3), matrix(3, 3), { transA: true })).toThrow(/3×2 \(A 2×3, transposed\).*3×3/);
        expect(() => be.matmul(matrix(2, 3), { rows: 3, cols: 2, data: new Float32Array(6) } as never)).toThrow(
          RangeError,
        );
        expect(() => be.matmul({ rows: 2, cols: 3, data: new Float64Array(5) }, matrix(3, 1))).toThrow(
          /2×3 but holds 5/,
        );
      });

      it('propagates NaN to the affected row and column only', () => {
        const rng = createRng(3);
        const a = randomMatrix(rng, 9, 6);
        const b = randomMatrix(rng, 6, 7);
        a.data[2 * 6 + 4] = NaN;
        b.data[1 * 7 + 5] = NaN;
        const c = be.matmul(a, b);
        for (let i = 0; i < 9; i++) {
          for (let j = 0; j < 7; j++) {
            expect(Number.isNaN(c.data[i * 7 + j]!)).toBe(i === 2 || j === 5);
          }
        }
      });
    });

    describe('matmulAddBias', () => {
      it('adds the bias to every row of op(A)·op(B)', () => {
        const rng = createRng(5);
        const a = randomMatrix(rng, 19, 23);
        const w = randomMatrix(rng, 11, 23);
        const bias = Array.from({ length: 11 }, () => rng.nextFloat());
        const c = be.matmulAddBias(a, w, bias, { transB: true });
        const ref = naiveMatmul(a, w, { transB: true });
        for (let i = 0; i < 19; i++) for (let j = 0; j < 11; j++) ref.data[i * 11 + j]! += bias[j]!;
        expectAllClose(c.data, ref.data, tolFor(23, false));
      });
      it('rejects a bias of the wrong length', () => {
        expect(() => be.matmulAddBias(matrix(2, 3), matrix(3, 4), [1, 2, 3])).toThrow(/bias has 3 entries.*4 columns/);
      });
    });

    describe('element-wise', () => {
      const xs = [-800, -40, -5, -1, -1e-3, 0, 1e-3, 1, 5, 40, 800];
      const x = matrix(1, xs.length, Float64Array.from(xs));
      const tol = f32Compute ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-14, atol: 1e-300 };
      it('sigmoid matches 1/(1+e^{-x}) and stays finite at ±800', () => {
        const s = be.sigmoid(x).data;
        expectAllClose(
          s,
          xs.map((v) => 1 / (1 + Math.exp(-v))),
          tol,
        );
        const sm = be.sigmoid(
          matrix(
            1,
            xs.length,
            Float64Array.from(xs, (v) => -v),
          ),
        ).data;
        expectAllClose(
          Array.from(s, (v, i) => v + sm[i]!),
          xs.map(() => 1),
          { rtol: 0, atol: f32Compute ? 1e-6 : 1e-15 },
        );
      });
      it('softplus(x) − softplus(−x) = x and no overflow', () => {
        const sp = be.softplus(x).data;
        const spm = be.softplus(
          matrix(
            1,
            xs.length,
            Float64Array.from(xs, (v) => -v),
          ),
        ).data;
        expectAllClose(
          Array.from(sp, (v, i) => v - spm[i]!),
          xs,
          f32Compute ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-13, atol: 1e-15 },
        );
        expect(sp.every(Number.isFinite)).toBe(true);
      });
      it('logSigmoid = log σ for moderate x and −softplus(−x) everywhere', () => {
        const ls = be.logSigmoid(x).data;
        expectAllClose(
          ls.subarray(1, 10),
          xs.slice(1, 10).map((v) => Math.log(1 / (1 + Math.exp(-v)))),
          f32Compute ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-15 },
        );
        expect(ls[0]).toBeCloseTo(-800, f32Compute ? 2 : 10);
        expect(ls[10]).toBeCloseTo(0, 10);
      });
      const glsl = options.glslTranscendentals === true;
      it(`Float32Array sigmoid is within ${glsl ? '(3 + 2|x|) f32 ULP (GLSL exp)' : '1e-6 relative'} of the f64 formula on [−40, 40]`, () => {
        const n = 4001;
        const x32 = Float32Array.from({ length: n }, (_, i) => -40 + (80 * i) / (n - 1));
        const s = be.sigmoid({ rows: 1, cols: n, data: x32 }).data;
        expect(s).toBeInstanceOf(Float32Array);
        const ref = Array.from(x32, (v) => 1 / (1 + Math.exp(-v)));
        if (!glsl) {
          expectAllClose(s, ref, { rtol: 1e-6, atol: 1e-30 });
          return;
        }
        const ulp = 2 ** -23;
        const worst = Math.max(...ref.map((r, i) => Math.abs(s[i]! - r) / ((3 + 2 * Math.abs(x32[i]!)) * ulp * r)));
        expect(worst).toBeLessThanOrEqual(1);
      });
      it('keeps the element type and propagates NaN', () => {
        const y = be.sigmoid({ rows: 1, cols: 2, data: new Float32Array([NaN, 0]) });
        expect(y.data).toBeInstanceOf(Float32Array);
        expect(Number.isNaN(y.data[0]!)).toBe(true);
        expect(y.data[1]).toBeCloseTo(0.5, 6);
      });
    });

    describe('sampleBernoulli', () => {
      it('is reproducible from the seed and respects p ∈ {0, 1}', () => {
        const p = matrix(
          50,
          40,
          Float64Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 0.3)),
        );
        const s1 = be.sampleBernoulli(p, createRng(42)).data;
        const s2 = be.sampleBernoulli(p, createRng(42)).data;
        expect(Array.from(s1)).toEqual(Array.from(s2));
        for (let i = 0; i < 2000; i++) {
          if (i % 3 === 0) expect(s1[i]).toBe(0);
          if (i % 3 === 1) expect(s1[i]).toBe(1);
        }
      });
      it('has mean p within 5 standard errors', () => {
        const n = 20000;
        const p = matrix(1, n, new Float64Array(n).fill(0.3));
        const s = be.sampleBernoulli(p, createRng(9)).data;
        const mean = s.reduce((acc, v) => acc + v, 0) / n;
        expect(Math.abs(mean - 0.3)).toBeLessThan(5 * Math.sqrt((0.3 * 0.7) / n));
      });
      it('propagates NaN probabilities', () => {
        expect(Number.isNaN(be.sampleBernoulli(matrix(1, 1, new Float64Array([NaN])), createRng(1)).data[0]!)).toBe(
          true,
        );
      });
    });

    describe('moments', () => {
      const rng = createRng(21);
      const n = 57;
      const x = randomMatrix(rng, n, 6);
      const y = randomMatrix(rng, n, 4);
      const tol = f32Compute ? { rtol: 1e-4, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-14 };
      const brute = (u: Matrix<FloatArray>, v: Matrix<FloatArray>) => {
        const out = new Float64Array(u.cols * v.cols);
        for (let i = 0; i < u.cols; i++) {
          for (let j = 0; j < v.cols; j++) {
            let su = 0,
              sv = 0,
              suv = 0;
            for (let r = 0; r < n; r++) {
              su += u.data[r * u.cols + i]!;
              sv += v.data[r * v.cols + j]!;
              suv += u.data[r * u.cols + i]! * v.data[r * v.cols + j]!;
            }
            out[i * v.cols + j] = suv / n - (su / n) * (sv / n);
          }
        }
        return out;
      };
      it('columnMeans, covariance and crossCovariance match brute force', () => {
        const mu = be.columnMeans(x);
        for (let j = 0; j < 6; j++) {
          let s = 0;
          for (let r = 0; r < n; r++) s += x.data[r * 6 + j]!;
          expect(mu[j]).toBeCloseTo(s / n, 12);
        }
        expectAllClose(be.covariance(x).data, brute(x, x), tol);
        expectAllClose(be.crossCovariance(x, y).data, brute(x, y), tol);
      });
      it('covariance is symmetric positive semi-definite', () => {
        const c = be.covariance(x);
        for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(c.data[i * 6 + j]).toBe(c.data[j * 6 + i]);
        const { values } = be.symmetricEigen(c);
        expect(Math.min(...values)).toBeGreaterThan(-1e-12);
      });
      it('crossCovariance rejects different sample counts', () => {
        expect(() => be.crossCovariance(matrix(3, 2), matrix(4, 2))).toThrow(/3×2.*4×2/);
      });
    });

    describe('walshHadamard', () => {
      it('matches Σ_s (−1)^{popcount(α&s)} w_s and is its own inverse up to 2^m', () => {
        const rng = createRng(4);
        for (const m of [0, 1, 3, 6]) {
          const len = 1 << m;
          const x = randomMatrix(rng, 3, len);
          const w = be.walshHadamard(x);
          const brute = new Float64Array(3 * len);
          for (let r = 0; r < 3; r++) {
            for (let a = 0; a < len; a++) {
              let s = 0;
              for (let t = 0; t < len; t++) {
                let bits = a & t,
                  par = 0;
                while (bits) {
                  par ^= 1;
                  bits &= bits - 1;
                }
                s += (par ? -1 : 1) * x.data[r * len + t]!;
              }
              brute[r * len + a] = s;
            }
          }
          const tol = f32Compute ? { rtol: 1e-5, atol: 1e-5 * len } : { rtol: 1e-13, atol: 1e-13 * len };
          expectAllClose(w.data, brute, tol);
          const back = be.walshHadamard(w);
          expectAllClose(
            back.data,
            Array.from(x.data, (v) => v * len),
            tol,
          );
        }
      });
      it('rejects rows that are not a power of two long', () => {
        expect(() => be.walshHadamard(matrix(2, 6))).toThrow(/power-of-two.*2×6/);
      });
    });

    describe('logSumExp', () => {
      it('matches the naive sum, survives ±1000 and handles −∞ and NaN rows', () => {
        const x = matrix(
          4,
          3,
          Float64Array.from([0.1, -2, 3, 1000, 999, -1000, -Infinity, -Infinity, -Infinity, 1, NaN, 2]),
        );
        const l = be.logSumExp(x);
        expect(l[0]).toBeCloseTo(Math.log(Math.exp(0.1) + Math.exp(-2) + Math.exp(3)), 12);
        expect(l[1]).toBeCloseTo(1000 + Math.log(1 + Math.exp(-1)), 10);
        expect(l[2]).toBe(-Infinity);
        expect(Number.isNaN(l[3]!)).toBe(true);
      });
    });

    describe('dense linear algebra', () => {
      it('symmetricEigen reconstructs A = VΛVᵀ with orthonormal V, values descending', () => {
        const rng = createRng(8);
        for (const n of [1, 2, 5, 24]) {
          const r = randomMatrix(rng, n, n);
          const a = matrix(n, n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) a.data[i * n + j] = r.data[i * n + j]! + r.data[j * n + i]!;
          const { values, vectors } = be.symmetricEigen(a);
          for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
          const vtv = naiveMatmul(vectors, vectors, { transA: true });
          const eye = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
          expectAllClose(vtv.data, eye, { rtol: 0, atol: 1e-12 });
          const vl = matrix(
            n,
            n,
            Float64Array.from(vectors.data, (v, i) => v * values[i % n]!),
          );
          expectAllClose(naiveMatmul(vl, vectors, { transB: true }).data, a.data, { rtol: 0, atol: 1e-11 * n });
        }
      });
      it('symmetricEigen returns NaN for non-finite input instead of iterating', () => {
        const { values } = be.symmetricEigen(matrix(2, 2, Float64Array.from([1, NaN, NaN, 1])));
        expect(Array.from(values).every(Number.isNaN)).toBe(true);
      });
      it('eigenvalues of a non-symmetric matrix: closed forms, complex pairs, trace invariants', () => {
        // rotation by 30° scaled by 1.5, and a triangular block with known diagonal
        const c = 1.5 * Math.cos(Math.PI / 6);
        const s = 1.5 * Math.sin(Math.PI / 6);
        const rot = be.eigenvalues(matrix(2, 2, Float64Array.from([c, -s, s, c])));
        expect(Array.from(rot.re)).toEqual([expect.closeTo(c, 12), expect.closeTo(c, 12)]);
        expect(Array.from(rot.im).map(Math.abs)).toEqual([expect.closeTo(s, 12), expect.closeTo(s, 12)]);
        const tri = be.eigenvalues(matrix(3, 3, Float64Array.from([3, 1, 4, 0, -2, 5, 0, 0, 0.5])));
        expect(Array.from(tri.re).sort((x, y) => x - y)).toEqual([
          expect.closeTo(-2, 12),
          expect.closeTo(0.5, 12),
          expect.closeTo(3, 12),
        ]);
        // random 60×60 (where mathjs' eigs fails to converge): Σλ = tr A, Σλ² = tr A²
        const rng = createRng(19);
        const n = 60;
        const a = randomMatrix(rng, n, n) as Matrix<Float64Array>;
        const { re, im } = be.eigenvalues(a);
        let tr = 0,
          tr2 = 0,
          s1 = 0,
          s2 = 0,
          s1i = 0,
          s2i = 0;
        const a2 = naiveMatmul(a, a);
        for (let i = 0; i < n; i++) {
          tr += a.data[i * n + i]!;
          tr2 += a2.data[i * n + i]!;
          s1 += re[i]!;
          s1i += im[i]!;
          s2 += re[i]! ** 2 - im[i]! ** 2;
          s2i += 2 * re[i]! * im[i]!;
        }
        expect(s1).toBeCloseTo(tr, 9);
        expect(s2).toBeCloseTo(tr2, 8);
        expect(Math.abs(s1i) + Math.abs(s2i)).toBeLessThan(1e-9);
        expect(Array.from(be.eigenvalues(matrix(2, 2, Float64Array.from([1, NaN, 0, 1]))).re).every(Number.isNaN)).toBe(
          true,
        );
      });
      it('solve gives a small residual and throws on singular A', () => {
        const rng = createRng(12);
        const n = 30;
        const a = randomMatrix(rng, n, n) as Matrix<Float64Array>;
        for (let i = 0; i < n; i++) a.data[i * n + i]! += 3;
        const b = randomMatrix(rng, n, 4) as Matrix<Float64Array>;
        const x = be.solve(a, b);
        expectAllClose(naiveMatmul(a, x).data, b.data, { rtol: 1e-10, atol: 1e-11 });
        expect(() => be.solve(matrix(2, 2, Float64Array.from([1, 2, 2, 4])), matrix(2, 1))).toThrow(/singular/);
        expect(() => be.solve(matrix(2, 3), matrix(2, 1))).toThrow(/square.*2×3/);
        expect(() => be.solve(matrix(2, 2), matrix(3, 1))).toThrow(/2×2.*3×1/);
        const nan = be.solve(matrix(2, 2, Float64Array.from([1, 0, 0, NaN])), matrix(2, 1, Float64Array.from([1, 1])));
        expect(Array.from(nan.data).every(Number.isNaN)).toBe(true);
      });
    });
  });
}
