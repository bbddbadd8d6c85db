import { describe, expect, it } from 'vitest';
import { summariseFairTest } from './fair-summary.js';
import type { FairRow, FairTestResult } from './fair-test.js';

const seeds = [1, 2, 3];
const rows = (
  defence: FairRow['defence'],
  strength: number,
  attacker: FairRow['attacker'],
  accs: number[],
): FairRow[] =>
  accs.map((cloneAccuracy, i) => ({
    depth: 1,
    defence,
    strength,
    attacker,
    budget: 100,
    seed: seeds[i]!,
    cloneAccuracy,
    seconds: 0,
  }));
const cost = (defence: FairRow['defence'], strength: number, honestLabelKept = 1) => ({
  depth: 1,
  defence,
  strength,
  cost: strength,
  honestLabelKept,
  honestAccuracy: 0.9,
  oodLabelChanged: 0,
});

describe('worst case', () => {
  it('compares each arm with the undefended worst case over the same attackers; label-keeping arms inherit the labels-only clones', () => {
    const result: FairTestResult = {
      victims: [{ depth: 1, widths: [4, 3], testAccuracy: 0.9 }],
      costs: [cost('none', 0), cost('random-class', 0.1), cost('adaptive-misinformation', 0.05, 0.95)],
      rows: [
        // the MLP ran on 'none' only: the strongest undefended attacker, but absent from the other arms
        ...rows('none', 0, 'mlp', [0.9, 0.91, 0.92]),
        ...rows('none', 0, 'mlp-labels', [0.88, 0.89, 0.9]),
        ...rows('none', 0, 'softmax', [0.85, 0.86, 0.87]),
        ...rows('none', 0, 'softmax-labels', [0.84, 0.85, 0.86]),
        ...rows('random-class', 0.1, 'softmax', [0.8, 0.81, 0.82]),
        ...rows('random-class', 0.1, 'softmax-labels', [0.84, 0.85, 0.86]),
        ...rows('adaptive-misinformation', 0.05, 'softmax', [0.7, 0.72, 0.74]),
      ],
      seconds: 0,
    };
    const w = summariseFairTest(result, { seeds }).worstCase;
    const rc = w.find((x) => x.defence === 'random-class')!;
    // mlp-labels' clone is the same under any label-keeping defence: it is rc's worst case, and no damage is claimed
    expect(rc.attackers).toEqual(['softmax', 'softmax-labels', 'mlp-labels']);
    expect(rc.worstAttacker).toBe('mlp-labels');
    expect(rc.undefendedAttacker).toBe('mlp-labels');
    expect(rc.damage.mean).toBeCloseTo(0, 12);
    const am = w.find((x) => x.defence === 'adaptive-misinformation')!;
    // a label-changing arm: only its own attackers, against the same attackers undefended (softmax), not the MLP
    expect(am.attackers).toEqual(['softmax']);
    expect(am.undefendedAttacker).toBe('softmax');
    expect(am.damage.mean).toBeCloseTo(0.14, 12);
    // in plain words: no label-keeping defence made a difference; misinformation took 14 points and 5% of labels
    const plain = summariseFairTest(result, { seeds }).plainSummary.split('\n');
    expect(plain).toHaveLength(2);
    expect(plain[0]).toBe(
      'Against the best clone each defence faced at 100 queries, no defence that keeps every honest label made a measurable difference; one that changes labels took up to 14.0 points (adaptive-misinformation, depth 1) and cost honest users 5.0% of their labels.',
    );
    expect(plain[1]).toBe('FIM was not compared with a random direction.');
  });
});
