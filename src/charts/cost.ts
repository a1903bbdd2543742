import type { PlanItem } from '../model';
import type { CostDiff } from '../report/diff';
import { mermaidBlock, mermaidXyChart } from './mermaid';
import { PALETTE, type CategoryChart } from './types';

/** Monthly cost (USD) of one stack or cloud before and after the change. */
export interface CostBar {
  label: string;
  before: number;
  after: number;
}

function add(map: Map<string, CostBar>, label: string, before: number, after: number): void {
  const bar = map.get(label) ?? { label, before: 0, after: 0 };
  bar.before += before;
  bar.after += after;
  map.set(label, bar);
}

/**
 * Cost before/after per stack, then per cloud (over all the stacks), from plans. A move counts
 * its before on today's cloud and its after on the chosen one. Only priced items count, as in
 * the plan's totals.
 */
export function costBarsOfPlans(plans: readonly { stack?: string; items: readonly PlanItem[] }[]): CostBar[] {
  const stacks = new Map<string, CostBar>();
  const clouds = new Map<string, CostBar>();
  for (const plan of plans) {
    add(stacks, `stack ${plan.stack ?? 'default'}`, 0, 0);
    for (const item of plan.items) {
      if (item.monthlyBefore === undefined || item.monthlyAfter === undefined) continue;
      add(stacks, `stack ${plan.stack ?? 'default'}`, item.monthlyBefore, item.monthlyAfter);
      add(clouds, item.workload.cloud, item.monthlyBefore, 0);
      add(clouds, item.chosen?.cloud ?? item.workload.cloud, 0, item.monthlyAfter);
    }
  }
  return [...stacks.values(), ...[...clouds.values()].sort((a, b) => (a.label < b.label ? -1 : 1))];
}

/** Cost before/after for the stack of a cost diff (its totals), then per cloud of each side. */
export function costBarsOfDiff(diff: CostDiff): CostBar[] {
  const clouds = new Map<string, CostBar>();
  for (const r of diff.resources) {
    if (r.before?.monthlyUsd !== undefined) add(clouds, r.before.place.split('/')[0]!, r.before.monthlyUsd, 0);
    if (r.after?.monthlyUsd !== undefined) add(clouds, r.after.place.split('/')[0]!, 0, r.after.monthlyUsd);
  }
  return [
    { label: `stack ${diff.stack ?? 'default'}`, before: diff.pastTotalMonthlyCost, after: diff.totalMonthlyCost },
    ...[...clouds.values()].sort((a, b) => (a.label < b.label ? -1 : 1)),
  ];
}

/**
 * Bars side by side, before then after for each stack / cloud: xychart draws every bar series
 * over the same slots, so each series is zero in the other's slots to keep both visible.
 */
export function costChart(bars: readonly CostBar[], title = 'Monthly cost before and after (USD)'): CategoryChart {
  return {
    title,
    categories: bars.flatMap((b) => [`${b.label} before`, `${b.label} after`]),
    yLabel: 'USD per month',
    series: [
      { name: 'before', kind: 'bar', color: PALETTE[0], values: bars.flatMap((b) => [round(b.before), 0]) },
      { name: 'after', kind: 'bar', color: PALETTE[2], values: bars.flatMap((b) => [0, round(b.after)]) },
    ],
  };
}

const round = (usd: number): number => Math.round(usd * 100) / 100;

/**
 * The cost bar chart as Markdown (for the cost comment and the job summary): a Mermaid block
 * and its legend. Empty when there is nothing to compare (no bars, or every cost is 0).
 */
export function costChartMarkdown(bars: readonly CostBar[], title?: string): string {
  if (!bars.some((b) => b.before > 0 || b.after > 0)) return '';
  const width = Math.min(960, Math.max(480, 90 * bars.length * 2));
  return [
    mermaidBlock(mermaidXyChart(costChart(bars, title), { width, height: 300 })),
    '',
    '🟦 before · 🟩 after, USD per month (on-demand list prices).',
  ].join('\n');
}
