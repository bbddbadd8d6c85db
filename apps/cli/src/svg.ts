/**
 * Small dependency-free SVG charts for the CLI's --out plots: one or more
 * series of (x, y) points drawn as lines with markers, optional error bars,
 * linear or log₁₀ y axis.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Half-widths of error bars, one per point. */
  readonly errors?: readonly number[];
  /** Draw markers only (no connecting line). */
  readonly scatter?: boolean;
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logY?: boolean;
  /** Horizontal reference line (e.g. |λ| = 1). */
  readonly referenceY?: number;
  /** Legend entry of the reference line (none when absent). */
  readonly referenceLabel?: string;
}

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= n) ?? 10 * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12 * Math.abs(hi); v += nice)
    out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3)));

/** Renders a chart; non-finite points (and non-positive ones on a log axis) are skipped. */
export function lineChart(spec: ChartSpec): string {
  // the legend column is as wide as its longest name (≈ 7 px per character), so no name is clipped
  const names = [...spec.series.map((x) => x.name), ...(spec.referenceLabel ? [spec.referenceLabel] : [])];
  const R = Math.max(170, 40 + 7 * Math.max(0, ...names.map((n) => n.length)));
  const W = 510 + R,
    H = 420,
    L = 70,
    B = 50,
    T = 36;
  const fy = (y: number) => (spec.logY ? Math.log10(y) : y);
  const ok = (p: readonly [number, number]) =>
    Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!spec.logY || p[1] > 0);
  const pts = spec.series.flatMap((s) =>
    s.points.filter(ok).map((p, i) => [p[0], fy(p[1]), s.errors?.[i] ?? 0] as const),
  );
  const xs = pts.map((p) => p[0]);
  const ys = pts.flatMap((p) => (spec.logY ? [p[1]] : [p[1] - p[2], p[1] + p[2]]));
  if (spec.referenceY !== undefined && (!spec.logY || spec.referenceY > 0)) ys.push(fy(spec.referenceY));
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const padX = (x1 - x0) * 0.04;
  [x0, x1] = [x0 - padX, x1 + padX];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - B - T);
  const yTicks = spec.logY
    ? ticks(Math.floor(y0), Math.ceil(y1)).filter((v) => Number.isInteger(v) && v >= y0 && v <= y1)
    : ticks(y0, y1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${L}" y="20" font-size="13">${esc(spec.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">${esc(spec.yLabel)}${spec.logY ? ' (log scale)' : ''}</text>`,
    ...ticks(x0, x1).map(
      (v) => `<text x="${sx(v).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${fmt(v)}</text>`,
    ),
    ...yTicks.map(
      (v) =>
        `<text x="${L - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${spec.logY ? fmt(10 ** v) : fmt(v)}</text><line x1="${L}" y1="${sy(v).toFixed(1)}" x2="${W - R}" y2="${sy(v).toFixed(1)}" stroke="#eee"/>`,
    ),
  ];
  if (spec.referenceY !== undefined && (!spec.logY || spec.referenceY > 0)) {
    const y = sy(fy(spec.referenceY)).toFixed(1);
    parts.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#999" stroke-dasharray="4 3"/>`);
    if (spec.referenceLabel) {
      const ly = T + 8 + 18 * spec.series.length;
      parts.push(
        `<line x1="${W - R + 10}" y1="${ly}" x2="${W - R + 22}" y2="${ly}" stroke="#999" stroke-dasharray="4 3"/><text x="${W - R + 28}" y="${ly + 4}">${esc(spec.referenceLabel)}</text>`,
      );
    }
  }
  spec.series.forEach((s, k) => {
    const c = COLOURS[k % COLOURS.length]!;
    const p = s.points.map((pt, i) => ({ pt, e: s.errors?.[i] ?? 0 })).filter((q) => ok(q.pt));
    if (!s.scatter && p.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${p.map((q) => `${sx(q.pt[0]).toFixed(1)},${sy(fy(q.pt[1])).toFixed(1)}`).join(' ')}"/>`,
      );
    for (const q of p) {
      const cx = sx(q.pt[0]).toFixed(1);
      if (q.e > 0 && !spec.logY)
        parts.push(
          `<line x1="${cx}" y1="${sy(q.pt[1] - q.e).toFixed(1)}" x2="${cx}" y2="${sy(q.pt[1] + q.e).toFixed(1)}" stroke="${c}"/>`,
        );
      parts.push(
        `<circle cx="${cx}" cy="${sy(fy(q.pt[1])).toFixed(1)}" r="3" fill="${c}"><title>${esc(`${s.name}: (${fmt(q.pt[0])}, ${fmt(q.pt[1])})`)}</title></circle>`,
      );
    }
    parts.push(
      `<circle cx="${W - R + 16}" cy="${T + 8 + 18 * k}" r="5" fill="${c}"/><text x="${W - R + 28}" y="${T + 12 + 18 * k}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>\n');
  return parts.join('\n');
}
