import type { Matrix } from '@rgdl/gpu-kernels';

/** Inputs x (one row per example) with one-hot labels y and integer labels. */
export interface LabelledData {
  /** examples × n_input, entries in [0, 1] (binary after binarisation). */
  readonly x: Matrix<Float64Array>;
  /** examples × classes, one-hot rows. */
  readonly y: Matrix<Float64Array>;
  /** examples, integer class labels 0 … classes−1. */
  readonly labels: Int32Array;
  readonly classes: number;
}

/** The default binarisation threshold of own data and the recipe search: x ≥ ½ → 1. */
export const DEFAULT_THRESHOLD = 0.5;

/** x ≥ threshold → 1, else 0, in place (the one binarisation rule of read files and derived copies). */
export function binariseValues(x: Float64Array, threshold = DEFAULT_THRESHOLD): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! >= threshold ? 1 : 0;
  return x;
}

/** One-hot encoding of integer labels. */
export function oneHot(labels: ArrayLike<number>, classes: number): Matrix<Float64Array> {
  const data = new Float64Array(labels.length * classes);
  for (let r = 0; r < labels.length; r++) {
    const c = labels[r]!;
    if (!Number.isInteger(c) || c < 0 || c >= classes)
      throw new RangeError(`label ${c} at row ${r} is outside 0…${classes - 1}`);
    data[r * classes + c] = 1;
  }
  return { rows: labels.length, cols: classes, data };
}

/** Examples at the given indices. */
export function subset(d: LabelledData, indices: ArrayLike<number>): LabelledData {
  const nx = d.x.cols;
  const x = new Float64Array(indices.length * nx);
  const labels = new Int32Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    x.set(d.x.data.subarray(i * nx, (i + 1) * nx), r * nx);
    labels[r] = d.labels[i]!;
  }
  return { x: { rows: indices.length, cols: nx, data: x }, y: oneHot(labels, d.classes), labels, classes: d.classes };
}

/** The inputs as one vector per example (copies), the shape defended services and clones take. */
export function inputRows(d: LabelledData): Float64Array[] {
  return Array.from({ length: d.x.rows }, (_, r) => d.x.data.slice(r * d.x.cols, (r + 1) * d.x.cols));
}
