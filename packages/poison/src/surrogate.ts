/**
 * Surrogate queries (Knockoff-style): the attacker's own digits moved a tunable
 * distance away from the victim's data by one family of transformations, each
 * applied to a grey side × side image and then binarised as the victim's data
 * are (at ½ unless the family is the threshold itself). Level t ∈ [0, 1]; at
 * t = 0 every family returns the digit binarised at ½, i.e. the natural query.
 *  - 'shift':     a sub-pixel translation by 3t pixels in a random direction;
 *  - 'rotation':  a rotation by ±60t degrees about the centre;
 *  - 'scale':     a zoom by 1.6^{±t} about the centre;
 *  - 'stroke':    strokes thickened or thinned: the grey image moved a fraction t
 *                 of the way to its 3 × 3 maximum (or minimum) filter;
 *  - 'elastic':   a smooth random displacement field (Gaussian-smoothed noise,
 *                 σ = 1.5 pixels, scaled to an RMS of 2t pixels);
 *  - 'threshold': another binarisation threshold, ½ ± 0.4t.
 * Resampling is bilinear, with zeros outside the image. Random signs and fields
 * come from the caller's generator, so a seed fixes every query.
 */
import { matrix, type Matrix, type Rng } from '@rgdl/gpu-kernels';

export const SURROGATE_FAMILIES = ['shift', 'rotation', 'scale', 'stroke', 'elastic', 'threshold'] as const;
export type SurrogateFamily = (typeof SURROGATE_FAMILIES)[number];

/** Bilinear sample of a side × side image at (row, col), zero outside. */
function sample(img: ArrayLike<number>, side: number, row: number, col: number): number {
  const r0 = Math.floor(row);
  const c0 = Math.floor(col);
  let v = 0;
  for (const [dr, wr] of [
    [0, 1 - (row - r0)],
    [1, row - r0],
  ] as const) {
    for (const [dc, wc] of [
      [0, 1 - (col - c0)],
      [1, col - c0],
    ] as const) {
      const r = r0 + dr;
      const c = c0 + dc;
      if (wr * wc > 0 && r >= 0 && r < side && c >= 0 && c < side) v += wr * wc * img[r * side + c]!;
    }
  }
  return v;
}

/** The image sampled at source(row, col) for every output pixel. */
function warp(
  img: ArrayLike<number>,
  side: number,
  source: (row: number, col: number) => readonly [number, number],
): Float64Array {
  const out = new Float64Array(side * side);
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const [r, c] = source(i, j);
      out[i * side + j] = sample(img, side, r, c);
    }
  }
  return out;
}

/** The 3 × 3 maximum (or minimum) filter, the border treated as zero. */
function filter3(img: ArrayLike<number>, side: number, pick: (a: number, b: number) => number): Float64Array {
  const out = new Float64Array(side * side);
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      let v = img[i * side + j]!;
      for (let di = -1; di <= 1; di++) {
        for (let dj = -1; dj <= 1; dj++) {
          const r = i + di;
          const c = j + dj;
          v = pick(v, r >= 0 && r < side && c >= 0 && c < side ? img[r * side + c]! : 0);
        }
      }
      out[i * side + j] = v;
    }
  }
  return out;
}

/** Gaussian-smoothed unit noise (σ = 1.5 pixels), scaled to RMS 1. */
function smoothField(side: number, rng: Rng): Float64Array {
  const noise = Float64Array.from({ length: side * side }, () => rng.nextGaussian());
  const sigma = 1.5;
  const radius = 4;
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma ** 2)));
  const pass = (src: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(side * side);
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        let v = 0;
        for (let k = -radius; k <= radius; k++) {
          const r = horizontal ? i : i + k;
          const c = horizontal ? j + k : j;
          if (r >= 0 && r < side && c >= 0 && c < side) v += kernel[k + radius]! * src[r * side + c]!;
        }
        out[i * side + j] = v;
      }
    }
    return out;
  };
  const f = pass(pass(noise, true), false);
  const rms = Math.sqrt(f.reduce((a, v) => a + v * v, 0) / f.length) || 1;
  return f.map((v) => v / rms);
}

/**
 * One surrogate query: `grey` (side × side, values in [0, 1]) transformed by
 * `family` at level t ∈ [0, 1] and binarised.
 * @throws RangeError for a level outside [0, 1] or an image that is not side × side
 */
export function surrogateImage(
  grey: ArrayLike<number>,
  side: number,
  family: SurrogateFamily,
  level: number,
  rng: Rng,
): Float64Array {
  if (!(level >= 0 && level <= 1)) throw new RangeError(`the level must be in [0, 1], got ${level}`);
  if (grey.length !== side * side) throw new RangeError(`an image of ${grey.length} pixels is not ${side} × ${side}`);
  const centre = (side - 1) / 2;
  const sign = rng.nextFloat() < 0.5 ? -1 : 1;
  let img: ArrayLike<number> = grey;
  let threshold = 0.5;
  if (family === 'shift') {
    const angle = 2 * Math.PI * rng.nextFloat();
    const dr = 3 * level * Math.sin(angle);
    const dc = 3 * level * Math.cos(angle);
    img = warp(grey, side, (i, j) => [i - dr, j - dc]);
  } else if (family === 'rotation') {
    const a = (sign * level * 60 * Math.PI) / 180;
    const [cos, sin] = [Math.cos(a), Math.sin(a)];
    img = warp(grey, side, (i, j) => [
      centre + cos * (i - centre) - sin * (j - centre),
      centre + sin * (i - centre) + cos * (j - centre),
    ]);
  } else if (family === 'scale') {
    const f = 1.6 ** (sign * level);
    img = warp(grey, side, (i, j) => [centre + (i - centre) / f, centre + (j - centre) / f]);
  } else if (family === 'stroke') {
    const moved = filter3(grey, side, sign > 0 ? Math.max : Math.min);
    img = Float64Array.from(grey, (v, i) => v + level * (moved[i]! - v));
  } else if (family === 'elastic') {
    const fr = smoothField(side, rng);
    const fc = smoothField(side, rng);
    img = warp(grey, side, (i, j) => [i + 2 * level * fr[i * side + j]!, j + 2 * level * fc[i * side + j]!]);
  } else {
    threshold = 0.5 + sign * 0.4 * level;
  }
  return Float64Array.from(img, (v) => (v >= threshold ? 1 : 0));
}

/** surrogateImage for every row of `grey` (rows × side², square images), one generator for all. */
export function surrogateQueries(
  grey: Matrix<Float64Array>,
  family: SurrogateFamily,
  level: number,
  rng: Rng,
): Matrix<Float64Array> {
  const side = Math.round(Math.sqrt(grey.cols));
  if (side * side !== grey.cols) throw new RangeError(`surrogate queries need square images, not ${grey.cols} pixels`);
  const out = matrix(grey.rows, grey.cols);
  for (let r = 0; r < grey.rows; r++) {
    out.data.set(
      surrogateImage(grey.data.subarray(r * grey.cols, (r + 1) * grey.cols), side, family, level, rng),
      r * grey.cols,
    );
  }
  return out;
}
