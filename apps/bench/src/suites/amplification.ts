/**
 * Amplification map (issue #15, first pass): does λ₁ of the generation FIM grow
 * with depth anywhere? Random nets [w, w, …, w, 10] with every weight drawn at
 * scale β, and the recipe victims (14×14 MNIST, depth 1–3, 64 hidden units) with
 * every weight multiplied by β. Per cell (mean over the one-hot outputs e_0…e_3):
 * λ₁(F̃) (exact at width 10, Monte Carlo with its error at 64 and for victims),
 * λ₁(F_top) (the data-processing bound), r = λ₁(F̃)/λ₁(F_top), the largest
 * eigenvalue of F̃ − F_top, the mean-field generation Jacobian ‖J‖₂ and, for the
 * victims, eq. 2 accuracy (64 draws, 500 test digits).
 */
import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { amplificationCell, type AmplificationCell } from '@rgdl/fisher';
import {
  cloneDeepRbm,
  createDeepRbm,
  evaluateClassifier,
  loadMnist,
  subset,
  trainVictim,
  VICTIM_RECIPES,
  victimRecipe,
  type DeepRbm,
} from '@rgdl/rbm';

export interface MapRow extends AmplificationCell {
  readonly kind: 'random' | 'victim';
  readonly depth: number;
  readonly width: number;
  readonly beta: number;
  readonly accuracy: number | null;
}

export interface AmplificationResult {
  readonly rows: MapRow[];
}

const BETAS = [0.25, 0.5, 1, 2, 4, 8];

function scaled(net: DeepRbm, beta: number): DeepRbm {
  const c = cloneDeepRbm(net);
  for (const l of c.layers) for (let i = 0; i < l.W.data.length; i++) l.W.data[i]! *= beta;
  return c;
}

export async function runAmplificationSuite(options: {
  quick: boolean;
  log: (l: string) => void;
}): Promise<AmplificationResult> {
  const be = createCpuBackend();
  const rows: MapRow[] = [];
  const outputs = Array.from({ length: 4 }, (_, c) => Float64Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0)));
  const mc = { samples: options.quick ? 300 : 1000, pool: options.quick ? 256 : 1024, batches: 4, seed: 11 };
  const depths = options.quick ? [1, 2, 3] : [1, 2, 3, 4, 5, 6];
  // exact at width 10 (2^10 states per level; width 12 costs 2^36 per layer and output)
  const widths = options.quick ? [10] : [10, 64];
  const betas = options.quick ? [0.5, 2] : BETAS;
  try {
    for (const width of widths) {
      for (const beta of betas) {
        for (const depth of depths) {
          const net = createDeepRbm(
            [width, ...new Array<number>(depth - 1).fill(width), 10],
            createRng(1000 * depth + width),
            {
              weightScale: beta,
            },
          );
          const cell = amplificationCell(be, net, outputs, mc);
          rows.push({ kind: 'random', depth, width, beta, accuracy: null, ...cell });
          options.log(
            `  random w=${width} β=${beta} depth ${depth}: λ₁ ${cell.lambda.toPrecision(3)} ± ${cell.lambdaError.toPrecision(2)}, λ₁(F_top) ${cell.lambdaTop.toPrecision(3)}, r ${cell.retention.toFixed(3)}, ‖J‖ ${cell.jacobianNorm.toPrecision(3)}`,
          );
        }
      }
    }
    const train = loadMnist({ size: 14, split: 'train', ...(options.quick ? { limit: 600 } : {}) });
    const validation = loadMnist({ size: 14, split: 'attacker', limit: 500 });
    const test = loadMnist({ size: 14, split: 'test' });
    const test500 = subset(
      test,
      Array.from({ length: 500 }, (_, i) => i),
    );
    for (const depth of options.quick ? [1, 2] : [1, 2, 3]) {
      const widthsD = [196, ...new Array<number>(depth - 1).fill(64), 10];
      const recipe = victimRecipe(
        widthsD,
        options.quick ? { fineTune: { ...VICTIM_RECIPES['mnist14-d2'].fineTune, epochs: 3 } } : {},
      );
      const victim = trainVictim(be, recipe, train, validation, { seed: 1 }).net;
      for (const beta of betas) {
        const net = scaled(victim, beta);
        const e = evaluateClassifier(be, net, test500, { samples: [64], seed: 5 });
        const accuracy = e.exact ?? e.sampled[0]!.accuracy;
        const cell = amplificationCell(be, net, outputs, mc);
        rows.push({ kind: 'victim', depth, width: 64, beta, accuracy, ...cell });
        options.log(
          `  victim depth ${depth} β=${beta}: acc ${(100 * accuracy).toFixed(1)}%, λ₁ ${cell.lambda.toPrecision(3)} ± ${cell.lambdaError.toPrecision(2)}, λ₁(F_top) ${cell.lambdaTop.toPrecision(3)}, r ${cell.retention.toFixed(3)}, ‖J‖ ${cell.jacobianNorm.toPrecision(3)}`,
        );
      }
    }
  } finally {
    be.dispose();
  }
  return { rows };
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
