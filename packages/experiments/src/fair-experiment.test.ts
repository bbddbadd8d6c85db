import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFlags } from './data.js';
import { runFairExperiment } from './fair-experiment.js';
import { tinyFairGrid } from './presets.js';

describe('runFairExperiment on own data', () => {
  it('shrinks a natural budget above the attacker split to the whole split, says so, and attacks at it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-fair-own-'));
    // 300 examples, two classes of binary 4×4 images: the attacker split (0.2) holds 60
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const c = i % 2;
      const row = Array.from({ length: 16 }, (_, j) => (j % 4 < 2 === (c === 0) ? 1 : (i * 7 + j) % 5 === 0 ? 1 : 0));
      lines.push(`${c},${row.join(',')}`);
    }
    writeFileSync(join(dir, 'd.csv'), lines.join('\n') + '\n');
    const notes: string[] = [];
    const overrides = tinyFairGrid().config;
    const fair = await runFairExperiment({
      grid: 'quick',
      overrides: {
        ...overrides,
        arms: [{ defence: 'none', strengths: [0] }],
        attackers: ['softmax'],
        budgets: [40, 100],
        testExamples: 60,
        victimExamples: 180,
      },
      data: parseDataFlags({ data: `csv:${join(dir, 'd.csv')}` }),
      dataLabel: 'csv:d.csv',
      out: dir,
      workers: 0,
      onNote: (m) => notes.push(m),
    });
    expect(notes.join('\n')).toMatch(/the attacker split has 60 inputs: budget 100 shrunk to 60 \(budgets 40, 60\)/);
    // 40 and 60 of 60 inputs: the seeds share most of their queries, and the note says what the intervals cover
    expect(notes.join('\n')).toMatch(/at budgets 40, 60 each seed draws more than half of the 60 attacker inputs/);
    expect(fair.config.budgets).toEqual([40, 60]);
    const budgets = new Set(fair.run.result.rows.map((r) => r.budget));
    expect([...budgets].sort((a, b) => a - b)).toEqual([40, 60]);
  }, 120_000);
});
