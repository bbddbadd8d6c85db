/**
 * Defended prediction services with one interface: the clean answer ŷ(x) (class
 * probabilities of the victim, eq. 2) and what is served instead, by any defence
 * of the registry (defences/registry.ts: one module per defence, with its
 * descriptor). Every answer is a probability vector (the 'simplex' view) unless
 * the 'box' view is asked for, and every step goes through constrainStep (valid
 * answer, label unchanged).
 * Determinism: every defence but the randomised ones ('gaussian') answers a
 * repeated query identically, whatever the batch it comes in.
 */
import {
  seedFor,
  rngFor,
  DEFAULT_SEED,
  createRng,
  fromRows,
  matrix,
  rowViews,
  type Backend,
  type Matrix,
  type Rng,
} from '@rgdl/gpu-kernels';
import { generationFisher, topEigenpairs, type FisherOptions, type FisherResult } from '@rgdl/fisher';
import { classProbabilitiesAuto, hiddenEnumerable, type DeepRbm } from '@rgdl/rbm';
import { argmax, randomAnswerDirection } from './constrain.js';
import { hashSeed, type ClassDirections, type DefenceContext, type DefenceSettings } from './defences/defence.js';
import { DEFENCES, defenceDescriptor, type DefenceName } from './defences/registry.js';

export {
  DEFENCES,
  LABEL_PRESERVING,
  DEFENCE_REGISTRY,
  defenceDescriptor,
  type DefenceName,
} from './defences/registry.js';
export type { ClassDirections, DefenceDescriptor, DefenceSettings, DefenceStrength } from './defences/defence.js';

/** createService's options: the defence's name and its settings. */
export interface DefenceOptions extends DefenceSettings {
  readonly defence: DefenceName;
}
export { roundOnSimplex } from './defences/round.js';

/** Whether a defence takes ε (the step defences' ‖δy‖₂; MAD's L1 budget); the others ignore it. */
export function usesEpsilon(defence: DefenceName): boolean {
  return defenceDescriptor(defence).strength?.symbol === 'ε';
}

/** Parses a defence name; 'random' is the former name of 'random-query'. Returns undefined when unknown. */
export function parseDefence(name: string): DefenceName | undefined {
  if (name === 'random') return 'random-query';
  return (DEFENCES as readonly string[]).includes(name) ? (name as DefenceName) : undefined;
}

/**
 * F̃(e_c) (eq. 20) at every one-hot output e_c and its eigen-directions: Gibbs
 * posterior sampling with the missing-information estimator (CLASS_FISHER_DEFAULTS:
 * S = 4000 draws, K = 8 sweeps, 8 batches) unless `fisher` says otherwise, class c
 * from its own seeded stream. (Importance sampling from the prior, the former default, read
 * λ₁ 11–22% low at width 64.) Restricted to the simplex's tangent space, the
 * matrix is P F̃ P with P = I − 11ᵀ/n, whose eigenvector along 1 (eigenvalue 0)
 * is dropped. A near-degenerate top pair (gap λ₁ − λ₂ within 3 of its errors)
 * is flagged: v₁ alone is then noise, which the 'fim' defence meets by scoring
 * ±v₁, ±v₂ and ±v₃ with F̃ itself at every answer.
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
 * The per-class cache's estimator: Gibbs posterior sampling, missing information,
 * S = 4000 draws, K = 8 sweeps, 8 batches. On the demo victim [196, 64, 10], 24
 * caches with their own seeds spread 0.4–0.7% (one standard deviation) around a
 * 12,000-draw reference, class by class, and had all ten classes within 2% in 23
 * of the 24 (the other: class 6 at 2.04%), and 16 more all had (jackknife errors
 * calibrated: |z| ≤ 2 for 154 of 160, rms z 1.02); 10 s for ten classes on two
 * threads (`pnpm bench --suite class-fisher`).
 * 1,000 draws, the default before the WebAssembly site kernels, spread 1.3% on class 5.
 */
export const CLASS_FISHER_DEFAULTS = { method: 'gibbs', samples: 4000, sweeps: 8, batches: 8 } as const;

/** The FIM options of class c's cache entry: CLASS_FISHER_DEFAULTS, its own stream, then `fisher`. */
export function classFisherOptions(seed: number, label: number, fisher?: Partial<FisherOptions>): FisherOptions {
  return {
    ...CLASS_FISHER_DEFAULTS,
    rng: rngFor('class-direction', seed, label),
    ...fisher,
  } as FisherOptions;
}

/** F̃(e_c) of class c (eq. 20) by classFisherOptions. */
export function classFisher(
  be: Backend,
  net: DeepRbm,
  label: number,
  options: { fisher?: Partial<FisherOptions>; seed?: number } = {},
): FisherResult {
  const classes = net.layers[net.layers.length - 1]!.W.rows;
  const y = Float64Array.from({ length: classes }, (_, j) => (j === label ? 1 : 0));
  return generationFisher(be, net, y, classFisherOptions(options.seed ?? DEFAULT_SEED, label, options.fisher));
}

/** The per-class cache from F̃(e_c) of every class c (in class order), however they were computed. */
export function classDirectionsFrom(be: Backend, results: readonly FisherResult[]): ClassDirections {
  const classes = results.length;
  const eigenvalues = new Float64Array(classes);
  const lambda1Errors = new Float64Array(classes);
  const gaps: ClassDirections['gaps'][number][] = [];
  const directions: Float64Array[] = [];
  const fisher: Float64Array[] = [];
  const candidates: Float64Array[][] = [];
  const smallest: Float64Array[] = [];
  results.forEach((result, k) => {
    const F = result.F;
    const top = topEigenpairs(be, F, 1);
    eigenvalues[k] = top.values[0]!;
    lambda1Errors[k] = result.lambda1?.stderr ?? Number.NaN;
    gaps.push(result.gap ?? null);
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
  });
  return { eigenvalues, lambda1Errors, gaps, directions, fisher, candidates, smallest };
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
  const results: FisherResult[] = [];
  for (let k = 0; k < classes; k++) {
    results.push(classFisher(be, net, k, options));
    if (k < classes - 1) yield k + 1;
  }
  return classDirectionsFrom(be, results);
}

/** Whether a defence needs the per-class FIM cache (ClassDirections) to answer. */
export function needsClassDirections(defence: DefenceName, strength: number): boolean {
  return defenceDescriptor(defence).needs.includes('class-directions') && strength > 0;
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

/** A defended service around a trained victim, answering by the registry's `options.defence`. */
export function createService(be: Backend, net: DeepRbm, options: DefenceOptions): PredictionService {
  const descriptor = defenceDescriptor(options.defence);
  const classes = net.layers[net.layers.length - 1]!.W.rows;
  const view = options.view ?? 'simplex';
  const seed = options.seed ?? DEFAULT_SEED;
  // per-class cache of v₁ at the one-hot outputs (given, or computed lazily once)
  let cache = options.directions;
  const context: DefenceContext = {
    be,
    net,
    classes,
    view,
    seed,
    options,
    epsilon: options.epsilon ?? 0,
    directions() {
      cache ??= classPoisonDirections(be, net, { ...(options.fisher ? { fisher: options.fisher } : {}), seed });
      return cache;
    },
    // random directions are drawn in the space the answer can move in (Σδ = 0 for the
    // simplex), so their whole length ε is spent, as fim's is
    randomDirection: (rng: Rng) => randomAnswerDirection(rng, classes, view),
  };
  const defence = descriptor.create(context);
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
          rng: createRng(hashSeed(x, seedFor('served-probabilities', seed))),
        },
      );
      out.data.set(p.data.subarray(0, classes), r * classes);
    });
    return out;
  };
  return {
    defence: descriptor.name,
    warm() {
      const t0 = performance.now();
      if (needsClassDirections(descriptor.name, context.epsilon)) context.directions();
      return (performance.now() - t0) / 1000;
    },
    answer(input) {
      const cleanAnswers = clean(input);
      const ys = rowViews(cleanAnswers);
      const inputs = rowViews(input);
      defence.prepare?.(input);
      let shrunk = 0;
      const served = ys.map((y, r) => {
        const a = defence.answer(y, inputs[r]!, r);
        if (a.shrunk === true) shrunk++;
        return a.served;
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
