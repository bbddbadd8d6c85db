/**
 * The one accuracy of the project: the fraction of rows whose predicted label
 * equals the true one. Predictions are labels, or rows of scores whose argmax
 * (the first largest entry, as argmaxRows) is the label. No rows score 0.
 */
import type { Matrix } from '@rgdl/gpu-kernels';

export function accuracy(predictions: Matrix<Float64Array> | ArrayLike<number>, labels: ArrayLike<number>): number {
  const rows = 'rows' in predictions ? predictions.rows : predictions.length;
  if (labels.length < rows) throw new RangeError(`${rows} predictions but ${labels.length} labels`);
  let ok = 0;
  if ('rows' in predictions) {
    const { cols, data } = predictions;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < cols; j++) if (data[r * cols + j]! > data[r * cols + best]!) best = j;
      if (best === labels[r]) ok++;
    }
  } else {
    for (let r = 0; r < rows; r++) if (predictions[r] === labels[r]) ok++;
  }
  return rows === 0 ? 0 : ok / rows;
}
