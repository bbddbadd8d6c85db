/**
 * The amplification map's report: a Markdown table of every cell and heatmaps
 * over depth × β per kind and width (λ₁ of F̃, retention r, σ₁ of the stability
 * product, ‖J‖₂).
 */
import { join } from 'node:path';
import type { AmplificationRow } from '@rgdl/fisher';
import type { OutputEntry } from './charts.js';

const f = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(3);

const list = (v: readonly number[]) => (v.length === 0 ? '—' : v.map(f).join(', '));

/** map.md; `jobs`: how many jobs the run had and computed (the rest came from the store, computed by an earlier run). */
export function mapMarkdown(
  rows: readonly AmplificationRow[],
  seconds: number,
  jobs?: { readonly total: number; readonly computed: number },
): string {
  const stored =
    jobs !== undefined && jobs.computed < jobs.total
      ? ` (${jobs.computed} of ${jobs.total} jobs computed in this run; the rest were read from map.jobs.jsonl, computed earlier)`
      : '';
  return [
    '# Where does a deep RBM amplify? (generation FIM over depth × width × weight scale β)',
    '',
    `Wall time ${seconds.toFixed(0)} s${stored}. Means over the outputs e_0…e_3. λ₁ ± its Monte Carlo error (exact when every level has ≤ 16 units, else Gibbs sampling with the missing-information estimator and λ₁'s jackknife error, or importance sampling where the run asked for it); λ₁(F_top) = the top layer alone, the data-processing bound; r = λ₁(F̃)/λ₁(F_top); excess = the largest eigenvalue of F̃ − F_top (≤ 0 by the bound, up to Monte Carlo error); ‖J‖₂ = the mean-field generation Jacobian ∂E[x]/∂y; stability matrices between hidden levels (singles; exact at width ≤ 12, else MCRG with 20,000 samples) at y = e_0 (generation) and at a fixed input x (classification; the first test digit for victims), top singular value per layer in travel order and of the cumulative products (> 1: that layer, or those layers together, amplify).`,
    '',
    '| kind | width | β | depth | accuracy | λ₁(F̃) | λ₁(F_top) | r | excess | ‖J‖₂ | layer ‖·‖₂ (top first) | σ₁ of T̃ per layer, generation | σ₁ of their products | σ₁ of T per layer, classification | σ₁ of their products |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---|---|---|---|',
    ...rows.map(
      (x) =>
        `| ${x.kind} | ${x.width} | ${x.beta} | ${x.depth} | ${x.accuracy === null ? '—' : `${(100 * x.accuracy).toFixed(1)}%`} | ${f(x.lambda)}${x.lambdaError > 0 ? ` ± ${f(x.lambdaError)}` : ''} | ${f(x.lambdaTop)} | ${x.retention.toFixed(3)} | ${x.maxExcess.toExponential(1)} | ${f(x.jacobianNorm)} | ${x.layerNorms.map(f).join(', ')} | ${list(x.stability.generation.layers)} | ${list(x.stability.generation.products)} | ${list(x.stability.classification.layers)} | ${list(x.stability.classification.products)} |`,
    ),
    '',
  ].join('\n');
}

/** Heatmaps over depth (x) × β (y) for each kind and width: λ₁(F̃), r and ‖J‖₂. */
export function mapHeatmaps(rows: readonly AmplificationRow[], out: string): OutputEntry[] {
  const groups = [...new Set(rows.map((r) => `${r.kind}|${r.width}`))];
  return groups.flatMap((g) => {
    const [kind, w] = g.split('|');
    const here = rows.filter((r) => r.kind === kind && r.width === Number(w));
    const name = kind === 'random' ? `random nets of width ${w}` : `trained victims (hidden width ${w}), weights × β`;
    const sampled = here.find((r) => r.method !== 'exact')?.method;
    const method = sampled === undefined ? 'exact' : sampled === 'gibbs' ? 'Gibbs sampling' : 'importance sampling';
    return [
      {
        path: join(out, `map-lambda-${kind}-w${w}.svg`),
        heatmap: {
          title: `λ₁ of the generation FIM F̃: ${name}`,
          subtitle: `${method}${method === 'exact' ? '' : ' (each cell: λ₁ ± its Monte Carlo error)'}; mean over e_0…e_3`,
          xLabel: 'depth',
          yLabel: 'weight scale β',
          valueLabel: 'λ₁(F̃)',
          logColor: true,
          // sampled cells carry their error: 'λ₁ ± error'
          cells: here.map((r) => ({
            x: r.depth,
            y: r.beta,
            value: r.lambda,
            label: r.lambdaError > 0 ? `${f(r.lambda)}±${f(r.lambdaError)}` : f(r.lambda),
          })),
        },
      },
      {
        path: join(out, `map-retention-${kind}-w${w}.svg`),
        heatmap: {
          title: `retention r = λ₁(F̃)/λ₁(F_top): ${name}`,
          subtitle: 'the share of the top layer’s Fisher information that reaches x (≤ 1 by the data-processing bound)',
          xLabel: 'depth',
          yLabel: 'weight scale β',
          valueLabel: 'r',
          cells: here.map((r) => ({ x: r.depth, y: r.beta, value: r.retention, label: r.retention.toFixed(2) })),
        },
      },
      {
        path: join(out, `map-stability-${kind}-w${w}.svg`),
        heatmap: {
          title: `σ₁ of the product of the generation stability matrices T̃ between hidden levels: ${name}`,
          subtitle:
            '> 1: the layers below the top amplify a change of the top hidden layer’s couplings (depth 1: no such layer)',
          xLabel: 'depth',
          yLabel: 'weight scale β',
          valueLabel: 'σ₁(ΠT̃)',
          logColor: true,
          cells: here
            .filter((r) => r.stability.generation.products.length > 0)
            .map((r) => ({ x: r.depth, y: r.beta, value: r.stability.generation.products.at(-1)! })),
        },
      },
      {
        path: join(out, `map-jacobian-${kind}-w${w}.svg`),
        heatmap: {
          title: `mean-field generation Jacobian ‖∂E[x]/∂y‖₂: ${name}`,
          xLabel: 'depth',
          yLabel: 'weight scale β',
          valueLabel: '‖J‖₂',
          logColor: true,
          cells: here.map((r) => ({ x: r.depth, y: r.beta, value: r.jacobianNorm })),
        },
      },
    ];
  });
}
