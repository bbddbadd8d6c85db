import { describe, expect, it } from 'vitest';
import { renderChart, renderOutputs, vegaLiteSpec, type ChartSpec } from './charts.js';
import { textBoxes, textOutside } from '@rgdl/vitest-config/svg-text';

const spectrum: ChartSpec = {
  title:
    'singular values per layer: classification flow of [196, 64, 64, 10] at x = test digit 0 (mcrg), a title too long for one line',
  xLabel: 'index',
  yLabel: 'σ',
  logY: true,
  referenceY: 1,
  referenceLabel: 'σ = 1',
  series: [
    {
      name: 'T(1) h0→h1',
      points: [
        [1, 5],
        [2, 2],
        [3, 0.5],
        [4, 0],
        [5, Number.NaN],
      ],
      errors: [0.5, 0.2, 0.1, 0, 0],
    },
    {
      name: 'a series with a rather long legend name that must not be cut',
      points: [
        [1, 3e-3],
        [2, 40],
      ],
    },
  ],
};

describe('charts (Vega-Lite rendered by vega)', () => {
  it('every text lies inside the picture, legend names in full, decade ticks on a log axis', async () => {
    const svg = await renderChart(spectrum);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(textOutside(svg)).toEqual([]);
    const texts = textBoxes(svg).map((b) => b.text);
    expect(texts).toContain('a series with a rather long legend name that must not be cut');
    expect(texts).toContain('σ (log scale)');
    // decades 0.001 … 100, nothing in between
    for (const t of ['0.001', '0.01', '0.1', '1', '10', '100']) expect(texts).toContain(t);
    expect(texts).not.toContain('20');
    // integer x: integer ticks only
    expect(texts).not.toContain('1.5');
    expect(texts).toContain('2 points not shown (non-positive or not finite)');
    expect(texts).toContain('dashed line: σ = 1');
  });
  it('one notation per log axis, and a long subtitle wrapped instead of widening the plot', async () => {
    const tiny: ChartSpec = {
      ...spectrum,
      subtitle: Array.from({ length: 30 }, (_, i) => `word${i}`).join(' '),
      series: [
        {
          name: 'small',
          points: [
            [1, 1e-8],
            [2, 1e-6],
            [3, 1],
          ],
        },
      ],
    };
    const svg = await renderChart(tiny);
    const texts = textBoxes(svg).map((b) => b.text);
    // decades 1e−8 … 1 in one notation, never a mix of 0.000001 and 1e-8
    expect(texts).toContain('1e-8');
    expect(texts).toContain('1e-6');
    expect(texts).not.toContain('0.000001');
    const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)![1]);
    expect(width).toBeLessThan(900);
    expect(textOutside(svg)).toEqual([]);
  });
  it('the text check catches a label cut by the edge (rotated and nested in groups too)', () => {
    const cut =
      '<svg width="100" height="60"><g transform="translate(50,0)"><text transform="translate(30,20)" font-size="12px">too long a label</text></g></svg>';
    expect(textOutside(cut)).toHaveLength(1);
    const fits =
      '<svg width="300" height="200"><text text-anchor="middle" transform="translate(20,100) rotate(-90)" font-size="10px">y label</text></svg>';
    expect(textOutside(fits)).toEqual([]);
    const rotatedCut = fits.replace('translate(20,100)', 'translate(20,10)');
    expect(textOutside(rotatedCut)).toHaveLength(1);
    // an empty self-closing <text/> (vega writes them for blank legend labels) swallows nothing
    const selfClosing =
      '<svg width="50" height="50"><text transform="translate(1,10)"/><g transform="translate(5,5)"><text transform="translate(1,10)" font-size="10px">a</text></g></svg>';
    expect(textBoxes(selfClosing).map((b) => [b.text, b.x0])).toEqual([['a', 6]]);
  });
  it('the spec holds the finite points, error bars where errors are known, and the y range fits the data', () => {
    const lin = vegaLiteSpec({
      title: 't',
      xLabel: 'cost',
      yLabel: 'accuracy',
      series: [
        {
          name: 'fim',
          points: [
            [0.1, 0.71],
            [0.3, 0.69],
          ],
          errors: [0.01, 0.02],
        },
      ],
    }) as unknown as {
      data: { values: { lo?: number; hi?: number }[] };
      layer: { encoding: { y: { scale: object } } }[];
    };
    expect(lin.data.values).toHaveLength(2);
    expect(lin.data.values[1]).toMatchObject({ lo: 0.69 - 0.02, hi: 0.69 + 0.02 });
    expect(lin.layer[0]!.encoding.y.scale).toEqual({ zero: false, nice: true }); // not 0–1
  });
  it('renderOutputs writes the SVG and its Vega-Lite spec beside it; text entries pass through', async () => {
    const files = await renderOutputs([
      { path: '/x/a.json', text: '{}' },
      { path: '/x/plot.svg', chart: spectrum },
    ]);
    expect(files.map((f) => f.path)).toEqual(['/x/a.json', '/x/plot.svg', '/x/plot.vl.json']);
    expect(JSON.parse(files[2]!.text).$schema).toMatch(/vega-lite\/v5/);
  });
});
