import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist, writeIdxBytes, writeNpyFloat64 } from '@rgdl/rbm';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { collect } from './cli.test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rgdl-own-'));
const at = (name: string) => join(dir, name);

/** Quick hybrid training flags for a depth-1 net. */
const QUICK = ['--top-epochs', '3', '--finetune-epochs', '2', '--eval-samples', '16', '--json'];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = collect();
  const code = await runCli(args, c.io);
  return { code, out: c.out, err: c.err };
}

describe('bring your own data', () => {
  it('the shipped MNIST through IDX files trains exactly the model --data mnist trains; eval and poison read the recorded files', async () => {
    // train | attacker | test, in that order, as one IDX pair; the fractions reproduce the shipped split
    const parts = (['train', 'attacker', 'test'] as const).map((split) => loadMnist({ size: 7, split }));
    const n = parts.reduce((a, p) => a + p.x.rows, 0);
    const pixels = new Uint8Array(n * 49);
    const labels = new Uint8Array(n);
    let r = 0;
    for (const p of parts) {
      pixels.set(
        Uint8Array.from(p.x.data, (v) => v * 255),
        r * 49,
      );
      labels.set(p.labels, r);
      r += p.x.rows;
    }
    writeIdxBytes(at('img.idx3-ubyte'), [n, 7, 7], pixels);
    writeIdxBytes(at('lab.idx1-ubyte'), [n], labels);
    const fractions = parts.map((p) => p.x.rows / n).join(',');
    const common = ['train', '--widths', '49,10', '--limit', '1500', ...QUICK];
    const viaIdx = await run([
      ...common,
      '--data',
      `idx:${at('img.idx3-ubyte')},${at('lab.idx1-ubyte')}`,
      '--fractions',
      fractions,
      '--out',
      at('idx.json'),
    ]);
    const viaMnist = await run([...common, '--data', 'mnist', '--size', '7', '--out', at('mnist.json')]);
    expect(viaIdx.err + viaMnist.err).toBe('');
    expect([viaIdx.code, viaMnist.code], viaIdx.out + viaMnist.out).toEqual([0, 0]);
    const a = JSON.parse(viaIdx.out);
    const b = JSON.parse(viaMnist.out);
    expect(a.testAccuracy).toBe(b.testAccuracy);
    expect(a.testAccuracy).toBeGreaterThan(0.5);
    const layers = (f: string) => JSON.parse(readFileSync(at(f), 'utf8')).layers;
    expect(layers('idx.json')).toEqual(layers('mnist.json'));
    // the model file records the files; eval and poison read them again
    const meta = JSON.parse(readFileSync(at('idx.json'), 'utf8')).metadata.data;
    expect(meta.name).toBe('idx');
    expect(meta.paths).toEqual([at('img.idx3-ubyte'), at('lab.idx1-ubyte')]);
    const e = await run(['eval', '--model', at('idx.json'), '--exact', '--json']);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).examples).toBe(parts[2]!.x.rows);
    const p = await run(['poison', '--model', at('idx.json'), '--defence', 'fim', '--count', '3', '--json']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out).rows).toHaveLength(3);
  }, 120_000);

  it('trains on CSV and NPY files and attacks the CSV model; grey values kept with --threshold none', async () => {
    // two classes: left-heavy and right-heavy 4×4 images, grey values
    const lines = ['label,' + Array.from({ length: 16 }, (_, j) => `p${j}`).join(',')];
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 300; i++) {
      const c = i % 2;
      const row = Array.from({ length: 16 }, (_, j) => {
        const left = j % 4 < 2;
        const v = ((i * 7 + j * 13) % 10) / 10;
        return (left === (c === 0) ? 0.6 + 0.4 * v : 0.3 * v).toFixed(3);
      });
      lines.push(`${c},${row.join(',')}`);
      xs.push(...row.map(Number));
      ys.push(c);
    }
    writeFileSync(at('d.csv'), lines.join('\n') + '\n');
    writeNpyFloat64(at('x.npy'), [300, 4, 4], Float64Array.from(xs));
    writeFileSync(at('y.txt'), ys.join('\n'));
    const csv = await run([
      'train',
      '--data',
      `csv:${at('d.csv')}`,
      '--widths',
      '16,2',
      ...QUICK,
      '--out',
      at('csv.json'),
    ]);
    expect(csv.err).toBe('');
    expect(csv.code).toBe(0);
    expect(JSON.parse(csv.out).testAccuracy).toBeGreaterThan(0.9);
    const npy = await run([
      'train',
      '--data',
      `npy:${at('x.npy')},${at('y.txt')}`,
      '--threshold',
      'none',
      '--widths',
      '16,2',
      ...QUICK,
      '--out',
      at('npy.json'),
    ]);
    expect(npy.code).toBe(0);
    expect(JSON.parse(readFileSync(at('npy.json'), 'utf8')).metadata.data.threshold).toBe(false);
    const attack = await run(['clone-attack', '--model', at('csv.json'), '--queries', '40', '--seeds', '2', '--json']);
    // 40 of the 60 attacker inputs per seed: the seeds share most of their queries, and it says so (nothing else)
    expect(attack.err).toMatch(/^note: at budget 40 each seed draws more than half of the 60 attacker inputs.*\n$/);
    expect(attack.code).toBe(0);
    expect(JSON.parse(attack.out).sources.length).toBeGreaterThan(0);
  }, 120_000);

  it('with nothing chosen by hand, the recipe is searched on validation: grey inputs where binarising erases the classes, recorded and re-read by eval', async () => {
    // two classes of grey levels below the 0.5 threshold: binarised, every input is all zeros
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const c = i % 2;
      const row = Array.from({ length: 16 }, (_, j) =>
        (0.05 + 0.2 * c + 0.2 * (((i * 7 + j * 13) % 11) / 11)).toFixed(3),
      );
      lines.push(`${c},${row.join(',')}`);
    }
    writeFileSync(at('grey.csv'), lines.join('\n') + '\n');
    const r = await run([
      'train',
      '--data',
      `csv:${at('grey.csv')}`,
      '--search-budget',
      '60',
      '--eval-samples',
      '16',
      '--json',
      '--out',
      at('grey.json'),
    ]);
    expect(r.err).toBe('');
    expect(r.code, r.out).toBe(0);
    const report = JSON.parse(r.out);
    const meta = JSON.parse(readFileSync(at('grey.json'), 'utf8')).metadata;
    expect(meta.recipeSearch.chosen.input).toBe('grey');
    expect(meta.recipeSearch.trials.length).toBeGreaterThanOrEqual(3);
    // the binarised candidate saw only zeros: chance on two balanced classes
    const binary = meta.recipeSearch.trials.find((t: { input: string }) => t.input === 'binary');
    expect(binary.validationAccuracy).toBeLessThan(0.7);
    expect(meta.data.threshold).toBe(false);
    expect(meta.reference.l2).toBeGreaterThanOrEqual(0);
    expect(report.testAccuracy).toBeGreaterThan(0.9);
    // eval reads the file again as the model was trained: grey values
    const e = await run(['eval', '--model', at('grey.json'), '--samples', '64', '--json']);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).examples).toBe(60);
    expect(JSON.parse(e.out).accuracy).toBeGreaterThan(0.9);
  }, 120_000);

  it('defaults never fail on 300 examples: train, eval, flow, fisher, poison and clone-attack exit 0 with no flags', async () => {
    // three classes of 30 grey features around seeded prototypes, ±0.175 noise
    let s = 1;
    const r = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    const proto = Array.from({ length: 3 }, () => Array.from({ length: 30 }, () => r()));
    const lines = Array.from({ length: 300 }, (_, i) =>
      [i % 3, ...proto[i % 3]!.map((p) => Math.min(1, Math.max(0, p + 0.35 * (r() - 0.5))).toFixed(3))].join(','),
    );
    writeFileSync(at('small.csv'), `${lines.join('\n')}\n`);
    const model = at('small.json');
    const steps = [
      ['train', '--data', `csv:${at('small.csv')}`, '--out', model],
      ['eval', '--model', model],
      ['flow', '--model', model, '--out', at('small-plots')],
      ['fisher', '--model', model],
      ['poison', '--model', model],
      ['clone-attack', '--model', model],
    ];
    for (const args of steps) {
      const o = await run(args);
      expect(o.code, `${args.join(' ')}: ${o.err}`).toBe(0);
      // 60 attacker inputs: the shipped share per seed (45 of 60) and 10 seeds, said on stderr
      if (args[0] === 'clone-attack') {
        expect(o.err).toMatch(/60 inputs: --queries defaults to 45 .*--seeds from 3 to 10/);
        expect(o.out).toMatch(/45 queries per seed/);
      }
    }
  }, 180_000);

  it('bad files and flags are one line on stderr and exit 2', async () => {
    writeFileSync(at('ragged.csv'), '0,1,0\n1,1\n');
    writeFileSync(at('range.csv'), '0,1,0\n1,1,3\n');
    // labels 1 and 2 for a two-class net: named as labels that start at 1
    writeFileSync(
      at('from1.csv'),
      Array.from({ length: 40 }, (_, i) => `${1 + (i % 2)},${i % 2},${(i >> 1) % 2}`).join('\n'),
    );
    const cases: [string[], RegExp][] = [
      [['--data', `csv:${at('ragged.csv')}`], /line 2 has 1 values, expected 2 \(ragged rows\)/],
      [['--data', `csv:${at('range.csv')}`], /example 2 value 2 is 3, outside \[0, 1\]/],
      [
        ['--data', at('range.csv')],
        /--data must be one of mnist, bas, synthetic, csv:PATH, idx:IMAGES,LABELS or npy:DATA,LABELS, got .*range.csv' \(for this file: --data csv:/,
      ],
      [['--data', `csv:${at('nothing.csv')}`], /no such file/],
      [['--data', `idx:${at('ragged.csv')}`], /takes two files/],
      [['--data', `csv:${at('d.csv')}`, '--threshold', '2'], /--threshold must be a number in \[0, 1\] or 'none'/],
      [['--data', `csv:${at('d.csv')}`, '--fractions', '0.5,0.5'], /--fractions must be three positive numbers/],
      [['--data', 'mnist', '--threshold', '0.3'], /apply to your own data/],
      [
        ['--data', `csv:${at('from1.csv')}`, '--widths', '2,4,2'],
        /has 3 classes \(one-hot outputs\): its labels run 1 … 2, and labels must start at 0/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = await run(['train', ...args, '--out', at('bad.json')]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
