/**
 * The paper's depth claim as data: for networks of depth N = 1, 2, … trained on
 * the same data, the top eigenvalue λ₁ of F̃(y) and the step ε = √(2c/λ₁) that
 * makes D_KL(q̃_0(·|y) ‖ q̃_0(·|y + ε v₁)) ≈ c (second order in ε), averaged over
 * the given outputs y (e.g. the one-hot labels).
 */
import type { Backend } from '@rgdl/gpu-kernels';
import type { DeepRbm } from '@rgdl/rbm';
import { firstStepFisher, retention } from './bound.js';
import { generationFisher, topEigenpairs, type FisherOptions } from './fisher.js';

export interface DepthRow {
  readonly depth: number;
  readonly widths: number[];
  /** Mean and standard deviation of λ₁ over the outputs. */
  readonly topEigenvalueMean: number;
  readonly topEigenvalueStd: number;
  /** ε with ½ λ₁ ε² = c at the mean λ₁. */
  readonly epsilonForKl: number;
  /**
   * Monte Carlo error of λ₁, mean over the outputs: gibbs's jackknife error, or
   * √(Σ_ij (v_i v_j σ_ij)²) from the element-wise standard errors σ_ij of F̃
   * (first order in the error; 0 when exact).
   */
  readonly topEigenvalueError: number;
  /** Mean effective sample size of the importance weights (monte-carlo; NaN otherwise). */
  readonly effectiveSamples: number;
  /** Mean λ₁(F_top) over the outputs: the data-processing bound of λ₁(F̃) (bound.ts). */
  readonly topLayerEigenvalueMean: number;
  /** Mean retention r = λ₁(F̃)/λ₁(F_top) and the largest λ_max(F̃ − F_top) over the outputs. */
  readonly retentionMean: number;
  readonly maxExcess: number;
}

export function depthStudy(
  be: Backend,
  nets: readonly DeepRbm[],
  outputs: readonly Float64Array[],
  c: number,
  options: FisherOptions,
): DepthRow[] {
  return nets.map((net) => {
    const per = outputs.map((y) => {
      const r = generationFisher(be, net, y, options);
      const top = topEigenpairs(be, r.F, 1);
      const v = top.vectors[0]!;
      const n = v.length;
      let err = 0;
      if (r.stderr) {
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) err += (v[i]! * v[j]! * r.stderr.data[i * n + j]!) ** 2;
      }
      return {
        lambda: top.values[0]!,
        // gibbs: λ₁'s own jackknife error; otherwise first order from the entries' errors
        error: r.lambda1 ? r.lambda1.stderr : Math.sqrt(err),
        ess: r.effectiveSamples ?? Number.NaN,
        bound: retention(be, r.F, firstStepFisher(be, net, y, 'down')),
      };
    });
    const lambdas = per.map((p) => p.lambda);
    const mean = lambdas.reduce((a, b) => a + b, 0) / lambdas.length;
    const std = Math.sqrt(lambdas.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, lambdas.length - 1));
    const avg = (f: (p: (typeof per)[number]) => number) => per.reduce((a, p) => a + f(p), 0) / per.length;
    const w = [net.layers[0]!.W.cols, ...net.layers.map((l) => l.W.rows)];
    return {
      depth: net.layers.length,
      widths: w,
      topEigenvalueMean: mean,
      topEigenvalueStd: std,
      epsilonForKl: Math.sqrt((2 * c) / mean),
      topEigenvalueError: avg((p) => p.error),
      effectiveSamples: avg((p) => p.ess),
      topLayerEigenvalueMean: avg((p) => p.bound.lambdaFirst),
      retentionMean: avg((p) => p.bound.ratio),
      maxExcess: Math.max(...per.map((p) => p.bound.maxExcess)),
    };
  });
}
