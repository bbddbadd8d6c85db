/**
 * A deep network of N stacked RBMs (eq. 1–2). Layer k (1-based in the paper,
 * `layers[k−1]` here) joins h_{k−1} (width n_{k−1}) to h_k (width n_k);
 * h_0 = x is the input and h_N = y the output.
 */
import type { Rng } from '@rgdl/gpu-kernels';
import {
  assertLayer,
  cloneLayer,
  createLayer,
  lowerWidth,
  upperWidth,
  type InitOptions,
  type RbmLayer,
} from './layer.js';

export interface DeepRbm {
  readonly layers: readonly RbmLayer[];
}

/** Widths [n_0, n_1, …, n_N]. */
export function widths(net: DeepRbm): number[] {
  const first = net.layers[0];
  if (first === undefined) return [];
  return [lowerWidth(first), ...net.layers.map(upperWidth)];
}

/** Depth N (number of RBM layers). */
export function depth(net: DeepRbm): number {
  return net.layers.length;
}

/**
 * Stacks fresh layers for widths [n_0 … n_N] (N ≥ 1).
 * @throws RangeError for fewer than two widths or non-positive widths.
 */
export function createDeepRbm(layerWidths: readonly number[], rng: Rng, options: InitOptions = {}): DeepRbm {
  if (layerWidths.length < 2)
    throw new RangeError(`a deep RBM needs at least two widths [n_0, n_1], got [${layerWidths.join(', ')}]`);
  const layers: RbmLayer[] = [];
  for (let k = 1; k < layerWidths.length; k++) {
    layers.push(
      createLayer(layerWidths[k]!, layerWidths[k - 1]!, rng, k === 1 ? options : { ...options, lowerBias: 0 }),
    );
  }
  return { layers };
}

export function cloneDeepRbm(net: DeepRbm): DeepRbm {
  return { layers: net.layers.map(cloneLayer) };
}

/** Checks every layer and that consecutive widths agree. @throws RangeError naming the layer. */
export function assertDeepRbm(net: DeepRbm): void {
  if (!net || !Array.isArray(net.layers) || net.layers.length === 0)
    throw new RangeError('a deep RBM needs at least one layer');
  net.layers.forEach((layer, i) => {
    assertLayer(layer, `layers[${i}]`);
    if (i > 0 && lowerWidth(layer) !== upperWidth(net.layers[i - 1]!)) {
      throw new RangeError(
        `layers[${i}] has lower width ${lowerWidth(layer)} but layers[${i - 1}] has upper width ${upperWidth(net.layers[i - 1]!)}`,
      );
    }
  });
}
