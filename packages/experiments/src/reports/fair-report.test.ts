import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FairSummary } from '@rgdl/poison';
import { describe, expect, it } from 'vitest';
import { renderOutputs } from './charts.js';
import { writeOutputs } from '../output-files.js';
import { plotProblems } from '@rgdl/vitest-config/svg-text';
import { fairBudgetChart, fairCostChart } from './fair-report.js';

const point = (strength: number, cost: number, mean: number) => ({
  strength,
  cost,
  mean,
  perSeed: [mean - 0.01, mean + 0.01],
});

describe('fair-test plots', () => {
  it('cost and budget curves render with every label inside the picture and the labels-only line named', async () => {
    const curves: FairSummary['curves'] = [];
    for (const budget of [100, 300, 1000]) {
      const b = budget / 1000;
      curves.push(
        { depth: 2, attacker: 'softmax', budget, defence: 'none', points: [point(0, 0, 0.7 + 0.1 * b)] },
        {
          depth: 2,
          attacker: 'softmax',
          budget,
          defence: 'fim',
          points: [point(0.1, 0.18, 0.69 + 0.1 * b), point(0.3, 0.47, 0.66 + 0.1 * b)],
        },
        {
          depth: 2,
          attacker: 'softmax',
          budget,
          defence: 'adaptive-misinformation',
          points: [point(0.05, 0.1, 0.7)],
        },
        { depth: 2, attacker: 'softmax-labels', budget, defence: 'none', points: [point(0, 0, 0.68 + 0.1 * b)] },
      );
    }
    const summary = { curves } as unknown as FairSummary;
    const cost = fairCostChart(summary, 2, 'softmax', 1000);
    expect(cost.referenceLabel).toBe('labels-only clone (no defence)');
    expect(cost.series.map((s) => s.name)).toEqual(['none', 'fim', 'adaptive-misinformation']);
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-fair-plots-'));
    writeOutputs(
      await renderOutputs([
        { path: join(dir, 'cost.svg'), chart: cost },
        { path: join(dir, 'budget.svg'), chart: fairBudgetChart(summary, 2, 'softmax') },
      ]),
    );
    expect(plotProblems(dir)).toEqual([]);
  });
});
