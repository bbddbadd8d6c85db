/**
 * The registry of defences: every module under defences/ in one ordered list.
 * Everything that lists defences derives from it: the names (DefenceName,
 * DEFENCES), the label-keeping ones, the strengths, the CLI's choices, the
 * page's list and the fair grid's arms. A new defence is a new module in this
 * folder and nothing else: modules.generated.ts (written by scripts/registries.mjs
 * when the package builds, typechecks or tests) imports every module here.
 */
import type { DefenceDescriptor } from './defence.js';
import { collectDescriptors, type ValuesOf } from '../collect-descriptors.js';
import { MODULES } from './modules.generated.js';

/** What the folder's modules export that is a defence descriptor. */
type Descriptors = Extract<ValuesOf<(typeof MODULES)[number]>, DefenceDescriptor<string>>;

/** Every defence the folder's modules export, by `order` (then name). */
export const DEFENCE_REGISTRY: readonly Descriptors[] = collectDescriptors(
  MODULES,
  (v: unknown): v is Descriptors =>
    typeof v === 'object' && v !== null && 'armName' in v && 'keepsLabel' in v && 'create' in v,
);

export type DefenceName = (typeof DEFENCE_REGISTRY)[number]['name'];

/** Every defence name, in registry order. */
export const DEFENCES: readonly DefenceName[] = DEFENCE_REGISTRY.map((d) => d.name);

/** The descriptor of `name`. @throws RangeError for an unknown name */
export function defenceDescriptor(name: string): DefenceDescriptor<DefenceName> {
  const d = DEFENCE_REGISTRY.find((x) => x.name === name);
  if (d === undefined) throw new RangeError(`unknown defence '${name}' (known: ${DEFENCES.join(', ')})`);
  return d as DefenceDescriptor<DefenceName>;
}

/** Defences that never change the served label (argmax of the answer = argmax of ŷ). */
export const LABEL_PRESERVING: readonly DefenceName[] = DEFENCE_REGISTRY.filter((d) => d.keepsLabel).map((d) => d.name);
