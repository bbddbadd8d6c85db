import type { FloatArray, Matrix } from './matrix.js';
import type { Rng } from './random.js';
import type { SymmetricEigen } from './linalg/symmetric-eigen.js';
import type { ComplexEigenvalues } from './linalg/general-eigenvalues.js';

/** op(X) = X or Xᵀ for each operand of a product. */
export interface MatmulOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/** Which implementation family answers; `mode` says what actually executes. */
export type BackendName = 'cpu' | 'gpujs';

/**
 * The operations every rgdl layer needs, over row-major matrices with explicit
 * shapes. Results have the element type of the inputs (Float64Array in,
 * Float64Array out), whatever precision the backend computes in. Every method
 * validates shapes and throws `RangeError` naming both shapes; NaN inputs
 * propagate to NaN outputs and never make a kernel loop.
 */
export interface Backend {
  readonly name: BackendName;
  /**
   * What executes: `wasm-simd` (1 thread), `wasm-simd×2`, `js` for cpu;
   * `gpujs:<mode>` (gpu | headlessgl | webgl2 | webasm | cpu) for gpujs.
   */
  readonly mode: string;
  /** Arithmetic precision for Float64Array inputs (Float32Array inputs are computed in f32). */
  readonly precision: 'f64' | 'f32';
  /** Set when this backend stands in for the one asked for. */
  readonly fallbackReason?: string;

  /** C = op(A)·op(B); op(A) is m×k, op(B) is k×n. @throws RangeError on inner-dimension mismatch. */
  matmul<A extends FloatArray>(a: Matrix<A>, b: Matrix<A>, options?: MatmulOptions): Matrix<A>;
  /** C = op(A)·op(B) + 1·biasᵀ, bias of length n added to every row (e.g. V Wᵀ + a). */
  matmulAddBias<A extends FloatArray>(
    a: Matrix<A>,
    b: Matrix<A>,
    bias: ArrayLike<number>,
    options?: MatmulOptions,
  ): Matrix<A>;
  /** σ(x) = 1/(1+e^{−x}) element-wise. */
  sigmoid<A extends FloatArray>(x: Matrix<A>): Matrix<A>;
  /** log(1+eˣ) element-wise, stable for large |x|. */
  softplus<A extends FloatArray>(x: Matrix<A>): Matrix<A>;
  /** log σ(x) = −softplus(−x) element-wise. */
  logSigmoid<A extends FloatArray>(x: Matrix<A>): Matrix<A>;
  /**
   * Independent Bernoulli draws h_ij ~ B(p_ij): 1 if u_ij < p_ij, u_ij =
   * rng.nextFloat32() in row-major order (so every backend gives the same draws
   * for the same seed).
   */
  sampleBernoulli<A extends FloatArray>(p: Matrix<A>, rng: Rng): Matrix<A>;
  /** μ_j = (1/n) Σ_i X_ij over the n rows (samples). */
  columnMeans(x: Matrix<FloatArray>): Float64Array;
  /** Cov(X) = XᵀX/n − μμᵀ (population covariance of the columns), p×p. */
  covariance(x: Matrix<FloatArray>): Matrix<Float64Array>;
  /** Cov(X, Y) = XᵀY/n − μ_X μ_Yᵀ, p×q; X and Y must have the same number of rows. */
  crossCovariance(x: Matrix<FloatArray>, y: Matrix<FloatArray>): Matrix<Float64Array>;
  /** Unnormalised fast Walsh–Hadamard transform of each row (row length 2^m). */
  walshHadamard<A extends FloatArray>(x: Matrix<A>): Matrix<A>;
  /** log Σ_j exp(X_ij) for each row i. */
  logSumExp(x: Matrix<FloatArray>): Float64Array;
  /** Eigenpairs of a symmetric matrix, values descending (Householder + QL). */
  symmetricEigen(a: Matrix<Float64Array>): SymmetricEigen;
  /**
   * Eigenvalues of a general (non-symmetric) square matrix, complex pairs included
   * (Hessenberg reduction + Francis double-shift QR), in no particular order.
   */
  eigenvalues(a: Matrix<Float64Array>): ComplexEigenvalues;
  /** X with A X = B by pivoted LU (never A⁻¹). @throws SingularMatrixError. */
  solve(a: Matrix<Float64Array>, b: Matrix<Float64Array>): Matrix<Float64Array>;
  /**
   * A fused f32 CD-k / PCD-k trainer for one RBM layer held in this backend's own
   * memory (see `RbmTrainer`), or undefined when the backend has none (callers then
   * compose the step from the ops above).
   */
  createRbmTrainer?(nUpper: number, nLower: number, maxBatch: number): RbmTrainer | undefined;
  /**
   * Resident f64 arrays of the given lengths with the arithmetic of single-site
   * Gibbs moves against a softplus normaliser (see `GibbsSiteKernels`), or undefined
   * when the backend has none (callers then use `jsGibbsSiteKernels`: the same bits).
   */
  createGibbsSiteKernels?(lengths: readonly number[]): GibbsSiteKernels | undefined;
  /**
   * Resolves once helper threads / GPU contexts are warmed up (calls made before
   * that still work, on fewer resources). Rejects if they failed to start.
   */
  ready(): Promise<void>;
  /** Releases threads / GPU contexts; the backend must not be used afterwards. */
  dispose(): void;
}

export interface RbmTrainerStep {
  /** Gibbs steps per update (≥ 1). */
  readonly k: number;
  readonly learningRate: number;
  readonly momentum: number;
  /** L2 penalty on W. */
  readonly weightDecay: number;
  /**
   * Start the chain from the persistent states of the previous step (PCD) rather than
   * from the data; a batch of a different size restarts it from the data.
   */
  readonly persistent: boolean;
}

/**
 * One RBM layer (W: nUpper × nLower, a: nUpper, b: nLower) resident in backend
 * memory, trained by fused f32 contrastive divergence. Per step, on a batch of
 * lower rows v₀ (values in [0, 1]):
 *   h₀ = σ(W v₀ + a); chain h ~ B(h₀) (or the persistent chain); k times
 *   v ~ B(σ(Wᵀh + b)), h_k = σ(W v + a), h ~ B(h_k);
 *   ΔW ∝ h₀v₀ᵀ − h_k v_kᵀ, Δa ∝ h₀ − h_k, Δb ∝ v₀ − v_k (batch means), with
 *   momentum and weight decay, on f64 master weights with f32 mirrors for the
 *   products. Bernoulli draws come from the trainer's own xoroshiro128+ stream,
 *   seeded from the caller's Rng, so a seed fixes the result (the draws are not
 *   those of `sampleBernoulli`).
 */
export interface RbmTrainer {
  /** Loads the parameters (copied in). */
  load(W: Float64Array, a: Float64Array, b: Float64Array): void;
  /** Seeds the trainer's Bernoulli stream from `rng` (4 draws) and forgets any persistent chain. */
  seed(rng: { nextUint32(): number }): void;
  /**
   * One update on the first `rows` rows of v₀ (rows × nLower, row-major, rows ≤ maxBatch).
   * Returns Σ (σ(Wᵀh + b) − v₀)² of the first reconstruction (0 when the chain was persistent).
   */
  step(v0: Float64Array, rows: number, options: RbmTrainerStep): number;
  /** Copies the parameters out. */
  store(W: Float64Array, a: Float64Array, b: Float64Array): void;
  /** Releases its memory; the trainer must not be used afterwards. */
  dispose(): void;
}

/**
 * The inner loops of single-site Gibbs sampling of a binary level h above a
 * fixed level v whose conditional p(v | h) = Π_i σ(±u_i) is normalised by
 * softplus (the generation network's posterior p(h | x, y), @rgdl/fisher), on
 * f64 arrays named by their index in the `lengths` they were created with
 * (offsets in elements). With u the field on v, s = σ(u), c = σ(−u) and e a row
 * of e^{±W}:
 *   chunkProducts: out[k] = Π_{i ∈ chunk k} (c_i + s_i e_i), chunks of `chunk`
 *     elements, each taken as four running products over i mod 4 multiplied in
 *     order; log Σ of them is softplus(u + w) − softplus(u) summed (or its
 *     negation for e^{−W});
 *   flip: unit j changed by `sign`: u += sign·W_j, s ← s e / f, c ← c / f with
 *     f = c + s e, e = e^{sign·W_j};
 *   axpy: y += a·x.
 * Every implementation does the same IEEE operations in the same order (no fused
 * multiply-add), so every backend gives the same bits.
 */
export interface GibbsSiteKernels {
  /**
   * Views of the arrays, in the order created (zero at creation). They stay valid until the backend's
   * memory next grows (any other call on the backend may grow it): fetch them again then.
   */
  arrays(): Float64Array[];
  /** Writes the products of the chunks of e[eOffset …] · s + c (n elements) to out[0 …]; returns the chunk count. */
  chunkProducts(e: number, eOffset: number, n: number, chunk: number, s: number, c: number, out: number): number;
  /** u += sign·w[wOffset …], then s and c as above with e[eOffset …] (n elements). */
  flip(
    n: number,
    sign: number,
    w: number,
    wOffset: number,
    e: number,
    eOffset: number,
    u: number,
    s: number,
    c: number,
  ): void;
  /** y[yOffset + i] += a · x[xOffset + i] for i < n. */
  axpy(n: number, a: number, x: number, xOffset: number, y: number, yOffset: number): void;
  /** Releases the arrays; the object must not be used afterwards. */
  dispose(): void;
}
