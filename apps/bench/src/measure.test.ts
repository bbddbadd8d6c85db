import { describe, expect, it } from 'vitest';
import { measure } from './measure.js';
import { kernelsMarkdown } from './suites/kernels.js';

describe('bench helpers', () => {
  it('measure times real work with at least the requested samples', async () => {
    let sink = 0;
    const t = await measure(
      'loop',
      () => {
        for (let i = 0; i < 20000; i++) sink += Math.sqrt(i);
      },
      { timeMs: 20, iterations: 5 },
    );
    expect(sink).toBeGreaterThan(0);
    expect(t.samples).toBeGreaterThanOrEqual(5);
    expect(t.minMs).toBeGreaterThan(0);
    expect(t.meanMs).toBeGreaterThanOrEqual(t.minMs);
  });
  it('kernelsMarkdown lays out one row per implementation and dtype', () => {
    const timing = { meanMs: 1, minMs: 1, moeMs: 0, samples: 1 };
    const md = kernelsMarkdown({
      matmul: [
        { impl: 'a', mode: 'm', dtype: 'f64', n: 8, gflops: 1.5, timing },
        { impl: 'a', mode: 'm', dtype: 'f64', n: 16, gflops: null, timing: null, note: 'skipped' },
      ],
      solvers: [{ op: 'solve', impl: 'x', n: 8, ms: 0.5 }],
      numpy: 'n/a',
      gpujsModes: {},
    });
    expect(md).toContain('| a | m | f64 | 1.50 | — |');
    expect(md).toContain('| solve | x | 0.500 |');
  });
});
