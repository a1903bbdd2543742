/**
 * The sweep as an SVG chart: one panel per dataset (and overall), savings (y) against the share
 * of CPU-under-provisioned intervals (x, square-root scale so that 0.01 % and 2 % both show), a
 * line per method family, the defaults ringed. Plain SVG text, no dependency: kept behind this
 * one function so that it can move to the shared charting module.
 */
import type { SweepFamily, SweepReport } from './sweep';

const COLOURS: Record<SweepFamily, string> = { stackfit: '#1b7837', computeOptimizer: '#2166ac', vpa: '#b2182b' };
const NAMES: Record<SweepFamily, string> = { stackfit: 'stackfit (P90 … P99.9)', computeOptimizer: 'Compute-Optimizer-style', vpa: 'VPA-style' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(x: number): string {
  return String(Math.round(x * 10) / 10);
}

export function renderSweepChart(sweep: SweepReport): string {
  const panelW = 360;
  const panelH = 260;
  const margin = { left: 56, right: 16, top: 34, bottom: 44 };
  const cols = Math.min(3, sweep.groups.length);
  const rows = Math.ceil(sweep.groups.length / cols);
  const width = cols * panelW;
  const height = rows * panelH + 40;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  sweep.groups.forEach((g, index) => {
    const ox = (index % cols) * panelW;
    const oy = Math.floor(index / cols) * panelH;
    const w = panelW - margin.left - margin.right;
    const h = panelH - margin.top - margin.bottom;
    const xs = g.points.map((p) => p.cpuUnderShare * 100);
    const ys = g.points.map((p) => p.savingsShare * 100);
    const xMax = Math.max(0.01, ...xs);
    const yMin = Math.min(0, ...ys);
    const yMax = Math.max(1, ...ys);
    const sx = (x: number) => ox + margin.left + (Math.sqrt(Math.max(0, x)) / Math.sqrt(xMax)) * w;
    const sy = (y: number) => oy + margin.top + h - ((y - yMin) / (yMax - yMin)) * h;
    out.push(`<text x="${ox + margin.left}" y="${oy + 18}" font-size="13" font-weight="bold">${esc(`${g.name} (${g.traces} traces)`)}</text>`);
    out.push(`<rect x="${ox + margin.left}" y="${oy + margin.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      const xv = xMax * t * t;
      out.push(`<text x="${sx(xv)}" y="${oy + margin.top + h + 14}" text-anchor="middle">${t === 0 ? '0' : xv.toPrecision(2)}</text>`);
      const yv = yMin + (yMax - yMin) * t;
      out.push(`<text x="${ox + margin.left - 4}" y="${sy(yv) + 4}" text-anchor="end">${fmt(yv)}</text>`);
      out.push(`<line x1="${ox + margin.left}" x2="${ox + margin.left + w}" y1="${sy(yv)}" y2="${sy(yv)}" stroke="#eee"/>`);
    }
    out.push(`<text x="${ox + margin.left + w / 2}" y="${oy + panelH - 8}" text-anchor="middle">CPU under-provisioned intervals (%, √ scale)</text>`);
    out.push(`<text transform="translate(${ox + 14} ${oy + margin.top + h / 2}) rotate(-90)" text-anchor="middle">savings (%)</text>`);
    for (const family of ['computeOptimizer', 'vpa', 'stackfit'] as const) {
      const pts = g.points.filter((p) => p.family === family).sort((a, b) => a.cpuUnderShare - b.cpuUnderShare || a.savingsShare - b.savingsShare);
      const path = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.cpuUnderShare * 100).toFixed(1)},${sy(p.savingsShare * 100).toFixed(1)}`).join(' ');
      out.push(`<path d="${path}" fill="none" stroke="${COLOURS[family]}" stroke-width="1.5"/>`);
      for (const p of pts) {
        const cx = sx(p.cpuUnderShare * 100).toFixed(1);
        const cy = sy(p.savingsShare * 100).toFixed(1);
        out.push(`<circle cx="${cx}" cy="${cy}" r="${p.isDefault ? 5 : 2.5}" fill="${p.isDefault ? '#fff' : COLOURS[family]}" stroke="${COLOURS[family]}" stroke-width="${p.isDefault ? 2 : 1}"><title>${esc(`${p.label}: saves ${fmt(p.savingsShare * 100)} %, CPU under-provisioned ${(p.cpuUnderShare * 100).toPrecision(2)} %, ${p.memoryOverrunIntervals} memory overruns`)}</title></circle>`);
      }
    }
  });
  const ly = rows * panelH + 20;
  (['stackfit', 'computeOptimizer', 'vpa'] as const).forEach((family, i) => {
    const x = 20 + i * 220;
    out.push(`<line x1="${x}" x2="${x + 24}" y1="${ly}" y2="${ly}" stroke="${COLOURS[family]}" stroke-width="2"/>`);
    out.push(`<text x="${x + 30}" y="${ly + 4}">${esc(NAMES[family])}</text>`);
  });
  out.push(`<text x="${20 + 3 * 220}" y="${ly + 4}">ringed: default setting</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
