import { createRng, matrix } from '@rgdl/gpu-kernels';
import { loadMnist } from '@rgdl/rbm';
import { describe, expect, it } from 'vitest';
import { SURROGATE_FAMILIES, surrogateImage, surrogateQueries } from './surrogate.js';

const grey = loadMnist({ size: 14, split: 'attacker', binarise: false, limit: 40 });
const binary = loadMnist({ size: 14, split: 'attacker', limit: 40 });
const image = (m: typeof grey.x, r: number) => m.data.subarray(r * 196, (r + 1) * 196);
const changed = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
};

describe('surrogate queries', () => {
  it('at level 0 every family returns the natural query (the digit binarised at ½, as the victim’s data are)', () => {
    for (const family of SURROGATE_FAMILIES) {
      const q = surrogateQueries(grey.x, family, 0, createRng(3));
      expect(Array.from(q.data)).toEqual(Array.from(binary.x.data));
    }
  });

  it('moves digits further as the level grows, for every family (pixels changed, summed over 40 digits)', () => {
    for (const family of SURROGATE_FAMILIES) {
      const moved = [0.25, 0.5, 1].map((level) =>
        changed(surrogateQueries(grey.x, family, level, createRng(3)).data, binary.x.data),
      );
      expect(moved[0]).toBeGreaterThan(0);
      expect(moved[2]).toBeGreaterThan(moved[0]!);
    }
  });

  it('threshold 0.1 or 0.9 is that binarisation; thicker strokes and zooming in add ink, thinner and zooming out remove it', () => {
    const ink = (v: ArrayLike<number>) => Array.from(v).reduce((a, x) => a + x, 0);
    for (let r = 0; r < 20; r++) {
      // each family's first draw is its sign: below ½ is −1 (0.1, thinner, zoomed out)
      const sign = createRng(r).nextFloat() < 0.5 ? -1 : 1;
      const t = surrogateImage(image(grey.x, r), 14, 'threshold', 1, createRng(r));
      const cut = sign < 0 ? 0.1 : 0.9;
      expect(
        changed(
          t,
          Array.from(image(grey.x, r), (v) => (v >= cut ? 1 : 0)),
        ),
      ).toBe(0);
      const base = ink(image(binary.x, r));
      const stroke = ink(surrogateImage(image(grey.x, r), 14, 'stroke', 1, createRng(r)));
      const scale = ink(surrogateImage(image(grey.x, r), 14, 'scale', 1, createRng(r)));
      if (sign > 0) {
        expect(stroke).toBeGreaterThan(base);
        expect(scale).toBeGreaterThan(base);
      } else {
        expect(stroke).toBeLessThan(base);
        expect(scale).toBeLessThan(base);
      }
    }
  });

  it('is seeded: the same generator gives the same queries', () => {
    const a = surrogateQueries(grey.x, 'elastic', 0.7, createRng(9));
    const b = surrogateQueries(grey.x, 'elastic', 0.7, createRng(9));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('refuses a level outside [0, 1] and images that are not square', () => {
    expect(() => surrogateImage(image(grey.x, 0), 14, 'shift', 1.5, createRng(1))).toThrow(/level must be in \[0, 1\]/);
    expect(() => surrogateQueries(matrix(2, 10), 'shift', 0.5, createRng(1))).toThrow(/square images/);
  });
});
