/**
 * The paper's depth claim as data: for networks of depth N = 1, 2, … trained on
 * the same data, the top eigenvalue λ₁ of F̃(y) and the step ε = √(2c/λ₁) that
 * makes D_KL(q̃_0(·|y) ‖ q̃_0(·|y + ε v₁)) ≈ c (second order in ε), averaged over
 * the given outputs y (e.g. the one-hot labels).
 */
import type { Backend } from '@rgdl/gpu-kernels';
import type { DeepRbm } from '@rgdl/rbm';
import { generationFisher, topEigenpairs, type FisherOptions } from './fisher.js';

export interface DepthRow {
  readonly depth: number;
  readonly widths: number[];
  /** Mean and standard deviation of λ₁ over the outputs. */
  readonly topEigenvalueMean: number;
  readonly topEigenvalueStd: number;
  /** ε with ½ λ₁ ε² = c at the mean λ₁. */
  readonly epsilonForKl: number;
}

export function depthStudy(
  be: Backend,
  nets: readonly DeepRbm[],
  outputs: readonly Float64Array[],
  c: number,
  options: FisherOptions,
): DepthRow[] {
  return nets.map((net) => {
    const lambdas = outputs.map((y) => topEigenpairs(be, generationFisher(be, net, y, options).F, 1).values[0]!);
    const mean = lambdas.reduce((a, b) => a + b, 0) / lambdas.length;
    const std = Math.sqrt(lambdas.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, lambdas.length - 1));
    const w = [net.layers[0]!.W.cols, ...net.layers.map((l) => l.W.rows)];
    return {
      depth: net.layers.length,
      widths: w,
      topEigenvalueMean: mean,
      topEigenvalueStd: std,
      epsilonForKl: Math.sqrt((2 * c) / mean),
    };
  });
}
