import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvData, readIdxData, readNpyData, splitByFractions, writeIdxBytes, writeNpyFloat64 } from './files.js';
import { loadMnist } from './mnist.js';

const dir = mkdtempSync(join(tmpdir(), 'rgdl-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

describe('CSV data', () => {
  it('reads label, values lines (header skipped), binarises at the threshold or keeps values', () => {
    writeFileSync(at('a.csv'), 'label,p1,p2,p3\n1,0.2,0.7,1\n0,0.5,0.49,0\n\n2,1,1,0.0\n');
    const d = readCsvData(at('a.csv'));
    expect([d.x.rows, d.x.cols, d.classes]).toEqual([3, 3, 3]);
    expect(Array.from(d.labels)).toEqual([1, 0, 2]);
    expect(Array.from(d.x.data)).toEqual([0, 1, 1, 1, 0, 0, 1, 1, 0]);
    expect(Array.from(d.y.data.subarray(0, 3))).toEqual([0, 1, 0]);
    const grey = readCsvData(at('a.csv'), { binarise: false, classes: 5 });
    expect(grey.x.data[0]).toBe(0.2);
    expect(grey.classes).toBe(5);
  });
  it('names ragged rows, non-numbers, values outside [0, 1] and bad labels', () => {
    const cases: [string, RegExp][] = [
      ['1,0,1\n0,1\n', /line 2 has 1 values, expected 2 \(ragged rows\)/],
      ['1,0,x\n', /line 1 field 3: "x" is not a number/],
      ['1,0,1.5\n0,0,0\n', /example 1 value 2 is 1.5, outside \[0, 1\]/],
      ['1.5,0,1\n0,1,1\n', /label "1.5" is not an integer/],
      ['-1,0,1\n0,1,1\n', /label -1, outside/],
      ['0,0,1\n0,1,1\n', /at least 2 classes/],
      ['', /no examples/],
    ];
    cases.forEach(([text, re], i) => {
      writeFileSync(at(`bad${i}.csv`), text);
      expect(() => readCsvData(at(`bad${i}.csv`))).toThrow(re);
    });
    expect(() => readCsvData(at('missing.csv'))).toThrow(/cannot read .*missing.csv: no such file/);
    writeFileSync(at('c.csv'), '3,0,1\n0,1,1\n');
    expect(() => readCsvData(at('c.csv'), { classes: 3 })).toThrow(/label 3, outside 0 … 2/);
  });
  it('reads a file larger than one chunk, lines split across chunk boundaries', () => {
    const lines = Array.from(
      { length: 30000 },
      (_, r) => `${r % 3},${Array.from({ length: 20 }, (_, j) => ((r + j) % 7) / 6).join(',')}`,
    );
    writeFileSync(at('big.csv'), lines.join('\n'));
    const d = readCsvData(at('big.csv'), { binarise: false });
    expect([d.x.rows, d.x.cols]).toEqual([30000, 20]);
    expect(d.x.data[29999 * 20 + 19]).toBeCloseTo(((29999 + 19) % 7) / 6, 15);
  });
});

describe('IDX data', () => {
  it('the shipped MNIST round-trips through IDX files exactly (images and labels)', () => {
    const m = loadMnist({ size: 14 });
    writeIdxBytes(
      at('img.idx3-ubyte'),
      [m.x.rows, 14, 14],
      Uint8Array.from(m.x.data, (v) => v * 255),
    );
    writeIdxBytes(at('lab.idx1-ubyte'), [m.x.rows], Uint8Array.from(m.labels));
    const d = readIdxData(at('img.idx3-ubyte'), at('lab.idx1-ubyte'));
    // compared entry by entry in a loop: toEqual on 1.96 million floats took 5.4 s alone and
    // over 60 s beside the other packages' tests on a loaded machine
    expect([d.x.rows, d.x.cols, d.x.data.length, d.x.data.constructor]).toEqual([
      m.x.rows,
      m.x.cols,
      m.x.data.length,
      m.x.data.constructor,
    ]);
    expect(d.x.data.findIndex((v, i) => !Object.is(v, m.x.data[i]))).toBe(-1);
    expect(d.labels).toEqual(m.labels);
    expect(d.classes).toBe(10);
  });
  it('rejects a bad magic number, a truncated file and mismatched counts', () => {
    writeFileSync(at('junk'), 'hello world');
    expect(() => readIdxData(at('junk'), at('junk'))).toThrow(/not an IDX file/);
    writeIdxBytes(at('i.idx'), [2, 2, 2], new Uint8Array(8));
    writeIdxBytes(at('l.idx'), [3], new Uint8Array([0, 1, 1]));
    expect(() => readIdxData(at('i.idx'), at('l.idx'))).toThrow(/holds 2 images but .* 3 labels/);
    writeIdxBytes(at('t.idx'), [2, 2, 2], new Uint8Array(5));
    expect(() => readIdxData(at('t.idx'), at('l.idx'))).toThrow(
      /promises 24 bytes \(dimensions 2 × 2 × 2\), the file has 21/,
    );
  });
});

describe('NPY data', () => {
  it('reads float64 arrays (n × h × w) with .npy or text labels; rejects values outside [0, 1]', () => {
    const values = Float64Array.from({ length: 4 * 9 }, (_, i) => (i % 5) / 4);
    writeNpyFloat64(at('x.npy'), [4, 3, 3], values);
    writeFileSync(at('y.txt'), '0\n1\n1\n0\n');
    const d = readNpyData(at('x.npy'), at('y.txt'), { binarise: false });
    expect([d.x.rows, d.x.cols]).toEqual([4, 9]);
    expect(Array.from(d.x.data)).toEqual(Array.from(values));
    writeNpyFloat64(at('bad.npy'), [2, 2], Float64Array.of(0, 2, 0, 1));
    writeFileSync(at('y2.txt'), '0\n1\n');
    expect(() => readNpyData(at('bad.npy'), at('y2.txt'))).toThrow(/example 1 value 2 is 2, outside \[0, 1\]/);
    expect(() => readNpyData(at('x.npy'), at('y2.txt'))).toThrow(/4 examples but .* 2 labels/);
    writeFileSync(at('junk.npy'), 'not numpy');
    expect(() => readNpyData(at('junk.npy'), at('y.txt'))).toThrow(/not a .npy file/);
  });
});

describe('splitByFractions', () => {
  it('cuts in file order and checks the fractions', () => {
    const m = loadMnist({ size: 7 });
    const s = splitByFractions(m, [0.6006, 0.1998, 0.1996]);
    expect([s.train.x.rows, s.attacker.x.rows, s.test.x.rows]).toEqual([6006, 1998, 1996]);
    expect(Array.from(s.test.labels.subarray(0, 5))).toEqual(Array.from(m.labels.subarray(8004, 8009)));
    expect(() => splitByFractions(m, [0.5, 0.5, 0])).toThrow(/three positive numbers/);
    expect(() => splitByFractions(m, [0.5, 0.2, 0.2])).toThrow(/summing to 1/);
  });
});
