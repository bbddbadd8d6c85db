/**
 * The Fisher information diagnosis of one model at one point, as `rgdl fisher`
 * reports it: the generation FIM F̃(y) (eq. 20) or the classification FIM F(x),
 * its whole spectrum and top eigenvectors (sign fixed: largest entry positive),
 * D_KL ≈ ½ λ₁ ε² along v₁, and the data-processing bound F ≼ F_first (the first
 * step's information: the top layer for generation).
 */
import { join } from 'node:path';
import { createRng, orientLargestPositive, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import {
  classificationFisher,
  firstStepFisher,
  generationFisher,
  retention,
  topEigenpairs,
  type FisherMethod,
  type FisherResult,
} from '@rgdl/fisher';
import { ENUMERATION_LIMITS, enumerable, widths, type DeepRbm } from '@rgdl/rbm';
import { requireFinite, UsageError } from '../errors.js';
import type { OutputEntry } from '../reports/charts.js';

export type FisherDirection = 'generation' | 'classification';

/**
 * Below this mean effective sample size per pool, importance sampling pulls
 * posterior means toward the prior: on the demo victim (ESS ≈ 10) λ₁ read
 * 11–22% low against a converged Gibbs reference.
 */
export const LOW_EFFECTIVE_SAMPLES = 100;

/**
 * The estimator to use when none is asked for (exact when every level it
 * enumerates fits the 'fisher' limit, else Gibbs for generation and Monte
 * Carlo for classification), and a check of an asked one.
 * @throws UsageError for an infeasible choice
 */
export function feasibleFisherMethod(
  w: readonly number[],
  direction: FisherDirection,
  asked?: FisherMethod,
): FisherMethod {
  const fitsExact = enumerable(direction === 'generation' ? w.slice(0, -1) : w.slice(1), 'fisher');
  const method = asked ?? (fitsExact ? 'exact' : direction === 'generation' ? 'gibbs' : 'monte-carlo');
  if (method === 'exact' && !fitsExact)
    throw new UsageError(
      `--method exact enumerates every level and needs widths ≤ ${ENUMERATION_LIMITS.fisher}; this model has [${w.join(', ')}] (use --method ${direction === 'generation' ? 'gibbs' : 'monte-carlo'})`,
    );
  if ((method === 'rg-chain' || method === 'gibbs') && direction === 'classification')
    throw new UsageError(`--method ${method} computes the generation FIM only`);
  return method;
}

export interface FisherReport {
  readonly direction: FisherDirection;
  readonly method: FisherMethod;
  readonly at: string;
  readonly widths: number[];
  readonly dimension: number;
  readonly seconds: number;
  readonly trace: number;
  readonly eigenvalues: number[];
  readonly topEigenvectors: number[][];
  /** Monte Carlo: the largest standard error of an entry of F; null when exact. */
  readonly maxEntryStderr: number | null;
  /** gibbs: λ₁'s jackknife standard error and the chains' noise against the signal; null otherwise. */
  readonly lambda1Stderr: number | null;
  readonly chainNoise: number | null;
  /** gibbs: λ₁ − λ₂ with its jackknife error and whether the top pair is near-degenerate; null otherwise. */
  readonly gap: { readonly value: number; readonly stderr: number; readonly degenerate: boolean } | null;
  /** monte-carlo (generation): mean effective sample size of the importance weights per pool; null otherwise. */
  readonly effectiveSamples: number | null;
  /** rg-chain: whether the layers' stability matrices were exact or MCRG (wide levels); null otherwise. */
  readonly stability: 'exact' | 'mcrg' | null;
  /** λ₁ / 2: D_KL per ε² along v₁. */
  readonly klPerEpsilonSquared: number;
  readonly bound: { readonly firstStepEigenvalue: number; readonly retention: number; readonly maxExcess: number };
}

/**
 * Computes the FIM at `at` (y for generation, x for classification) and its report.
 * @throws NumericalError when F or its eigenvalues are not finite
 */
export function fisherDiagnosis(
  be: Backend,
  net: DeepRbm,
  at: Float64Array,
  options: {
    readonly direction: FisherDirection;
    readonly method: FisherMethod;
    readonly atLabel: string;
    /** Monte Carlo samples (generation). */
    readonly samples: number;
    readonly seed: number;
    /** Eigenvectors reported. */
    readonly top: number;
  },
): FisherReport {
  const { direction, method } = options;
  const rng = createRng(options.seed);
  // the RG chain with exact stability matrices where the levels enumerate, MCRG ones where they do not
  const stability =
    method === 'rg-chain' ? (enumerable(widths(net).slice(0, -1), 'stability') ? 'exact' : 'mcrg') : null;
  const r: FisherResult =
    direction === 'generation'
      ? generationFisher(
          be,
          net,
          at,
          method === 'monte-carlo' || method === 'gibbs'
            ? { method, samples: options.samples, rng }
            : method === 'rg-chain' && stability === 'mcrg'
              ? { method, stability, samples: Math.max(options.samples, 20_000), rng }
              : { method },
        )
      : classificationFisher(be, net, at, method === 'monte-carlo' ? { method, rng } : { method });
  const n = r.F.rows;
  requireFinite(`the ${direction} FIM`, r.F.data);
  const all = topEigenpairs(be, r.F, n);
  requireFinite('the FIM eigenvalues', all.values);
  const eigenvalues = Array.from(all.values);
  const bound = retention(be, r.F, firstStepFisher(be, net, at, direction === 'generation' ? 'down' : 'up'));
  return {
    direction,
    method,
    at: options.atLabel,
    widths: widths(net),
    dimension: n,
    seconds: r.seconds,
    trace: eigenvalues.reduce((a, b) => a + b, 0),
    eigenvalues,
    topEigenvectors: all.vectors.slice(0, options.top).map((v) => Array.from(orientLargestPositive(v))),
    maxEntryStderr: r.stderr ? maxAbs(r.stderr) : null,
    lambda1Stderr: r.lambda1?.stderr ?? null,
    chainNoise: r.chainNoise ?? null,
    gap: r.gap ?? null,
    effectiveSamples: r.effectiveSamples ?? null,
    stability,
    klPerEpsilonSquared: eigenvalues[0]! / 2,
    bound: { firstStepEigenvalue: bound.lambdaFirst, retention: bound.ratio, maxExcess: bound.maxExcess },
  };
}

/** fisher.json and the spectrum on a log scale (numerical zeros left out and counted). */
export function fisherFiles(out: string, report: FisherReport): OutputEntry[] {
  const ev = report.eigenvalues;
  return [
    { path: join(out, 'fisher.json'), text: JSON.stringify(report, null, 1) + '\n' },
    {
      path: join(out, 'fisher-spectrum.svg'),
      chart: {
        title: `${report.direction} FIM eigenvalues at ${report.at} (${report.method})`,
        xLabel: 'eigenvalue index',
        yLabel: 'λ',
        logY: true,
        subtitle: spectrumNote(ev),
        series: [
          {
            name: `[${report.widths.join(',')}]`,
            points: ev.map((v, i) => [i + 1, v] as const).filter(([, v]) => v > 1e-12 * ev[0]!),
          },
        ],
      },
    },
  ];
}

/** What the log-scale spectrum leaves out: eigenvalues below 1e-12·λ₁ are numerical zeros. */
function spectrumNote(eigenvalues: readonly number[]): string {
  const floor = 1e-12 * eigenvalues[0]!;
  const zero = eigenvalues.filter((v) => v > 0 && v <= floor).length;
  const negative = eigenvalues.filter((v) => v <= 0).length;
  return `${eigenvalues.length - zero - negative} of ${eigenvalues.length} eigenvalues shown; ${zero} in (0, 1e-12·λ₁] and ${negative} ≤ 0 (numerical zeros of a positive semidefinite F) left out`;
}

function maxAbs(m: Matrix<Float64Array>): number {
  let s = 0;
  for (const v of m.data) s = Math.max(s, Math.abs(v));
  return s;
}
