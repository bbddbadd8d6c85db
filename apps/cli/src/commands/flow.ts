import { createBackend, matrix } from '@rgdl/gpu-kernels';
import { ENUMERATION_LIMITS, widths } from '@rgdl/rbm';
import type { Command } from '../command.js';
import { readModel } from '../model-io.js';
import {
  checkFlowMethod,
  checkMemory,
  choiceFlag,
  dataSpecFor,
  describeData,
  ensureOutDir,
  flowDiagnosis,
  flowFiles,
  intFlag,
  loadDataset,
  renderOutputs,
  UsageError,
  writeOutputs,
  seedFlag,
  table,
  subscript,
} from '@rgdl/experiments';
import { DATA_OPTIONS } from '../data-flags.js';

export const flowCommand: Command = {
  name: 'flow',
  summary: 'Stability matrices of every layer (exact or MCRG), singular values, eigenvalues, relevant directions',
  usage:
    'rgdl flow --model m.json [--direction up|down] [--index I | --label C] [--method mcrg|exact] [--operators singles|singles+pairs] [--out DIR] [options]',
  help: `Classification ('up', given a test digit x): T^{(k)} = ∂g^{(k)}/∂g^{(k−1)}, k = 2…N.
Generation ('down', given the one-hot label y = e_C): T̃^{(k)} = ∂g̃^{(k−1)}/∂g̃^{(k)}, k = N−1…1.
Square matrices get eigenvalues (relevant: |λ| > 1) and their left eigenvectors
(scaling fields); every matrix gets singular values, and the right singular
vectors with σ > 1 are the coupling directions the layer amplifies,
and the top singular value of the products over layers measures amplification
with depth. When every level it visits has ≤ ${ENUMERATION_LIMITS.couplings} units, the exact couplings of each
level's effective Hamiltonian are reported too: their norms by interaction order
and the distance ‖g^{(k)} − g^{(k−1)}‖ between successive levels of equal width
(convergence to a fixed point, eq. 7–8).

Options:
  --data SOURCE    the data set (default: the one recorded in the model file):
                   mnist | bas | synthetic, csv:PATH, idx:IMAGES,LABELS, npy:DATA,LABELS
                   (with --size, --threshold, --fractions; see rgdl train --help)
  --model FILE        model file                                       (required)
  --direction D       up | down                                        (down)
  --index I           test example used as x for 'up'                  (0)
  --label C           class used as y = e_C for 'down'                 (0)
  --method M          mcrg | exact (exact needs widths ≤ ${ENUMERATION_LIMITS.stability}) (mcrg)
  --operators O       singles | singles+pairs                          (singles)
  --samples N         MCRG samples                                     (20000)
  --out DIR           write flow.json, flow-singular-values.svg, flow-products.svg
                      (and coupling-flow.svg when couplings are exact) there
  --seed S            MCRG seed                                        (1)
  --json              machine-readable output
`,
  options: {
    model: { type: 'string' },
    direction: { type: 'string' },
    index: { type: 'string' },
    label: { type: 'string' },
    method: { type: 'string' },
    operators: { type: 'string' },
    samples: { type: 'string' },
    ...DATA_OPTIONS,
    out: { type: 'string' },
  },
  async run({ values }, io) {
    const { net, metadata } = readModel(values.model);
    const w = widths(net);
    const N = w.length - 1;
    if (N < 2)
      throw new UsageError(`the model has one layer; stability matrices need at least two (widths [${w.join(', ')}])`);
    const dir = choiceFlag('direction', values.direction, ['up', 'down'] as const, 'down');
    const method = choiceFlag('method', values.method, ['mcrg', 'exact'] as const, 'mcrg');
    const operators = choiceFlag('operators', values.operators, ['singles', 'singles+pairs'] as const, 'singles');
    const samples = intFlag('samples', values.samples, 20000, 100);
    const seed = seedFlag(values.seed);
    checkFlowMethod(w, dir, method, operators, samples, checkMemory);
    let input;
    let inputLabel: string;
    if (dir === 'up') {
      const spec = dataSpecFor(metadata, values);
      const test = loadDataset(spec, 'test');
      const index = intFlag('index', values.index, 0, 0);
      if (index >= test.x.rows) throw new UsageError(`--index ${index} is past the ${test.x.rows} test examples`);
      if (test.x.cols !== w[0]) throw new UsageError(`model input width ${w[0]} does not fit ${describeData(spec)}`);
      input = matrix(1, w[0]!, test.x.data.slice(index * w[0]!, (index + 1) * w[0]!));
      inputLabel = `x = test example ${index} (label ${test.labels[index]})`;
    } else {
      const label = intFlag('label', values.label, 0, 0);
      if (label >= w[N]!) throw new UsageError(`--label ${label} is past the ${w[N]} output units`);
      input = matrix(1, w[N]!);
      input.data[label] = 1;
      inputLabel = `y = e${subscript(label)}`;
    }
    const out = ensureOutDir(values.out);
    const be = await createBackend();
    try {
      const diagnosis = flowDiagnosis(be, net, input, dir, { method, operators, samples, seed, inputLabel });
      const { report } = diagnosis;
      const couplings = report.couplings;
      if (out !== undefined) writeOutputs(await renderOutputs(flowFiles(out, diagnosis)));
      if (values.json === true) {
        io.out(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      io.out(
        `${dir === 'up' ? 'classification' : 'generation'} flow of [${w.join(', ')}] at ${inputLabel}; ${method}, ${operators}${method === 'mcrg' ? `, ${samples} samples` : ''}\n\n`,
      );
      io.out(
        table(
          [
            'layer',
            'levels',
            'T shape',
            'constant targets',
            'top singular values',
            '#σ>1',
            'top |λ| (square T)',
            'relevant',
          ],
          report.layers.map((l) => [
            l.layer,
            `h${l.from}→h${l.to}`,
            `${l.shape[0]}×${l.shape[1]}`,
            l.degenerateTargets,
            l.singularValues.map((s) => s.toFixed(3)).join(' ') +
              (l.topSingularValueError !== null ? ` (±${l.topSingularValueError.toFixed(3)})` : ''),
            l.singularValuesAboveOne,
            l.eigenvalues ? l.eigenvalues.map((e) => e.abs.toFixed(3)).join(' ') : '—',
            l.relevant ?? '—',
          ]),
        ),
      );
      const dirs = report.layers.flatMap((l) =>
        l.relevantDirections.map(
          (d) =>
            [
              l.layer,
              d.kind,
              d.value.toFixed(3),
              d.top.map((t) => `${t.operator} ${t.weight.toFixed(2)}`).join(', '),
            ] as const,
        ),
      );
      if (dirs.length > 0) {
        io.out('\nrelevant directions (largest components by operator)\n');
        io.out(table(['layer', 'kind', 'σ or λ', 'components'], dirs));
      }
      io.out(
        `\ntop singular value of the product over the first m layers: ${report.productTopSingularValues.map((s) => s.toFixed(3)).join(', ')}\n`,
      );
      if (couplings !== null) {
        io.out("\nexact couplings of each level's effective Hamiltonian\n");
        io.out(
          table(
            ['level', 'units', '‖g‖ order 1', 'order 2', 'order 3', '‖g − g(previous level)‖'],
            couplings.map((c) => [
              `h${c.level}`,
              c.width,
              ...[0, 1, 2].map((m) => (c.normsByOrder[m] ?? 0).toPrecision(3)),
              c.distanceToPrevious === null ? '— (other width)' : c.distanceToPrevious.toPrecision(3),
            ]),
          ),
        );
      } else {
        io.out(
          `(couplings need exact enumeration of each level, ≤ ${ENUMERATION_LIMITS.couplings} units; widths here are [${w.join(', ')}])\n`,
        );
      }
      io.out(`(${report.seconds.toFixed(1)} s)\n`);
      if (out !== undefined) io.out(`wrote ${out}/flow.json and SVG plots\n`);
    } finally {
      be.dispose();
    }
  },
};
