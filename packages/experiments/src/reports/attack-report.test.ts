import { pairedDifference, type AttackResult } from '@rgdl/poison';
import { describe, expect, it } from 'vitest';
import { comparisonTable } from './attack-report.js';

/** The parts of an attack result the comparison table reads. */
const result = (a: number[], b: number[]) =>
  ({
    comparisons: [{ against: 'labels-only', difference: pairedDifference(a, b) }],
    worstCase: [{ defence: 'fim', damage: pairedDifference(a, b) }],
  }) as unknown as AttackResult;

describe('comparisonTable', () => {
  it('one seed: no interval and a claim-free row that says why, never "CI covers 0" under a degenerate interval', () => {
    const t = comparisonTable(result([0.856], [0.853]));
    expect(t).toMatch(/labels-only − fim\s+0\.3\s+—\s+no claim \(one seed: no interval\)/);
    expect(t).not.toMatch(/CI covers 0/);
  });
  it('several seeds: the t interval and a claim only when it excludes 0', () => {
    const t = comparisonTable(result([0.86, 0.87, 0.865], [0.85, 0.855, 0.852]));
    expect(t).toMatch(/FIM clone worse than labels-only's/);
    expect(t).toMatch(/worst case: none − fim\s+1\.3\s+\S+ … \S+\s+damage/);
  });
});
