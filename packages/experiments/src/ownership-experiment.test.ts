import { describe, expect, it } from 'vitest';
import { summariseOwnership, type SuspectRow } from './ownership-experiment.js';

const row = (kind: SuspectRow['kind'], learner: string, log10p: number, marked?: number): SuspectRow => ({
  kind,
  learner: learner as SuspectRow['learner'],
  data: kind === 'stolen' ? 'watermarked' : 'train',
  budget: 300,
  seed: 1,
  key: 0,
  testAccuracy: 0.8,
  ownership: {
    fingerprint: { kind: 'linear', score: 0, z: 0, p: 10 ** log10p, log10p, reference: 0 },
    triggers: null,
    p: 10 ** log10p,
    log10p,
    queries: 100,
  },
  ...(marked === undefined ? {} : { marked }),
});

describe('summariseOwnership', () => {
  it('counts decisions at alpha and reads TPR at the null quantiles', () => {
    const rows = [
      row('stolen', 'softmax', -12),
      row('stolen', 'softmax', -8),
      row('stolen', 'softmax-labels', -1),
      row('stolen', 'softmax-labels', -0.2),
      ...Array.from({ length: 100 }, (_, i) => row('independent', 'softmax', -(i / 100) * 3)),
      row('independent', 'mlp', -7),
    ];
    const s = summariseOwnership(rows, 1e-6);
    expect(s.stolen).toBe(4);
    expect(s.independent).toBe(101);
    expect(s.truePositivesAtAlpha).toBe(2);
    expect(s.falseAccusationsAtAlpha).toBe(1);
    expect(s.nullMinLog10p).toBe(-7);
    // 1% of 101 null values: the second smallest, −2.97; stolen below it: −12 and −8
    expect(s.tprAt1Percent).toBe(0.5);
    // 0.1%: the smallest null value, −7: only −12 and −8 are below it
    expect(s.tprAt01Percent).toBe(0.5);
    expect(s.byLearner).toEqual([
      { learner: 'softmax', verified: 2, of: 2, medianLog10p: -8, accuracy: { min: 0.8, max: 0.8 } },
      { learner: 'softmax-labels', verified: 0, of: 2, medianLog10p: -0.2, accuracy: { min: 0.8, max: 0.8 } },
    ]);
    // no row says how many marked answers it trained on: none is counted as key-free
    expect(s.keyFree).toEqual({ clones: 0, labelsOnly: 2, verified: 0 });
  });

  it('counts the labels-only clones that were served no keyed wrong label (soft clones never count)', () => {
    const rows = [
      row('stolen', 'softmax', -12, 0),
      row('stolen', 'softmax-labels', -1, 0),
      row('stolen', 'mlp-labels', -9, 0),
      row('stolen', 'mlp-labels', -9, 3),
      row('stolen', 'tuned-softmax-labels', -0.5, 5),
      row('independent', 'softmax', -1),
    ];
    expect(summariseOwnership(rows, 1e-6).keyFree).toEqual({ clones: 2, labelsOnly: 4, verified: 1 });
  });
});
