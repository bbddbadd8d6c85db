/**
 * The attacker: what it trains its clone on, given its queries x and the served
 * answers ŷ′ (one place for `runCloneAttack` and `runFairTest`); each attacker is
 * a module under attackers/ (registry.ts):
 *  - 'softmax', 'mlp', 'eq14':  the clone of that kind on the served (soft) answers;
 *  - '<kind>-labels':           the same on the one-hot argmax of the served answers.
 *                               A label-preserving defence serves these exactly the
 *                               clean labels, so "soft clone − labels-only clone"
 *                               on an undefended source bounds what any
 *                               label-preserving defence can take from that attacker;
 *  - 'adaptive':                a softmax clone on whichever of soft, argmax or
 *                               temperature-sharpened (T = ½) targets agrees best
 *                               with the served labels on a held-out fifth of its
 *                               own queries, then refitted on all of them.
 * The query subset of a seed (`querySubset`) is the same for every source, so
 * sources are compared on paired seeds.
 */
import { seedFor, createRng, matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { pickRows } from './attackers/attacker.js';
import { attackerDescriptor, type Attacker } from './attackers/registry.js';
import type { Clone, CloneKind, CloneOptions } from './clones.js';
import { argmax } from './constrain.js';

export { ATTACKER_REGISTRY, ATTACKERS, attackerDescriptor, type Attacker } from './attackers/registry.js';
export type { AttackerDescriptor } from './attackers/attacker.js';
export { pickRows, rowLabels } from './attackers/attacker.js';

/** Attackers that see only labels (identical for every label-preserving source). */
export function labelsOnly(attacker: Attacker): boolean {
  return attackerDescriptor(attacker).labelsOnly;
}

/** The clone kind an attacker trains. */
export function cloneKindOf(attacker: Attacker): CloneKind {
  return attackerDescriptor(attacker).clone;
}

/** Trains the attacker's clone on queries x and served answers (rows × classes), by its registered module. */
export function trainAttacker(
  be: Backend,
  attacker: Attacker,
  x: Matrix<Float64Array>,
  served: Matrix<Float64Array>,
  options: CloneOptions,
): Clone {
  return attackerDescriptor(attacker).train(be, x, served, options);
}

/** The first k of a seeded permutation of 0 … n−1 (the attacker's queries for one seed). */
export function querySubset(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k);
}

/**
 * One attack: seed s draws `budget` of the pool's rows (the same rows for every
 * source), the attacker trains on them and their served answers, and the clone's
 * accuracy on the test inputs is returned with the clone.
 */
export function attackOnce(
  be: Backend,
  attacker: Attacker,
  pool: Matrix<Float64Array>,
  served: Matrix<Float64Array>,
  budget: number,
  seed: number,
  widths: readonly number[],
  extras: Pick<CloneOptions, 'ask' | 'published'> = {},
): Clone {
  const idx = querySubset(pool.rows, Math.min(budget, pool.rows), seedFor('attacker-queries', seed));
  return trainAttacker(be, attacker, pickRows(pool, idx), pickRows(served, idx), { widths, seed, ...extras });
}
