/**
 * Inputs stored by their nonzero entries, for the products a softmax
 * regression repeats every epoch with few outputs (K = 10 classes):
 *   z = X W + b  (rows of X, compressed sparse rows) and
 *   g_W = Xᵀ G   (columns of X, compressed sparse columns),
 * each output entry summed in a register over the nonzeros of one row or
 * column. Binarised digits are about a fifth ink, so these cost a fifth of the
 * dense products and skip a GEMM's packing, which dominates at 10 columns
 * (measured on a 1,000 × 196 fit at a fifth density). Skipping exact zeros changes no term of any sum, only the order in
 * which they are rounded.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';

/** One orientation: entries of line i are index/value[start[i] … start[i+1]). */
interface Compressed {
  readonly start: Int32Array;
  readonly index: Int32Array;
  readonly value: Float64Array;
}

export interface SparseInputs {
  readonly rows: number;
  readonly cols: number;
  readonly byRow: Compressed;
  readonly byColumn: Compressed;
}

/** Largest fraction of nonzeros at which the compressed form is used. */
export const SPARSE_DENSITY_LIMIT = 0.5;

/** X compressed both ways, or undefined when more than `SPARSE_DENSITY_LIMIT` of it is nonzero. */
export function sparseInputsOf(x: Matrix<Float64Array>): SparseInputs | undefined {
  let nnz = 0;
  for (let i = 0; i < x.data.length; i++) if (x.data[i] !== 0) nnz++;
  if (nnz > x.data.length * SPARSE_DENSITY_LIMIT) return undefined;
  const byRow = compress(x.rows, x.cols, nnz, (i, j) => x.data[i * x.cols + j]!);
  const byColumn = compress(x.cols, x.rows, nnz, (j, i) => x.data[i * x.cols + j]!);
  return { rows: x.rows, cols: x.cols, byRow, byColumn };
}

function compress(lines: number, length: number, nnz: number, at: (line: number, k: number) => number): Compressed {
  const start = new Int32Array(lines + 1);
  const index = new Int32Array(nnz);
  const value = new Float64Array(nnz);
  let n = 0;
  for (let i = 0; i < lines; i++) {
    start[i] = n;
    for (let k = 0; k < length; k++) {
      const v = at(i, k);
      if (v !== 0) {
        index[n] = k;
        value[n++] = v;
      }
    }
  }
  start[lines] = n;
  return { start, index, value };
}

/** X B + bias (bias optional), X.rows × B.cols; B has X.cols rows. */
export function sparseTimes(x: SparseInputs, B: Matrix<Float64Array>, bias?: Float64Array): Matrix<Float64Array> {
  if (B.rows !== x.cols) throw new RangeError(`X has ${x.cols} columns but B ${B.rows} rows`);
  return lineProducts(x.byRow, x.rows, B, bias);
}

/** Xᵀ G, X.cols × G.cols; G has X.rows rows. */
export function sparseTransposeTimes(x: SparseInputs, G: Matrix<Float64Array>): Matrix<Float64Array> {
  if (G.rows !== x.rows) throw new RangeError(`X has ${x.rows} rows but G ${G.rows}`);
  return lineProducts(x.byColumn, x.cols, G, undefined);
}

/**
 * out[i, c] = bias[c] + Σ_k value_k B[index_k, c] over line i's entries: all
 * ten columns in one pass when K = 10 (the classes of a digit classifier, the
 * case the fits run), else one pass per column. Each sum runs over the entries
 * in index order whatever the grouping, so results do not depend on it.
 */
function lineProducts(s: Compressed, lines: number, B: Matrix<Float64Array>, bias: Float64Array | undefined) {
  const K = B.cols;
  const out = matrix(lines, K);
  const { start, index, value } = s;
  for (let i = 0; i < lines; i++) {
    if (K === 10) {
      pass10(s, i, B.data, bias, out.data);
      continue;
    }
    for (let c = 0; c < K; c++) {
      let a = bias ? bias[c]! : 0;
      for (let k = start[i]!, hi = start[i + 1]!; k < hi; k++) a += value[k]! * B.data[index[k]! * K + c]!;
      out.data[i * K + c] = a;
    }
  }
  return out;
}

function pass10(
  { start, index, value }: Compressed,
  i: number,
  b: Float64Array,
  bias: Float64Array | undefined,
  o: Float64Array,
): void {
  let a0 = bias ? bias[0]! : 0;
  let a1 = bias ? bias[1]! : 0;
  let a2 = bias ? bias[2]! : 0;
  let a3 = bias ? bias[3]! : 0;
  let a4 = bias ? bias[4]! : 0;
  let a5 = bias ? bias[5]! : 0;
  let a6 = bias ? bias[6]! : 0;
  let a7 = bias ? bias[7]! : 0;
  let a8 = bias ? bias[8]! : 0;
  let a9 = bias ? bias[9]! : 0;
  for (let k = start[i]!, hi = start[i + 1]!; k < hi; k++) {
    const v = value[k]!;
    const at = index[k]! * 10;
    a0 += v * b[at]!;
    a1 += v * b[at + 1]!;
    a2 += v * b[at + 2]!;
    a3 += v * b[at + 3]!;
    a4 += v * b[at + 4]!;
    a5 += v * b[at + 5]!;
    a6 += v * b[at + 6]!;
    a7 += v * b[at + 7]!;
    a8 += v * b[at + 8]!;
    a9 += v * b[at + 9]!;
  }
  const w = i * 10;
  o[w] = a0;
  o[w + 1] = a1;
  o[w + 2] = a2;
  o[w + 3] = a3;
  o[w + 4] = a4;
  o[w + 5] = a5;
  o[w + 6] = a6;
  o[w + 7] = a7;
  o[w + 8] = a8;
  o[w + 9] = a9;
}
