/**
 * Defended prediction services with one interface: the clean answer ŷ(x) (class
 * probabilities of the victim, eq. 2) and what is served instead. Every answer
 * is a probability vector (the 'simplex' view) unless the 'box' view is asked for,
 * and every step goes through constrainStep (valid answer, label unchanged).
 * Step defences take ‖δy‖₂ = ε (the strength swept to match defender cost):
 *  - 'fim':          the feasible step that maximises δyᵀF̃δy: the candidates ±v₁, ±v₂,
 *                    ±v₃ (top eigenvectors of F̃(e_c) restricted to the simplex's
 *                    tangent space Σδ = 0, F̃ from a per-class cache at the one-hot
 *                    output of the predicted class c) are each projected and
 *                    label-constrained, and the served one with the largest
 *                    δyᵀF̃δy wins (so neither the eigensolver's sign nor clipping
 *                    picks the step);
 *  - 'fim-min':      the smallest-eigenvalue direction of the same F̃ (the sign with
 *                    the longer feasible step): the control that should do least;
 *  - 'random-class': one fixed seeded unit direction per class (the bias control:
 *                    a consistent shift of the same size as fim's);
 *  - 'random-query': a fresh direction per query, seeded by the query's bytes
 *                    (zero-mean noise across queries);
 *  - 'gaussian':     ŷ + N(0, ε²/n · I), fresh noise per call.
 * Others: 'round' (to `decimals`), 'reverse-sigmoid' (Lee et al. 2019, strength β,
 * γ; may change the label), 'mad' / 'mad-argmax' (Orekondy et al. 2020, L1 budget ε;
 * mad.ts), 'adaptive-misinformation' (Kariyappa & Qureshi 2020, strength: the OOD
 * quantile; misinformation.ts; changes labels of queries it calls OOD), 'top1'
 * (the one-hot label), 'none' (ŷ).
 * Determinism: every defence but 'gaussian' answers a repeated query identically.
 */
import { createRng, fromRows, matrix, rowViews, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import { generationFisher, topEigenpairs, type FisherOptions } from '@rgdl/fisher';
import { classProbabilitiesAuto, hiddenEnumerable, type DeepRbm } from '@rgdl/rbm';
import { argmax, constrainStep, type AnswerView } from './constrain.js';
import { madAnswer, randomSurrogate, surrogateProbabilities, type Surrogate } from './mad.js';
import { bottomRbmScorer, misinformedAnswer, type OodScorer } from './misinformation.js';

export type DefenceName =
  | 'none'
  | 'fim'
  | 'fim-min'
  | 'random-class'
  | 'random-query'
  | 'gaussian'
  | 'round'
  | 'reverse-sigmoid'
  | 'mad'
  | 'mad-argmax'
  | 'adaptive-misinformation'
  | 'top1';
export const DEFENCES: readonly DefenceName[] = [
  'none',
  'fim',
  'fim-min',
  'random-class',
  'random-query',
  'gaussian',
  'round',
  'reverse-sigmoid',
  'mad',
  'mad-argmax',
  'adaptive-misinformation',
  'top1',
];

const STEP_DEFENCES: readonly DefenceName[] = [
  'fim',
  'fim-min',
  'random-class',
  'random-query',
  'gaussian',
  'mad',
  'mad-argmax',
];

/** Defences that never change the served label (argmax of the answer = argmax of ŷ). */
export const LABEL_PRESERVING: readonly DefenceName[] = [
  'none',
  'fim',
  'fim-min',
  'random-class',
  'random-query',
  'gaussian',
  'mad-argmax',
  'top1',
];

/** Whether a defence takes ε (the step defences' ‖δy‖₂; MAD's L1 budget); the others ignore it. */
export function usesEpsilon(defence: DefenceName): boolean {
  return STEP_DEFENCES.includes(defence);
}

/** Parses a defence name; 'random' is the former name of 'random-query'. Returns undefined when unknown. */
export function parseDefence(name: string): DefenceName | undefined {
  if (name === 'random') return 'random-query';
  return (DEFENCES as readonly string[]).includes(name) ? (name as DefenceName) : undefined;
}

export interface DefenceOptions {
  readonly defence: DefenceName;
  /** Step size ‖δy‖₂ of the step defences (absolute, or × ‖ŷ‖₂ when `relative`). */
  readonly epsilon?: number;
  readonly relative?: boolean;
  /** 'simplex' (probability vectors, default) or 'box' (entries in [0, 1]). */
  readonly view?: AnswerView;
  /** 'round': decimals kept (default 1). */
  readonly decimals?: number;
  /** 'reverse-sigmoid': strength β (default 1) and γ (default 0.1). */
  readonly beta?: number;
  readonly gamma?: number;
  /** Samples of h_{N−1} for the victim's class probabilities (default 32, drawn from a stream seeded by the query; exact when every hidden layer is enumerable). */
  readonly samples?: number;
  /** FIM estimator for the per-class cache (default Monte Carlo, S=2000, 8 pools × 4096). */
  readonly fisher?: Partial<FisherOptions>;
  /** 'adaptive-misinformation': the defender's in-distribution inputs (e.g. its training data), rows × n_0. */
  readonly reference?: Matrix<Float64Array>;
  /** 'adaptive-misinformation': quantile of the reference scores used as the OOD threshold τ (default 0.05). */
  readonly quantile?: number;
  /** Seed of the defender's own randomness. */
  readonly seed?: number;
  /** 'fim': precomputed per-class directions (e.g. shared by several services); computed lazily otherwise. */
  readonly directions?: ClassDirections;
}

/** The per-class cache of the 'fim' and 'fim-min' defences, computed at the one-hot outputs e_c. */
export interface ClassDirections {
  /** λ₁ of F̃(e_c) for every class. */
  readonly eigenvalues: Float64Array;
  /** v₁ of F̃(e_c) (unit, the eigensolver's sign). */
  readonly directions: readonly Float64Array[];
  /** F̃(e_c) itself (classes × classes, row-major), for δyᵀF̃δy. */
  readonly fisher: readonly Float64Array[];
  /** Top three eigenvectors of F̃ restricted to Σδ = 0 (unit), the fim defence's candidates. */
  readonly candidates: readonly (readonly Float64Array[])[];
  /** The smallest-eigenvalue eigenvector of F̃ restricted to Σδ = 0 (unit), the fim-min control. */
  readonly smallest: readonly Float64Array[];
}

/**
 * F̃(e_c) (eq. 20) at every one-hot output e_c and its eigen-directions: Monte
 * Carlo with S = 2000 and 8 pools of 4096 unless `fisher` says otherwise, class c
 * seeded with seed + c. Restricted to the simplex's tangent space, the matrix is
 * P F̃ P with P = I − 11ᵀ/n, whose eigenvector along 1 (eigenvalue 0) is dropped.
 */
export function classPoisonDirections(
  be: Backend,
  net: DeepRbm,
  options: { fisher?: Partial<FisherOptions>; seed?: number } = {},
): ClassDirections {
  const steps = classPoisonDirectionsStepwise(be, net, options);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * classPoisonDirections one class at a time: yields the number of classes done
 * after each, so a server can answer its health checks between them.
 */
export function* classPoisonDirectionsStepwise(
  be: Backend,
  net: DeepRbm,
  options: { fisher?: Partial<FisherOptions>; seed?: number } = {},
): Generator<number, ClassDirections, void> {
  const classes = net.layers[net.layers.length - 1]!.W.rows;
  const seed = options.seed ?? 1;
  const eigenvalues = new Float64Array(classes);
  const directions: Float64Array[] = [];
  const fisher: Float64Array[] = [];
  const candidates: Float64Array[][] = [];
  const smallest: Float64Array[] = [];
  for (let k = 0; k < classes; k++) {
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
    directions.push(top.vectors[0]!);
    fisher.push(F.data.slice());
    // P F P, P = I − 11ᵀ/n
    const n = classes;
    const PF = matrix(n, n);
    const rowMean = new Float64Array(n);
    const colMean = new Float64Array(n);
    let all = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const f = F.data[i * n + j]!;
        rowMean[i]! += f / n;
        colMean[j]! += f / n;
        all += f / (n * n);
      }
    }
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) PF.data[i * n + j] = F.data[i * n + j]! - rowMean[i]! - colMean[j]! + all;
    const eig = be.symmetricEigen(PF);
    const vectors = Array.from({ length: n }, (_, j) =>
      Float64Array.from({ length: n }, (_, i) => eig.vectors.data[i * n + j]!),
    );
    // drop the constant direction (the one most aligned with 1)
    let constant = 0;
    let best = -1;
    vectors.forEach((v, j) => {
      const c = Math.abs(v.reduce((a, b) => a + b, 0));
      if (c > best) {
        best = c;
        constant = j;
      }
    });
    const tangent = vectors.filter((_, j) => j !== constant);
    candidates.push(tangent.slice(0, 3));
    smallest.push(tangent[tangent.length - 1]!);
    if (k < classes - 1) yield k + 1;
  }
  return { eigenvalues, directions, fisher, candidates, smallest };
}

/** Whether a defence needs the per-class FIM cache (ClassDirections) to answer. */
export function needsClassDirections(defence: DefenceName, strength: number): boolean {
  return (defence === 'fim' || defence === 'fim-min') && strength > 0;
}

/**
 * ŷ rounded to multiples of 10^−decimals that still sum to 1 (largest remainder:
 * round down, then give the missing units to the largest remainders, ties to the
 * larger probability), so the label is kept unless ŷ's top two are within one unit.
 */
export function roundOnSimplex(y: Float64Array, decimals: number): Float64Array {
  const units = 10 ** decimals;
  const floors = Array.from(y, (v) => Math.floor(v * units + 1e-9));
  let missing = units - floors.reduce((a, b) => a + b, 0);
  const order = Array.from(y, (_, i) => i).sort(
    (i, j) => y[j]! * units - floors[j]! - (y[i]! * units - floors[i]!) || y[j]! - y[i]!,
  );
  for (const i of order) {
    if (missing <= 0) break;
    floors[i]!++;
    missing--;
  }
  return Float64Array.from(floors, (f) => f / units);
}

/** δᵀFδ for a row-major n×n F. */
function quadratic(F: Float64Array, d: Float64Array): number {
  const n = d.length;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += d[i]! * F[i * n + j]! * d[j]!;
  return s;
}

export interface ServedBatch {
  /** Clean answers ŷ (rows × classes). */
  readonly clean: Matrix<Float64Array>;
  /** Served answers ŷ′ (rows × classes). */
  readonly served: Matrix<Float64Array>;
  /** Fraction of queries whose step had to be shrunk (fim / random / gaussian). */
  readonly shrunk: number;
}

export interface PredictionService {
  readonly defence: DefenceName;
  /** Answers a batch of inputs (rows × n_0, values in [0, 1]). */
  answer(inputs: Matrix<Float64Array>): ServedBatch;
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
  const view = options.view ?? 'simplex';
  const eps = options.epsilon ?? 0;
  const seed = options.seed ?? 1;
  const noiseRng: Rng = createRng(seed + 101);
  // per-class cache of v₁ at the one-hot outputs (given, or computed lazily once)
  let cache = options.directions;
  let surrogate: Surrogate | undefined;
  let scorer: OodScorer | undefined;
  const directions = (): ClassDirections => {
    cache ??= classPoisonDirections(be, net, { ...(options.fisher ? { fisher: options.fisher } : {}), seed });
    return cache;
  };
  // random directions are drawn in the space the answer can move in (Σδ = 0 for the
  // simplex), so their whole length ε is spent, as fim's is
  const randomDirection = (rng: Rng): Float64Array => {
    const v = Float64Array.from({ length: classes }, () => rng.nextGaussian());
    if (view === 'simplex') {
      const mean = v.reduce((a, b) => a + b, 0) / classes;
      for (let j = 0; j < classes; j++) v[j]! -= mean;
    }
    return normalise(v);
  };
  // random-class: one fixed unit direction per class, seeded by (seed, class)
  const classDirection = (c: number): Float64Array => randomDirection(createRng(seed * 1000 + 17 + c));
  // ŷ(x) must not depend on which other queries share its batch (in process vs over
  // HTTP in batches of 64): a sampled estimate draws from a stream seeded by the query
  const enumerable = hiddenEnumerable(net);
  /** ŷ for every input row (rows × classes), one matrix. */
  const clean = (inputs: Matrix<Float64Array>): Matrix<Float64Array> => {
    if (enumerable) return classProbabilitiesAuto(be, net, inputs);
    const out = matrix(inputs.rows, classes);
    rowViews(inputs).forEach((x, r) => {
      const p = classProbabilitiesAuto(
        be,
        net,
        { rows: 1, cols: inputs.cols, data: x },
        {
          samples: options.samples ?? 32,
          rng: createRng(hashSeed(x, seed + 7)),
        },
      );
      out.data.set(p.data.subarray(0, classes), r * classes);
    });
    return out;
  };
  return {
    defence: options.defence,
    warm() {
      const t0 = performance.now();
      if ((options.defence === 'fim' || options.defence === 'fim-min') && eps > 0) directions();
      return (performance.now() - t0) / 1000;
    },
    answer(input) {
      const cleanAnswers = clean(input);
      const ys = rowViews(cleanAnswers);
      const inputs = rowViews(input);
      let oodScores: Float64Array | undefined;
      if (options.defence === 'adaptive-misinformation') {
        if (options.reference === undefined) {
          throw new RangeError(
            "adaptive-misinformation needs the defender's in-distribution inputs (options.reference)",
          );
        }
        scorer ??= bottomRbmScorer(be, net, options.reference, options.quantile ?? 0.05);
        oodScores = scorer.score(input);
      }
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
        /** Of the candidate directions (each with either sign), the served answer maximising `score`. */
        const bestOf = (dirs: readonly Float64Array[], score: (served: Float64Array) => number) => {
          if (step === 0) return y;
          let best: { served: Float64Array; scale: number } | undefined;
          let bestScore = -Infinity;
          for (const dir of dirs) {
            for (const sign of [1, -1]) {
              const res = constrainStep(
                y,
                dir.map((v) => sign * v * step),
                view,
              );
              const sc = score(res.served);
              // the + sign unless the other is clearly better (equal-length steps must not flip on rounding)
              if (best === undefined || sc > bestScore + 1e-12 * Math.abs(bestScore) + 1e-15) {
                bestScore = sc;
                best = res;
              }
            }
          }
          if (best!.scale < 1) shrunk++;
          return best!.served;
        };
        const sqDist = (served: Float64Array) => served.reduce((a, v, j) => a + (v - y[j]!) ** 2, 0);
        switch (options.defence) {
          case 'none':
            return y;
          case 'fim': {
            const c = argmax(y);
            const F = directions().fisher[c]!;
            return bestOf(directions().candidates[c]!, (served) =>
              quadratic(
                F,
                served.map((v, j) => v - y[j]!),
              ),
            );
          }
          case 'fim-min':
            return bestOf([directions().smallest[argmax(y)]!], sqDist);
          case 'random-class':
            return bestOf([classDirection(argmax(y))], sqDist);
          case 'random-query':
            return perturb(randomDirection(createRng(hashSeed(inputs[r]!, seed))));
          case 'gaussian':
            return perturb(Float64Array.from({ length: classes }, () => noiseRng.nextGaussian() / Math.sqrt(classes)));
          case 'round':
            return view === 'simplex'
              ? roundOnSimplex(y, options.decimals ?? 1)
              : y.map((v) => Math.round(v * 10 ** (options.decimals ?? 1)) / 10 ** (options.decimals ?? 1));
          case 'reverse-sigmoid': {
            const beta = options.beta ?? 1;
            const gamma = options.gamma ?? 0.1;
            const logit = (p: number) => Math.log(Math.max(p, 1e-12) / Math.max(1 - p, 1e-12));
            const r2 = y.map((p) => p - beta * (1 / (1 + Math.exp(-gamma * logit(p))) - 0.5));
            const z = r2.reduce((a, b) => a + Math.max(b, 0), 0);
            return r2.map((v) => (z > 0 ? Math.max(v, 0) / z : 1 / classes));
          }
          case 'mad':
          case 'mad-argmax': {
            if (eps === 0) return y;
            surrogate ??= randomSurrogate(classes, inputs[r]!.length, seed + 31);
            return madAnswer(y, surrogateProbabilities(surrogate, inputs[r]!), eps, options.defence === 'mad-argmax');
          }
          case 'adaptive-misinformation':
            return misinformedAnswer(y, oodScores![r]!, scorer!);
          case 'top1': {
            const k = argmax(y);
            return y.map((_, j) => (j === k ? 1 : 0));
          }
        }
      });
      return {
        clean: cleanAnswers,
        served: matrix(served.length, classes, fromRows(served).data),
        shrunk: shrunk / Math.max(1, ys.length),
      };
    },
  };
}

/** Label agreement of served vs clean answers and mean ‖δy‖₁. */
export function utility(batch: ServedBatch): { labelAgreement: number; meanL1: number } {
  let agree = 0;
  let l1 = 0;
  const served = rowViews(batch.served);
  rowViews(batch.clean).forEach((y, r) => {
    const s = served[r]!;
    if (argmax(y) === argmax(s)) agree++;
    for (let j = 0; j < y.length; j++) l1 += Math.abs(s[j]! - y[j]!);
  });
  const n = Math.max(1, batch.clean.rows);
  return { labelAgreement: agree / n, meanL1: l1 / n };
}
