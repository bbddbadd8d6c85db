import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@rgdl/gpu-kernels';
import { describe, expect, it } from 'vitest';
import { createDeepRbm } from './deep-rbm.js';
import { ModelFileError, parseModel, serializeModel } from './model-file.js';
import { loadModel, saveModel } from './model-file-io.js';

const net = createDeepRbm([5, 3, 2], createRng(1), { weightScale: 0.7 });

describe('model files', () => {
  for (const encoding of ['base64-f64le', 'numbers'] as const) {
    it(`round-trips every weight bit-exactly (${encoding})`, () => {
      const { net: back, metadata } = parseModel(serializeModel(net, { trainedOn: 'test' }, encoding));
      expect(metadata).toEqual({ trainedOn: 'test' });
      back.layers.forEach((l, k) => {
        expect(Array.from(l.W.data)).toEqual(Array.from(net.layers[k]!.W.data));
        expect(Array.from(l.a)).toEqual(Array.from(net.layers[k]!.a));
        expect(Array.from(l.b)).toEqual(Array.from(net.layers[k]!.b));
      });
    });
  }

  const valid = () =>
    JSON.parse(serializeModel(net, {}, 'numbers')) as Record<string, unknown> & { layers: Record<string, unknown>[] };
  const cases: [string, (d: ReturnType<typeof valid>) => unknown, RegExp][] = [
    ['wrong format', (d) => ({ ...d, format: 'other' }), /format: is "other"/],
    ['unknown version', (d) => ({ ...d, version: 99 }), /version: 99 is not supported/],
    ['bad widths', (d) => ({ ...d, widths: [5, 0, 2] }), /widths: must be an array of at least two positive integers/],
    ['missing layer', (d) => ({ ...d, layers: d.layers.slice(1) }), /layers: must be an array of 2 layers/],
    [
      'wrong W size',
      (d) => {
        d.layers[1]!.W = [1, 2];
        return d;
      },
      /layers\[1\]\.W: has 2 values, expected 6/,
    ],
    [
      'non-number',
      (d) => {
        (d.layers[0]!.a as unknown[])[2] = 'x';
        return d;
      },
      /layers\[0\]\.a\[2\]: is "x"/,
    ],
    [
      'NaN from base64',
      (d) => {
        d.layers[0]!.b = Buffer.from(new Float64Array([0, 0, NaN, 0, 0]).buffer).toString('base64');
        return d;
      },
      /layers\[0\]\.b\[2\]: is NaN/,
    ],
    [
      'finite but huge weights (±1e308)',
      (d) => {
        d.layers[1]!.W = Buffer.from(new Float64Array([0, 1e308, 0, 0, -1e308, 0]).buffer).toString('base64');
        return d;
      },
      /layers\[1\]\.W\[1\]: is 1e\+308; parameters must lie within ±1000000/,
    ],
    [
      'bad base64',
      (d) => {
        d.layers[0]!.b = '***';
        return d;
      },
      /layers\[0\]\.b: is not valid base64/,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    it(`rejects ${name}, naming the field`, () => {
      const text = JSON.stringify(mutate(valid()));
      expect(() => parseModel(text)).toThrow(ModelFileError);
      expect(() => parseModel(text)).toThrow(message);
    });
  }
  it('rejects non-JSON text', () => {
    expect(() => parseModel('{oops')).toThrow(/\(root\): is not JSON/);
  });

  it('saves atomically: no temporary file remains and a failed save leaves the old file intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-model-'));
    const path = join(dir, 'sub', 'net.json');
    saveModel(path, net, { a: 1 });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['net.json']);
    expect(loadModel(path).metadata).toEqual({ a: 1 });
    const before = readFileSync(path, 'utf8');
    const broken = { layers: [{ ...net.layers[0]!, a: new Float64Array(1) }] };
    expect(() => saveModel(path, broken as never)).toThrow(RangeError);
    expect(readFileSync(path, 'utf8')).toBe(before);
    writeFileSync(join(dir, 'bad.json'), '{"format":"rgdl-deep-rbm","version":1}');
    expect(() => loadModel(join(dir, 'bad.json'))).toThrow(/widths/);
    expect(existsSync(join(dir, 'sub', 'net.json.tmp'))).toBe(false);
  });
});
