import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { argmaxRows, classProbabilitiesAuto, parseModel } from '@rgdl/rbm';
import { createCpuBackend, matrix } from '@rgdl/gpu-kernels';
import { digitsDocument } from './digits-source.js';
import { digitPixels, type DigitsDocument } from './digits.js';

const read = (name: string) =>
  readFileSync(
    new URL(name === 'victim.json' ? '../fixtures/victim.json' : `../public/${name}`, import.meta.url),
    'utf8',
  );

describe('the files shipped with the page', () => {
  it('digits.json is what scripts/make-digits.ts writes from the shipped MNIST (not stale)', () => {
    const shipped = JSON.parse(read('digits.json')) as DigitsDocument;
    expect(shipped).toEqual(JSON.parse(JSON.stringify(digitsDocument())));
    expect(shipped.rows).toHaveLength(200);
    expect(shipped.rows.every((r) => /^[01]{196}$/.test(r))).toBe(true);
    expect(new Set(shipped.labels).size).toBe(10);
    expect(() => digitPixels(shipped, 200)).toThrow(/digit 200 is not among the 200 shipped/);
  });
  it('victim.json is a [196, 64, 10] model from rgdl train that classifies the shipped digits at its recorded accuracy (± 5 points)', () => {
    const { net, metadata } = parseModel(read('victim.json'));
    expect(net.layers.map((l) => l.W.cols).concat(net.layers.at(-1)!.W.rows)).toEqual([196, 64, 10]);
    expect((metadata.training as { recipe: string }).recipe).toBe('demo');
    const doc = JSON.parse(read('digits.json')) as DigitsDocument;
    const be = createCpuBackend({ threads: 1 });
    const x = matrix(doc.rows.length, 196);
    doc.rows.forEach((_, i) => x.data.set(digitPixels(doc, i), i * 196));
    const labels = argmaxRows(classProbabilitiesAuto(be, net, x, { samples: 64 }));
    const acc = doc.labels.filter((l, i) => labels[i] === l).length / doc.labels.length;
    expect(Math.abs(acc - (metadata.testAccuracy as number))).toBeLessThan(0.05);
    be.dispose();
  });
});
