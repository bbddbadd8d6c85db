/**
 * The registry of attackers: every module under attackers/ in one ordered list.
 * The names (Attacker, ATTACKERS), the labels-only ones and the costly ones
 * derive from it. A new attacker is a new module in this folder and nothing
 * else (modules.generated.ts, written by scripts/registries.mjs, imports them all).
 */
import type { AttackerDescriptor } from './attacker.js';
import { collectDescriptors, type ValuesOf } from '../collect-descriptors.js';
import { MODULES } from './modules.generated.js';

/** What the folder's modules export that is an attacker descriptor. */
type Descriptors = Extract<ValuesOf<(typeof MODULES)[number]>, AttackerDescriptor<string>>;

/** Every attacker the folder's modules export, by `order` (then name). */
export const ATTACKER_REGISTRY: readonly Descriptors[] = collectDescriptors(
  MODULES,
  (v: unknown): v is Descriptors =>
    typeof v === 'object' && v !== null && 'labelsOnly' in v && 'clone' in v && 'train' in v,
);

export type Attacker = (typeof ATTACKER_REGISTRY)[number]['name'];

/** Every attacker name, in registry order. */
export const ATTACKERS: readonly Attacker[] = ATTACKER_REGISTRY.map((a) => a.name);

/** The descriptor of `name`. @throws RangeError for an unknown name */
export function attackerDescriptor(name: string): AttackerDescriptor<Attacker> {
  const a = ATTACKER_REGISTRY.find((x) => x.name === name);
  if (a === undefined) throw new RangeError(`unknown attacker '${name}' (known: ${ATTACKERS.join(', ')})`);
  return a as AttackerDescriptor<Attacker>;
}
