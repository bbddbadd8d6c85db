/**
 * 'smoothing': an attacker who asks again. Of its budget B it keeps n = ⌊B/4⌋
 * distinct inputs and asks for each of them three more times: once unchanged
 * and, for square images, shifted one pixel right and one pixel down (small
 * transformations a defence's per-query randomness sees as new queries). It
 * averages the four answers and trains the tuned softmax clone on the means.
 * Against fresh noise (gaussian) the repeat averages it away; against noise
 * seeded by the query (random-query) the shifts do; against deterministic
 * defences it only spends queries. Without the service (HTTP pipelines) it
 * trains on the answers it was given.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { shiftRows } from '../queries.js';
import { defineAttacker } from './attacker.js';
import { tunedClone } from './tuned.js';

/** Repeats per kept input (the answer it was given counts as one). */
const REPEATS = 4;

export const smoothing = defineAttacker({
  name: 'smoothing',
  order: 13,
  summary:
    'asks for a quarter of its inputs four times (again, and shifted by a pixel), averages, then the tuned softmax clone',
  clone: 'softmax',
  labelsOnly: false,
  costly: true,
  train(be, x, served, options) {
    if (options.ask === undefined || x.rows < REPEATS) return tunedClone(be, x, served, 'softmax', false, options.seed);
    const n = Math.floor(x.rows / REPEATS);
    const kept = matrix(n, x.cols, x.data.slice(0, n * x.cols));
    const answers = [
      matrix(n, served.cols, served.data.slice(0, n * served.cols)),
      options.ask(kept),
      options.ask(shiftRows(kept, 1, 0)),
      options.ask(shiftRows(kept, 0, 1)),
    ];
    const mean = matrix(n, served.cols);
    for (const a of answers) for (let i = 0; i < mean.data.length; i++) mean.data[i]! += a.data[i]! / REPEATS;
    return tunedClone(be, kept, mean, 'softmax', false, options.seed);
  },
});
