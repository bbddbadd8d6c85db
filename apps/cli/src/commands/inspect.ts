import { statSync } from 'node:fs';
import { widths } from '@rgdl/rbm';
import { table } from '@rgdl/experiments';
import type { Command } from '../command.js';
import { readModel } from '../model-io.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Describe a model file: widths, parameters, data, training recorded, accuracy recorded, size',
  usage: 'rgdl inspect --model m.json [--json]',
  help: `Reads and validates a model file (written by 'rgdl train') and prints what it
holds, without computing anything: widths, parameter count and the largest
|parameter|, the data set and training settings recorded, the accuracies recorded
at training time, and the file size.

Options:
  --model FILE   the model file                                      (required)
  --json         machine-readable output
`,
  options: { model: { type: 'string' } },
  async run({ values }, io) {
    const path = values.model;
    const { net, metadata } = readModel(path);
    const w = widths(net);
    let parameters = 0;
    let largest = 0;
    for (const l of net.layers) {
      for (const arr of [l.W.data, l.a, l.b]) {
        parameters += arr.length;
        for (const v of arr) largest = Math.max(largest, Math.abs(v));
      }
    }
    const m = metadata as Record<string, unknown>;
    const training = (m.training ?? {}) as Record<string, unknown>;
    const report = {
      model: String(path),
      bytes: statSync(String(path)).size,
      widths: w,
      depth: w.length - 1,
      parameters,
      largestParameter: largest,
      data: m.data ?? null,
      training: { method: training.method ?? null, recipe: training.recipe ?? null, seed: training.seed ?? null },
      testAccuracy: m.testAccuracy ?? null,
      testAccuracyMethod: m.testAccuracyMethod ?? null,
      meanFieldTestAccuracy: m.meanFieldTestAccuracy ?? null,
      validationAccuracy: m.validationAccuracy ?? null,
    };
    if (values.json === true) {
      io.out(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const pct = (v: unknown) => (typeof v === 'number' ? `${(100 * v).toFixed(2)}%` : '—');
    io.out(
      table(
        ['field', 'value'],
        [
          ['file', `${report.model} (${report.bytes.toLocaleString('en')} bytes)`],
          ['widths', `[${w.join(', ')}] (depth ${report.depth})`],
          ['parameters', `${parameters.toLocaleString('en')}; largest |value| ${largest.toPrecision(4)}`],
          ['data', JSON.stringify(report.data)],
          [
            'training',
            `${report.training.method ?? '—'}${report.training.recipe ? ` (recipe ${report.training.recipe})` : ''}, seed ${report.training.seed ?? '—'}`,
          ],
          [
            'test accuracy',
            `${pct(report.testAccuracy)}${report.testAccuracyMethod ? ` (${report.testAccuracyMethod})` : ''}; mean field ${pct(report.meanFieldTestAccuracy)}`,
          ],
          ['validation accuracy', pct(report.validationAccuracy)],
        ],
      ),
    );
  },
};
