// Where the text of an SVG lies (tests only); documented in svg-text.d.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const translateOf = (attrs) => {
  const m = /transform="translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(attrs);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
};
function svgSize(svg) {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('no <svg width height>');
  return { width: Number(m[1]), height: Number(m[2]) };
}
function textBoxes(svg) {
  const boxes = [];
  const stack = [[0, 0]];
  const token = /<g\b([^>]*?)(\/?)>|<\/g>|<text\b[^>]*\/>|<text\b([^>]*)>([\s\S]*?)<\/text>/g;
  for (let m = token.exec(svg); m !== null; m = token.exec(svg)) {
    const [whole, gAttrs, selfClose, tAttrs, content] = m;
    const [ox, oy] = stack[stack.length - 1];
    if (whole.startsWith('<text') && whole.endsWith('/>')) continue;
    if (whole.startsWith('</g')) {
      stack.pop();
      continue;
    }
    if (gAttrs !== void 0) {
      if (!selfClose) {
        const [tx2, ty2] = translateOf(gAttrs);
        stack.push([ox + tx2, oy + ty2]);
      }
      continue;
    }
    const attrs = tAttrs ?? '';
    const [tx, ty] = translateOf(attrs);
    const size = Number(/font-size="([\d.]+)/.exec(attrs)?.[1] ?? 12);
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start';
    const rotated = /rotate\(-?90\)/.test(attrs);
    const lines = [];
    let dy = 0;
    const spans = [...(content ?? '').matchAll(/<tspan([^>]*)>([^<]*)<\/tspan>/g)];
    if (spans.length === 0) lines.push([content ?? '', 0]);
    for (const sp of spans) {
      dy += Number(/dy="([-\d.]+)"/.exec(sp[1])?.[1] ?? 0);
      lines.push([sp[2], dy]);
    }
    for (const [raw, off] of lines) {
      const text = raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      if (text.trim() === '') continue;
      const length = 0.6 * size * [...text].length;
      const lead = anchor === 'middle' ? length / 2 : anchor === 'end' ? length : 0;
      const x = ox + tx;
      const y = oy + ty + off;
      boxes.push(
        rotated
          ? { text, x0: x - size, x1: x, y0: y - length + lead, y1: y + lead }
          : { text, x0: x - lead, x1: x - lead + length, y0: y - size, y1: y + 0.25 * size },
      );
    }
  }
  return boxes;
}
function textOutside(svg) {
  const { width, height } = svgSize(svg);
  return textBoxes(svg)
    .filter((b) => b.x0 < -0.5 || b.y0 < -0.5 || b.x1 > width + 0.5 || b.y1 > height + 0.5)
    .map(
      (b) =>
        `"${b.text}" at x ${b.x0.toFixed(0)}\u2026${b.x1.toFixed(0)}, y ${b.y0.toFixed(0)}\u2026${b.y1.toFixed(0)} in ${width}\xD7${height}`,
    );
}
function plotProblems(dir) {
  const problems = [];
  const names = readdirSync(dir);
  for (const name of names.filter((n) => n.endsWith('.svg'))) {
    if (!names.includes(name.replace(/\.svg$/, '.vl.json'))) problems.push(`${name}: no Vega-Lite spec beside it`);
    for (const t of textOutside(readFileSync(join(dir, name), 'utf8'))) problems.push(`${name}: ${t}`);
  }
  return problems;
}
export { plotProblems, svgSize, textBoxes, textOutside };
