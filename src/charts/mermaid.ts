import { mermaidText } from './escape';
import { niceRange, shortNumber } from './ticks';
import { colorOf, type CategoryChart, type XYChart } from './types';

/** Values in a Mermaid chart: finite, non-negative decimals without exponent (the grammar's NUMBER). */
function mermaidNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '0';
  return shortNumber(Math.abs(value) < 1e-9 ? 0 : value, 3);
}

/**
 * A Mermaid `xychart-beta` (GitHub renders it in PR bodies, comments and job summaries).
 * Every label goes through `mermaidText`; numbers through `mermaidNumber`; colours are fixed hex
 * values in the front matter. Gaps (`null`) are drawn as 0: xychart has no missing values.
 * Bars are emitted first so lines stay on top.
 */
export function mermaidXyChart(chart: CategoryChart, opts: { width?: number; height?: number } = {}): string {
  const ordered = [...chart.series.map((s, i) => ({ s, color: colorOf(s, i) }))].sort((a, b) =>
    a.s.kind === b.s.kind ? 0 : a.s.kind === 'bar' ? -1 : 1,
  );
  const all = chart.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const range = niceRange(chart.yMin ?? Math.min(0, ...all), chart.yMax ?? Math.max(0, ...all) * 1.05);
  const categories = chart.categories.map((c) => `"${mermaidText(c, 24)}"`);
  const lines = [
    '---',
    'config:',
    '  xyChart:',
    `    width: ${Math.round(opts.width ?? 720)}`,
    `    height: ${Math.round(opts.height ?? 320)}`,
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${ordered.map((o) => o.color).join(', ')}"`,
    '---',
    'xychart-beta',
    `  title "${mermaidText(chart.title, 80)}"`,
    chart.numbered
      ? `  x-axis "${mermaidText(chart.xLabel ?? '', 80)}" 1 --> ${Math.max(2, chart.categories.length)}`
      : `  x-axis ${chart.xLabel ? `"${mermaidText(chart.xLabel, 80)}" ` : ''}[${categories.join(', ')}]`,
    `  y-axis "${mermaidText(chart.yLabel, 40)}" ${shortNumber(range.min, 3)} --> ${shortNumber(range.max, 3)}`,
  ];
  for (const { s } of ordered) {
    const values = chart.categories.map((_, i) => mermaidNumber(s.values[i] ?? null));
    lines.push(`  ${s.kind} [${values.join(', ')}]`);
  }
  return lines.join('\n');
}

/**
 * A numeric-x chart as a Mermaid xychart: xychart only has evenly spaced categories, so the
 * categories are the sorted union of every series' x values, and a series with no point at an x
 * is interpolated linearly between its neighbours (held flat beyond its ends). Scatter series
 * become lines. Use the SVG renderer where exact x spacing matters.
 */
export function xyToCategoryChart(chart: XYChart, formatX: (x: number) => string = (x) => shortNumber(x, 2)): CategoryChart {
  const xs = [...new Set(chart.series.flatMap((s) => s.points.map((p) => p.x)).filter(Number.isFinite))].sort((a, b) => a - b);
  const labels = new Map(chart.xTickLabels?.map((t) => [t.x, t.label]));
  return {
    title: chart.title,
    categories: xs.map((x) => labels.get(x) ?? formatX(x)),
    yLabel: chart.yLabel,
    ...(chart.yMin !== undefined && { yMin: chart.yMin }),
    ...(chart.yMax !== undefined && { yMax: chart.yMax }),
    series: chart.series.map((s, i) => ({
      name: s.name,
      kind: 'line' as const,
      color: colorOf(s, i),
      values: xs.map((x) => interpolate(s.points, x)),
    })),
  };
}

function interpolate(points: readonly { x: number; y: number }[], x: number): number | null {
  const sorted = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
  if (!sorted.length) return null;
  if (x <= sorted[0]!.x) return sorted[0]!.y;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (x <= b.x) return b.x === a.x ? b.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
  }
  return sorted[sorted.length - 1]!.y;
}

/** `xyToCategoryChart` then `mermaidXyChart`: the back-test sweep's chart for job summaries. */
export function mermaidXYChart(chart: XYChart, opts: { width?: number; height?: number; formatX?: (x: number) => string } = {}): string {
  return mermaidXyChart(xyToCategoryChart(chart, opts.formatX), opts);
}

/** A Mermaid chart as a fenced Markdown block (the text never holds a backtick: see mermaidText). */
export function mermaidBlock(mermaid: string): string {
  return `\`\`\`mermaid\n${mermaid}\n\`\`\``;
}
