import { describe, expect, it } from 'vitest';
import { lineChart } from './svg.js';

describe('lineChart', () => {
  it('draws one marker per finite point, a polyline per series and a legend entry', () => {
    const svg = lineChart({
      title: 'a < b',
      xLabel: 'x',
      yLabel: 'y',
      referenceY: 1,
      series: [
        {
          name: 's1',
          points: [
            [1, 2],
            [2, 3],
            [3, Number.NaN],
          ],
        },
        { name: 's2', points: [[1, 1]], scatter: true },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    // 3 finite markers + 2 legend dots
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toContain('a &lt; b');
    expect(svg).toContain('stroke-dasharray'); // reference line
  });
  it('skips non-positive values on a log axis and labels ticks in the original units', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      logY: true,
      series: [
        {
          name: 's',
          points: [
            [0, 0],
            [1, 10],
            [2, 1000],
          ],
        },
      ],
    });
    expect(svg.match(/<circle/g)).toHaveLength(3); // 2 points + legend
    expect(svg).toContain('>100<');
    expect(svg).toContain('(log scale)');
  });
  it('the legend column fits its longest name, and the reference line has a legend entry when labelled', () => {
    const name = 'adaptive-misinformation (quantile 0.05)';
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name,
          points: [
            [0, 1],
            [1, 2],
          ],
        },
      ],
      referenceY: 1.5,
      referenceLabel: 'labels-only clone',
    });
    const width = Number(/<svg[^>]*width="(\d+)"/.exec(svg)![1]);
    const x = Number(new RegExp(`<text x="([\\d.]+)"[^>]*>${name.replace(/[()]/g, '\\$&')}</text>`).exec(svg)![1]);
    expect(x + 7 * name.length).toBeLessThanOrEqual(width);
    expect(svg).toContain('>labels-only clone</text>');
  });
});
