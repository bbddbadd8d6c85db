import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { AmplificationRow } from '@rgdl/fisher';
import { type OutputEntry, renderOutputs } from '../charts.js';
import type { Command } from '../command.js';
import { ensureOutDir, writeOutputs } from '../output-files.js';
import { Progress } from '../progress.js';
import { requireFinite, UsageError } from '../usage-error.js';
import type { MapGrid } from '../grid/map-jobs.js';
import { QueueUnreachable, runnerFlags } from '../grid/queue.js';
import { runMapGrid } from '../grid/run-grid.js';
import { intFlag, requiredString } from '../flags.js';

const FULL = {
  widths: [10, 64, 256],
  depths: [1, 2, 3, 4, 5, 6],
  betas: [0.25, 0.5, 1, 2, 4, 8],
  victimDepths: [1, 2, 3],
};
const QUICK = { widths: [10], depths: [1, 2, 3], betas: [0.5, 1, 2], victimDepths: [] as number[] };

const f = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(3);

const list = (v: readonly number[]) => (v.length === 0 ? '—' : v.map(f).join(', '));

export function mapMarkdown(rows: readonly AmplificationRow[], seconds: number): string {
  return [
    '# Where does a deep RBM amplify? (generation FIM over depth × width × weight scale β)',
    '',
    `Wall time ${seconds.toFixed(0)} s. Means over the outputs e_0…e_3. λ₁ ± its Monte Carlo error (exact when every level has ≤ 16 units); λ₁(F_top) = the top layer alone, the data-processing bound; r = λ₁(F̃)/λ₁(F_top); excess = the largest eigenvalue of F̃ − F_top (≤ 0 by the bound, up to Monte Carlo error); ‖J‖₂ = the mean-field generation Jacobian ∂E[x]/∂y; stability matrices between hidden levels (singles; exact at width ≤ 12, else MCRG with 20,000 samples) at y = e_0 (generation) and at a fixed input x (classification; the first test digit for victims), top singular value per layer in travel order and of the cumulative products (> 1: that layer, or those layers together, amplify).`,
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
    const method = here.every((r) => r.method === 'exact') ? 'exact' : 'Monte Carlo';
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
          // Monte Carlo cells carry their error: 'λ₁ ± error'
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

export const mapCommand: Command = {
  name: 'map',
  summary:
    'Map where a deep RBM amplifies: the generation FIM, its top-layer bound and the mean-field Jacobian over depth × width × β',
  usage: 'rgdl map --out DIR [--quick] [--json]',
  help: `For random nets [w, …, w, 10] (width 10: exact; 64 and 256: Monte Carlo), depth 1–6, every
weight scaled by β ∈ {0.25, 0.5, 1, 2, 4, 8}, and for the recipe victims of depth
1–3 (14×14 MNIST, 64 hidden units) with their weights scaled by β: λ₁ of the
generation FIM F̃(e_c) with its Monte Carlo error, λ₁ of the top layer alone
(F_top, the data-processing bound F̃ ≼ F_top), the retention r = λ₁(F̃)/λ₁(F_top),
the largest eigenvalue of F̃ − F_top, the mean-field generation Jacobian norm per
layer and overall, the top singular values of every layer's stability matrix and
of their products (generation and classification), and the victims' accuracy.
Writes map.json, map.md and heatmaps (λ₁, r, σ₁ of the stability product, ‖J‖ over
depth × β) as SVG with their Vega-Lite specs.

  --out DIR   output directory (required)
  --quick     width 10, depths 1–3, β ∈ {0.5, 1, 2}, no victims (seconds)
  --seed S    Monte Carlo seed                                          (11)
  --workers N worker threads (0: in this process)                       (all cores)
  --queue URL run the cells on 'rgdl worker --queue URL' processes (Redis)
  --secret-file F  the queue's shared secret (≥ 16 bytes; default RGDL_QUEUE_SECRET)
Cells run as jobs (map.jobs.jsonl in DIR): a stopped run resumes where it left off.
  --json      print the rows as JSON
`,
  options: {
    out: { type: 'string' },
    quick: { type: 'boolean' },
    workers: { type: 'string' },
    queue: { type: 'string' },
    'secret-file': { type: 'string' },
  },
  async run({ values }, io) {
    const out = ensureOutDir(requiredString('out', values.out))!;
    const base = values.quick === true ? QUICK : FULL;
    const seed = intFlag('seed', values.seed, 11);
    const runner = runnerFlags(values, availableParallelism());
    const { workers } = runner;
    const grid: MapGrid = { ...base, mc: { samples: 1000, pool: 1024, batches: 4, seed } };
    const t0 = performance.now();
    {
      const progress = new Progress(1, { enabled: values.json !== true });
      let run: Awaited<ReturnType<typeof runMapGrid>>;
      try {
        run = await runMapGrid(grid, {
          workers,
          ...(runner.queue !== undefined ? { queue: runner.queue, secret: runner.secret! } : {}),
          storePath: join(out, 'map.jobs.jsonl'),
          onProgress: (p) => progress.update(p.done, p.total, `${p.done}/${p.total} jobs ${p.label}`),
        });
      } catch (error) {
        if (error instanceof QueueUnreachable) throw new UsageError(error.message);
        throw error;
      }
      progress.finish();
      const rows = run.rows;
      for (const r of rows) {
        requireFinite(`λ₁ of the ${r.kind} net (width ${r.width}, β ${r.beta}, depth ${r.depth})`, r.lambda);
      }
      const seconds = (performance.now() - t0) / 1000;
      const md = mapMarkdown(rows, seconds);
      const plots = mapHeatmaps(rows, out);
      writeOutputs(
        await renderOutputs([
          {
            path: join(out, 'map.json'),
            text: `${JSON.stringify({ grid, workers, jobs: run.jobs, jobsComputed: run.computed, seconds, rows }, null, 1)}\n`,
          },
          { path: join(out, 'map.md'), text: md },
          ...plots,
        ]),
      );
      if (values.json === true) {
        io.out(`${JSON.stringify({ seconds, rows }, null, 2)}\n`);
        return;
      }
      io.out(`${md}\nwrote ${out}/map.{json,md} and ${plots.length} heatmaps\n`);
    }
  },
};
