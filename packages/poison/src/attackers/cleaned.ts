/**
 * 'cleaned-mlp-labels': the labels-only MLP after label-noise cleaning (the
 * confident-learning idea, Northcutt et al. 2021). CLEANING_FOLDS cross-fitted
 * MLPs on the served labels rank each query's own label out of fold; a query
 * whose label is not among the CLEANING_TOP classes its fold model finds most
 * likely is dropped, and the MLP is trained on the rest (a rank, not a
 * probability: an MLP fitted to a few hundred labels is confident enough that a
 * probability threshold also drops the victim's own borderline labels). A watermark trigger (a keyed wrong label drawn from the classes
 * the clean answer finds least likely) is exactly what such cleaning removes,
 * so this is the attacker who undoes what the watermark's published form lets
 * it undo: the clone keeps the victim's labels and loses the owner's triggers.
 * Cost: the attacker's queries only; compute: CLEANING_FOLDS + 1 MLP fits.
 */
import type { Backend, Matrix } from '@rgdl/gpu-kernels';
import { trainClone, type CloneOptions } from '../clones.js';
import { argmax } from '../constrain.js';
import { defineAttacker, mapRows, oneHotOf, pickRows } from './attacker.js';

/** How many folds the out-of-fold probabilities come from. */
export const CLEANING_FOLDS = 4;

/** A query is kept when its own label is among this many of its fold model's most likely classes. */
export const CLEANING_TOP = 2;

/**
 * The rows whose label (the argmax of `labels`, rows × classes) is not among
 * the CLEANING_TOP most likely classes of an MLP trained on the other folds
 * (row r is in fold r mod CLEANING_FOLDS); none when there are fewer than two
 * rows a fold.
 */
export function implausibleRows(
  be: Backend,
  x: Matrix<Float64Array>,
  labels: Matrix<Float64Array>,
  options: CloneOptions,
): number[] {
  const n = x.rows;
  if (n < 2 * CLEANING_FOLDS) return [];
  const K = labels.cols;
  const implausible: number[] = [];
  for (let f = 0; f < CLEANING_FOLDS; f++) {
    const held: number[] = [];
    const rest: number[] = [];
    for (let r = 0; r < n; r++) (r % CLEANING_FOLDS === f ? held : rest).push(r);
    const fold = trainClone(be, 'mlp', pickRows(x, rest), pickRows(labels, rest), options);
    const p = fold.predict(pickRows(x, held));
    held.forEach((r, i) => {
      const label = argmax(labels.data.subarray(r * K, (r + 1) * K));
      const own = p.data[i * K + label]!;
      let above = 0;
      for (let c = 0; c < K; c++) if (p.data[i * K + c]! > own) above++;
      if (above >= CLEANING_TOP) implausible.push(r);
    });
  }
  return implausible.sort((a, b) => a - b);
}

export const cleanedMlpLabels = defineAttacker({
  name: 'cleaned-mlp-labels',
  order: 15,
  summary:
    'the MLP on the argmax of the served answers after dropping the labels its own cross-fitted MLPs rank below second',
  clone: 'mlp',
  labelsOnly: true,
  costly: true,
  train(be, x, served, options) {
    const labels = mapRows(served, oneHotOf);
    const drop = new Set(implausibleRows(be, x, labels, options));
    // everything implausible (a degenerate stream): train on all of it rather than on nothing
    const keep = Array.from({ length: x.rows }, (_, r) => r).filter((r) => !drop.has(r));
    if (keep.length === 0 || drop.size === 0) return trainClone(be, 'mlp', x, labels, options);
    return trainClone(be, 'mlp', pickRows(x, keep), pickRows(labels, keep), options);
  },
});
