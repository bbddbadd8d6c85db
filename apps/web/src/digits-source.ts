/** The page's test digits, from the shipped MNIST (Node side: scripts and tests only). */
import { loadMnist } from '@rgdl/rbm';
import type { DigitsDocument } from './digits.js';

export const DIGIT_COUNT = 200;

export function digitsDocument(): DigitsDocument {
  const d = loadMnist({ size: 14, split: 'test', limit: DIGIT_COUNT });
  const rows: string[] = [];
  for (let r = 0; r < d.x.rows; r++) {
    let s = '';
    for (let j = 0; j < d.x.cols; j++) s += d.x.data[r * d.x.cols + j]! >= 0.5 ? '1' : '0';
    rows.push(s);
  }
  return {
    source: `mnist test split, first ${DIGIT_COUNT} digits, 14×14 average-pooled, binarised at 0.5`,
    side: 14,
    labels: Array.from(d.labels),
    rows,
  };
}
