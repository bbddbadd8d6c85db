import { createBackend, createRng } from '@rgdl/gpu-kernels';
import {
  accuracy,
  argmaxRows,
  classProbabilities,
  classProbabilitiesChunked,
  ENUMERATION_LIMITS,
  enumerable,
  widths,
} from '@rgdl/rbm';
import type { Command } from '../command.js';
import { readModel } from '../model-io.js';
import {
  describeData,
  dataSpecFor,
  loadDataset,
  checkMemory,
  choiceFlag,
  intFlag,
  requireFinite,
  UsageError,
  seedFlag,
  table,
} from '@rgdl/experiments';
import { DATA_OPTIONS } from '../data-flags.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Accuracy and confusion matrix of a model on a data split',
  usage: 'rgdl eval --model model.json [--split test|attacker|train] [--samples N | --exact] [--json]',
  help: `Classifies with P(c|x) = q_N(e_c|x) / Σ_c' q_N(e_c'|x) over one-hot outputs (eq. 2),
estimated from N ancestral samples of h_{N−1} per input (Rao–Blackwellised), or
exactly with --exact when every hidden width is at most ${ENUMERATION_LIMITS.partition}.

Options:
  --model FILE     model file from 'rgdl train'                       (required)
  --split S        test | attacker | train                            (test)
  --data SOURCE    the data set (default: the one recorded in the model file):
                   mnist | bas | synthetic, csv:PATH, idx:IMAGES,LABELS, npy:DATA,LABELS
                   (with --size, --threshold, --fractions; see rgdl train --help)
  --samples N      samples per input                                  (32)
  --exact          exact propagation instead of sampling
  --seed S         seed for the sampling                              (1)
  --json           machine-readable output
`,
  options: {
    model: { type: 'string' },
    split: { type: 'string' },
    ...DATA_OPTIONS,
    samples: { type: 'string' },
    exact: { type: 'boolean' },
  },
  async run({ values }, io) {
    const { net, metadata } = readModel(values.model);
    const spec = dataSpecFor(metadata, values);
    const split = choiceFlag('split', values.split, ['test', 'attacker', 'train'] as const, 'test');
    const samples = intFlag('samples', values.samples, 32, 1);
    const seed = seedFlag(values.seed);
    const data = loadDataset(spec, split);
    const w = widths(net);
    if (w[0] !== data.x.cols || w[w.length - 1] !== data.classes) {
      throw new UsageError(
        `model widths [${w.join(', ')}] do not fit ${describeData(spec)} (${data.x.cols} inputs, ${data.classes} classes)`,
      );
    }
    if (values.exact === true && !enumerable(w.slice(1, -1), 'partition')) {
      throw new UsageError(
        `--exact needs hidden widths ≤ ${ENUMERATION_LIMITS.partition}; this model has [${w.join(', ')}]`,
      );
    }
    // sampled: `samples` draws of every hidden layer per input, f64, twice (draws and probabilities)
    if (values.exact !== true)
      checkMemory('--samples', samples * w.slice(1, -1).reduce((a, n) => a + n, 0) * 8 * 2, 'the draws of one input');
    const be = await createBackend();
    try {
      const p =
        values.exact === true
          ? classProbabilities(be, net, data.x)
          : classProbabilitiesChunked(be, net, data.x, samples, createRng(seed));
      requireFinite('P(c|x)', p.data);
      const pred = argmaxRows(p);
      const K = data.classes;
      const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
      for (let r = 0; r < pred.length; r++) confusion[data.labels[r]!]![pred[r]!]!++;
      const result = {
        data: spec.file ? { name: spec.name, paths: spec.file.paths } : spec.name,
        size: spec.size,
        split,
        examples: pred.length,
        method: values.exact === true ? 'exact' : `sampled (${samples})`,
        accuracy: accuracy(pred, data.labels),
        confusion,
      };
      if (values.json === true) {
        io.out(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      io.out(
        `accuracy ${(100 * result.accuracy).toFixed(2)}% on ${result.examples} ${split} examples of ${describeData(spec)} (${result.method})\n\nconfusion (rows: true class, columns: predicted)\n`,
      );
      io.out(
        table(
          ['', ...Array.from({ length: K }, (_, c) => String(c))],
          confusion.map((row, c) => [String(c), ...row]),
        ),
      );
    } finally {
      be.dispose();
    }
  },
};
