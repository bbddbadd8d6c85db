import type { Backend } from './backend.js';
import { createCpuBackend, type CpuBackendOptions } from './cpu/cpu-backend.js';

export interface CreateBackendOptions extends CpuBackendOptions {
  /**
   * 'cpu' (default): the CPU backend. 'gpu': the registered accelerated
   * backends in order of priority (gpu.js kernels when gpu.js finds a GPU
   * context — WebGL, headless-gl or WebGPU — whose renderer is not a known
   * software rasteriser); the first that is available, otherwise the CPU
   * backend with `fallbackReason` saying why. Any other registered name: that
   * backend, or the CPU backend with the reason.
   */
  readonly prefer?: 'cpu' | 'gpu' | (string & {});
}

/**
 * Makes a backend, or says in one line why it cannot here (no device, a
 * software renderer, a module that does not load).
 */
export type BackendFactory = (options: CreateBackendOptions) => Promise<Backend | { readonly unavailable: string }>;

const FACTORIES = new Map<string, { readonly factory: BackendFactory; readonly priority: number }>();

/**
 * Adds a backend that `createBackend` can choose: by name (`prefer: name`), or,
 * with priority > 0, among the accelerated backends `prefer: 'gpu'` tries
 * (highest priority first). The CPU backend is 'cpu' at priority 0.
 * Registering a name again replaces it.
 */
export function registerBackend(name: string, factory: BackendFactory, priority: number): void {
  if (name === 'gpu') throw new RangeError("'gpu' names the choice among accelerated backends, not one backend");
  FACTORIES.set(name, { factory, priority });
}

/** The registered backends, highest priority first. */
export function registeredBackends(): { readonly name: string; readonly priority: number }[] {
  return [...FACTORIES].map(([name, f]) => ({ name, priority: f.priority })).sort((a, b) => b.priority - a.priority);
}

registerBackend('cpu', async (options) => createCpuBackend(options), 0);
registerBackend(
  'gpujs',
  async () => {
    try {
      // loaded only when asked for: nothing of gpu.js at import time
      const { createGpuJsBackend, isSoftwareRenderer } = await import('./gpujs/gpujs-backend.js');
      const gpu = await createGpuJsBackend({ mode: 'gpu' });
      if (gpu.probe.onGpu && !isSoftwareRenderer(gpu.probe.renderer)) return gpu;
      gpu.dispose();
      return {
        unavailable: gpu.probe.onGpu
          ? `gpu.js found only a software GL renderer (${gpu.probe.renderer})`
          : `gpu.js found no GPU context (it would run in '${gpu.probe.mode}' mode; ` +
            `headless-gl ${gpu.probe.headlessGlSupported ? 'present' : 'not built or no display'})`,
      };
    } catch (error) {
      return { unavailable: `gpu.js could not be loaded: ${(error as Error).message.split('\n')[0]}` };
    }
  },
  10,
);

/**
 * Creates a backend (see `prefer`). Nothing is loaded at import time: an
 * accelerated backend's modules are imported only when it is asked for.
 * @throws RangeError for a name that is not registered
 */
export async function createBackend(options: CreateBackendOptions = {}): Promise<Backend> {
  const prefer = options.prefer ?? 'cpu';
  const cpu = FACTORIES.get('cpu')!;
  if (prefer === 'cpu') return (await cpu.factory(options)) as Backend;
  const tried =
    prefer === 'gpu'
      ? registeredBackends().filter((b) => b.priority > 0)
      : FACTORIES.has(prefer)
        ? [{ name: prefer, priority: FACTORIES.get(prefer)!.priority }]
        : undefined;
  if (tried === undefined)
    throw new RangeError(
      `unknown backend '${prefer}' (registered: ${registeredBackends()
        .map((b) => b.name)
        .join(', ')}, or 'gpu')`,
    );
  const reasons: string[] = [];
  for (const { name } of tried) {
    const made = await FACTORIES.get(name)!.factory(options);
    if (!('unavailable' in made)) return made;
    reasons.push(made.unavailable);
  }
  return createCpuBackend({
    ...options,
    fallbackReason: reasons.length > 0 ? reasons.join('; ') : 'no accelerated backend is registered',
  });
}
