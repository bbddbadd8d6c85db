/**
 * Public entry points: the generation FIM F̃(y) (eq. 20) and the classification
 * FIM F(x), with their estimators behind one option, and their top eigenpairs.
 * Generation: 'exact' (enumeration), 'rg-chain' (eq. 21–22), 'monte-carlo'
 * (importance sampling from the prior: biased low where its effective sample
 * size is small, ~15% at width 64) and 'gibbs' (posterior sampling with the
 * missing-information estimator: unbiased, with batch errors and λ₁'s jackknife error).
 */
import { column, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import type { DeepRbm } from '@rgdl/rbm';
import { exactFisher } from './exact.js';
import { gibbsGenerationFisher, type GibbsEstimator } from './gibbs.js';
import { monteCarloFisher } from './monte-carlo.js';
import { rgChainFisher } from './rg-chain.js';
import type { OperatorChoice } from './rg-imports.js';

export type FisherMethod = 'exact' | 'rg-chain' | 'monte-carlo' | 'gibbs';

export interface FisherOptions {
  readonly method: FisherMethod;
  /** rg-chain: exact or MCRG stability matrices (default 'exact'). */
  readonly stability?: 'exact' | 'mcrg';
  /** rg-chain: operator set per level (default 'singles'; 'complete' = exact FIM). */
  readonly operators?: OperatorChoice;
  /** monte-carlo / gibbs / MCRG samples. */
  readonly samples?: number;
  /** gibbs: counted sweeps per chain and uncounted sweeps of the second chain (gibbs.ts). */
  readonly sweeps?: number;
  readonly burnIn?: number;
  /** gibbs: 'missing-information' (default) or 'direct' (gibbs.ts). */
  readonly estimator?: GibbsEstimator;
  /** monte-carlo importance-sampling pool per batch. */
  readonly pool?: number;
  readonly batches?: number;
  readonly rng?: Rng;
}

export interface FisherResult {
  /** Symmetric PSD matrix (n_N × n_N for generation, n_0 × n_0 for classification). */
  readonly F: Matrix<Float64Array>;
  /** Element-wise standard errors (monte-carlo only). */
  readonly stderr?: Matrix<Float64Array>;
  /** Mean effective sample size of the importance weights per pool (monte-carlo generation only). */
  readonly effectiveSamples?: number;
  /** gibbs: λ₁ with its jackknife standard error, the gap λ₁ − λ₂ (near-degenerate or not), and the chains' noise against the signal. */
  readonly lambda1?: { readonly value: number; readonly stderr: number };
  readonly gap?: { readonly value: number; readonly stderr: number; readonly degenerate: boolean };
  readonly chainNoise?: number;
  readonly method: FisherMethod;
  /** Seconds spent. */
  readonly seconds: number;
}

function needRng(options: FisherOptions): Rng {
  if (!options.rng) throw new RangeError(`the ${options.method} estimator needs an rng`);
  return options.rng;
}

/**
 * F̃_ij(y) = ∂²/∂y′_i∂y′_j D_KL(q̃_0(·|y) ‖ q̃_0(·|y′)) at y′ = y (eq. 20); y may be real.
 * @throws RangeError for a wrong-width y or an estimator that cannot run on this net.
 */
export function generationFisher(be: Backend, net: DeepRbm, y: Float64Array, options: FisherOptions): FisherResult {
  const t0 = performance.now();
  let F: Matrix<Float64Array>;
  let stderr: Matrix<Float64Array> | undefined;
  let effectiveSamples: number | undefined;
  let gibbs:
    | {
        lambda1: { value: number; stderr: number };
        gap: { value: number; stderr: number; degenerate: boolean };
        chainNoise: number;
      }
    | undefined;
  if (options.method === 'exact') F = exactFisher(be, net, y, 'down');
  else if (options.method === 'gibbs') {
    const r = gibbsGenerationFisher(be, net, y, {
      rng: needRng(options),
      ...(options.samples !== undefined ? { samples: options.samples } : {}),
      ...(options.sweeps !== undefined ? { sweeps: options.sweeps } : {}),
      ...(options.burnIn !== undefined ? { burnIn: options.burnIn } : {}),
      ...(options.estimator !== undefined ? { estimator: options.estimator } : {}),
      ...(options.batches !== undefined ? { batches: options.batches } : {}),
    });
    F = r.F;
    stderr = r.stderr;
    gibbs = { lambda1: r.lambda1, gap: r.gap, chainNoise: r.chainNoise };
  } else if (options.method === 'rg-chain') {
    const stability = options.stability ?? 'exact';
    F = rgChainFisher(be, net, y, {
      stability,
      operators: options.operators ?? 'singles',
      ...(options.samples !== undefined ? { samples: options.samples } : {}),
      ...(stability === 'mcrg' ? { rng: needRng(options) } : {}),
    }).F;
  } else {
    const r = monteCarloFisher(be, net, y, 'down', {
      rng: needRng(options),
      ...(options.samples !== undefined ? { samples: options.samples } : {}),
      ...(options.pool !== undefined ? { pool: options.pool } : {}),
      ...(options.batches !== undefined ? { batches: options.batches } : {}),
    });
    F = r.F;
    stderr = r.stderr;
    effectiveSamples = r.meanEffectiveSamples;
  }
  return {
    F,
    ...(stderr ? { stderr } : {}),
    ...(effectiveSamples !== undefined ? { effectiveSamples } : {}),
    ...(gibbs ?? {}),
    method: options.method,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * F_ij(x) = Cov_{y~q_N(·|x)}(∂_i log q_N(y|x), ∂_j log q_N(y|x)): the input
 * directions the classifier is most sensitive to ([8]). Methods 'exact' or
 * 'monte-carlo' (the output layer is enumerated; ≤ 16 output units).
 */
export function classificationFisher(be: Backend, net: DeepRbm, x: Float64Array, options: FisherOptions): FisherResult {
  const t0 = performance.now();
  if (options.method === 'rg-chain' || options.method === 'gibbs')
    throw new RangeError('classificationFisher supports the exact and monte-carlo methods');
  if (options.method === 'exact')
    return { F: exactFisher(be, net, x, 'up'), method: 'exact', seconds: (performance.now() - t0) / 1000 };
  const r = monteCarloFisher(be, net, x, 'up', {
    rng: needRng(options),
    ...(options.pool !== undefined ? { pool: options.pool } : {}),
    ...(options.batches !== undefined ? { batches: options.batches } : {}),
  });
  return { F: r.F, stderr: r.stderr, method: 'monte-carlo', seconds: (performance.now() - t0) / 1000 };
}

export interface TopEigen {
  /** Largest eigenvalues, descending. */
  readonly values: Float64Array;
  /** Unit eigenvectors, one per value. */
  readonly vectors: Float64Array[];
}

/** The k largest eigenpairs of a symmetric F. */
export function topEigenpairs(be: Backend, F: Matrix<Float64Array>, k = 1): TopEigen {
  const { values, vectors } = be.symmetricEigen(F);
  const m = Math.min(k, F.rows);
  return { values: values.slice(0, m), vectors: Array.from({ length: m }, (_, j) => column(vectors, j)) };
}
