/**
 * One strength per defence: the knob that trades the defender's cost (mean
 * ‖ŷ′ − ŷ‖₁, labels lost) against protection, with its name, meaning, range and
 * the default a server uses, read from each defence's descriptor
 * (defences/*.ts). `rgdl serve --strength`, GET /v1/model and the fair test's
 * sweeps all read it from here, so a strength means the same everywhere.
 */
import type { DefenceStrength } from './defences/defence.js';
import { DEFENCE_REGISTRY, defenceDescriptor, type DefenceName } from './defences/registry.js';
import type { DefenceOptions } from './defences.js';

export type { DefenceStrength } from './defences/defence.js';

/** The strength of every defence; `null` for those that have none ('none', 'top1'). */
export const DEFENCE_STRENGTHS: Readonly<Record<DefenceName, DefenceStrength | null>> = Object.fromEntries(
  DEFENCE_REGISTRY.map((d) => [d.name, d.strength]),
) as Record<DefenceName, DefenceStrength | null>;

/** The createService options that give `defence` strength `s` (what `s` means: DEFENCE_STRENGTHS). */
export function strengthOptions(defence: DefenceName, s: number): Partial<DefenceOptions> {
  return defenceDescriptor(defence).strengthOptions(s);
}

/**
 * Checks `s` against the defence's range; returns a one-line reason when it is
 * outside it, else undefined (defences without a strength accept anything).
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
