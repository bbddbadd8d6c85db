import { pairedDifference } from '@rgdl/poison';
import { describe, expect, it } from 'vitest';
import { surrogateCharts, surrogateFiles, surrogateMarkdown, type SurrogateResult } from './surrogate-experiment.js';

const point = (
  family: string,
  level: number,
  distance: number,
  flagRate: number,
  plain: number[],
  poisoned: number[],
) => ({
  family: family as 'shift',
  level,
  distance,
  flagRate,
  labelChanged: flagRate * 1.5,
  undefended: plain.reduce((a, v) => a + v, 0) / plain.length,
  defended: poisoned.reduce((a, v) => a + v, 0) / poisoned.length,
  damage: pairedDifference(plain, poisoned),
});

const result: SurrogateResult = {
  victim: { widths: [196, 64, 10], testAccuracy: 0.9 },
  options: {
    seeds: [1, 2, 3],
    budget: 800,
    attacker: 'softmax',
    quantile: 0.05,
    families: ['shift', 'rotation'],
    levels: [0.5, 1],
  },
  points: [
    point('natural', 0, 0, 0.05, [0.85, 0.84, 0.86], [0.82, 0.83, 0.82]),
    point('shift', 0.5, 1.5, 0.4, [0.8, 0.81, 0.8], [0.5, 0.52, 0.49]),
    point('shift', 1, 4, 0.9, [0.79, 0.8, 0.78], [0.02, 0.03, 0.01]),
    point('rotation', 0.5, 0.2, 0.08, [0.83, 0.83, 0.84], [0.8, 0.81, 0.79]),
    point('rotation', 1, 1.6, 0.4, [0.7, 0.69, 0.71], [0.5, 0.5, 0.52]),
  ],
  seconds: 12,
};

describe('surrogate curves report', () => {
  it('tables every point with its damage interval, and names the settings flagged no more than twice as often as natural digits', () => {
    const md = surrogateMarkdown(result);
    expect(md.split('\n').filter((l) => /^(natural|shift|rotation) /.test(l))).toHaveLength(5);
    expect(md).toContain('30.0 (');
    // rotation 0.5 (8% ≤ 2 × 5%) is the only near setting: damage 3.3 points, defended clone 80.0%
    expect(md).toContain('1 of 4 transformed settings');
    expect(md).toContain('largest damage is 3.3 points');
    expect(md).toContain('80.0% on defended answers');
  });

  it('draws one series per family starting at the natural digits, with error bars of the interval half-widths', () => {
    const { flags, damage } = surrogateCharts(result);
    expect(flags.series.map((s) => s.name)).toEqual(['shift', 'rotation']);
    expect(flags.series[0]!.points).toEqual([
      [0, 0.05],
      [1.5, 0.4],
      [4, 0.9],
    ]);
    const d = result.points[1]!.damage;
    expect(damage.series[0]!.errors![1]).toBeCloseTo((d.high - d.low) / 2, 12);
    expect(damage.referenceY).toBe(0);
    expect(surrogateFiles(result, 'out').map((f) => f.path)).toEqual([
      'out/surrogate.json',
      'out/surrogate.md',
      'out/surrogate-flags.svg',
      'out/surrogate-damage.svg',
    ]);
  });
});
