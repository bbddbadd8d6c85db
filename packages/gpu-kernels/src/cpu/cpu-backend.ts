import { availableParallelism } from 'node:os';
import { assembleBackend } from '../assemble.js';
import type { Backend } from '../backend.js';
import { logSigmoidInto, sigmoidInto, softplusInto } from './elementwise.js';
import { jsGemm } from './js-gemm.js';
import { walshHadamardRows } from './walsh-hadamard.js';
import { WasmGemm, wasmGemmSupported } from './wasm-gemm.js';

export interface CpuBackendOptions {
  /**
   * Threads for large products: 1, or 2 (this thread + one worker). Default:
   * min(2, os.availableParallelism()). More cores are not used (measured gain
   * beyond two is untested here).
   */
  readonly threads?: number;
  /** Use the WebAssembly SIMD GEMM when the runtime supports it (default true). */
  readonly wasm?: boolean;
  /**
   * Products below this many flops (2·m·n·k) stay on one thread. Default 1e8
   * (≈ n = 370): below it the thread hand-off costs more than it saves.
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
  const threads = options.threads ?? Math.min(2, availableParallelism());
  const useWasm = (options.wasm ?? true) && wasmGemmSupported();
  const wasm = useWasm
    ? WasmGemm.create({ threads, parallelMinFlops: options.parallelMinFlops ?? 1e8 })
    : undefined;
  const mode = wasm === undefined ? 'js' : wasm.threads > 1 ? `wasm-simd×${wasm.threads}` : 'wasm-simd';
  const reasons: string[] = [];
  if (options.fallbackReason !== undefined) reasons.push(options.fallbackReason);
  if ((options.wasm ?? true) && !useWasm) reasons.push('WebAssembly SIMD/threads unavailable; using the TypeScript GEMM');
  return assembleBackend(
    {
      name: 'cpu',
      mode,
      precision: 'f64',
      ...(reasons.length > 0 ? { fallbackReason: reasons.join('; ') } : {}),
      dispose: () => wasm?.dispose(),
      ready: () => wasm?.ready() ?? Promise.resolve(),
    },
    {
      gemm(m, n, k, a, b, out, accumulate) {
        if (wasm !== undefined && wasm.gemm(m, n, k, a, b, out, accumulate)) return;
        jsGemm(m, n, k, a, b, out, accumulate);
      },
      sigmoid: sigmoidInto,
      softplus: softplusInto,
      logSigmoid: logSigmoidInto,
      walshHadamard: walshHadamardRows,
    },
  );
}
