import type { Backend } from './backend.js';
import { createCpuBackend, type CpuBackendOptions } from './cpu/cpu-backend.js';

export interface CreateBackendOptions extends CpuBackendOptions {
  /**
   * 'cpu' (default): the CPU backend. 'gpu': gpu.js kernels when gpu.js finds a
   * GPU context (WebGL, headless-gl or WebGPU) whose renderer is not a known
   * software rasteriser; otherwise the CPU backend with `fallbackReason` saying why.
   */
  readonly prefer?: 'cpu' | 'gpu';
}

/**
 * Creates a backend. Nothing is loaded at import time: gpu.js is imported only
 * when `prefer: 'gpu'` is asked for.
 */
export async function createBackend(options: CreateBackendOptions = {}): Promise<Backend> {
  if (options.prefer !== 'gpu') return createCpuBackend(options);
  let reason: string;
  try {
    const { createGpuJsBackend, isSoftwareRenderer } = await import('./gpujs/gpujs-backend.js');
    const gpu = await createGpuJsBackend({ mode: 'gpu' });
    if (gpu.probe.onGpu && !isSoftwareRenderer(gpu.probe.renderer)) return gpu;
    gpu.dispose();
    reason = gpu.probe.onGpu
      ? `gpu.js found only a software GL renderer (${gpu.probe.renderer})`
      : `gpu.js found no GPU context (it would run in '${gpu.probe.mode}' mode; ` +
        `headless-gl ${gpu.probe.headlessGlSupported ? 'present' : 'not built or no display'})`;
  } catch (error) {
    reason = `gpu.js could not be loaded: ${(error as Error).message.split('\n')[0]}`;
  }
  return createCpuBackend({ ...options, fallbackReason: reason });
}
