/**
 * The amplification map (`rgdl map`) as jobs: one 'map-victim' job per trained
 * depth (its model), one 'map-cell' job per net × β. A victim cell needs its
 * victim's result. Pure functions of their inputs, hashed like the fair test's.
 */
import { seedFor, type Backend } from '@rgdl/gpu-kernels';
import {
  amplificationCell,
  mapAccuracy,
  mapOutputs,
  randomMapNet,
  scaleWeights,
  type AmplificationRow,
  type MapSampling,
} from '@rgdl/fisher';
import { loadMnist, parseModel, serializeModel, subset, trainVictim, victimRecipe } from '@rgdl/rbm';
import { hashOf } from './fair-jobs.js';

export interface MapGrid {
  readonly widths: readonly number[];
  readonly depths: readonly number[];
  readonly betas: readonly number[];
  /** Depths of the trained victims (14×14 MNIST, 64 hidden units); empty: none. */
  readonly victimDepths: readonly number[];
  /** How cells too wide to enumerate sample F̃ (Gibbs unless `method` says 'monte-carlo'). */
  readonly mc: MapSampling;
  /** How the victims are trained (default: every training digit, the recipe's fine-tuning epochs). */
  readonly victimTraining?: MapVictimTraining;
}

/** A smaller victim for quick maps: the first `trainExamples` training digits, `fineTuneEpochs` of fine-tuning. */
export interface MapVictimTraining {
  readonly trainExamples?: number;
  readonly fineTuneEpochs?: number;
}

export interface MapVictimJob {
  readonly kind: 'map-victim';
  readonly key: string;
  readonly hash: string;
  readonly depth: number;
  readonly training?: MapVictimTraining;
}

export interface MapCellJob {
  readonly kind: 'map-cell';
  readonly key: string;
  readonly hash: string;
  readonly net: 'random' | 'victim';
  readonly width: number;
  readonly depth: number;
  readonly beta: number;
  readonly mc: MapGrid['mc'];
  /** Victim cells: the map-victim job whose model they scale. */
  readonly needs?: string;
}

export type MapJob = MapVictimJob | MapCellJob;

/** Every job of a map, victims first. */
export function mapJobs(grid: MapGrid): MapJob[] {
  const jobs: MapJob[] = [];
  const victimHash = new Map<number, string>();
  for (const depth of grid.victimDepths) {
    // the training settings enter the hash only when given, so default maps keep their stored results
    const training = grid.victimTraining ? { training: grid.victimTraining } : {};
    const hash = hashOf({ kind: 'map-victim', depth, recipe: 'mnist14', hidden: 64, ...training });
    victimHash.set(depth, hash);
    jobs.push({ kind: 'map-victim', key: `victim d${depth}`, hash, depth, ...training });
  }
  for (const width of grid.widths) {
    for (const beta of grid.betas) {
      for (const depth of grid.depths) {
        const inputs = { kind: 'map-cell', net: 'random', width, depth, beta, mc: grid.mc };
        jobs.push({
          kind: 'map-cell',
          key: `random w${width} β${beta} d${depth}`,
          hash: hashOf(inputs),
          net: 'random',
          width,
          depth,
          beta,
          mc: grid.mc,
        });
      }
    }
  }
  for (const depth of grid.victimDepths) {
    for (const beta of grid.betas) {
      const needs = victimHash.get(depth)!;
      const inputs = { kind: 'map-cell', net: 'victim', needs, depth, beta, mc: grid.mc };
      jobs.push({
        kind: 'map-cell',
        key: `victim d${depth} β${beta}`,
        hash: hashOf(inputs),
        net: 'victim',
        width: 64,
        depth,
        beta,
        mc: grid.mc,
        needs,
      });
    }
  }
  return jobs;
}

/** Runs one map job (a victim job returns its model file text; a cell its row). */
export function runMapJob(be: Backend, job: MapJob, dependency?: unknown): unknown {
  if (job.kind === 'map-victim') {
    const t = job.training ?? {};
    const train = loadMnist({
      size: 14,
      split: 'train',
      ...(t.trainExamples !== undefined ? { limit: t.trainExamples } : {}),
    });
    const validation = loadMnist({ size: 14, split: 'attacker', limit: 500 });
    const widths = [196, ...new Array<number>(job.depth - 1).fill(64), 10];
    const base = victimRecipe(widths);
    const recipe =
      t.fineTuneEpochs === undefined
        ? base
        : victimRecipe(widths, { fineTune: { ...base.fineTune, epochs: t.fineTuneEpochs } });
    return serializeModel(trainVictim(be, recipe, train, validation, { seed: seedFor('map-victim') }).net, {});
  }
  if (job.net === 'random') {
    const cell = amplificationCell(be, randomMapNet(job.width, job.depth, job.beta), mapOutputs(), job.mc);
    return {
      kind: 'random',
      depth: job.depth,
      width: job.width,
      beta: job.beta,
      accuracy: null,
      ...cell,
    } satisfies AmplificationRow;
  }
  if (typeof dependency !== 'string') throw new Error(`job ${job.key} needs its victim's model`);
  const net = scaleWeights(parseModel(dependency).net, job.beta);
  const test = subset(
    loadMnist({ size: 14, split: 'test' }),
    Array.from({ length: 500 }, (_, i) => i),
  );
  const accuracy = mapAccuracy(be, net, test);
  const cell = amplificationCell(be, net, mapOutputs(), job.mc, test.x.data.slice(0, 196));
  return {
    kind: 'victim',
    depth: job.depth,
    width: job.width,
    beta: job.beta,
    accuracy,
    ...cell,
  } satisfies AmplificationRow;
}
