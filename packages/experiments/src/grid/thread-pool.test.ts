import { describe, expect, it } from 'vitest';
import { fairJobs, gridData } from './fair-jobs.js';
import { tinyFairGrid as tinySpec } from '../presets.js';
import { JobTimeout, ThreadPool } from './thread-pool.js';

describe('the thread pool', () => {
  it('stops a job past its time limit, replaces its thread, and runs the next job', async () => {
    const spec = tinySpec();
    const victim = fairJobs(spec, gridData(spec))[0]!;
    const pool = new ThreadPool(1);
    try {
      const t0 = performance.now();
      await expect(pool.run(victim, undefined, 200)).rejects.toThrow(JobTimeout);
      expect(performance.now() - t0).toBeLessThan(5000);
      // the fresh thread runs the same job to the end
      const result = (await pool.run(victim, undefined, 120_000)) as { testAccuracy: number };
      expect(result.testAccuracy).toBeGreaterThan(0.3);
    } finally {
      await pool.close();
    }
  }, 180_000);
});
