import { readFileSync } from 'node:fs';
import { createBackend, fromRows, rowViews } from '@rgdl/gpu-kernels';
import { argmax, createService, DEFENCES, utility, strengthOptions } from '@rgdl/poison';
import { defenceLabel } from '@rgdl/poison';
import { inputRows, widths } from '@rgdl/rbm';
import type { Command } from '../command.js';
import { readModel } from '../model-io.js';
import {
  describeData,
  dataSpecFor,
  loadDataset,
  referenceInputs,
  choiceFlag,
  defenceFlag,
  intFlag,
  requireFinite,
  UsageError,
  seedFlag,
  strengthFlag,
  table,
} from '@rgdl/experiments';
import { DATA_OPTIONS } from '../data-flags.js';

/** Reads {"inputs": number[][]} or number[][] (the server's request format). @throws UsageError */
export function readInputs(path: string, n0: number): Float64Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code ? `cannot read input file ${path} (${code})` : `${path} is not valid JSON`);
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(rows) || rows.length === 0)
    throw new UsageError(`${path}: expected {"inputs": [[…], …]} or a non-empty array of rows`);
  return rows.map((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== n0)
      throw new UsageError(`${path}: input ${r + 1} (counting from 1) must have ${n0} values`);
    if (row.some((v) => typeof v !== 'number' || !(v >= 0 && v <= 1)))
      throw new UsageError(`${path}: input ${r + 1} (counting from 1) has a value outside [0, 1]`);
    return Float64Array.from(row as number[]);
  });
}

export const poisonCommand: Command = {
  name: 'poison',
  summary: 'Show the defended (poisoned) answers a server would give for some inputs, beside the clean ones',
  usage:
    'rgdl poison --model m.json [--defence fim] [--strength S | --eps 0.05] [--index I --count N | --input FILE] [--json]',
  help: `For each input x: the clean answer ŷ(x) (class probabilities, eq. 2), the served
answer ŷ′ = ŷ + δy from the defence, the label (never changed) and ‖δy‖₂. With
--defence fim, δy = ε·v₁ where v₁ is the top eigenvector of the generation FIM at
the predicted class (the direction that most changes what a clone trained on
ŷ′ would generate).

Options:
  --data SOURCE    the data set (default: the one recorded in the model file):
                   mnist | bas | synthetic, csv:PATH, idx:IMAGES,LABELS, npy:DATA,LABELS
                   (with --size, --threshold, --fractions; see rgdl train --help)
  --model FILE     model file                                          (required)
  --defence D      ${DEFENCES.join(' | ')}   (fim)
  --strength S     the defence's strength (its range and default: rgdl serve --help);
  --eps E          its alias: the step size ‖δy‖₂ of step defences      (0.05)
  --split S        test | attacker | train, for --index                 (test)
  --index I        first example of the split                           (0)
  --count N        number of examples                                   (5)
  --input FILE     JSON {"inputs": [[…], …]} instead of data-set examples
  --seed S         seed of the defender's randomness                     (1)
  --json           machine-readable output
`,
  options: {
    model: { type: 'string' },
    defence: { type: 'string' },
    eps: { type: 'string' },
    strength: { type: 'string' },
    split: { type: 'string' },
    index: { type: 'string' },
    count: { type: 'string' },
    input: { type: 'string' },
    ...DATA_OPTIONS,
  },
  async run({ values }, io) {
    const { net, metadata } = readModel(values.model);
    const w = widths(net);
    const defence = defenceFlag(values.defence);
    const epsilon = strengthFlag(defence, values.strength, values.eps);
    const seed = seedFlag(values.seed);
    let inputs: Float64Array[];
    let truth: (number | null)[];
    let source: string;
    if (typeof values.input === 'string') {
      if (values.index !== undefined || values.count !== undefined)
        throw new UsageError('--input cannot be combined with --index/--count');
      inputs = readInputs(values.input, w[0]!);
      truth = inputs.map(() => null);
      source = values.input;
    } else {
      const split = choiceFlag('split', values.split, ['test', 'attacker', 'train'] as const, 'test');
      const spec = dataSpecFor(metadata, values);
      const data = loadDataset(spec, split);
      if (data.x.cols !== w[0]) throw new UsageError(`model input width ${w[0]} does not fit ${describeData(spec)}`);
      const index = intFlag('index', values.index, 0, 0);
      const count = intFlag('count', values.count, 5, 1);
      if (index + count > data.x.rows)
        throw new UsageError(`--index ${index} --count ${count} runs past the ${data.x.rows} ${split} examples`);
      inputs = inputRows(data).slice(index, index + count);
      truth = Array.from(data.labels.slice(index, index + count));
      source = `${spec.name} ${split} examples ${index}…${index + count - 1}`;
    }
    const be = await createBackend();
    try {
      const service = createService(be, net, {
        defence,
        seed,
        ...strengthOptions(defence, epsilon),
        ...(defence === 'adaptive-misinformation' ? { reference: referenceInputs(metadata) } : {}),
      });
      const batch = service.answer(fromRows(inputs));
      requireFinite('the clean answers ŷ', batch.clean.data);
      requireFinite(`the served answers ŷ′ (${defence})`, batch.served.data);
      const u = utility(batch);
      const served = rowViews(batch.served);
      const rows = rowViews(batch.clean).map((y, r) => {
        const s = served[r]!;
        return {
          trueLabel: truth[r] ?? null,
          label: argmax(y),
          servedLabel: argmax(s),
          clean: Array.from(y),
          served: Array.from(s),
          l2: Math.hypot(...s.map((v, j) => v - y[j]!)),
        };
      });
      const report = {
        defence,
        epsilon,
        source,
        labelAgreement: u.labelAgreement,
        meanL1: u.meanL1,
        shrunk: batch.shrunk,
        rows,
      };
      if (values.json === true) {
        io.out(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      io.out(`defence ${defenceLabel(defence, epsilon)}; ${source}\n\n`);
      const f = (v: readonly number[]) => v.map((p) => p.toFixed(2)).join(' ');
      io.out(
        table(
          ['#', 'true', 'label', 'clean ŷ', 'served ŷ′', '‖δy‖₂'],
          rows.map((r, i) => [i, r.trueLabel ?? '—', r.label, f(r.clean), f(r.served), r.l2.toFixed(3)]),
        ),
      );
      io.out(
        `\nlabels kept ${(100 * u.labelAgreement).toFixed(1)}%; mean ‖δy‖₁ ${u.meanL1.toFixed(3)}; steps shrunk to stay valid ${(100 * batch.shrunk).toFixed(1)}%\n`,
      );
    } finally {
      be.dispose();
    }
  },
};
