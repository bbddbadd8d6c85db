/**
 * The playground page: input pad and test digits on the main thread; gpu.js
 * checked on the main thread (GL needs a document). Two sources of answers:
 *  - served by `rgdl serve --ui`: the protected server's answer for the drawn
 *    digit and its diagnosis (per-class λ₁, stability spectrum) over its API.
 *    The page never gets the server's weights, clean answers or directions.
 *  - a model file the person loads from their own disk: every defence side by
 *    side, the FIM and its poison direction, computed in two Web Workers.
 * Everything measured is also kept in `window.rgdl` (the browser test reads it).
 */
import type { ClassDirections, ServerDiagnosis, ServerModelInfo } from '@rgdl/poison';
import { digitPixels, type DigitsDocument } from './digits.js';
import { checkGl, type GlCheck } from './gl-check.js';
import { barChart, esc } from './plots.js';
import {
  FIM_DEFENCES,
  type AnswerReply,
  type AnswerRequest,
  type BackendInfo,
  type DefenceAnswer,
  type DiagnosisReply,
  type DiagnosisRequest,
  type GemmTiming,
} from './protocol.js';

type ServerInfo = ServerModelInfo;

/** What the page has measured so far (read by the browser test). */
export interface PageState {
  interactiveMs?: number;
  backend?: BackendInfo;
  widths?: number[];
  input?: number[];
  digit?: number | undefined;
  answers?: DefenceAnswer[];
  pending?: string[];
  answerSeconds?: number;
  fisher?: { eigenvalues: number[]; seconds: number } | undefined;
  stability?: { singularValues: number[]; errors: number[]; seconds: number } | undefined;
  gl?: GlCheck;
  wasm?: { f64: GemmTiming[]; f32: GemmTiming[] };
  server?: ServerInfo;
  serverAnswer?: { label: number; answer: number[] };
  serverDiagnosis?: ServerDiagnosis;
  /** Whether a model file of the person's own is loaded (local answers under every defence). */
  ownModel: boolean;
  errors: string[];
}

const state: PageState = { errors: [], ownModel: false };
(globalThis as unknown as { rgdl: PageState }).rgdl = state;

const GEMM_SIZES = [128, 256] as const;
const DEFAULT_EPSILON = 0.2;
const SEED = 1;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($('status').textContent = text);
const fail = (where: string, message: string) => {
  state.errors.push(`${where}: ${message}`);
  status(`error in ${where}: ${message}`);
};

const answersWorker = new Worker(new URL('./answers.worker.ts', import.meta.url), { type: 'module' });
const diagnosisWorker = new Worker(new URL('./diagnosis.worker.ts', import.meta.url), { type: 'module' });
const ask = (msg: AnswerRequest) => answersWorker.postMessage(msg);
for (const [name, worker] of [
  ['answers worker', answersWorker],
  ['diagnosis worker', diagnosisWorker],
] as const) {
  worker.addEventListener('error', (e) => fail(name, e.message || 'failed to start'));
}

// --- input pad ---------------------------------------------------------------
let side = 14;
let pixels: Float64Array = new Float64Array(side * side);
const pad = $<HTMLCanvasElement>('pad');
const ctx = pad.getContext('2d')!;

function drawPad(): void {
  const cell = pad.width / side;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  ctx.fillStyle = '#1d2430';
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) if (pixels[i * side + j]! > 0) ctx.fillRect(j * cell, i * cell, cell, cell);
}

let painting: 0 | 1 | undefined;
function paintAt(event: PointerEvent): void {
  const rect = pad.getBoundingClientRect();
  const j = Math.floor(((event.clientX - rect.left) / rect.width) * side);
  const i = Math.floor(((event.clientY - rect.top) / rect.height) * side);
  if (i < 0 || j < 0 || i >= side || j >= side || painting === undefined) return;
  pixels[i * side + j] = painting;
  drawPad();
}
pad.addEventListener('pointerdown', (e) => {
  painting = e.button === 2 || e.shiftKey ? 0 : 1;
  pad.setPointerCapture(e.pointerId);
  paintAt(e);
});
pad.addEventListener('pointermove', paintAt);
pad.addEventListener('pointerup', () => {
  painting = undefined;
  state.digit = undefined;
  $('digit-label').textContent = 'your drawing (shift or right button erases)';
  classify();
});
pad.addEventListener('contextmenu', (e) => e.preventDefault());

// --- answers -------------------------------------------------------------------
let requestId = 0;
let epsilon = DEFAULT_EPSILON;

function classify(): void {
  state.input = Array.from(pixels);
  if (state.ownModel) ask({ type: 'classify', id: ++requestId, input: Float64Array.from(pixels) });
  void askServer(state.input);
}

/** The first answer on screen (served or local) makes the page interactive; the kernel checks start then. */
function markInteractive(seconds: number): void {
  if (state.interactiveMs !== undefined) return;
  state.interactiveMs = performance.now();
  status(
    `interactive ${(state.interactiveMs / 1000).toFixed(2)} s after navigation; answer in ${(seconds * 1000).toFixed(0)} ms`,
  );
  setTimeout(runGlCheck, 50);
}

async function askServer(input: number[]): Promise<void> {
  if (state.server === undefined || state.server.widths[0] !== input.length) return;
  try {
    const res = await fetch('/v1/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [input] }),
    });
    const t0 = performance.now();
    const body = (await res.json()) as { labels: number[]; answers: number[][]; message?: string };
    if (!res.ok) throw new Error(body.message ?? `${res.status}`);
    state.serverAnswer = { label: body.labels[0]!, answer: body.answers[0]! };
    const s = state.server;
    const strength = s.strength === null ? '' : ` ${s.strength.symbol} = ${s.strength.value}`;
    $('server').innerHTML =
      `<b>The protected server</b> (${esc(s.model)}, ${esc(s.defence)}${strength}) answers ` +
      `label <b>${body.labels[0]}</b>: ${body.answers[0]!.map((v) => v.toFixed(2)).join(' ')}`;
    markInteractive((performance.now() - t0) / 1000);
  } catch (error) {
    fail('server', (error as Error).message);
  }
}

function renderAnswers(answers: DefenceAnswer[], pending: string[]): void {
  const classes = answers[0]?.answer.length ?? 0;
  const clean = answers.find((a) => a.defence === 'none');
  const head = `<tr><th>defence</th><th>label</th>${Array.from({ length: classes }, (_, c) => `<th>${c}</th>`).join('')}</tr>`;
  const rows = answers.map((a) => {
    const changed = clean !== undefined && a.label !== clean.label;
    const cells = a.answer
      .map(
        (v, c) =>
          `<td class="cell${c === a.label ? ' top' : ''}"><span class="fill" style="height:${Math.max(0, Math.min(1, v)) * 100}%"></span>${v.toFixed(2)}</td>`,
      )
      .join('');
    const name = a.defence === 'none' ? 'none (clean ŷ)' : a.defence;
    return `<tr class="${changed ? 'changed' : ''}" data-defence="${a.defence}"><td>${name}</td><td>${a.label}</td>${cells}</tr>`;
  });
  const waiting = pending.map(
    (d) =>
      `<tr data-defence="${d}"><td>${d}</td><td colspan="${classes + 1}">waiting for the Fisher information…</td></tr>`,
  );
  $('answers').innerHTML = head + rows.join('') + waiting.join('');
}

let directions: ClassDirections | undefined;
function renderFisher(eigenvalues: readonly number[], highlight: number | undefined, whose: string): void {
  $('fisher-chart').innerHTML = barChart({
    title: `top eigenvalue λ₁ of the generation FIM F̃(e_c), per class (${whose})`,
    labels: eigenvalues.map((_, c) => String(c)),
    values: eigenvalues,
    yLabel: 'λ₁',
    ...(highlight !== undefined ? { highlight } : {}),
  });
}

function renderStability(msg: {
  singularValues: number[];
  errors: number[];
  rows: number;
  cols: number;
  samples: number;
  seconds: number;
}): void {
  state.stability = { singularValues: msg.singularValues, errors: msg.errors, seconds: msg.seconds };
  $('diagnosis-status').textContent =
    `stability matrix ${msg.rows}×${msg.cols} (${msg.samples.toLocaleString('en')} samples; ${msg.seconds.toFixed(1)} s with the FIM); ` +
    `${msg.singularValues.filter((v) => v > 1).length} of ${msg.singularValues.length} singular values exceed 1 (relevant)`;
  $('stability-chart').innerHTML = barChart({
    title: 'singular values of the stability matrix T̃(1) at y = e₀ (MCRG, ± jackknife)',
    labels: msg.singularValues.map((_, i) => String(i + 1)),
    values: msg.singularValues,
    errors: msg.errors,
    reference: { value: 1, label: 'σ = 1' },
    yLabel: 'σ',
    width: 520,
  });
}
function renderDirection(): void {
  const clean = state.answers?.find((a) => a.defence === 'none');
  const fim = state.answers?.find((a) => a.defence === 'fim');
  if (directions === undefined || clean === undefined) return;
  renderFisher(Array.from(directions.eigenvalues), clean.label, 'your model');
  const v1 = directions.directions[clean.label];
  const v1Chart =
    v1 === undefined
      ? ''
      : barChart({
          title: `poison direction: top eigenvector v₁ of F̃(e_${clean.label}) (λ₁ = ${directions.eigenvalues[clean.label]!.toFixed(2)})`,
          labels: Array.from(v1, (_, c) => String(c)),
          values: Array.from(v1),
          yLabel: 'v₁',
          highlight: clean.label,
        });
  if (fim === undefined) {
    $('direction-chart').innerHTML = v1Chart;
    return;
  }
  const delta = fim.answer.map((v, c) => v - clean.answer[c]!);
  $('direction-chart').innerHTML =
    v1Chart +
    barChart({
      title: `poison served for this input: δy = ŷ′(fim) − ŷ (‖δy‖₂ = ${Math.hypot(...delta).toFixed(3)})`,
      labels: delta.map((_, c) => String(c)),
      values: delta,
      yLabel: 'δy',
      highlight: clean.label,
    });
}

answersWorker.onmessage = (event: MessageEvent<AnswerReply>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'loaded': {
      if (msg.widths[0] !== side * side) {
        fail(
          'model',
          `it takes ${msg.widths[0]} inputs; this page draws ${side}×${side} = ${side * side}-pixel digits`,
        );
        return;
      }
      state.backend = msg.backend;
      state.widths = msg.widths;
      const acc = msg.metadata.testAccuracy;
      $('model-info').textContent =
        `model [${msg.widths.join(', ')}]${typeof acc === 'number' ? `, test accuracy ${(100 * acc).toFixed(1)}% (eq. 2)` : ''}; ` +
        `answers on ${msg.backend.name} (${msg.backend.mode}, ${msg.backend.precision}${msg.backend.sharedMemory ? ', shared memory' : ', no SharedArrayBuffer'})`;
      return;
    }
    case 'answers': {
      if (msg.id !== requestId) return;
      state.answers = msg.answers;
      state.pending = msg.pending;
      state.answerSeconds = msg.seconds;
      renderAnswers(msg.answers, msg.pending);
      renderDirection();
      markInteractive(msg.seconds);
      return;
    }
    case 'bench':
      state.wasm = { f64: msg.f64, f32: msg.f32 };
      renderKernels();
      return;
    case 'error':
      fail('answers', msg.message);
  }
};

diagnosisWorker.onmessage = (event: MessageEvent<DiagnosisReply>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'progress':
      $('diagnosis-status').textContent = msg.stage;
      return;
    case 'fisher':
      directions = msg.directions;
      state.fisher = { eigenvalues: Array.from(msg.directions.eigenvalues), seconds: msg.seconds };
      ask({ type: 'directions', directions: msg.directions });
      classify();
      return;
    case 'stability':
      renderStability(msg);
      return;
    case 'error':
      fail('diagnosis', msg.message);
  }
};

// --- kernels ---------------------------------------------------------------------
function renderKernels(): void {
  const gl = state.gl;
  const rows: string[] = [];
  if (gl !== undefined) {
    rows.push(
      `<p>gpu.js ran in <b data-testid="gl-mode">${gl.mode}</b>${gl.onGpu ? ` (a GL context${gl.renderer !== undefined ? `: ${gl.renderer}` : ''})` : ' (no GL context: gpu.js fell back)'}; ` +
        (gl.error !== undefined
          ? `error: ${gl.error}</p>`
          : `its kernels ${gl.agrees ? 'agree' : '<b>do not agree</b>'} with the CPU backend within f32 tolerance (worst ${gl.worstRatio.toFixed(3)} of the bound, ${gl.checks.length} checks).</p>`),
    );
  }
  const cell = (t: GemmTiming | undefined) => (t === undefined ? '…' : `${t.gflops.toFixed(2)} GFLOP/s`);
  rows.push(
    `<table><tr><th>GEMM n×n·n×n</th>${GEMM_SIZES.map((n) => `<th>n = ${n}</th>`).join('')}</tr>` +
      `<tr><td>gpu.js ${gl?.mode ?? ''} (f32)</td>${GEMM_SIZES.map((n) => `<td>${cell(gl?.gemm.find((t) => t.n === n))}</td>`).join('')}</tr>` +
      `<tr><td>wasm SIMD (f32)</td>${GEMM_SIZES.map((n) => `<td>${cell(state.wasm?.f32.find((t) => t.n === n))}</td>`).join('')}</tr>` +
      `<tr><td>wasm SIMD (f64)</td>${GEMM_SIZES.map((n) => `<td>${cell(state.wasm?.f64.find((t) => t.n === n))}</td>`).join('')}</tr></table>`,
  );
  $('gpu').innerHTML = rows.join('');
}

async function runGlCheck(): Promise<void> {
  try {
    state.gl = await checkGl(GEMM_SIZES);
  } catch (error) {
    fail('gpu.js', (error as Error).message);
  }
  renderKernels();
  ask({ type: 'bench', sizes: GEMM_SIZES });
}

// --- loading ---------------------------------------------------------------------
let digits: DigitsDocument | undefined;
function showDigit(i: number): void {
  if (digits === undefined) return;
  const n = digits.rows.length;
  const k = ((i % n) + n) % n;
  $<HTMLInputElement>('digit').value = String(k);
  side = digits.side;
  pixels = digitPixels(digits, k);
  state.digit = k;
  $('digit-label').textContent = `test digit ${k} of ${n}: a ${digits.labels[k]} (${digits.source})`;
  drawPad();
  classify();
}

function loadModel(text: string): void {
  const settings = { epsilon, seed: SEED };
  ask({ type: 'load', modelText: text, settings });
  diagnosisWorker.postMessage({ type: 'diagnose', modelText: text, settings } satisfies DiagnosisRequest);
  $('diagnosis-status').textContent = 'starting…';
}

let modelText = '';

/** The server's diagnosis (per-class λ₁, stability spectrum), polled until it is computed. */
async function fetchDiagnosis(): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const res = await fetch('/v1/diagnosis');
    if (res.ok) {
      const d = (await res.json()) as ServerDiagnosis;
      state.serverDiagnosis = d;
      if (state.ownModel) return; // the person's own model's figures are on screen
      renderFisher(d.fisherTopEigenvalues, state.serverAnswer?.label, 'the server');
      if (d.stability !== null) renderStability({ ...d.stability, seconds: d.seconds });
      $('direction-chart').innerHTML =
        '<p>The poison direction v₁ stays on the server (it would let a client undo the poison). Load a model file of your own to see it.</p>';
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  fail('diagnosis', 'the server did not finish its diagnosis in 2 minutes');
}

async function start(): Promise<void> {
  const [digitsDoc, server] = await Promise.all([
    fetch('./digits.json').then((r) => r.json() as Promise<DigitsDocument>),
    fetch('/v1/model')
      .then((r) => (r.ok ? (r.json() as Promise<ServerInfo>) : undefined))
      .catch(() => undefined),
  ]);
  if (server !== undefined && Array.isArray(server.widths)) {
    state.server = server;
    // compute the page's FIM row at the server's ε, so the two can be compared
    if (FIM_DEFENCES.includes(server.defence as never) && server.epsilon > 0) epsilon = server.epsilon;
    $('model-info').textContent =
      `served model ${server.model} [${server.widths.join(', ')}]: answers come from the server; load a model file of your own to compare every defence`;
    $('diagnosis-status').textContent = 'the server is computing its diagnosis…';
    void fetchDiagnosis().catch((error: Error) => fail('diagnosis', error.message));
  } else {
    $('model-info').textContent = 'no server: load a model file (from rgdl train) to see its answers';
    status('load a model file to start');
    setTimeout(runGlCheck, 50);
  }
  $<HTMLInputElement>('epsilon').value = String(epsilon);
  digits = digitsDoc;
  showDigit(0);
}

$('clear').addEventListener('click', () => {
  pixels.fill(0);
  drawPad();
  classify();
});
$('prev').addEventListener('click', () => showDigit((state.digit ?? 0) - 1));
$('next').addEventListener('click', () => showDigit((state.digit ?? -1) + 1));
$<HTMLInputElement>('digit').addEventListener('change', (e) => showDigit(Number((e.target as HTMLInputElement).value)));
$<HTMLInputElement>('epsilon').addEventListener('change', (e) => {
  const v = Number((e.target as HTMLInputElement).value);
  if (!(v >= 0 && v <= 1)) return fail('ε', `must lie in [0, 1], got ${(e.target as HTMLInputElement).value}`);
  epsilon = v;
  if (!state.ownModel) return;
  ask({ type: 'load', modelText, settings: { epsilon, seed: SEED } });
  if (directions !== undefined) ask({ type: 'directions', directions });
  classify();
});
$<HTMLInputElement>('model-file').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file === undefined) return;
  modelText = await file.text();
  directions = undefined;
  state.fisher = undefined;
  state.stability = undefined;
  state.ownModel = true;
  loadModel(modelText);
  classify();
});

drawPad();
start().catch((error: Error) => fail('loading', error.message));
