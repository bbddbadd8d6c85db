/**
 * Where does a deep RBM amplify a change of its output y? One cell of the
 * depth × width × weight-scale map (issue #15): for a net and a set of outputs y,
 *  - λ₁(F̃(y)) (exact when every level is enumerable, else sampled with its error:
 *    Gibbs with the missing-information estimator by default, or importance
 *    sampling, which reads λ₁ 2–4× low at widths 64–256 where its effective
 *    sample size is 1–2),
 *  - λ₁(F_top(y)), the data-processing bound, and the retention r = λ₁(F̃)/λ₁(F_top),
 *  - the mean-field Jacobian of generation: J = ∂E_MF[x]/∂y, the product over
 *    layers (top down) of diag(σ′(field_k)) · W_kᵀ, and its top singular value ‖J‖₂
 *    with the top singular value of each factor (a deterministic proxy of the
 *    per-layer stability matrix: a factor with ‖·‖₂ > 1 amplifies).
 */
import { rngFor, createRng, matrix, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { accuracy, classProbabilitiesAuto, createDeepRbm, downwardField, enumerable, type DeepRbm } from '@rgdl/rbm';
import { firstStepFisher, retention } from './bound.js';
import { generationFisher, topEigenpairs } from './fisher.js';
import { stabilityFlow } from './rg-imports.js';

export interface AmplificationCell {
  readonly widths: number[];
  readonly method: 'exact' | 'monte-carlo' | 'gibbs';
  /** Means over the outputs. */
  readonly lambda: number;
  /** Mean Monte Carlo error of λ₁ (0 when exact; Gibbs: λ₁'s jackknife error). */
  readonly lambdaError: number;
  readonly lambdaTop: number;
  readonly retention: number;
  /** Largest λ_max(F̃ − F_top) over the outputs (≤ 0 up to error). */
  readonly maxExcess: number;
  /** Mean ‖J‖₂ of the mean-field generation map and of each layer's factor (top layer first). */
  readonly jacobianNorm: number;
  readonly layerNorms: number[];
  /**
   * Stability matrices between hidden levels (singles; exact when every level has
   * ≤ 12 units, else MCRG): top singular value of each layer's T in travel order and
   * of the cumulative products, for generation (at e_0) and classification (at `x`).
   * Empty at depth 1 (no hidden-to-hidden layer).
   */
  readonly stability: {
    readonly generation: { readonly layers: number[]; readonly products: number[] };
    readonly classification: { readonly layers: number[]; readonly products: number[] };
  };
}

/** Top singular value of a matrix (√ of the top eigenvalue of AᵀA or AAᵀ, whichever is smaller). */
function spectralNorm(be: Backend, a: Matrix<Float64Array>): number {
  const g = a.rows <= a.cols ? be.matmul(a, a, { transB: true }) : be.matmul(a, a, { transA: true });
  return Math.sqrt(Math.max(0, be.symmetricEigen(g).values[0]!));
}

/** The mean-field generation Jacobian ∂E_MF[x]/∂y (n_N × n_0 as rows = y) and its layer factors. */
export function meanFieldGenerationJacobian(
  be: Backend,
  net: DeepRbm,
  y: Float64Array,
): { J: Matrix<Float64Array>; factors: Matrix<Float64Array>[] } {
  let h = matrix(1, y.length, y);
  let J: Matrix<Float64Array> | undefined;
  const factors: Matrix<Float64Array>[] = [];
  for (let k = net.layers.length - 1; k >= 0; k--) {
    const layer = net.layers[k]!;
    const p = be.sigmoid(downwardField(be, layer, h));
    // ∂p/∂h_upper = W (n_upper × n_lower) scaled column-wise by σ′
    const D = matrix(layer.W.rows, layer.W.cols);
    for (let i = 0; i < layer.W.rows; i++) {
      for (let j = 0; j < layer.W.cols; j++) {
        const s = p.data[j]!;
        D.data[i * layer.W.cols + j] = layer.W.data[i * layer.W.cols + j]! * s * (1 - s);
      }
    }
    factors.push(D);
    J = J === undefined ? D : be.matmul(J, D);
    h = p;
  }
  return { J: J!, factors };
}

/** How a map cell samples F̃ where a level is too wide to enumerate. */
export interface MapSampling {
  /** 'gibbs' (default): posterior sampling, K = `sweeps`; 'monte-carlo': importance sampling with `pool`. */
  readonly method?: 'gibbs' | 'monte-carlo';
  readonly samples: number;
  readonly pool: number;
  readonly batches: number;
  readonly sweeps?: number;
  readonly seed: number;
}

/**
 * Measures one net at the given outputs. The sampling settings are used when a
 * level is too wide for the 'fisher' enumeration limit.
 */
export function amplificationCell(
  be: Backend,
  net: DeepRbm,
  outputs: readonly Float64Array[],
  mc: MapSampling,
  x?: Float64Array,
): AmplificationCell {
  const widths = [net.layers[0]!.W.cols, ...net.layers.map((l) => l.W.rows)];
  const stabilityOf = (input: Float64Array, dir: 'up' | 'down') => {
    if (net.layers.length < 2) return { layers: [], products: [] };
    const small = enumerable(widths, 'map');
    const flow = stabilityFlow(be, net, matrix(1, input.length, input), dir, {
      method: small ? 'exact' : 'mcrg',
      operators: 'singles',
      eigen: false, // singular values only (QR eigen-iterations need not converge on 256 × 256 MCRG noise)
      samples: 20000,
      rng: rngFor('map-stability', mc.seed),
    });
    return { layers: flow.layers.map((l) => l.singularValues[0]!), products: flow.productTopSingularValues };
  };
  const xIn = x ?? Float64Array.from({ length: widths[0]! }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const exact = enumerable(widths, 'fisher');
  const sampler = mc.method ?? 'gibbs';
  const per = outputs.map((y, i) => {
    const rng = rngFor('map-output', mc.seed, i);
    const r = exact
      ? generationFisher(be, net, y, { method: 'exact' })
      : sampler === 'gibbs'
        ? generationFisher(be, net, y, {
            method: 'gibbs',
            samples: mc.samples,
            batches: mc.batches,
            ...(mc.sweeps !== undefined ? { sweeps: mc.sweeps } : {}),
            rng,
          })
        : generationFisher(be, net, y, {
            method: 'monte-carlo',
            samples: mc.samples,
            pool: mc.pool,
            batches: mc.batches,
            rng,
          });
    const top = topEigenpairs(be, r.F, 1);
    const v = top.vectors[0]!;
    const n = v.length;
    let err = 0;
    if (r.lambda1) err = r.lambda1.stderr ** 2;
    else if (r.stderr)
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) err += (v[a]! * v[b]! * r.stderr.data[a * n + b]!) ** 2;
    const bound = retention(be, r.F, firstStepFisher(be, net, y, 'down'));
    const { J, factors } = meanFieldGenerationJacobian(be, net, y);
    return {
      lambda: top.values[0]!,
      error: Math.sqrt(err),
      bound,
      jacobian: spectralNorm(be, J),
      layers: factors.map((f) => spectralNorm(be, f)),
    };
  });
  const avg = (f: (p: (typeof per)[number]) => number) => per.reduce((a, p) => a + f(p), 0) / per.length;
  return {
    widths,
    method: exact ? 'exact' : sampler,
    lambda: avg((p) => p.lambda),
    lambdaError: avg((p) => p.error),
    lambdaTop: avg((p) => p.bound.lambdaFirst),
    retention: avg((p) => p.bound.ratio),
    maxExcess: Math.max(...per.map((p) => p.bound.maxExcess)),
    jacobianNorm: avg((p) => p.jacobian),
    layerNorms: per[0]!.layers.map((_, k) => avg((p) => p.layers[k]!)),
    stability: { generation: stabilityOf(outputs[0]!, 'down'), classification: stabilityOf(xIn, 'up') },
  };
}

export interface AmplificationRow extends AmplificationCell {
  readonly kind: 'random' | 'victim';
  readonly depth: number;
  readonly width: number;
  readonly beta: number;
  /** Victims: eq. 2 accuracy on `test` (64 draws, or exact); null for random nets. */
  readonly accuracy: number | null;
}

/** Every weight multiplied by β (biases kept). */
export function scaleWeights(net: DeepRbm, beta: number): DeepRbm {
  return {
    layers: net.layers.map((l) => ({
      ...l,
      W: { rows: l.W.rows, cols: l.W.cols, data: l.W.data.map((v) => v * beta) },
    })),
  };
}

/** One draw of a random net [w, …, w, 10] of the given depth (seeded by depth and width), weights × β. */
export function randomMapNet(width: number, depth: number, beta: number): DeepRbm {
  const base = createDeepRbm(
    [width, ...new Array<number>(depth - 1).fill(width), 10],
    rngFor('map-net', depth, width),
    {
      weightScale: 1,
    },
  );
  return scaleWeights(base, beta);
}

/** The one-hot outputs e_0 … e_{k−1} of 10 classes a map cell averages over. */
export function mapOutputs(k = 4): Float64Array[] {
  return Array.from({ length: k }, (_, c) => Float64Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0)));
}

/** eq. 2 accuracy with 64 draws (exact when enumerable), the map's victim score. */
export function mapAccuracy(be: Backend, net: DeepRbm, test: { x: Matrix<Float64Array>; labels: Int32Array }): number {
  return accuracy(
    classProbabilitiesAuto(be, net, test.x, { samples: 64, rng: rngFor('victim-accuracy') }),
    test.labels,
  );
}
