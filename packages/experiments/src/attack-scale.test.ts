import { describe, expect, it } from 'vitest';
import { scaleAttackToSplit } from './attack-scale.js';

describe('scaleAttackToSplit', () => {
  it('keeps 1,500 queries and 3 seeds on the shipped 1,998-input split, and says nothing', () => {
    expect(scaleAttackToSplit(1998, {})).toEqual({ queries: 1500, seeds: 3 });
    expect(scaleAttackToSplit(50_000, {})).toEqual({ queries: 1500, seeds: 3 });
  });

  it('on a small split asks 3/4 of it and raises the seeds to keep about 4,500 queries, at most 10', () => {
    const s = scaleAttackToSplit(1000, {});
    expect([s.queries, s.seeds]).toEqual([751, 6]);
    expect(s.note).toMatch(/1000 inputs: --queries defaults to 751 .* --seeds from 3 to 6/);
    const tiny = scaleAttackToSplit(360, {});
    expect([tiny.queries, tiny.seeds]).toEqual([270, 10]);
    // never below 10 queries, even for a split of 4
    expect(scaleAttackToSplit(4, {}).queries).toBe(10);
  });

  it('keeps what the user gave', () => {
    expect(scaleAttackToSplit(360, { queries: 40 })).toEqual({ queries: 40, seeds: 3 });
    const s = scaleAttackToSplit(360, { seeds: 2 });
    expect([s.queries, s.seeds]).toEqual([270, 2]);
    expect(s.note).not.toMatch(/--seeds/);
  });
});
