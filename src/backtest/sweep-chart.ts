/**
 * The sweep as charts, drawn by the shared charting module (src/charts): one chart per dataset
 * (and overall), savings (y) against the share of CPU-under-provisioned intervals (x), a curve per
 * method family and the defaults as their own points. SVG for the docs, Mermaid for summaries.
 */
import { mermaidBlock, mermaidXYChart } from '../charts/mermaid';
import { svgXYChart } from '../charts/svg';
import type { XYChart } from '../charts/types';
import type { SweepFamily, SweepReport } from './sweep';

const COLOURS: Record<SweepFamily, string> = { stackfit: '#1b7837', computeOptimizer: '#2166ac', vpa: '#b2182b' };
const NAMES: Record<SweepFamily, string> = {
  stackfit: 'stackfit (P90 … P99.9)',
  computeOptimizer: 'Compute-Optimizer-style',
  vpa: 'VPA-style',
};
const FAMILIES = ['stackfit', 'computeOptimizer', 'vpa'] as const;

/** One chart per group of the sweep (percent on both axes). */
export function sweepCharts(sweep: SweepReport): XYChart[] {
  return sweep.groups.map((g) => ({
    title: `${g.name} (${g.traces} traces)`,
    xLabel: 'CPU under-provisioned intervals (%)',
    yLabel: 'savings (%)',
    series: [
      ...FAMILIES.map((family) => ({
        name: NAMES[family],
        kind: 'line' as const,
        color: COLOURS[family],
        points: g.points.filter((p) => p.family === family).map((p) => ({ x: p.cpuUnderShare * 100, y: p.savingsShare * 100 })),
      })),
      {
        name: 'default settings',
        kind: 'scatter' as const,
        color: '#000000',
        points: g.points.filter((p) => p.isDefault).map((p) => ({ x: p.cpuUnderShare * 100, y: p.savingsShare * 100 })),
      },
    ],
  }));
}

/** The sweep as one SVG: the group charts side by side, three to a row. */
export function renderSweepChart(sweep: SweepReport): string {
  const panelW = 480;
  const panelH = 420;
  const panels = sweepCharts(sweep).map((chart) =>
    svgXYChart(chart, { width: panelW, height: panelH, formatX: (x) => x.toPrecision(2), formatY: (y) => y.toFixed(0) }),
  );
  const cols = Math.max(1, Math.min(3, panels.length));
  const width = cols * panelW;
  const height = Math.ceil(panels.length / cols) * panelH;
  const nested = panels.map((svg, i) => svg.replace('<svg ', `<svg x="${(i % cols) * panelW}" y="${Math.floor(i / cols) * panelH}" `));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="${width}" height="${height}" fill="#fff"/>\n${nested.join('')}</svg>\n`;
}

/** The sweep as Mermaid blocks (job summaries, PR text): one xy chart per group. */
export function renderSweepMermaid(sweep: SweepReport): string {
  return sweepCharts(sweep)
    .map((chart) => mermaidBlock(mermaidXYChart(chart, { formatX: (x) => x.toPrecision(2) })))
    .join('\n\n');
}
