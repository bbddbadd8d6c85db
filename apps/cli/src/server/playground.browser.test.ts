/**
 * The playground in a real browser: Debian's Chromium, headless, driven by
 * playwright-core (no browser download), against `rgdl serve --ui`. Skipped with
 * a message where no Chromium is installed, unless RGDL_EXPECT_BROWSER=1 (set by
 * .ci/run), where a missing browser fails.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, matrix } from '@rgdl/gpu-kernels';
import { argmax, createService, LABEL_PRESERVING } from '@rgdl/poison';
import { parseModel } from '@rgdl/rbm';
import { chromiumPath, haveChromium, launchChromium } from '@rgdl/vitest-config/chromium';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;
import { spawnRgdl } from '../cli.test-helpers.js';
import { defaultUiDirectory } from './static-ui.js';

const expectBrowser = process.env.RGDL_EXPECT_BROWSER === '1';
const haveBrowser = haveChromium();
const root = join(import.meta.dirname, '..', '..', '..', '..');
const victimPath = join(root, 'apps', 'web', 'fixtures', 'victim.json');
const digitsPath = join(root, 'apps', 'web', 'public', 'digits.json');
const artifacts = join(root, '.artifacts');
const EPS = 0.2;

if (!haveBrowser)
  console.log(
    `browser test: no Chromium at ${chromiumPath} (apt-get install chromium)${expectBrowser ? '' : '; skipped'}`,
  );

/** What the page keeps in window.rgdl (apps/web/src/main.ts PageState), as far as the test reads it. */
interface PageState {
  interactiveMs?: number;
  backend?: { mode: string; sharedMemory: boolean };
  input?: number[];
  answers?: { defence: string; label: number; answer: number[] }[];
  pending?: string[];
  fisher?: { eigenvalues: number[] };
  stability?: { singularValues: number[] };
  gl?: {
    mode: string;
    renderer?: string;
    onGpu: boolean;
    agrees: boolean;
    worstRatio: number;
    gemm: { n: number; gflops: number }[];
    error?: string;
  };
  wasm?: { f32: { n: number; gflops: number }[] };
  serverAnswer?: { label: number; answer: number[] };
  serverDiagnosis?: { fisherTopEigenvalues: number[]; stability: { singularValues: number[] } | null };
  ownModel: boolean;
  errors: string[];
}

describe.runIf(haveBrowser || expectBrowser)('the playground in Chromium (rgdl serve --ui)', () => {
  let server: ReturnType<typeof spawnRgdl>;
  let base: string;
  let browser: Browser;
  let page: Page;
  let served: PageState;
  const state = () => page.evaluate(() => (globalThis as unknown as { rgdl: PageState }).rgdl);

  beforeAll(async () => {
    expect(haveBrowser, `Chromium expected at ${chromiumPath} (RGDL_EXPECT_BROWSER=1)`).toBe(true);
    expect(defaultUiDirectory(), 'apps/web is not built: pnpm --filter @rgdl/web build').toBeDefined();
    server = spawnRgdl([
      'serve',
      '--ui',
      '--model',
      victimPath,
      '--eps',
      String(EPS),
      '--port',
      '0',
      '--log-level',
      'info',
    ]);
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = out.match(/"ui":"(http:\/\/[^"]+)"/);
        if (m) resolve(m[1]!);
      });
      server.on('close', (code) => reject(new Error(`rgdl serve exited ${code}: ${out}`)));
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(base);
    // served mode: the server's answer and diagnosis, the kernel checks; no model on the page
    await page.waitForFunction(
      () => {
        const s = (globalThis as unknown as { rgdl?: PageState }).rgdl;
        return (
          s?.serverAnswer !== undefined && s.serverDiagnosis !== undefined && s.gl !== undefined && s.wasm !== undefined
        );
      },
      null,
      { timeout: 240_000 },
    );
    served = await state();
    // then the person loads the model file from their own disk: every defence, computed in the page
    await page.setInputFiles('#model-file', victimPath);
    await page.waitForFunction(
      () => {
        const s = (globalThis as unknown as { rgdl?: PageState }).rgdl;
        return s?.pending?.length === 0 && s.stability !== undefined;
      },
      null,
      { timeout: 240_000 },
    );
  }, 420_000);
  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  it("served: shows the server's answer and diagnosis without any model reaching the page", async () => {
    expect(served.errors).toEqual([]);
    expect(served.ownModel).toBe(false);
    expect(served.answers).toBeUndefined(); // nothing computed in the page without a model of the person's own
    expect(served.interactiveMs).toBeGreaterThan(0);
    const digits = JSON.parse(readFileSync(digitsPath, 'utf8')) as { labels: number[]; rows: string[] };
    expect(served.input).toEqual(Array.from(digits.rows[0]!, (c) => (c === '1' ? 1 : 0)));
    const { net } = parseModel(readFileSync(victimPath, 'utf8'));
    const be = await createBackend();
    const x = matrix(1, served.input!.length, Float64Array.from(served.input!));
    const node = createService(be, net, { defence: 'fim', epsilon: EPS, seed: 1 }).answer(x).served.data;
    be.dispose();
    expect(served.serverAnswer!.label).toBe(argmax(node));
    expect(served.serverAnswer!.label).toBe(digits.labels[0]);
    expect(Math.max(...served.serverAnswer!.answer.map((v, c) => Math.abs(v - node[c]!)))).toBeLessThanOrEqual(1e-9);
    expect(served.serverDiagnosis!.fisherTopEigenvalues).toHaveLength(10);
    expect(served.serverDiagnosis!.stability!.singularValues).toHaveLength(64);
    // what the page fetched: no response carried the model file
    const files = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    expect(files.some((f) => /victim|\.model|weights/.test(f))).toBe(false);
  });

  it('own model file: classifies test digit 0 exactly as Node does, and as the server serves it', async () => {
    const s = await state();
    expect(s.errors).toEqual([]);
    expect(s.ownModel).toBe(true);
    expect(s.backend?.mode).toBe('wasm-simd');
    expect(s.backend?.sharedMemory).toBe(true); // the server sends COOP/COEP
    const digits = JSON.parse(readFileSync(digitsPath, 'utf8')) as { labels: number[]; rows: string[] };
    const { net } = parseModel(readFileSync(victimPath, 'utf8'));
    const be = await createBackend();
    const x = matrix(1, s.input!.length, Float64Array.from(s.input!));
    for (const defence of ['none', 'fim', 'random-class'] as const) {
      const node = createService(be, net, { defence, epsilon: EPS, seed: 1 }).answer(x).served.data;
      const browserAnswer = s.answers!.find((a) => a.defence === defence)!.answer;
      const worst = Math.max(...browserAnswer.map((v, c) => Math.abs(v - node[c]!)));
      expect(worst, defence).toBeLessThanOrEqual(1e-12);
    }
    be.dispose();
    const clean = s.answers!.find((a) => a.defence === 'none')!;
    expect(clean.label).toBe(digits.labels[0]);
    // the server's answer (rounded to 1e-9) is the page's fim answer
    const fim = s.answers!.find((a) => a.defence === 'fim')!;
    expect(s.serverAnswer!.label).toBe(clean.label);
    expect(Math.max(...fim.answer.map((v, c) => Math.abs(v - s.serverAnswer!.answer[c]!)))).toBeLessThanOrEqual(1e-9);
    // the page's λ₁ per class equal the server's (same estimator, same seed)
    expect(s.fisher!.eigenvalues.map((v) => v.toFixed(9))).toEqual(
      served.serverDiagnosis!.fisherTopEigenvalues.map((v) => v.toFixed(9)),
    );
  });

  it('serves poisoned answers that keep the label', async () => {
    const s = await state();
    const clean = s.answers!.find((a) => a.defence === 'none')!;
    const fim = s.answers!.find((a) => a.defence === 'fim')!;
    expect(Math.hypot(...fim.answer.map((v, c) => v - clean.answer[c]!))).toBeGreaterThan(0.05);
    for (const a of s.answers!.filter((a) => LABEL_PRESERVING.includes(a.defence as never))) {
      expect(argmax(Float64Array.from(a.answer)), a.defence).toBe(clean.label);
      expect(
        a.answer.reduce((p, q) => p + q, 0),
        a.defence,
      ).toBeCloseTo(1, 9);
    }
    expect(s.fisher!.eigenvalues).toHaveLength(10);
    expect(s.stability!.singularValues.length).toBe(64);
  });

  it('runs gpu.js in WebGL, its kernels agree with the CPU backend within f32 tolerance, and times GEMM beside wasm', async () => {
    const s = await state();
    const gl = s.gl!;
    console.log(
      `browser: gpu.js ${gl.mode} on ${gl.renderer ?? 'an unnamed renderer'} (worst ${gl.worstRatio.toFixed(3)} of the f32 bound); GEMM n=256 ${gl.gemm.find((t) => t.n === 256)?.gflops.toFixed(2)} GFLOP/s vs wasm f32 ${s.wasm!.f32.find((t) => t.n === 256)?.gflops.toFixed(1)}; interactive ${s.interactiveMs!.toFixed(0)} ms`,
    );
    expect(gl.error).toBeUndefined();
    expect(gl.mode).toMatch(/^gpujs:webgl2?$/);
    expect(gl.onGpu).toBe(true);
    expect(gl.agrees).toBe(true);
    expect(gl.worstRatio).toBeLessThanOrEqual(1);
    expect(gl.gemm.every((t) => t.gflops > 0)).toBe(true);
  });

  it('without cross-origin isolation (no SharedArrayBuffer) runs the unshared wasm build and gives the same answers', async () => {
    const isolated = await state();
    const context = await browser.newContext();
    // the same server, its COOP/COEP headers removed on the way to the page
    await context.route('**/*', async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    });
    const plain = await context.newPage();
    await plain.goto(base);
    await plain.waitForFunction(() => (globalThis as unknown as { rgdl?: PageState }).rgdl?.serverAnswer !== undefined);
    await plain.setInputFiles('#model-file', victimPath);
    await plain.waitForFunction(
      () => (globalThis as unknown as { rgdl?: PageState }).rgdl?.answers !== undefined,
      null,
      {
        timeout: 120_000,
      },
    );
    const s = await plain.evaluate(() => (globalThis as unknown as { rgdl: PageState }).rgdl);
    expect(await plain.evaluate(() => typeof SharedArrayBuffer)).toBe('undefined');
    expect(s.backend?.sharedMemory).toBe(false);
    expect(s.backend?.mode).toBe('wasm-simd');
    for (const a of s.answers!) {
      expect(a.answer, a.defence).toEqual(isolated.answers!.find((b) => b.defence === a.defence)!.answer);
    }
    await context.close();
  });

  it('answers a digit drawn with the mouse, and writes a screenshot', async () => {
    await page.click('#clear');
    await page.waitForFunction(() => (globalThis as unknown as { rgdl: PageState }).rgdl.input?.every((v) => v === 0));
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 20 });
    await page.mouse.up();
    await page.waitForFunction(() => {
      const s = (globalThis as unknown as { rgdl: PageState }).rgdl;
      return (s.input?.some((v) => v === 1) ?? false) && s.answers !== undefined;
    });
    const s = await state();
    expect(s.input!.filter((v) => v === 1).length).toBeGreaterThanOrEqual(8);
    const clean = s.answers!.find((a) => a.defence === 'none')!;
    expect(s.answers!.find((a) => a.defence === 'fim')!.label).toBe(clean.label);
    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, 'playground.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    console.log(`browser test: screenshot ${shot}`);
  });
});
