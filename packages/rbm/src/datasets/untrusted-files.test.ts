/**
 * Files are a trust boundary: whatever a path names (by a user, a model file or
 * a queued job), reading it ends quickly in data or in one line naming the path
 * and the reason — never a hang, an unbounded read, a silent wrap or a stack.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '../deep-rbm.js';
import { loadModel } from '../model-file-io.js';
import { ModelFileError, serializeModel } from '../model-file.js';
import { FileRefusedError } from '../safe-read.js';
import { readCsvData, readIdxData, readNpyData, writeIdxBytes, writeNpyFloat64 } from './files.js';

const dir = mkdtempSync(join(tmpdir(), 'rgdl-untrusted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

/** Runs `read`, expecting a one-line refusal matching `message` within `ms`. */
function refuses(read: () => unknown, message: RegExp, ms = 3000): void {
  const t0 = performance.now();
  let error: unknown;
  try {
    read();
  } catch (e) {
    error = e;
  }
  expect(error, String(message)).toBeInstanceOf(RangeError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toMatch(/\n/);
  expect(performance.now() - t0).toBeLessThan(ms);
}

describe('what is not a regular file is refused before a byte is read', () => {
  const fifo = at('pipe');
  execFileSync('mkfifo', [fifo]);
  symlinkSync(at('loop-b'), at('loop-a'));
  symlinkSync(at('loop-a'), at('loop-b'));
  const readers: [string, (p: string) => unknown][] = [
    ['csv', (p) => readCsvData(p)],
    ['idx', (p) => readIdxData(p, p)],
    ['npy', (p) => readNpyData(p, p)],
    ['model', (p) => loadModel(p)],
  ];
  it.each(readers)('%s: a FIFO (no hang), /dev/zero, a directory, a symlink loop, a missing file', (_name, read) => {
    refuses(() => read(fifo), /pipe: it is a FIFO \(named pipe\), not a regular file/);
    refuses(() => read('/dev/zero'), /\/dev\/zero: it is a character device, not a regular file/);
    refuses(() => read(dir), /it is a directory, not a regular file/);
    refuses(() => read(at('loop-a')), /a loop of symbolic links/);
    refuses(() => read(at('missing.csv')), /no such file/);
  });
  it('a socket', async () => {
    const path = at('sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      refuses(() => readCsvData(path), /it is a socket.*not a regular file/);
    } finally {
      server.close();
    }
  });
});

describe('sizes are bounded', () => {
  it('a model file over the limit is refused without reading it', () => {
    writeFileSync(at('big.json'), 'x'.repeat(5000));
    refuses(
      () => loadModel(at('big.json'), { maxBytes: 4096 }),
      /5,000 bytes, more than the 4,096-byte limit for a model file \(raise it with --max-model-bytes\)/,
    );
  });
  it('a CSV line over the limit stops the reading at that line (memory bounded)', () => {
    writeFileSync(at('long.csv'), `1,0,1\n0,${'0,'.repeat(3_000_000)}1\n`);
    refuses(
      () => readCsvData(at('long.csv'), { maxLineBytes: 1 << 20 }),
      /long\.csv line 2 is longer than 1,048,576 bytes \(raise the limit with --max-line-bytes\)/,
    );
  });
});

describe('labels', () => {
  it('beyond 32 bits are refused, not wrapped (4294967297 used to become class 1)', () => {
    writeFileSync(at('wrap.csv'), '0,0,1\n4294967297,1,0\n');
    refuses(() => readCsvData(at('wrap.csv')), /line 2: label 4294967297 is outside 0 … 2³¹ − 1/);
    writeFileSync(at('huge.csv'), '0,0,1\n2147483647,1,0\n');
    refuses(
      () => readCsvData(at('huge.csv')),
      /largest label, 2147483646|largest label, 2147483647|2147483647 is outside/,
    );
  });
  it('int64 .npy labels beyond 32 bits are refused', () => {
    writeNpyFloat64(at('x.npy'), [2, 2], Float64Array.from([0, 1, 1, 0]));
    // an int64 labels file: 10-byte header + dict + 2 × 8 bytes
    let dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
    dict += ' '.repeat(64 - ((10 + dict.length + 1) % 64)) + '\n';
    const head = new Uint8Array(10 + dict.length);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(head.buffer).setUint16(8, dict.length, true);
    head.set(new TextEncoder().encode(dict), 10);
    const body = new BigInt64Array([0n, 4294967297n]);
    writeFileSync(at('y.npy'), Buffer.concat([head, new Uint8Array(body.buffer)]));
    refuses(() => readNpyData(at('x.npy'), at('y.npy')), /y\.npy: label 2 is 4294967297, outside 0 … 2³¹ − 1/);
  });
  it('a class with no examples is named in a warning (labels from 1, a mistyped label)', () => {
    const warnings: string[] = [];
    writeFileSync(at('from1.csv'), '1,0,1\n2,1,0\n1,1,1\n2,0,0\n');
    const d = readCsvData(at('from1.csv'), { onWarning: (w) => warnings.push(w) });
    expect(d.classes).toBe(3);
    expect(warnings).toEqual([
      expect.stringMatching(/class 0 has no examples .*labels that start at 1 must be shifted/),
    ]);
    warnings.length = 0;
    writeFileSync(at('typo.csv'), '0,0,1\n1,1,0\n0,1,1\n1,0,0\n3,0,0\n');
    readCsvData(at('typo.csv'), { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([
      expect.stringMatching(/class 2 has no examples .*a mistyped label makes a class of its own/),
    ]);
  });
  it('IDX images of n × 0 values are refused', () => {
    writeIdxBytes(at('empty-images.idx'), [3, 0], new Uint8Array(0));
    writeIdxBytes(at('labels.idx'), [3], Uint8Array.from([0, 1, 0]));
    refuses(() => readIdxData(at('empty-images.idx'), at('labels.idx')), /no values \(n × 0 data\)/);
  });
});

describe('seeded fuzz: random bytes, truncations and lying headers', () => {
  const rng = createRng(20261204);
  const byte = () => Math.floor(rng.nextFloat() * 256);
  const bytes = (n: number) => Uint8Array.from({ length: n }, byte);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.nextFloat() * xs.length)]!;
  const model = serializeModel(createDeepRbm([6, 4, 3], createRng(1)), {});
  writeIdxBytes(at('ok-images.idx'), [4, 2, 3], bytes(24));
  writeIdxBytes(at('ok-labels.idx'), [4], Uint8Array.from([0, 1, 2, 1]));
  writeNpyFloat64(
    at('ok.npy'),
    [4, 6],
    Float64Array.from({ length: 24 }, () => rng.nextFloat()),
  );
  const seeds = {
    csv: Buffer.from('label,a,b\n0,0.1,1\n1,1,0\n2,0.5,0.5\n'),
    idx: Buffer.from(require_('ok-images.idx')),
    npy: Buffer.from(require_('ok.npy')),
    model: Buffer.from(model),
  };
  function require_(name: string): Uint8Array {
    return new Uint8Array(execFileSync('cat', [at(name)]));
  }
  /** A mutation of a valid file: truncated, bytes overwritten, header fields lied about, or random. */
  function mutate(seed: Buffer): Buffer {
    const b = Buffer.from(seed);
    switch (Math.floor(rng.nextFloat() * 5)) {
      case 0:
        return b.subarray(0, Math.floor(rng.nextFloat() * b.length));
      case 1:
        for (let k = 0; k < 1 + Math.floor(rng.nextFloat() * 8); k++)
          b[Math.floor(rng.nextFloat() * b.length)] = byte();
        return b;
      case 2:
        // header bytes (dimensions, dtype, lengths) lied about
        for (let k = 0; k < 3; k++)
          b[Math.floor(rng.nextFloat() * Math.min(b.length, 80))] = pick([0, 1, 0x7f, 0xff, byte()]);
        return b;
      case 3:
        return Buffer.concat([b, Buffer.from(bytes(Math.floor(rng.nextFloat() * 64)))]);
      default:
        return Buffer.from(bytes(Math.floor(rng.nextFloat() * 300)));
    }
  }
  const CASES = 400;
  it(`${CASES} cases per reader (CSV, IDX, NPY, model) end in data or a one-line RangeError, each fast, memory bounded`, () => {
    const heap0 = process.memoryUsage().heapUsed;
    let ok = 0;
    let refused = 0;
    let slowest = 0;
    for (const kind of ['csv', 'idx', 'npy', 'model'] as const) {
      for (let i = 0; i < CASES; i++) {
        const path = at(`fuzz-${kind}`);
        writeFileSync(path, mutate(seeds[kind]));
        const t0 = performance.now();
        try {
          if (kind === 'csv') readCsvData(path);
          else if (kind === 'idx') readIdxData(path, at('ok-labels.idx'));
          else if (kind === 'npy') readNpyData(path, at('ok-labels.idx').replace('ok-labels.idx', 'labels.txt'));
          else loadModel(path);
          ok++;
        } catch (error) {
          const isExpected =
            error instanceof RangeError || error instanceof ModelFileError || error instanceof FileRefusedError;
          expect(isExpected, `${kind} case ${i}: ${(error as Error).name}: ${(error as Error).message}`).toBe(true);
          expect((error as Error).message, `${kind} case ${i}`).not.toMatch(/\n/);
          refused++;
        }
        slowest = Math.max(slowest, performance.now() - t0);
      }
    }
    console.log(`reader fuzz: ${4 * CASES} cases, ${ok} read, ${refused} refused, slowest ${slowest.toFixed(0)} ms`);
    expect(ok + refused).toBe(4 * CASES);
    expect(slowest).toBeLessThan(3000);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(512 * 2 ** 20);
  });
  writeFileSync(at('labels.txt'), '0\n1\n2\n1\n');
});
