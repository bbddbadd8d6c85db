/**
 * Defended prediction services with one interface: the clean answer ŷ(x) (class
 * probabilities of the victim, eq. 2) and what is served instead.
 *  - 'fim':      ŷ + ε·v₁(ŷ), v₁ the top eigenvector of the generation FIM F̃ at
 *                the predicted class (per-class cache, see @rgdl/fisher bench);
 *  - 'random':   ŷ + ε·u, u a random unit vector (same norm: the key control);
 *  - 'gaussian': ŷ + N(0, ε²/n · I) (expected norm ε; fresh noise per call);
 *  - 'round':    ŷ rounded to `decimals` decimals;
 *  - 'reverse-sigmoid': Lee et al. (β = 1, γ = 0.1), renormalised;
 *  - 'top1':     the one-hot label only;
 *  - 'none':     ŷ itself.
 * All perturbations go through constrainStep (valid answer, label unchanged).
 * Determinism: 'fim' and 'random' answer a repeated query identically (the
 * random direction is seeded by the query's bytes); 'gaussian' does not.
 */
import { createRng, matrix, type Backend, type Rng } from '@rgdl/gpu-kernels';
import { generationFisher, topEigenpairs, type FisherOptions } from '@rgdl/fisher';
import { classProbabilitiesAuto, type DeepRbm } from '@rgdl/rbm';
import { argmax, constrainStep, type AnswerView } from './constrain.js';

export type DefenceName = 'none' | 'fim' | 'random' | 'gaussian' | 'round' | 'reverse-sigmoid' | 'top1';
export const DEFENCES: readonly DefenceName[] = [
  'none',
  'fim',
  'random',
  'gaussian',
  'round',
  'reverse-sigmoid',
  'top1',
];

/** Whether a defence takes a step size ε (fim, random, gaussian); the others ignore it. */
export function usesEpsilon(defence: DefenceName): boolean {
  return defence === 'fim' || defence === 'random' || defence === 'gaussian';
}

export interface DefenceOptions {
  readonly defence: DefenceName;
  /** Step size ‖δy‖₂ for fim / random / gaussian (absolute, or × ‖ŷ‖₂ when `relative`). */
  readonly epsilon?: number;
  readonly relative?: boolean;
  readonly view?: AnswerView;
  /** 'round': decimals kept (default 1). */
  readonly decimals?: number;
  /** Samples of h_{N−1} for the victim's class probabilities (default 32; exact when small). */
  readonly samples?: number;
  /** FIM estimator for the per-class cache (default Monte Carlo, S=2000, 8 pools × 4096). */
  readonly fisher?: Partial<FisherOptions>;
  /** Seed of the defender's own randomness. */
  readonly seed?: number;
  /** 'fim': precomputed per-class directions (e.g. shared by several services); computed lazily otherwise. */
  readonly directions?: ClassDirections;
}

/** The 'fim' defence's per-class cache: λ₁ and v₁ of F̃(e_c) for every class c. */
export interface ClassDirections {
  readonly eigenvalues: Float64Array;
  readonly directions: readonly Float64Array[];
}

/**
 * Top eigenpair of the generation FIM F̃(e_c) (eq. 20) at every one-hot output
 * e_c: Monte Carlo with S = 2000 and 8 pools of 4096 unless `fisher` says
 * otherwise, class c seeded with seed + c. The sign is the eigensolver's (the
 * second-order KL does not depend on it).
 */
export function classPoisonDirections(
  be: Backend,
  net: DeepRbm,
  options: { fisher?: Partial<FisherOptions>; seed?: number } = {},
): ClassDirections {
  const classes = net.layers[net.layers.length - 1]!.W.rows;
  const seed = options.seed ?? 1;
  const eigenvalues = new Float64Array(classes);
  const directions = Array.from({ length: classes }, (_, k) => {
    const y = Float64Array.from({ length: classes }, (_, j) => (j === k ? 1 : 0));
    const F = generationFisher(be, net, y, {
      method: 'monte-carlo',
      samples: 2000,
      pool: 4096,
      batches: 8,
      rng: createRng(seed + k),
      ...options.fisher,
    } as FisherOptions).F;
    const top = topEigenpairs(be, F, 1);
    eigenvalues[k] = top.values[0]!;
    return top.vectors[0]!;
  });
  return { eigenvalues, directions };
}

export interface ServedBatch {
  /** Clean answers ŷ (rows × classes). */
  readonly clean: Float64Array[];
  readonly served: Float64Array[];
  /** Fraction of queries whose step had to be shrunk (fim / random / gaussian). */
  readonly shrunk: number;
}

export interface PredictionService {
  readonly defence: DefenceName;
  /** Answers a batch of inputs (rows of n_0 values in [0, 1]). */
  answer(inputs: readonly Float64Array[]): ServedBatch;
  /** Builds what the first answer would otherwise build (the 'fim' per-class cache); returns seconds spent. */
  warm(): number;
}

function hashSeed(x: Float64Array, salt: number): number {
  let h = 2166136261 ^ salt;
  for (let i = 0; i < x.length; i++) {
    h ^= Math.round(x[i]! * 1e6);
    h = Math.imul(h, 16777619);
  }
  return h | 0;
}

function normalise(v: Float64Array): Float64Array {
  const n = Math.hypot(...v);
  return n > 0 ? v.map((x) => x / n) : v;
}

/** A defended service around a trained victim. */
export function createService(be: Backend, net: DeepRbm, options: DefenceOptions): PredictionService {
  const classes = net.layers[net.layers.length - 1]!.W.rows;
  const view = options.view ?? 'box';
  const eps = options.epsilon ?? 0;
  const seed = options.seed ?? 1;
  const noiseRng: Rng = createRng(seed + 101);
  // per-class cache of v₁ at the one-hot outputs (given, or computed lazily once)
  let cache = options.directions;
  const directionFor = (c: number): Float64Array => {
    cache ??= classPoisonDirections(be, net, { ...(options.fisher ? { fisher: options.fisher } : {}), seed });
    return cache.directions[c]!;
  };
  const clean = (inputs: readonly Float64Array[]): Float64Array[] => {
    const m = matrix(inputs.length, inputs[0]?.length ?? 0);
    inputs.forEach((x, r) => m.data.set(x, r * m.cols));
    const p = classProbabilitiesAuto(be, net, m, { samples: options.samples ?? 32, rng: createRng(seed + 7) });
    return inputs.map((_, r) => p.data.slice(r * classes, (r + 1) * classes));
  };
  return {
    defence: options.defence,
    warm() {
      const t0 = performance.now();
      if (options.defence === 'fim' && eps > 0) directionFor(0);
      return (performance.now() - t0) / 1000;
    },
    answer(inputs) {
      const ys = clean(inputs);
      let shrunk = 0;
      const served = ys.map((y, r) => {
        const step = (eps > 0 ? eps : 0) * (options.relative ? Math.hypot(...y) : 1);
        const perturb = (dir: Float64Array) => {
          if (step === 0) return y;
          const res = constrainStep(
            y,
            dir.map((v) => v * step),
            view,
          );
          if (res.scale < 1) shrunk++;
          return res.served;
        };
        switch (options.defence) {
          case 'none':
            return y;
          case 'fim': {
            return perturb(directionFor(argmax(y)));
          }
          case 'random': {
            const rng = createRng(hashSeed(inputs[r]!, seed));
            return perturb(normalise(Float64Array.from({ length: classes }, () => rng.nextGaussian())));
          }
          case 'gaussian':
            return perturb(Float64Array.from({ length: classes }, () => noiseRng.nextGaussian() / Math.sqrt(classes)));
          case 'round': {
            const f = 10 ** (options.decimals ?? 1);
            return y.map((v) => Math.round(v * f) / f);
          }
          case 'reverse-sigmoid': {
            const beta = 1;
            const gamma = 0.1;
            const logit = (p: number) => Math.log(Math.max(p, 1e-12) / Math.max(1 - p, 1e-12));
            const r2 = y.map((p) => p - beta * (1 / (1 + Math.exp(-gamma * logit(p))) - 0.5));
            const z = r2.reduce((a, b) => a + Math.max(b, 0), 0);
            return r2.map((v) => (z > 0 ? Math.max(v, 0) / z : 1 / classes));
          }
          case 'top1': {
            const k = argmax(y);
            return y.map((_, j) => (j === k ? 1 : 0));
          }
        }
      });
      return { clean: ys, served, shrunk: shrunk / Math.max(1, ys.length) };
    },
  };
}

/** Label agreement of served vs clean answers and mean ‖δy‖₁. */
export function utility(batch: ServedBatch): { labelAgreement: number; meanL1: number } {
  let agree = 0;
  let l1 = 0;
  batch.clean.forEach((y, r) => {
    const s = batch.served[r]!;
    if (argmax(y) === argmax(s)) agree++;
    for (let j = 0; j < y.length; j++) l1 += Math.abs(s[j]! - y[j]!);
  });
  return { labelAgreement: agree / batch.clean.length, meanL1: l1 / batch.clean.length };
}
