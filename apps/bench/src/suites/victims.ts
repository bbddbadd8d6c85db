/**
 * Victims suite: the classifiers this project defends, trained by @rgdl/rbm's
 * named recipes on the MNIST train split (6,006 digits) and scored on the test
 * split (1,996), beside scikit-learn references fitted on the very same binarised
 * digits in the same run: BernoulliRBM(256) + LogisticRegression (the classic
 * RBM pipeline) and MLPClassifier(256) with logistic and ReLU units.
 * For each victim: eq. 2 accuracy against the number of draws S (exact when
 * every hidden layer is enumerable), the mean-field accuracy, generation quality
 * (docs/math.md §5) of the pretrained and the fine-tuned net, train time, and
 * the effect of eq. 14 sweeps started from the fine-tuned net.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend, type Backend } from '@rgdl/gpu-kernels';
import {
  evaluateClassifier,
  fitSoftmaxRegression,
  REFERENCE_REGRESSION,
  generationQuality,
  loadMnist,
  trainLayerwise,
  trainVictim,
  VICTIM_RECIPES,
  victimRecipe,
  type LabelledData,
  type VictimName,
} from '@rgdl/rbm';
import { runPythonReference } from '../python-reference.js';

export interface VictimRow {
  readonly name: string;
  readonly widths: number[];
  readonly size: number;
  readonly trainSeconds: number;
  readonly exact: number | null;
  readonly sampled: { samples: number; accuracy: number }[];
  readonly meanField: number;
  readonly pretrained: { accuracy: number; meanField: number; generatedAccuracy: number; testLogProbability: number };
  readonly generatedAccuracy: number;
  readonly testLogProbability: number;
  readonly testLogProbabilityQuarter: number;
  readonly logProbSamples: number;
  readonly independentPixelsLogProbability: number;
  readonly referenceTestAccuracy: number;
  /** eq. 14 sweeps from the fine-tuned net: held-out accuracy (16 draws) after sweep 0 (= fine-tuned), 1, 2, … */
  readonly sweeps: number[] | null;
}

export interface ReferenceRow {
  readonly size: number;
  readonly model: string;
  readonly accuracy: number;
  readonly seconds: number;
}

export interface VictimsResult {
  readonly victims: VictimRow[];
  readonly references: ReferenceRow[];
  readonly referenceNote: string;
}

const SKLEARN_SCRIPT = (dir: string, nTrain: number, nTest: number, cols: number, quick: boolean) => `
import json, time, numpy as np, sklearn
from sklearn.neural_network import BernoulliRBM, MLPClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
X = np.fromfile('${dir}/train.f64').reshape(${nTrain}, ${cols}); y = np.fromfile('${dir}/train.labels', dtype=np.int32)
Xt = np.fromfile('${dir}/test.f64').reshape(${nTest}, ${cols}); yt = np.fromfile('${dir}/test.labels', dtype=np.int32)
out = []
def run(name, model):
    t0 = time.perf_counter(); model.fit(X, y); s = time.perf_counter() - t0
    out.append({'model': name, 'accuracy': float((model.predict(Xt) == yt).mean()), 'seconds': s})
it = ${quick ? 5 : 20}
run('BernoulliRBM(256) + LogisticRegression', Pipeline([('rbm', BernoulliRBM(n_components=256, learning_rate=0.06, n_iter=it, random_state=0)), ('lr', LogisticRegression(C=6.0, max_iter=1000))]))
run('MLPClassifier(256, logistic)', MLPClassifier(hidden_layer_sizes=(256,), activation='logistic', max_iter=${quick ? 20 : 300}, early_stopping=True, random_state=0))
run('MLPClassifier(256, relu)', MLPClassifier(hidden_layer_sizes=(256,), activation='relu', max_iter=${quick ? 20 : 300}, early_stopping=True, random_state=0))
run('LogisticRegression', LogisticRegression(C=1.0, max_iter=1000))
print(json.dumps({'version': sklearn.__version__, 'rows': out}))
`;

function sklearnReferences(
  train: LabelledData,
  test: LabelledData,
  size: number,
  quick: boolean,
  log: (l: string) => void,
): { rows: ReferenceRow[]; note: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rgdl-bench-victims-'));
  try {
    const bytes = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(dir, 'train.f64'), bytes(train.x.data));
    writeFileSync(join(dir, 'train.labels'), bytes(train.labels));
    writeFileSync(join(dir, 'test.f64'), bytes(test.x.data));
    writeFileSync(join(dir, 'test.labels'), bytes(test.labels));
    const ref = runPythonReference(
      SKLEARN_SCRIPT(dir, train.x.rows, test.x.rows, train.x.cols, quick),
      ['numpy', 'sklearn'],
      {},
      1_800_000,
    );
    if ('unavailable' in ref) return { rows: [], note: ref.unavailable };
    const r = ref.result as { version: string; rows: { model: string; accuracy: number; seconds: number }[] };
    for (const row of r.rows)
      log(
        `  ${size}×${size} scikit-learn ${row.model}: ${(100 * row.accuracy).toFixed(2)}% (${row.seconds.toFixed(1)} s)`,
      );
    return { rows: r.rows.map((x) => ({ size, ...x })), note: `scikit-learn ${r.version} (${ref.python})` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function victimRow(
  be: Backend,
  name: string,
  recipeName: VictimName,
  quick: boolean,
  log: (l: string) => void,
): VictimRow {
  const named = VICTIM_RECIPES[recipeName];
  const size = named.widths[0] === 784 ? 28 : 14;
  const recipe = quick
    ? victimRecipe(named.widths, {
        pretrain: { ...named.pretrain, epochs: 2 },
        fineTune: { ...named.fineTune, epochs: 3 },
      })
    : victimRecipe(named.widths, named);
  const train = loadMnist({ size, split: 'train', ...(quick ? { limit: 1000 } : {}) });
  const validation = loadMnist({ size, split: 'attacker' });
  const test = loadMnist({ size, split: 'test', ...(quick ? { limit: 400 } : {}) });
  const t0 = performance.now();
  const v = trainVictim(be, recipe, train, validation, { seed: 1 });
  const trainSeconds = (performance.now() - t0) / 1000;
  const samples = quick ? [16, 64] : [16, 64, 256, 1024];
  const e = evaluateClassifier(be, v.net, test, { samples, seed: 2 });
  const pe = evaluateClassifier(be, v.pretrained, test, { samples: [recipe.evalSamples], seed: 2 });
  const reference = fitSoftmaxRegression(be, train.x, train.y, { ...REFERENCE_REGRESSION, seed: 3 });
  const gOpts = { reference, perClass: quick ? 20 : 100, logProbSamples: quick ? 400 : 2000, seed: 4 };
  const g = generationQuality(be, v.net, train, test, gOpts);
  const gp = generationQuality(be, v.pretrained, train, test, gOpts);
  let sweeps: number[] | null = null;
  if (v.net.layers.length > 1) {
    const r = trainLayerwise(be, v.net, train, {
      validation,
      sweeps: quick ? 1 : 3,
      pretrainEpochs: 0,
      epochsPerLayer: quick ? 1 : 2,
      batchSize: 50,
      learningRate: 0.01,
      momentum: 0.5,
      precision: 'f32',
      evalSamples: 16,
      seed: 5,
      patience: 99,
    });
    sweeps = r.history.map((h) => h.validationAccuracy);
  }
  log(
    `  ${name} [${named.widths.join(', ')}]: eq. 2 ${e.exact !== null ? `exact ${(100 * e.exact).toFixed(2)}%` : e.sampled.map((s) => `S=${s.samples} ${(100 * s.accuracy).toFixed(2)}%`).join(', ')}; MF ${(100 * e.meanField).toFixed(2)}%; generated-digit acc ${(100 * g.generatedAccuracy).toFixed(1)}% (pretrained ${(100 * gp.generatedAccuracy).toFixed(1)}%); log q̃₀ ${g.testLogProbability.toFixed(2)} (pretrained ${gp.testLogProbability.toFixed(2)}); ${trainSeconds.toFixed(1)} s${sweeps ? `; eq. 14 sweeps ${sweeps.map((s) => (100 * s).toFixed(1)).join(' → ')}` : ''}`,
  );
  return {
    name,
    widths: [...named.widths],
    size,
    trainSeconds,
    exact: e.exact,
    sampled: e.sampled,
    meanField: e.meanField,
    pretrained: {
      accuracy: pe.exact ?? pe.sampled[0]!.accuracy,
      meanField: pe.meanField,
      generatedAccuracy: gp.generatedAccuracy,
      testLogProbability: gp.testLogProbability,
    },
    generatedAccuracy: g.generatedAccuracy,
    testLogProbability: g.testLogProbability,
    testLogProbabilityQuarter: g.testLogProbabilityQuarter,
    logProbSamples: g.logProbSamples,
    independentPixelsLogProbability: g.independentPixelsLogProbability,
    referenceTestAccuracy: g.referenceTestAccuracy,
    sweeps,
  };
}

export async function runVictimsSuite(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<VictimsResult> {
  const { quick, log } = options;
  const be = createCpuBackend();
  await be.ready();
  try {
    const victims: VictimRow[] = [];
    const names: VictimName[] = quick
      ? ['mnist14-d1', 'mnist14-d2']
      : ['demo', 'mnist14-d1', 'mnist14-d2', 'mnist14-d3', 'mnist28'];
    for (const n of names) victims.push(victimRow(be, n, n, quick, log));
    const references: ReferenceRow[] = [];
    let referenceNote = '';
    for (const size of quick ? [14] : [14, 28]) {
      const r = sklearnReferences(
        loadMnist({ size: size as 14 | 28, split: 'train', ...(quick ? { limit: 1000 } : {}) }),
        loadMnist({ size: size as 14 | 28, split: 'test', ...(quick ? { limit: 400 } : {}) }),
        size,
        quick,
        log,
      );
      references.push(...r.rows);
      referenceNote = r.note;
    }
    return { victims, references, referenceNote };
  } finally {
    be.dispose();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function victimsMarkdown(r: VictimsResult): string {
  const sCols = [...new Set(r.victims.flatMap((v) => v.sampled.map((s) => s.samples)))];
  return (
    [
      '### Victims (MNIST train split 6,006 digits, test split 1,996; binarised at 0.5)',
      '',
      `| victim | widths | eq. 2 exact | ${sCols.map((s) => `eq. 2, S=${s}`).join(' | ')} | mean field | pretrained only (eq. 2 / MF) | train s |`,
      `|---|---|---:|${sCols.map(() => '---:').join('|')}|---:|---:|---:|`,
      ...r.victims.map(
        (v) =>
          `| ${v.name} | [${v.widths.join(', ')}] | ${v.exact !== null ? pct(v.exact) : '—'} | ${sCols
            .map((s) => {
              const x = v.sampled.find((y) => y.samples === s);
              return x ? pct(x.accuracy) : '—';
            })
            .join(
              ' | ',
            )} | ${pct(v.meanField)} | ${pct(v.pretrained.accuracy)} / ${pct(v.pretrained.meanField)} | ${v.trainSeconds.toFixed(1)} |`,
      ),
      '',
      `References fitted on the same digits in the same run (${r.referenceNote || 'none'}):`,
      '',
      '| size | model | test accuracy | fit s |',
      '|---:|---|---:|---:|',
      ...r.references.map((x) => `| ${x.size}×${x.size} | ${x.model} | ${pct(x.accuracy)} | ${x.seconds.toFixed(1)} |`),
      '',
      '### Generation quality (eq. 9, docs/math.md §5)',
      '',
      'Generated-digit accuracy: digits drawn from q̃₀(·|e_c) that a softmax regression fitted on real training digits labels c (chance 10%). log q̃₀: mean over test digits of log q̃₀(x | e_label), estimated with S draws of h₁ (¼ of the draws beside it).',
      '',
      '| victim | generated-digit acc. (pretrained → fine-tuned) | log q̃₀ (pretrained → fine-tuned) | with ¼ draws | independent pixels | reference classifier on real test digits |',
      '|---|---:|---:|---:|---:|---:|',
      ...r.victims.map(
        (v) =>
          `| ${v.name} | ${pct(v.pretrained.generatedAccuracy)} → ${pct(v.generatedAccuracy)} | ${v.pretrained.testLogProbability.toFixed(2)} → ${v.testLogProbability.toFixed(2)} (S=${v.logProbSamples}) | ${v.testLogProbabilityQuarter.toFixed(2)} | ${v.independentPixelsLogProbability.toFixed(2)} | ${pct(v.referenceTestAccuracy)} |`,
      ),
      '',
      '### eq. 14 sweeps started from the fine-tuned victim (held-out accuracy, 16 draws; sweep 0 = fine-tuned)',
      '',
      '| victim | per sweep |',
      '|---|---|',
      ...r.victims
        .filter((v) => v.sweeps)
        .map((v) => `| ${v.name} | ${v.sweeps!.map((s, i) => `${i}: ${pct(s)}`).join(', ')} |`),
    ].join('\n') + '\n'
  );
}
