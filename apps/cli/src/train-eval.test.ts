import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { collect } from './cli.test-helpers.js';

describe('rgdl train / eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rgdl-cli-'));
  const model = join(dir, 'm.json');

  it('trains on the synthetic set, writes a model with its report, and eval reproduces the accuracy', async () => {
    const c = collect();
    const code = await runCli(
      [
        'train',
        '--data',
        'synthetic',
        '--size',
        '5',
        '--widths',
        '25,16,10',
        '--limit',
        '400',
        '--sweeps',
        '1',
        '--pretrain-epochs',
        '20',
        '--epochs',
        '2',
        '--lr',
        '0.1',
        '--momentum',
        '0.9',
        '--batch',
        '20',
        '--out',
        model,
        '--json',
      ],
      c.io,
    );
    expect(c.err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(c.out);
    expect(report.widths).toEqual([25, 16, 10]);
    expect(report.training.method).toBe('hybrid');
    expect(report.sweeps.map((s: { sweep: number }) => s.sweep)).toEqual([0, 1]); // sweep 0 = the fine-tuned net
    expect(report.pretrain).toHaveLength(20);
    expect(report.testAccuracy).toBeGreaterThan(0.9); // 10 classes: chance 0.1
    expect(report.meanFieldTestAccuracy).toBeGreaterThan(0.9);
    // generation reported for both the pretrained and the final net
    expect(report.generation.pretrained.generatedAccuracy).toBeGreaterThanOrEqual(0);
    expect(report.generation.final.testLogProbability).toBeLessThan(0);
    const e = collect();
    expect(await runCli(['eval', '--model', model, '--exact', '--json'], e.io)).toBe(0);
    const ev = JSON.parse(e.out);
    expect(ev.method).toBe('exact');
    expect(ev.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(ev.examples);
    expect(Math.abs(ev.accuracy - report.testAccuracy)).toBeLessThan(0.1);

    // RG flow of the trained model: exact classification, MCRG generation
    const f = collect();
    expect(
      await runCli(
        ['flow', '--model', model, '--direction', 'up', '--method', 'exact', '--index', '3', '--json'],
        f.io,
      ),
    ).toBe(0);
    const up = JSON.parse(f.out);
    expect(up.layers.map((l: { layer: number; shape: number[] }) => [l.layer, ...l.shape])).toEqual([[2, 10, 16]]);
    expect(up.layers[0].singularValues[0]).toBeGreaterThan(0);
    const g = collect();
    expect(
      await runCli(
        ['flow', '--model', model, '--direction', 'down', '--label', '2', '--samples', '4000', '--json'],
        g.io,
      ),
    ).toBe(0);
    const down = JSON.parse(g.out);
    expect(down.layers[0].shape).toEqual([25, 16]);
    expect(down.layers[0].topSingularValueError).toBeGreaterThan(0);
    const bad = collect();
    expect(await runCli(['flow', '--model', model, '--direction', 'down', '--method', 'exact'], bad.io)).toBe(2);
    expect(bad.err).toMatch(/≤ 20 units/);
  }, 60_000);

  it('--method eq14 keeps the layerwise path and reports every sweep', async () => {
    const c = collect();
    const m2 = join(dir, 'eq14.json');
    const code = await runCli(
      [
        'train',
        '--method',
        'eq14',
        '--data',
        'synthetic',
        '--size',
        '5',
        '--widths',
        '25,16,10',
        '--limit',
        '400',
        '--sweeps',
        '1',
        '--pretrain-epochs',
        '10',
        '--epochs',
        '1',
        '--batch',
        '20',
        '--out',
        m2,
        '--json',
      ],
      c.io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(c.out);
    expect(report.training.method).toBe('eq14-layerwise');
    expect(report.history.map((h: { sweep: number }) => h.sweep)).toEqual([0, 1]);
    expect(report.testAccuracy).toBeGreaterThan(0.5);
  }, 60_000);

  it('training that diverges or collapses stops with exit 3, one line, and no model file (--force writes a collapsed one)', async () => {
    const base = [
      'train',
      '--data',
      'synthetic',
      '--size',
      '3',
      '--widths',
      '9,8,10',
      '--limit',
      '300',
      '--pretrain-epochs',
      '2',
    ];
    const diverged = join(dir, 'diverged.json');
    const a = collect();
    expect(await runCli([...base, '--lr', '1e6', '--out', diverged], a.io)).toBe(3);
    expect(a.err).toMatch(/^rgdl: (fine-tuning|training) diverged.*nothing was written\n$/);
    expect(existsSync(diverged)).toBe(false);
    const collapsed = join(dir, 'collapsed.json');
    const b = collect();
    expect(await runCli([...base, '--finetune-lr', '1e3', '--out', collapsed, '--json'], b.io)).toBe(3);
    expect(b.err).toMatch(/training collapsed: test accuracy .* the model was not written/);
    expect(JSON.parse(b.out).error.code).toBe('numerical');
    expect(existsSync(collapsed)).toBe(false);
    expect(await runCli([...base, '--finetune-lr', '1e3', '--out', collapsed, '--force'], collect().io)).toBe(0);
    expect(existsSync(collapsed)).toBe(true);
  }, 60_000);

  it('user mistakes exit with code 2, one line, and no output file', async () => {
    const cases: string[][] = [
      ['train'],
      ['train', '--out', join(dir, 'x.json'), '--widths', '15,10,10', '--data', 'synthetic', '--size', '4'],
      ['train', '--out', join(dir, 'x.json'), '--lr', '-1'],
      ['train', '--out', join(dir, 'x.json'), '--data', 'cifar'],
      ['train', '--out', join(dir, 'x.json'), '--recipe', 'mnist99'],
      ['train', '--out', join(dir, 'x.json'), '--recipe', 'mnist28', '--size', '14'],
      ['train', '--out', join(dir, 'x.json'), '--method', 'sgd'],
      ['train', '--out', '/proc/x/m.json'],
      ['train', '--out', dir],
      ['train', '--out', join(dir, 'x.json'), '--widths', '196,1000000000,10'],
      ['train', '--out', join(dir, 'x.json'), '--widths', '196,100000,10'],
      ['eval', '--model', join(dir, 'missing.json')],
      ['eval'],
    ];
    for (const args of cases) {
      const c = collect();
      expect(await runCli(args, c.io), args.join(' ')).toBe(2);
      expect(c.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(c.err).not.toMatch(/\bat .*\(/); // no stack trace
    }
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
    // sizes beyond the memory cap name the flag and the estimate
    const big = collect();
    expect(await runCli(['train', '--out', join(dir, 'x.json'), '--widths', '196,100000,10'], big.io)).toBe(2);
    expect(big.err).toMatch(/--widths needs about [\d.]+ GiB for \[196, 100000, 10\].*above the 4\.0 GiB cap/);
    const huge = collect();
    expect(await runCli(['eval', '--model', model, '--samples', '1000000000'], huge.io)).toBe(2);
    expect(huge.err).toMatch(/--samples needs about .* GiB .*cap/);
    const flow = collect();
    expect(await runCli(['flow', '--model', model, '--samples', '1000000000'], flow.io)).toBe(2);
    expect(flow.err).toMatch(/--samples needs about .* GiB for the MCRG/);
    // an impossible --out fails before any training (the default victim takes ~20 s to train)
    const t0 = performance.now();
    expect(await runCli(['train', '--out', '/proc/x/m.json'], collect().io)).toBe(2);
    expect(performance.now() - t0).toBeLessThan(3000);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format":"rgdl-deep-rbm","version":7}');
    const c = collect();
    expect(await runCli(['eval', '--model', bad], c.io)).toBe(2);
    expect(c.err).toMatch(/version: 7 is not supported/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
