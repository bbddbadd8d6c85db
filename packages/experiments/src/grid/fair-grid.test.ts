import { summariseFairTest, type FairTestConfig } from '@rgdl/poison';
import { describe, expect, it } from 'vitest';
import { runGrid } from './run-grid.js';

describe('the fair test as jobs in this process (a tiny grid, results in memory)', () => {
  const config: FairTestConfig = {
    depths: [1],
    arms: [
      { defence: 'none', strengths: [0] },
      { defence: 'fim', strengths: [0.1, 0.2] },
      { defence: 'random-class', strengths: [0.05, 0.3] },
      { defence: 'mad-argmax', strengths: [0.05, 0.5] },
      { defence: 'adaptive-misinformation', strengths: [0.1] },
    ],
    attackers: ['softmax', 'softmax-labels', 'adaptive', 'ood', 'eq14'],
    budgets: [100, 300],
    costlyBudgets: [300],
    // cells cut: the OOD attacker only where adaptive misinformation is judged, eq14 on none and fim
    attackerArms: { ood: ['none', 'adaptive-misinformation'], eq14: ['none', 'fim'] },
    seeds: [1, 2, 3],
    testExamples: 200,
    victimExamples: 600,
    victimFineTuneEpochs: 3,
    fisher: { samples: 300, batches: 2 },
  };
  it('pairs seeds across arms, matches costs, bounds label-preserving defences and writes a verdict', {
    timeout: 300_000,
  }, async () => {
    const { result: r, jobs, computed } = await runGrid({ config }, { workers: 0 });
    expect(computed).toBe(jobs); // nothing stored, so every job ran
    // (8 arm settings × 2 budgets × 2 attackers + 8 settings × 1 costly budget (adaptive)
    //  + 2 settings × 2 budgets (ood) + 3 settings × 1 budget (eq14)) × 3 seeds
    expect(r.rows).toHaveLength((8 * 2 * 2 + 8 + 2 * 2 + 3) * 3);
    expect(
      r.rows.filter((x) => x.attacker === 'ood').every((x) => ['none', 'adaptive-misinformation'].includes(x.defence)),
    ).toBe(true);
    expect(r.rows.every((x) => x.seconds >= 0)).toBe(true);
    expect(r.rows.filter((x) => x.attacker === 'eq14')).toHaveLength(9);
    expect(r.costs.find((c) => c.defence === 'none')!.cost).toBe(0);
    const fim = r.costs.filter((c) => c.defence === 'fim');
    expect(fim[1]!.cost).toBeGreaterThan(fim[0]!.cost);
    for (const c of r.costs.filter((x) => x.defence !== 'adaptive-misinformation')) expect(c.honestLabelKept).toBe(1);
    // the labels-only attacker sees the same labels from every label-preserving arm
    const labels = (defence: string) =>
      r.rows
        .filter((x) => x.defence === defence && x.attacker === 'softmax-labels')
        .map((x) => `${x.budget}:${x.seed}:${x.cloneAccuracy}`);
    expect(labels('fim')).toEqual([...labels('none'), ...labels('none')]); // two strengths
    const s = summariseFairTest(r, config);
    expect(s.curves.some((c) => c.defence === 'fim' && c.attacker === 'softmax' && c.budget === 300)).toBe(true);
    // random-class's sweep spans FIM's costs here, so every matched comparison has an interval
    const rc = s.matched.filter((m) => m.against === 'random-class' && m.attacker === 'softmax');
    expect(rc.length).toBeGreaterThan(0);
    for (const m of rc) if (m.cost >= 0.05 && m.cost <= 0.3) expect(m.difference).not.toBeNull();
    expect(s.labelsOnlyBound.map((b) => b.budget).sort()).toEqual([100, 300]);
    expect(s.misinformation.length).toBe(2);
    expect(s.multipliers.length).toBeGreaterThan(0);
    expect(s.verdict).toMatch(/^Depth 1, softmax attacker, 300 queries/);
  });
});
