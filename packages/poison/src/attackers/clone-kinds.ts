/**
 * The plain attackers, one pair per clone kind (clones.ts): the clone trained on
 * the served (soft) answers, and the same clone on their one-hot argmax (the
 * labels-only attacker, whose "soft clone − labels-only clone" gap on an
 * undefended source bounds what any label-preserving defence can take).
 */
import { trainClone, type CloneKind } from '../clones.js';
import { defineAttacker, mapRows, oneHotOf } from './attacker.js';

/** Each kind's soft clone, then its labels-only twin, in this order. */
const ORDER: Record<CloneKind, number> = { softmax: 0, mlp: 2, eq14: 4 };

const SUMMARY: Record<CloneKind, string> = {
  softmax: 'multinomial logistic regression (knockoff)',
  mlp: 'one hidden layer of 64 tanh units (knockoff)',
  eq14: "the victim's architecture trained by eq. 14 (the paper's attacker)",
};

function soft<const K extends CloneKind>(kind: K) {
  return defineAttacker({
    name: kind,
    order: ORDER[kind],
    summary: `${SUMMARY[kind]} on the served answers`,
    clone: kind,
    labelsOnly: false,
    costly: kind !== 'softmax',
    train: (be, x, served, options) => trainClone(be, kind, x, served, options),
  });
}

function labels<const K extends CloneKind>(kind: K) {
  return defineAttacker({
    name: `${kind}-labels` as const,
    order: ORDER[kind] + 1,
    summary: `${SUMMARY[kind]} on the argmax of the served answers`,
    clone: kind,
    labelsOnly: true,
    costly: kind !== 'softmax',
    train: (be, x, served, options) => trainClone(be, kind, x, mapRows(served, oneHotOf), options),
  });
}

export const softmax = soft('softmax');
export const softmaxLabels = labels('softmax');
export const mlp = soft('mlp');
export const mlpLabels = labels('mlp');
export const eq14 = soft('eq14');
export const eq14Labels = labels('eq14');
