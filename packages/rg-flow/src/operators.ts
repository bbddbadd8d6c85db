/**
 * Operator sets for effective Hamiltonians (eq. 5, 12). Spins are s = 2h − 1.
 * An operator is a sum of monomials Π_{i∈t} s_i over its terms t (one term for a
 * plain operator; all translates for a lattice-summed one):
 *   O_α(s) = Σ_{t ∈ terms(α)} Π_{i∈t} s_i.
 * Its coupling g_α is the coefficient shared by those monomials in
 * H = Σ_α g_α O_α, so operator sets are data and one code path serves network
 * layers and lattice block spins alike.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { assertEnumerable } from '@rgdl/rbm';

export interface Operator {
  /** Monomials of the operator, each a list of distinct unit indices. */
  readonly terms: readonly (readonly number[])[];
  /** Human-readable name, e.g. "s3", "s1·s4", "Σ nn". */
  readonly name: string;
}

export interface OperatorSet {
  /** Number of units the operators act on. */
  readonly n: number;
  readonly operators: readonly Operator[];
}

function monomialName(t: readonly number[]): string {
  return t.length === 0 ? '1' : t.map((i) => `s${i}`).join('·');
}

/**
 * An operator set from plain monomials (one term each).
 * @throws RangeError for out-of-range, repeated or empty index sets.
 */
export function operatorSet(n: number, monomials: readonly (readonly number[])[]): OperatorSet {
  return { n, operators: monomials.map((t) => ({ terms: [checkTerm(n, t)], name: monomialName(t) })) };
}

function checkTerm(n: number, t: readonly number[]): readonly number[] {
  if (t.length === 0) throw new RangeError('an operator term needs at least one unit (the constant is implicit)');
  const seen = new Set<number>();
  for (const i of t) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`unit index ${i} is outside 0…${n - 1}`);
    if (seen.has(i)) throw new RangeError(`unit index ${i} repeats in term [${t.join(', ')}]`);
    seen.add(i);
  }
  return [...t].sort((a, b) => a - b);
}

/** Lattice-summed (or otherwise grouped) operators: each entry lists its terms. */
export function summedOperatorSet(
  n: number,
  operators: readonly { name: string; terms: readonly (readonly number[])[] }[],
): OperatorSet {
  return { n, operators: operators.map((o) => ({ name: o.name, terms: o.terms.map((t) => checkTerm(n, t)) })) };
}

/** s_i for i = 0…n−1. */
export function singles(n: number): OperatorSet {
  return operatorSet(
    n,
    Array.from({ length: n }, (_, i) => [i]),
  );
}

/** s_i s_j for all i < j. */
export function allPairs(n: number): OperatorSet {
  const m: number[][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m.push([i, j]);
  return operatorSet(n, m);
}

/** Concatenation of sets on the same units. */
export function union(...sets: OperatorSet[]): OperatorSet {
  const n = sets[0]?.n ?? 0;
  if (sets.some((s) => s.n !== n)) throw new RangeError('union: operator sets act on different numbers of units');
  return { n, operators: sets.flatMap((s) => s.operators) };
}

/** All monomials of order 1…m, ordered by order then lexicographically. */
export function upToOrder(n: number, m: number): OperatorSet {
  const out: number[][] = [];
  const rec = (start: number, cur: number[], order: number) => {
    if (cur.length === order) {
      out.push([...cur]);
      return;
    }
    for (let i = start; i < n; i++) {
      cur.push(i);
      rec(i + 1, cur, order);
      cur.pop();
    }
  };
  for (let order = 1; order <= Math.min(m, n); order++) rec(0, [], order);
  return operatorSet(n, out);
}

/**
 * The complete basis: all 2^n − 1 non-empty monomials, operator α − 1 having
 * the units of the bitmask α (so index = mask − 1, the WHT order).
 * @throws RangeError above the 'stability' enumeration limit.
 */
export function completeBasis(n: number): OperatorSet {
  assertEnumerable(n, 'stability', `complete operator basis of ${n} units`);
  const m: number[][] = [];
  for (let mask = 1; mask < 2 ** n; mask++) {
    const t: number[] = [];
    for (let i = 0; i < n; i++) if ((mask >>> i) & 1) t.push(i);
    m.push(t);
  }
  return operatorSet(n, m);
}

/** Nearest-neighbour pairs of a 1D chain of L sites (periodic adds the bond L−1—0). */
export function chainNearestNeighbours(L: number, options: { periodic?: boolean; summed?: boolean } = {}): OperatorSet {
  const bonds: number[][] = [];
  for (let i = 0; i + 1 < L; i++) bonds.push([i, i + 1]);
  if (options.periodic && L > 2) bonds.push([0, L - 1]);
  return options.summed ? summedOperatorSet(L, [{ name: 'Σ nn', terms: bonds }]) : operatorSet(L, bonds);
}

/** Shapes on a periodic L×L lattice, as offsets from the anchor site (dx, dy). */
export const LATTICE_SHAPES = {
  magnetisation: [[0, 0]],
  nn: [
    [0, 0],
    [1, 0],
  ], // plus its 90° rotation
  nnn: [
    [0, 0],
    [1, 1],
  ], // plus the other diagonal
  plaquette: [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ],
  threeSpin: [
    [0, 0],
    [1, 0],
    [0, 1],
  ],
  thirdNeighbour: [
    [0, 0],
    [2, 0],
  ],
} as const;
export type LatticeShape = keyof typeof LATTICE_SHAPES;

const ROTATED: Partial<Record<LatticeShape, readonly (readonly [number, number])[]>> = {
  nn: [
    [0, 0],
    [0, 1],
  ],
  nnn: [
    [0, 1],
    [1, 0],
  ],
  thirdNeighbour: [
    [0, 0],
    [0, 2],
  ],
};

/**
 * Lattice-summed operators on a periodic L×L lattice (site (x, y) = unit y·L + x):
 * each shape summed over all translations (and, for bonds, both orientations).
 */
export function latticeOperators(L: number, shapes: readonly LatticeShape[]): OperatorSet {
  const site = (x: number, y: number) => (((y % L) + L) % L) * L + (((x % L) + L) % L);
  return summedOperatorSet(
    L * L,
    shapes.map((shape) => {
      const variants = [LATTICE_SHAPES[shape], ...(ROTATED[shape] ? [ROTATED[shape]!] : [])];
      const terms: number[][] = [];
      const seen = new Set<string>();
      for (const offsets of variants) {
        for (let y = 0; y < L; y++) {
          for (let x = 0; x < L; x++) {
            const t = [...new Set(offsets.map(([dx, dy]) => site(x + dx, y + dy)))].sort((a, b) => a - b);
            const key = t.join(',');
            if (t.length === offsets.length && !seen.has(key)) {
              seen.add(key);
              terms.push(t);
            }
          }
        }
      }
      return { name: `Σ ${shape}`, terms };
    }),
  );
}

/**
 * O_α(s) for every sample row (binary h, converted to s = 2h − 1): samples × |set|.
 * Cost Σ_α |terms(α)|·order per sample.
 * @throws RangeError when the samples have the wrong width.
 */
export function evaluateOperators(set: OperatorSet, samples: Matrix<Float64Array>): Matrix<Float64Array>;
/** The same, written into a Float32Array (exact for operators of binary samples: small integers). */
export function evaluateOperators(
  set: OperatorSet,
  samples: Matrix<Float64Array>,
  precision: 'f32',
): Matrix<Float32Array>;
export function evaluateOperators(
  set: OperatorSet,
  samples: Matrix<Float64Array>,
  precision: 'f64' | 'f32' = 'f64',
): Matrix<Float64Array> | Matrix<Float32Array> {
  if (samples.cols !== set.n) throw new RangeError(`samples have ${samples.cols} units, operator set acts on ${set.n}`);
  const nOps = set.operators.length;
  const out =
    precision === 'f32'
      ? { rows: samples.rows, cols: nOps, data: new Float32Array(samples.rows * nOps) }
      : matrix(samples.rows, nOps);
  const n = set.n;
  const spin = new Float64Array(n);
  // fast path: every operator a single monomial of one or two units (singles, pairs)
  if (set.operators.every((op) => op.terms.length === 1 && op.terms[0]!.length >= 1 && op.terms[0]!.length <= 2)) {
    const u0 = Int32Array.from(set.operators, (op) => op.terms[0]![0]!);
    const u1 = Int32Array.from(set.operators, (op) => op.terms[0]![1] ?? -1);
    for (let r = 0; r < samples.rows; r++) {
      for (let i = 0; i < n; i++) spin[i] = 2 * samples.data[r * n + i]! - 1;
      const base = r * nOps;
      for (let a = 0; a < nOps; a++) {
        const b = u1[a]!;
        out.data[base + a] = b < 0 ? spin[u0[a]!]! : spin[u0[a]!]! * spin[b]!;
      }
    }
    return out;
  }
  // flatten terms for a tight loop
  const opStart = new Int32Array(nOps + 1);
  const termStart: number[] = [];
  const units: number[] = [];
  let termCount = 0;
  set.operators.forEach((op, a) => {
    opStart[a] = termCount;
    for (const t of op.terms) {
      termStart.push(units.length);
      units.push(...t);
      termCount++;
    }
  });
  opStart[nOps] = termCount;
  termStart.push(units.length);
  const ts = Int32Array.from(termStart);
  const us = Int32Array.from(units);
  for (let r = 0; r < samples.rows; r++) {
    for (let i = 0; i < n; i++) spin[i] = 2 * samples.data[r * n + i]! - 1;
    for (let a = 0; a < nOps; a++) {
      let sum = 0;
      for (let t = opStart[a]!; t < opStart[a + 1]!; t++) {
        let prod = 1;
        for (let u = ts[t]!; u < ts[t + 1]!; u++) prod *= spin[us[u]!]!;
        sum += prod;
      }
      out.data[r * nOps + a] = sum;
    }
  }
  return out;
}

/** Bitmask of a monomial's units (n ≤ 30). */
export function termMask(t: readonly number[]): number {
  let m = 0;
  for (const i of t) m |= 1 << i;
  return m >>> 0;
}
