/**
 * Own-data suite: `rgdl train`'s defaults on small real data sets that are not
 * MNIST, beside a logistic regression tuned on the same validation split.
 * Data sets (written as CSV by scikit-learn's bundled copies, so the suite
 * needs /usr/bin/python3 with scikit-learn; without it they are skipped):
 *  - digits: 1,797 grey 8×8 images (pixels / 16), 10 classes;
 *  - breast-cancer: 569 × 30 features, min–max scaled to [0, 1], 2 classes;
 * each shuffled once (numpy RandomState(0)) and split as `rgdl train` splits a
 * file (0.6 / 0.2 / 0.2 in file order); and the shipped MNIST at 14×14, grey.
 * Columns: the former default (inputs binarised at 0.5, [n_0, 64, K]), the
 * current default (the recipe search, 60 s budget: what it chose), the tuned
 * softmax regression `rgdl train` prints as its reference, and scikit-learn's
 * LogisticRegression with C chosen on the validation split (then scored on
 * test), all on the same splits. Accuracy: eq. 2 (exact without hidden
 * levels, else 256 draws).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend, DEFAULT_SEED, type Backend } from '@rgdl/gpu-kernels';
import { loadDataset, parseDataFlags } from '@rgdl/experiments';
import {
  accuracy,
  binariseData,
  candidateRecipe,
  evaluateClassifier,
  loadMnist,
  predictSoftmaxRegression,
  searchVictimRecipe,
  trainVictim,
  tunedSoftmaxReference,
  type DeepRbm,
  type LabelledData,
} from '@rgdl/rbm';
import { runPythonReference } from '../python-reference.js';

export interface OwnDataRow {
  readonly name: string;
  readonly examples: { readonly train: number; readonly validation: number; readonly test: number };
  readonly features: number;
  readonly classes: number;
  /** The former default: binarised at 0.5, [n_0, 64, K]. */
  readonly binarisedDefault: number;
  readonly searched: {
    readonly testAccuracy: number;
    readonly widths: readonly number[];
    readonly input: string;
    /** [n₀, K] trained for p(y | x) alone (the search's discriminative candidate). */
    readonly discriminative: boolean;
    readonly validationAccuracy: number;
    readonly candidates: number;
    readonly seconds: number;
  };
  readonly tunedSoftmax: { readonly testAccuracy: number; readonly l2: number };
  readonly sklearn: { readonly testAccuracy: number; readonly C: number } | { readonly unavailable: string };
}

export interface OwnDataResult {
  readonly budgetSeconds: number;
  readonly rows: OwnDataRow[];
  readonly skipped: string | null;
}

const MAKE_DATA = `
import json, numpy as np
from sklearn.datasets import load_digits, load_breast_cancer
`;

function testAccuracy(be: Backend, net: DeepRbm, test: LabelledData): number {
  const e = evaluateClassifier(be, net, test, { samples: [256], seed: DEFAULT_SEED });
  return e.exact ?? e.sampled[0]!.accuracy;
}

function csvOf(d: LabelledData): string {
  const lines: string[] = [];
  for (let r = 0; r < d.x.rows; r++)
    lines.push(`${d.labels[r]},${Array.from(d.x.data.subarray(r * d.x.cols, (r + 1) * d.x.cols)).join(',')}`);
  return `${lines.join('\n')}\n`;
}

export async function runOwnDataSuite(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<OwnDataResult> {
  const { quick, log } = options;
  const budgetSeconds = quick ? 20 : 60;
  const dir = mkdtempSync(join(tmpdir(), 'rgdl-own-data-'));
  const be = createCpuBackend();
  await be.ready();
  try {
    const made = runPythonReference(
      `${MAKE_DATA}
import os
d = load_digits(); X = d.data / 16.0; y = d.target
rng = np.random.RandomState(0)
def write(name, X, y):
    idx = rng.permutation(len(X))
    with open(os.path.join(${JSON.stringify(dir)}, name + '.csv'), 'w') as f:
        for i in idx: f.write(str(int(y[i])) + ',' + ','.join('%.4f' % v for v in X[i]) + '\\n')
write('digits', X, y)
b = load_breast_cancer(); X = b.data; X = (X - X.min(0)) / (X.max(0) - X.min(0))
write('breast-cancer', X, b.target)
print(json.dumps({'ok': True}))
`,
      ['numpy', 'sklearn'],
    );
    const sets: {
      name: string;
      splits: () => { train: LabelledData; validation: LabelledData; test: LabelledData };
    }[] = [];
    if (!('unavailable' in made)) {
      for (const name of ['digits', 'breast-cancer']) {
        const spec = parseDataFlags({ data: `csv:${join(dir, `${name}.csv`)}`, threshold: 'none' });
        sets.push({
          name,
          splits: () => ({
            train: loadDataset(spec, 'train'),
            validation: loadDataset(spec, 'attacker'),
            test: loadDataset(spec, 'test'),
          }),
        });
      }
    }
    sets.push({
      name: 'mnist 14×14 (shipped)',
      splits: () => ({
        train: loadMnist({ size: 14, split: 'train', binarise: false, ...(quick ? { limit: 1000 } : {}) }),
        validation: loadMnist({ size: 14, split: 'attacker', binarise: false }),
        test: loadMnist({ size: 14, split: 'test', binarise: false }),
      }),
    });
    const rows: OwnDataRow[] = [];
    for (const set of sets) {
      const { train, validation, test } = set.splits();
      const n0 = train.x.cols;
      const K = train.classes;
      const bin = { train: binariseData(train), validation: binariseData(validation), test: binariseData(test) };
      const former = trainVictim(
        be,
        candidateRecipe({ input: 'binary', hidden: 64, pretrainEpochs: 10, weightDecay: 1e-4 }, n0, K),
        bin.train,
        bin.validation,
        { seed: DEFAULT_SEED },
      );
      const binarisedDefault = testAccuracy(be, former.net, bin.test);
      const search = searchVictimRecipe(be, train, validation, { budgetSeconds, seed: DEFAULT_SEED });
      const searched = testAccuracy(be, search.victim.net, search.chosen.input === 'binary' ? bin.test : test);
      const tuned = tunedSoftmaxReference(be, train, validation, DEFAULT_SEED);
      const tunedAcc = accuracy(predictSoftmaxRegression(be, tuned.model, test.x), test.labels);
      for (const [k, d] of [
        ['train', train],
        ['validation', validation],
        ['test', test],
      ] as const)
        writeFileSync(join(dir, `split-${k}.csv`), csvOf(d));
      const lr = runPythonReference(
        `
import json, numpy as np
from sklearn.linear_model import LogisticRegression
load = lambda k: np.loadtxt(${JSON.stringify(dir)} + '/split-' + k + '.csv', delimiter=',', ndmin=2)
tr, va, te = load('train'), load('validation'), load('test')
best = None
for C in [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]:
    m = LogisticRegression(C=C, max_iter=10000).fit(tr[:, 1:], tr[:, 0].astype(int))
    v = m.score(va[:, 1:], va[:, 0].astype(int))
    if best is None or v > best[0]: best = (v, C, m.score(te[:, 1:], te[:, 0].astype(int)))
print(json.dumps({'C': best[1], 'testAccuracy': best[2]}))
`,
        ['numpy', 'sklearn'],
      );
      const row: OwnDataRow = {
        name: set.name,
        examples: { train: train.x.rows, validation: validation.x.rows, test: test.x.rows },
        features: n0,
        classes: K,
        binarisedDefault,
        searched: {
          testAccuracy: searched,
          widths: search.recipe.widths,
          input: search.chosen.input,
          discriminative: search.chosen.discriminative === true,
          validationAccuracy: search.chosen.validationAccuracy,
          candidates: search.trials.length,
          seconds: search.seconds,
        },
        tunedSoftmax: { testAccuracy: tunedAcc, l2: tuned.l2 },
        sklearn:
          'unavailable' in lr ? { unavailable: lr.unavailable } : (lr.result as { testAccuracy: number; C: number }),
      };
      rows.push(row);
      log(
        `  ${set.name}: former default ${(100 * binarisedDefault).toFixed(2)}%, searched ${(100 * searched).toFixed(2)}% ([${search.recipe.widths.join(', ')}] ${search.chosen.input}${search.chosen.discriminative === true ? ', discriminative' : ''}, ${search.trials.length} candidates, ${search.seconds.toFixed(0)} s), tuned softmax ${(100 * tunedAcc).toFixed(2)}%${'testAccuracy' in row.sklearn ? `, scikit-learn LR ${(100 * row.sklearn.testAccuracy).toFixed(2)}% (C = ${row.sklearn.C})` : ''}`,
      );
    }
    return { budgetSeconds, rows, skipped: 'unavailable' in made ? made.unavailable : null };
  } finally {
    be.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function ownDataMarkdown(r: OwnDataResult): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  return [
    `### \`rgdl train\` defaults on small data sets, beside tuned logistic regression (same splits)`,
    '',
    `Recipe search budget ${r.budgetSeconds} s.${r.skipped ? ` digits and breast-cancer skipped: ${r.skipped}.` : ''}`,
    '',
    '| data | train / val / test | former default (binarised, [n₀, 64, K]) | current default (search) | chosen | tuned softmax (rgdl reference) | scikit-learn LR, C on validation |',
    '|---|---|---:|---:|---|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.name} | ${x.examples.train} / ${x.examples.validation} / ${x.examples.test} | ${pct(x.binarisedDefault)} | ${pct(x.searched.testAccuracy)} | [${x.searched.widths.join(', ')}] ${x.searched.input}${x.searched.discriminative ? ', discriminative' : ''}, ${x.searched.candidates} candidates, ${x.searched.seconds.toFixed(0)} s | ${pct(x.tunedSoftmax.testAccuracy)} (λ = ${x.tunedSoftmax.l2}) | ${'testAccuracy' in x.sklearn ? `${pct(x.sklearn.testAccuracy)} (C = ${x.sklearn.C})` : '—'} |`,
    ),
    '',
  ].join('\n');
}
