import type { Plan } from '../model';
import type { ReportExtras } from './json';
import { RISK_LABELS, changeText, evidenceText, leftOutOfTotals, signedUsd, usd } from './format';
import { costBarsOfPlans, costChartMarkdown } from '../charts/cost';

/** Escapes characters that would break a Markdown table cell (src/markdown.ts). */
export { markdownCell as cell } from '../markdown';
import { markdownCell as cell } from '../markdown';

export function renderMarkdown(plan: Plan, extras: ReportExtras = {}): string {
  const t = plan.totals;
  const leftOut = leftOutOfTotals(plan);
  const out: string[] = [];
  out.push(`## stackfit recommendations${plan.stack ? ` for \`${plan.stack}\`` : ''}`, '');
  out.push(
    `**Monthly cost:** ${usd(t.monthlyBefore)} → ${usd(t.monthlyAfter)} (**${signedUsd(t.monthlyDelta)}/month**, ${signedUsd(t.monthlyDelta * 12)}/year)` +
      (leftOut ? ` — ${cell(leftOut)}` : ''),
    '',
  );
  const costChart = costChartMarkdown(costBarsOfPlans([plan]));
  if (costChart) out.push(costChart, '');
  const unpricedItems = plan.items.filter((i) => i.monthlyBefore === undefined);
  if (unpricedItems.length)
    out.push(`Unpriced, not in the totals: ${unpricedItems.map((i) => `${cell(i.workload.name)} (${cell(i.reason)})`).join('; ')}`, '');
  out.push('| resource | change | place | monthly before → after | delta | evidence | confidence | risk |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const item of plan.items) {
    const placeText = item.chosen ? `${item.chosen.cloud}/${item.chosen.region}` : `${item.workload.cloud}/${item.workload.region ?? '?'}`;
    out.push(
      `| ${cell(item.workload.name)} | ${cell(item.action === 'no-recommendation' ? `${changeText(item)} (${item.reason})` : changeText(item))} | ${placeText} | ${usd(item.monthlyBefore)} → ${usd(item.monthlyAfter)} | ${signedUsd(item.monthlyDelta)} | ${cell(evidenceText(item))} | ${item.demand?.confidence ?? '-'} | ${item.chosen ? RISK_LABELS[item.risk] : '-'} |`,
    );
  }
  if (plan.skipped.length) {
    out.push('', `<details><summary>${plan.skipped.length} resource(s) skipped</summary>`, '');
    for (const s of plan.skipped) out.push(`- \`${s.urn}\`: ${s.reason}`);
    out.push('', '</details>');
  }
  if (extras.missingUsage?.length) {
    out.push('', `**No usage data** for ${extras.missingUsage.length} workload(s):`, '');
    for (const m of extras.missingUsage) out.push(`- \`${m.urn}\`: ${m.reason}`);
  }
  if (extras.priceSources?.length) {
    out.push('', `Prices: ${extras.priceSources.map((s) => `${s.cloud} ${s.kind}: ${s.source} (${s.date})`).join('; ')}`);
  }
  return `${out.join('\n')}\n`;
}
