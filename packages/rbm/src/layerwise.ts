/**
 * The paper's layerwise training (eq. 14): for layer k, with every other layer
 * fixed, fit t_k(h_k, h_{k−1}) to the joint
 *   P_k(h_k, h_{k−1}) = Σ_{x,y} q̃_k(h_k | y) q_{k−1}(h_{k−1} | x) p(x, y)
 * where h_{k−1} comes up the classification chain from x and h_k down the
 * generation chain from y. Sweep k = 1 … N and repeat.
 *
 * Iterated sweeps can fall into a trivial fixed point where q_N(y|x) ignores x
 * (docs/math.md §6), so every sweep is scored on held-out data, the best weights
 * are kept, and training stops after `patience` sweeps without improvement.
 */
import { DEFAULT_SEED, createRng, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import type { LabelledData } from './datasets/labelled.js';
import { cloneDeepRbm, type DeepRbm } from './deep-rbm.js';
import { lowerWidth, upperWidth, type RbmLayer } from './layer.js';
import { argmaxRows, classProbabilities, propagateSampled } from './propagate.js';
import { dataSource, fitRbm, gatherRows, shuffle, type NegativePhase, type PositiveSource } from './train.js';
import { enumerable } from './enumerable.js';
import { accuracy } from './accuracy.js';

export interface LayerwiseOptions {
  /** Maximum number of sweeps k = 1…N (default 5). */
  readonly sweeps?: number;
  /** Epochs of fitting per layer per sweep (default 2). */
  readonly epochsPerLayer?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly momentum?: number;
  readonly weightDecay?: number;
  /** Negative phase; 'auto' = exact when the narrower side is enumerable for 'layerwise-negative' (12 units), else CD (default 'auto'). */
  readonly negative?: NegativePhase | 'auto';
  /** Gibbs steps for CD / PCD (default 1). */
  readonly k?: number;
  /** Arithmetic of the CD/PCD products (default 'f64'; 'f32' is faster, see fitRbm). */
  readonly precision?: 'f64' | 'f32';
  /**
   * Epochs of greedy initialisation before the sweeps: layers 1…N−1 as ordinary
   * RBMs on the representation below, the top layer on (h_{N−1}, y). 0 = none (default 2).
   */
  readonly pretrainEpochs?: number;
  /** Held-out data scored after every sweep (default: the training data). */
  readonly validation?: LabelledData;
  /** Samples of h_{N−1} per input for sampled class probabilities (default 16). */
  readonly evalSamples?: number;
  /** Stop after this many sweeps without a better validation accuracy (default 2). */
  readonly patience?: number;
  /**
   * The guard keeps the best of sweeps ≥ keepFrom (default 0: greedy
   * initialisation included). 1 forces at least one eq. 14 sweep, so data seen only
   * through the sweeps (a clone's served ŷ′) reach the lower layers.
   */
  readonly keepFrom?: number;
  readonly seed?: number;
  readonly onProgress?: (event: LayerwiseProgress) => void;
}

export interface SweepInfo {
  /** 0 = after initialisation, then 1, 2, … */
  readonly sweep: number;
  readonly validationAccuracy: number;
  /** Mean reconstruction error of the lower side, per layer, in the last epoch. */
  readonly reconstruction: number[];
  /** ‖ΔW‖_F / ‖W‖_F over the sweep, per layer. */
  readonly relativeWeightChange: number[];
  readonly seconds: number;
}

export type LayerwiseProgress =
  | {
      readonly kind: 'layer';
      readonly sweep: number;
      readonly layer: number;
      readonly epoch: number;
      readonly reconstructionError: number;
    }
  | { readonly kind: 'sweep'; readonly info: SweepInfo };

export interface LayerwiseResult {
  /** The weights of the best-scoring sweep. */
  readonly net: DeepRbm;
  readonly bestSweep: number;
  readonly bestAccuracy: number;
  readonly history: SweepInfo[];
  /** Why training stopped. */
  readonly stopped: 'sweeps' | 'patience';
}

/** Classification accuracy of argmax P(c | x) (eq. 2) on labelled data. */
export function classifierAccuracy(
  be: Backend,
  net: DeepRbm,
  data: LabelledData,
  options: { samples?: number; rng?: Rng } = {},
): number {
  return accuracy(classProbabilities(be, net, data.x, options), data.labels);
}

/**
 * Positive phase of eq. 14 for layer index `L` (0-based; joins h_L and h_{L+1}):
 * lower = E[h_L | h_{L−1}] after sampling up from x, upper = E[h_{L+1} | h_{L+2}]
 * after sampling down from y (x and y themselves at the ends). Given (x, y) the
 * two are independent, so the product of these expectations is an unbiased
 * (Rao–Blackwellised) estimate of the joint's sufficient statistics.
 */
export function layerwiseSource(
  be: Backend,
  net: DeepRbm,
  L: number,
  data: LabelledData,
  batchSize: number,
  rng: Rng,
): PositiveSource {
  const N = net.layers.length;
  const n = data.x.rows;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return {
    batches: Math.ceil(n / batchSize),
    batch(index) {
      if (index === 0) shuffle(order, rng);
      const rows = order.subarray(index * batchSize, Math.min(n, (index + 1) * batchSize));
      const x = gatherRows(data.x, rows);
      const y = gatherRows(data.y, rows);
      const lower = L === 0 ? x : propagateSampled(be, net, x, 'up', rng, { steps: L }).probabilities[L - 1]!;
      const upper =
        L === N - 1 ? y : propagateSampled(be, net, y, 'down', rng, { steps: N - 1 - L }).probabilities[N - 2 - L]!;
      return { lower, upper };
    },
  };
}

function negativeFor(layer: RbmLayer, option: NegativePhase | 'auto'): NegativePhase {
  if (option !== 'auto') return option;
  return enumerable(Math.min(upperWidth(layer), lowerWidth(layer)), 'layerwise-negative') ? 'exact' : 'cd';
}

function frobenius(a: Float64Array, b?: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - (b ? b[i]! : 0)) ** 2;
  return Math.sqrt(s);
}

/**
 * Trains `net` in place by eq. 14 and returns the best weights seen (a copy).
 * @throws RangeError when the data do not match the network's input/output widths.
 */
export function trainLayerwise(
  be: Backend,
  net: DeepRbm,
  data: LabelledData,
  options: LayerwiseOptions = {},
): LayerwiseResult {
  const N = net.layers.length;
  const nIn = lowerWidth(net.layers[0]!);
  const nOut = upperWidth(net.layers[N - 1]!);
  if (data.x.cols !== nIn) throw new RangeError(`data x has ${data.x.cols} columns, network input width is ${nIn}`);
  if (data.y.cols !== nOut) throw new RangeError(`data y has ${data.y.cols} columns, network output width is ${nOut}`);
  const rng = createRng(options.seed ?? DEFAULT_SEED);
  const sweeps = options.sweeps ?? 5;
  const epochs = options.epochsPerLayer ?? 2;
  const batchSize = options.batchSize ?? 50;
  const patience = options.patience ?? 2;
  const keepFrom = Math.min(options.keepFrom ?? 0, sweeps);
  const validation = options.validation ?? data;
  const evalSamples = options.evalSamples ?? 16;
  const fitBase = {
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    ...(options.momentum !== undefined ? { momentum: options.momentum } : {}),
    ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
    ...(options.k !== undefined ? { k: options.k } : {}),
    ...(options.precision !== undefined ? { precision: options.precision } : {}),
    rng,
  };
  const score = () => classifierAccuracy(be, net, validation, { samples: evalSamples, rng: rng.fork() });
  const history: SweepInfo[] = [];
  const fitLayer = (L: number, source: PositiveSource, sweep: number, nEpochs: number): number => {
    const layer = net.layers[L]!;
    const infos = fitRbm(be, layer, source, {
      ...fitBase,
      epochs: nEpochs,
      negative: negativeFor(layer, options.negative ?? 'auto'),
      onEpoch: (info) =>
        options.onProgress?.({
          kind: 'layer',
          sweep,
          layer: L + 1,
          epoch: info.epoch,
          reconstructionError: info.reconstructionError,
        }),
    });
    return infos[infos.length - 1]?.reconstructionError ?? NaN;
  };

  // sweep 0: greedy initialisation
  const t0 = performance.now();
  const pre = options.pretrainEpochs ?? 2;
  const before0 = net.layers.map((l) => l.W.data.slice());
  const recon0: number[] = new Array<number>(N).fill(NaN);
  if (pre > 0) {
    let rep: Matrix<Float64Array> = data.x;
    for (let L = 0; L < N - 1; L++) {
      recon0[L] = fitLayer(L, dataSource(be, rep, batchSize, rng), 0, pre);
      rep = propagateSampled(be, { layers: [net.layers[L]!] }, rep, 'up', rng).probabilities[0]!;
    }
    recon0[N - 1] = fitLayer(N - 1, layerwiseSource(be, net, N - 1, data, batchSize, rng), 0, pre);
  }
  let bestAccuracy = score();
  let best = cloneDeepRbm(net);
  let bestSweep = 0;
  const info0: SweepInfo = {
    sweep: 0,
    validationAccuracy: bestAccuracy,
    reconstruction: recon0,
    relativeWeightChange: net.layers.map(
      (l, L) => frobenius(l.W.data, before0[L]) / Math.max(frobenius(l.W.data), 1e-300),
    ),
    seconds: (performance.now() - t0) / 1000,
  };
  history.push(info0);
  options.onProgress?.({ kind: 'sweep', info: info0 });

  let stopped: LayerwiseResult['stopped'] = 'sweeps';
  for (let sweep = 1; sweep <= sweeps; sweep++) {
    const ts = performance.now();
    const before = net.layers.map((l) => l.W.data.slice());
    const recon: number[] = [];
    for (let L = 0; L < N; L++)
      recon.push(fitLayer(L, layerwiseSource(be, net, L, data, batchSize, rng), sweep, epochs));
    const acc = score();
    const info: SweepInfo = {
      sweep,
      validationAccuracy: acc,
      reconstruction: recon,
      relativeWeightChange: net.layers.map(
        (l, L) => frobenius(l.W.data, before[L]) / Math.max(frobenius(l.W.data), 1e-300),
      ),
      seconds: (performance.now() - ts) / 1000,
    };
    history.push(info);
    options.onProgress?.({ kind: 'sweep', info });
    if (acc > bestAccuracy || (sweep === keepFrom && bestSweep < keepFrom)) {
      bestAccuracy = acc;
      best = cloneDeepRbm(net);
      bestSweep = sweep;
    } else if (sweep - bestSweep >= patience) {
      stopped = 'patience';
      break;
    }
  }
  return { net: best, bestSweep, bestAccuracy, history, stopped };
}
