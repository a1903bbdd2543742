import type { DimensionEvidence, Offering, PlanItem, UsageDigest } from '../model';
import { htmlCode } from './escape';
import { mermaidBlock, mermaidXyChart } from './mermaid';
import { sparkline } from './sparkline';
import { shortNumber } from './ticks';
import { needFromObservedPeak } from '../optimize/risk';
import { PALETTE, type CategoryChart } from './types';

const HOUR_MS = 3_600_000;

/** Markdown swatches for the palette's first four colours (usage, today, recommended, need). */
const SWATCH = ['🟦', '🟥', '🟩', '🟧'] as const;

/** Category labels for a digest's buckets: `10-02` for whole days, `10-02 06h` below a day (UTC). */
export function bucketLabels(digest: Pick<UsageDigest, 'start' | 'bucketHours'>, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const iso = new Date(digest.start + i * digest.bucketHours * HOUR_MS).toISOString();
    return digest.bucketHours % 24 === 0 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
  });
}

function bucketWord(hours: number): string {
  return hours === 24 ? 'day' : hours % 24 === 0 ? `${hours / 24} days` : hours === 1 ? 'hour' : `${hours} h`;
}

export type Dimension = 'cpu' | 'memory';

interface DimensionView {
  label: string;
  unit: string;
  values: (number | null)[];
  evidence: DimensionEvidence;
  capacity: (o: Offering) => number;
}

function viewOf(item: PlanItem, dim: Dimension): DimensionView | undefined {
  const d = item.demand;
  const usage = d?.usage;
  if (!d || !usage) return undefined;
  if (dim === 'cpu') return { label: 'CPU', unit: 'vCPU', values: usage.cpuCores, evidence: d.cpu, capacity: (o) => o.vcpu };
  if (!d.memory || !usage.memoryGiB) return undefined;
  return { label: 'memory', unit: 'GiB', values: usage.memoryGiB, evidence: d.memory, capacity: (o) => o.memoryGiB };
}

/**
 * The evidence chart of one workload and dimension: the peak usage per bucket (bars, per
 * instance) against today's capacity, the recommended capacity and the forecast need (lines).
 * Undefined when the item carries no usage digest (or no memory metric, for `memory`).
 */
export function usageChart(item: PlanItem, dim: Dimension): CategoryChart | undefined {
  const view = viewOf(item, dim);
  const usage = item.demand?.usage;
  if (!view || !usage) return undefined;
  // Buckets before the first sample (a young workload) or after the last are left out, not drawn as 0.
  const first = view.values.findIndex((v) => v !== null);
  if (first < 0) return undefined;
  const last = view.values.length - 1 - [...view.values].reverse().findIndex((v) => v !== null);
  const values = view.values.slice(first, last + 1);
  const n = values.length;
  const labels = bucketLabels({ start: usage.start + first * usage.bucketHours * HOUR_MS, bucketHours: usage.bucketHours }, n);
  const flat = (v: number) => Array.from({ length: n }, () => v);
  const series: CategoryChart['series'] = [
    { name: `peak ${view.label} per ${bucketWord(usage.bucketHours)}`, kind: 'bar', values, color: PALETTE[0] },
  ];
  if (item.current)
    series.push({ name: `today: ${item.current.size}`, kind: 'line', values: flat(view.capacity(item.current)), color: PALETTE[1] });
  if (item.chosen)
    series.push({ name: `recommended: ${item.chosen.size}`, kind: 'line', values: flat(view.capacity(item.chosen)), color: PALETTE[2] });
  series.push({ name: 'forecast need', kind: 'line', values: flat(view.evidence.required), color: PALETTE[3] });
  return {
    title: `${item.workload.name}: ${view.label} per instance (${view.unit})`,
    categories: labels,
    xLabel: `${bucketWord(usage.bucketHours)} 1 to ${n}: ${labels[0]} to ${labels[n - 1]} (UTC)`,
    numbered: true,
    yLabel: view.unit,
    series,
  };
}

function legend(item: PlanItem, dim: Dimension): string {
  const view = viewOf(item, dim)!;
  const usage = item.demand!.usage!;
  const parts = [`${SWATCH[0]} peak ${view.label} per ${bucketWord(usage.bucketHours)} (UTC), per instance`];
  if (item.current)
    parts.push(`${SWATCH[1]} today ${htmlCode(item.current.size)}: ${shortNumber(view.capacity(item.current))} ${view.unit}`);
  if (item.chosen)
    parts.push(`${SWATCH[2]} recommended ${htmlCode(item.chosen.size)}: ${shortNumber(view.capacity(item.chosen))} ${view.unit}`);
  const e = view.evidence;
  parts.push(
    `${SWATCH[3]} forecast need: ${shortNumber(e.required)} ${view.unit} (${needFromObservedPeak(e) ? `observed peak ${shortNumber(e.max)}, never sized below it` : `forecast peak ${shortNumber(e.forecastPeak)} + ${shortNumber(e.headroom * 100, 1)}% headroom`}, next ${item.demand!.horizonDays} days)`,
  );
  return parts.join(' · ');
}

/**
 * The collapsed evidence block of one changed workload for a PR body: one Mermaid chart per
 * dimension (CPU, and memory where known), each with its legend. Empty when there is no usage.
 */
export function usageChartsMarkdown(item: PlanItem): string {
  const dims = (['cpu', 'memory'] as const).filter((d) => usageChart(item, d));
  if (!dims.length) return '';
  const count = item.workload.count > 1 ? ` ×${item.workload.count}` : '';
  const lines = [
    `<details><summary>📈 ${htmlCode(item.workload.name)}${count}: ${dims.map((d) => (d === 'cpu' ? 'CPU' : 'memory')).join(' and ')} vs capacity</summary>`,
    '',
  ];
  for (const dim of dims) lines.push(mermaidBlock(mermaidXyChart(usageChart(item, dim)!)), '', legend(item, dim), '');
  lines.push('</details>');
  return lines.join('\n');
}

/** The terminal's usage sparkline of one workload: CPU peaks, heights relative to today's vCPU. */
export function usageSparkline(item: PlanItem, width = 16): string {
  const values = item.demand?.usage?.cpuCores;
  if (!values?.length) return '';
  return sparkline(values, { width, ...(item.current && { max: item.current.vcpu }) });
}
