/**
 * RG flow of a deep RBM for one input: coupling vectors of every layer's
 * effective Hamiltonian, their distances (fixed-point convergence, eq. 7–8,
 * 17–18), stability matrices of every layer (exact or MCRG), their spectra and
 * the growth of products T^{(k)}…T^{(2)} with depth.
 *
 * Classification (given x): levels h_1 … h_N, T^{(k)} = ∂g^{(k)}/∂g^{(k−1)}, k = 2…N.
 * Generation (given y): levels h_{N−1} … h_0, T̃^{(k)} = ∂g̃^{(k−1)}/∂g̃^{(k)}, k = N−1…1.
 */
import { matrix, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { classifyExact, generateExact, propagateSampled, widths, type DeepRbm, type Direction } from '@rgdl/rbm';
import { couplingNormsByOrder, couplingsFromDistribution } from './couplings.js';
import { allPairs, completeBasis, singles, union, type OperatorSet } from './operators.js';
import { eigenAnalysis, singularValues, type EigenAnalysis } from './spectrum.js';
import { exactStabilityMatrix, jackknifeError, mcrgStabilityMatrix } from './stability.js';

/** Which operators to use on a level of n units. */
export type OperatorChoice = 'singles' | 'singles+pairs' | 'complete' | ((n: number) => OperatorSet);

export function operatorsFor(choice: OperatorChoice, n: number): OperatorSet {
  if (typeof choice === 'function') return choice(n);
  if (choice === 'singles') return singles(n);
  if (choice === 'singles+pairs') return union(singles(n), allPairs(n));
  return completeBasis(n);
}

export interface LevelCouplings {
  /** Layer index of the level (h_k). */
  readonly level: number;
  readonly width: number;
  /** Complete-basis couplings (entry = unit bitmask; entry 0 the constant). */
  readonly couplings: Float64Array;
  /** √Σ_{|α|=m} g_α² for orders m = 1…n. */
  readonly normsByOrder: Float64Array;
  /** ‖g^{(this)} − g^{(previous level)}‖₂ (non-constant part) when the widths agree; null otherwise. */
  readonly distanceToPrevious: number | null;
}

/**
 * Exact couplings of every level's effective Hamiltonian for one input row
 * (x for 'up', y for 'down'). Needs every hidden width ≤ 20.
 */
export function couplingFlow(be: Backend, net: DeepRbm, input: Matrix<Float64Array>, dir: Direction): LevelCouplings[] {
  if (input.rows !== 1) throw new RangeError(`couplingFlow takes one input row, got ${input.rows}`);
  const dists = dir === 'up' ? classifyExact(be, net, input) : generateExact(be, net, input);
  const N = net.layers.length;
  const out: LevelCouplings[] = [];
  dists.forEach((d, i) => {
    const level = dir === 'up' ? i + 1 : N - 1 - i;
    const g = couplingsFromDistribution(d.data, be);
    const prev = out[out.length - 1];
    let distance: number | null = null;
    if (prev && prev.couplings.length === g.length) {
      let s = 0;
      for (let a = 1; a < g.length; a++) s += (g[a]! - prev.couplings[a]!) ** 2;
      distance = Math.sqrt(s);
    }
    out.push({
      level,
      width: Math.log2(g.length),
      couplings: g,
      normsByOrder: couplingNormsByOrder(g),
      distanceToPrevious: distance,
    });
  });
  return out;
}

export interface LayerStability {
  /** Paper's layer index k of T^{(k)} (classification) or T̃^{(k)} (generation). */
  readonly layer: number;
  readonly fromLevel: number;
  readonly toLevel: number;
  readonly sourceOps: OperatorSet;
  readonly targetOps: OperatorSet;
  readonly T: Matrix<Float64Array>;
  /** Jackknife errors (MCRG only). */
  readonly stderr?: Matrix<Float64Array>;
  readonly singularValues: Float64Array;
  /** Jackknife error of the top singular value (MCRG only). */
  readonly topSingularValueError?: number;
  /** Jackknife error of every singular value (MCRG only; same order as singularValues). */
  readonly singularValueErrors?: Float64Array;
  /** Eigen-analysis when T is square. */
  readonly eigen?: EigenAnalysis;
  /** MCRG: target operators constant over the samples (zero rows of T). */
  readonly degenerateTargets?: number;
}

export interface StabilityFlowOptions {
  readonly method: 'exact' | 'mcrg';
  /** Operator set per level (default 'singles'). */
  readonly operators?: OperatorChoice;
  /** MCRG: samples per input row (default 20000). */
  readonly samples?: number;
  /** MCRG: jackknife blocks (default 10). */
  readonly blocks?: number;
  /** Also compute the left eigenvectors (scaling fields) of square T (default false). */
  readonly leftVectors?: boolean;
  /** Eigen-analysis of square T (default true; off when only singular values are wanted). */
  readonly eigen?: boolean;
  readonly rng?: Rng;
}

export interface StabilityFlow {
  readonly direction: Direction;
  readonly layers: LayerStability[];
  /** Top singular value of the cumulative product of the first 1…m layer matrices, in travel order. */
  readonly productTopSingularValues: number[];
}

/**
 * Samples of (h_from, h_to) for one layer, from `samples` ancestral chains per
 * input row: classification layer k (2…N) pairs h_{k−1} with h_k; generation
 * layer k (N−1…1) pairs h_k with h_{k−1}.
 */
export function sampleLayerPairs(
  be: Backend,
  net: DeepRbm,
  input: Matrix<Float64Array>,
  dir: Direction,
  layer: number,
  samples: number,
  rng: Rng,
): { source: Matrix<Float64Array>; target: Matrix<Float64Array> } {
  const N = net.layers.length;
  if (dir === 'up') {
    if (layer < 2 || layer > N)
      throw new RangeError(`classification stability matrices exist for layers 2…${N}, got ${layer}`);
    const s = propagateSampled(be, net, input, 'up', rng, { samples, steps: layer }).samples;
    return { source: s[layer - 2]!, target: s[layer - 1]! };
  }
  if (layer < 1 || layer > N - 1)
    throw new RangeError(`generation stability matrices exist for layers 1…${N - 1}, got ${layer}`);
  const s = propagateSampled(be, net, input, 'down', rng, { samples, steps: N - layer + 1 }).samples;
  return { source: s[N - 1 - layer]!, target: s[N - layer]! };
}

/**
 * Stability matrices of every layer for the input rows (one row: the paper's
 * per-input effective Hamiltonians; several rows: MCRG pools their samples, exact
 * averages the source distributions, i.e. the mixture over inputs).
 */
export function stabilityFlow(
  be: Backend,
  net: DeepRbm,
  input: Matrix<Float64Array>,
  dir: Direction,
  options: StabilityFlowOptions,
): StabilityFlow {
  const N = net.layers.length;
  const w = widths(net);
  const choice = options.operators ?? 'singles';
  const layerIndices =
    dir === 'up' ? Array.from({ length: N - 1 }, (_, i) => i + 2) : Array.from({ length: N - 1 }, (_, i) => N - 1 - i);
  let exactDists: Matrix<Float64Array>[] | undefined;
  if (options.method === 'exact')
    exactDists = dir === 'up' ? classifyExact(be, net, input) : generateExact(be, net, input);
  const layers: LayerStability[] = [];
  for (const k of layerIndices) {
    const fromLevel = dir === 'up' ? k - 1 : k;
    const toLevel = dir === 'up' ? k : k - 1;
    const sourceOps = operatorsFor(choice, w[fromLevel]!);
    const targetOps = operatorsFor(choice, w[toLevel]!);
    let T: Matrix<Float64Array>;
    let stderr: Matrix<Float64Array> | undefined;
    let topErr: number | undefined;
    let svErrors: Float64Array | undefined;
    let degenerate: number | undefined;
    if (options.method === 'exact') {
      // distribution of the source level, averaged over input rows
      const idx = dir === 'up' ? fromLevel - 1 : N - 1 - fromLevel;
      const d = exactDists![idx]!;
      const mean = new Float64Array(d.cols);
      for (let r = 0; r < d.rows; r++) for (let s = 0; s < d.cols; s++) mean[s]! += d.data[r * d.cols + s]! / d.rows;
      T = exactStabilityMatrix(be, net.layers[k - 1]!, mean, dir, sourceOps, targetOps);
    } else {
      if (!options.rng) throw new RangeError('stabilityFlow: the MCRG method needs an rng');
      const pairs = sampleLayerPairs(be, net, input, dir, k, options.samples ?? 20000, options.rng);
      const r = mcrgStabilityMatrix(be, { ...pairs, sourceOps, targetOps, blocks: options.blocks ?? 10 });
      T = r.T;
      stderr = r.stderr;
      degenerate = r.degenerateTargets.length;
      if (r.jackknife.length > 1) {
        const blocks = r.jackknife.map((t) => singularValues(be, t));
        svErrors = Float64Array.from(blocks[0]!, (_, i) => jackknifeError(blocks.map((b) => b[i] ?? 0)));
        topErr = svErrors[0];
      }
    }
    const sv = singularValues(be, T);
    layers.push({
      layer: k,
      fromLevel,
      toLevel,
      sourceOps,
      targetOps,
      T,
      singularValues: sv,
      ...(stderr ? { stderr } : {}),
      ...(topErr !== undefined ? { topSingularValueError: topErr } : {}),
      ...(svErrors !== undefined ? { singularValueErrors: svErrors } : {}),
      ...(degenerate !== undefined ? { degenerateTargets: degenerate } : {}),
      ...(T.rows === T.cols && options.eigen !== false
        ? { eigen: eigenAnalysis(be, T, { leftVectors: options.leftVectors === true }) }
        : {}),
    });
  }
  // cumulative products in travel order: P_m = T_m · … · T_1
  const productTopSingularValues: number[] = [];
  let P: Matrix<Float64Array> | undefined;
  for (const l of layers) {
    P = P === undefined ? matrix(l.T.rows, l.T.cols, l.T.data.slice()) : be.matmul(l.T, P);
    productTopSingularValues.push(singularValues(be, P)[0]!);
  }
  return { direction: dir, layers, productTopSingularValues };
}
