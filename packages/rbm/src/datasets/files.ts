/**
 * A researcher's own labelled data from files, read in chunks (never the whole
 * file as one string), checked, and binarised:
 *  - CSV:  one example per line, `label, x₁, …, x_n`; a first line whose label
 *          field is not a number is a header and skipped; blank lines skipped.
 *  - IDX:  the MNIST file format (big-endian): an images file (n × rows × cols or
 *          n × d; unsigned bytes, read as byte/255, or float32/float64) and a
 *          labels file (n unsigned bytes).
 *  - NPY:  a NumPy array file (n × d or n × h × w, C order; float32/64 in [0, 1],
 *          uint8 read as byte/255, other integers must be 0 or 1) with labels in
 *          a .npy integer file or a text file of one integer per line.
 * Values must lie in [0, 1] before binarisation (x ≥ threshold → 1, default 0.5;
 * `binarise: false` keeps them); labels must be integers 0 … classes−1.
 * Every problem is a RangeError naming the file, the line or record, and what is wrong.
 */
import { closeSync, readSync, writeFileSync } from 'node:fs';
import { openRegularFile } from '../safe-read.js';
import { matrix } from '@rgdl/gpu-kernels';
import { binariseValues, DEFAULT_THRESHOLD, oneHot, type LabelledData } from './labelled.js';

export interface FileDataOptions {
  /** Values ≥ threshold → 1, else 0 (default 0.5); `false` keeps values in [0, 1]. */
  readonly binarise?: number | false;
  /** Number of classes (default: largest label + 1). */
  readonly classes?: number;
  /** Longest line a CSV or text labels file may have, in bytes (default 1 MiB: 40,000 values of 25 characters). */
  readonly maxLineBytes?: number;
  /** Told of problems that do not stop the reading (a class with no examples). */
  readonly onWarning?: (message: string) => void;
}

/** The default of FileDataOptions.maxLineBytes. */
export const CSV_LINE_LIMIT_BYTES = 2 ** 20;

/** Labels are integers 0 … LABEL_LIMIT − 1 (they are stored as 32-bit integers). */
const LABEL_LIMIT = 2 ** 31;

const CHUNK = 1 << 20;

/** Calls `onChunk` with successive pieces of the file (at most CHUNK bytes each). */
function readChunks(path: string, onChunk: (bytes: Uint8Array, offset: number) => void, start = 0): number {
  const fd = openFile(path);
  try {
    const buf = new Uint8Array(CHUNK);
    let offset = start;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, offset);
      if (n === 0) break;
      onChunk(buf.subarray(0, n), offset);
      offset += n;
    }
    return offset;
  } finally {
    closeSync(fd);
  }
}

/** A regular file's descriptor (directories, FIFOs, devices and sockets refused before reading: safe-read.ts). */
function openFile(path: string): number {
  return openRegularFile(path).fd;
}

/** The first `n` bytes of a file. */
function readHead(path: string, n: number): Uint8Array {
  const fd = openFile(path);
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function fileSize(path: string): number {
  const { fd, size } = openRegularFile(path);
  closeSync(fd);
  return size;
}

/** A Float64Array that grows by doubling. */
class Growable {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** Checks values and labels, binarises, and builds the labelled set. */
function finish(
  source: string,
  x: Float64Array,
  n: number,
  d: number,
  labels: Int32Array,
  options: FileDataOptions,
): LabelledData {
  if (n === 0) throw new RangeError(`${source} holds no examples`);
  if (d === 0) throw new RangeError(`${source}: its examples have no values (n × 0 data)`);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new RangeError(
        `${source}: example ${Math.floor(i / d) + 1} value ${(i % d) + 1} is ${v}, outside [0, 1] (scale the data first; counting from 1)`,
      );
    }
  }
  let maxLabel = -1;
  for (let r = 0; r < n; r++) maxLabel = Math.max(maxLabel, labels[r]!);
  const classes = options.classes ?? maxLabel + 1;
  for (let r = 0; r < n; r++) {
    const c = labels[r]!;
    if (c < 0 || c >= classes)
      throw new RangeError(`${source}: example ${r + 1} has label ${c}, outside 0 … ${classes - 1}`);
  }
  if (classes < 2) throw new RangeError(`${source}: labelled data needs at least 2 classes, found ${classes}`);
  if (options.classes === undefined && classes > n)
    throw new RangeError(
      `${source}: the largest label, ${classes - 1}, implies ${classes} classes for ${n} examples (labels run 0 … classes − 1; is one mistyped?)`,
    );
  const counts = new Int32Array(classes);
  for (let r = 0; r < n; r++) counts[labels[r]!]!++;
  const empty = [...counts.keys()].filter((c) => counts[c] === 0);
  if (empty.length > 0)
    options.onWarning?.(
      `${source}: ${empty.length === 1 ? 'class' : 'classes'} ${empty.slice(0, 10).join(', ')}${empty.length > 10 ? ', …' : ''} ${empty.length === 1 ? 'has' : 'have'} no examples (labels run 0 … ${classes - 1}; ${empty.includes(0) ? 'labels that start at 1 must be shifted to start at 0' : 'a mistyped label makes a class of its own'})`,
    );
  const t = options.binarise ?? DEFAULT_THRESHOLD;
  if (t !== false) binariseValues(x, t);
  return { x: matrix(n, d, x), y: oneHot(labels, classes), labels, classes };
}

function parseLabel(text: string, where: string): number {
  const t = text.trim();
  const v = Number(t);
  if (t === '' || !Number.isInteger(v)) throw new RangeError(`${where}: label "${t.slice(0, 40)}" is not an integer`);
  if (v >= LABEL_LIMIT) throw new RangeError(`${where}: label ${t.slice(0, 40)} is outside 0 … 2³¹ − 1`);
  return v;
}

/** Labels read as numbers (from .npy integers) checked as parseLabel does, before they become 32-bit integers. */
function checkLabels(values: Float64Array, where: string): Int32Array {
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!;
    if (!Number.isInteger(v) || v >= LABEL_LIMIT)
      throw new RangeError(`${where}: label ${r + 1} is ${v}, outside 0 … 2³¹ − 1`);
  }
  return Int32Array.from(values);
}

/**
 * A CSV file of `label, x₁, …, x_n` lines.
 * @throws RangeError for ragged rows, non-numeric fields, values outside [0, 1], bad labels.
 */
export function readCsvData(path: string, options: FileDataOptions = {}): LabelledData {
  const values = new Growable();
  const labels: number[] = [];
  let d = -1;
  let lineNo = 0;
  let rest = '';
  const decoder = new TextDecoder();
  const line = (text: string) => {
    lineNo++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    const fields = trimmed.split(',');
    if (lineNo === 1 && Number.isNaN(Number(fields[0]))) return; // header
    const where = `${path} line ${lineNo}`;
    if (d === -1) d = fields.length - 1;
    if (fields.length - 1 !== d) {
      throw new RangeError(`${where} has ${fields.length - 1} values, expected ${d} (ragged rows)`);
    }
    if (d < 1) throw new RangeError(`${where}: a line needs a label and at least one value`);
    labels.push(parseLabel(fields[0]!, where));
    for (let j = 1; j < fields.length; j++) {
      const f = fields[j]!;
      const v = Number(f);
      if (f.trim() === '' || Number.isNaN(v))
        throw new RangeError(`${where} field ${j + 1}: "${f.trim().slice(0, 40)}" is not a number`);
      values.push(v);
    }
  };
  const maxLine = options.maxLineBytes ?? CSV_LINE_LIMIT_BYTES;
  const tooLong = () =>
    new RangeError(
      `${path} line ${lineNo + 1} is longer than ${maxLine.toLocaleString('en')} bytes (raise the limit with --max-line-bytes)`,
    );
  readChunks(path, (bytes) => {
    const text = rest + decoder.decode(bytes, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const l of lines) {
      if (l.length > maxLine) throw tooLong();
      line(l);
    }
    if (rest.length > maxLine) throw tooLong();
  });
  line(rest + decoder.decode());
  const n = labels.length;
  return finish(path, values.data.slice(0, values.length), n, Math.max(d, 0), Int32Array.from(labels), options);
}

const IDX_TYPES: Record<number, { bytes: number; read: (v: DataView, o: number) => number }> = {
  0x08: { bytes: 1, read: (v, o) => v.getUint8(o) },
  0x0d: { bytes: 4, read: (v, o) => v.getFloat32(o, false) },
  0x0e: { bytes: 8, read: (v, o) => v.getFloat64(o, false) },
};

interface IdxHeader {
  readonly type: number;
  readonly dims: number[];
  readonly headerBytes: number;
}

function idxHeader(path: string): IdxHeader {
  const head = readHead(path, 4 + 4 * 8);
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0)
    throw new RangeError(`${path} is not an IDX file (bad magic number)`);
  const type = head[2]!;
  const ndims = head[3]!;
  if (!IDX_TYPES[type])
    throw new RangeError(
      `${path}: IDX element type 0x${type.toString(16)} is not supported (unsigned byte, float32, float64)`,
    );
  if (ndims < 1 || ndims > 3 || head.length < 4 + 4 * ndims)
    throw new RangeError(`${path}: IDX files of ${ndims} dimensions are not supported`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const headerBytes = 4 + 4 * ndims;
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1) * IDX_TYPES[type]!.bytes;
  const size = fileSize(path);
  if (size !== expected) {
    throw new RangeError(
      `${path}: IDX header promises ${expected} bytes (dimensions ${dims.join(' × ')}), the file has ${size}`,
    );
  }
  return { type, dims, headerBytes };
}

/** Reads `count` elements after the header, converted by `scale`, in chunks. */
function readElements(
  path: string,
  start: number,
  count: number,
  bytes: number,
  read: (v: DataView, o: number) => number,
  scale: number,
): Float64Array {
  const out = new Float64Array(count);
  let k = 0;
  let carry = new Uint8Array(0);
  readChunks(
    path,
    (chunk) => {
      const buf = carry.length > 0 ? new Uint8Array(carry.length + chunk.length) : chunk;
      if (carry.length > 0) {
        buf.set(carry);
        buf.set(chunk, carry.length);
      }
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const whole = Math.floor(buf.length / bytes);
      for (let i = 0; i < whole && k < count; i++) out[k++] = read(view, i * bytes) * scale;
      carry = buf.slice(whole * bytes);
    },
    start,
  );
  if (k !== count) throw new RangeError(`${path} ends after ${k} of ${count} values`);
  return out;
}

/**
 * MNIST-format IDX images and labels files.
 * @throws RangeError for a bad header, a size that does not match it, or counts that differ.
 */
export function readIdxData(imagesPath: string, labelsPath: string, options: FileDataOptions = {}): LabelledData {
  const img = idxHeader(imagesPath);
  const lab = idxHeader(labelsPath);
  if (lab.dims.length !== 1 || lab.type !== 0x08)
    throw new RangeError(`${labelsPath}: an IDX labels file holds n unsigned bytes`);
  const n = img.dims[0]!;
  if (lab.dims[0] !== n)
    throw new RangeError(`${imagesPath} holds ${n} images but ${labelsPath} ${lab.dims[0]} labels`);
  const d = img.dims.slice(1).reduce((a, b) => a * b, 1);
  const t = IDX_TYPES[img.type]!;
  const x = readElements(imagesPath, img.headerBytes, n * d, t.bytes, t.read, img.type === 0x08 ? 1 / 255 : 1);
  const labels = Int32Array.from(readElements(labelsPath, lab.headerBytes, n, 1, IDX_TYPES[0x08]!.read, 1));
  return finish(imagesPath, x, n, d, labels, options);
}

/** Writes an IDX file of unsigned bytes (dims: n × rows × cols for images, n for labels). */
export function writeIdxBytes(path: string, dims: readonly number[], bytes: Uint8Array): void {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((v, i) => view.setUint32(4 + 4 * i, v, false));
  const out = new Uint8Array(header.length + bytes.length);
  out.set(header);
  out.set(bytes, header.length);
  writeFileSync(path, out);
}

interface NpyHeader {
  readonly descr: string;
  readonly shape: number[];
  readonly headerBytes: number;
}

function npyHeader(path: string): NpyHeader {
  const head = readHead(path, 65536 + 12);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (head.length < 10 || magic.some((m, i) => head[i] !== m))
    throw new RangeError(`${path} is not a .npy file (bad magic string)`);
  const major = head[6]!;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const len = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const text = new TextDecoder().decode(head.subarray(start, start + len));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new RangeError(`${path}: cannot read the .npy header`);
  if (fortran === 'True') throw new RangeError(`${path}: Fortran-order arrays are not supported (save with C order)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  return { descr, shape, headerBytes: start + len };
}

function npyReader(
  path: string,
  descr: string,
): { bytes: number; read: (v: DataView, o: number) => number; integer: boolean } {
  const little = descr[0] !== '>';
  const code = descr.slice(1);
  switch (code) {
    case 'f8':
      return { bytes: 8, read: (v, o) => v.getFloat64(o, little), integer: false };
    case 'f4':
      return { bytes: 4, read: (v, o) => v.getFloat32(o, little), integer: false };
    case 'u1':
    case 'b1':
      return { bytes: 1, read: (v, o) => v.getUint8(o), integer: true };
    case 'i1':
      return { bytes: 1, read: (v, o) => v.getInt8(o), integer: true };
    case 'i2':
      return { bytes: 2, read: (v, o) => v.getInt16(o, little), integer: true };
    case 'u2':
      return { bytes: 2, read: (v, o) => v.getUint16(o, little), integer: true };
    case 'i4':
      return { bytes: 4, read: (v, o) => v.getInt32(o, little), integer: true };
    case 'u4':
      return { bytes: 4, read: (v, o) => v.getUint32(o, little), integer: true };
    case 'i8':
      return { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, little)), integer: true };
    case 'u8':
      return { bytes: 8, read: (v, o) => Number(v.getBigUint64(o, little)), integer: true };
    default:
      throw new RangeError(`${path}: dtype '${descr}' is not supported (floats, integers, bool)`);
  }
}

/** An .npy array: its shape and its values as float64. */
function readNpy(path: string): { shape: number[]; values: Float64Array; descr: string } {
  const h = npyHeader(path);
  const r = npyReader(path, h.descr);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const size = fileSize(path);
  if (size !== h.headerBytes + count * r.bytes) {
    throw new RangeError(
      `${path}: the header promises ${count} values (shape ${h.shape.join(' × ')}), the file has ${size - h.headerBytes} bytes of data`,
    );
  }
  return { shape: h.shape, values: readElements(path, h.headerBytes, count, r.bytes, r.read, 1), descr: h.descr };
}

/**
 * A NumPy data array (n × d or n × h × w) and its labels (.npy integers, or text: one integer per line).
 * @throws RangeError for unsupported headers or dtypes, mismatched counts, values outside [0, 1], bad labels.
 */
export function readNpyData(dataPath: string, labelsPath: string, options: FileDataOptions = {}): LabelledData {
  const data = readNpy(dataPath);
  if (data.shape.length < 2 || data.shape.length > 3) {
    throw new RangeError(`${dataPath}: expected an n × d or n × h × w array, got shape (${data.shape.join(', ')})`);
  }
  const n = data.shape[0]!;
  const d = data.shape.slice(1).reduce((a, b) => a * b, 1);
  const reader = npyReader(dataPath, data.descr);
  if (data.descr.endsWith('u1')) for (let i = 0; i < data.values.length; i++) data.values[i]! /= 255;
  else if (reader.integer) {
    const bad = data.values.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) {
      throw new RangeError(
        `${dataPath}: integer arrays other than uint8 must hold 0 or 1; value ${bad} is ${data.values[bad]}`,
      );
    }
  }
  let labels: Int32Array;
  if (labelsPath.endsWith('.npy')) {
    const l = readNpy(labelsPath);
    if (!npyReader(labelsPath, l.descr).integer) throw new RangeError(`${labelsPath}: labels must be an integer array`);
    labels = checkLabels(l.values, labelsPath);
  } else {
    const list: number[] = [];
    let lineNo = 0;
    let rest = '';
    const decoder = new TextDecoder();
    const line = (text: string) => {
      lineNo++;
      if (text.trim() !== '') list.push(parseLabel(text, `${labelsPath} line ${lineNo}`));
    };
    const maxLine = options.maxLineBytes ?? CSV_LINE_LIMIT_BYTES;
    readChunks(labelsPath, (bytes) => {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split('\n');
      rest = lines.pop()!;
      for (const l of lines) line(l);
      if (rest.length > maxLine)
        throw new RangeError(`${labelsPath} line ${lineNo + 1} is longer than ${maxLine.toLocaleString('en')} bytes`);
    });
    line(rest + decoder.decode());
    labels = Int32Array.from(list);
  }
  if (labels.length !== n)
    throw new RangeError(`${dataPath} holds ${n} examples but ${labelsPath} ${labels.length} labels`);
  return finish(dataPath, data.values, n, d, labels, options);
}

/** Writes a C-order little-endian float64 .npy file (for tests and exports). */
export function writeNpyFloat64(path: string, shape: readonly number[], values: Float64Array): void {
  let dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  dict += ' '.repeat(pad % 64) + '\n';
  const header = new Uint8Array(10 + dict.length);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(header.buffer).setUint16(8, dict.length, true);
  header.set(new TextEncoder().encode(dict), 10);
  const body = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  writeFileSync(path, out);
}

/** The three splits of one data set, in file order: the first `train` fraction, then `attacker`, then the rest. */
export function splitByFractions(
  data: LabelledData,
  fractions: readonly [number, number, number],
): { train: LabelledData; attacker: LabelledData; test: LabelledData } {
  const total = fractions[0] + fractions[1] + fractions[2];
  if (fractions.some((f) => !(f > 0)) || Math.abs(total - 1) > 1e-9) {
    throw new RangeError(`split fractions must be three positive numbers summing to 1, got ${fractions.join(', ')}`);
  }
  const n = data.x.rows;
  const a = Math.round(fractions[0] * n);
  const b = Math.round((fractions[0] + fractions[1]) * n);
  if (a < 1 || b - a < 1 || n - b < 1)
    throw new RangeError(`${n} examples are too few for the split ${fractions.join(', ')}`);
  const part = (from: number, to: number): LabelledData => ({
    x: matrix(to - from, data.x.cols, data.x.data.slice(from * data.x.cols, to * data.x.cols)),
    y: matrix(to - from, data.classes, data.y.data.slice(from * data.classes, to * data.classes)),
    labels: data.labels.slice(from, to),
    classes: data.classes,
  });
  return { train: part(0, a), attacker: part(a, b), test: part(b, n) };
}
