import type { CostDiff, ResourceCostDiff } from './diff';
import { cell } from './markdown';
import { signedUsd, usd } from './format';
import { costBarsOfDiff, costChartMarkdown } from '../charts/cost';

/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the markers. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The hidden tag that finds stackfit's comment on a PR (one per stack), Infracost-style. */
export function commentTag(stack: string | undefined): string {
  return `<!-- stackfit-cost-comment stack=${stack ?? 'default'} -->`;
}

const VALID_AT = /<!-- stackfit-valid-at=([0-9TZ:.+-]+) -->/;

/** The `valid-at` stamp of a comment body: an older run must never overwrite a newer comment. */
export function validAtOf(body: string): Date | undefined {
  const m = VALID_AT.exec(body);
  if (!m?.[1]) return undefined;
  const d = new Date(m[1]);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function row(r: ResourceCostDiff): string {
  const from = r.before ? `${r.before.size}${r.before.count > 1 ? ` ×${r.before.count}` : ''} (${r.before.place})` : '—';
  const to = r.after ? `${r.after.size}${r.after.count > 1 ? ` ×${r.after.count}` : ''} (${r.after.place})` : '—';
  const delta = r.unpriced ? `unpriced: ${r.unpriced}` : signedUsd(r.monthlyDelta);
  return `| ${cell(r.name)} | ${r.change} | ${cell(from)} | ${cell(to)} | ${usd(r.before?.monthlyUsd)} | ${usd(r.after?.monthlyUsd)} | ${cell(delta)} |`;
}

export interface CommentOptions {
  validAt: Date;
  /** Link to the full report (e.g. the workflow run), shown when rows are cut. */
  fullReportUrl?: string;
  maxChars?: number;
}

/**
 * The cost-diff comment for a PR that changes a stack: totals first (past, new, diff), then one row
 * per changed resource. Over the limit, rows in the middle are cut and the cut is said.
 */
export function renderCostComment(diff: CostDiff, opts: CommentOptions): string {
  const maxChars = Math.min(opts.maxChars ?? GITHUB_COMMENT_LIMIT - 536, GITHUB_COMMENT_LIMIT);
  const changed = diff.resources.filter((r) => r.change !== 'unchanged');
  const pct = diff.pastTotalMonthlyCost > 0 ? ` (${diff.diffTotalMonthlyCost >= 0 ? '+' : ''}${((diff.diffTotalMonthlyCost / diff.pastTotalMonthlyCost) * 100).toFixed(1)} %)` : '';
  const head = [
    commentTag(diff.stack),
    `<!-- stackfit-valid-at=${opts.validAt.toISOString()} -->`,
    `### 💰 stackfit cost estimate${diff.stack ? ` for \`${diff.stack}\`` : ''}`,
    '',
    `Monthly cost will change by **${signedUsd(diff.diffTotalMonthlyCost)}**${pct}: ${usd(diff.pastTotalMonthlyCost)} → ${usd(diff.totalMonthlyCost)}.`,
    '',
  ];
  // The same totals at a glance: before/after bars for the stack and per cloud.
  if (changed.length) head.push(...costChartSection(diff));
  const tail: string[] = [];
  if (diff.unpricedCount) tail.push('', `⚠️ ${diff.unpricedCount} resource(s) unpriced: not in the totals.`);
  tail.push('', `<sub>List prices, on-demand, 730 h/month. Updated ${opts.validAt.toISOString()}.</sub>`);
  if (!changed.length) return [...head, 'No compute resource changes size, count or place.', ...tail].join('\n') + '\n';

  const tableHead = ['| resource | change | before | after | monthly before | monthly after | delta |', '|---|---|---|---|---|---|---|'];
  const rows = changed.map(row);
  const fixed = [...head, ...tableHead, ...tail].join('\n').length + 200;
  let kept = rows;
  let omitted = 0;
  if (fixed + rows.join('\n').length > maxChars) {
    // Keep the first and last rows, cut the middle: the biggest changes are usually sorted by the reader anyway.
    const budget = maxChars - fixed;
    const front: string[] = [];
    const back: string[] = [];
    let used = 0;
    for (let i = 0, j = rows.length - 1; i <= j; ) {
      const next = front.length <= back.length ? rows[i]! : rows[j]!;
      if (used + next.length + 1 > budget) break;
      used += next.length + 1;
      if (front.length <= back.length) { front.push(next); i++; } else { back.unshift(next); j--; }
    }
    omitted = rows.length - front.length - back.length;
    const note = `| … | ${omitted} more resource(s) not shown: GitHub limits comments to ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')} characters${opts.fullReportUrl ? `; [full report](${opts.fullReportUrl})` : ''} | | | | | |`;
    kept = [...front, note, ...back];
  }
  return [...head, ...tableHead, ...kept, ...tail].join('\n') + '\n';
}

/** The cost bar chart block of a cost comment (stack, then each cloud); no lines when there is nothing to draw. */
export function costChartSection(diff: CostDiff): string[] {
  const chart = costChartMarkdown(costBarsOfDiff(diff));
  return chart ? [chart, ''] : [];
}
