/**
 * Small SVG bar charts drawn by hand (no plotting library in the page): every
 * chart labels its axes, prints its values, and draws error bars when given.
 */

export interface BarChart {
  readonly title: string;
  readonly labels: readonly string[];
  readonly values: readonly number[];
  /** ± errors drawn as whiskers. */
  readonly errors?: readonly number[];
  /** A horizontal reference line (e.g. 1 for singular values). */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** Bars to highlight (e.g. the current class). */
  readonly highlight?: number;
}

/** Text escaped for HTML and SVG. */
export const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function niceTicks(lo: number, hi: number, count = 4): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) ticks.push(Math.abs(t) < 1e-12 ? 0 : t);
  return ticks;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** An SVG bar chart (bars from 0; negative values go down). */
export function barChart(chart: BarChart): string {
  const width = chart.width ?? 420;
  const height = chart.height ?? 200;
  const m = { left: 48, right: 10, top: 26, bottom: 34 };
  const tops = chart.values.map((v, i) => v + (chart.errors?.[i] ?? 0));
  const bottoms = chart.values.map((v, i) => v - (chart.errors?.[i] ?? 0));
  const extra = chart.reference ? [chart.reference.value] : [];
  const hi = Math.max(0, ...tops, ...extra) * 1.08 || 1;
  const lo = Math.min(0, ...bottoms, ...extra) * 1.08;
  const y = (v: number) => m.top + ((hi - v) / (hi - lo)) * (height - m.top - m.bottom);
  const band = (width - m.left - m.right) / Math.max(1, chart.values.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(chart.title)}">`,
    `<text x="${width / 2}" y="15" text-anchor="middle" class="title">${esc(chart.title)}</text>`,
  ];
  for (const t of niceTicks(lo, hi)) {
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${y(t)}" y2="${y(t)}" class="grid"/>`,
      `<text x="${m.left - 4}" y="${y(t) + 3}" text-anchor="end" class="tick">${fmt(t)}</text>`,
    );
  }
  chart.values.forEach((v, i) => {
    const x = m.left + i * band + band * 0.15;
    const w = band * 0.7;
    const top = Math.min(y(v), y(0));
    const cls = i === chart.highlight ? 'bar highlight' : v < 0 ? 'bar negative' : 'bar';
    parts.push(
      `<rect x="${x}" y="${top}" width="${w}" height="${Math.abs(y(v) - y(0))}" class="${cls}"><title>${esc(chart.labels[i] ?? '')}: ${v}</title></rect>`,
    );
    const e = chart.errors?.[i];
    if (e !== undefined && e > 0) {
      const cx = x + w / 2;
      parts.push(
        `<line x1="${cx}" x2="${cx}" y1="${y(v - e)}" y2="${y(v + e)}" class="err"/>`,
        `<line x1="${cx - 3}" x2="${cx + 3}" y1="${y(v + e)}" y2="${y(v + e)}" class="err"/>`,
        `<line x1="${cx - 3}" x2="${cx + 3}" y1="${y(v - e)}" y2="${y(v - e)}" class="err"/>`,
      );
    }
    if (chart.labels.length <= 16)
      parts.push(
        `<text x="${x + w / 2}" y="${height - m.bottom + 12}" text-anchor="middle" class="tick">${esc(chart.labels[i] ?? '')}</text>`,
      );
  });
  if (chart.reference) {
    const ry = y(chart.reference.value);
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${ry}" y2="${ry}" class="reference"/>`,
      `<text x="${width - m.right}" y="${ry - 3}" text-anchor="end" class="tick">${esc(chart.reference.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${y(0)}" y2="${y(0)}" class="axis"/>`,
    `<text x="12" y="${(height - m.bottom + m.top) / 2}" transform="rotate(-90 12 ${(height - m.bottom + m.top) / 2})" text-anchor="middle" class="tick">${esc(chart.yLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}
