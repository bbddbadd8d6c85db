import { describe, expect, it } from 'vitest';
import { describeBackendSuite } from '../backend.test-suite.js';
import { createCpuBackend } from './cpu-backend.js';
import { wasmGemmSupported } from './wasm-gemm.js';

describe('cpu backend selection', () => {
  it('uses the WebAssembly SIMD GEMM on this runtime and reports its mode', () => {
    expect(wasmGemmSupported()).toBe(true);
    const one = createCpuBackend({ threads: 1 });
    expect(one.mode).toBe('wasm-simd');
    expect(one.fallbackReason).toBeUndefined();
    one.dispose();
    const js = createCpuBackend({ wasm: false });
    expect(js.mode).toBe('js');
    js.dispose();
  });
  it('brings its worker thread up (ready resolves) and can be disposed', async () => {
    const two = createCpuBackend({ threads: 2 });
    expect(two.mode).toBe('wasm-simd×2');
    await two.ready();
    two.dispose();
  });
});

describeBackendSuite('cpu wasm-simd, 1 thread', () => createCpuBackend({ threads: 1 }), { precision: 'f64' });
describeBackendSuite(
  'cpu wasm-simd, 2 threads (every product split)',
  () => createCpuBackend({ threads: 2, parallelMinFlops: 0 }),
  { precision: 'f64' },
);
describe('cpu backend without shared memory (a page that is not cross-origin isolated)', () => {
  it('runs the unshared wasm module on one thread', () => {
    const be = createCpuBackend({ threads: 2, sharedMemory: false });
    expect(be.mode).toBe('wasm-simd');
    be.dispose();
  });
});
describeBackendSuite('cpu wasm-simd, unshared memory', () => createCpuBackend({ sharedMemory: false }), {
  precision: 'f64',
});
describeBackendSuite('cpu js', () => createCpuBackend({ wasm: false }), { precision: 'f64' });
