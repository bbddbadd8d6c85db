/**
 * The amplification map as one call (the only one: `rgdl map` and the bench
 * both run it; its named grids are in presets.ts): random nets [w, …, w, 10]
 * and the recipe victims, every weight scaled by β, one fisher
 * `amplificationCell` per net × β, run as jobs (grid/map-jobs.ts) and shaped
 * into map.json, map.md and heatmaps.
 */
import { join } from 'node:path';
import type { AmplificationRow } from '@rgdl/fisher';
import { requireFinite, UsageError } from './errors.js';
import type { MapGrid } from './grid/map-jobs.js';
import { QueueUnreachable } from './grid/queue.js';
import { type GridProgress, runMapGrid } from './grid/run-grid.js';
import type { OutputEntry } from './reports/charts.js';
import { mapHeatmaps, mapMarkdown } from './reports/map-report.js';

export interface MapExperimentOptions {
  readonly grid: MapGrid;
  /** Output directory: the store (map.jobs.jsonl) and the report files' paths; absent: in memory, paths bare. */
  readonly out?: string;
  readonly workers: number;
  readonly queue?: { readonly url: string; readonly secret: Buffer };
  readonly onProgress?: (p: GridProgress) => void;
}

export interface MapExperiment {
  readonly rows: readonly AmplificationRow[];
  readonly jobs: number;
  readonly computed: number;
  readonly seconds: number;
  readonly markdown: string;
  /** map.json, map.md and the heatmaps, for renderOutputs → writeOutputs. */
  readonly files: readonly OutputEntry[];
}

/**
 * Runs the map. Every λ₁ must be finite.
 * @throws UsageError for an unreachable queue; NumericalError for a non-finite λ₁
 */
export async function runAmplificationMap(options: MapExperimentOptions): Promise<MapExperiment> {
  const t0 = performance.now();
  const out = options.out ?? '.';
  let run: Awaited<ReturnType<typeof runMapGrid>>;
  try {
    run = await runMapGrid(options.grid, {
      workers: options.workers,
      ...(options.queue !== undefined ? { queue: options.queue.url, secret: options.queue.secret } : {}),
      ...(options.out !== undefined ? { storePath: join(options.out, 'map.jobs.jsonl') } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    if (error instanceof QueueUnreachable) throw new UsageError(error.message);
    throw error;
  }
  const rows = run.rows;
  for (const r of rows) {
    requireFinite(`λ₁ of the ${r.kind} net (width ${r.width}, β ${r.beta}, depth ${r.depth})`, r.lambda);
  }
  const seconds = (performance.now() - t0) / 1000;
  const markdown = mapMarkdown(rows, seconds, { total: run.jobs, computed: run.computed });
  const summary = { grid: options.grid, workers: options.workers, jobs: run.jobs, jobsComputed: run.computed };
  return {
    rows,
    jobs: run.jobs,
    computed: run.computed,
    seconds,
    markdown,
    files: [
      { path: join(out, 'map.json'), text: `${JSON.stringify({ ...summary, seconds, rows }, null, 1)}\n` },
      { path: join(out, 'map.md'), text: markdown },
      ...mapHeatmaps(rows, out),
    ],
  };
}
