/**
 * Greedy generative pretraining of the hidden layers of a deep RBM, monitored
 * on held-out data (docs/math.md §2). Layer k (k = 1 … N−1) is fitted by CD-k or
 * PCD-k to the mean-field representation μ_{k−1} of the training inputs, with a
 * linearly decaying learning rate and weight decay; after every epoch the
 * held-out pseudo-log-likelihood per unit of that layer is recorded:
 *   PL(v) = (1/n) Σ_i log t(v_i | v_{−i}) = (1/n) Σ_i log σ(F(v^{(i)}) − F(v)),
 * v^{(i)} being v with unit i flipped and F the free energy of the lower side.
 * The top layer (h_{N−1}, y) is left to the hybrid objective (finetune.ts).
 */
import { DEFAULT_SEED, createRng, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { upwardField, upwardProbabilities } from './conditionals.js';
import type { DeepRbm } from './deep-rbm.js';
import type { RbmLayer } from './layer.js';
import { softplus } from './numeric.js';
import { dataSource, fitRbm, gatherRows, type NegativePhase } from './train.js';

/**
 * Mean pseudo-log-likelihood per lower unit of rows v under one RBM (exact over
 * all units; v may be real-valued in [0,1], which scores its expectation).
 * Cost: rows · n_lower · n_upper softplus evaluations.
 */
export function pseudoLogLikelihood(be: Backend, layer: RbmLayer, v: Matrix<Float64Array>): number {
  const u = upwardField(be, layer, v); // rows × n_upper
  const nu = layer.W.rows;
  const nl = layer.W.cols;
  const W = layer.W.data;
  let total = 0;
  const col = new Float64Array(nu);
  for (let i = 0; i < nl; i++) {
    for (let j = 0; j < nu; j++) col[j] = W[j * nl + i]!;
    for (let r = 0; r < v.rows; r++) {
      const vi = v.data[r * nl + i]!;
      const o = r * nu;
      // F(v^(i)) − F(v) for flipping unit i from vi to 1 − vi (linear in vi for real vi)
      const sign = 1 - 2 * vi;
      let d = -sign * layer.b[i]!;
      for (let j = 0; j < nu; j++) {
        const uj = u.data[o + j]!;
        d -= softplus(uj + sign * col[j]!) - softplus(uj);
      }
      // log σ(d) = −softplus(−d)
      total -= softplus(-d);
    }
  }
  return total / (v.rows * nl);
}

export interface PretrainOptions {
  /** Epochs per hidden layer (default 10). */
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Initial learning rate, decayed linearly to `finalFraction` of itself (default 0.05). */
  readonly learningRate?: number;
  /** Learning rate of the last epoch as a fraction of the first (default 0.1). */
  readonly finalFraction?: number;
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly negative?: Exclude<NegativePhase, 'exact'>;
  /** Gibbs steps (default 1). */
  readonly k?: number;
  readonly precision?: 'f64' | 'f32';
  /** Held-out inputs for the pseudo-likelihood monitor (its first `monitorRows` rows are used). */
  readonly heldOut?: Matrix<Float64Array>;
  /** Rows of the held-out set scored per epoch (default 200). */
  readonly monitorRows?: number;
  readonly seed?: number;
  readonly onEpoch?: (info: PretrainEpoch) => void;
}

export interface PretrainEpoch {
  /** 0-based layer index. */
  readonly layer: number;
  readonly epoch: number;
  readonly reconstructionError: number;
  /** Held-out pseudo-log-likelihood per unit (NaN without held-out data). */
  readonly heldOutPseudoLikelihood: number;
  readonly seconds: number;
}

/**
 * Pretrains layers 0 … N−2 of `net` in place (nothing for N = 1) and returns
 * the per-epoch history.
 */
export function pretrainGreedy(
  be: Backend,
  net: DeepRbm,
  x: Matrix<Float64Array>,
  options: PretrainOptions = {},
): PretrainEpoch[] {
  const N = net.layers.length;
  const epochs = options.epochs ?? 10;
  const rng = createRng(options.seed ?? DEFAULT_SEED);
  const finalFraction = options.finalFraction ?? 0.1;
  const history: PretrainEpoch[] = [];
  const monitorRows = options.heldOut ? Math.min(options.monitorRows ?? 200, options.heldOut.rows) : 0;
  const monitor = options.heldOut
    ? gatherRows(
        options.heldOut,
        Int32Array.from({ length: monitorRows }, (_, i) => i),
      )
    : undefined;
  let rep = x;
  let heldRep = monitor;
  for (let L = 0; L < N - 1; L++) {
    const layer = net.layers[L]!;
    fitRbm(be, layer, dataSource(be, rep, options.batchSize ?? 50, rng), {
      epochs,
      learningRate: options.learningRate ?? 0.05,
      schedule: (e) => (epochs <= 1 ? 1 : 1 - ((1 - finalFraction) * e) / (epochs - 1)),
      momentum: options.momentum ?? 0.5,
      weightDecay: options.weightDecay ?? 1e-4,
      negative: options.negative ?? 'cd',
      k: options.k ?? 1,
      precision: options.precision ?? 'f32',
      rng,
      onEpoch: (info) => {
        const e: PretrainEpoch = {
          layer: L,
          epoch: info.epoch,
          reconstructionError: info.reconstructionError,
          heldOutPseudoLikelihood: heldRep ? pseudoLogLikelihood(be, layer, heldRep) : NaN,
          seconds: info.seconds,
        };
        history.push(e);
        options.onEpoch?.(e);
      },
    });
    rep = upwardProbabilities(be, layer, rep);
    if (heldRep) heldRep = upwardProbabilities(be, layer, heldRep);
  }
  return history;
}
