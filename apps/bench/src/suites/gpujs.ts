/**
 * gpu.js suite: the GL path measured for real, beside the wasm path in the same run.
 *  - headless-gl (this process; run under `xvfb-run -a` so Mesa's software GL has a
 *    display): GEMM n×n·n×n in f32 through gpu.js 'headlessgl' mode, against the
 *    wasm-SIMD GEMM (f32 and f64, one thread) and gpu.js 'webasm' on the same operands.
 *  - Chromium (Debian's, headless, via playwright-core): the playground page served
 *    by `rgdl serve --ui`, loaded `loads` times in fresh contexts; the time from
 *    navigation to the first answers (the "interactive" target: < 2 s), the gpu.js
 *    mode the page got (WebGL2 under SwiftShader here), its kernels' agreement with
 *    the CPU backend, and its GEMM speed beside the page's wasm GEMM.
 * Each part reports why it did not run where it cannot.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { createCpuBackend, createGpuJsBackend, type Backend } from '@rgdl/gpu-kernels';
import { chromiumPath, haveChromium, launchChromium } from '@rgdl/vitest-config/chromium';
import { measure } from '../measure.js';
import { startServer } from './server.js';

export interface GemmRow {
  readonly n: number;
  readonly gflops: Record<string, number>;
}

export interface GpujsSuiteResult {
  readonly headlessGl: { readonly mode: string; readonly rows: GemmRow[]; readonly note?: string };
  readonly browser: {
    readonly chromium?: string;
    readonly loads: number;
    readonly interactiveMs: number[];
    readonly medianInteractiveMs?: number;
    readonly glMode?: string;
    readonly renderer?: string;
    readonly agrees?: boolean;
    readonly worstRatio?: number;
    readonly rows: GemmRow[];
    readonly note?: string;
  };
}

function operand(n: number, f64: boolean, salt: number) {
  const data = f64 ? new Float64Array(n * n) : new Float32Array(n * n);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(0.37 * i + salt);
  return { rows: n, cols: n, data };
}

async function gflops(be: Backend, n: number, f64: boolean): Promise<number> {
  const a = operand(n, f64, 1);
  const b = operand(n, f64, 2);
  const t = await measure(`${be.mode} ${n}`, () => be.matmul(a, b), { timeMs: 400, iterations: 3 });
  return (2 * n ** 3) / (t.minMs / 1000) / 1e9;
}

async function headlessGl(sizes: readonly number[], log: (s: string) => void): Promise<GpujsSuiteResult['headlessGl']> {
  let gl: Backend | undefined;
  let note: string | undefined;
  try {
    gl = await createGpuJsBackend({ mode: 'headlessgl' });
  } catch (error) {
    note = `gpu.js refused 'headlessgl' (${(error as Error).message}): build \`gl\` and run under xvfb-run -a`;
    log(`  headless-gl: ${note}`);
  }
  const wasm = createCpuBackend({ threads: 1 });
  const webasm = await createGpuJsBackend({ mode: 'webasm' });
  const rows: GemmRow[] = [];
  for (const n of sizes) {
    const row: Record<string, number> = {};
    if (gl !== undefined) row[`gpu.js ${gl.mode} f32`] = await gflops(gl, n, false);
    row['gpu.js webasm f32'] = await gflops(webasm, n, false);
    row['wasm-simd f32'] = await gflops(wasm, n, false);
    row['wasm-simd f64'] = await gflops(wasm, n, true);
    rows.push({ n, gflops: row });
    log(
      `  n = ${n}: ${Object.entries(row)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')} GFLOP/s`,
    );
  }
  const mode = gl?.mode ?? 'unavailable';
  gl?.dispose();
  wasm.dispose();
  webasm.dispose();
  return { mode, rows, ...(note !== undefined ? { note } : {}) };
}

interface PageState {
  interactiveMs?: number;
  gl?: { mode: string; renderer?: string; agrees: boolean; worstRatio: number; gemm: { n: number; gflops: number }[] };
  wasm?: { f32: { n: number; gflops: number }[]; f64: { n: number; gflops: number }[] };
}

async function browser(loads: number, log: (s: string) => void): Promise<GpujsSuiteResult['browser']> {
  if (!haveChromium()) return { loads: 0, interactiveMs: [], rows: [], note: `no Chromium at ${chromiumPath}` };
  const webDist = join(dirname(createRequire(import.meta.url).resolve('@rgdl/web/package.json')), 'dist');
  if (!existsSync(join(webDist, 'index.html')))
    return { loads: 0, interactiveMs: [], rows: [], note: 'apps/web is not built (pnpm --filter @rgdl/web build)' };
  const victim = join(dirname(webDist), 'fixtures', 'victim.json');
  const { child, url } = await startServer(victim, ['--ui', '--defence', 'fim', '--eps', '0.2']);
  const b = await launchChromium();
  try {
    const interactiveMs: number[] = [];
    let last: PageState | undefined;
    for (let i = 0; i < loads; i++) {
      const context = await b.newContext();
      const page = await context.newPage();
      await page.goto(url);
      const done = i === loads - 1 ? 's.gl !== undefined && s.wasm !== undefined' : 'true';
      await page.waitForFunction(
        `(() => { const s = globalThis.rgdl; return s?.interactiveMs !== undefined && ${done}; })()`,
        null,
        {
          timeout: 120_000,
        },
      );
      last = (await page.evaluate('globalThis.rgdl')) as PageState;
      interactiveMs.push(last.interactiveMs!);
      await context.close();
    }
    const sorted = [...interactiveMs].sort((p, q) => p - q);
    const rows = (last?.gl?.gemm ?? []).map((t) => ({
      n: t.n,
      gflops: {
        [`gpu.js ${last!.gl!.mode} f32`]: t.gflops,
        'wasm-simd f32': last!.wasm!.f32.find((w) => w.n === t.n)!.gflops,
        'wasm-simd f64': last!.wasm!.f64.find((w) => w.n === t.n)!.gflops,
      },
    }));
    log(
      `  Chromium ${b.version()}: interactive ${interactiveMs.map((v) => v.toFixed(0)).join(', ')} ms; gpu.js ${last?.gl?.mode}`,
    );
    return {
      chromium: b.version(),
      loads,
      interactiveMs,
      medianInteractiveMs: sorted[Math.floor(sorted.length / 2)]!,
      glMode: last?.gl?.mode ?? 'none',
      ...(last?.gl?.renderer !== undefined ? { renderer: last.gl.renderer } : {}),
      agrees: last?.gl?.agrees ?? false,
      worstRatio: last?.gl?.worstRatio ?? Number.NaN,
      rows,
    };
  } finally {
    await b.close();
    child.kill('SIGTERM');
  }
}

export async function runGpujsSuite(options: { quick: boolean; log: (s: string) => void }): Promise<GpujsSuiteResult> {
  options.log('headless-gl (this process):');
  const headless = await headlessGl(options.quick ? [64, 128] : [128, 256, 512], options.log);
  options.log('Chromium (the playground page):');
  const page = await browser(options.quick ? 2 : 5, options.log);
  return { headlessGl: headless, browser: page };
}

function table(rows: readonly GemmRow[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]!.gflops);
  return [
    `| n | ${keys.join(' | ')} |`,
    `|---:|${keys.map(() => '---:').join('|')}|`,
    ...rows.map((r) => `| ${r.n} | ${keys.map((k) => r.gflops[k]!.toFixed(2)).join(' | ')} |`),
  ].join('\n');
}

export function gpujsMarkdown(r: GpujsSuiteResult): string {
  const b = r.browser;
  return [
    `GEMM n×n·n×n, GFLOP/s (best of ≥ 3 calls). **headless-gl** (gpu.js mode that ran: \`${r.headlessGl.mode}\`, Mesa software GL under Xvfb)${r.headlessGl.note ? ` — ${r.headlessGl.note}` : ''}:`,
    '',
    table(r.headlessGl.rows),
    '',
    b.note !== undefined
      ? `**Chromium**: not run (${b.note}).`
      : `**Chromium ${b.chromium}** (headless, the playground page from \`rgdl serve --ui\`): gpu.js ran in \`${b.glMode}\`${b.renderer !== undefined ? ` on ${b.renderer}` : ''}; its kernels ${b.agrees ? 'agree' : 'do NOT agree'} with the CPU backend within f32 tolerance (worst ${b.worstRatio?.toFixed(3)} of the bound). Navigation to first answers over ${b.loads} loads in fresh contexts: ${b.interactiveMs.map((v) => v.toFixed(0)).join(', ')} ms (median ${b.medianInteractiveMs?.toFixed(0)} ms; target < 2,000 ms).`,
    '',
    table(b.rows),
    '',
  ].join('\n');
}
