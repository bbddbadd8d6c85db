import { createBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { EXACT_WIDTH_LIMIT, widths } from '@rgdl/rbm';
import {
  couplingFlow,
  stabilityFlow,
  topRightSingularVectors,
  type LayerStability,
  type LevelCouplings,
  type OperatorSet,
} from '@rgdl/rg-flow';
import type { Backend } from '@rgdl/gpu-kernels';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { table } from '../io.js';
import { readModel } from '../model-io.js';
import {
  describeData,
  dataSpecFor,
  loadDataset,
  checkMemory,
  choiceFlag,
  intFlag,
  ensureOutDir,
  writeOutputs,
  renderOutputs,
  type ChartSpec,
  type OutputEntry,
  requireFinite,
  UsageError,
} from '@rgdl/experiments';
import { DATA_OPTIONS } from '../data-flags.js';

interface Direction {
  /** 'amplified': right singular vector with σ > 1 (source-coupling space); 'scaling field': left eigenvector with real |λ| > 1. */
  readonly kind: 'amplified' | 'scaling field';
  readonly value: number;
  readonly vector: number[];
  /** The largest components, by operator name. */
  readonly top: { readonly operator: string; readonly weight: number }[];
}

function topComponents(v: ArrayLike<number>, ops: OperatorSet, k = 5): Direction['top'] {
  return Array.from(v, (w, i) => ({ operator: ops.operators[i]?.name ?? String(i), weight: w }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, k);
}

/** Relevant directions of one layer (at most `max` of each kind). */
function relevantDirections(be: Backend, l: LayerStability, max = 3): Direction[] {
  const out: Direction[] = [];
  const sv = topRightSingularVectors(be, l.T, max);
  sv.vectors.forEach((v, j) => {
    if (sv.values[j]! > 1)
      out.push({ kind: 'amplified', value: sv.values[j]!, vector: Array.from(v), top: topComponents(v, l.sourceOps) });
  });
  l.eigen?.values.slice(0, max).forEach((lam, j) => {
    const v = l.eigen?.leftVectors?.[j];
    if (lam.abs > 1 && v)
      out.push({ kind: 'scaling field', value: lam.re, vector: Array.from(v), top: topComponents(v, l.targetOps) });
  });
  return out;
}

/** Widest level whose couplings are computed exactly (2^n states, WHT). */
const COUPLING_WIDTH_LIMIT = 16;

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
with depth. When every level it visits has ≤ ${COUPLING_WIDTH_LIMIT} units, the exact couplings of each
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
  --method M          mcrg | exact (exact needs widths ≤ ${EXACT_WIDTH_LIMIT} and ≤ 20 per side) (mcrg)
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
    const seed = intFlag('seed', values.seed, 1);
    if (method === 'exact' && w.some((n, i) => (i > 0 || dir === 'down') && n > 20)) {
      throw new UsageError(
        `--method exact needs every level it enumerates to have ≤ 20 units; widths are [${w.join(', ')}] (use --method mcrg)`,
      );
    }
    if (method === 'mcrg') {
      // operator values of every sample on both levels, then the covariance blocks, f64
      const count = (n: number) => (operators === 'singles' ? n : n + (n * (n - 1)) / 2);
      const worst = Math.max(
        ...w.slice(0, -1).map((n, i) => {
          const [from, to] = dir === 'up' ? [count(n), count(w[i + 1]!)] : [count(w[i + 1]!), count(n)];
          return (samples * (from + to) + to * (to + from)) * 8;
        }),
      );
      checkMemory(
        operators === 'singles' ? '--samples' : '--operators singles+pairs (with --samples)',
        worst,
        'the MCRG operator samples and covariances',
      );
    }
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
      inputLabel = `y = e_${label}`;
    }
    const out = ensureOutDir(values.out);
    const be = await createBackend();
    try {
      const t0 = performance.now();
      const flow = stabilityFlow(be, net, input, dir, {
        method,
        operators,
        samples,
        rng: createRng(seed),
        leftVectors: true,
      });
      for (const l of flow.layers) {
        requireFinite(`the stability matrix T̃ of layer ${l.layer}`, l.T.data);
        requireFinite(`the singular values of layer ${l.layer}`, l.singularValues);
      }
      const visited = dir === 'up' ? w.slice(1) : w.slice(0, -1);
      const couplings: LevelCouplings[] | null = visited.every((n) => n <= COUPLING_WIDTH_LIMIT)
        ? couplingFlow(be, net, input, dir)
        : null;
      const report = {
        direction: dir,
        method,
        operators,
        input: inputLabel,
        widths: w,
        layers: flow.layers.map((l) => ({
          layer: l.layer,
          from: l.fromLevel,
          to: l.toLevel,
          shape: [l.T.rows, l.T.cols],
          singularValues: Array.from(l.singularValues.slice(0, 5)),
          topSingularValueError: l.topSingularValueError ?? null,
          eigenvalues: l.eigen ? l.eigen.values.slice(0, 5) : null,
          relevant: l.eigen ? l.eigen.relevant : null,
          singularValuesAboveOne: Array.from(l.singularValues).filter((s) => s > 1).length,
          degenerateTargets: l.degenerateTargets ?? 0,
          relevantDirections: relevantDirections(be, l),
        })),
        productTopSingularValues: flow.productTopSingularValues,
        couplings:
          couplings === null
            ? null
            : couplings.map((c) => ({
                level: c.level,
                width: c.width,
                normsByOrder: Array.from(c.normsByOrder),
                distanceToPrevious: c.distanceToPrevious,
              })),
        seconds: (performance.now() - t0) / 1000,
      };
      if (out !== undefined) {
        const title = `${dir === 'up' ? 'classification' : 'generation'} flow of [${w.join(',')}] at ${inputLabel} (${method})`;
        writeOutputs(
          await renderOutputs([
            { path: join(out, 'flow.json'), text: JSON.stringify(report, null, 1) + '\n' },
            {
              path: join(out, 'flow-singular-values.svg'),
              chart: {
                title: `singular values per layer: ${title}`,
                xLabel: 'index',
                yLabel: 'σ',
                logY: true,
                referenceY: 1,
                series: flow.layers.map((l) => ({
                  name: `T${dir === 'down' ? '̃' : ''}(${l.layer}) h${l.fromLevel}→h${l.toLevel}`,
                  points: Array.from(l.singularValues, (v, i) => [i + 1, v] as const),
                  ...(l.singularValueErrors ? { errors: Array.from(l.singularValueErrors) } : {}),
                })),
              },
            },
            {
              path: join(out, 'flow-products.svg'),
              chart: {
                title: `top singular value of the product of the first m layers: ${title}`,
                xLabel: 'm (layers)',
                yLabel: 'σ₁',
                logY: true,
                referenceY: 1,
                series: [
                  { name: 'σ₁(product)', points: flow.productTopSingularValues.map((v, i) => [i + 1, v] as const) },
                ],
              },
            },
            ...(couplings === null
              ? []
              : [
                  {
                    path: join(out, 'coupling-flow.svg'),
                    chart: {
                      title: `coupling norms by interaction order: ${title}`,
                      xLabel: 'order m',
                      yLabel: '√Σ_{|α|=m} g_α²',
                      logY: true,
                      series: couplings.map((c) => ({
                        name: `level h${c.level}`,
                        points: Array.from(c.normsByOrder, (v, i) => [i + 1, v] as const),
                      })),
                    },
                  },
                ]),
          ]),
        );
      }
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
          `(couplings need exact enumeration of each level, ≤ ${COUPLING_WIDTH_LIMIT} units; widths here are [${w.join(', ')}])\n`,
        );
      }
      io.out(`(${report.seconds.toFixed(1)} s)\n`);
      if (out !== undefined) io.out(`wrote ${out}/flow.json and SVG plots\n`);
    } finally {
      be.dispose();
    }
  },
};
