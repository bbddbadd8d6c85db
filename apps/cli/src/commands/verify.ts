import { randomBytes } from 'node:crypto';
import { createBackend, matrix } from '@rgdl/gpu-kernels';
import {
  checkWatermarkKey,
  createService,
  DEFAULT_FEATURES,
  firstTriggers,
  splitQueries,
  fingerprintFeatures,
  serializeWatermarkKey,
  type FingerprintFeatures,
  triggerNull,
  verifyOwnership,
  MAX_WATERMARK_RATE,
} from '@rgdl/poison';
import { widths } from '@rgdl/rbm';
import {
  dataSpecFor,
  describeData,
  intFlag,
  loadDataset,
  numberFlag,
  UsageError,
  writeOutputs,
} from '@rgdl/experiments';
import type { Command } from '../command.js';
import { readModel } from '../model-io.js';
import { connectSource, retryLogger } from '../sources.js';
import { readEvidence, readWatermarkKey } from '../watermark-io.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Proof of ownership: does a suspect model carry our keyed watermark? (and --new-key to make a key)',
  usage:
    'rgdl verify --key KEY --owner m.json (--model SUSPECT | --url URL) [--evidence FILE] [--reference r1.json,r2.json] [--queries 100 | --probes N] [--alpha 1e-6] [--json]\n       rgdl verify --new-key KEY --owner m.json [--rate 0.005] [--fingerprint 0.1] [--features 16]',
  help: `A served model is watermarked with a key (rgdl serve --watermark-key KEY): every
answer moves a step along a keyed linear function of its input (the
fingerprint, label kept: δ(x) = ε P A φ(x)/√((K − 1)p), φ(x) the owner's
training inputs' top p principal components, whitened, stored in the key; A a
keyed K × p Gaussian matrix), and a keyed fraction of inputs (≤ 0.5%) is
answered with a keyed wrong label (the triggers, kept by the server as
evidence). A model trained on those answers inherits them; one that never saw
them does not.

verify asks the suspect about the evidence's triggers and the owner's first
test examples (the data recorded in the owner's model file), --queries in all,
and reports the fingerprint statistic z = ⟨A, M⟩/‖M‖, M = Σ_r e_r φ(x_r)ᵀ with
e_r the suspect's centred log answers minus the reference's, and its p-value
Φ̄(z) (exact for any model that never saw the key: A is then independent of
M), the triggers it labels as served with their binomial p-value, the combined
p-value (Bonferroni), the decision at --alpha and the queries used. The
suspect is a model file (--model) or a running rgdl server (--url). A key of
version 1 (no features) carries the earlier per-class fingerprint, scored by a
Chernoff bound; linear clones mostly escape it.

A trigger's wrong label is one of the three classes the clean answer finds
least likely, so a model that never saw it rarely gives it. How rarely is
measured, not assumed, with --reference: model files the owner trained without
the watermark (other seeds, other widths, true labels). Each reference answers
the owner's test digits after the probes as if every one were a trigger; the
trigger test's null rate is the Clopper–Pearson 95% upper bound of how often
they give the keyed label (without references: 1/(K − 1), a model that errs
uniformly). Each reference is also a fingerprint reference: the statistic is
formed against its answers as well as the owner's, and the best counts, with
Bonferroni over every test.

Verification is as strong as what the suspect kept: clones trained on soft
answers (softmax regression, an MLP) carry the linear fingerprint, models that
fit their training answers (an MLP clone) also reproduce the triggers, and
clones trained on labels alone carry neither (docs/results.md, ownership).

Options:
  --key FILE         the owner's watermark key (rgdl-watermark-key JSON)  (required)
  --owner FILE       the owner's model file: its clean answers on the probes  (required)
  --model FILE       the suspect as a model file
  --url URL          the suspect as a running rgdl server
  --evidence FILE    triggers the suspect's source was served: the JSON lines
                     rgdl serve --evidence FILE appends ({"input": […], "label": c})
  --reference FILES  the owner's reference models, comma-separated model files
                     trained without the watermark: fingerprint references
                     and the trigger test's measured null rate
  --queries N        queries to the suspect: the evidence's triggers first
                     (at most half), then probe examples for the rest     (100)
  --probes N         instead: N probe examples and every trigger
  --alpha A          decide "ours" when p < A                            (1e-6)
  --new-key FILE     write a new key (32 random bytes, and the fingerprint's
                     features from --owner's training data) and stop
  --rate R           with --new-key: trigger rate, ≤ ${MAX_WATERMARK_RATE}          (0.005)
  --fingerprint E    with --new-key: fingerprint step ε (root mean square) (0.1)
  --features P       with --new-key: principal components of the features;
                     0 for the per-class fingerprint (no --owner needed)  (16)
  --json             machine-readable output

Exit codes: 0 whatever the decision (read it from the output), 2 for a usage
error, 4 for a suspect server that cannot be reached.
`,
  options: {
    key: { type: 'string' },
    owner: { type: 'string' },
    model: { type: 'string' },
    url: { type: 'string' },
    evidence: { type: 'string' },
    reference: { type: 'string' },
    probes: { type: 'string' },
    queries: { type: 'string' },
    alpha: { type: 'string' },
    'new-key': { type: 'string' },
    rate: { type: 'string' },
    fingerprint: { type: 'string' },
    features: { type: 'string' },
  },
  async run({ values }, io) {
    if (typeof values['new-key'] === 'string') {
      const p = intFlag('features', values.features, DEFAULT_FEATURES, 0);
      let features: FingerprintFeatures | undefined;
      if (p > 0) {
        if (typeof values.owner !== 'string') {
          throw new UsageError(
            "--new-key needs --owner m.json: the fingerprint's features are the principal components of the owner's training data (or --features 0 for the per-class fingerprint, which linear clones escape)",
          );
        }
        const { metadata } = readModel(values.owner);
        const train = loadDataset(dataSpecFor(metadata, values), 'train');
        const be = await createBackend();
        try {
          features = fingerprintFeatures(be, train.x, p);
        } finally {
          be.dispose();
        }
      }
      const key = checkWatermarkKey({
        secret: randomBytes(32),
        rate: numberFlag('rate', values.rate, 0.005, 0, MAX_WATERMARK_RATE),
        fingerprint: numberFlag('fingerprint', values.fingerprint, 0.1, 0, 0.5),
        ...(features ? { features } : {}),
      });
      writeOutputs([{ path: values['new-key'], text: serializeWatermarkKey(key) }]);
      io.out(
        `wrote a watermark key to ${values['new-key']} (rate ${key.rate}, fingerprint ${key.fingerprint}, ${features ? `linear on ${features.basis.rows} principal components` : 'per class'}); keep it secret\n`,
      );
      return;
    }
    if (typeof values.key !== 'string') throw new UsageError('--key FILE is required (or --new-key FILE to make one)');
    const key = readWatermarkKey(values.key);
    if ((values.model === undefined) === (values.url === undefined)) {
      throw new UsageError('give the suspect as exactly one of --model FILE and --url URL');
    }
    const { net, metadata } = readModel(values.owner);
    const w = widths(net);
    const classes = w[w.length - 1]!;
    const spec = dataSpecFor(metadata, values);
    const test = loadDataset(spec, 'test');
    const recorded = typeof values.evidence === 'string' ? readEvidence(values.evidence, w[0]!, classes) : undefined;
    // a budget of --queries: the recorded triggers first (at most half), then probes; or --probes and every trigger
    if (values.probes !== undefined && values.queries !== undefined) {
      throw new UsageError('give --queries (a budget split between triggers and probes) or --probes, not both');
    }
    let nProbes: number;
    let triggers = recorded;
    if (values.probes !== undefined) nProbes = intFlag('probes', values.probes, 100, 1);
    else {
      const plan = splitQueries(intFlag('queries', values.queries, 100, 2), recorded?.labels.length ?? 0);
      nProbes = plan.probes;
      if (recorded !== undefined) triggers = firstTriggers(recorded, plan.triggers);
    }
    if (nProbes > test.x.rows) {
      throw new UsageError(
        `${nProbes} probes are more than the ${test.x.rows} test examples of ${describeData(spec)} (--queries or --probes)`,
      );
    }
    const alpha = numberFlag('alpha', values.alpha, 1e-6);
    if (!(alpha > 0 && alpha < 1)) throw new UsageError(`--alpha must be in (0, 1), got ${alpha}`);
    const probes = matrix(nProbes, test.x.cols, test.x.data.slice(0, nProbes * test.x.cols));
    const be = await createBackend();
    try {
      const owner = createService(be, net, { defence: 'none' });
      const clean = owner.answer(probes).served;
      const referenceFiles =
        typeof values.reference === 'string' ? values.reference.split(',').filter((f) => f.length > 0) : [];
      const references = referenceFiles.map((file) => {
        const r = readModel(file);
        const rw = widths(r.net);
        if (rw[0] !== w[0] || rw[rw.length - 1] !== classes) {
          throw new UsageError(
            `the reference ${file} has widths [${rw.join(', ')}]; the owner's are [${w.join(', ')}]`,
          );
        }
        return createService(be, r.net, { defence: 'none' });
      });
      // the test digits after the probes: every one treated as a would-be trigger
      const calibration = matrix(test.x.rows - nProbes, test.x.cols, test.x.data.slice(nProbes * test.x.cols));
      const measuredNull =
        references.length > 0 && triggers !== undefined && calibration.rows > 0
          ? triggerNull(
              key,
              calibration,
              owner.answer(calibration).served,
              references.map((r) => r.answer(calibration).served),
            )
          : undefined;
      let ask: (x: typeof probes) => Promise<typeof probes>;
      let suspect: string;
      if (typeof values.model === 'string') {
        const s = readModel(values.model);
        const sw = widths(s.net);
        if (sw[0] !== w[0] || sw[sw.length - 1] !== classes) {
          throw new UsageError(`the suspect's widths [${sw.join(', ')}] do not fit the owner's [${w.join(', ')}]`);
        }
        const service = createService(be, s.net, { defence: 'none' });
        ask = async (x) => service.answer(x).served;
        suspect = values.model;
      } else {
        const source = await connectSource(String(values.url), retryLogger(io, values.debug === true));
        ask = async (x) => (await source.answer(x)).served;
        suspect = String(values.url);
      }
      const result = await verifyOwnership(key, {
        probes,
        clean,
        ask,
        references: references.map((r) => r.answer(probes).served),
        ...(triggers ? { triggers } : {}),
        ...(measuredNull ? { triggerNull: measuredNull.rate } : {}),
      });
      const ours = result.p < alpha;
      if (values.json === true) {
        io.out(
          `${JSON.stringify({ suspect, alpha, ours, references: referenceFiles, triggerNull: measuredNull ?? null, evidenceTriggers: recorded?.labels.length ?? null, ...result }, null, 2)}\n`,
        );
        return;
      }
      const f = result.fingerprint;
      io.out(
        [
          `suspect: ${suspect}`,
          `fingerprint (${f.kind === 'linear' ? `linear, z = ${f.z!.toFixed(2)}` : `per class, S = ${f.score.toFixed(4)}`}) over ${nProbes} probes against ${f.reference === 0 ? "the owner's answers" : referenceFiles[f.reference - 1]}; p ${f.kind === 'linear' ? '=' : '≤'} 1e${f.log10p.toFixed(1)}`,
          measuredNull
            ? `trigger null: ${measuredNull.matches} of ${measuredNull.trials} would-be triggers given the keyed label by ${references.length} reference model(s); rate ≤ ${measuredNull.rate.toPrecision(2)} (Clopper–Pearson 95%)`
            : `trigger null: 1/(K − 1) = ${(1 / (classes - 1)).toFixed(3)} (no --reference to measure it)`,
          result.triggers
            ? `triggers: ${result.triggers.matched} of ${result.triggers.n} labelled as served (null ${result.triggers.null.toFixed(3)} each); p = ${result.triggers.p.toExponential(2)}`
            : recorded === undefined
              ? 'triggers: none given (--evidence)'
              : 'triggers: the evidence holds none: this client was served no keyed wrong label, so a clone of its labels alone carries nothing of the key (only the fingerprint can show a clone of its soft answers)',
          `combined p ≤ 1e${result.log10p.toFixed(1)} from ${result.queries} queries`,
          `decision at p < ${alpha}: ${ours ? 'trained on our answers' : 'not shown to be ours'}`,
          '',
        ].join('\n'),
      );
    } finally {
      be.dispose();
    }
  },
};
