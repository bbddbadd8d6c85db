import type { Matrix } from '@rgdl/gpu-kernels';
import { oneHot, type LabelledData } from './labelled.js';

/**
 * All bars-and-stripes patterns of a size×size grid (MacKay): every subset of
 * rows switched on (stripes) or every subset of columns (bars). The all-off and
 * all-on patterns arise both ways and are kept once: 2^{size+1} − 2 patterns.
 * Row-major pixels; label 0 = stripes (rows), 1 = bars (columns); the two
 * ambiguous patterns are labelled stripes.
 */
export function barsAndStripes(size: number): LabelledData {
  if (!Number.isInteger(size) || size < 1 || size > 12)
    throw new RangeError(`bars-and-stripes size must be 1…12, got ${size}`);
  const seen = new Set<string>();
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const label of [0, 1]) {
    for (let mask = 0; mask < 2 ** size; mask++) {
      const px: number[] = [];
      for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) px.push((mask >> (label === 0 ? r : c)) & 1);
      const key = px.join('');
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(px);
      labels.push(label);
    }
  }
  const x: Matrix<Float64Array> = { rows: rows.length, cols: size * size, data: Float64Array.from(rows.flat()) };
  return { x, y: oneHot(labels, 2), labels: Int32Array.from(labels), classes: 2 };
}
