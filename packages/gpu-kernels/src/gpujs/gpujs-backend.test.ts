import { describe, expect, it } from 'vitest';
import { describeBackendSuite } from '../backend.test-suite.js';
import { createBackend } from '../create-backend.js';
import { createGpuJsBackend, isSoftwareRenderer } from './gpujs-backend.js';

describe('createBackend({ prefer: "gpu" })', () => {
  it('returns a gpujs backend on a GPU, or the cpu backend with the reason it fell back', async () => {
    const be = await createBackend({ prefer: 'gpu', threads: 1 });
    if (be.name === 'gpujs') {
      expect(be.mode).toMatch(/^gpujs:(webgl|webgl2|headlessgl|webgpu)$/);
      expect(be.fallbackReason).toBeUndefined();
    } else {
      expect(be.mode).toBe('wasm-simd');
      expect(be.fallbackReason).toMatch(
        /gpu\.js (found no GPU context|found only a software GL renderer|could not be loaded)/,
      );
    }
    be.dispose();
  });
  it('tells software GL renderers from hardware ones', () => {
    expect(
      isSoftwareRenderer(
        'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      ),
    ).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe(false);
    expect(isSoftwareRenderer('ANGLE')).toBe(false);
    expect(isSoftwareRenderer(undefined)).toBe(false);
  });
  it('reports the gpu.js mode that actually runs', async () => {
    const be = await createGpuJsBackend({ mode: 'gpu' });
    expect(be.mode).toBe(`gpujs:${be.probe.mode}`);
    expect(be.precision).toBe('f32');
    be.dispose();
  });
});

// gpu.js without a GPU runs its kernels compiled to WebAssembly ('webasm') or as
// plain JS ('cpu'); both must agree with the reference within f32 tolerances.
describeBackendSuite('gpujs webasm', () => createGpuJsBackend({ mode: 'webasm' }), { precision: 'f32' });
describeBackendSuite('gpujs cpu', () => createGpuJsBackend({ mode: 'cpu' }), { precision: 'f32', large: false });
