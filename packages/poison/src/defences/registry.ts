/**
 * The registry of defences: every module under defences/ in one ordered list.
 * Everything that lists defences derives from it: the names (DefenceName,
 * DEFENCES), the label-keeping ones, the strengths, the CLI's choices, the
 * page's list and the fair grid's arms. A new defence is a new module here.
 */
import { adaptiveMisinformation } from './adaptive-misinformation.js';
import type { DefenceDescriptor } from './defence.js';
import { fim } from './fim.js';
import { fimMin } from './fim-min.js';
import { gaussian } from './gaussian.js';
import { mad } from './mad.js';
import { madArgmax } from './mad-argmax.js';
import { none } from './none.js';
import { randomClass } from './random-class.js';
import { randomQuery } from './random-query.js';
import { reverseSigmoid } from './reverse-sigmoid.js';
import { round } from './round.js';
import { rounded } from './rounded.js';
import { top1 } from './top1.js';

/** Every defence, in the order tables list them. */
export const DEFENCE_REGISTRY = [
  none,
  fim,
  fimMin,
  randomClass,
  randomQuery,
  gaussian,
  round,
  rounded,
  reverseSigmoid,
  mad,
  madArgmax,
  adaptiveMisinformation,
  top1,
] as const;

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
