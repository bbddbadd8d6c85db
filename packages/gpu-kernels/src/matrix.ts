/**
 * Dense row-major matrices with explicit shapes.
 *
 * Element (i, j) of a `rows × cols` matrix lives at `data[i * cols + j]`.
 * Vectors are plain typed arrays; a row vector is a `1 × n` matrix.
 */

/** The two element types every backend accepts. */
export type FloatArray = Float64Array | Float32Array;

/** Row-major matrix; `data.length === rows * cols`. */
export interface Matrix<A extends FloatArray = Float64Array> {
  readonly rows: number;
  readonly cols: number;
  readonly data: A;
}

/** Short "r×c" description used in every shape error. */
export function describeShape(m: { rows: number; cols: number }): string {
  return `${m.rows}×${m.cols}`;
}

function checkDim(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  }
}

/**
 * Wraps (or allocates) row-major storage as a matrix.
 * @throws RangeError if `data.length !== rows * cols` or a dimension is not a non-negative integer.
 */
export function matrix(rows: number, cols: number, data?: Float64Array): Matrix<Float64Array>;
export function matrix<A extends FloatArray>(rows: number, cols: number, data: A): Matrix<A>;
export function matrix(rows: number, cols: number, data?: FloatArray): Matrix<FloatArray> {
  checkDim('rows', rows);
  checkDim('cols', cols);
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) {
    throw new RangeError(`data of length ${d.length} does not fit a ${rows}×${cols} matrix`);
  }
  return { rows, cols, data: d };
}

/** A zero matrix of the same element type as `like` (Float64Array by default). */
export function zeros<A extends FloatArray = Float64Array>(rows: number, cols: number, like?: A): Matrix<A> {
  checkDim('rows', rows);
  checkDim('cols', cols);
  const ctor = (like?.constructor ?? Float64Array) as new (n: number) => A;
  return { rows, cols, data: new ctor(rows * cols) };
}

/**
 * Builds a Float64 matrix from nested rows.
 * @throws RangeError if the rows are ragged.
 */
export function fromRows(rows: readonly ArrayLike<number>[]): Matrix<Float64Array> {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const data = new Float64Array(r * c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new RangeError(`row ${i} has ${row.length} entries, expected ${c}`);
    data.set(row, i * c);
  });
  return { rows: r, cols: c, data };
}

/**
 * The rows of m as views into its data (no copy: writing a view writes m), the
 * inverse of `fromRows` for code that works a row at a time.
 */
export function rowViews<A extends FloatArray>(m: Matrix<A>): A[] {
  const out: A[] = [];
  for (let i = 0; i < m.rows; i++) out.push(m.data.subarray(i * m.cols, (i + 1) * m.cols) as A);
  return out;
}

/** Nested-array copy of a matrix (for printing, JSON and mathjs interop). */
export function toRows(m: Matrix<FloatArray>): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** Aᵀ as a new matrix of the same element type. */
export function transpose<A extends FloatArray>(a: Matrix<A>): Matrix<A> {
  const out = zeros(a.cols, a.rows, a.data);
  const { rows, cols, data } = a;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out.data[j * rows + i] = data[i * cols + j]!;
  }
  return out;
}

/** Column j of m as a new Float64Array (e.g. an eigenvector of `symmetricEigen`). @throws RangeError if j is out of range */
export function column(m: Matrix<FloatArray>, j: number): Float64Array {
  if (!Number.isInteger(j) || j < 0 || j >= m.cols) throw new RangeError(`column ${j} of a ${describeShape(m)} matrix`);
  return Float64Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]!);
}

/**
 * v or −v, whichever has its largest-magnitude component positive: the sign
 * convention for eigenvectors and singular vectors, whose sign is otherwise arbitrary.
 */
export function orientLargestPositive(v: Float64Array): Float64Array {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(v[k]!)) k = i;
  return v.length > 0 && v[k]! < 0 ? v.map((x) => -x) : v;
}

/** n × n identity. */
export function identity(n: number): Matrix<Float64Array> {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Converts the storage precision (copying). */
export function toFloat32(m: Matrix<FloatArray>): Matrix<Float32Array> {
  return { rows: m.rows, cols: m.cols, data: Float32Array.from(m.data) };
}
export function toFloat64(m: Matrix<FloatArray>): Matrix<Float64Array> {
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

/**
 * Validates that `m` is a well-formed matrix (integer dims, matching storage).
 * @throws RangeError naming `what` otherwise.
 */
export function assertMatrix(what: string, m: Matrix<FloatArray>): void {
  if (
    m === null ||
    typeof m !== 'object' ||
    !Number.isInteger(m.rows) ||
    !Number.isInteger(m.cols) ||
    m.rows < 0 ||
    m.cols < 0 ||
    !(m.data instanceof Float64Array || m.data instanceof Float32Array)
  ) {
    throw new RangeError(`${what} must be a matrix {rows, cols, data: Float64Array | Float32Array}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`${what} is declared ${describeShape(m)} but holds ${m.data.length} values`);
  }
}
