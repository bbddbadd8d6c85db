/**
 * gpu.js on the page's main thread (a GL context needs a document): which mode
 * ran, whether its kernels agree with the CPU backend within f32 tolerance, and
 * its GEMM speed.
 */
import { createCpuBackend, createGpuJsBackend, type Backend, type FloatArray, type Matrix } from '@rgdl/gpu-kernels';
import { timeGemm } from './gemm-timing.js';
import type { GemmTiming } from './protocol.js';

export interface GlCheck {
  /** 'gpujs:webgl2', 'gpujs:webgl', … or 'gpujs:webasm' / 'gpujs:cpu' when gpu.js found no GL context. */
  readonly mode: string;
  readonly onGpu: boolean;
  /** The GL renderer the browser reports (e.g. SwiftShader: software), where it tells. */
  readonly renderer?: string;
  /** max over every checked element of |gl − cpu| / (1e-4·|cpu| + 2e-6·(k + 1)); ≤ 1 passes. */
  readonly worstRatio: number;
  readonly checks: { name: string; worstRatio: number }[];
  readonly agrees: boolean;
  readonly gemm: GemmTiming[];
  readonly error?: string;
}

const SHAPES: readonly [number, number, number][] = [
  [7, 1, 5],
  [33, 65, 31],
  [130, 67, 257],
];

function worst(gl: Matrix<FloatArray>, cpu: Matrix<FloatArray>, k: number): number {
  let w = 0;
  for (let i = 0; i < cpu.data.length; i++) {
    const ratio = Math.abs(gl.data[i]! - cpu.data[i]!) / (1e-4 * Math.abs(cpu.data[i]!) + 2e-6 * (k + 1));
    w = Math.max(w, Number.isNaN(ratio) ? Number.POSITIVE_INFINITY : ratio);
  }
  return w;
}

/** Runs the checks; `sizes` are the GEMM sizes timed. */
export async function checkGl(sizes: readonly number[]): Promise<GlCheck> {
  let gl: (Backend & { probe: { mode: string; onGpu: boolean; renderer?: string } }) | undefined;
  try {
    gl = await createGpuJsBackend({ mode: 'gpu' });
  } catch (error) {
    return {
      mode: 'unavailable',
      onGpu: false,
      worstRatio: NaN,
      checks: [],
      agrees: false,
      gemm: [],
      error: (error as Error).message,
    };
  }
  const cpu = createCpuBackend({ threads: 1 });
  const checks: { name: string; worstRatio: number }[] = [];
  for (const [m, n, k] of SHAPES) {
    const a = { rows: m, cols: k, data: Float32Array.from({ length: m * k }, (_, i) => Math.sin(i + 0.5)) };
    const b = { rows: k, cols: n, data: Float32Array.from({ length: k * n }, (_, i) => Math.cos(0.3 * i)) };
    checks.push({ name: `matmul ${m}×${k}·${k}×${n}`, worstRatio: worst(gl.matmul(a, b), cpu.matmul(a, b), k) });
    const at = { rows: k, cols: m, data: a.data };
    checks.push({
      name: `matmul ${m}×${k}ᵀ·${k}×${n}`,
      worstRatio: worst(gl.matmul(at, b, { transA: true }), cpu.matmul(at, b, { transA: true }), k),
    });
  }
  const x = { rows: 1, cols: 801, data: Float32Array.from({ length: 801 }, (_, i) => -8 + i / 50) };
  for (const op of ['sigmoid', 'softplus', 'logSigmoid'] as const) {
    checks.push({ name: `${op} on [−8, 8]`, worstRatio: worst(gl[op](x), cpu[op](x), 0) });
  }
  const h = { rows: 3, cols: 64, data: Float32Array.from({ length: 192 }, (_, i) => Math.sin(i)) };
  checks.push({ name: 'Walsh–Hadamard 3×64', worstRatio: worst(gl.walshHadamard(h), cpu.walshHadamard(h), 64) });
  const worstRatio = Math.max(...checks.map((c) => c.worstRatio));
  const gemm = sizes.map((n) => timeGemm(gl!, n, 'f32'));
  const result: GlCheck = {
    mode: gl.mode,
    onGpu: gl.probe.onGpu,
    ...(gl.probe.renderer !== undefined ? { renderer: gl.probe.renderer } : {}),
    worstRatio,
    checks,
    agrees: worstRatio <= 1,
    gemm,
  };
  gl.dispose();
  cpu.dispose();
  return result;
}
