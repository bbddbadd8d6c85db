import { availableParallelism } from 'node:os';
import type { Command } from '../command.js';
import { Progress } from '../progress.js';
import {
  ensureOutDir,
  intFlag,
  MAP_GRIDS,
  MAP_MONTE_CARLO,
  renderOutputs,
  requiredString,
  runAmplificationMap,
  runnerFlags,
  writeOutputs,
} from '@rgdl/experiments';

export const mapCommand: Command = {
  name: 'map',
  summary:
    'Map where a deep RBM amplifies: the generation FIM, its top-layer bound and the mean-field Jacobian over depth × width × β',
  usage: 'rgdl map --out DIR [--quick] [--json]',
  help: `For random nets [w, …, w, 10] (width 10: exact; 64 and 256: Gibbs sampling), depth 1–6, every
weight scaled by β ∈ {0.25, 0.5, 1, 2, 4, 8}, and for the recipe victims of depth
1–3 (14×14 MNIST, 64 hidden units) with their weights scaled by β: λ₁ of the
generation FIM F̃(e_c) with its sampling error, λ₁ of the top layer alone
(F_top, the data-processing bound F̃ ≼ F_top), the retention r = λ₁(F̃)/λ₁(F_top),
the largest eigenvalue of F̃ − F_top, the mean-field generation Jacobian norm per
layer and overall, the top singular values of every layer's stability matrix and
of their products (generation and classification), and the victims' accuracy.
Writes map.json, map.md and heatmaps (λ₁, r, σ₁ of the stability product, ‖J‖ over
depth × β) as SVG with their Vega-Lite specs.

  --out DIR   output directory (required)
  --quick     width 10, depths 1–3, β ∈ {0.5, 1, 2}, no victims (seconds)
  --seed S    sampling seed                                             (11)
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
    const seed = intFlag('seed', values.seed, MAP_MONTE_CARLO.seed);
    const runner = runnerFlags(values, availableParallelism());
    const progress = new Progress(1, { enabled: values.json !== true });
    const map = await runAmplificationMap({
      grid: { ...MAP_GRIDS[values.quick === true ? 'quick' : 'full'], mc: { ...MAP_MONTE_CARLO, seed } },
      out,
      workers: runner.workers,
      ...(runner.queue !== undefined ? { queue: { url: runner.queue, secret: runner.secret! } } : {}),
      onProgress: (p) => progress.update(p.done, p.total, `${p.done}/${p.total} jobs ${p.label}`),
    });
    progress.finish();
    writeOutputs(await renderOutputs(map.files));
    if (values.json === true) {
      io.out(`${JSON.stringify({ seconds: map.seconds, rows: map.rows }, null, 2)}\n`);
      return;
    }
    io.out(`${map.markdown}\nwrote ${out}/map.{json,md} and ${map.files.length - 2} heatmaps\n`);
  },
};
