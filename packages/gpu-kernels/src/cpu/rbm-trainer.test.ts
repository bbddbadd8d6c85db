import { expectAllClose } from '@rgdl/vitest-config/close';
import { afterAll, describe, expect, it } from 'vitest';
import type { RbmTrainerStep } from '../backend.js';
import { createRng } from '../random.js';
import { createCpuBackend } from './cpu-backend.js';

/** The trainer's xoroshiro128+ stream, in BigInt: state words from four uint32 (lo, hi, lo, hi). */
function stream(seed: number[]) {
  const M = (1n << 64n) - 1n;
  let s0 = BigInt(seed[0]!) | (BigInt(seed[1]!) << 32n);
  let s1 = BigInt(seed[2]!) | (BigInt(seed[3]!) << 32n);
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & M;
  return () => {
    const result = (s0 + s1) & M;
    s1 ^= s0;
    s0 = rotl(s0, 24n) ^ s1 ^ ((s1 << 16n) & M);
    s1 = rotl(s1, 37n);
    return Number(result >> 40n) / 16777216;
  };
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** Plain f64 twin of one fused step (same draw order as rbm-trainer.ts). */
function referenceStep(
  p: {
    W: Float64Array;
    a: Float64Array;
    b: Float64Array;
    vW: Float64Array;
    va: Float64Array;
    vb: Float64Array;
    chain?: number[][];
  },
  v0: number[][],
  nu: number,
  nl: number,
  o: RbmTrainerStep,
  u: [() => number, () => number],
): number {
  const B = v0.length;
  const mid = Math.ceil(B / 2);
  const up = (v: number[]) =>
    Array.from({ length: nu }, (_, j) => sig(p.a[j]! + v.reduce((s, x, i) => s + p.W[j * nl + i]! * x, 0)));
  const down = (h: number[]) =>
    Array.from({ length: nl }, (_, i) => sig(p.b[i]! + h.reduce((s, x, j) => s + p.W[j * nl + i]! * x, 0)));
  // rows [0, ⌈B/2⌉) draw from the first stream, the rest from the second
  const draw = (rows: number[][]) => rows.map((row, r) => row.map((q) => (u[r < mid ? 0 : 1]() < q ? 1 : 0)));
  const h0 = v0.map(up);
  const persistent = o.persistent && p.chain !== undefined && p.chain.length === B;
  let H = persistent ? p.chain! : draw(h0);
  let vk: number[][] = [];
  let hk: number[][] = [];
  let recon = 0;
  for (let s = 0; s < o.k; s++) {
    if (s > 0) H = draw(hk);
    const P = H.map(down);
    if (s === 0 && !persistent) P.forEach((row, r) => row.forEach((q, i) => (recon += (q - v0[r]![i]!) ** 2)));
    vk = draw(P);
    hk = vk.map(up);
  }
  if (o.persistent) p.chain = draw(hk);
  for (let j = 0; j < nu; j++) {
    for (let i = 0; i < nl; i++) {
      let d = 0;
      for (let r = 0; r < B; r++) d += h0[r]![j]! * v0[r]![i]! - hk[r]![j]! * vk[r]![i]!;
      const idx = j * nl + i;
      p.vW[idx] = o.momentum * p.vW[idx]! + o.learningRate * (d / B - o.weightDecay * p.W[idx]!);
      p.W[idx]! += p.vW[idx]!;
    }
    let da = 0;
    for (let r = 0; r < B; r++) da += h0[r]![j]! - hk[r]![j]!;
    p.va[j] = o.momentum * p.va[j]! + (o.learningRate * da) / B;
    p.a[j]! += p.va[j]!;
  }
  for (let i = 0; i < nl; i++) {
    let db = 0;
    for (let r = 0; r < B; r++) db += v0[r]![i]! - vk[r]![i]!;
    p.vb[i] = o.momentum * p.vb[i]! + (o.learningRate * db) / B;
    p.b[i]! += p.vb[i]!;
  }
  return recon;
}

const be = createCpuBackend({ threads: 2, parallelMinFlops: 1 });
afterAll(() => be.dispose());

describe('fused f32 RBM trainer (cpu backend)', () => {
  const nu = 5;
  const nl = 7;
  const rng = createRng(3);
  const W = Float64Array.from({ length: nu * nl }, () => 0.8 * rng.nextGaussian());
  const a = Float64Array.from({ length: nu }, () => 0.3 * rng.nextGaussian());
  const b = Float64Array.from({ length: nl }, () => 0.3 * rng.nextGaussian());
  const batch = (seed: number, rows: number) => {
    const r = createRng(seed);
    return Array.from({ length: rows }, () => Array.from({ length: nl }, () => (r.nextFloat() < 0.4 ? 1 : 0)));
  };

  for (const persistent of [false, true]) {
    it(`matches a plain f64 twin step by step (CD-2 with momentum and decay${persistent ? ', persistent chain' : ''}), with GEMMs run in between`, () => {
      const trainer = be.createRbmTrainer!(nu, nl, 8)!;
      trainer.load(W, a, b);
      const seedRng = createRng(11);
      const words = (() => {
        const copy = createRng(11);
        return Array.from({ length: 8 }, () => copy.nextUint32());
      })();
      trainer.seed(seedRng);
      const u: [() => number, () => number] = [stream(words.slice(0, 4)), stream(words.slice(4))];
      const ref = {
        W: W.slice(),
        a: a.slice(),
        b: b.slice(),
        vW: new Float64Array(nu * nl),
        va: new Float64Array(nu),
        vb: new Float64Array(nl),
      } as Parameters<typeof referenceStep>[0];
      const o: RbmTrainerStep = { k: 2, learningRate: 0.2, momentum: 0.5, weightDecay: 0.01, persistent };
      for (let t = 0; t < 3; t++) {
        const v0 = batch(20 + t, t === 2 ? 5 : 6);
        const recon = trainer.step(Float64Array.from(v0.flat()), v0.length, o);
        const expected = referenceStep(ref, v0, nu, nl, o, u);
        expect(recon).toBeCloseTo(expected, 4);
        // an unrelated product in between must not disturb the resident state
        const m = be.matmul(
          { rows: 40, cols: 30, data: new Float64Array(1200).fill(1) },
          { rows: 30, cols: 50, data: new Float64Array(1500).fill(2) },
        );
        expect(m.data[0]).toBe(60);
      }
      const out = { W: new Float64Array(nu * nl), a: new Float64Array(nu), b: new Float64Array(nl) };
      trainer.store(out.W, out.a, out.b);
      expectAllClose(out.W, ref.W, { rtol: 1e-4, atol: 1e-5, label: 'W' });
      expectAllClose(out.a, ref.a, { rtol: 1e-4, atol: 1e-5, label: 'a' });
      expectAllClose(out.b, ref.b, { rtol: 1e-4, atol: 1e-5, label: 'b' });
      trainer.dispose();
      expect(() => trainer.step(new Float64Array(nl), 1, o)).toThrow(/after dispose/);
    });
  }

  it('gives bit-identical parameters on one thread and on two (draws do not depend on the split)', async () => {
    const one = createCpuBackend({ threads: 1 });
    await be.ready();
    const run = (backend: typeof be) => {
      const t = backend.createRbmTrainer!(nu, nl, 8)!;
      t.load(W, a, b);
      t.seed(createRng(5));
      for (let i = 0; i < 4; i++) {
        const v0 = batch(40 + i, 7);
        t.step(Float64Array.from(v0.flat()), 7, {
          k: 1,
          learningRate: 0.1,
          momentum: 0.9,
          weightDecay: 0,
          persistent: true,
        });
      }
      const out = new Float64Array(nu * nl);
      t.store(out, new Float64Array(nu), new Float64Array(nl));
      t.dispose();
      return out;
    };
    expect(Array.from(run(be))).toEqual(Array.from(run(one)));
    one.dispose();
  });

  it('rejects bad sizes and batches larger than it holds', () => {
    expect(() => be.createRbmTrainer!(0, 3, 4)).toThrow(RangeError);
    const t = be.createRbmTrainer!(3, 4, 2)!;
    t.load(new Float64Array(12), new Float64Array(3), new Float64Array(4));
    t.seed(createRng(1));
    expect(() =>
      t.step(new Float64Array(12), 3, { k: 1, learningRate: 0.1, momentum: 0, weightDecay: 0, persistent: false }),
    ).toThrow(/at most 2/);
    expect(() => t.load(new Float64Array(11), new Float64Array(3), new Float64Array(4))).toThrow(/3×4/);
    t.dispose();
  });

  it('the js backend has no fused trainer', () => {
    const js = createCpuBackend({ wasm: false });
    expect(js.createRbmTrainer).toBeUndefined();
    js.dispose();
  });
});
