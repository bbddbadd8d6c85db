/**
 * `GibbsSiteKernels` on the WebAssembly module (asm/gemm.ts: chunkProducts64,
 * flipUpdate64, axpy64): the arrays live in its linear memory, so a call passes
 * byte offsets and copies nothing. The same bits as kernels/gibbs-sites.ts.
 */
import type { GibbsSiteKernels } from '../backend.js';
import { checkGibbsLengths } from '../kernels/gibbs-sites.js';
import type { WasmGemm } from './wasm-gemm.js';

export function createWasmGibbsSiteKernels(gemm: WasmGemm, lengths: readonly number[]): GibbsSiteKernels | undefined {
  checkGibbsLengths(lengths);
  const offsets: number[] = [];
  let bytes = 0;
  for (const n of lengths) {
    offsets.push(bytes);
    bytes += (n * 8 + 63) & ~63;
  }
  const base = gemm.allocate(Math.max(bytes, 64));
  if (base === undefined) return undefined;
  const ptr = offsets.map((o) => base + o);
  // a block may hold an earlier user's values: start at zero, as new Float64Arrays do
  new Uint8Array(gemm.buffer, base, Math.max(bytes, 64)).fill(0);
  let views: Float64Array[] = [];
  let viewsOf: ArrayBuffer | undefined;
  let disposed = false;
  const ex = gemm.exports;
  const check = () => {
    if (disposed) throw new Error('Gibbs site kernels used after dispose()');
  };
  return {
    arrays() {
      check();
      const buffer = gemm.buffer;
      if (buffer !== viewsOf) {
        views = lengths.map((n, k) => new Float64Array(buffer, ptr[k]!, n));
        viewsOf = buffer;
      }
      return views;
    },
    chunkProducts(e, eOffset, n, chunk, s, c, out) {
      return ex.chunkProducts64(ptr[e]! + eOffset * 8, n, chunk, ptr[s]!, ptr[c]!, ptr[out]!);
    },
    flip(n, sign, w, wOffset, e, eOffset, u, s, c) {
      ex.flipUpdate64(n, sign, ptr[w]! + wOffset * 8, ptr[e]! + eOffset * 8, ptr[u]!, ptr[s]!, ptr[c]!);
    },
    axpy(n, alpha, x, xOffset, y, yOffset) {
      ex.axpy64(n, alpha, ptr[x]! + xOffset * 8, ptr[y]! + yOffset * 8);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      gemm.free(base);
    },
  };
}
