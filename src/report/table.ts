import Table from 'cli-table3';
import type { Plan } from '../model';
import type { ReportExtras } from './json';
import { RISK_LABELS, changeText, leftOutOfTotals, num, place, signedUsd, usd } from './format';
import { usageSparkline } from '../charts/usage';
import { shownPeak } from '../optimize/risk';

/** The usage column (terminal only): CPU peaks over the look-back window, heights against today's vCPU. */
export const SPARKLINE_HEAD = 'CPU peaks (0 → today)';
const SPARKLINE_WIDTH = 16;

/** The terminal table: one row per workload, then the stack's totals. */
export function renderTable(plan: Plan, extras: ReportExtras = {}, opts: { color?: boolean; sparklines?: boolean } = {}): string {
  const style = opts.color ? {} : { head: [], border: [] };
  const table = new Table({
    head: [
      'resource',
      ...(opts.sparklines ? [SPARKLINE_HEAD] : []),
      'place',
      'change',
      'CPU p95 / peak',
      'mem p95 / peak',
      'monthly before → after',
      'delta',
      'confidence',
      'risk',
    ],
    style,
  });
  for (const item of plan.items) {
    const d = item.demand;
    table.push([
      item.workload.name,
      ...(opts.sparklines ? [usageSparkline(item, SPARKLINE_WIDTH) || '-'] : []),
      item.current ? place(item.current) : `${item.workload.cloud}/${item.workload.region ?? '?'}`,
      item.action === 'no-recommendation' ? `${changeText(item)}\n(${item.reason})` : changeText(item),
      d ? `${num(d.cpu.p95)} / ${num(d.cpu.forecastPeak)}${d.cpuBound ? '\nCPU-bound' : ''}` : '-',
      d?.memory ? `${num(d.memory.p95)} / ${num(shownPeak(d.memory))}` : d ? 'CPU only' : '-',
      `${usd(item.monthlyBefore)} → ${usd(item.monthlyAfter)}`,
      signedUsd(item.monthlyDelta),
      d?.confidence ?? '-',
      item.chosen ? RISK_LABELS[item.risk] : '-',
    ]);
  }
  const t = plan.totals;
  const leftOut = leftOutOfTotals(plan);
  const lines = [
    table.toString(),
    `Total monthly: ${usd(t.monthlyBefore)} → ${usd(t.monthlyAfter)} (${signedUsd(t.monthlyDelta)}/month, ${signedUsd(t.monthlyDelta * 12)}/year)` +
      (leftOut ? `; ${leftOut}` : ''),
  ];
  // Each unpriced workload with its reason, next to the total it is missing from (never a silent $0).
  const unpricedItems = plan.items.filter((i) => i.monthlyBefore === undefined);
  if (unpricedItems.length) lines.push('Unpriced (not in the totals):', ...unpricedItems.map((i) => `  - ${i.workload.name}: ${i.reason}`));
  if (plan.skipped.length)
    lines.push(`Skipped ${plan.skipped.length} resource(s):`, ...plan.skipped.map((s) => `  - ${s.urn}: ${s.reason}`));
  if (extras.missingUsage?.length)
    lines.push(
      `No usage data for ${extras.missingUsage.length} workload(s):`,
      ...extras.missingUsage.map((m) => `  - ${m.urn}: ${m.reason}`),
    );
  if (extras.priceSources?.length) {
    const used = new Set(plan.items.flatMap((i) => [i.current?.priceSource, i.chosen?.priceSource]).filter(Boolean));
    const sources = extras.priceSources.filter((s) => used.has(s.source));
    if (sources.length) lines.push(`Prices: ${sources.map((s) => `${s.cloud} ${s.kind} ${s.source} (${s.date})`).join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
