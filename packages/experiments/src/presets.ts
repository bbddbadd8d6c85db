/**
 * The named settings of the experiments: the fair test's grids (victim recipes
 * of depth 1–3 on 14×14 MNIST, the defences' strength sweeps, attackers,
 * budgets and paired seeds) and the fields a grid file may replace; the ε the
 * demo and `rgdl attack` compare defences at; the amplification map's grids.
 */
import { seedFor } from '@rgdl/gpu-kernels';
import type { FairTestConfig } from '@rgdl/poison';
import type { FairGridSpec } from './grid/fair-jobs.js';
import type { MapGrid } from './grid/map-jobs.js';

/** The fair test's small grid, with the battery of adaptive attackers (measured time: the README's). */
export const FAIR_QUICK: FairTestConfig = {
  depths: [2],
  arms: [
    { defence: 'none', strengths: [0] },
    { defence: 'fim', strengths: [0.1, 0.2] },
    // the controls' sweeps reach past FIM's cost, so every FIM point can be matched
    { defence: 'fim-min', strengths: [0.1, 0.3] },
    { defence: 'random-class', strengths: [0.1, 0.3] },
    { defence: 'mad-argmax', strengths: [0.1, 0.4] },
    { defence: 'adaptive-misinformation', strengths: [0.05] },
    // the fixed map, to show the inversion attacker undoing it
    { defence: 'adaptive-misinformation-map', strengths: [0.05] },
    { defence: 'top1', strengths: [0] },
  ],
  // the battery: plain, labels-only, tuned (and tuned labels-only), inversion, recovery; on OOD
  // queries the plain clone and the inversion attacker (the case adaptive misinformation is for).
  // 'adaptive' (fixed settings) is left to the default grid: tuned-softmax and its labels-only
  // twin choose among the same targets and more.
  attackers: [
    'softmax',
    'softmax-labels',
    'tuned-softmax',
    'tuned-softmax-labels',
    'inversion',
    'recovery',
    'ood',
    'ood-inversion',
  ],
  attackerArms: {
    // elsewhere these change no answer and are tuned-softmax, or cost more than they show
    inversion: ['none', 'adaptive-misinformation', 'adaptive-misinformation-map'],
    recovery: ['none', 'adaptive-misinformation'],
    'ood-inversion': ['none', 'adaptive-misinformation', 'adaptive-misinformation-map'],
  },
  budgets: [200, 800],
  seeds: [1, 2, 3, 4],
  testExamples: 400,
  victimFineTuneEpochs: 15,
  fisher: { samples: 1000, batches: 4 },
};

/**
 * The fair test's default grid (depths 1–3, 10 paired seeds, budgets 100–3,000),
 * with the battery of adaptive attackers (24 min here on 2 workers; the target is
 * 30). Cells are cut, never seeds: the costly attackers run at 1,000 queries,
 * tuned-softmax on every arm, the others on the arms listed in `attackerArms`
 * (where they can change what the clone sees), the OOD attacker on the arms it
 * judges (none, adaptive misinformation, fim).
 */
export const FAIR_DEFAULT: FairTestConfig = {
  depths: [1, 2, 3],
  arms: [
    { defence: 'none', strengths: [0] },
    { defence: 'fim', strengths: [0.1, 0.2, 0.3] },
    { defence: 'fim-min', strengths: [0.1, 0.45] },
    { defence: 'random-class', strengths: [0.1, 0.3, 0.45] },
    { defence: 'random-query', strengths: [0.45] },
    { defence: 'mad-argmax', strengths: [0.1, 0.5] },
    // β with γ = 0.1: costs that bracket FIM's
    { defence: 'reverse-sigmoid', strengths: [0.1, 0.25] },
    { defence: 'adaptive-misinformation', strengths: [0.05] },
    { defence: 'top1', strengths: [0] },
  ],
  attackers: [
    'softmax',
    'softmax-labels',
    'tuned-softmax',
    'tuned-softmax-labels',
    'mlp',
    'mlp-labels',
    'eq14',
    'inversion',
    'recovery',
    'smoothing',
    'ood',
  ],
  // natural queries stop at the attacker split's 1,998; the OOD attacker reaches 3,000
  budgets: [100, 300, 1000, 3000],
  costlyBudgets: [1000],
  attackerArms: {
    mlp: ['none', 'fim', 'mad-argmax'],
    'mlp-labels': ['none'],
    eq14: ['none', 'fim', 'fim-min', 'random-class'],
    // elsewhere inversion changes no answer (it is tuned-softmax); recovery where a map can undo
    // the defence (a function of the answer, or misinformation); smoothing against fresh noise
    inversion: ['none', 'adaptive-misinformation'],
    recovery: ['none', 'reverse-sigmoid', 'adaptive-misinformation'],
    smoothing: ['none', 'random-query'],
    ood: ['none', 'fim', 'adaptive-misinformation'],
  },
  seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  testExamples: 1000,
};

/** The adversarial-transfer grid: the eq. 14 attacker's clones, their weight error and transfer to the victim. */
export const FAIR_TRANSFER: FairTestConfig = {
  depths: [2, 3],
  arms: [
    { defence: 'none', strengths: [0] },
    { defence: 'fim', strengths: [0.2] },
    { defence: 'random-class', strengths: [0.2] },
    { defence: 'random-query', strengths: [0.2] },
  ],
  attackers: ['eq14'],
  budgets: [1500],
  seeds: [1, 2, 3],
  testExamples: 1000,
  transfer: { inputs: 100, epsilon: 1.5 },
};

/** The grids by the names the CLI's flags give them. */
export const FAIR_GRIDS = { default: FAIR_DEFAULT, quick: FAIR_QUICK, transfer: FAIR_TRANSFER } as const;
export type FairGridName = keyof typeof FAIR_GRIDS;

/** A depth-1 grid of 5 jobs (a victim, none, fim ×2, random-class) that runs in seconds (smoke tests and examples). */
export function tinyFairGrid(overrides: Partial<FairTestConfig> = {}): FairGridSpec {
  return {
    config: {
      depths: [1],
      arms: [
        { defence: 'none', strengths: [0] },
        { defence: 'fim', strengths: [0.1, 0.2] },
        { defence: 'random-class', strengths: [0.2] },
      ],
      attackers: ['softmax', 'softmax-labels'],
      budgets: [100],
      seeds: [1, 2],
      testExamples: 200,
      victimExamples: 600,
      victimFineTuneEpochs: 3,
      fisher: { samples: 300, batches: 2 },
      ...overrides,
    },
  };
}

/** The fields a --grid file may replace. */
export const GRID_FIELDS = [
  'depths',
  'arms',
  'attackers',
  'budgets',
  'costlyBudgets',
  'attackerArms',
  'seeds',
  'testExamples',
  'victimExamples',
  'victimFineTuneEpochs',
  'hidden',
  'fisher',
  'transfer',
] as const;

/** The one ε at which the demo and `rgdl attack` compare defences (the strength the paper's FIM poison is studied at). */
export const STUDY_EPSILON = 0.2;

/** The map's named grids, without their Monte Carlo settings. */
export const MAP_GRIDS = {
  /** Widths 10 (exact), 64 and 256 (Monte Carlo), depths 1–6, six β, victims of depth 1–3. */
  full: { widths: [10, 64, 256], depths: [1, 2, 3, 4, 5, 6], betas: [0.25, 0.5, 1, 2, 4, 8], victimDepths: [1, 2, 3] },
  /** Width 10, depths 1–3, three β, no victims (seconds). */
  quick: { widths: [10], depths: [1, 2, 3], betas: [0.5, 1, 2], victimDepths: [] },
} as const satisfies Record<string, Omit<MapGrid, 'mc'>>;

/**
 * The map's sampling settings where a level is too wide to enumerate: Gibbs
 * posterior sampling with the missing-information estimator, 300 draws, K = 8,
 * 6 batches for λ₁'s jackknife error (importance sampling, the former setting,
 * read λ₁ 2–4× low at widths 64–256); `seed` is the root of its draws.
 */
export const MAP_MONTE_CARLO = {
  method: 'gibbs',
  samples: 300,
  sweeps: 8,
  pool: 1024,
  batches: 6,
  seed: seedFor('map-monte-carlo'),
} as const;
