/**
 * Eigenvalues of a general real square matrix: reduction to upper Hessenberg
 * form by stabilised elementary similarity transformations, then the Francis
 * double-shift QR algorithm (EISPACK elmhes + hqr, as in Numerical Recipes §11.5–6).
 * O(n³); eigenvalues only. Complex eigenvalues come in conjugate pairs.
 */

export interface ComplexEigenvalues {
  /** Real parts. */
  readonly re: Float64Array;
  /** Imaginary parts. */
  readonly im: Float64Array;
}

const MAX_ITERATIONS = 60;

function sign(a: number, b: number): number {
  return b >= 0 ? Math.abs(a) : -Math.abs(a);
}

/**
 * Unchecked kernel on a row-major n×n copy. Non-finite input gives NaN.
 * @throws Error if the QR iteration exceeds 60 iterations for one eigenvalue.
 */
export function generalEigenvaluesKernel(input: ArrayLike<number>, n: number): ComplexEigenvalues {
  const a = Float64Array.from(input);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      re.fill(NaN);
      im.fill(NaN);
      return { re, im };
    }
  }
  const A = (i: number, j: number) => a[i * n + j]!;
  const set = (i: number, j: number, v: number) => {
    a[i * n + j] = v;
  };
  // --- elmhes: Hessenberg reduction with pivoting
  for (let m = 1; m < n - 1; m++) {
    let x = 0;
    let i = m;
    for (let j = m; j < n; j++) {
      if (Math.abs(A(j, m - 1)) > Math.abs(x)) {
        x = A(j, m - 1);
        i = j;
      }
    }
    if (i !== m) {
      for (let j = m - 1; j < n; j++) {
        const t = A(i, j);
        set(i, j, A(m, j));
        set(m, j, t);
      }
      for (let j = 0; j < n; j++) {
        const t = A(j, i);
        set(j, i, A(j, m));
        set(j, m, t);
      }
    }
    if (x !== 0) {
      for (i = m + 1; i < n; i++) {
        let y = A(i, m - 1);
        if (y !== 0) {
          y /= x;
          set(i, m - 1, y);
          for (let j = m; j < n; j++) set(i, j, A(i, j) - y * A(m, j));
          for (let j = 0; j < n; j++) set(j, m, A(j, m) + y * A(j, i));
        }
      }
    }
  }
  for (let i = 2; i < n; i++) for (let j = 0; j < i - 1; j++) set(i, j, 0);

  // --- hqr: shifted QR on the Hessenberg matrix
  let anorm = 0;
  for (let i = 0; i < n; i++) for (let j = Math.max(i - 1, 0); j < n; j++) anorm += Math.abs(A(i, j));
  let nn = n - 1;
  let t = 0;
  let p = 0,
    q = 0,
    r = 0,
    s = 0,
    w = 0,
    x = 0,
    y = 0,
    z = 0;
  while (nn >= 0) {
    let its = 0;
    let l: number;
    do {
      for (l = nn; l >= 1; l--) {
        s = Math.abs(A(l - 1, l - 1)) + Math.abs(A(l, l));
        if (s === 0) s = anorm;
        if (Math.abs(A(l, l - 1)) + s === s) {
          set(l, l - 1, 0);
          break;
        }
      }
      x = A(nn, nn);
      if (l === nn) {
        re[nn] = x + t;
        im[nn] = 0;
        nn--;
      } else {
        y = A(nn - 1, nn - 1);
        w = A(nn, nn - 1) * A(nn - 1, nn);
        if (l === nn - 1) {
          p = 0.5 * (y - x);
          q = p * p + w;
          z = Math.sqrt(Math.abs(q));
          x += t;
          if (q >= 0) {
            z = p + sign(z, p);
            re[nn - 1] = re[nn] = x + z;
            if (z !== 0) re[nn] = x - w / z;
            im[nn - 1] = im[nn] = 0;
          } else {
            re[nn - 1] = re[nn] = x + p;
            im[nn - 1] = -z;
            im[nn] = z;
          }
          nn -= 2;
        } else {
          if (its === MAX_ITERATIONS) throw new Error('generalEigenvalues: QR iteration did not converge');
          if (its === 10 || its === 20) {
            t += x;
            for (let i = 0; i <= nn; i++) set(i, i, A(i, i) - x);
            s = Math.abs(A(nn, nn - 1)) + Math.abs(A(nn - 1, nn - 2));
            y = x = 0.75 * s;
            w = -0.4375 * s * s;
          }
          its++;
          let m: number;
          for (m = nn - 2; m >= l; m--) {
            z = A(m, m);
            r = x - z;
            s = y - z;
            p = (r * s - w) / A(m + 1, m) + A(m, m + 1);
            q = A(m + 1, m + 1) - z - r - s;
            r = A(m + 2, m + 1);
            s = Math.abs(p) + Math.abs(q) + Math.abs(r);
            p /= s;
            q /= s;
            r /= s;
            if (m === l) break;
            const u = Math.abs(A(m, m - 1)) * (Math.abs(q) + Math.abs(r));
            const v = Math.abs(p) * (Math.abs(A(m - 1, m - 1)) + Math.abs(z) + Math.abs(A(m + 1, m + 1)));
            if (u + v === v) break;
          }
          for (let i = m + 2; i <= nn; i++) {
            set(i, i - 2, 0);
            if (i !== m + 2) set(i, i - 3, 0);
          }
          for (let k = m; k <= nn - 1; k++) {
            if (k !== m) {
              p = A(k, k - 1);
              q = A(k + 1, k - 1);
              r = 0;
              if (k !== nn - 1) r = A(k + 2, k - 1);
              x = Math.abs(p) + Math.abs(q) + Math.abs(r);
              if (x !== 0) {
                p /= x;
                q /= x;
                r /= x;
              }
            }
            s = sign(Math.sqrt(p * p + q * q + r * r), p);
            if (s !== 0) {
              if (k === m) {
                if (l !== m) set(k, k - 1, -A(k, k - 1));
              } else {
                set(k, k - 1, -s * x);
              }
              p += s;
              x = p / s;
              y = q / s;
              z = r / s;
              q /= p;
              r /= p;
              for (let j = k; j <= nn; j++) {
                p = A(k, j) + q * A(k + 1, j);
                if (k !== nn - 1) {
                  p += r * A(k + 2, j);
                  set(k + 2, j, A(k + 2, j) - p * z);
                }
                set(k + 1, j, A(k + 1, j) - p * y);
                set(k, j, A(k, j) - p * x);
              }
              const mmin = nn < k + 3 ? nn : k + 3;
              for (let i = l; i <= mmin; i++) {
                p = x * A(i, k) + y * A(i, k + 1);
                if (k !== nn - 1) {
                  p += z * A(i, k + 2);
                  set(i, k + 2, A(i, k + 2) - p * r);
                }
                set(i, k + 1, A(i, k + 1) - p * q);
                set(i, k, A(i, k) - p);
              }
            }
          }
        }
      }
    } while (l < nn - 1);
  }
  return { re, im };
}
