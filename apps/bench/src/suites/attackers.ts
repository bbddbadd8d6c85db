/**
 * Attackers suite: how strong are the attackers that judge the defences? On the
 * demo's victim, undefended, the same queries per seed (the attacker split,
 * `querySubset` as every pipeline draws them), clone accuracy on 1,000 test
 * digits for the plain and tuned softmax attackers on soft answers and on
 * labels only, and — the cross-check — scikit-learn's LogisticRegression on the
 * served labels with C chosen on the same 80/20 split of the same queries
 * (agreement with the served labels; never the true ones), refitted on all.
 * Paired differences over seeds with 95% t intervals. Python is optional: the
 * reference says why when it is missing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createCpuBackend, rowViews, seedFor } from '@rgdl/gpu-kernels';
import { accuracy, loadMnist, parseModel } from '@rgdl/rbm';
import {
  createService,
  pairedDifference,
  pickRows,
  querySubset,
  rowLabels,
  trainAttacker,
  type Attacker,
  type PairedDifference,
} from '@rgdl/poison';
import { runPythonReference } from '../python-reference.js';

const ATTACKERS = ['softmax', 'tuned-softmax', 'softmax-labels', 'tuned-softmax-labels'] as const satisfies Attacker[];

export interface AttackersResult {
  readonly budgets: readonly number[];
  readonly seeds: readonly number[];
  /** Clone accuracy per attacker (and 'sklearn-lr') per budget, one entry per seed. */
  readonly accuracy: Record<string, Record<number, number[]>>;
  /** Paired differences (first − second) per budget. */
  readonly comparisons: { budget: number; first: string; second: string; difference: PairedDifference }[];
  readonly sklearn: string;
  readonly seconds: Record<string, number>;
}

const SKLEARN = `
import json, sys, numpy as np, sklearn
from sklearn.linear_model import LogisticRegression
d = json.load(open(sys.argv[1]))
test = np.array(d['test']); truth = np.array(d['testLabels'])
out = []
for run in d['runs']:
    x = np.array(run['x']); y = np.array(run['labels'])
    cut = int(np.floor(0.8 * len(x)))
    best, bestC = -1, 1.0
    for C in [0.01, 0.1, 1.0, 10.0, 100.0]:
        if len(set(y[:cut])) < 2: break
        m = LogisticRegression(C=C, max_iter=2000).fit(x[:cut], y[:cut])
        a = (m.predict(x[cut:]) == y[cut:]).mean() if cut < len(x) else 0
        if a > best: best, bestC = a, C
    m = LogisticRegression(C=bestC, max_iter=2000).fit(x, y)
    out.append({'budget': run['budget'], 'seed': run['seed'], 'C': bestC, 'accuracy': float((m.predict(test) == truth).mean())})
print(json.dumps({'version': sklearn.__version__, 'runs': out}))
`;

export async function runAttackersSuite(options: {
  quick: boolean;
  log: (l: string) => void;
}): Promise<AttackersResult> {
  const be = createCpuBackend();
  try {
    const fixture = join(
      dirname(createRequire(import.meta.url).resolve('@rgdl/web/package.json')),
      'fixtures',
      'victim.json',
    );
    const { net } = parseModel(readFileSync(fixture, 'utf8'));
    const pool = loadMnist({ size: 14, split: 'attacker' }).x;
    const test = loadMnist({ size: 14, split: 'test', limit: 1000 });
    const served = createService(be, net, { defence: 'none' }).answer(pool).served;
    const budgets = options.quick ? [300] : [100, 300, 1000];
    const seeds = options.quick ? [1, 2, 3] : [1, 2, 3, 4, 5, 6, 7, 8];
    const accuracyOf: AttackersResult['accuracy'] = {};
    const seconds: Record<string, number> = {};
    const runs: { budget: number; seed: number; x: number[][]; labels: number[] }[] = [];
    for (const budget of budgets) {
      for (const seed of seeds) {
        const idx = querySubset(pool.rows, budget, seedFor('attacker-queries', seed));
        const x = pickRows(pool, idx);
        const y = pickRows(served, idx);
        runs.push({ budget, seed, x: rowViews(x).map((r) => Array.from(r)), labels: rowLabels(y) });
        for (const attacker of ATTACKERS) {
          const t0 = performance.now();
          const clone = trainAttacker(be, attacker, x, y, { widths: [196, 64, 10], seed });
          const a = accuracy(clone.predict(test.x), test.labels);
          seconds[attacker] = (seconds[attacker] ?? 0) + (performance.now() - t0) / 1000;
          ((accuracyOf[attacker] ??= {})[budget] ??= []).push(a);
          options.log(`  ${attacker} ${budget} queries seed ${seed}: ${(100 * a).toFixed(1)}%`);
        }
      }
    }
    let sklearn: string;
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-attackers-'));
    try {
      const file = join(dir, 'runs.json');
      writeFileSync(
        file,
        JSON.stringify({ runs, test: rowViews(test.x).map((r) => Array.from(r)), testLabels: Array.from(test.labels) }),
      );
      const t0 = performance.now();
      const ref = runPythonReference(`import sys; sys.argv = ['x', ${JSON.stringify(file)}]\n${SKLEARN}`, [
        'numpy',
        'sklearn',
      ]);
      if ('unavailable' in ref) sklearn = ref.unavailable;
      else {
        const r = ref.result as { version: string; runs: { budget: number; seed: number; accuracy: number }[] };
        sklearn = `scikit-learn ${r.version} (${ref.python})`;
        seconds['sklearn-lr'] = (performance.now() - t0) / 1000;
        for (const run of r.runs) ((accuracyOf['sklearn-lr'] ??= {})[run.budget] ??= []).push(run.accuracy);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const pairs: [string, string][] = [
      ['tuned-softmax', 'softmax'],
      ['tuned-softmax-labels', 'softmax-labels'],
      ['tuned-softmax-labels', 'sklearn-lr'],
      ['tuned-softmax', 'tuned-softmax-labels'],
      ['softmax', 'softmax-labels'],
    ];
    const comparisons = budgets.flatMap((budget) =>
      pairs
        .filter(([a, b]) => accuracyOf[a]?.[budget] && accuracyOf[b]?.[budget])
        .map(([first, second]) => ({
          budget,
          first,
          second,
          difference: pairedDifference(accuracyOf[first]![budget]!, accuracyOf[second]![budget]!),
        })),
    );
    return { budgets, seeds, accuracy: accuracyOf, comparisons, sklearn, seconds };
  } finally {
    be.dispose();
  }
}

export function attackersMarkdown(r: AttackersResult): string {
  const pct = (v: number) => (100 * v).toFixed(1);
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const names = Object.keys(r.accuracy);
  return [
    `Undefended demo victim, ${r.seeds.length} paired seeds, 1,000 test digits; reference: ${r.sklearn}.`,
    '',
    `| attacker | ${r.budgets.map((b) => `${b} queries`).join(' | ')} | seconds (all runs) |`,
    `|---|${r.budgets.map(() => '---:').join('|')}|---:|`,
    ...names.map(
      (n) =>
        `| ${n} | ${r.budgets.map((b) => (r.accuracy[n]?.[b] ? `${pct(mean(r.accuracy[n]![b]!))}%` : '—')).join(' | ')} | ${(r.seconds[n] ?? 0).toFixed(1)} |`,
    ),
    '',
    '| budget | first − second | mean (points) | 95% CI |',
    '|---:|---|---:|---|',
    ...r.comparisons.map(
      (c) =>
        `| ${c.budget} | ${c.first} − ${c.second} | ${pct(c.difference.mean)} | ${pct(c.difference.low)} … ${pct(c.difference.high)} |`,
    ),
    '',
  ].join('\n');
}
