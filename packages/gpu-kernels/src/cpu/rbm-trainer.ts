/**
 * The fused f32 CD trainer of the CPU backend (see `RbmTrainer` in backend.ts):
 * every operand lives in the WebAssembly memory of the GEMM module, so a step
 * copies only the batch in. Layout (f32 unless noted; ld = leading dimension):
 *   V  (2B × (nl+1)): rows 0…B−1 = v₀, rows B…2B−1 = v_k, last column 1
 *   A  (2B × (nu+1)): rows 0…B−1 = h₀, rows B…2B−1 = −h_k, last column +1 / −1
 *   so Aᵀ V = [Σh₀v₀ᵀ − Σh_k v_kᵀ, Σh₀ − Σh_k; Σv₀ − Σv_k, 0] in one product;
 *   H (B × nu) chain samples, P (B × nl) reconstruction probabilities,
 *   D ((nu+1) × (nl+1)) statistics, W32/a32/b32 mirrors, f64 masters and velocities,
 *   and two xoroshiro128+ states: rows [0, ⌈B/2⌉) of every draw use the first, the
 *   rest the second, so the two halves run on the two threads and the draws do not
 *   depend on whether the worker is up.
 */
import type { RbmTrainer, RbmTrainerStep } from '../backend.js';
import type { WasmGemm } from './wasm-gemm.js';

export function createWasmRbmTrainer(gemm: WasmGemm, nu: number, nl: number, maxBatch: number): RbmTrainer | undefined {
  if (
    !Number.isInteger(nu) ||
    !Number.isInteger(nl) ||
    !Number.isInteger(maxBatch) ||
    nu < 1 ||
    nl < 1 ||
    maxBatch < 1
  ) {
    throw new RangeError(`RBM trainer needs positive integer widths and batch, got ${nu}×${nl}, batch ${maxBatch}`);
  }
  const B = maxBatch;
  const layout: [string, number][] = [
    ['V', 2 * B * (nl + 1) * 4],
    ['A', 2 * B * (nu + 1) * 4],
    ['H', B * nu * 4],
    ['P', B * nl * 4],
    ['D', (nu + 1) * (nl + 1) * 4],
    ['W32', nu * nl * 4],
    ['a32', nu * 4],
    ['b32', nl * 4],
    ['W64', nu * nl * 8],
    ['vW', nu * nl * 8],
    ['a64', nu * 8],
    ['va', nu * 8],
    ['b64', nl * 8],
    ['vb', nl * 8],
    ['state', 32],
  ];
  const offsets: Record<string, number> = {};
  let bytes = 0;
  for (const [name, size] of layout) {
    offsets[name] = bytes;
    bytes += (size + 63) & ~63;
  }
  const base = gemm.allocate(bytes);
  if (base === undefined) return undefined;
  const at = (name: string) => base + offsets[name]!;
  const ex = gemm.exports;
  const f32 = (name: string, length: number) => new Float32Array(gemm.buffer, at(name), length);
  const f64 = (name: string, length: number) => new Float64Array(gemm.buffer, at(name), length);
  let chainRows = 0; // rows of the persistent chain in H (0 = none)
  let disposed = false;
  const check = () => {
    if (disposed) throw new Error('RBM trainer used after dispose()');
  };
  return {
    load(W, a, b) {
      check();
      if (W.length !== nu * nl || a.length !== nu || b.length !== nl) {
        throw new RangeError(`RBM trainer is ${nu}×${nl}; got W ${W.length}, a ${a.length}, b ${b.length}`);
      }
      f64('W64', nu * nl).set(W);
      f32('W32', nu * nl).set(W);
      f64('a64', nu).set(a);
      f32('a32', nu).set(a);
      f64('b64', nl).set(b);
      f32('b32', nl).set(b);
      f64('vW', nu * nl).fill(0);
      f64('va', nu).fill(0);
      f64('vb', nl).fill(0);
      chainRows = 0;
    },
    seed(rng) {
      check();
      const st = new Uint32Array(gemm.buffer, at('state'), 8);
      for (let i = 0; i < 8; i++) st[i] = rng.nextUint32();
      for (const h of [0, 4]) if (st[h] === 0 && st[h + 1] === 0 && st[h + 2] === 0 && st[h + 3] === 0) st[h] = 1; // xoroshiro needs a non-zero state
      chainRows = 0;
    },
    step(v0, rows, o: RbmTrainerStep) {
      check();
      if (!Number.isInteger(rows) || rows < 1 || rows > B)
        throw new RangeError(`batch of ${rows} rows; the trainer holds at most ${B}`);
      if (v0.length < rows * nl) throw new RangeError(`v₀ has ${v0.length} values, expected ${rows} × ${nl}`);
      const k = Math.max(1, Math.floor(o.k));
      const ldV = nl + 1;
      const ldA = nu + 1;
      const V = at('V');
      const A = at('A');
      const H = at('H');
      const P = at('P');
      const W32 = at('W32');
      const state = at('state');
      // v₀ into V's first block, constant columns
      const vView = new Float32Array(gemm.buffer, V, 2 * rows * ldV);
      for (let r = 0; r < rows; r++) vView.set(v0.subarray(r * nl, (r + 1) * nl), r * ldV);
      ex.fillColumn32(V, ldV, 2 * rows, nl, 1);
      ex.fillColumn32(A, ldA, rows, nu, 1);
      ex.fillColumn32(A + rows * ldA * 4, ldA, rows, nu, -1);
      const vk = V + rows * ldV * 4;
      const hk = A + rows * ldA * 4;
      // σ(C + bias) in place, and (when `out`) a draw into out, rows split over the two threads and streams
      const mid = Math.ceil(rows / 2);
      const activate = (c: number, ldc: number, bias: number, cols: number, out?: number, ldo?: number) => {
        if (out === undefined) {
          ex.biasSigmoid32(c, ldc, bias, rows, cols);
          return;
        }
        gemm.parallelPair(
          'biasSigmoidSample32',
          [c, ldc, bias, mid, cols, out, ldo!, state],
          [c + mid * ldc * 4, ldc, bias, rows - mid, cols, out + mid * ldo! * 4, ldo!, state + 16],
        );
      };
      // h₀ = σ(v₀ Wᵀ + a); the chain starts from a draw of h₀ unless it persists
      const persistent = o.persistent && chainRows === rows;
      gemm.gemmAt(false, rows, nu, nl, V, ldV, 1, W32, 1, nl, A, ldA, false);
      activate(A, ldA, at('a32'), nu, ...(persistent ? [] : ([H, nu] as const)));
      let recon = 0;
      for (let step = 0; step < k; step++) {
        // P = σ(H W + b), v_k ~ B(P), h_k = σ(v_k Wᵀ + a), and the next chain state H ~ B(h_k) when needed
        gemm.gemmAt(false, rows, nl, nu, H, nu, 1, W32, nl, 1, P, nl, false);
        activate(P, nl, at('b32'), nl, vk, ldV);
        if (step === 0 && !persistent) recon = ex.sqDiff32(P, nl, V, ldV, rows, nl);
        gemm.gemmAt(false, rows, nu, nl, vk, ldV, 1, W32, 1, nl, hk, ldA, false);
        const more = step < k - 1 || o.persistent;
        activate(hk, ldA, at('a32'), nu, ...(more ? ([H, nu] as const) : []));
      }
      if (o.persistent) chainRows = rows;
      ex.negate32(hk, ldA, rows, nu);
      // D = Aᵀ V over the 2·rows stacked rows
      gemm.gemmAt(false, nu + 1, nl + 1, 2 * rows, A, 1, ldA, V, ldV, 1, at('D'), nl + 1, false);
      ex.cdUpdate32(
        at('D'),
        nu,
        nl,
        at('W64'),
        at('vW'),
        W32,
        at('a64'),
        at('va'),
        at('a32'),
        at('b64'),
        at('vb'),
        at('b32'),
        1 / rows,
        o.learningRate,
        o.momentum,
        o.weightDecay,
      );
      return recon;
    },
    store(W, a, b) {
      check();
      W.set(f64('W64', nu * nl));
      a.set(f64('a64', nu));
      b.set(f64('b64', nl));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      gemm.free(base);
    },
  };
}
