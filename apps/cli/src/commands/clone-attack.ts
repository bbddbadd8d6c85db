import { join } from 'node:path';
import { createBackend, fromRows, rowViews } from '@rgdl/gpu-kernels';
import {
  ATTACKER_REGISTRY,
  DEFENCES,
  parseDefence,
  localSource,
  runCloneAttack,
  defenceLabel,
  type AnswerSource,
  type AttackResult,
  type CloneKind,
  type DefenceName,
} from '@rgdl/poison';
import { widths } from '@rgdl/rbm';
import { connectSource, retryLogger } from '../sources.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { readModel } from '../model-io.js';
import { Progress } from '../progress.js';
import {
  describeData,
  dataSpecFor,
  loadDataset,
  choiceFlag,
  intFlag,
  numberFlag,
  ensureOutDir,
  writeOutputs,
  renderOutputs,
  type ChartSpec,
  type OutputEntry,
  UsageError,
  seedFlag,
  STUDY_EPSILON,
  table,
  attackChart,
  attackTable,
  comparisonTable,
  ATTACK_DEFAULTS,
  scaleAttackToSplit,
  sharedQueriesNote,
} from '@rgdl/experiments';
import { DATA_OPTIONS } from '../data-flags.js';

/** The attackers `runCloneAttack` runs (each with its labels-only twin): the registry's plain clone kinds. */
const CLONE_ATTACKERS: readonly CloneKind[] = ATTACKER_REGISTRY.filter((a) => !a.labelsOnly && a.name === a.clone).map(
  (a) => a.clone,
);

function defenceList(value: string | boolean | undefined): DefenceName[] {
  if (value === undefined) return ['none', 'random-class', 'fim'];
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [];
  const parsed = list.map(parseDefence);
  if (list.length === 0 || parsed.some((d) => d === undefined))
    throw new UsageError(`--defences must be a comma-separated list of ${DEFENCES.join(', ')}, got '${String(value)}'`);
  return parsed as DefenceName[];
}

export async function cloneAttack(
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
  urls: readonly string[],
): Promise<void> {
  const { net, metadata } = readModel(values.model);
  const w = widths(net);
  const attacker = choiceFlag('attacker', values.attacker, CLONE_ATTACKERS, 'softmax');
  const epsilon = numberFlag('eps', values.eps, STUDY_EPSILON, 0, 10);
  const givenQueries =
    values.queries === undefined ? undefined : intFlag('queries', values.queries, ATTACK_DEFAULTS.queries, 10);
  const givenSeeds = values.seeds === undefined ? undefined : intFlag('seeds', values.seeds, ATTACK_DEFAULTS.seeds, 1);
  const testN = intFlag('test', values.test, 1000, 10);
  const seed0 = seedFlag(values.seed);
  if (urls.length > 0 && values.defences !== undefined)
    throw new UsageError('--defences applies to local sources; with --url the servers choose their defences');
  const defences = defenceList(values.defences);
  const spec = dataSpecFor(metadata, values);
  const attackerData = loadDataset(spec, 'attacker');
  const testData = loadDataset(spec, 'test');
  if (attackerData.x.cols !== w[0])
    throw new UsageError(`model input width ${w[0]} does not fit ${describeData(spec)}`);
  const be = await createBackend();
  try {
    const sources: AnswerSource[] = [];
    for (const url of urls) {
      const s = await connectSource(url, retryLogger(io, values.debug === true));
      if (s.info.widths.join() !== w.join())
        throw new UsageError(`${url} serves widths [${s.info.widths.join(', ')}] but --model has [${w.join(', ')}]`);
      sources.push(s);
    }
    if (urls.length === 0) for (const d of defences) sources.push(localSource(be, net, d, epsilon, seed0 + 1000));
    const out = ensureOutDir(values.out);
    const pool = attackerData.x.rows;
    if (givenQueries !== undefined && givenQueries > pool)
      throw new UsageError(
        `--queries ${givenQueries} is more than the ${pool} inputs of the attacker split (use --queries ${pool} or fewer, or give the attacker a larger share with --fractions)`,
      );
    // the defaults scale to small data, and say so
    const scale = scaleAttackToSplit(pool, { queries: givenQueries, seeds: givenSeeds });
    const { queries, seeds: nSeeds } = scale;
    if (scale.note !== undefined) io.err(`note: ${scale.note}\n`);
    if (queries > pool / 2 && nSeeds > 1) io.err(`note: ${sharedQueriesNote(pool, [queries])}\n`);
    const progress = new Progress(1, { enabled: values.json !== true });
    const result = await runCloneAttack(be, {
      sources,
      attacker,
      widths: w,
      pool: attackerData.x,
      queries,
      test: fromRows(rowViews(testData.x).slice(0, testN)),
      testLabels: testData.labels.slice(0, testN),
      seeds: Array.from({ length: nSeeds }, (_, i) => seed0 + i),
      onProgress: (done, total, label) => progress.update(done, total, `${done}/${total} ${label}`),
    });
    progress.finish();
    if (out !== undefined) {
      writeOutputs(
        await renderOutputs([
          { path: join(out, 'clone-attack.json'), text: JSON.stringify(result, null, 1) + '\n' },
          { path: join(out, 'clone-attack.svg'), chart: attackChart(result) },
        ]),
      );
    }
    if (values.json === true) {
      io.out(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    io.out(
      `clone attack: ${attacker} attacker, ${queries} queries per seed from the ${spec.name} attacker split, scored on ${result.testExamples} test digits\n\n`,
    );
    io.out(attackTable(result));
    io.out(`\n${comparisonTable(result)}`);
    io.out(`\nverdict: ${result.verdict}\n\nIn short:\n${result.summary}\n(${result.seconds.toFixed(1)} s)\n`);
    if (out !== undefined) io.out(`wrote ${out}/clone-attack.json and ${out}/clone-attack.svg\n`);
  } finally {
    be.dispose();
  }
}

export const cloneAttackCommand: Command = {
  name: 'clone-attack',
  summary:
    'Query a defended model (a running server or in process), train clones, compare FIM poison with controls by paired intervals',
  usage:
    'rgdl clone-attack --model m.json [--url http://127.0.0.1:8080]… [--defences none,random-class,fim] [--eps 0.2] [--attacker softmax|mlp|eq14] [options]',
  help: `The attacker sends its own inputs (the data set's 'attacker' split, never the
victim's training data), trains a clone on the served answers and is scored on
the test split; an honest user's answers to the same test digits are scored too.
Each seed draws a different subset of queries and a different clone start.

Sources: each --url (a running 'rgdl serve'; repeat the flag to compare servers),
or, without --url, one in-process defended service per --defences entry.
Seeds are paired: a seed fixes the attacker's query subset and the clone's
start for every source. The verdict compares the 'fim' source with every other
source, and with an attacker who keeps only the served answers' argmax labels,
by paired differences of clone accuracy with 95% t intervals; it claims only
what an interval excluding 0 carries. 'none' − labels-only bounds what any
label-preserving defence can take from this attacker.

Attackers: softmax (logistic regression on soft labels), mlp (64 tanh units),
eq14 (the victim's architecture trained layerwise, eq. 14).

Options:
  --data SOURCE    the data set (default: the one recorded in the model file):
                   mnist | bas | synthetic, csv:PATH, idx:IMAGES,LABELS, npy:DATA,LABELS
                   (with --size, --threshold, --fractions; see rgdl train --help)
  --model FILE       the victim's model file (widths, data set)         (required)
  --url URL          a running server; repeatable
  --defences LIST    local sources: ${DEFENCES.join(', ')}
                     ('random' = random-query)                          (none,random-class,fim)
  --eps E            step ‖δy‖₂ of local step defences                  (0.2)
  --attacker A       softmax | mlp | eq14                               (softmax)
  --queries N        attacker queries per seed (1500; on an attacker split under
                     2,000 inputs, 3/4 of it; said on stderr)
  --seeds N          seeds (error bars) (3; when --queries shrinks, up to 10 so
                     the total stays about 4,500 queries; said on stderr)
  --test N           test digits scored                                 (1000)
  --out DIR          write clone-attack.json and clone-attack.svg there
  --seed S           first seed                                         (1)
  --json             machine-readable output
`,
  options: {
    model: { type: 'string' },
    url: { type: 'string', multiple: true },
    defences: { type: 'string' },
    eps: { type: 'string' },
    attacker: { type: 'string' },
    queries: { type: 'string' },
    seeds: { type: 'string' },
    test: { type: 'string' },
    out: { type: 'string' },
    ...DATA_OPTIONS,
  },
  async run({ values }, io) {
    const raw = values as Record<string, unknown>;
    const urls = Array.isArray(raw.url) ? (raw.url as string[]) : [];
    const { url: _url, ...rest } = values;
    await cloneAttack(rest, io, urls);
  },
};
