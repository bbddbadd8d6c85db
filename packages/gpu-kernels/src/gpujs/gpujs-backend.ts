/**
 * gpu.js implementation of the data-parallel kernels (GEMM with transposes,
 * element-wise sigmoid/softplus/log-sigmoid, Walsh–Hadamard butterflies).
 * gpu.js computes in float32 in every mode; sampling, reductions, the
 * eigensolver and LU stay on the CPU kernels (they are small or sequential).
 * gpu.js is imported lazily — nothing is loaded until this backend is created.
 */
import { assembleBackend } from '../assemble.js';
import { createWasmGibbsSiteKernels } from '../cpu/gibbs-sites.js';
import { WasmGemm, wasmGemmSupported } from '../cpu/wasm-gemm.js';
import type { Backend } from '../backend.js';
import type { StridedOperand } from '../kernels/strided.js';
import type { FloatArray } from '../matrix.js';

/** gpu.js execution modes; only the first four run on a GPU. */
export type GpuJsMode = 'gpu' | 'webgl' | 'webgl2' | 'headlessgl' | 'webgpu' | 'webasm' | 'cpu';

const GPU_MODES: ReadonlySet<string> = new Set(['webgl', 'webgl2', 'headlessgl', 'webgpu']);

/** What createGpuJsBackend found. */
export interface GpuJsProbe {
  /** The kernel class gpu.js actually chose for the requested mode. */
  readonly mode: string;
  /** True when that mode runs on a GPU (WebGL, headless-gl or WebGPU). */
  readonly onGpu: boolean;
  readonly headlessGlSupported: boolean;
  /**
   * The GL renderer, where the context tells it (WEBGL_debug_renderer_info in
   * browsers, e.g. 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))'; headless-gl
   * says only 'ANGLE'); undefined in non-GL modes.
   */
  readonly renderer?: string;
}

interface GlContext {
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(name: number): unknown;
  readonly RENDERER: number;
}

/**
 * Whether a GL renderer string names a software rasteriser (Chromium's
 * SwiftShader, Mesa's llvmpipe / softpipe, Microsoft's Basic Render Driver):
 * GL that runs on the CPU, far slower than the wasm path.
 */
export function isSoftwareRenderer(renderer: string | undefined): boolean {
  return renderer !== undefined && /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
}

/** The renderer string of the GL context behind a built kernel, if any. */
function rendererOf(kernel: GpuKernel): string | undefined {
  const ctx = (kernel.kernel as { context?: GlContext } | undefined)?.context;
  if (ctx === undefined || typeof ctx.getParameter !== 'function') return undefined;
  try {
    const info = ctx.getExtension('WEBGL_debug_renderer_info');
    const name = info !== null ? ctx.getParameter(info.UNMASKED_RENDERER_WEBGL) : ctx.getParameter(ctx.RENDERER);
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

// Minimal structural types for the parts of gpu.js used here.
interface GpuKernel {
  (...args: unknown[]): unknown;
  setOutput(output: number[]): GpuKernel;
  kernel?: { constructor: { mode?: string; name: string }; context?: unknown };
}
interface GpuInstance {
  mode: string;
  Kernel?: { mode?: string; name: string };
  createKernel(fn: unknown, settings?: Record<string, unknown>): GpuKernel;
  destroy(): unknown;
}
type KernelClass = { mode?: string; name: string };
interface GpuJsModule {
  GPU: (new (settings?: Record<string, unknown>) => GpuInstance) & { isHeadlessGLSupported?: boolean };
  HeadlessGLKernel?: KernelClass;
  WebGL2Kernel?: KernelClass;
  WebGLKernel?: KernelClass;
  WebGPUKernel?: KernelClass;
  WebAssemblyKernel?: KernelClass;
  CPUKernel?: KernelClass;
}

/** Dynamically imports gpu.js (an optional dependency). @throws Error if it is not installed. */
export async function loadGpuJs(): Promise<GpuJsModule> {
  const mod = (await import('gpu.js')) as unknown as GpuJsModule & { default?: GpuJsModule };
  return mod.GPU ? mod : (mod.default as GpuJsModule);
}

/**
 * The mode of the kernel class gpu.js chose. Every GL class reports its static
 * `mode` as 'gpu', and bundlers may rename classes, so the class is identified by
 * identity against the module's exports.
 */
function actualMode(mod: GpuJsModule, gpu: GpuInstance): string {
  const classes: [KernelClass | undefined, GpuJsMode][] = [
    [mod.HeadlessGLKernel, 'headlessgl'],
    [mod.WebGL2Kernel, 'webgl2'],
    [mod.WebGLKernel, 'webgl'],
    [mod.WebGPUKernel, 'webgpu'],
    [mod.WebAssemblyKernel, 'webasm'],
    [mod.CPUKernel, 'cpu'],
  ];
  const found = classes.find(([cls]) => cls !== undefined && cls === gpu.Kernel);
  return found?.[1] ?? gpu.Kernel?.mode ?? gpu.mode;
}

const SETTINGS = {
  dynamicOutput: true,
  dynamicArguments: true,
  loopMaxIterations: 1 << 24,
  tactic: 'precision',
  precision: 'single',
};

/* eslint-disable @typescript-eslint/no-explicit-any -- gpu.js kernels run with `this.thread` */
function gemmKernelSource(
  this: any,
  a: number[],
  b: number[],
  k: number,
  ars: number,
  acs: number,
  brs: number,
  bcs: number,
): number {
  let s = 0;
  for (let p = 0; p < k; p++) {
    s += a[this.thread.y * ars + p * acs]! * b[p * brs + this.thread.x * bcs]!;
  }
  return s;
}
function sigmoidSource(this: any, x: number[]): number {
  const v = x[this.thread.x]!;
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}
function softplusSource(this: any, x: number[]): number {
  const v = x[this.thread.x]!;
  return Math.max(v, 0) + Math.log(1 + Math.exp(-Math.abs(v)));
}
function logSigmoidSource(this: any, x: number[]): number {
  const v = x[this.thread.x]!;
  return Math.min(v, 0) - Math.log(1 + Math.exp(-Math.abs(v)));
}
function butterflySource(this: any, x: number[], h: number, cols: number): number {
  const i = this.thread.x;
  const j = i % cols;
  const row = i - j;
  const lo = Math.floor(j / (2 * h)) * (2 * h) + (j % h);
  const u = x[row + lo]!;
  const v = x[row + lo + h]!;
  if (j % (2 * h) < h) return u + v;
  return u - v;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function flatten(result: unknown, out: FloatArray): void {
  if (result instanceof Float32Array || Array.isArray(result) === false) {
    out.set(result as Float32Array);
    return;
  }
  let o = 0;
  for (const row of result as Float32Array[]) {
    out.set(row, o);
    o += row.length;
  }
}

export interface GpuJsBackendOptions {
  /** Mode to ask gpu.js for (default 'gpu': the best GPU mode, else its own fallback). */
  readonly mode?: GpuJsMode;
}

/**
 * A backend whose data-parallel kernels run through gpu.js in the requested mode.
 * Use `createBackend({ prefer: 'gpu' })` to get it only when a GPU context exists.
 * @throws Error if gpu.js cannot be imported or refuses the mode.
 */
export async function createGpuJsBackend(options: GpuJsBackendOptions = {}): Promise<Backend & { probe: GpuJsProbe }> {
  const mod = await loadGpuJs();
  const { GPU } = mod;
  const gpu = new GPU({ mode: options.mode ?? 'gpu' });
  const mode = actualMode(mod, gpu);
  const gemmK = gpu.createKernel(gemmKernelSource, SETTINGS);
  const sigK = gpu.createKernel(sigmoidSource, SETTINGS);
  let renderer: string | undefined;
  if (GPU_MODES.has(mode)) {
    // build one kernel (this creates the GL context) to read the renderer
    sigK.setOutput([1]);
    sigK(new Float32Array(1));
    renderer = rendererOf(sigK);
  }
  const probe: GpuJsProbe = {
    mode,
    onGpu: GPU_MODES.has(mode),
    headlessGlSupported: GPU.isHeadlessGLSupported === true,
    ...(renderer !== undefined ? { renderer } : {}),
  };
  const spK = gpu.createKernel(softplusSource, SETTINGS);
  const lsK = gpu.createKernel(logSigmoidSource, SETTINGS);
  const bfK = gpu.createKernel(butterflySource, SETTINGS);
  const asF32 = (x: FloatArray) => (x instanceof Float32Array ? x : Float32Array.from(x));
  const elementwise = (kernel: GpuKernel) => (x: FloatArray, out: FloatArray) => {
    if (x.length === 0) return;
    kernel.setOutput([x.length]);
    flatten(kernel(asF32(x)), out);
  };
  // the Gibbs site kernels are f64 arithmetic on the CPU: the WebAssembly module's, on one thread,
  // made on first use (the same bits as the TypeScript kernels, 3× faster)
  let wasm: WasmGemm | undefined;
  const backend = assembleBackend(
    {
      name: 'gpujs',
      mode: `gpujs:${mode}`,
      precision: 'f32',
      dispose: () => {
        wasm?.dispose();
        gpu.destroy();
      },
      createGibbsSiteKernels: (lengths: readonly number[]) => {
        if (wasm === undefined && wasmGemmSupported())
          wasm = WasmGemm.create({ threads: 1, parallelMinFlops: Number.POSITIVE_INFINITY });
        return wasm === undefined ? undefined : createWasmGibbsSiteKernels(wasm, lengths);
      },
    },
    {
      gemm(
        m: number,
        n: number,
        k: number,
        a: StridedOperand,
        b: StridedOperand,
        out: FloatArray,
        accumulate: boolean,
      ) {
        if (m === 0 || n === 0) return;
        if (k === 0) {
          if (!accumulate) out.fill(0);
          return;
        }
        gemmK.setOutput([n, m]);
        const prod = new Float32Array(m * n);
        flatten(gemmK(asF32(a.data), asF32(b.data), k, a.rowStride, a.colStride, b.rowStride, b.colStride), prod);
        if (accumulate) for (let i = 0; i < prod.length; i++) out[i]! += prod[i]!;
        else out.set(prod);
      },
      sigmoid: elementwise(sigK),
      softplus: elementwise(spK),
      logSigmoid: elementwise(lsK),
      walshHadamard(x: FloatArray, rows: number, cols: number) {
        if (x.length === 0) return;
        bfK.setOutput([rows * cols]);
        let cur: Float32Array = asF32(x);
        for (let h = 1; h < cols; h <<= 1) {
          const next = new Float32Array(rows * cols);
          flatten(bfK(cur, h, cols), next);
          cur = next;
        }
        x.set(cur);
      },
    },
  );
  return Object.assign(backend, { probe });
}
