/**
 * `GibbsSiteKernels` in TypeScript, on ordinary Float64Arrays: the reference the
 * WebAssembly form (cpu/gibbs-sites.ts) matches bit for bit, and the path of
 * backends without one.
 */
import type { GibbsSiteKernels } from '../backend.js';

export function checkGibbsLengths(lengths: readonly number[]): void {
  for (const n of lengths) {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`Gibbs site arrays need whole lengths ≥ 0, got ${n}`);
  }
}

export function jsGibbsSiteKernels(lengths: readonly number[]): GibbsSiteKernels {
  checkGibbsLengths(lengths);
  const a = lengths.map((n) => new Float64Array(n));
  return {
    arrays: () => a,
    chunkProducts(ei, eOffset, n, chunk, si, ci, outi) {
      const e = a[ei]!;
      const s = a[si]!;
      const c = a[ci]!;
      const out = a[outi]!;
      let k = 0;
      for (let i0 = 0; i0 < n; i0 += chunk) {
        const i1 = Math.min(n, i0 + chunk);
        // four running products, so the multiplications do not wait on each other
        let p0 = 1;
        let p1 = 1;
        let p2 = 1;
        let p3 = 1;
        let i = i0;
        for (; i + 3 < i1; i += 4) {
          p0 *= c[i]! + s[i]! * e[eOffset + i]!;
          p1 *= c[i + 1]! + s[i + 1]! * e[eOffset + i + 1]!;
          p2 *= c[i + 2]! + s[i + 2]! * e[eOffset + i + 2]!;
          p3 *= c[i + 3]! + s[i + 3]! * e[eOffset + i + 3]!;
        }
        for (; i < i1; i++) p0 *= c[i]! + s[i]! * e[eOffset + i]!;
        out[k++] = p0 * p1 * p2 * p3;
      }
      return k;
    },
    flip(n, sign, wi, wOffset, ei, eOffset, ui, si, ci) {
      const w = a[wi]!;
      const e = a[ei]!;
      const u = a[ui]!;
      const s = a[si]!;
      const c = a[ci]!;
      for (let i = 0; i < n; i++) {
        u[i]! += sign * w[wOffset + i]!;
        const se = s[i]! * e[eOffset + i]!;
        const f = c[i]! + se;
        s[i] = se / f;
        c[i] = c[i]! / f;
      }
    },
    axpy(n, alpha, xi, xOffset, yi, yOffset) {
      const x = a[xi]!;
      const y = a[yi]!;
      for (let i = 0; i < n; i++) y[yOffset + i]! += alpha * x[xOffset + i]!;
    },
    dispose() {},
  };
}
