/**
 * The out-of-distribution attacker's queries (Knockoff-style: the attacker has no
 * labelled data of the victim's task, and synthesises inputs): in equal shares,
 *  - noise: pixels drawn at the mean ink density of the attacker's digits;
 *  - blends: the pixelwise OR of two of its digits;
 *  - distortions: a digit shifted by up to 2 pixels in each direction, with 10%
 *    of its pixels flipped.
 * Deterministic in the seed. Inputs are square images (n_0 = side²), binary.
 */
import { createRng, fromRows, matrix, rowViews, type Matrix } from '@rgdl/gpu-kernels';

/**
 * `count` synthetic queries made from `digits` (rows of side² binary pixels).
 * @throws RangeError when the rows are not square images or there are none.
 */
export function outOfDistributionQueries(
  images: Matrix<Float64Array>,
  count: number,
  seed: number,
): Matrix<Float64Array> {
  if (images.rows === 0) throw new RangeError('the OOD attacker needs some digits to distort');
  const digits = rowViews(images);
  const n = images.cols;
  const side = Math.round(Math.sqrt(n));
  if (side * side !== n) throw new RangeError(`inputs of ${n} pixels are not square images`);
  const rng = createRng(seed);
  let ink = 0;
  for (const d of digits) for (const v of d) ink += v;
  ink /= digits.length * n;
  const pick = () => digits[Math.floor(rng.nextFloat() * digits.length)]!;
  const out: Float64Array[] = [];
  for (let q = 0; q < count; q++) {
    const kind = q % 3;
    if (kind === 0) {
      out.push(Float64Array.from({ length: n }, () => (rng.nextFloat() < ink ? 1 : 0)));
    } else if (kind === 1) {
      const a = pick();
      const b = pick();
      out.push(a.map((v, i) => Math.max(v, b[i]!)));
    } else {
      const d = pick();
      const dx = Math.floor(rng.nextFloat() * 5) - 2;
      const dy = Math.floor(rng.nextFloat() * 5) - 2;
      const img = shiftImage(d, side, dx, dy);
      for (let i = 0; i < n; i++) if (rng.nextFloat() < 0.1) img[i] = 1 - img[i]!;
      out.push(img);
    }
  }
  return matrix(count, n, fromRows(out).data);
}

/** A side × side image shifted by (dx, dy) pixels (right, down), zeros shifted in. */
export function shiftImage(image: ArrayLike<number>, side: number, dx: number, dy: number): Float64Array {
  const img = new Float64Array(side * side);
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const si = i - dy;
      const sj = j - dx;
      if (si >= 0 && si < side && sj >= 0 && sj < side) img[i * side + j] = image[si * side + sj]!;
    }
  }
  return img;
}

/** Each row shifted by (dx, dy) pixels as a side × side image, zeros shifted in; rows unchanged when not square. */
export function shiftRows(x: Matrix<Float64Array>, dx: number, dy: number): Matrix<Float64Array> {
  const side = Math.round(Math.sqrt(x.cols));
  if (side * side !== x.cols) return matrix(x.rows, x.cols, x.data.slice());
  const out = matrix(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++)
    out.data.set(shiftImage(x.data.subarray(r * x.cols, (r + 1) * x.cols), side, dx, dy), r * x.cols);
  return out;
}
