import { assertMatrix, describeShape, type FloatArray, type Matrix } from './matrix.js';
import type { MatmulOptions } from './backend.js';

/** Shape of op(A)·op(B) after validation. */
export interface ProductShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/**
 * Validates op(A)·op(B) and returns (m, n, k).
 * @throws RangeError naming both shapes when the inner dimensions differ or the element types differ.
 */
export function checkProduct(
  op: string,
  a: Matrix<FloatArray>,
  b: Matrix<FloatArray>,
  options: MatmulOptions = {},
): ProductShape {
  assertMatrix(`${op}: A`, a);
  assertMatrix(`${op}: B`, b);
  const ta = options.transA === true;
  const tb = options.transB === true;
  const m = ta ? a.cols : a.rows;
  const ka = ta ? a.rows : a.cols;
  const kb = tb ? b.cols : b.rows;
  const n = tb ? b.rows : b.cols;
  if (ka !== kb) {
    throw new RangeError(
      `${op}: inner dimensions differ: op(A) is ${m}×${ka} (A ${describeShape(a)}${ta ? ', transposed' : ''}), ` +
        `op(B) is ${kb}×${n} (B ${describeShape(b)}${tb ? ', transposed' : ''})`,
    );
  }
  if (a.data.constructor !== b.data.constructor) {
    throw new RangeError(
      `${op}: A is ${a.data.constructor.name} but B is ${b.data.constructor.name}; convert one first`,
    );
  }
  return { m, n, k: ka };
}

/** @throws RangeError unless `bias.length === n`. */
export function checkBias(op: string, bias: ArrayLike<number>, n: number, shape: string): void {
  if (bias === null || typeof bias !== 'object' || typeof bias.length !== 'number') {
    throw new RangeError(`${op}: bias must be an array of ${n} numbers`);
  }
  if (bias.length !== n) {
    throw new RangeError(`${op}: bias has ${bias.length} entries but the product ${shape} has ${n} columns`);
  }
}

/** @throws RangeError unless X and Y have the same number of rows (samples). */
export function checkSameRows(op: string, x: Matrix<FloatArray>, y: Matrix<FloatArray>): void {
  assertMatrix(`${op}: X`, x);
  assertMatrix(`${op}: Y`, y);
  if (x.rows !== y.rows) {
    throw new RangeError(
      `${op}: X is ${describeShape(x)} and Y is ${describeShape(y)}; they need the same number of rows (samples)`,
    );
  }
}

/** @throws RangeError unless the matrix is square. */
export function checkSquare(op: string, a: Matrix<FloatArray>): void {
  assertMatrix(`${op}: A`, a);
  if (a.rows !== a.cols) throw new RangeError(`${op}: A must be square, got ${describeShape(a)}`);
}

/** @throws RangeError unless each row length is a power of two. */
export function checkPowerOfTwoCols(op: string, x: Matrix<FloatArray>): void {
  assertMatrix(`${op}: X`, x);
  const c = x.cols;
  if (c === 0 || (c & (c - 1)) !== 0) {
    throw new RangeError(`${op}: rows must have a power-of-two length, got ${describeShape(x)}`);
  }
}

/** @throws RangeError unless A is n×n and B is n×m. */
export function checkSolve(op: string, a: Matrix<FloatArray>, b: Matrix<FloatArray>): void {
  checkSquare(op, a);
  assertMatrix(`${op}: B`, b);
  if (b.rows !== a.rows) {
    throw new RangeError(`${op}: A is ${describeShape(a)} but B is ${describeShape(b)}; B needs ${a.rows} rows`);
  }
}
