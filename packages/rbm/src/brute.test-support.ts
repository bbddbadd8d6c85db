/**
 * Brute-force twins of the exact formulas, for tests only: every probability is
 * computed from the joint weights e^{−E} by explicit enumeration and explicit
 * normalisation, never through the factorised conditionals under test.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import type { DeepRbm } from './deep-rbm.js';
import type { RbmLayer } from './layer.js';

export function bits(s: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (s >> i) & 1);
}

/** −E(h, v) = hᵀWv + aᵀh + bᵀv for real-valued h, v. */
export function negEnergy(layer: RbmLayer, h: ArrayLike<number>, v: ArrayLike<number>): number {
  const { W, a, b } = layer;
  let s = 0;
  for (let j = 0; j < W.rows; j++) {
    let wv = 0;
    for (let i = 0; i < W.cols; i++) wv += W.data[j * W.cols + i]! * v[i]!;
    s += h[j]! * (wv + a[j]!);
  }
  for (let i = 0; i < W.cols; i++) s += b[i]! * v[i]!;
  return s;
}

function normalise(w: number[]): number[] {
  const z = w.reduce((x, y) => x + y, 0);
  return w.map((x) => x / z);
}

/** t(h | v) over all 2^{n_upper} h, by normalising e^{−E(h,v)} over h. */
export function bruteUp(layer: RbmLayer, v: ArrayLike<number>): number[] {
  const nu = layer.W.rows;
  return normalise(Array.from({ length: 2 ** nu }, (_, s) => Math.exp(negEnergy(layer, bits(s, nu), v))));
}

/** t(v | h) over all 2^{n_lower} v. */
export function bruteDown(layer: RbmLayer, h: ArrayLike<number>): number[] {
  const nl = layer.W.cols;
  return normalise(Array.from({ length: 2 ** nl }, (_, s) => Math.exp(negEnergy(layer, h, bits(s, nl)))));
}

/** log Z = log Σ_{h,v} e^{−E(h,v)}. */
export function bruteLogZ(layer: RbmLayer): number {
  let z = 0;
  for (let s = 0; s < 2 ** layer.W.rows; s++) {
    for (let t = 0; t < 2 ** layer.W.cols; t++)
      z += Math.exp(negEnergy(layer, bits(s, layer.W.rows), bits(t, layer.W.cols)));
  }
  return Math.log(z);
}

/** Marginal over v of the layer's joint: p(v) = Σ_h e^{−E}/Z. */
export function bruteLowerMarginal(layer: RbmLayer): number[] {
  const nu = layer.W.rows;
  const nl = layer.W.cols;
  return normalise(
    Array.from({ length: 2 ** nl }, (_, t) => {
      let s = 0;
      for (let h = 0; h < 2 ** nu; h++) s += Math.exp(negEnergy(layer, bits(h, nu), bits(t, nl)));
      return s;
    }),
  );
}

/** q_k(h_k | x) for k = 1…N by explicit sums over every intermediate state. */
export function bruteClassify(net: DeepRbm, x: ArrayLike<number>): number[][] {
  const out: number[][] = [];
  let dist = bruteUp(net.layers[0]!, x);
  out.push(dist);
  for (let k = 1; k < net.layers.length; k++) {
    const layer = net.layers[k]!;
    const nFrom = layer.W.cols;
    const next = new Array<number>(2 ** layer.W.rows).fill(0);
    dist.forEach((q, s) => {
      bruteUp(layer, bits(s, nFrom)).forEach((t, s2) => (next[s2]! += q * t));
    });
    dist = next;
    out.push(dist);
  }
  return out;
}

/** q̃_k(h_k | y) for k = N−1…0. */
export function bruteGenerate(net: DeepRbm, y: ArrayLike<number>): number[][] {
  const N = net.layers.length;
  const out: number[][] = [];
  let dist = bruteDown(net.layers[N - 1]!, y);
  out.push(dist);
  for (let k = N - 2; k >= 0; k--) {
    const layer = net.layers[k]!;
    const nFrom = layer.W.rows;
    const next = new Array<number>(2 ** layer.W.cols).fill(0);
    dist.forEach((q, s) => {
      bruteDown(layer, bits(s, nFrom)).forEach((t, s2) => (next[s2]! += q * t));
    });
    dist = next;
    out.push(dist);
  }
  return out;
}

/** A random layer with N(0, scale²) weights and biases (for tests). */
export function randomLayer(nu: number, nl: number, next: () => number, scale = 1): RbmLayer {
  const W = matrix(nu, nl);
  for (let i = 0; i < W.data.length; i++) W.data[i] = scale * next();
  return {
    W,
    a: Float64Array.from({ length: nu }, () => scale * next()),
    b: Float64Array.from({ length: nl }, () => scale * next()),
  };
}

export function rowOf(m: Matrix<Float64Array>, r: number): Float64Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}
