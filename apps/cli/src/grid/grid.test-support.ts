import type { FairTestConfig } from '@rgdl/poison';
import type { FairGridSpec } from './fair-jobs.js';
import type { runGrid } from './run-grid.js';

/** A depth-1 grid of 5 jobs (a victim, none, fim ×2, random-class) that runs in seconds (tests only). */
export function tinySpec(overrides: Partial<FairTestConfig> = {}): FairGridSpec {
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
      fisher: { samples: 300, pool: 256, batches: 2 },
      ...overrides,
    },
  };
}

/** A run's rows without their timings (which differ run to run). */
export const rowsOf = (r: Awaited<ReturnType<typeof runGrid>>) => r.result.rows.map(({ seconds: _s, ...x }) => x);
