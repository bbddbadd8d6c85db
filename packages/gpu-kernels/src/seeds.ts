/**
 * Seeds by name. Every seed a library derives is a named stream here, computed
 * from the caller's root seed (and an index where a stream has many members);
 * library code never writes a seed or an offset of its own (seeds.test.ts
 * scans the packages for one). The formulas are the offsets the project has
 * always used, kept so that every published number reproduces: a new stream
 * gets a new name, never a reused formula.
 */
import { createRng, type Rng } from './random.js';

/** The root seed when a caller gives none. */
export const DEFAULT_SEED = 1;

const STREAMS = {
  // @rgdl/rbm: a victim's stages from its training seed
  'victim-pretrain': (root: number) => root + 1,
  'victim-top': (root: number) => root + 2,
  'victim-finetune': (root: number) => root + 3,
  /** The reference softmax regression of generation quality, from its seed. */
  'reference-regression': (root: number) => root + 1,
  /** Annealed importance sampling of log Z when no generator is given. */
  ais: () => 0,
  // @rgdl/fisher
  /** The victim's sampled class probabilities when the poison directions are computed. */
  'direction-probabilities': () => 12345,
  /** The random control direction of the poison study. */
  'control-direction': () => 7,
  /** The amplification map's random net of a depth and width (every β scales the same draw). */
  'map-net': (depth: number, width: number) => 1000 * depth + width,
  /** The map's MCRG stability matrices, from its Monte Carlo seed. */
  'map-stability': (root: number) => root + 99,
  /** The map's Monte Carlo FIM at output e_i, from its Monte Carlo seed. */
  'map-output': (root: number, i: number) => root + i,
  /** The draws of eq. 2 when a victim is scored (map cells, transfer). */
  'victim-accuracy': () => 5,
  // @rgdl/poison
  /** The fair test's victims: one training seed for every depth. */
  'fair-victim': () => 1,
  /** The FIM cache of a depth's victim. */
  'fair-fim-cache': (depth: number) => 1000 + depth,
  /** The defended service of a depth's victim. */
  'fair-service': (depth: number) => 1 + depth,
  /** The clean answers of a victim (defence 'none'). */
  'clean-service': () => 1,
  /** The Monte Carlo FIM of class k's poison direction. */
  'class-direction': (root: number, k: number) => root + k,
  /** A defence's random direction of class c ('random-class'). */
  'random-class-direction': (root: number, c: number) => root * 1000 + 17 + c,
  /** The salt of a query's own draws of h_{N−1} (hashed with the query). */
  'served-probabilities': (root: number) => root + 7,
  /** MAD's random surrogate classifier. */
  'mad-surrogate': (root: number) => root + 31,
  /** The Gaussian defence's noise. */
  'gaussian-noise': (root: number) => root + 101,
  /** An attacker's queries for one paired seed. */
  'attacker-queries': (seed: number) => 7919 * seed,
  /** The MLP clone's initial weights. */
  'clone-mlp-init': (seed: number) => seed + 17,
  /** The eq. 14 clone's draws of eq. 2. */
  'clone-eq14-probabilities': (seed: number) => seed + 3,
  /** The recovery attacker's shadow victim, from its paired seed. */
  'recovery-shadow': (seed: number) => 104729 * seed + 1,
  /** The recovery attacker's own copy of the published defence, from its paired seed. */
  'recovery-defence': (seed: number) => 104729 * seed + 2,
  /** The transformations of an attacker's surrogate queries, from its paired seed. */
  'surrogate-transform': (seed: number) => 104729 * seed + 3,
  /** A watermark's fingerprint direction of one class: seeded by the first 32 bits of its keyed HMAC digest. */
  'watermark-direction': (keyedWord: number) => keyedWord,
  /** The ownership experiment's watermark key (reproducible, not secret). */
  'watermark-experiment-key': () => 424242,
  /** Key j of the ownership experiment's repeats over keys (j ≥ 1; j = 0 would be the experiment key's seed). */
  'watermark-repeat-key': (j: number) => 424242 + 7 * j,
  /** The keys under which the ownership experiment rescores its independent models (the fingerprint's null over keys). */
  'watermark-null-keys': () => 515151,
  /** The owner's reference model i of the ownership test (its training digits and initial weights). */
  'ownership-reference': (i: number) => 611953 + 7 * i,
  /** Benign calibration stream i of the extraction detectors (a server's, from its seed). */
  'detection-calibration': (seed: number, stream: number) => 130363 * seed + 2 * stream + 1,
  /** The detection experiment's stream i of one kind (benign or attacker), from its paired seed. */
  'detection-stream': (seed: number, kind: number, stream: number) => 131071 * seed + 1009 * kind + stream,
  /** The fair test's pool of out-of-distribution queries. */
  'ood-pool': () => 77,
  /** The inputs the transfer study perturbs. */
  'transfer-inputs': () => 99,
  /** The clone FIM of transfer input i. */
  'transfer-fisher': (i: number) => 1000 + i,
  /** The demo's defended servers and their FIM cache, from its seed. */
  'demo-defender': (root: number) => root + 1000,
  /** The demo's GEMM timing matrices of side n. */
  'demo-gemm': (root: number, n: number) => root + n,
  // @rgdl/experiments: a training run's scoring, from its training seed
  /** The eq. 2 draws of the test accuracy. */
  'train-evaluation': (root: number) => root + 1,
  /** The reference softmax regression of generation quality. */
  'train-reference': (root: number) => root + 2,
  /** The generation-quality draws. */
  'train-generation': (root: number) => root + 3,
  // the apps
  /** The MCRG generation flow of a served model's diagnosis (server, playground, demo), from the model's seed. */
  'diagnosis-flow': (root: number) => root + 2,
  // @rgdl/experiments
  /** The shipped synthetic set's class prototypes (the same in every split). */
  'synthetic-prototypes': () => 1000,
  /** The shipped synthetic set's flip noise per split (train 1, attacker 2, test 3, all 4). */
  'synthetic-split': (split: number) => split,
  /** The amplification map's Monte Carlo root (its --seed default). */
  'map-monte-carlo': () => 11,
  /** The amplification map's trained victims. */
  'map-victim': () => 1,
} as const;

export type SeedStream = keyof typeof STREAMS;

/** The seed of a named stream. */
export function seedFor<S extends SeedStream>(stream: S, ...args: Parameters<(typeof STREAMS)[S]>): number {
  return (STREAMS[stream] as (...a: number[]) => number)(...(args as number[]));
}

/** A generator on a named stream: createRng(seedFor(stream, …)). */
export function rngFor<S extends SeedStream>(stream: S, ...args: Parameters<(typeof STREAMS)[S]>): Rng {
  return createRng(seedFor(stream, ...args));
}

/** Every stream's name (for tests and docs). */
export const SEED_STREAMS = Object.keys(STREAMS) as SeedStream[];
