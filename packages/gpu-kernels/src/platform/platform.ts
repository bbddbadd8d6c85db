/**
 * What the kernels need from the runtime, behind one interface so the package
 * loads in Node and in browsers from the same source (as TensorFlow.js does):
 * the `#platform` import resolves to ./node.ts under Node and to ./browser.ts
 * under the `browser` condition (Vite, webpack, esbuild with platform=browser).
 */

/** A helper thread running the wasm GEMM worker loop. */
export interface HelperThread {
  /** Called once if the thread fails to start or throws. */
  onError(listener: () => void): void;
  terminate(): void;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  /** Logical processors this process may use. */
  hardwareThreads(): number;
  /** Bytes of a base64 string. */
  decodeBase64(text: string): Uint8Array;
  /**
   * Starts a thread that runs `source` (the worker loop of cpu/wasm-gemm.ts,
   * which reads `{ bytes, memory, ctrlBuffer }` as its data), or returns
   * undefined where the calling thread could not block on it with Atomics.wait
   * (a browser's main thread) or threads are unavailable.
   */
  startHelperThread(source: string, data: Record<string, unknown>): HelperThread | undefined;
}
