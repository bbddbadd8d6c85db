// Register-tiled SIMD GEMM (Goto/BLIS loop order) for f64 and f32, compiled with
//   asc asm/gemm.ts --enable simd -O3 --runtime stub --sharedMemory --importMemory
// All memory is managed by the JavaScript host: every argument is a byte offset
// into the (shared) linear memory. No allocation happens here.
//
// C[i, j] (+)= Σ_k A[i, k] · B[k, j]   for rows i in [m0, m1) of C.
// A(i, k) lives at a + 8·(i·ars + k·acs) (f64) — strides encode transposes,
// so op(A) = Aᵀ costs nothing extra: packing reads through the strides.
// C is row-major with row stride ldc (elements).

// ---- f64: micro-tile 4×4 (8 f64x2 accumulators) ---------------------------------
const MR64: i32 = 4;
const NR64: i32 = 4;
const KC64: i32 = 256;
const MC64: i32 = 96;
const NC64: i32 = 2048;

// ---- f32: micro-tile 4×8 (8 f32x4 accumulators) ---------------------------------
const MR32: i32 = 4;
const NR32: i32 = 8;
const KC32: i32 = 256;
const MC32: i32 = 128;
const NC32: i32 = 2048;

/** Bytes of scratch one thread needs for packing (A block + B panel + edge tile). */
export function scratchBytes64(): i32 {
  return (MC64 * KC64 + KC64 * NC64 + MR64 * NR64) * 8 + 64;
}
export function scratchBytes32(): i32 {
  return (MC32 * KC32 + KC32 * NC32 + MR32 * NR32) * 4 + 64;
}

// Pack an mc×kc block of A into row panels of MR rows: panel p holds, for each k,
// MR consecutive values A(p·MR + r, k); rows past mc are zero.
function packA64(mc: i32, kc: i32, a: usize, ars: i32, acs: i32, dst: usize): void {
  for (let p = 0; p < mc; p += MR64) {
    const rows = min(MR64, mc - p);
    for (let k = 0; k < kc; k++) {
      for (let r = 0; r < MR64; r++) {
        let v: f64 = 0;
        if (r < rows) v = load<f64>(a + (<usize>((p + r) * ars + k * acs) << 3));
        store<f64>(dst, v);
        dst += 8;
      }
    }
  }
}

// Pack a kc×nc block of B into column panels of NR columns (zero-padded).
function packB64(kc: i32, nc: i32, b: usize, brs: i32, bcs: i32, dst: usize): void {
  for (let p = 0; p < nc; p += NR64) {
    const cols = min(NR64, nc - p);
    for (let k = 0; k < kc; k++) {
      const row = b + (<usize>(k * brs + p * bcs) << 3);
      if (cols == NR64 && bcs == 1) {
        v128.store(dst, v128.load(row));
        v128.store(dst, v128.load(row, 16), 16);
      } else {
        for (let c = 0; c < NR64; c++) {
          let v: f64 = 0;
          if (c < cols) v = load<f64>(row + (<usize>(c * bcs) << 3));
          store<f64>(dst + (<usize>c << 3), v);
        }
      }
      dst += NR64 << 3;
    }
  }
}

// 4×4 f64 micro-kernel: acc = Ap(4×kc) · Bp(kc×4); C (+)= acc (full tile) or via tmp.
function micro64(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, accumulate: bool, tmp: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load64_splat(ap);
    c00 = f64x2.add(c00, f64x2.mul(a, b0));
    c01 = f64x2.add(c01, f64x2.mul(a, b1));
    a = v128.load64_splat(ap, 8);
    c10 = f64x2.add(c10, f64x2.mul(a, b0));
    c11 = f64x2.add(c11, f64x2.mul(a, b1));
    a = v128.load64_splat(ap, 16);
    c20 = f64x2.add(c20, f64x2.mul(a, b0));
    c21 = f64x2.add(c21, f64x2.mul(a, b1));
    a = v128.load64_splat(ap, 24);
    c30 = f64x2.add(c30, f64x2.mul(a, b0));
    c31 = f64x2.add(c31, f64x2.mul(a, b1));
    ap += 32;
    bp += 32;
  }
  const full = mr == MR64 && nr == NR64;
  const out: usize = full ? c : tmp;
  const ld: usize = full ? (<usize>ldc << 3) : (<usize>NR64 << 3);
  if (full && accumulate) {
    v128.store(out, f64x2.add(v128.load(out), c00));
    v128.store(out, f64x2.add(v128.load(out, 16), c01), 16);
    v128.store(out + ld, f64x2.add(v128.load(out + ld), c10));
    v128.store(out + ld, f64x2.add(v128.load(out + ld, 16), c11), 16);
    v128.store(out + 2 * ld, f64x2.add(v128.load(out + 2 * ld), c20));
    v128.store(out + 2 * ld, f64x2.add(v128.load(out + 2 * ld, 16), c21), 16);
    v128.store(out + 3 * ld, f64x2.add(v128.load(out + 3 * ld), c30));
    v128.store(out + 3 * ld, f64x2.add(v128.load(out + 3 * ld, 16), c31), 16);
    return;
  }
  v128.store(out, c00);
  v128.store(out, c01, 16);
  v128.store(out + ld, c10);
  v128.store(out + ld, c11, 16);
  v128.store(out + 2 * ld, c20);
  v128.store(out + 2 * ld, c21, 16);
  v128.store(out + 3 * ld, c30);
  v128.store(out + 3 * ld, c31, 16);
  if (full) return;
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const src = tmp + (<usize>(r * NR64 + j) << 3);
      const dst = c + (<usize>(r * ldc + j) << 3);
      const v = load<f64>(src);
      store<f64>(dst, accumulate ? load<f64>(dst) + v : v);
    }
  }
}

/**
 * C[m0:m1, :] = op(A)[m0:m1, :] · op(B)  (accumulate = 0), or += (accumulate = 1).
 * Shapes: op(A) is M×K, op(B) is K×N, C is M×N row-major with row stride ldc.
 */
export function dgemm(
  m0: i32, m1: i32, n: i32, kk: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  const pa = (scratch + 63) & ~(<usize>63);
  const pb = pa + (<usize>(MC64 * KC64) << 3);
  const tmp = pb + (<usize>(KC64 * NC64) << 3);
  if (kk == 0) {
    if (accumulate == 0) {
      for (let i = m0; i < m1; i++) memory.fill(c + (<usize>(i * ldc) << 3), 0, <usize>n << 3);
    }
    return;
  }
  for (let jc = 0; jc < n; jc += NC64) {
    const nc = min(NC64, n - jc);
    for (let pc = 0; pc < kk; pc += KC64) {
      const kc = min(KC64, kk - pc);
      packB64(kc, nc, b + (<usize>(pc * brs + jc * bcs) << 3), brs, bcs, pb);
      const acc = accumulate != 0 || pc > 0;
      for (let ic = m0; ic < m1; ic += MC64) {
        const mc = min(MC64, m1 - ic);
        packA64(mc, kc, a + (<usize>(ic * ars + pc * acs) << 3), ars, acs, pa);
        for (let jr = 0; jr < nc; jr += NR64) {
          const nr = min(NR64, nc - jr);
          const bp = pb + (<usize>(jr * kc) << 3);
          for (let ir = 0; ir < mc; ir += MR64) {
            const mr = min(MR64, mc - ir);
            micro64(kc, pa + (<usize>(ir * kc) << 3), bp,
              c + (<usize>((ic + ir) * ldc + jc + jr) << 3), ldc, mr, nr, acc, tmp);
          }
        }
      }
    }
  }
}

// ---- f32 ---------------------------------------------------------------------------

function packA32(mc: i32, kc: i32, a: usize, ars: i32, acs: i32, dst: usize): void {
  for (let p = 0; p < mc; p += MR32) {
    const rows = min(MR32, mc - p);
    for (let k = 0; k < kc; k++) {
      for (let r = 0; r < MR32; r++) {
        let v: f32 = 0;
        if (r < rows) v = load<f32>(a + (<usize>((p + r) * ars + k * acs) << 2));
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

function packB32(kc: i32, nc: i32, b: usize, brs: i32, bcs: i32, dst: usize): void {
  for (let p = 0; p < nc; p += NR32) {
    const cols = min(NR32, nc - p);
    for (let k = 0; k < kc; k++) {
      const row = b + (<usize>(k * brs + p * bcs) << 2);
      if (cols == NR32 && bcs == 1) {
        v128.store(dst, v128.load(row));
        v128.store(dst, v128.load(row, 16), 16);
      } else {
        for (let c = 0; c < NR32; c++) {
          let v: f32 = 0;
          if (c < cols) v = load<f32>(row + (<usize>(c * bcs) << 2));
          store<f32>(dst + (<usize>c << 2), v);
        }
      }
      dst += NR32 << 2;
    }
  }
}

function micro32(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, accumulate: bool, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  const full = mr == MR32 && nr == NR32;
  const out: usize = full ? c : tmp;
  const ld: usize = full ? (<usize>ldc << 2) : (<usize>NR32 << 2);
  if (full && accumulate) {
    v128.store(out, f32x4.add(v128.load(out), c00));
    v128.store(out, f32x4.add(v128.load(out, 16), c01), 16);
    v128.store(out + ld, f32x4.add(v128.load(out + ld), c10));
    v128.store(out + ld, f32x4.add(v128.load(out + ld, 16), c11), 16);
    v128.store(out + 2 * ld, f32x4.add(v128.load(out + 2 * ld), c20));
    v128.store(out + 2 * ld, f32x4.add(v128.load(out + 2 * ld, 16), c21), 16);
    v128.store(out + 3 * ld, f32x4.add(v128.load(out + 3 * ld), c30));
    v128.store(out + 3 * ld, f32x4.add(v128.load(out + 3 * ld, 16), c31), 16);
    return;
  }
  v128.store(out, c00);
  v128.store(out, c01, 16);
  v128.store(out + ld, c10);
  v128.store(out + ld, c11, 16);
  v128.store(out + 2 * ld, c20);
  v128.store(out + 2 * ld, c21, 16);
  v128.store(out + 3 * ld, c30);
  v128.store(out + 3 * ld, c31, 16);
  if (full) return;
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const src = tmp + (<usize>(r * NR32 + j) << 2);
      const dst = c + (<usize>(r * ldc + j) << 2);
      const v = load<f32>(src);
      store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
    }
  }
}

/** f32 twin of dgemm; offsets and strides as there, elements 4 bytes. */
export function sgemm(
  m0: i32, m1: i32, n: i32, kk: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  const pa = (scratch + 63) & ~(<usize>63);
  const pb = pa + (<usize>(MC32 * KC32) << 2);
  const tmp = pb + (<usize>(KC32 * NC32) << 2);
  if (kk == 0) {
    if (accumulate == 0) {
      for (let i = m0; i < m1; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    }
    return;
  }
  for (let jc = 0; jc < n; jc += NC32) {
    const nc = min(NC32, n - jc);
    for (let pc = 0; pc < kk; pc += KC32) {
      const kc = min(KC32, kk - pc);
      packB32(kc, nc, b + (<usize>(pc * brs + jc * bcs) << 2), brs, bcs, pb);
      const acc = accumulate != 0 || pc > 0;
      for (let ic = m0; ic < m1; ic += MC32) {
        const mc = min(MC32, m1 - ic);
        packA32(mc, kc, a + (<usize>(ic * ars + pc * acs) << 2), ars, acs, pa);
        for (let jr = 0; jr < nc; jr += NR32) {
          const nr = min(NR32, nc - jr);
          const bp = pb + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR32) {
            const mr = min(MR32, mc - ir);
            micro32(kc, pa + (<usize>(ir * kc) << 2), bp,
              c + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, mr, nr, acc, tmp);
          }
        }
      }
    }
  }
}

// ---- element-wise f32: σ(x) = 1 / (1 + e^{−x}) ----------------------------------
// e^t via Cody–Waite reduction t = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial
// for e^r (Cephes expf coefficients) and 2^n assembled in the exponent bits.
// Max relative error ≈ 2·10⁻⁷; NaN propagates through min/max.
// @ts-ignore: decorator
@inline
function expf4(t: v128): v128 {
  t = f32x4.min(f32x4.splat(88.3762626647949), f32x4.max(f32x4.splat(-87.3365478515625), t));
  const n = f32x4.nearest(f32x4.mul(t, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(t, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2n);
}

/** In place σ(x) over `count` f32 values at `ptr` (count a multiple of 4, ptr 16-aligned). */
export function sigmoid32(ptr: usize, count: i32): void {
  const one = f32x4.splat(1.0);
  const end = ptr + (<usize>count << 2);
  for (let p = ptr; p < end; p += 16) {
    const x = v128.load(p);
    v128.store(p, f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(x)))));
  }
}

// ---- fused CD-k helpers (f32, all operands resident in linear memory) -------------
// Row-major matrices with explicit leading dimensions (elements), so a block of a
// larger stacked buffer can be addressed in place.

/** In place σ(C[r, c] + bias[c]) for r < rows, c < cols; C has leading dimension ldc. */
export function biasSigmoid32(c: usize, ldc: i32, bias: usize, rows: i32, cols: i32): void {
  const one = f32x4.splat(1.0);
  const vecCols = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>(r * ldc) << 2);
    let j = 0;
    for (; j < vecCols; j += 4) {
      const p = row + (<usize>j << 2);
      const x = f32x4.add(v128.load(p), v128.load(bias + (<usize>j << 2)));
      v128.store(p, f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(x)))));
    }
    for (; j < cols; j++) {
      const p = row + (<usize>j << 2);
      const x = load<f32>(p) + load<f32>(bias + (<usize>j << 2));
      const e = f32x4.extract_lane(expf4(f32x4.splat(-x)), 0);
      store<f32>(p, 1.0 / (1.0 + e));
    }
  }
}

/**
 * out[r, c] = 1 if u < p[r, c] else 0, u uniform in [0, 1) with 24 bits from a
 * xoroshiro128+ stream whose two 64-bit words live at `state` (advanced in place).
 * NaN probabilities give NaN.
 */
export function bernoulli32(p: usize, ldp: i32, out: usize, ldo: i32, rows: i32, cols: i32, state: usize): void {
  let s0 = load<u64>(state);
  let s1 = load<u64>(state, 8);
  for (let r = 0; r < rows; r++) {
    const pr = p + (<usize>(r * ldp) << 2);
    const orow = out + (<usize>(r * ldo) << 2);
    for (let j = 0; j < cols; j++) {
      const result = s0 + s1;
      s1 ^= s0;
      s0 = rotl<u64>(s0, 24) ^ s1 ^ (s1 << 16);
      s1 = rotl<u64>(s1, 37);
      const u = <f32>(<u32>(result >>> 40)) * (1.0 / 16777216.0);
      const pj = load<f32>(pr + (<usize>j << 2));
      store<f32>(orow + (<usize>j << 2), pj != pj ? pj : u < pj ? 1.0 : 0.0);
    }
  }
  store<u64>(state, s0);
  store<u64>(state, s1, 8);
}

/**
 * Fused σ and draw: C[r, c] ← σ(C[r, c] + bias[c]) in place and
 * out[r, c] = 1 if u < C[r, c] else 0, u from the xoroshiro128+ stream at `state`
 * (as bernoulli32), row by row.
 */
export function biasSigmoidSample32(
  c: usize, ldc: i32, bias: usize, rows: i32, cols: i32, out: usize, ldo: i32, state: usize,
): void {
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>(r * ldc) << 2);
    biasSigmoid32(row, ldc, bias, 1, cols);
    bernoulli32(row, ldc, out + (<usize>(r * ldo) << 2), ldo, 1, cols, state);
  }
}

/** Σ (a[r, c] − b[r, c])² over rows × cols (f64 accumulation). */
export function sqDiff32(a: usize, lda: i32, b: usize, ldb: i32, rows: i32, cols: i32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * lda) << 2);
    const br = b + (<usize>(r * ldb) << 2);
    for (let j = 0; j < cols; j++) {
      const d = <f64>load<f32>(ar + (<usize>j << 2)) - <f64>load<f32>(br + (<usize>j << 2));
      s += d * d;
    }
  }
  return s;
}

/** x[r, c] = −x[r, c] over rows × cols with leading dimension ld. */
export function negate32(x: usize, ld: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * ld) << 2);
    for (let j = 0; j < cols; j++) store<f32>(row + (<usize>j << 2), -load<f32>(row + (<usize>j << 2)));
  }
}

/** x[r, col] = value for every row r (a constant column of a stacked buffer). */
export function fillColumn32(x: usize, ld: i32, rows: i32, col: i32, value: f32): void {
  for (let r = 0; r < rows; r++) store<f32>(x + (<usize>(r * ld + col) << 2), value);
}

/**
 * Momentum step of a CD update from the stacked statistics D ((nu+1) × (nl+1), f32):
 * D[j, i] = Σ h₀v₀ᵀ − Σ h_k v_kᵀ, D[j, nl] = Σ h₀ − Σ h_k, D[nu, i] = Σ v₀ − Σ v_k.
 *   vel ← mom·vel + lr·(scale·D − decay·θ),  θ ← θ + vel  (decay on W only),
 * on f64 masters W64 (nu×nl), a64 (nu), b64 (nl) and their velocities, refreshing
 * the f32 mirrors W32, a32, b32 used by the products.
 */
export function cdUpdate32(
  d: usize, nu: i32, nl: i32,
  w64: usize, vw: usize, w32: usize,
  a64: usize, va: usize, a32: usize,
  b64: usize, vb: usize, b32: usize,
  scale: f64, lr: f64, mom: f64, decay: f64,
): void {
  const ld = nl + 1;
  const vMom = f64x2.splat(mom);
  const vLr = f64x2.splat(lr);
  const vScale = f64x2.splat(scale);
  const vDecay = f64x2.splat(decay);
  const even = nl & ~1;
  for (let j = 0; j < nu; j++) {
    const drow = d + (<usize>(j * ld) << 2);
    const base = j * nl;
    let i = 0;
    for (; i < even; i += 2) {
      const o = <usize>(base + i);
      const dv = f64x2.promote_low_f32x4(v128.load64_zero(drow + (<usize>i << 2)));
      const th = v128.load(w64 + (o << 3));
      const vel = f64x2.add(f64x2.mul(vMom, v128.load(vw + (o << 3))), f64x2.mul(vLr, f64x2.sub(f64x2.mul(vScale, dv), f64x2.mul(vDecay, th))));
      v128.store(vw + (o << 3), vel);
      const w = f64x2.add(th, vel);
      v128.store(w64 + (o << 3), w);
      v128.store64_lane(w32 + (o << 2), f32x4.demote_f64x2_zero(w), 0);
    }
    for (; i < nl; i++) {
      const o = <usize>(base + i);
      const th = load<f64>(w64 + (o << 3));
      const vel = mom * load<f64>(vw + (o << 3)) + lr * (scale * <f64>load<f32>(drow + (<usize>i << 2)) - decay * th);
      store<f64>(vw + (o << 3), vel);
      store<f64>(w64 + (o << 3), th + vel);
      store<f32>(w32 + (o << 2), <f32>(th + vel));
    }
    const oa = <usize>j;
    const vela = mom * load<f64>(va + (oa << 3)) + lr * scale * <f64>load<f32>(drow + (<usize>nl << 2));
    store<f64>(va + (oa << 3), vela);
    const na = load<f64>(a64 + (oa << 3)) + vela;
    store<f64>(a64 + (oa << 3), na);
    store<f32>(a32 + (oa << 2), <f32>na);
  }
  const lastRow = d + (<usize>(nu * ld) << 2);
  for (let i = 0; i < nl; i++) {
    const o = <usize>i;
    const velb = mom * load<f64>(vb + (o << 3)) + lr * scale * <f64>load<f32>(lastRow + (<usize>i << 2));
    store<f64>(vb + (o << 3), velb);
    const nb = load<f64>(b64 + (o << 3)) + velb;
    store<f64>(b64 + (o << 3), nb);
    store<f32>(b32 + (o << 2), <f32>nb);
  }
}

// ---- single-site Gibbs moves against a softplus normaliser (f64) ------------------
// The arithmetic of @rgdl/fisher's posterior sampler, in the same operation order as
// its TypeScript form (lanes 0,1 of two f64x2 accumulators are its four running
// products; no fused multiply-add), so both give the same bits.

/**
 * For each chunk [i0, i1) of [0, n) (chunk elements each), out[k] = Π_i (c_i + s_i·e_i),
 * taken as four running products over i ≡ 0, 1, 2, 3 (mod 4) from i0, the tail folded
 * into the first, then multiplied in order. Returns the number of chunks.
 */
export function chunkProducts64(e: usize, n: i32, chunk: i32, s: usize, c: usize, out: usize): i32 {
  let k: i32 = 0;
  for (let i0: i32 = 0; i0 < n; i0 += chunk) {
    const i1 = min(n, i0 + chunk);
    let p01 = f64x2.splat(1.0);
    let p23 = f64x2.splat(1.0);
    let i = i0;
    for (; i + 3 < i1; i += 4) {
      const off = <usize>i << 3;
      p01 = f64x2.mul(p01, f64x2.add(v128.load(c + off), f64x2.mul(v128.load(s + off), v128.load(e + off))));
      p23 = f64x2.mul(
        p23,
        f64x2.add(v128.load(c + off, 16), f64x2.mul(v128.load(s + off, 16), v128.load(e + off, 16))),
      );
    }
    let p0 = f64x2.extract_lane(p01, 0);
    for (; i < i1; i++) {
      const off = <usize>i << 3;
      p0 *= load<f64>(c + off) + load<f64>(s + off) * load<f64>(e + off);
    }
    store<f64>(out + (<usize>k << 3), p0 * f64x2.extract_lane(p01, 1) * f64x2.extract_lane(p23, 0) * f64x2.extract_lane(p23, 1));
    k++;
  }
  return k;
}

/**
 * A unit above flips (sign +1: 0 → 1, −1: 1 → 0): u_i += sign·w_i, and with
 * f = c_i + s_i·e_i (e = e^{sign·w}), s_i ← s_i·e_i / f, c_i ← c_i / f, for i < n.
 */
export function flipUpdate64(n: i32, sign: f64, w: usize, e: usize, u: usize, s: usize, c: usize): void {
  const sg = f64x2.splat(sign);
  const pairs = n & ~1;
  let i: i32 = 0;
  for (; i < pairs; i += 2) {
    const off = <usize>i << 3;
    v128.store(u + off, f64x2.add(v128.load(u + off), f64x2.mul(sg, v128.load(w + off))));
    const se = f64x2.mul(v128.load(s + off), v128.load(e + off));
    const cv = v128.load(c + off);
    const f = f64x2.add(cv, se);
    v128.store(s + off, f64x2.div(se, f));
    v128.store(c + off, f64x2.div(cv, f));
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    store<f64>(u + off, load<f64>(u + off) + sign * load<f64>(w + off));
    const se = load<f64>(s + off) * load<f64>(e + off);
    const cv = load<f64>(c + off);
    const f = cv + se;
    store<f64>(s + off, se / f);
    store<f64>(c + off, cv / f);
  }
}

/** y_i += a·x_i for i < n. */
export function axpy64(n: i32, a: f64, x: usize, y: usize): void {
  const av = f64x2.splat(a);
  const pairs = n & ~1;
  let i: i32 = 0;
  for (; i < pairs; i += 2) {
    const off = <usize>i << 3;
    v128.store(y + off, f64x2.add(v128.load(y + off), f64x2.mul(av, v128.load(x + off))));
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    store<f64>(y + off, load<f64>(y + off) + a * load<f64>(x + off));
  }
}
