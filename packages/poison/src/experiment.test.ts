import { createCpuBackend } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, summarise, summaryMarkdown, summarySvg } from './experiment.js';

const be = createCpuBackend();
afterAll(() => be.dispose());

describe('experiment runner', () => {
  it('runs a tiny grid and produces a well-formed table and plot', () => {
    const rows = runExperiment(be, {
      depths: [1, 2],
      hidden: 16,
      epsilons: [0.2],
      defences: ['none', 'fim', 'random-query'],
      attackers: ['softmax', 'eq14'],
      seeds: [1, 2],
      victimExamples: 300,
      attackerQueries: 200,
      testExamples: 100,
      pretrainEpochs: 1,
      victimFineTuneEpochs: 5,
    });
    expect(rows).toHaveLength(2 * 2 * 3 * 2);
    const summary = summarise(rows);
    expect(summary).toHaveLength(2 * 3 * 2);
    for (const s of summary) {
      expect(s.n).toBe(2);
      expect(s.mean.cloneAccuracy).toBeGreaterThanOrEqual(0);
      expect(s.mean.labelAgreement).toBe(1);
    }
    const md = summaryMarkdown(summary);
    expect(md.split('\n').filter((l) => l.startsWith('|'))).toHaveLength(2 + summary.length);
    expect(summarySvg(summary, 'softmax')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  }, 120_000);
});
