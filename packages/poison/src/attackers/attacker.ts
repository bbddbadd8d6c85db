/**
 * What an attacker is: one module under attackers/ exporting a descriptor (its
 * name, the clone it trains, whether it sees only labels) and how it trains its
 * clone on its queries x and the served answers ŷ′. trainAttacker (../attacker.ts)
 * runs any of them; every list of attackers derives from the registry (registry.ts).
 */
import { matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import type { Clone, CloneKind, CloneOptions } from '../clones.js';
import { argmax } from '../constrain.js';

export interface AttackerDescriptor<Name extends string = string> {
  readonly name: Name;
  /** Its place in tables and lists (lower first); absent: after every numbered one, by name. */
  readonly order?: number;
  /** One line: what it trains on what. */
  readonly summary: string;
  /** The kind of clone it trains. */
  readonly clone: CloneKind;
  /**
   * Sees only the served answers' argmax: a label-preserving defence serves it
   * exactly the clean labels, so its clone is the same for every such defence.
   */
  readonly labelsOnly: boolean;
  /** Slow enough that grids run it on fewer arms (MLP and eq. 14 clones). */
  readonly costly: boolean;
  /** Trains the clone on queries x (rows × n_0) and served answers (rows × classes). */
  train(be: Backend, x: Matrix<Float64Array>, served: Matrix<Float64Array>, options: CloneOptions): Clone;
}

/** Types a descriptor, keeping its name as a literal type (so the registry's names form a union). */
export function defineAttacker<const Name extends string>(d: AttackerDescriptor<Name>): AttackerDescriptor<Name> {
  return d;
}

/** Rows `idx` of m, in that order (a copy). */
export function pickRows(m: Matrix<Float64Array>, idx: readonly number[]): Matrix<Float64Array> {
  const out = matrix(idx.length, m.cols);
  idx.forEach((i, r) => out.data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols));
  return out;
}

/** Applies `f` to each row of y (rows × classes), giving a new matrix. */
export function mapRows(y: Matrix<Float64Array>, f: (row: Float64Array) => Float64Array): Matrix<Float64Array> {
  const out = matrix(y.rows, y.cols);
  for (let r = 0; r < y.rows; r++) out.data.set(f(y.data.subarray(r * y.cols, (r + 1) * y.cols)), r * y.cols);
  return out;
}

/** The one-hot argmax of a row. */
export const oneHotOf = (a: Float64Array): Float64Array => Float64Array.from(a, (_, j) => (j === argmax(a) ? 1 : 0));

/** p^{1/T}/Σ for T = ½. */
export const sharpen = (a: Float64Array): Float64Array => {
  const p = a.map((v) => Math.max(0, v) ** 2);
  const s = p.reduce((x, y) => x + y, 0);
  return p.map((v) => (s > 0 ? v / s : 1 / a.length));
};

/**
 * An attacker's own validation split: the first 80% of its queries (and their
 * answers) to fit on, the last 20% to choose its settings on, scored against the
 * answers it got, never the victim's true labels.
 */
export function holdOut(
  x: Matrix<Float64Array>,
  served: Matrix<Float64Array>,
): {
  fitX: Matrix<Float64Array>;
  fitY: Matrix<Float64Array>;
  heldX: Matrix<Float64Array>;
  heldY: Matrix<Float64Array>;
} {
  const cut = Math.floor(0.8 * x.rows);
  const rows = (m: Matrix<Float64Array>, from: number, to: number) =>
    matrix(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
  return {
    fitX: rows(x, 0, cut),
    fitY: rows(served, 0, cut),
    heldX: rows(x, cut, x.rows),
    heldY: rows(served, cut, served.rows),
  };
}

/** Argmax of every row. */
export function rowLabels(m: Matrix<Float64Array>): number[] {
  return Array.from({ length: m.rows }, (_, r) => argmax(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
}
