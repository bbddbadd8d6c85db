/**
 * What a defence is: one module under defences/ exporting a descriptor (its
 * name, whether it keeps the label, its strength, what it needs) and a
 * constructor of its per-row answer. createService (defences.ts) runs any of
 * them; every list of defences (names, label-keeping ones, CLI choices, the
 * page's list, the fair grid's arms) is derived from the registry (registry.ts).
 */
import { createRng, type Backend, type Matrix, type Rng } from '@rgdl/gpu-kernels';
import type { FisherOptions } from '@rgdl/fisher';
import type { DeepRbm } from '@rgdl/rbm';
import { constrainStep, type AnswerView } from '../constrain.js';

/** The strength of a defence: the knob that trades the defender's cost against protection. */
export interface DefenceStrength {
  /** Symbol used in tables and flags' help (ε, β, q, k). */
  readonly symbol: string;
  /** What the number is, in a few words. */
  readonly meaning: string;
  /** Inclusive range a user may ask for. */
  readonly min: number;
  readonly max: number;
  /** Whether only integers are meaningful (decimals of 'round'). */
  readonly integer: boolean;
  /** The default of `rgdl serve` (inside the fair test's sweep where it has one). */
  readonly fallback: number;
  /** Whether the defender's cost grows ('up') or shrinks ('down') as the strength grows. */
  readonly cost: 'up' | 'down';
}

/** The per-class cache of the 'fim' and 'fim-min' defences, computed at the one-hot outputs e_c. */
export interface ClassDirections {
  /** λ₁ of F̃(e_c) for every class. */
  readonly eigenvalues: Float64Array;
  /** λ₁'s standard error per class (jackknife over batches; NaN for an estimator that gives none). */
  readonly lambda1Errors: Float64Array;
  /** The gap λ₁ − λ₂ per class with its error, `degenerate` when within 3 errors of 0 (null for an estimator that gives none). */
  readonly gaps: readonly ({ readonly value: number; readonly stderr: number; readonly degenerate: boolean } | null)[];
  /** v₁ of F̃(e_c) (unit, the eigensolver's sign). */
  readonly directions: readonly Float64Array[];
  /** F̃(e_c) itself (classes × classes, row-major), for δyᵀF̃δy. */
  readonly fisher: readonly Float64Array[];
  /** Top three eigenvectors of F̃ restricted to Σδ = 0 (unit), the fim defence's candidates. */
  readonly candidates: readonly (readonly Float64Array[])[];
  /** The smallest-eigenvalue eigenvector of F̃ restricted to Σδ = 0 (unit), the fim-min control. */
  readonly smallest: readonly Float64Array[];
}

/** The settings of a defence (createService's DefenceOptions without the defence's name). */
export interface DefenceSettings {
  /** Step size ‖δy‖₂ of the step defences (absolute, or × ‖ŷ‖₂ when `relative`); MAD's L1 budget. */
  readonly epsilon?: number;
  readonly relative?: boolean;
  /** 'simplex' (probability vectors, default) or 'box' (entries in [0, 1]). */
  readonly view?: AnswerView;
  /** 'round', 'rounded': decimals kept (default 1). */
  readonly decimals?: number;
  /** 'reverse-sigmoid': strength β (default 1) and γ (default 0.1). */
  readonly beta?: number;
  readonly gamma?: number;
  /** Samples of h_{N−1} for the victim's class probabilities (default 32, drawn from a stream seeded by the query; exact when every hidden layer is enumerable). */
  readonly samples?: number;
  /** FIM estimator for the per-class cache (default CLASS_FISHER_DEFAULTS: Gibbs, missing information, S = 4000, K = 8, 8 batches). */
  readonly fisher?: Partial<FisherOptions>;
  /** 'adaptive-misinformation': the defender's in-distribution inputs (e.g. its training data), rows × n_0. */
  readonly reference?: Matrix<Float64Array>;
  /** 'adaptive-misinformation': quantile of the reference scores used as the OOD threshold τ (default 0.05). */
  readonly quantile?: number;
  /**
   * The strength of a defence whose knob has no field above (its descriptor's
   * strengthOptions sets it; the defence reads ctx.options.strength), so a new
   * defence needs no new field here.
   */
  readonly strength?: number;
  /** Seed of the defender's own randomness. */
  readonly seed?: number;
  /** 'fim': precomputed per-class directions (e.g. shared by several services); computed lazily otherwise. */
  readonly directions?: ClassDirections;
}

/** What a defence may use to answer: the victim, the options, the FIM cache and the step helpers. */
export interface DefenceContext {
  readonly be: Backend;
  readonly net: DeepRbm;
  readonly classes: number;
  readonly view: AnswerView;
  readonly seed: number;
  readonly options: DefenceSettings;
  /** ε (absolute, > 0 or 0). */
  readonly epsilon: number;
  /** The per-class FIM cache (given in the options, or computed once on first use). */
  directions(): ClassDirections;
  /** A unit direction drawn from `rng` in the space the answer can move in (Σδ = 0 for the simplex). */
  randomDirection(rng: Rng): Float64Array;
}

/** One served answer; `shrunk` when a step had to be shortened to stay valid and keep the label. */
export interface RowAnswer {
  readonly served: Float64Array;
  readonly shrunk?: boolean;
}

/** A defence bound to a victim: answers one row at a time (after `prepare` sees the batch). */
export interface DefenceInstance {
  /** Called once per batch before its rows (e.g. the OOD scores of adaptive misinformation). */
  prepare?(inputs: Matrix<Float64Array>): void;
  /** The served answer for clean ŷ = `y` of input `x`, row `r` of the batch. */
  answer(y: Float64Array, x: Float64Array, r: number): RowAnswer;
}

export interface DefenceDescriptor<Name extends string = string> {
  readonly name: Name;
  /** Its place in tables and lists (lower first); absent: after every numbered one, by name. */
  readonly order?: number;
  /** One line: what it serves instead of ŷ. */
  readonly summary: string;
  /** How verdicts name it ("a fixed random direction per class of the same size"). */
  readonly armName: string;
  /** Never changes the served label (argmax of the answer = argmax of ŷ). */
  readonly keepsLabel: boolean;
  /** Repeated queries may get different answers (fresh noise). */
  readonly randomised: boolean;
  /** Null for defences with no knob ('none', 'top1'). */
  readonly strength: DefenceStrength | null;
  /** The createService options that give strength `s`. */
  strengthOptions(s: number): Partial<DefenceSettings>;
  /** What it needs beyond the victim: the per-class FIM cache; in-distribution reference inputs. */
  readonly needs: readonly ('class-directions' | 'reference')[];
  create(ctx: DefenceContext): DefenceInstance;
}

/** Types a descriptor, keeping its name as a literal type (so the registry's names form a union). */
export function defineDefence<const Name extends string>(d: DefenceDescriptor<Name>): DefenceDescriptor<Name> {
  return d;
}

/** ε as the strength of a step defence (default 0.05), with `meaning`. */
export function stepStrength(meaning: string): DefenceStrength {
  return { symbol: 'ε', meaning, min: 0, max: 10, integer: false, fallback: 0.05, cost: 'up' };
}

export const epsilonOptions = (s: number): Partial<DefenceSettings> => ({ epsilon: s });

/** ε for this answer: absolute, or × ‖ŷ‖₂ when the options say `relative`. */
export function stepLength(ctx: DefenceContext, y: Float64Array): number {
  return (ctx.epsilon > 0 ? ctx.epsilon : 0) * (ctx.options.relative ? Math.hypot(...y) : 1);
}

/** ŷ moved by `step` along `dir`, projected and label-constrained (constrainStep). */
export function perturb(ctx: DefenceContext, y: Float64Array, dir: Float64Array): RowAnswer {
  const step = stepLength(ctx, y);
  if (step === 0) return { served: y };
  const res = constrainStep(
    y,
    dir.map((v) => v * step),
    ctx.view,
  );
  return { served: res.served, shrunk: res.scale < 1 };
}

/** Of the candidate directions (each with either sign), the served answer maximising `score`. */
export function bestOf(
  ctx: DefenceContext,
  y: Float64Array,
  dirs: readonly Float64Array[],
  score: (served: Float64Array) => number,
): RowAnswer {
  const step = stepLength(ctx, y);
  if (step === 0) return { served: y };
  let best: { served: Float64Array; scale: number } | undefined;
  let bestScore = -Infinity;
  for (const dir of dirs) {
    for (const sign of [1, -1]) {
      const res = constrainStep(
        y,
        dir.map((v) => sign * v * step),
        ctx.view,
      );
      const sc = score(res.served);
      // the + sign unless the other is clearly better (equal-length steps must not flip on rounding)
      if (best === undefined || sc > bestScore + 1e-12 * Math.abs(bestScore) + 1e-15) {
        bestScore = sc;
        best = res;
      }
    }
  }
  return { served: best!.served, shrunk: best!.scale < 1 };
}

/** ‖served − y‖₂², the score of the control directions (the longer feasible step wins). */
export const squaredDistance = (y: Float64Array) => (served: Float64Array) =>
  served.reduce((a, v, j) => a + (v - y[j]!) ** 2, 0);

/** The query's own seed: a hash of its values (to 1e-6) and a salt, so repeats get the same draw. */
export function hashSeed(x: Float64Array, salt: number): number {
  let h = 2166136261 ^ salt;
  for (let i = 0; i < x.length; i++) {
    h ^= Math.round(x[i]! * 1e6);
    h = Math.imul(h, 16777619);
  }
  return h | 0;
}
