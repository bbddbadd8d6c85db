/**
 * One binary RBM layer (eq. 1):
 *   t_k(h_k, h_{k−1}) ∝ exp(h_kᵀ W h_{k−1} + aᵀ h_k + bᵀ h_{k−1})
 * W is n_k × n_{k−1} (upper × lower), a has n_k entries (upper bias), b has
 * n_{k−1} (lower bias). "Upper" is towards the output y, "lower" towards x.
 */
import { matrix, type Matrix, type Rng } from '@rgdl/gpu-kernels';

export interface RbmLayer {
  /** n_upper × n_lower coupling matrix. */
  readonly W: Matrix<Float64Array>;
  /** Upper (hidden / towards-output) bias, length n_upper. */
  readonly a: Float64Array;
  /** Lower (visible / towards-input) bias, length n_lower. */
  readonly b: Float64Array;
}

/** Width of the upper side (n_k). */
export function upperWidth(layer: RbmLayer): number {
  return layer.W.rows;
}

/** Width of the lower side (n_{k−1}). */
export function lowerWidth(layer: RbmLayer): number {
  return layer.W.cols;
}

export interface InitOptions {
  /** Standard deviation of the Gaussian initial weights (default 0.01). */
  readonly weightScale?: number;
  /** Initial lower bias (scalar or per unit; default 0). */
  readonly lowerBias?: number | ArrayLike<number>;
}

/**
 * A layer with W_ij ~ N(0, weightScale²), a = 0 and b = lowerBias.
 * @throws RangeError on non-positive widths.
 */
export function createLayer(nUpper: number, nLower: number, rng: Rng, options: InitOptions = {}): RbmLayer {
  if (!Number.isInteger(nUpper) || nUpper < 1 || !Number.isInteger(nLower) || nLower < 1) {
    throw new RangeError(`layer widths must be positive integers, got ${nUpper}×${nLower}`);
  }
  const scale = options.weightScale ?? 0.01;
  const W = matrix(nUpper, nLower);
  for (let i = 0; i < W.data.length; i++) W.data[i] = scale * rng.nextGaussian();
  const b = new Float64Array(nLower);
  const lb = options.lowerBias ?? 0;
  if (typeof lb === 'number') b.fill(lb);
  else {
    if (lb.length !== nLower) throw new RangeError(`lowerBias has ${lb.length} entries, expected ${nLower}`);
    b.set(Array.from(lb));
  }
  return { W, a: new Float64Array(nUpper), b };
}

/** Deep copy (training mutates layers in place). */
export function cloneLayer(layer: RbmLayer): RbmLayer {
  return { W: matrix(layer.W.rows, layer.W.cols, layer.W.data.slice()), a: layer.a.slice(), b: layer.b.slice() };
}

/** Validates shapes and finiteness. @throws RangeError naming the offending field. */
export function assertLayer(layer: RbmLayer, where = 'layer'): void {
  const { W, a, b } = layer;
  if (!W || !(W.data instanceof Float64Array) || W.data.length !== W.rows * W.cols) {
    throw new RangeError(`${where}.W must be a Float64 matrix`);
  }
  if (!(a instanceof Float64Array) || a.length !== W.rows) {
    throw new RangeError(`${where}.a must have ${W.rows} entries (rows of W), got ${a?.length}`);
  }
  if (!(b instanceof Float64Array) || b.length !== W.cols) {
    throw new RangeError(`${where}.b must have ${W.cols} entries (columns of W), got ${b?.length}`);
  }
  for (const [name, arr] of [
    ['W', W.data],
    ['a', a],
    ['b', b],
  ] as const) {
    const bad = arr.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${where}.${name}[${bad}] is ${arr[bad]}, expected a finite number`);
  }
}
