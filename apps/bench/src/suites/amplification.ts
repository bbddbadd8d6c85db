/**
 * Amplification map (issue #15, first pass): does λ₁ of the generation FIM grow
 * with depth anywhere? Random nets [w, w, …, w, 10] with every weight drawn once and
 * scaled by β, and the recipe victims (14×14 MNIST, depth 1–3, 64 hidden units) with
 * every weight multiplied by β. Per cell (mean over the one-hot outputs e_0…e_3):
 * λ₁(F̃) (exact at width 10, Monte Carlo with its error at 64 and for victims),
 * λ₁(F_top) (the data-processing bound), r = λ₁(F̃)/λ₁(F_top), the largest
 * eigenvalue of F̃ − F_top, the mean-field generation Jacobian ‖J‖₂ and, for the
 * victims, eq. 2 accuracy (64 draws, 500 test digits). The same map as `rgdl map`
 * (@rgdl/experiments' runAmplificationMap), on a grid sized for the bench.
 */
import type { AmplificationRow } from '@rgdl/fisher';
import { runAmplificationMap } from '@rgdl/experiments';

export type MapRow = AmplificationRow;

export interface AmplificationResult {
  readonly rows: readonly MapRow[];
}

/** The map `rgdl map` runs (in this process, results in memory), on a grid sized for the bench. */
export async function runAmplificationSuite(options: {
  quick: boolean;
  log: (l: string) => void;
}): Promise<AmplificationResult> {
  let logged = 0;
  const map = await runAmplificationMap({
    grid: {
      // exact at width 10 (2^10 states per level; width 12 costs 2^36 per layer and output)
      widths: options.quick ? [10] : [10, 64],
      depths: options.quick ? [1, 2, 3] : [1, 2, 3, 4, 5, 6],
      betas: options.quick ? [0.5, 2] : [0.25, 0.5, 1, 2, 4, 8],
      victimDepths: options.quick ? [1, 2] : [1, 2, 3],
      ...(options.quick ? { victimTraining: { trainExamples: 600, fineTuneEpochs: 3 } } : {}),
      mc: { samples: options.quick ? 300 : 1000, pool: options.quick ? 256 : 1024, batches: 4, seed: 11 },
    },
    workers: 0,
    onProgress: (p) => {
      if (p.done > logged) options.log(`  ${p.done}/${p.total} ${p.label}`);
      logged = p.done;
    },
  });
  for (const x of map.rows)
    options.log(
      `  ${x.kind} w=${x.width} β=${x.beta} depth ${x.depth}:${x.accuracy === null ? '' : ` acc ${(100 * x.accuracy).toFixed(1)}%,`} λ₁ ${x.lambda.toPrecision(3)} ± ${x.lambdaError.toPrecision(2)}, λ₁(F_top) ${x.lambdaTop.toPrecision(3)}, r ${x.retention.toFixed(3)}, ‖J‖ ${x.jacobianNorm.toPrecision(3)}`,
    );
  return { rows: map.rows };
}

export function amplificationMarkdown(r: AmplificationResult): string {
  const f = (v: number) =>
    Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(3);
  const lines = [
    "Means over the outputs e_0…e_3. λ₁ ± its Monte Carlo error (0: exact); r = λ₁(F̃)/λ₁(F_top) ≤ 1 is the share of the top layer's information that reaches x; excess = the largest eigenvalue of F̃ − F_top (≤ 0 by the bound, up to Monte Carlo error); ‖J‖ = top singular value of the mean-field generation Jacobian ∂E[x]/∂y.",
    '',
    '| kind | width | β | depth | accuracy | λ₁(F̃) | λ₁(F_top) | r | excess | ‖J‖₂ | layer ‖·‖₂ (top first) |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.kind} | ${x.width} | ${x.beta} | ${x.depth} | ${x.accuracy === null ? '—' : `${(100 * x.accuracy).toFixed(1)}%`} | ${f(x.lambda)}${x.lambdaError > 0 ? ` ± ${f(x.lambdaError)}` : ''} | ${f(x.lambdaTop)} | ${x.retention.toFixed(3)} | ${x.maxExcess.toExponential(1)} | ${f(x.jacobianNorm)} | ${x.layerNorms.map(f).join(', ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
