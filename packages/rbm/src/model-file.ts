/**
 * Versioned JSON model files for deep RBMs.
 *
 *   { "format": "rgdl-deep-rbm", "version": 1, "widths": [n_0, …, n_N],
 *     "encoding": "base64-f64le" | "numbers",
 *     "layers": [{ "W": …, "a": …, "b": … }, …],   // W row-major n_k × n_{k−1}
 *     "metadata": { … free-form … } }
 *
 * Arrays are either plain JSON numbers or base64 of little-endian Float64 bytes
 * (exact and ≈2.7× smaller). Parsing validates every field and names the first
 * offending one. This module has no Node built-ins (browsers parse model files
 * too); reading and writing files is model-file-io.ts.
 */
import { matrix } from '@rgdl/gpu-kernels';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { assertDeepRbm, widths, type DeepRbm } from './deep-rbm.js';
import type { RbmLayer } from './layer.js';

export const MODEL_FORMAT = 'rgdl-deep-rbm';
export const MODEL_VERSION = 1;

export type ArrayEncoding = 'base64-f64le' | 'numbers';

/** Thrown for a malformed model file; `field` is the JSON path of the problem. */
export class ModelFileError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`invalid model file: ${field}: ${problem}`);
    this.name = 'ModelFileError';
  }
}

export interface ModelFile {
  readonly net: DeepRbm;
  readonly metadata: Record<string, unknown>;
}

function encode(arr: Float64Array, encoding: ArrayEncoding): string | number[] {
  if (encoding === 'numbers') return Array.from(arr);
  const bytes = new Uint8Array(arr.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < arr.length; i++) view.setFloat64(i * 8, arr[i]!, true);
  return bytesToBase64(bytes);
}

function decode(value: unknown, length: number, field: string): Float64Array {
  let out: Float64Array;
  if (typeof value === 'string') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new ModelFileError(field, 'is not valid base64');
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(value);
    } catch {
      throw new ModelFileError(field, 'is not valid base64');
    }
    if (bytes.length !== length * 8)
      throw new ModelFileError(field, `holds ${bytes.length / 8} Float64 values, expected ${length}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = view.getFloat64(i * 8, true);
  } else if (Array.isArray(value)) {
    if (value.length !== length) throw new ModelFileError(field, `has ${value.length} values, expected ${length}`);
    out = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      const v = value[i];
      if (typeof v !== 'number')
        throw new ModelFileError(`${field}[${i}]`, `is ${JSON.stringify(v)}, expected a number`);
      out[i] = v;
    }
  } else {
    throw new ModelFileError(field, 'must be an array of numbers or a base64 string');
  }
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ModelFileError(`${field}[${bad}]`, `is ${out[bad]}, expected a finite number`);
  const huge = out.findIndex((v) => Math.abs(v) > MAX_PARAMETER_MAGNITUDE);
  if (huge >= 0) {
    throw new ModelFileError(
      `${field}[${huge}]`,
      `is ${out[huge]}; parameters must lie within ±${MAX_PARAMETER_MAGNITUDE} (beyond that the fields overflow and propagation gives NaN)`,
    );
  }
  return out;
}

/**
 * Largest |parameter| a model file may hold. Fields W h + a then stay below
 * 1e6 · (n + 1) ≪ 1.8e308 for any width, and σ, softplus and their products stay
 * finite; trained nets here have |W| < 20.
 */
export const MAX_PARAMETER_MAGNITUDE = 1e6;

/** The JSON text of a model file. */
export function serializeModel(
  net: DeepRbm,
  metadata: Record<string, unknown> = {},
  encoding: ArrayEncoding = 'base64-f64le',
): string {
  assertDeepRbm(net);
  const doc = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    widths: widths(net),
    encoding,
    layers: net.layers.map((l) => ({
      W: encode(l.W.data, encoding),
      a: encode(l.a, encoding),
      b: encode(l.b, encoding),
    })),
    metadata,
  };
  return JSON.stringify(doc, null, encoding === 'numbers' ? undefined : 1) + '\n';
}

/** Parses and validates model-file text. @throws ModelFileError naming the offending field. */
export function parseModel(text: string): ModelFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    // one line, and none of the file's text: the parser's message quotes what it read
    const reason = (error as Error).message.split('\n')[0]!.replace(/, ".*$|\s*in JSON.*$|:.*$/, '');
    throw new ModelFileError('(root)', `is not JSON (${reason.slice(0, 80)})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new ModelFileError('(root)', 'must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.format !== MODEL_FORMAT)
    throw new ModelFileError('format', `is ${JSON.stringify(d.format)}, expected "${MODEL_FORMAT}"`);
  if (d.version !== MODEL_VERSION)
    throw new ModelFileError(
      'version',
      `${JSON.stringify(d.version)} is not supported (this reader knows version ${MODEL_VERSION})`,
    );
  const w = d.widths;
  if (!Array.isArray(w) || w.length < 2 || !w.every((n) => Number.isInteger(n) && n > 0)) {
    throw new ModelFileError('widths', 'must be an array of at least two positive integers');
  }
  if (!Array.isArray(d.layers) || d.layers.length !== w.length - 1) {
    throw new ModelFileError(
      'layers',
      `must be an array of ${w.length - 1} layers (one per consecutive pair of widths)`,
    );
  }
  const layers: RbmLayer[] = d.layers.map((l: unknown, k: number) => {
    const where = `layers[${k}]`;
    if (l === null || typeof l !== 'object') throw new ModelFileError(where, 'must be an object with W, a, b');
    const o = l as Record<string, unknown>;
    const nu = w[k + 1] as number;
    const nl = w[k] as number;
    return {
      W: matrix(nu, nl, decode(o.W, nu * nl, `${where}.W`)),
      a: decode(o.a, nu, `${where}.a`),
      b: decode(o.b, nl, `${where}.b`),
    };
  });
  const metadata = d.metadata === undefined ? {} : d.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw new ModelFileError('metadata', 'must be an object');
  return { net: { layers }, metadata: metadata as Record<string, unknown> };
}
