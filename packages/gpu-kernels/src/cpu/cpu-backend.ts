import { platform } from '#platform';
import { assembleBackend } from '../assemble.js';
import type { Backend } from '../backend.js';
import { logSigmoidInto, sigmoidInto, softplusInto } from '../kernels/elementwise.js';
import { jsGemm } from './js-gemm.js';
import { walshHadamardRows } from './walsh-hadamard.js';
import { createWasmRbmTrainer } from './rbm-trainer.js';
import { createWasmGibbsSiteKernels } from './gibbs-sites.js';
import { WasmGemm, wasmGemmSupported } from './wasm-gemm.js';

export interface CpuBackendOptions {
  /**
   * Threads for large products: 1, or 2 (this thread + one worker). Default:
   * min(2, hardware threads) (in a browser: 1, see platform/browser.ts). More cores are not used (measured gain
   * beyond two is untested here).
   */
  readonly threads?: number;
  /** Use the WebAssembly SIMD GEMM when the runtime supports it (default true). */
  readonly wasm?: boolean;
  /**
   * Share the wasm memory with a helper thread (default: where SharedArrayBuffer
   * exists). `false` runs the unshared module on one thread, as a browser page
   * without cross-origin isolation does.
   */
  readonly sharedMemory?: boolean;
  /**
   * Products below this many flops (2·m·n·k) stay on one thread. Default 1e7
   * (≈ n = 170): measured here, a CD-1 epoch of a 784→256 RBM (products of
   * 4·10⁷ flops) runs 1.23 s on one thread and 0.93 s split over two.
   */
  readonly parallelMinFlops?: number;
  /** Recorded on the backend when it stands in for another (e.g. no GPU). */
  readonly fallbackReason?: string;
}

/**
 * The CPU backend: f64/f32 GEMM in WebAssembly SIMD (register-tiled, packed,
 * optionally split over two threads) with a blocked TypeScript fallback, and
 * TypeScript kernels for everything else. Synchronous after creation.
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend {
  const threads = options.threads ?? Math.min(2, platform.hardwareThreads());
  const useWasm = (options.wasm ?? true) && wasmGemmSupported();
  const wasm = useWasm
    ? WasmGemm.create({
        threads,
        parallelMinFlops: options.parallelMinFlops ?? 1e7,
        ...(options.sharedMemory === false ? { unshared: true } : {}),
      })
    : undefined;
  const mode = wasm === undefined ? 'js' : wasm.threads > 1 ? `wasm-simd×${wasm.threads}` : 'wasm-simd';
  const reasons: string[] = [];
  if (options.fallbackReason !== undefined) reasons.push(options.fallbackReason);
  if ((options.wasm ?? true) && !useWasm) reasons.push('WebAssembly SIMD unavailable; using the TypeScript GEMM');
  return assembleBackend(
    {
      name: 'cpu',
      mode,
      precision: 'f64',
      ...(reasons.length > 0 ? { fallbackReason: reasons.join('; ') } : {}),
      dispose: () => wasm?.dispose(),
      ...(wasm !== undefined
        ? {
            createRbmTrainer: (nu: number, nl: number, maxBatch: number) =>
              createWasmRbmTrainer(wasm, nu, nl, maxBatch),
            createGibbsSiteKernels: (lengths: readonly number[]) => createWasmGibbsSiteKernels(wasm, lengths),
          }
        : {}),
      ready: () => wasm?.ready() ?? Promise.resolve(),
    },
    {
      gemm(m, n, k, a, b, out, accumulate) {
        if (wasm !== undefined && wasm.gemm(m, n, k, a, b, out, accumulate)) return;
        jsGemm(m, n, k, a, b, out, accumulate);
      },
      // f32 inputs: SIMD polynomial exp in wasm (rel. error ≈ 2e-7, below f32 resolution of
      // the product feeding it); f64 inputs: Math.exp, exact to the last bits
      sigmoid:
        wasm === undefined
          ? sigmoidInto
          : (x, out) => {
              if (x instanceof Float32Array && out instanceof Float32Array && wasm.sigmoid32(x, out)) return;
              sigmoidInto(x, out);
            },
      softplus: softplusInto,
      logSigmoid: logSigmoidInto,
      walshHadamard: walshHadamardRows,
    },
  );
}
