/**
 * The RG flow diagnosis of one model at one input, as `rgdl flow` reports it:
 * every layer's stability matrix (classification T = ∂g^{(k)}/∂g^{(k−1)} given x,
 * or generation T̃ = ∂g̃^{(k−1)}/∂g̃^{(k)} given y), exact or by MCRG; its singular
 * values and eigenvalues; the relevant directions (right singular vectors with
 * σ > 1 and left eigenvectors with |λ| > 1, by their largest operator
 * components); σ₁ of the products over layers; and, when every level visited is
 * enumerable for 'couplings', each level's exact couplings by interaction order
 * with the distance between successive levels of equal width (eq. 7–8).
 */
import { join } from 'node:path';
import { createRng, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { ENUMERATION_LIMITS, enumerable, widths, type DeepRbm } from '@rgdl/rbm';
import {
  couplingFlow,
  stabilityFlow,
  topRightSingularVectors,
  type LayerStability,
  type LevelCouplings,
  type OperatorSet,
  type StabilityFlow,
} from '@rgdl/rg-flow';
import { requireFinite, UsageError } from '../errors.js';
import type { OutputEntry } from '../reports/charts.js';

export type FlowDirection = 'up' | 'down';
export type FlowMethod = 'mcrg' | 'exact';
export type FlowOperators = 'singles' | 'singles+pairs';

export interface RelevantDirection {
  /** 'amplified': right singular vector with σ > 1 (source-coupling space); 'scaling field': left eigenvector with real |λ| > 1. */
  readonly kind: 'amplified' | 'scaling field';
  readonly value: number;
  readonly vector: number[];
  /** The largest components, by operator name. */
  readonly top: { readonly operator: string; readonly weight: number }[];
}

function topComponents(v: ArrayLike<number>, ops: OperatorSet, k = 5): RelevantDirection['top'] {
  return Array.from(v, (w, i) => ({ operator: ops.operators[i]?.name ?? String(i), weight: w }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, k);
}

/** Relevant directions of one layer (at most `max` of each kind). */
export function relevantDirections(be: Backend, l: LayerStability, max = 3): RelevantDirection[] {
  const out: RelevantDirection[] = [];
  const sv = topRightSingularVectors(be, l.T, max);
  sv.vectors.forEach((v, j) => {
    if (sv.values[j]! > 1)
      out.push({ kind: 'amplified', value: sv.values[j]!, vector: Array.from(v), top: topComponents(v, l.sourceOps) });
  });
  l.eigen?.values.slice(0, max).forEach((lam, j) => {
    const v = l.eigen?.leftVectors?.[j];
    if (lam.abs > 1 && v)
      out.push({ kind: 'scaling field', value: lam.re, vector: Array.from(v), top: topComponents(v, l.targetOps) });
  });
  return out;
}

/**
 * Checks that the exact method can enumerate every level it visits, and bounds
 * the memory of MCRG's operator samples. @throws UsageError
 */
export function checkFlowMethod(
  w: readonly number[],
  dir: FlowDirection,
  method: FlowMethod,
  operators: FlowOperators,
  samples: number,
  checkMemory: (what: string, bytes: number, detail: string) => void,
): void {
  if (method === 'exact' && !enumerable(dir === 'down' ? w : w.slice(1), 'stability')) {
    throw new UsageError(
      `--method exact needs every level it enumerates to have ≤ ${ENUMERATION_LIMITS.stability} units; widths are [${w.join(', ')}] (use --method mcrg)`,
    );
  }
  if (method === 'mcrg') {
    // operator values of every sample on both levels, then the covariance blocks, f64
    const count = (n: number) => (operators === 'singles' ? n : n + (n * (n - 1)) / 2);
    const worst = Math.max(
      ...w.slice(0, -1).map((n, i) => {
        const [from, to] = dir === 'up' ? [count(n), count(w[i + 1]!)] : [count(w[i + 1]!), count(n)];
        return (samples * (from + to) + to * (to + from)) * 8;
      }),
    );
    checkMemory(
      operators === 'singles' ? '--samples' : '--operators singles+pairs (with --samples)',
      worst,
      'the MCRG operator samples and covariances',
    );
  }
}

export interface FlowDiagnosis {
  readonly report: ReturnType<typeof flowReport>;
  readonly flow: StabilityFlow;
  readonly couplings: LevelCouplings[] | null;
  readonly title: string;
}

/**
 * Computes the flow at `input` (one row: x for 'up', y for 'down').
 * @throws NumericalError when a stability matrix or its singular values are not finite
 */
export function flowDiagnosis(
  be: Backend,
  net: DeepRbm,
  input: Matrix<Float64Array>,
  dir: FlowDirection,
  options: {
    readonly method: FlowMethod;
    readonly operators: FlowOperators;
    readonly samples: number;
    readonly seed: number;
    readonly inputLabel: string;
  },
): FlowDiagnosis {
  const w = widths(net);
  const t0 = performance.now();
  const flow = stabilityFlow(be, net, input, dir, {
    method: options.method,
    operators: options.operators,
    samples: options.samples,
    rng: createRng(options.seed),
    leftVectors: true,
  });
  for (const l of flow.layers) {
    requireFinite(`the stability matrix T̃ of layer ${l.layer}`, l.T.data);
    requireFinite(`the singular values of layer ${l.layer}`, l.singularValues);
  }
  const visited = dir === 'up' ? w.slice(1) : w.slice(0, -1);
  const couplings = enumerable(visited, 'couplings') ? couplingFlow(be, net, input, dir) : null;
  const report = flowReport(be, flow, couplings, { ...options, dir, w, seconds: (performance.now() - t0) / 1000 });
  const title = `${dir === 'up' ? 'classification' : 'generation'} flow of [${w.join(',')}] at ${options.inputLabel} (${options.method})`;
  return { report, flow, couplings, title };
}

function flowReport(
  be: Backend,
  flow: StabilityFlow,
  couplings: LevelCouplings[] | null,
  o: {
    dir: FlowDirection;
    method: FlowMethod;
    operators: FlowOperators;
    inputLabel: string;
    w: number[];
    seconds: number;
  },
) {
  return {
    direction: o.dir,
    method: o.method,
    operators: o.operators,
    input: o.inputLabel,
    widths: o.w,
    layers: flow.layers.map((l) => ({
      layer: l.layer,
      from: l.fromLevel,
      to: l.toLevel,
      shape: [l.T.rows, l.T.cols],
      singularValues: Array.from(l.singularValues.slice(0, 5)),
      topSingularValueError: l.topSingularValueError ?? null,
      eigenvalues: l.eigen ? l.eigen.values.slice(0, 5) : null,
      relevant: l.eigen ? l.eigen.relevant : null,
      singularValuesAboveOne: Array.from(l.singularValues).filter((s) => s > 1).length,
      degenerateTargets: l.degenerateTargets ?? 0,
      relevantDirections: relevantDirections(be, l),
    })),
    productTopSingularValues: flow.productTopSingularValues,
    couplings:
      couplings === null
        ? null
        : couplings.map((c) => ({
            level: c.level,
            width: c.width,
            normsByOrder: Array.from(c.normsByOrder),
            distanceToPrevious: c.distanceToPrevious,
          })),
    seconds: o.seconds,
  };
}

/** flow.json, the singular values per layer, σ₁ of the products, and (exact couplings) the coupling norms by order. */
export function flowFiles(out: string, d: FlowDiagnosis): OutputEntry[] {
  const { flow, couplings, title, report } = d;
  const dir = report.direction;
  return [
    { path: join(out, 'flow.json'), text: JSON.stringify(report, null, 1) + '\n' },
    {
      path: join(out, 'flow-singular-values.svg'),
      chart: {
        title: `singular values per layer: ${title}`,
        xLabel: 'index',
        yLabel: 'σ',
        logY: true,
        referenceY: 1,
        series: flow.layers.map((l) => ({
          name: `T${dir === 'down' ? '̃' : ''}(${l.layer}) h${l.fromLevel}→h${l.toLevel}`,
          points: Array.from(l.singularValues, (v, i) => [i + 1, v] as const),
          ...(l.singularValueErrors ? { errors: Array.from(l.singularValueErrors) } : {}),
        })),
      },
    },
    {
      path: join(out, 'flow-products.svg'),
      chart: {
        title: `top singular value of the product of the first m layers: ${title}`,
        xLabel: 'm (layers)',
        yLabel: 'σ₁',
        logY: true,
        referenceY: 1,
        series: [{ name: 'σ₁(product)', points: flow.productTopSingularValues.map((v, i) => [i + 1, v] as const) }],
      },
    },
    ...(couplings === null
      ? []
      : [
          {
            path: join(out, 'coupling-flow.svg'),
            chart: {
              title: `coupling norms by interaction order: ${title}`,
              xLabel: 'order m',
              yLabel: '√Σ_{|α|=m} g_α²',
              logY: true,
              series: couplings.map((c) => ({
                name: `level h${c.level}`,
                points: Array.from(c.normsByOrder, (v, i) => [i + 1, v] as const),
              })),
            },
          },
        ]),
  ];
}
