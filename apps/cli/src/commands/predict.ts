import { createBackend, createRng, fromRows } from '@rgdl/gpu-kernels';
import {
  argmaxRows,
  classProbabilitiesChunked,
  hiddenEnumerable,
  meanFieldProbabilities,
  classProbabilities,
  widths,
} from '@rgdl/rbm';
import type { Command } from '../command.js';
import { readModel } from '../model-io.js';
import { readInputs } from './poison.js';
import { checkMemory, intFlag, NumericalError, UsageError, seedFlag, table } from '@rgdl/experiments';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Classify a few inputs from a file by eq. 2 (exact or sampled), mean field beside it',
  usage: 'rgdl predict --model m.json --input FILE [--samples 256] [--json]',
  help: `Reads inputs from FILE — JSON {"inputs": [[…], …]} or [[…], …], each row n₀
values in [0, 1] (the server's request format) — and prints each one's label and
class probabilities P(c|x) by eq. 2: exact when every hidden layer has at most 14
units, else Rao–Blackwellised over --samples draws; the mean-field label beside it.

Options:
  --model FILE     the model file                                    (required)
  --input FILE     the inputs                                        (required)
  --samples N      draws of h_{N−1} per input when sampled           (256)
  --seed S         seed of the draws                                 (1)
  --json           machine-readable output
`,
  options: { model: { type: 'string' }, input: { type: 'string' }, samples: { type: 'string' } },
  async run({ values }, io) {
    const { net } = readModel(values.model);
    if (typeof values.input !== 'string' || values.input === '') throw new UsageError('--input <file> is required');
    const w = widths(net);
    const rows = readInputs(values.input, w[0]!);
    const samples = intFlag('samples', values.samples, 256, 1);
    checkMemory('--samples', samples * w.slice(1, -1).reduce((a, n) => a + n, 0) * 8 * 2, 'the draws of one input');
    const seed = seedFlag(values.seed);
    const be = await createBackend();
    try {
      const x = fromRows(rows.map((r) => Array.from(r)));
      const exact = hiddenEnumerable(net);
      const p = exact
        ? classProbabilities(be, net, x)
        : classProbabilitiesChunked(be, net, x, samples, createRng(seed));
      const mf = meanFieldProbabilities(be, net, x);
      const labels = argmaxRows(p);
      const mfLabels = argmaxRows(mf);
      const C = p.cols;
      const result = {
        method: exact ? 'eq. 2 exact' : `eq. 2 Rao–Blackwellised, ${samples} draws`,
        predictions: rows.map((_, r) => ({
          label: labels[r]!,
          probabilities: Array.from(p.data.slice(r * C, (r + 1) * C)),
          meanFieldLabel: mfLabels[r]!,
        })),
      };
      for (const q of result.predictions) {
        if (!q.probabilities.every(Number.isFinite)) throw new NumericalError('P(c|x) is not finite for these inputs');
      }
      if (values.json === true) {
        io.out(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      io.out(`${result.method}\n\n`);
      io.out(
        table(
          ['input', 'label', 'P(c|x)', 'mean-field label'],
          result.predictions.map((q, r) => [
            r,
            q.label,
            q.probabilities.map((v) => v.toFixed(3)).join(' '),
            q.meanFieldLabel,
          ]),
        ),
      );
    } finally {
      be.dispose();
    }
  },
};
