import { availableParallelism } from 'node:os';
import { createBackend } from '@rgdl/gpu-kernels';
import { ATTACKERS, DEFENCES, type Attacker, type DefenceName } from '@rgdl/poison';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import {
  FAIR_GRIDS,
  type FairGridName,
  intFlag,
  numberFlag,
  ensureOutDir,
  parseDataFlags,
  readGridFile,
  renderOutputs,
  requiredString,
  runFairExperiment,
  runSurrogateCurves,
  runOwnershipExperiment,
  runDetectionExperiment,
  detectionFiles,
  detectionMarkdown,
  ownershipFiles,
  ownershipMarkdown,
  surrogateFiles,
  surrogateMarkdown,
  runnerFlags,
  UsageError,
  writeOutputs,
  type ExperimentRunner,
} from '@rgdl/experiments';
import { DATA_HELP, DATA_OPTIONS } from '../data-flags.js';

export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'The fair test of the defences: every defence swept over its strength and compared with FIM at matched cost',
  usage:
    'rgdl experiment --out DIR [--quick | --transfer | --surrogate | --ownership | --detection] [--seeds N] [--seed S] [--json]',
  help: `Recipe victims of depth 1–3 (14×14 MNIST, 64 hidden units per hidden layer) are
trained on the 'train' split and attacked through defended services
(${DEFENCES.join(', ')}) with the attacker's own queries (the 'attacker' split, or
synthetic out-of-distribution queries); clones are scored on the 'test' split.
Every defence is swept over its own strength and compared with FIM at the same
defender cost (mean ‖δy‖₁); seeds are paired (same victim, queries and clone start
across defences) and differences carry 95% intervals; a claim is printed only
where its interval excludes 0. Beside them: the labels-only bound, adaptive
misinformation against the OOD attacker, and clone accuracy against query budget.

Grids:
  (default)   depths 1–3, 10 paired seeds, budgets 100/300/1,000 (and 3,000 OOD
              queries); attackers softmax, tuned softmax and MLP on soft answers
              and on labels, eq. 14, inversion, recovery, smoothing, OOD (costly
              attackers at 1,000 queries, on the arms listed in
              FAIR_DEFAULT.attackerArms); 24 min on 2 cores (2 workers)
  --quick     depth 2, 4 seeds, budgets 200/800, small splits; the battery of
              tuned, inversion and recovery attackers (2 min on 2 cores)
  --transfer  depths 2–3, ε = 0.2, none/fim/random-class/random-query, the eq. 14
              attacker with 1,500 queries, 3 seeds, plus its first-layer weight error
              and adversarial inputs from each clone's classification FIM
              (pixel-space norm 1.5, 100 test digits) tried on the victim
  --surrogate the surrogate-data curves, not a grid: the quick grid's victim
              attacked with its own digits moved away from the data by six
              families of transformations (shift, rotation, scale, stroke,
              elastic, threshold) at levels 0–1; OOD flag rate, labels
              changed and clone damage under adaptive misinformation against
              the victim's free-energy distance; writes surrogate.{json,md}
              and two SVG curves (--budget B queries, default 800; --attacker A,
              default softmax; 5 seeds; in this process)
  --ownership the ownership test, not a grid: the quick grid's victim served
              with a keyed watermark (the linear fingerprint, --fingerprint E,
              default 0.1, on --features P whitened principal components of the
              owner's digits, default 16, or 0 for the per-class fingerprint;
              triggers on 0.5% of inputs); clones stolen by every attacker of
              the battery (16; 300 and 1,000 queries) and independent
              models (the same learners on true labels, on the owner's digits and
              on disjoint ones) are each verified from 100 probe digits and their
              triggers, against the owner's reference models and the trigger
              null they measure; true positives and false accusations at
              p < 1e-6 and at the empirical 1% and 0.1% thresholds; writes
              ownership.{json,md} and two plots, p-values and ROC (5 seeds; one
              setup job and one job per budget × seed on the job runner:
              --workers, --queue, resumable from ownership.jobs.jsonl)
  --detection the per-client detectors (PRADA, free-energy OOD rate, answer
              entropy, input mass) against benign users (random and class order, one
              class's skew, repeated queries: 100 streams each) and attackers
              (natural digits, knockoff surrogate data, synthetic JBDA-like
              steps, OOD, smoothing, slow and low, synthetic split over 4 keys:
              60 streams each), streams
              of 1,000 queries, thresholds calibrated on 300 benign streams of
              the defender's digits to 1% false alarms in all; queries until
              the alarm, benign false alarms with a 95% interval, the clone's
              accuracy at the alarm, each detector's ROC; writes
              detection.{json,md} and detection-roc.svg (one setup job and one
              job per stream kind on the job runner: --workers, --queue,
              resumable from detection.jobs.jsonl)

Jobs (one per victim, one per depth × defence × strength) run on a pool of worker
threads; each result is appended to fair.jobs.jsonl in DIR as it finishes, keyed
by the hash of its inputs, so a run that is stopped or killed resumes where it
left off, and a changed grid recomputes only the jobs whose inputs changed.

Writes fair.json (grid, every row, the summary), fair.md (tables and the verdict)
and SVG curves: clone accuracy against defender cost (labels-only clone as a line)
and against query budget, per depth and attacker.

Options:
  --out DIR      output directory (required)
  --quick        the small grid
  --transfer     the adversarial-transfer grid
  --seeds N      number of seeds (overrides the grid's; at least 2 for intervals)
  --seed S       first seed (seeds S, S+1, …)                          (1)
  --workers N    worker threads, each with a single-threaded backend; 0 runs
                 in this process                              (all cores)
  --grid FILE    a JSON object of grid fields replacing the chosen grid's
                 (depths, arms, attackers, budgets, costlyBudgets, attackerArms,
                 seeds, testExamples, victimExamples, victimFineTuneEpochs,
                 hidden, fisher, transfer)
  --queue URL    put the jobs on a Redis queue (redis:// or rediss://host:port)
                 for 'rgdl worker --queue URL' processes on any machines; a second
                 experiment on the same grid attaches to the same jobs. Jobs and
                 results are signed with a secret shared with the workers:
  --secret-file F  the queue's secret (≥ 16 bytes; default RGDL_QUEUE_SECRET)
  --json         print the summary as JSON
  --fair         accepted for old scripts: the fair test is the only grid
${DATA_HELP}
                 (default: 14×14 MNIST; the attacker's pool is the attacker split,
                 and the OOD attacker runs only on square images)
`,
  options: {
    out: { type: 'string' },
    quick: { type: 'boolean' },
    transfer: { type: 'boolean' },
    fair: { type: 'boolean' },
    seeds: { type: 'string' },
    workers: { type: 'string' },
    queue: { type: 'string' },
    'secret-file': { type: 'string' },
    grid: { type: 'string' },
    surrogate: { type: 'boolean' },
    ownership: { type: 'boolean' },
    detection: { type: 'boolean' },
    budget: { type: 'string' },
    attacker: { type: 'string' },
    fingerprint: { type: 'string' },
    features: { type: 'string' },
    ...DATA_OPTIONS,
  },
  async run({ values }, io) {
    // the directory is made when a run starts; its name without trailing slashes reads well in messages
    const out = requiredString('out', values.out).replace(/(.)\/+$/, '$1');
    const grids = ['quick', 'transfer', 'surrogate', 'ownership', 'detection'].filter((g) => values[g] === true);
    if (grids.length > 1) {
      throw new UsageError(
        `choose one of --quick, --transfer, --surrogate, --ownership and --detection (got --${grids.join(' and --')})`,
      );
    }
    if (values.surrogate === true) await runSurrogate(values, out, io);
    else if (values.ownership === true) await runOwnership(values, out, io);
    else if (values.detection === true) await runDetection(values, out, io);
    else await runFair(values, out, io);
  },
};
export type { DefenceName };

async function runFair(values: Record<string, string | boolean | undefined>, out: string, io: CliIo): Promise<void> {
  const grid: FairGridName = values.quick === true ? 'quick' : values.transfer === true ? 'transfer' : 'default';
  const overrides = values.grid === undefined ? undefined : readGridFile(String(values.grid));
  const baseSeeds = overrides?.seeds ?? FAIR_GRIDS[grid].seeds;
  const nSeeds = values.seeds === undefined ? baseSeeds.length : intFlag('seeds', values.seeds, 1, 2);
  const firstSeed = intFlag('seed', values.seed, 1);
  ensureOutDir(out);
  const runner = runnerFlags(values, availableParallelism());
  const progress = new Progress(1, { enabled: values.json !== true });
  const fair = await runFairExperiment({
    grid,
    ...(overrides ? { overrides } : {}),
    ...(values.seeds === undefined && values.seed === undefined
      ? {}
      : { seeds: Array.from({ length: nSeeds }, (_, i) => firstSeed + i) }),
    ...(values.data !== undefined ? { data: parseDataFlags(values), dataLabel: String(values.data) } : {}),
    out,
    workers: runner.workers,
    ...(runner.queue !== undefined ? { queue: { url: runner.queue, secret: runner.secret! } } : {}),
    onProgress: (p) => progress.update(p.done, p.total, `${p.done}/${p.total} jobs ${p.label}`),
    onNote: (m) => io.err(`note: ${m}\n`),
  });
  progress.finish();
  writeOutputs(await renderOutputs(fair.files));
  if (values.json === true) {
    const { result } = fair.run;
    io.out(
      JSON.stringify(
        { seconds: result.seconds, victims: result.victims, summary: { ...fair.summary, curves: undefined } },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  io.out(`${fair.markdown}\nwrote ${out}/fair.{json,md} and ${fair.plots} SVG plots\n`);
}

async function runSurrogate(
  values: Record<string, string | boolean | undefined>,
  out: string,
  io: CliIo,
): Promise<void> {
  if (values.data !== undefined)
    throw new UsageError('--surrogate runs on the shipped MNIST (its transformations need grey digits)');
  const attacker = values.attacker === undefined ? 'softmax' : String(values.attacker);
  if (!(ATTACKERS as readonly string[]).includes(attacker)) {
    throw new UsageError(`--attacker must be one of ${ATTACKERS.join(', ')}, got '${attacker}'`);
  }
  const budget = intFlag('budget', values.budget, 800, 10);
  if (budget > 1998) throw new UsageError(`--budget ${budget} is more than the attacker's 1,998 digits`);
  const nSeeds = intFlag('seeds', values.seeds, 5, 2);
  const firstSeed = intFlag('seed', values.seed, 1);
  await inProcess(values, out, io, {
    compute: (be, onProgress) =>
      runSurrogateCurves(be, {
        seeds: Array.from({ length: nSeeds }, (_, i) => firstSeed + i),
        budget,
        attacker: attacker as Attacker,
        onProgress,
      }),
    files: surrogateFiles,
    json: (r) => r,
    text: (r) => `${surrogateMarkdown(r)}\nwrote ${out}/surrogate.{json,md} and 2 SVG plots\n`,
  });
}

/** An experiment run in this process: its progress, its report files, then JSON or text on stdout. */
async function inProcess<R>(
  values: Record<string, string | boolean | undefined>,
  out: string,
  io: CliIo,
  run: {
    readonly compute: (
      be: Awaited<ReturnType<typeof createBackend>>,
      onProgress: (done: number, total: number, label: string) => void,
    ) => R | Promise<R>;
    readonly files: (result: R, out: string) => Parameters<typeof renderOutputs>[0];
    readonly json: (result: R) => unknown;
    readonly text: (result: R) => string;
  },
): Promise<void> {
  ensureOutDir(out);
  const be = await createBackend();
  const progress = new Progress(1, { enabled: values.json !== true });
  try {
    const result = await run.compute(be, (done, total, label) => progress.update(done, total, label));
    progress.finish();
    writeOutputs(await renderOutputs(run.files(result, out)));
    io.out(values.json === true ? `${JSON.stringify(run.json(result), null, 2)}\n` : run.text(result));
  } finally {
    be.dispose();
  }
}

/** An experiment on the job runner (--workers, --queue; the store in `out`), with progress, files and output. */
async function onJobRunner<R>(
  values: Record<string, string | boolean | undefined>,
  out: string,
  io: CliIo,
  how: {
    readonly run: (runner: ExperimentRunner) => Promise<R>;
    readonly files: (result: R, out: string) => Parameters<typeof renderOutputs>[0];
    readonly json: (result: R) => unknown;
    readonly text: (result: R) => string;
  },
): Promise<void> {
  ensureOutDir(out);
  const runner = runnerFlags(values, availableParallelism());
  const progress = new Progress(1, { enabled: values.json !== true });
  const result = await how.run({
    out,
    workers: runner.workers,
    ...(runner.queue !== undefined ? { queue: { url: runner.queue, secret: runner.secret! } } : {}),
    onProgress: (p) => progress.update(p.done, p.total, `${p.done}/${p.total} jobs ${p.label}`),
  });
  progress.finish();
  writeOutputs(await renderOutputs(how.files(result, out)));
  io.out(values.json === true ? `${JSON.stringify(how.json(result), null, 2)}\n` : how.text(result));
}

async function runOwnership(
  values: Record<string, string | boolean | undefined>,
  out: string,
  io: CliIo,
): Promise<void> {
  if (values.data !== undefined) throw new UsageError('--ownership runs on the shipped MNIST');
  const nSeeds = intFlag('seeds', values.seeds, 5, 1);
  const firstSeed = intFlag('seed', values.seed, 1);
  await onJobRunner(values, out, io, {
    run: (runner) =>
      runOwnershipExperiment({
        seeds: Array.from({ length: nSeeds }, (_, i) => firstSeed + i),
        budgets: [300, 1000],
        fingerprint: numberFlag('fingerprint', values.fingerprint, 0.1, 0, 0.5),
        features: intFlag('features', values.features, 16, 0),
        ...runner,
      }),
    files: ownershipFiles,
    json: (r) => ({ ...r, rows: undefined }),
    text: (r) =>
      `${ownershipMarkdown(r)}\nwrote ${out}/ownership.{json,md} and two plots (p-values, ROC); ${r.jobsComputed} of ${r.jobs} jobs computed (the rest were in ${out}/ownership.jobs.jsonl)\n`,
  });
}

async function runDetection(
  values: Record<string, string | boolean | undefined>,
  out: string,
  io: CliIo,
): Promise<void> {
  if (values.data !== undefined) throw new UsageError('--detection runs on the shipped MNIST');
  const seed = intFlag('seed', values.seed, 1);
  await onJobRunner(values, out, io, {
    run: (runner) => runDetectionExperiment({ seed, ...runner }),
    files: detectionFiles,
    json: (r) => ({ ...r, rows: undefined }),
    text: (r) =>
      `${detectionMarkdown(r)}\nwrote ${out}/detection.{json,md} and detection-roc.svg; ${r.jobsComputed} of ${r.jobs} jobs computed (the rest were in ${out}/detection.jobs.jsonl)\n`,
  });
}
