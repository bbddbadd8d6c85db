import { createBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { EXACT_WIDTH_LIMIT, widths } from '@rgdl/rbm';
import { stabilityFlow } from '@rgdl/rg-flow';
import type { Command } from '../command.js';
import { dataSpecFor, loadDataset } from '../data.js';
import { choiceFlag, intFlag } from '../flags.js';
import { table } from '../io.js';
import { readModel } from '../model-io.js';
import { UsageError } from '../usage-error.js';

export const flowCommand: Command = {
  name: 'flow',
  summary: 'Stability matrices of every layer (exact or MCRG), singular values, eigenvalues, relevant directions',
  usage: 'rgdl flow --model m.json [--direction up|down] [--index I | --label C] [--method mcrg|exact] [--operators singles|singles+pairs] [options]',
  help: `Classification ('up', given a test digit x): T^{(k)} = ∂g^{(k)}/∂g^{(k−1)}, k = 2…N.
Generation ('down', given the one-hot label y = e_C): T̃^{(k)} = ∂g̃^{(k−1)}/∂g̃^{(k)}, k = N−1…1.
Square matrices get eigenvalues (relevant: |λ| > 1), every matrix singular values,
and the top singular value of the products over layers measures amplification
with depth.

Options:
  --model FILE        model file                                       (required)
  --direction D       up | down                                        (down)
  --index I           test example used as x for 'up'                  (0)
  --label C           class used as y = e_C for 'down'                 (0)
  --method M          mcrg | exact (exact needs widths ≤ ${EXACT_WIDTH_LIMIT} and ≤ 20 per side) (mcrg)
  --operators O       singles | singles+pairs                          (singles)
  --samples N         MCRG samples                                     (20000)
  --seed S            MCRG seed                                        (1)
  --json              machine-readable output
`,
  options: {
    model: { type: 'string' }, direction: { type: 'string' }, index: { type: 'string' }, label: { type: 'string' },
    method: { type: 'string' }, operators: { type: 'string' }, samples: { type: 'string' }, data: { type: 'string' }, size: { type: 'string' },
  },
  async run({ values }, io) {
    const { net, metadata } = readModel(values.model);
    const w = widths(net);
    const N = w.length - 1;
    if (N < 2) throw new UsageError(`the model has one layer; stability matrices need at least two (widths [${w.join(', ')}])`);
    const dir = choiceFlag('direction', values.direction, ['up', 'down'] as const, 'down');
    const method = choiceFlag('method', values.method, ['mcrg', 'exact'] as const, 'mcrg');
    const operators = choiceFlag('operators', values.operators, ['singles', 'singles+pairs'] as const, 'singles');
    const samples = intFlag('samples', values.samples, 20000, 100);
    const seed = intFlag('seed', values.seed, 1);
    if (method === 'exact' && w.some((n, i) => (i > 0 || dir === 'down') && n > 20)) {
      throw new UsageError(`--method exact needs every level it enumerates to have ≤ 20 units; widths are [${w.join(', ')}] (use --method mcrg)`);
    }
    let input;
    let inputLabel: string;
    if (dir === 'up') {
      const { name: dataName, size } = dataSpecFor(metadata, values);
      const test = loadDataset({ name: dataName, size }, 'test');
      const index = intFlag('index', values.index, 0, 0);
      if (index >= test.x.rows) throw new UsageError(`--index ${index} is past the ${test.x.rows} test examples`);
      if (test.x.cols !== w[0]) throw new UsageError(`model input width ${w[0]} does not fit ${dataName} size ${size}`);
      input = matrix(1, w[0]!, test.x.data.slice(index * w[0]!, (index + 1) * w[0]!));
      inputLabel = `x = test example ${index} (label ${test.labels[index]})`;
    } else {
      const label = intFlag('label', values.label, 0, 0);
      if (label >= w[N]!) throw new UsageError(`--label ${label} is past the ${w[N]} output units`);
      input = matrix(1, w[N]!);
      input.data[label] = 1;
      inputLabel = `y = e_${label}`;
    }
    const be = await createBackend();
    try {
      const t0 = performance.now();
      const flow = stabilityFlow(be, net, input, dir, { method, operators, samples, rng: createRng(seed) });
      const report = {
        direction: dir, method, operators, input: inputLabel, widths: w,
        layers: flow.layers.map((l) => ({
          layer: l.layer, from: l.fromLevel, to: l.toLevel, shape: [l.T.rows, l.T.cols],
          singularValues: Array.from(l.singularValues.slice(0, 5)),
          topSingularValueError: l.topSingularValueError ?? null,
          eigenvalues: l.eigen ? l.eigen.values.slice(0, 5) : null,
          relevant: l.eigen ? l.eigen.relevant : null,
          singularValuesAboveOne: Array.from(l.singularValues).filter((s) => s > 1).length,
          degenerateTargets: l.degenerateTargets ?? 0,
        })),
        productTopSingularValues: flow.productTopSingularValues,
        seconds: (performance.now() - t0) / 1000,
      };
      if (values.json === true) {
        io.out(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      io.out(`${dir === 'up' ? 'classification' : 'generation'} flow of [${w.join(', ')}] at ${inputLabel}; ${method}, ${operators}${method === 'mcrg' ? `, ${samples} samples` : ''}\n\n`);
      io.out(table(['layer', 'levels', 'T shape', 'constant targets', 'top singular values', '#σ>1', 'top |λ| (square T)', 'relevant'], report.layers.map((l) => [
        l.layer, `h${l.from}→h${l.to}`, `${l.shape[0]}×${l.shape[1]}`, l.degenerateTargets,
        l.singularValues.map((s) => s.toFixed(3)).join(' ') + (l.topSingularValueError !== null ? ` (±${l.topSingularValueError.toFixed(3)})` : ''),
        l.singularValuesAboveOne,
        l.eigenvalues ? l.eigenvalues.map((e) => e.abs.toFixed(3)).join(' ') : '—', l.relevant ?? '—',
      ])));
      io.out(`\ntop singular value of the product over the first m layers: ${report.productTopSingularValues.map((s) => s.toFixed(3)).join(', ')}\n(${report.seconds.toFixed(1)} s)\n`);
    } finally {
      be.dispose();
    }
  },
};
