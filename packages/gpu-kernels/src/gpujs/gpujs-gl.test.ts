/**
 * gpu.js's GLSL path under headless-gl (Mesa's software GL in CI, under
 * xvfb-run). It runs wherever gpu.js finds a GL context; with RGDL_EXPECT_GL=1
 * (set by .ci/run after building `gl`) a silent fallback to another mode fails.
 */
import { describe, expect, it } from 'vitest';
import { describeBackendSuite } from '../backend.test-suite.js';
import { createGpuJsBackend } from './gpujs-backend.js';

const expectGl = process.env.RGDL_EXPECT_GL === '1';
let mode: string;
try {
  const be = await createGpuJsBackend({ mode: 'headlessgl' });
  mode = be.mode;
  if (be.probe.renderer !== undefined) mode += ` (renderer ${be.probe.renderer})`;
  be.dispose();
} catch (error) {
  mode = `unavailable (${(error as Error).message})`;
}
const available = mode.startsWith('gpujs:headlessgl');
// the mode that ran, in the test log
console.log(`gpu.js GL: ${mode}${expectGl ? ' (expected: gpujs:headlessgl)' : ''}`);

describe('gpu.js headless-gl', () => {
  it.runIf(expectGl)('runs in headlessgl mode, not a fallback (RGDL_EXPECT_GL=1)', () => {
    expect(mode).toMatch(/^gpujs:headlessgl( |$)/);
  });
  it.runIf(!expectGl && !available)('without a GL context, gpu.js refuses the mode instead of falling back', () => {
    expect(mode).toMatch(/^unavailable \(A requested mode of "headlessgl" and is not supported\)$/);
  });
});

// f32 textures: the tolerances of the suite's 'f32' precision
if (available)
  describeBackendSuite('gpujs headlessgl', () => createGpuJsBackend({ mode: 'headlessgl' }), {
    precision: 'f32',
    glslTranscendentals: true,
  });
