import { resolve } from 'node:path';
import { seedFor, rngFor, createRng, type Matrix } from '@rgdl/gpu-kernels';
import {
  barsAndStripes,
  loadMnist,
  noisyPrototypes,
  readCsvData,
  readIdxData,
  readNpyData,
  splitByFractions,
  subset,
  type LabelledData,
  type MnistSplit,
} from '@rgdl/rbm';
import { choiceFlag, intFlag } from './parse.js';
import { UsageError } from './errors.js';

export const DATASETS = ['mnist', 'bas', 'synthetic'] as const;
export type DatasetName = (typeof DATASETS)[number];
export const FILE_FORMATS = ['csv', 'idx', 'npy'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** A user's data file(s): format, absolute paths, binarisation and split fractions. */
export interface FileSource {
  readonly format: FileFormat;
  readonly paths: readonly string[];
  /** x ≥ threshold → 1; false keeps values in [0, 1]. */
  readonly threshold: number | false;
  /** train / attacker / test fractions, in file order. */
  readonly fractions: readonly [number, number, number];
  /** Longest CSV or labels line read (--max-line-bytes; default 1 MiB); not recorded in model files. */
  readonly maxLineBytes?: number;
}

export interface DataSpec {
  /** A shipped set's name, or the file format. */
  readonly name: DatasetName | FileFormat;
  /** MNIST side (28, 14, 7) or bars-and-stripes / synthetic side; 0 for files. */
  readonly size: number;
  readonly file?: FileSource;
}

const fileCache = new Map<string, Record<'train' | 'attacker' | 'test', LabelledData>>();

function loadFileSplits(f: FileSource): Record<'train' | 'attacker' | 'test', LabelledData> {
  const key = JSON.stringify(f);
  const cached = fileCache.get(key);
  if (cached) return cached;
  let all: LabelledData;
  try {
    const options = {
      binarise: f.threshold,
      ...(f.maxLineBytes !== undefined ? { maxLineBytes: f.maxLineBytes } : {}),
      onWarning: (message: string) => process.stderr.write(`rgdl: warning: ${message}\n`),
    };
    all =
      f.format === 'csv'
        ? readCsvData(f.paths[0]!, options)
        : f.format === 'idx'
          ? readIdxData(f.paths[0]!, f.paths[1]!, options)
          : readNpyData(f.paths[0]!, f.paths[1]!, options);
    const splits = splitByFractions(all, f.fractions);
    fileCache.set(key, splits);
    return splits;
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--data ${f.format}: ${error.message}`);
    throw error;
  }
}

/**
 * Loads a data set split. MNIST: the package's 10,000 digits split 6,006 / 1,998 /
 * 1,996 (train / attacker / test). bars-and-stripes: every pattern in every split.
 * synthetic: 10 binary prototypes over size² pixels (the same in every split) with
 * 10% of pixels flipped, the noise seeded per split. Files: read once per process,
 * checked, binarised, and cut by the recorded fractions.
 */
export function loadDataset(spec: DataSpec, split: MnistSplit, limit?: number): LabelledData {
  if (spec.file) {
    const splits = loadFileSplits(spec.file);
    const d = split === 'all' ? loadFileSplitsAll(splits) : splits[split];
    return limit === undefined || limit >= d.x.rows
      ? d
      : subset(
          d,
          Array.from({ length: limit }, (_, i) => i),
        );
  }
  switch (spec.name) {
    case 'mnist': {
      if (![28, 14, 7].includes(spec.size))
        throw new UsageError(`--size for mnist must be 28, 14 or 7, got ${spec.size}`);
      return loadMnist({ size: spec.size as 28 | 14 | 7, split, ...(limit !== undefined ? { limit } : {}) });
    }
    case 'bas':
      if (spec.size < 2 || spec.size > 8) throw new UsageError(`--size for bas must be 2…8, got ${spec.size}`);
      return barsAndStripes(spec.size);
    case 'synthetic': {
      const seed = seedFor('synthetic-split', { train: 1, attacker: 2, test: 3, all: 4 }[split]);
      return noisyPrototypes({
        classes: 10,
        inputs: spec.size * spec.size,
        examples: limit ?? (split === 'train' ? 2000 : 500),
        flip: 0.1,
        rng: createRng(seed),
        prototypeRng: rngFor('synthetic-prototypes'),
      });
    }
    default:
      throw new UsageError(`unknown data set ${spec.name}`);
  }
}

function loadFileSplitsAll(s: Record<'train' | 'attacker' | 'test', LabelledData>): LabelledData {
  const parts = [s.train, s.attacker, s.test];
  const rows = parts.reduce((a, p) => a + p.x.rows, 0);
  const cols = s.train.x.cols;
  const x = new Float64Array(rows * cols);
  const y = new Float64Array(rows * s.train.classes);
  const labels = new Int32Array(rows);
  let r = 0;
  for (const p of parts) {
    x.set(p.x.data, r * cols);
    y.set(p.y.data, r * s.train.classes);
    labels.set(p.labels, r);
    r += p.x.rows;
  }
  return { x: { rows, cols, data: x }, y: { rows, cols: s.train.classes, data: y }, labels, classes: s.train.classes };
}

/**
 * The defender's in-distribution inputs for adaptive misinformation: the training
 * split of the data set recorded in the model file.
 */
export function referenceInputs(
  metadata: Record<string, unknown>,
  split: 'train' | 'test' = 'train',
): Matrix<Float64Array> {
  return loadDataset(dataSpecFor(metadata, {}), split).x;
}

interface DataValues {
  readonly data?: string | boolean | undefined;
  readonly size?: string | boolean | undefined;
  readonly threshold?: string | boolean | undefined;
  readonly fractions?: string | boolean | undefined;
  readonly 'max-line-bytes'?: string | boolean | undefined;
}

/** What a model file records about its data (`metadata.data`). */
export function dataRecord(spec: DataSpec, trainExamples: number): Record<string, unknown> {
  return spec.file
    ? {
        name: spec.name,
        paths: spec.file.paths,
        threshold: spec.file.threshold,
        fractions: spec.file.fractions,
        trainExamples,
      }
    : { name: spec.name, size: spec.size, trainExamples };
}

/** Parses --data (and --size / --threshold / --fractions); `fallbackSize` is the shipped sets' default side. @throws UsageError */
export function parseDataFlags(values: DataValues, fallbackSize = 14): DataSpec {
  const raw = typeof values.data === 'string' ? values.data : 'mnist';
  const colon = raw.indexOf(':');
  const prefix = colon > 0 ? raw.slice(0, colon) : '';
  if ((FILE_FORMATS as readonly string[]).includes(prefix)) {
    const format = prefix as FileFormat;
    const paths = raw
      .slice(colon + 1)
      .split(',')
      .filter((p) => p !== '')
      .map((p) => resolve(p));
    const want = format === 'csv' ? 1 : 2;
    if (paths.length !== want) {
      throw new UsageError(
        format === 'csv'
          ? '--data csv:PATH takes one file'
          : `--data ${format}:${format === 'idx' ? 'IMAGES,LABELS' : 'DATA,LABELS'} takes two files, comma-separated`,
      );
    }
    return {
      name: format,
      size: 0,
      file: {
        format,
        paths,
        threshold: thresholdFlag(values.threshold),
        fractions: fractionsFlag(values.fractions),
        ...maxLineFlag(values['max-line-bytes']),
      },
    };
  }
  if (values.threshold !== undefined || values.fractions !== undefined) {
    throw new UsageError('--threshold and --fractions apply to your own data (--data csv:…, idx:…, npy:…)');
  }
  if (!(DATASETS as readonly string[]).includes(raw)) {
    const ext = /\.(csv|npy|idx|ubyte)$/i.exec(raw)?.[1]?.toLowerCase();
    const hint =
      ext === 'csv'
        ? ` (for this file: --data csv:${raw})`
        : ext !== undefined
          ? ' (a file needs its format: csv:, idx: or npy:)'
          : '';
    throw new UsageError(
      `--data must be one of ${DATASETS.join(', ')}, csv:PATH, idx:IMAGES,LABELS or npy:DATA,LABELS, got '${raw}'${hint}`,
    );
  }
  const name: DatasetName = choiceFlag('data', raw, DATASETS, 'mnist');
  const size = intFlag('size', values.size, name === 'bas' ? 3 : name === 'synthetic' ? 5 : fallbackSize, 2);
  return { name, size };
}

function maxLineFlag(v: string | boolean | undefined): { maxLineBytes?: number } {
  return v === undefined ? {} : { maxLineBytes: intFlag('max-line-bytes', v, 0, 16) };
}

function thresholdFlag(v: string | boolean | undefined): number | false {
  if (v === undefined) return 0.5;
  if (v === 'none') return false;
  const t = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !(t >= 0 && t <= 1)) {
    throw new UsageError(`--threshold must be a number in [0, 1] or 'none', got ${String(v)}`);
  }
  return t;
}

function fractionsFlag(v: string | boolean | undefined): [number, number, number] {
  if (v === undefined) return [0.6, 0.2, 0.2];
  const parts = typeof v === 'string' ? v.split(',').map(Number) : [];
  const sum = parts.reduce((a, b) => a + b, 0);
  if (parts.length !== 3 || parts.some((p) => !(p > 0)) || Math.abs(sum - 1) > 1e-9) {
    throw new UsageError(
      `--fractions must be three positive numbers summing to 1 (train,attacker,test), got ${String(v)}`,
    );
  }
  return parts as [number, number, number];
}

/** The data set recorded in a model file, overridden by --data / --size. @throws UsageError */
export function dataSpecFor(metadata: Record<string, unknown>, values: DataValues): DataSpec {
  if (values.data !== undefined) return parseDataFlags(values);
  const recorded = (metadata.data ?? {}) as {
    name?: string;
    size?: number;
    paths?: string[];
    threshold?: number | false;
    fractions?: [number, number, number];
  };
  if (recorded.paths && (FILE_FORMATS as readonly string[]).includes(recorded.name ?? '')) {
    // the model file is input too: its data record is checked like flags (the files themselves by the readers)
    const want = recorded.name === 'csv' ? 1 : 2;
    if (
      !Array.isArray(recorded.paths) ||
      recorded.paths.length !== want ||
      !recorded.paths.every((p) => typeof p === 'string' && p.length > 0 && p.length < 4096)
    )
      throw new UsageError(`the model file's data record (metadata.data.paths) is not ${want} file path(s)`);
    return {
      name: recorded.name as FileFormat,
      size: 0,
      file: {
        format: recorded.name as FileFormat,
        paths: recorded.paths,
        threshold: recorded.threshold ?? 0.5,
        fractions: recorded.fractions ?? [0.6, 0.2, 0.2],
        ...maxLineFlag(values['max-line-bytes']),
      },
    };
  }
  const name: DatasetName = choiceFlag('data', recorded.name, DATASETS, 'mnist');
  const size = intFlag('size', values.size ?? (recorded.size !== undefined ? String(recorded.size) : undefined), 14, 2);
  return { name, size };
}

/** 'mnist size 14', 'csv file /path/d.csv', … (for messages). */
export function describeData(spec: DataSpec): string {
  return spec.file ? `${spec.name} file ${spec.file.paths[0]}` : `${spec.name} size ${spec.size}`;
}
