/**
 * Host side of the WebAssembly SIMD GEMM (asm/gemm.ts): owns one linear memory,
 * copies operands in, splits the rows of C between this thread and an optional
 * helper thread, and copies the product out. Synchronous: the caller blocks
 * (Atomics.wait) until the helper's half is done. Where SharedArrayBuffer is
 * unavailable (a browser page without cross-origin isolation) the module built
 * with unshared memory runs on the calling thread alone.
 */
import { platform } from '#platform';
import type { HelperThread } from '../platform/platform.js';
import type { StridedOperand } from '../kernels/strided.js';
import type { FloatArray } from '../matrix.js';
import { GEMM_WASM_BASE64, GEMM_WASM_LOCAL_BASE64 } from '../wasm/gemm-module.js';
import { wasmApi, type WasmMemory } from '../wasm/webassembly-api.js';

export interface GemmExports {
  dgemm: GemmFn;
  sgemm: GemmFn;
  sigmoid32(ptr: number, count: number): void;
  scratchBytes64(): number;
  scratchBytes32(): number;
  biasSigmoid32(c: number, ldc: number, bias: number, rows: number, cols: number): void;
  biasSigmoidSample32(
    c: number,
    ldc: number,
    bias: number,
    rows: number,
    cols: number,
    out: number,
    ldo: number,
    state: number,
  ): void;
  bernoulli32(p: number, ldp: number, out: number, ldo: number, rows: number, cols: number, state: number): void;
  sqDiff32(a: number, lda: number, b: number, ldb: number, rows: number, cols: number): number;
  negate32(x: number, ld: number, rows: number, cols: number): void;
  chunkProducts64(e: number, n: number, chunk: number, s: number, c: number, out: number): number;
  flipUpdate64(n: number, sign: number, w: number, e: number, u: number, s: number, c: number): void;
  axpy64(n: number, a: number, x: number, y: number): void;
  fillColumn32(x: number, ld: number, rows: number, col: number, value: number): void;
  cdUpdate32(
    d: number,
    nu: number,
    nl: number,
    w64: number,
    vw: number,
    w32: number,
    a64: number,
    va: number,
    a32: number,
    b64: number,
    vb: number,
    b32: number,
    scale: number,
    lr: number,
    mom: number,
    decay: number,
  ): void;
}
type GemmFn = (
  m0: number,
  m1: number,
  n: number,
  k: number,
  a: number,
  ars: number,
  acs: number,
  b: number,
  brs: number,
  bcs: number,
  c: number,
  ldc: number,
  accumulate: number,
  scratch: number,
) => void;

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB, as declared by the module (--maximumMemory)
const ARENA_START = PAGE; // leave the first page to the module
const CTRL_SEQ = 0;
const CTRL_DONE = 1;
const CTRL_KIND = 2;
const CTRL_ARGS = 3; // up to MAX_ARGS args
const CTRL_READY = 20;
const CTRL_ERROR = 21;
/** Exports the worker can run, by index (the job kind); args are unsigned 32-bit. */
const WORKER_CALLS = ['dgemm', 'sgemm', 'biasSigmoidSample32'] as const;
type WorkerCall = (typeof WORKER_CALLS)[number];
const JOB_EXIT = 255;
const MAX_ARGS = 16; // CTRL_ARGS … CTRL_ARGS + 15 < CTRL_READY
/** Polls of the control word before a thread sleeps in Atomics.wait (≈ tens of µs). */
const SPIN = 20000;

/**
 * Worker source, run with `eval: true` so src/, dist/ and bundles need no extra
 * file. It loads node:worker_threads by dynamic import, which works whether the
 * eval is CommonJS or an ES module (workers inherit e.g. --input-type=module).
 */
const WORKER_SOURCE = `
import('node:worker_threads').then(({ workerData }) => {
const { bytes, memory, ctrlBuffer } = workerData;
const ctrl = new Int32Array(ctrlBuffer);
WebAssembly.instantiate(bytes, { env: { memory, abort() { throw new Error('wasm abort'); } } }).then(({ instance }) => {
  const ex = instance.exports;
  Atomics.store(ctrl, ${CTRL_READY}, 1);
  let seen = 0;
  for (;;) {
    // spin briefly before sleeping: back-to-back products then start without a wake-up delay
    for (let spin = 0; spin < ${SPIN} && Atomics.load(ctrl, ${CTRL_SEQ}) === seen; spin++);
    Atomics.wait(ctrl, ${CTRL_SEQ}, seen);
    const seq = Atomics.load(ctrl, ${CTRL_SEQ});
    if (seq === seen) continue;
    seen = seq;
    const kind = ctrl[${CTRL_KIND}];
    if (kind === ${JOB_EXIT}) break;
    const a = Array.from(ctrl.subarray(${CTRL_ARGS}, ${CTRL_ARGS} + ${MAX_ARGS}), (v) => v >>> 0);
    try {
      ex[${JSON.stringify(WORKER_CALLS)}[kind]](...a);
    } catch (e) {
      Atomics.store(ctrl, ${CTRL_ERROR}, 1);
    }
    Atomics.store(ctrl, ${CTRL_DONE}, seq);
    Atomics.notify(ctrl, ${CTRL_DONE});
  }
}, () => Atomics.store(ctrl, ${CTRL_READY}, -1));
});
`;

/** Whether this runtime can share memory between threads. */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined';
}

const moduleBytes = new Map<boolean, Uint8Array>();
/** The module's bytes (decoded once per build: the support check and every backend reuse them). */
function decodeModuleBytes(shared: boolean): Uint8Array {
  let bytes = moduleBytes.get(shared);
  if (bytes === undefined) {
    bytes = platform.decodeBase64(shared ? GEMM_WASM_BASE64 : GEMM_WASM_LOCAL_BASE64);
    moduleBytes.set(shared, bytes);
  }
  return bytes;
}

/** True when this runtime validates the module (needs wasm SIMD; threads only for the shared build). */
export function wasmGemmSupported(): boolean {
  try {
    return wasmApi !== undefined && wasmApi.validate(decodeModuleBytes(sharedMemoryAvailable()));
  } catch {
    return false;
  }
}

export interface WasmGemmOptions {
  /** 1 or 2 threads (this one plus at most one helper; 1 without shared memory or helper threads). */
  readonly threads: number;
  /** Use the unshared module and one thread even where SharedArrayBuffer exists (tests the browser fallback). */
  readonly unshared?: boolean;
  /** Below this many flops (2·m·n·k) a call stays on one thread. */
  readonly parallelMinFlops: number;
}

export class WasmGemm {
  readonly threads: number;
  readonly parallelMinFlops: number;
  readonly #memory: WasmMemory;
  readonly #exports: GemmExports;
  readonly #scratch: number;
  readonly #ctrl: Int32Array;
  #worker: HelperThread | undefined;
  #seq = 0;
  /** Resident blocks (allocate/free) sit between the scratch and the per-call operand arena. */
  readonly #blocks: { ptr: number; end: number; free: boolean }[] = [];

  private constructor(bytes: Uint8Array, shared: boolean, options: WasmGemmOptions) {
    const wa = wasmApi!;
    this.#memory = new wa.Memory({ initial: 1, maximum: MAX_PAGES, ...(shared ? { shared: true } : {}) });
    const module = new wa.Module(bytes);
    const instance = new wa.Instance(module, {
      env: {
        memory: this.#memory,
        abort: () => {
          throw new Error('wasm abort');
        },
      },
    });
    this.#exports = instance.exports as unknown as GemmExports;
    this.#scratch = Math.max(this.#exports.scratchBytes64(), this.#exports.scratchBytes32());
    this.parallelMinFlops = options.parallelMinFlops;
    this.#ctrl = new Int32Array(shared ? new SharedArrayBuffer(32 * 4) : new ArrayBuffer(32 * 4));
    this.#ensure(ARENA_START + 2 * this.#scratch);
    const wanted = shared ? Math.max(1, Math.min(2, Math.floor(options.threads))) : 1;
    if (wanted > 1) {
      this.#worker = platform.startHelperThread(WORKER_SOURCE, {
        bytes,
        memory: this.#memory,
        ctrlBuffer: this.#ctrl.buffer,
      });
      this.#worker?.onError(() => Atomics.store(this.#ctrl, CTRL_READY, -1));
    }
    this.threads = this.#worker === undefined ? 1 : wanted;
  }

  /** Instantiates the module; the helper thread (if any) warms up in the background. */
  static create(options: WasmGemmOptions): WasmGemm {
    const shared = sharedMemoryAvailable() && options.unshared !== true;
    return new WasmGemm(decodeModuleBytes(shared), shared, options);
  }

  /** Whether the helper thread is up and can take half of the next call. */
  get workerReady(): boolean {
    return this.#worker !== undefined && Atomics.load(this.#ctrl, CTRL_READY) === 1;
  }

  /** Resolves when the worker (if any) has instantiated the module; rejects if it failed. */
  async ready(timeoutMs = 10_000): Promise<void> {
    if (this.#worker === undefined) return;
    const t0 = Date.now();
    for (;;) {
      const state = Atomics.load(this.#ctrl, CTRL_READY);
      if (state === 1) return;
      if (state === -1) throw new Error('wasm GEMM worker failed to start');
      if (Date.now() - t0 > timeoutMs) throw new Error(`wasm GEMM worker not ready after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The module's exports (for fused kernels that work on resident memory). */
  get exports(): GemmExports {
    return this.#exports;
  }

  /** The current buffer of the shared linear memory (changes identity when it grows). */
  get buffer(): ArrayBuffer {
    return this.#memory.buffer;
  }

  #residentTop(): number {
    return this.#blocks.length > 0 ? this.#blocks[this.#blocks.length - 1]!.end : ARENA_START + 2 * this.#scratch;
  }

  /**
   * Reserves `bytes` of linear memory (64-byte aligned) that no GEMM call
   * overwrites, until `free`. Returns the byte offset, or undefined when the
   * memory cannot grow that far. Views must be re-created from `buffer` after
   * any call that may grow memory.
   */
  allocate(bytes: number): number | undefined {
    const ptr = (this.#residentTop() + 63) & ~63;
    const end = ptr + bytes;
    if (end > MAX_PAGES * PAGE || !this.#ensure(end)) return undefined;
    this.#blocks.push({ ptr, end, free: false });
    return ptr;
  }

  /** Releases a block from `allocate` (blocks above it keep their place until freed). */
  free(ptr: number): void {
    const block = this.#blocks.find((b) => b.ptr === ptr && !b.free);
    if (block === undefined) return;
    block.free = true;
    while (this.#blocks.length > 0 && this.#blocks[this.#blocks.length - 1]!.free) this.#blocks.pop();
  }

  #ensure(bytes: number): boolean {
    const have = this.#memory.buffer.byteLength;
    if (bytes <= have) return true;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) return false;
    this.#memory.grow(pages);
    return true;
  }

  /**
   * out(m×n) = op(A)·op(B) (+ out's incoming values when `accumulate`).
   * op(A)(i,k) = A.data[i·rowStride + k·colStride]. Returns false when the operands
   * do not fit the module's memory (the caller then uses the JS kernel).
   */
  gemm(
    m: number,
    n: number,
    k: number,
    a: StridedOperand,
    b: StridedOperand,
    out: FloatArray,
    accumulate: boolean,
  ): boolean {
    const f64 = out instanceof Float64Array;
    const el = f64 ? 8 : 4;
    const align = (x: number) => (x + 63) & ~63;
    const base = this.#residentTop();
    const aPtr = align(base);
    const bPtr = align(aPtr + a.data.length * el);
    const cPtr = align(bPtr + b.data.length * el);
    const end = cPtr + m * n * el;
    if (end > MAX_PAGES * PAGE || !this.#ensure(end)) return false;
    const buf = this.#memory.buffer;
    const View = f64 ? Float64Array : Float32Array;
    new View(buf, aPtr, a.data.length).set(a.data);
    new View(buf, bPtr, b.data.length).set(b.data);
    const cView = new View(buf, cPtr, m * n);
    if (accumulate) cView.set(out);
    this.gemmAt(f64, m, n, k, aPtr, a.rowStride, a.colStride, bPtr, b.rowStride, b.colStride, cPtr, n, accumulate);
    out.set(cView);
    return true;
  }

  /**
   * C(m×n, leading dimension ldc) (+)= op(A)·op(B) on operands already in linear
   * memory (byte offsets, element strides), rows of C split over the two threads
   * when the product is large enough.
   */
  gemmAt(
    f64: boolean,
    m: number,
    n: number,
    k: number,
    aPtr: number,
    ars: number,
    acs: number,
    bPtr: number,
    brs: number,
    bcs: number,
    cPtr: number,
    ldc: number,
    accumulate: boolean,
  ): void {
    const fn = f64 ? this.#exports.dgemm : this.#exports.sgemm;
    const acc = accumulate ? 1 : 0;
    const s0 = ARENA_START;
    const s1 = ARENA_START + this.#scratch;
    const useWorker = this.workerReady && 2 * m * n * k >= this.parallelMinFlops && Math.max(m, n) >= 16;
    if (!useWorker) {
      fn(0, m, n, k, aPtr, ars, acs, bPtr, brs, bcs, cPtr, ldc, acc, s0);
      return;
    }
    // Each thread packs the whole of the operand it shares: split C's rows when B
    // (k×n) is the smaller operand, else its columns (every element of C is summed
    // in the same order either way, so the split never changes the result).
    const el = f64 ? 8 : 4;
    const ctrl = this.#ctrl;
    let first: number[];
    if (m >= n) {
      const mid = Math.ceil(m / 2 / 4) * 4; // micro-tiles are 4 rows high
      first = [0, mid, n, k, aPtr, ars, acs, bPtr, brs, bcs, cPtr, ldc, acc, s0];
      ctrl.set([mid, m, n, k, aPtr, ars, acs, bPtr, brs, bcs, cPtr, ldc, acc, s1], CTRL_ARGS);
    } else {
      const mid = Math.ceil(n / 2 / 8) * 8; // and 8 (f32) or 4 (f64) columns wide
      first = [0, m, mid, k, aPtr, ars, acs, bPtr, brs, bcs, cPtr, ldc, acc, s0];
      ctrl.set(
        [0, m, n - mid, k, aPtr, ars, acs, bPtr + mid * bcs * el, brs, bcs, cPtr + mid * el, ldc, acc, s1],
        CTRL_ARGS,
      );
    }
    ctrl[CTRL_KIND] = WORKER_CALLS.indexOf(f64 ? 'dgemm' : 'sgemm');
    const seq = ++this.#seq;
    Atomics.store(ctrl, CTRL_SEQ, seq);
    Atomics.notify(ctrl, CTRL_SEQ);
    fn(...(first as Parameters<GemmFn>));
    this.#join(seq);
  }

  /**
   * out = σ(x) element-wise in f32 SIMD (relative error ≈ 2·10⁻⁷). Returns false
   * when x does not fit the module's memory.
   */
  sigmoid32(x: Float32Array, out: Float32Array): boolean {
    const ptr = (this.#residentTop() + 63) & ~63;
    const count = (x.length + 3) & ~3;
    if (!this.#ensure(ptr + count * 4)) return false;
    const view = new Float32Array(this.#memory.buffer, ptr, count);
    view.set(x);
    this.#exports.sigmoid32(ptr, count);
    out.set(view.subarray(0, x.length));
    return true;
  }

  /**
   * Runs export `name` with `first` on this thread and with `second` on the worker
   * at the same time (both in order on this thread when the worker is not up), for
   * kernels whose two halves touch disjoint memory. Arguments must be unsigned
   * 32-bit integers.
   */
  parallelPair(name: WorkerCall, first: readonly number[], second: readonly number[]): void {
    const fn = this.#exports[name] as unknown as (...args: number[]) => void;
    if (!this.workerReady) {
      fn(...first);
      fn(...second);
      return;
    }
    const ctrl = this.#ctrl;
    ctrl.set(second, CTRL_ARGS);
    ctrl[CTRL_KIND] = WORKER_CALLS.indexOf(name);
    const seq = ++this.#seq;
    Atomics.store(ctrl, CTRL_SEQ, seq);
    Atomics.notify(ctrl, CTRL_SEQ);
    fn(...first);
    this.#join(seq);
  }

  #join(seq: number): void {
    const ctrl = this.#ctrl;
    for (let spin = 0; spin < SPIN && Atomics.load(ctrl, CTRL_DONE) !== seq; spin++);
    let done: number;
    while ((done = Atomics.load(ctrl, CTRL_DONE)) !== seq) {
      if (Atomics.wait(ctrl, CTRL_DONE, done, 120_000) === 'timed-out') {
        throw new Error('wasm GEMM worker did not answer within 120 s');
      }
    }
    if (Atomics.load(ctrl, CTRL_ERROR) !== 0) throw new Error('wasm GEMM worker failed');
  }

  /** Stops the worker thread; later calls run on one thread. */
  dispose(): void {
    if (this.#worker) {
      this.#ctrl[CTRL_KIND] = JOB_EXIT;
      Atomics.store(this.#ctrl, CTRL_SEQ, ++this.#seq);
      Atomics.notify(this.#ctrl, CTRL_SEQ);
      this.#worker.terminate();
      this.#worker = undefined;
    }
  }
}
