/**
 * One strength per defence: the knob that trades the defender's cost (mean
 * ‖ŷ′ − ŷ‖₁, labels lost) against protection, with its name, meaning, range and
 * the default a server uses. `rgdl serve --strength`, GET /v1/model and the fair
 * test's sweeps all read it from here, so a strength means the same everywhere.
 */
import type { DefenceName, DefenceOptions } from './defences.js';

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
}

const STEP = (meaning: string): DefenceStrength => ({
  symbol: 'ε',
  meaning,
  min: 0,
  max: 10,
  integer: false,
  fallback: 0.05,
});

/** The strength of every defence; `null` for the two that have none ('none', 'top1'). */
export const DEFENCE_STRENGTHS: Readonly<Record<DefenceName, DefenceStrength | null>> = {
  none: null,
  top1: null,
  fim: STEP('step ‖δy‖₂ along the top FIM eigenvector'),
  'fim-min': STEP('step ‖δy‖₂ along the smallest-eigenvalue direction'),
  'random-class': STEP('step ‖δy‖₂ along a fixed random direction per class'),
  'random-query': STEP('step ‖δy‖₂ along a fresh random direction per query'),
  gaussian: STEP('standard deviation × √classes of Gaussian noise'),
  mad: STEP('L1 budget ‖δy‖₁ of the MAD perturbation'),
  'mad-argmax': STEP('L1 budget ‖δy‖₁ of the label-keeping MAD perturbation'),
  'reverse-sigmoid': {
    symbol: 'β',
    meaning: 'reverse-sigmoid strength β (γ = 0.1)',
    min: 0,
    max: 2,
    integer: false,
    fallback: 0.25,
  },
  'adaptive-misinformation': {
    symbol: 'q',
    meaning: 'quantile of in-distribution scores below which a query is called OOD and misinformed',
    min: 0.001,
    max: 0.5,
    integer: false,
    fallback: 0.05,
  },
  round: {
    symbol: 'k',
    meaning: 'decimals kept (answers rounded to multiples of 10^−k on the simplex)',
    min: 0,
    max: 9,
    integer: true,
    fallback: 1,
  },
};

/** The createService options that give `defence` strength `s` (what `s` means: DEFENCE_STRENGTHS). */
export function strengthOptions(defence: DefenceName, s: number): Partial<DefenceOptions> {
  switch (defence) {
    case 'reverse-sigmoid':
      return { beta: s, gamma: 0.1 };
    case 'adaptive-misinformation':
      return { quantile: s };
    case 'round':
      return { decimals: s };
    case 'none':
    case 'top1':
      return {};
    default:
      return { epsilon: s };
  }
}

/**
 * Checks `s` against the defence's range; returns a one-line reason when it is
 * outside it (or when the defence takes no strength and `s` ≠ 0), else undefined.
 */
export function strengthProblem(defence: DefenceName, s: number): string | undefined {
  const d = DEFENCE_STRENGTHS[defence];
  if (d === null) return undefined;
  if (!Number.isFinite(s) || s < d.min || s > d.max)
    return `the strength of ${defence} (${d.symbol}: ${d.meaning}) must lie in [${d.min}, ${d.max}], got ${s}`;
  if (d.integer && !Number.isInteger(s)) return `the strength of ${defence} (${d.symbol}) must be an integer, got ${s}`;
  return undefined;
}

/** 'fim ε=0.2', 'reverse-sigmoid β=0.25', 'none'. */
export function strengthLabel(defence: DefenceName, s: number): string {
  const d = DEFENCE_STRENGTHS[defence];
  return d === null ? defence : `${defence} ${d.symbol}=${s}`;
}
