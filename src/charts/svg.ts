import { xmlText } from './escape';
import { niceRange, shortNumber } from './ticks';
import { colorOf, type XYChart } from './types';

export interface SvgOptions {
  width?: number;
  height?: number;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Coordinates with at most two decimals: small files, stable bytes. */
const c = (v: number): string => shortNumber(v, 2);

/**
 * A standalone SVG line / scatter chart with numeric axes, ticks, axis titles and a legend
 * (for docs: e.g. the back-test sweep). Every text is XML-escaped; colours are hex only.
 */
export function svgXYChart(chart: XYChart, opts: SvgOptions = {}): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 420;
  const legendRows = chart.series.length;
  const margin = { top: 40, right: 20, bottom: 56 + 18 * legendRows, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const points = chart.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xr = niceRange(chart.xMin ?? Math.min(...xs, Infinity), chart.xMax ?? Math.max(...xs, -Infinity));
  const yr = niceRange(chart.yMin ?? Math.min(0, ...ys), chart.yMax ?? Math.max(...ys, -Infinity));
  const sx = (x: number) => margin.left + ((x - xr.min) / (xr.max - xr.min)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - yr.min) / (yr.max - yr.min)) * plotH;
  const fx = opts.formatX ?? ((x: number) => shortNumber(x, 2));
  const fy = opts.formatY ?? ((y: number) => shortNumber(y, 2));

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xmlText(chart.title, 120)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${c(width / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="600" ${FONT}>${xmlText(chart.title, 120)}</text>`,
  ];
  // Grid and ticks.
  for (let y = yr.min; y <= yr.max + yr.step / 1e6; y += yr.step) {
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${c(sy(y))}" y2="${c(sy(y))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${margin.left - 6}" y="${c(sy(y) + 4)}" text-anchor="end" font-size="11" ${FONT}>${xmlText(fy(y))}</text>`);
  }
  const xTicks = chart.xTickLabels?.length
    ? chart.xTickLabels.filter((t) => t.x >= xr.min && t.x <= xr.max)
    : Array.from({ length: Math.round((xr.max - xr.min) / xr.step) + 1 }, (_, i) => ({
        x: xr.min + i * xr.step,
        label: fx(xr.min + i * xr.step),
      }));
  for (const t of xTicks) {
    out.push(`<line x1="${c(sx(t.x))}" x2="${c(sx(t.x))}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 4}" stroke="#333"/>`);
    out.push(
      `<text x="${c(sx(t.x))}" y="${margin.top + plotH + 17}" text-anchor="middle" font-size="11" ${FONT}>${xmlText(t.label, 24)}</text>`,
    );
  }
  out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`);
  out.push(
    `<text x="${c(margin.left + plotW / 2)}" y="${margin.top + plotH + 36}" text-anchor="middle" font-size="12" ${FONT}>${xmlText(chart.xLabel, 80)}</text>`,
  );
  out.push(
    `<text transform="translate(16 ${c(margin.top + plotH / 2)}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${xmlText(chart.yLabel, 80)}</text>`,
  );
  // Series.
  chart.series.forEach((s, i) => {
    const color = colorOf(s, i);
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (s.kind === 'line' && pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${c(sx(p.x))},${c(sy(p.y))}`).join(' ')}"/>`,
      );
    }
    for (const p of pts)
      out.push(`<circle cx="${c(sx(p.x))}" cy="${c(sy(p.y))}" r="${s.kind === 'scatter' ? 3.5 : 2.5}" fill="${color}"/>`);
    const ly = height - 18 * (legendRows - i) + 4;
    out.push(`<rect x="${margin.left}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${margin.left + 18}" y="${ly + 1}" font-size="12" ${FONT}>${xmlText(s.name, 100)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
