/**
 * The registry of attackers: every module under attackers/ in one ordered list.
 * The names (Attacker, ATTACKERS), the labels-only ones and the costly ones
 * derive from it. A new attacker is a new module here.
 */
import { adaptive } from './adaptive.js';
import type { AttackerDescriptor } from './attacker.js';
import { eq14, eq14Labels, mlp, mlpLabels, softmax, softmaxLabels } from './clone-kinds.js';
import { softmaxSharpened } from './softmax-sharpened.js';

/** Every attacker, in the order tables list them. */
export const ATTACKER_REGISTRY = [
  softmax,
  softmaxLabels,
  mlp,
  mlpLabels,
  eq14,
  eq14Labels,
  adaptive,
  softmaxSharpened,
] as const;

export type Attacker = (typeof ATTACKER_REGISTRY)[number]['name'];

/** Every attacker name, in registry order. */
export const ATTACKERS: readonly Attacker[] = ATTACKER_REGISTRY.map((a) => a.name);

/** The descriptor of `name`. @throws RangeError for an unknown name */
export function attackerDescriptor(name: string): AttackerDescriptor<Attacker> {
  const a = ATTACKER_REGISTRY.find((x) => x.name === name);
  if (a === undefined) throw new RangeError(`unknown attacker '${name}' (known: ${ATTACKERS.join(', ')})`);
  return a as AttackerDescriptor<Attacker>;
}
