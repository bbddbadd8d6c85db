/**
 * The CLI's plots: each chart is a Vega-Lite spec (written beside the SVG as
 * NAME.vl.json, so a user can restyle it) rendered to SVG in Node by vega,
 * headless. Series of (x, y) points as lines with markers or markers alone,
 * error bars where an error is known, a dashed reference line, linear or log₁₀ y
 * with decade ticks; axis ranges fitted to the data; integer x gets integer
 * ticks; the legend names every series in full; long titles wrap.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

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
  /** A second title line (e.g. what was left out of the plot). */
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logY?: boolean;
  /** Horizontal reference line (e.g. |λ| = 1), dashed. */
  readonly referenceY?: number;
  /** What the reference line is (named in the subtitle). */
  readonly referenceLabel?: string;
}

/** A grid of values: a heatmap with each cell's value written in it. */
export interface HeatmapSpec {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** What the colour shows (legend title). */
  readonly valueLabel: string;
  readonly cells: readonly {
    readonly x: number;
    readonly y: number;
    readonly value: number;
    readonly label?: string;
  }[];
  /** Log colour scale (values must be positive; others are shown grey and unlabelled). */
  readonly logColor?: boolean;
}

/** A file to write: text, or a chart or heatmap rendered to NAME.svg plus NAME.vl.json. */
export type OutputEntry =
  | { readonly path: string; readonly text: string }
  | { readonly path: string; readonly chart: ChartSpec }
  | { readonly path: string; readonly heatmap: HeatmapSpec };

const WIDTH = 480;
const HEIGHT = 300;

/** Splits a title into lines of at most `width` characters at spaces. */
function wrap(text: string, width = 72): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

interface Row {
  readonly series: string;
  readonly x: number;
  readonly y: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly scatter: boolean;
}

/**
 * The Vega-Lite spec of a chart. Non-finite points, and non-positive ones on a
 * log axis, are left out (the subtitle says how many).
 */
export function vegaLiteSpec(spec: ChartSpec): TopLevelSpec {
  const rows: Row[] = [];
  let dropped = 0;
  for (const s of spec.series) {
    s.points.forEach(([x, y], i) => {
      if (!Number.isFinite(x) || !Number.isFinite(y) || (spec.logY && y <= 0)) {
        dropped++;
        return;
      }
      const e = s.errors?.[i];
      const bar =
        e !== undefined && Number.isFinite(e) && e > 0
          ? { lo: spec.logY ? Math.max(y - e, y / 100) : y - e, hi: y + e }
          : {};
      rows.push({ series: s.name, x, y, scatter: s.scatter === true, ...bar });
    });
  }
  const ref = spec.referenceY !== undefined && (!spec.logY || spec.referenceY > 0) ? spec.referenceY : undefined;
  const ys = rows.flatMap((r) => [r.y, ...(r.lo !== undefined ? [r.lo, r.hi!] : [])]);
  if (ref !== undefined) ys.push(ref);
  const integerX = rows.length > 0 && rows.every((r) => Number.isInteger(r.x));
  const subtitle = [
    ...(spec.subtitle ? [spec.subtitle] : []),
    ...(ref !== undefined && spec.referenceLabel ? [`dashed line: ${spec.referenceLabel}`] : []),
    ...(dropped > 0
      ? [`${dropped} point${dropped > 1 ? 's' : ''} not shown (${spec.logY ? 'non-positive or ' : ''}not finite)`]
      : []),
  ];
  let yScale: Record<string, unknown> = { zero: false, nice: true };
  let yAxis: Record<string, unknown> = { title: spec.yLabel, format: '~g' };
  if (spec.logY) {
    const lo = Math.floor(Math.log10(Math.min(...(ys.length ? ys : [1]))));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...(ys.length ? ys : [10])))));
    const step = Math.ceil((hi - lo) / 8);
    const decades: number[] = [];
    for (let k = lo; k <= hi; k += step) decades.push(10 ** k);
    yScale = { type: 'log', domain: [10 ** lo, 10 ** hi] };
    // one notation per axis: plain numbers when every decade has a short one, else 1e−k throughout
    const plain = decades.every((v) => v >= 1e-3 && v < 1e5);
    yAxis = { title: `${spec.yLabel} (log scale)`, values: decades, format: plain ? '~g' : '.0e' };
  }
  // integer x (indices, layers, budgets' ranks): integer ticks only, at most about 12
  let xAxis: Record<string, unknown> = { format: '~g' };
  if (integerX) {
    const xs = rows.map((r) => r.x);
    const distinct = [...new Set(xs)].sort((a, b) => a - b);
    const [x0, x1] = [distinct[0]!, distinct[distinct.length - 1]!];
    const step = Math.max(1, Math.ceil((x1 - x0) / 12));
    // a few distinct values (budgets, depths): tick exactly those; else every step-th integer
    const values: number[] = distinct.length <= 8 ? distinct : [];
    if (distinct.length > 8) for (let v = x0; v <= x1; v += step) values.push(v);
    xAxis = { format: 'd', values };
  }
  const x = {
    field: 'x',
    type: 'quantitative',
    title: spec.xLabel,
    scale: integerX ? { zero: false, nice: false, padding: 8 } : { zero: false, nice: true },
    axis: xAxis,
  };
  const y = { field: 'y', type: 'quantitative', scale: yScale, axis: yAxis };
  const color = {
    field: 'series',
    type: 'nominal',
    scale: { domain: spec.series.map((s) => s.name), range: 'category' },
    legend: spec.series.length > 1 ? { title: null, labelLimit: 0, orient: 'right' } : null,
  };
  const layers: Record<string, unknown>[] = [
    {
      transform: [{ filter: '!datum.scatter' }],
      mark: { type: 'line', point: { filled: true, size: 36 }, strokeWidth: 1.5 },
      encoding: { x, y, color },
    },
    {
      transform: [{ filter: 'datum.scatter' }],
      mark: { type: 'point', filled: true, size: 64 },
      encoding: { x, y, color },
    },
    {
      transform: [{ filter: 'isValid(datum.lo)' }],
      mark: { type: 'rule', strokeWidth: 1.2 },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
    },
  ];
  if (ref !== undefined) {
    layers.push({
      mark: { type: 'rule', strokeDash: [5, 4], color: '#777' },
      encoding: { y: { datum: ref, type: 'quantitative', scale: yScale } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: wrap(spec.title),
      // each subtitle line wrapped too: one long subtitle once made a plot twice its width
      ...(subtitle.length ? { subtitle: subtitle.flatMap((line) => wrap(line, 90)) } : {}),
      anchor: 'start',
      fontSize: 13,
    },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    padding: 12,
    config: { font: 'sans-serif', view: { stroke: '#ccc' } },
    data: { values: rows },
    layer: layers,
  } as unknown as TopLevelSpec;
}

const fmtValue = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));

/** The Vega-Lite spec of a heatmap: ordinal axes in the order given, colour by value, each value written in its cell. */
export function heatmapSpec(spec: HeatmapSpec): TopLevelSpec {
  const ok = (v: number) => Number.isFinite(v) && (!spec.logColor || v > 0);
  const rows = spec.cells.map((c) => ({
    x: c.x,
    y: c.y,
    value: ok(c.value) ? c.value : null,
    label: c.label ?? (ok(c.value) ? fmtValue(c.value) : '—'),
  }));
  const values = rows.map((r) => r.value).filter((v): v is number => v !== null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // white text on the darker half of the scale
  const mid = spec.logColor ? Math.sqrt(lo * hi) : (lo + hi) / 2;
  const xs = [...new Set(spec.cells.map((c) => c.x))].sort((a, b) => a - b);
  const ys = [...new Set(spec.cells.map((c) => c.y))].sort((a, b) => b - a);
  const enc = {
    x: { field: 'x', type: 'ordinal', title: spec.xLabel, sort: xs, axis: { labelAngle: 0 } },
    y: { field: 'y', type: 'ordinal', title: spec.yLabel, sort: ys },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: wrap(spec.title),
      ...(spec.subtitle ? { subtitle: wrap(spec.subtitle, 90) } : {}),
      anchor: 'start',
      fontSize: 13,
    },
    background: 'white',
    padding: 12,
    config: { font: 'sans-serif', view: { stroke: null } },
    data: { values: rows },
    // cells wide enough for their labels (≈ 6.5 px per character at font size 10)
    width: Math.max(240, xs.length * Math.max(56, 12 + 6.5 * Math.max(...rows.map((r) => r.label.length)))),
    height: Math.max(160, 30 * ys.length),
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          ...enc,
          color: {
            field: 'value',
            type: 'quantitative',
            title: spec.valueLabel,
            scale: { scheme: 'blues', ...(spec.logColor ? { type: 'log' } : {}) },
            legend: { format: '.3~g', titleLimit: 0 },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          ...enc,
          text: { field: 'label' },
          color: {
            condition: { test: `datum.value !== null && datum.value > ${mid}`, value: 'white' },
            value: 'black',
          },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** Renders a Vega-Lite spec to SVG (headless vega; the picture is sized to hold every mark and label). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/** Renders one chart to SVG. */
export async function renderChart(spec: ChartSpec): Promise<string> {
  return renderSvg(vegaLiteSpec(spec));
}

/** Turns chart entries into their SVG and Vega-Lite files (NAME.svg, NAME.vl.json); text entries pass through. */
export async function renderOutputs(
  entries: readonly OutputEntry[],
): Promise<{ readonly path: string; readonly text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const e of entries) {
    if ('text' in e) {
      out.push(e);
      continue;
    }
    const vl = 'chart' in e ? vegaLiteSpec(e.chart) : heatmapSpec(e.heatmap);
    out.push({ path: e.path, text: await renderSvg(vl) });
    out.push({ path: e.path.replace(/\.svg$/, '') + '.vl.json', text: `${JSON.stringify(vl, null, 1)}\n` });
  }
  return out;
}
