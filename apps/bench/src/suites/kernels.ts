/**
 * Kernels suite: GFLOP/s of C = A·B (n×n, f64 and f32) for every backend, beside
 * plain-JS loops, mathjs and (when installed) numpy measured in the same run;
 * and the small dense solvers (symmetric eigen, LU solve) against mathjs.
 */
import {
  createCpuBackend,
  createGpuJsBackend,
  createRng,
  naiveMatmul,
  type Backend,
  type Matrix,
} from '@rgdl/gpu-kernels';
import { measure, type Timing } from '../measure.js';
import { runPythonReference } from '../python-reference.js';

export interface MatmulRow {
  readonly impl: string;
  readonly mode: string;
  readonly dtype: 'f64' | 'f32';
  readonly n: number;
  readonly gflops: number | null;
  readonly timing: Timing | null;
  readonly note?: string;
}

export interface SolverRow {
  readonly op: 'symmetricEigen' | 'solve';
  readonly impl: string;
  readonly n: number;
  readonly ms: number;
}

export interface KernelsResult {
  readonly matmul: MatmulRow[];
  readonly solvers: SolverRow[];
  readonly numpy: string;
  readonly gpujsModes: Record<string, string>;
}

function randomMatrix(seed: number, rows: number, cols: number, f32: boolean): Matrix<Float64Array | Float32Array> {
  const rng = createRng(seed);
  const data = f32 ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat() * 2 - 1;
  return { rows, cols, data };
}

/** Plain JS i-k-j loops over Float64Array (the "no library" reference). */
function plainJsMatmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      const bo = k * n;
      const co = i * n;
      for (let j = 0; j < n; j++) c[co + j]! += aik * b[bo + j]!;
    }
  }
  return c;
}

function toNested(m: Matrix<Float64Array | Float32Array>): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

const NUMPY_SCRIPT = (sizes: number[]) => `
import json, time, numpy as np
try:
    from threadpoolctl import threadpool_info
    blas = [(i.get('internal_api'), i.get('num_threads'), i.get('architecture')) for i in threadpool_info()]
except Exception:
    blas = []
out = {'version': np.__version__, 'blas': blas, 'rows': []}
rng = np.random.default_rng(1)
for dtype in ('float64', 'float32'):
    for n in ${JSON.stringify(sizes)}:
        a = rng.uniform(-1, 1, (n, n)).astype(dtype); b = rng.uniform(-1, 1, (n, n)).astype(dtype)
        a @ b
        best = 1e9; t_end = time.perf_counter() + 1.0; reps = 0
        while reps < 5 or time.perf_counter() < t_end:
            t0 = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t0); reps += 1
        out['rows'].append({'dtype': dtype, 'n': n, 'ms': best * 1e3})
print(json.dumps(out))
`;

export interface KernelsOptions {
  readonly sizes: readonly number[];
  readonly log: (line: string) => void;
}

export async function runKernelsSuite({ sizes, log }: KernelsOptions): Promise<KernelsResult> {
  // loaded here, not at import: a loaded mathjs measurably slows other suites' threads
  const { eigs, lusolve, matrix: mathMatrix, multiply } = await import('mathjs');
  const rows: MatmulRow[] = [];
  const gflops = (n: number, t: Timing) => (2 * n ** 3) / t.minMs / 1e6;
  const budget = (n: number) => ({ timeMs: n >= 1024 ? 1500 : 800, iterations: n >= 1024 ? 3 : 5 });

  const backends: { label: string; make: () => Promise<Backend> | Backend; maxN: number }[] = [
    { label: 'cpu (1 thread)', make: () => createCpuBackend({ threads: 1 }), maxN: Infinity },
    { label: 'cpu (2 threads)', make: () => createCpuBackend({ threads: 2 }), maxN: Infinity },
    { label: 'cpu (TS fallback)', make: () => createCpuBackend({ wasm: false }), maxN: Infinity },
    { label: 'gpujs (best mode)', make: () => createGpuJsBackend({ mode: 'gpu' }), maxN: Infinity },
    { label: 'gpujs (cpu mode)', make: () => createGpuJsBackend({ mode: 'cpu' }), maxN: 512 },
  ];
  const gpujsModes: Record<string, string> = {};
  for (const spec of backends) {
    const be = await spec.make();
    await be.ready();
    if (be.name === 'gpujs') gpujsModes[spec.label] = be.mode;
    for (const dtype of ['f64', 'f32'] as const) {
      for (const n of sizes) {
        if (n > spec.maxN) {
          rows.push({
            impl: spec.label,
            mode: be.mode,
            dtype,
            n,
            gflops: null,
            timing: null,
            note: `skipped above n=${spec.maxN} (slow interpreted mode)`,
          });
          continue;
        }
        const a = randomMatrix(n, n, n, dtype === 'f32') as Matrix<Float64Array>;
        const b = randomMatrix(n + 1, n, n, dtype === 'f32') as Matrix<Float64Array>;
        const t = await measure(`${spec.label} ${dtype} ${n}`, () => be.matmul(a, b), budget(n));
        rows.push({ impl: spec.label, mode: be.mode, dtype, n, gflops: gflops(n, t), timing: t });
        log(
          `  ${spec.label.padEnd(18)} ${be.mode.padEnd(15)} ${dtype} n=${String(n).padEnd(5)} ${gflops(n, t).toFixed(2).padStart(7)} GFLOP/s`,
        );
      }
    }
    be.dispose();
  }

  // references measured in the same run
  for (const n of sizes) {
    const a = randomMatrix(n, n, n, false) as Matrix<Float64Array>;
    const b = randomMatrix(n + 1, n, n, false) as Matrix<Float64Array>;
    const tPlain = await measure(`plain JS ${n}`, () => plainJsMatmul(a.data, b.data, n), {
      timeMs: 500,
      iterations: n >= 1024 ? 2 : 3,
    });
    rows.push({ impl: 'plain JS loops (ikj)', mode: 'js', dtype: 'f64', n, gflops: gflops(n, tPlain), timing: tPlain });
    log(`  plain JS ikj       f64 n=${n} ${gflops(n, tPlain).toFixed(2)} GFLOP/s`);
    if (n <= 512) {
      const tNaive = await measure(`naive ${n}`, () => naiveMatmul(a, b), { timeMs: 300, iterations: 2 });
      rows.push({
        impl: 'naive triple loop (ijk)',
        mode: 'js',
        dtype: 'f64',
        n,
        gflops: gflops(n, tNaive),
        timing: tNaive,
      });
    }
    const ma = mathMatrix(toNested(a));
    const mb = mathMatrix(toNested(b));
    const tMath = await measure(`mathjs ${n}`, () => multiply(ma, mb), { timeMs: 500, iterations: n >= 1024 ? 2 : 3 });
    rows.push({ impl: 'mathjs multiply', mode: 'js', dtype: 'f64', n, gflops: gflops(n, tMath), timing: tMath });
    log(`  mathjs             f64 n=${n} ${gflops(n, tMath).toFixed(2)} GFLOP/s`);
  }

  let numpy = 'not measured';
  for (const threads of ['1', 'all'] as const) {
    const env: Record<string, string> =
      threads === '1' ? { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } : {};
    const ref = runPythonReference(NUMPY_SCRIPT([...sizes]), ['numpy'], env);
    if ('unavailable' in ref) {
      numpy = ref.unavailable;
      break;
    }
    const r = ref.result as { version: string; blas: unknown; rows: { dtype: string; n: number; ms: number }[] };
    numpy = `numpy ${r.version} (${ref.python}), BLAS ${JSON.stringify(r.blas)}`;
    for (const row of r.rows) {
      const g = (2 * row.n ** 3) / row.ms / 1e6;
      rows.push({
        impl: `numpy (${threads === '1' ? '1 thread' : 'all threads'})`,
        mode: 'BLAS',
        dtype: row.dtype === 'float64' ? 'f64' : 'f32',
        n: row.n,
        gflops: g,
        timing: { meanMs: row.ms, minMs: row.ms, moeMs: 0, samples: 5 },
      });
      log(`  numpy ${threads.padEnd(4)} ${row.dtype} n=${row.n} ${g.toFixed(2)} GFLOP/s`);
    }
  }

  // small dense solvers: ours vs mathjs
  const solvers: SolverRow[] = [];
  const cpu = createCpuBackend({ threads: 1 });
  for (const n of [16, 64, 128, 256]) {
    const r = randomMatrix(77 + n, n, n, false) as Matrix<Float64Array>;
    const sym = { rows: n, cols: n, data: new Float64Array(n * n) };
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) sym.data[i * n + j] = r.data[i * n + j]! + r.data[j * n + i]!;
    const rhs = randomMatrix(5, n, 1, false) as Matrix<Float64Array>;
    const nested = toNested(sym);
    const nestedRhs = toNested(rhs);
    const small = { timeMs: 300, iterations: 3 };
    const slow = { timeMs: 0, iterations: 2 };
    const ours = await measure(`eig ours ${n}`, () => cpu.symmetricEigen(sym), small);
    const theirs = await measure(`eig mathjs ${n}`, () => eigs(nested), n >= 128 ? slow : small);
    const oursLu = await measure(`lu ours ${n}`, () => cpu.solve(sym, rhs), small);
    const theirsLu = await measure(`lu mathjs ${n}`, () => lusolve(nested, nestedRhs), n >= 128 ? slow : small);
    solvers.push(
      { op: 'symmetricEigen', impl: 'rgdl (tred2+tql2)', n, ms: ours.meanMs },
      { op: 'symmetricEigen', impl: 'mathjs eigs', n, ms: theirs.meanMs },
      { op: 'solve', impl: 'rgdl (pivoted LU)', n, ms: oursLu.meanMs },
      { op: 'solve', impl: 'mathjs lusolve', n, ms: theirsLu.meanMs },
    );
    log(
      `  n=${n}: eig ours ${ours.meanMs.toFixed(2)} ms vs mathjs ${theirs.meanMs.toFixed(2)} ms; solve ours ${oursLu.meanMs.toFixed(3)} ms vs mathjs ${theirsLu.meanMs.toFixed(3)} ms`,
    );
  }
  cpu.dispose();
  return { matmul: rows, solvers, numpy, gpujsModes };
}

/** Markdown tables of a kernels result. */
export function kernelsMarkdown(r: KernelsResult): string {
  const sizes = [...new Set(r.matmul.map((x) => x.n))].sort((a, b) => a - b);
  const impls = [...new Set(r.matmul.map((x) => `${x.impl}|${x.dtype}`))];
  const lines = [
    '### Matrix product C = A·B, GFLOP/s (2n³ / fastest call)',
    '',
    `| implementation | mode | dtype | ${sizes.map((n) => `n=${n}`).join(' | ')} |`,
    `|---|---|---|${sizes.map(() => '---:').join('|')}|`,
  ];
  for (const key of impls) {
    const [impl, dtype] = key.split('|');
    const cells = sizes.map((n) => {
      const row = r.matmul.find((x) => x.impl === impl && x.dtype === dtype && x.n === n);
      return row?.gflops == null ? '—' : row.gflops.toFixed(2);
    });
    const mode = r.matmul.find((x) => x.impl === impl)?.mode ?? '';
    lines.push(`| ${impl} | ${mode} | ${dtype} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    `numpy reference: ${r.numpy}`,
    '',
    `gpu.js modes that actually ran: ${JSON.stringify(r.gpujsModes)}`,
    '',
  );
  const ns = [...new Set(r.solvers.map((x) => x.n))];
  lines.push(
    '### Small dense solvers, mean ms per call',
    '',
    `| op | implementation | ${ns.map((n) => `n=${n}`).join(' | ')} |`,
    `|---|---|${ns.map(() => '---:').join('|')}|`,
  );
  for (const key of [...new Set(r.solvers.map((x) => `${x.op}|${x.impl}`))]) {
    const [op, impl] = key.split('|');
    lines.push(
      `| ${op} | ${impl} | ${ns.map((n) => r.solvers.find((x) => x.op === op && x.impl === impl && x.n === n)!.ms.toFixed(3)).join(' | ')} |`,
    );
  }
  return lines.join('\n') + '\n';
}
