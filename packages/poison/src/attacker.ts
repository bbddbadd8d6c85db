/**
 * The attacker: what it trains its clone on, given its queries x and the served
 * answers ŷ′ (one place for `runCloneAttack` and `runFairTest`):
 *  - 'softmax', 'mlp', 'eq14':  the clone of that kind on the served (soft) answers;
 *  - '<kind>-labels':           the same on the one-hot argmax of the served answers.
 *                               A label-preserving defence serves these exactly the
 *                               clean labels, so "soft clone − labels-only clone"
 *                               on an undefended source bounds what any
 *                               label-preserving defence can take from that attacker;
 *  - 'adaptive':                a softmax clone on whichever of soft, argmax or
 *                               temperature-sharpened (T = ½) targets agrees best
 *                               with the served labels on a held-out fifth of its
 *                               own queries, then refitted on all of them.
 * The query subset of a seed (`querySubset`) is the same for every source, so
 * sources are compared on paired seeds.
 */
import { createRng, matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { trainClone, type Clone, type CloneKind, type CloneOptions } from './clones.js';
import { argmax } from './constrain.js';

export type Attacker = CloneKind | `${CloneKind}-labels` | 'adaptive';

export const ATTACKERS: readonly Attacker[] = [
  'softmax',
  'softmax-labels',
  'mlp',
  'mlp-labels',
  'eq14',
  'eq14-labels',
  'adaptive',
];

/** Attackers that see only labels (identical for every label-preserving source). */
export function labelsOnly(attacker: Attacker): boolean {
  return attacker.endsWith('-labels');
}

/** The clone kind an attacker trains. */
export function cloneKindOf(attacker: Attacker): CloneKind {
  return attacker === 'adaptive' ? 'softmax' : (attacker.replace(/-labels$/, '') as CloneKind);
}

/** Applies `f` to each row of y (rows × classes), giving a new matrix. */
function mapRows(y: Matrix<Float64Array>, f: (row: Float64Array) => Float64Array): Matrix<Float64Array> {
  const out = matrix(y.rows, y.cols);
  for (let r = 0; r < y.rows; r++) out.data.set(f(y.data.subarray(r * y.cols, (r + 1) * y.cols)), r * y.cols);
  return out;
}

const oneHotOf = (a: Float64Array) => Float64Array.from(a, (_, j) => (j === argmax(a) ? 1 : 0));

/** p^{1/T}/Σ for T = ½. */
const sharpen = (a: Float64Array) => {
  const p = a.map((v) => Math.max(0, v) ** 2);
  const s = p.reduce((x, y) => x + y, 0);
  return p.map((v) => (s > 0 ? v / s : 1 / a.length));
};

/** Rows `from … to−1` of m (a copy). */
function rowRange(m: Matrix<Float64Array>, from: number, to: number): Matrix<Float64Array> {
  return matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}

/** Fraction of rows whose argmax equals `labels[r]`. */
export function argmaxAccuracy(pred: Matrix<Float64Array>, labels: ArrayLike<number>): number {
  let ok = 0;
  for (let r = 0; r < pred.rows; r++) {
    if (argmax(pred.data.subarray(r * pred.cols, (r + 1) * pred.cols)) === labels[r]) ok++;
  }
  return pred.rows === 0 ? 0 : ok / pred.rows;
}

/** Argmax of every row. */
export function rowLabels(m: Matrix<Float64Array>): number[] {
  return Array.from({ length: m.rows }, (_, r) => argmax(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
}

/** Trains the attacker's clone on queries x and served answers (rows × classes). */
export function trainAttacker(
  be: Backend,
  attacker: Attacker,
  x: Matrix<Float64Array>,
  served: Matrix<Float64Array>,
  options: CloneOptions,
): Clone {
  if (attacker === 'adaptive') {
    const cut = Math.floor(0.8 * x.rows);
    const fitX = rowRange(x, 0, cut);
    const heldX = rowRange(x, cut, x.rows);
    const heldLabels = rowLabels(rowRange(served, cut, served.rows));
    const fitY = rowRange(served, 0, cut);
    const targets = [(a: Float64Array) => a, oneHotOf, sharpen];
    let best = 0;
    let bestAgree = -1;
    targets.forEach((t, k) => {
      const clone = trainClone(be, 'softmax', fitX, mapRows(fitY, t), options);
      const agree = heldX.rows > 0 ? argmaxAccuracy(clone.predict(heldX), heldLabels) : 0;
      if (agree > bestAgree) {
        bestAgree = agree;
        best = k;
      }
    });
    return trainClone(be, 'softmax', x, mapRows(served, targets[best]!), options);
  }
  const targets = labelsOnly(attacker) ? mapRows(served, oneHotOf) : served;
  return trainClone(be, cloneKindOf(attacker), x, targets, options);
}

/** The first k of a seeded permutation of 0 … n−1 (the attacker's queries for one seed). */
export function querySubset(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k);
}

/** Rows `idx` of m, in that order (a copy). */
export function pickRows(m: Matrix<Float64Array>, idx: readonly number[]): Matrix<Float64Array> {
  const out = matrix(idx.length, m.cols);
  idx.forEach((i, r) => out.data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols));
  return out;
}

/**
 * One attack: seed s draws `budget` of the pool's rows (the same rows for every
 * source), the attacker trains on them and their served answers, and the clone's
 * accuracy on the test inputs is returned with the clone.
 */
export function attackOnce(
  be: Backend,
  attacker: Attacker,
  pool: Matrix<Float64Array>,
  served: Matrix<Float64Array>,
  budget: number,
  seed: number,
  widths: readonly number[],
): Clone {
  const idx = querySubset(pool.rows, Math.min(budget, pool.rows), 7919 * seed);
  return trainAttacker(be, attacker, pickRows(pool, idx), pickRows(served, idx), { widths, seed });
}
