import { describe, expect, it } from 'vitest';
import { barChart } from './plots.js';

describe('barChart', () => {
  const svg = barChart({
    title: 'a & b',
    labels: ['0', '1', '2'],
    values: [2, -1, 0.5],
    errors: [0.2, 0.1, 0],
    reference: { value: 1, label: 'σ = 1' },
    yLabel: 'σ',
    highlight: 0,
  });
  it('draws one bar per value, negative bars below the axis, escaped text, whiskers for non-zero errors', () => {
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg).toContain('a &amp; b');
    expect(svg).toContain('class="bar highlight"');
    expect(svg).toContain('class="bar negative"');
    expect(svg.match(/class="err"/g)).toHaveLength(6); // two whiskers × three lines
    expect(svg).toContain('σ = 1');
  });
  it('keeps every bar inside the picture', () => {
    const height = Number(svg.match(/height="(\d+)"/)![1]);
    for (const m of svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)) {
      const [y, h] = [Number(m[2]), Number(m[4])];
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y + h).toBeLessThanOrEqual(height);
    }
  });
});
