import type { CostDiff, DiffSide, ResourceCostDiff } from './diff';
import { markdownCell as cell, markdownCode } from '../markdown';
import { xmlText } from '../charts/escape';
import { signedUsd, usd } from './format';
import { costBarsOfDiff, costChartMarkdown } from '../charts/cost';

/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the markers. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The hidden tag that finds stackfit's one cost comment on a PR (all stacks in it), Infracost-style. */
export function commentTag(): string {
  return '<!-- stackfit-cost-comment -->';
}

const VALID_AT = /<!-- stackfit-valid-at=([0-9TZ:.+-]+) -->/;

/** The `valid-at` stamp of a comment body (the head commit's time): an older commit's run never overwrites a newer comment. */
export function validAtOf(body: string): Date | undefined {
  const m = VALID_AT.exec(body);
  if (!m?.[1]) return undefined;
  const d = new Date(m[1]);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface CommentOptions {
  /** The time of the commit the estimate is for (not the render time): the out-of-order guard compares these. */
  validAt: Date;
  /** The commit the estimate is for, shown in the comment. */
  commitSha?: string;
  /** Link to the full report (e.g. the workflow run), shown when rows are cut. */
  fullReportUrl?: string;
  maxChars?: number;
}

/** The PR's totals over every stack: what is priced, and what the totals leave out. */
export interface CommentTotals {
  past: number;
  now: number;
  diff: number;
  /** Changed resources with a price on both sides. */
  pricedChanges: number;
  /** Resources with no price (or no known size) on a side: not in the totals. */
  unpriced: ResourceCostDiff[];
  /** Resources stackfit does not price at all (buckets, networks…). */
  otherResources: number;
}

export function commentTotals(diffs: readonly CostDiff[]): CommentTotals {
  const t: CommentTotals = { past: 0, now: 0, diff: 0, pricedChanges: 0, unpriced: [], otherResources: 0 };
  for (const d of diffs) {
    t.past += d.pastTotalMonthlyCost;
    t.now += d.totalMonthlyCost;
    t.diff += d.diffTotalMonthlyCost;
    t.otherResources += d.otherResources;
    for (const r of d.resources) {
      if (r.unpriced) t.unpriced.push(r);
      else if (r.change !== 'unchanged') t.pricedChanges++;
    }
  }
  return t;
}

function percentOf(diff: number, past: number): number | undefined {
  return past > 0 ? (diff / past) * 100 : undefined;
}

function names(rows: readonly ResourceCostDiff[], max = 5): string {
  const shown = rows.slice(0, max).map((r) => `\`${r.name}\``);
  if (rows.length > max) shown.push(`and ${rows.length - max} more`);
  return shown.join(', ');
}

/** What the totals leave out, said in the headline itself. */
export function leftOut(t: CommentTotals): string {
  const parts: string[] = [];
  if (t.unpriced.length) parts.push(`${t.unpriced.length} resource(s) without a price or a known size (${names(t.unpriced)})`);
  if (t.otherResources) parts.push(`${t.otherResources} other resource(s) stackfit does not price (storage, network, …)`);
  return parts.length ? `Not in the totals: ${parts.join('; ')}.` : 'Every resource in the change is priced.';
}

/**
 * The headline: the priced change and, in the same sentence, what it leaves out. When nothing
 * that changed could be priced, it says the change is unknown rather than "$0.00 → $0.00".
 */
export function headline(t: CommentTotals): string {
  const changedUnpriced = t.unpriced.filter((r) => r.change !== 'unchanged');
  if (t.pricedChanges === 0 && changedUnpriced.length > 0) {
    return `Monthly cost change **unknown**: ${changedUnpriced.length} changed resource(s) have no price or no known size. ${leftOut(t)}`;
  }
  const pct = percentOf(t.diff, t.past);
  const pctText = pct === undefined ? '' : ` (${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %)`;
  return `Monthly cost will change by **${signedUsd(t.diff)}**${pctText}: ${usd(t.past)} → ${usd(t.now)} for the priced resources. ${leftOut(t)}`;
}

/** Unknown or unpriced impact first (what needs a look), then by the size of the change. */
function byImpact(a: ResourceCostDiff, b: ResourceCostDiff): number {
  const ua = a.monthlyDelta === undefined ? 1 : 0;
  const ub = b.monthlyDelta === undefined ? 1 : 0;
  if (ua !== ub) return ub - ua;
  const d = Math.abs(b.monthlyDelta ?? 0) - Math.abs(a.monthlyDelta ?? 0);
  return d !== 0 ? d : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** `m5.large ×3 (aws/us-east-1)`, and for an autoscaled group `; 2–10 nodes: $140.16–$700.80/month`. */
function sideText(s: DiffSide): string {
  const range = s.nodes ? `; ${s.nodes.min}–${s.nodes.max} nodes: ${usd(s.nodes.minMonthlyUsd)}–${usd(s.nodes.maxMonthlyUsd)}/month` : '';
  return `${s.size}${s.count > 1 ? ` ×${s.count}` : ''} (${s.place})${range}`;
}

function row(r: ResourceCostDiff): string {
  const from = r.before ? sideText(r.before) : '—';
  const to = r.sizeUnknown ? 'unknown until apply' : r.after ? sideText(r.after) : '—';
  const delta = r.unpriced ? `unknown: ${r.unpriced}` : signedUsd(r.monthlyDelta);
  const after = r.sizeUnknown ? 'unknown' : usd(r.after?.monthlyUsd);
  return `| ${cell(r.name)} | ${r.change} | ${cell(from)} | ${cell(to)} | ${usd(r.before?.monthlyUsd)} | ${after} | ${cell(delta)} |`;
}

const TABLE_HEAD = ['| resource | change | before | after | monthly before | monthly after | delta |', '|---|---|---|---|---|---|---|'];

function stackName(d: CostDiff): string {
  return d.stack ?? 'default';
}

function stackSummaryRow(d: CostDiff): string {
  const t = commentTotals([d]);
  const pct = percentOf(t.diff, t.past);
  const changedUnpriced = t.unpriced.filter((r) => r.change !== 'unchanged').length;
  const delta =
    t.pricedChanges === 0 && changedUnpriced > 0
      ? 'unknown'
      : `${signedUsd(t.diff)}${pct === undefined ? '' : ` (${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %)`}`;
  return `| ${cell(markdownCode(stackName(d)))} | ${usd(t.past)} | ${usd(t.now)} | ${delta} | ${t.unpriced.length} | ${t.otherResources} |`;
}

/**
 * The one cost comment for a PR: a headline over all stacks that names what it leaves out, a
 * per-stack table, then each stack's changed resources in a collapsed section, sorted by impact.
 * Over GitHub's limit, the rows of least impact are cut and the cut is said.
 */
export function renderCostComment(input: CostDiff | readonly CostDiff[], opts: CommentOptions): string {
  const diffs: readonly CostDiff[] = Array.isArray(input) ? input : [input as CostDiff];
  const maxChars = Math.min(opts.maxChars ?? GITHUB_COMMENT_LIMIT - 536, GITHUB_COMMENT_LIMIT);
  const totals = commentTotals(diffs);
  const sha = opts.commitSha ? ` for \`${opts.commitSha.slice(0, 12)}\`` : '';
  const head = [
    commentTag(),
    `<!-- stackfit-valid-at=${opts.validAt.toISOString()} -->`,
    `### 💰 stackfit cost estimate${sha}`,
    '',
    headline(totals),
    '',
    '| stack | monthly before | monthly after | change | not priced | other resources |',
    '|---|---|---|---|---|---|',
    ...diffs.map(stackSummaryRow),
    '',
  ];
  // The same totals at a glance: before/after bars per stack and per cloud.
  for (const d of diffs) if (d.resources.some((r) => r.change !== 'unchanged')) head.push(...costChartSection(d));
  const tail = [
    '',
    `<sub>List prices, on-demand, 730 h/month${opts.commitSha ? `; commit ${opts.commitSha}` : ''}, committed ${opts.validAt.toISOString()}.</sub>`,
  ];

  const sections = diffs.map((d) => ({
    d,
    rows: d.resources
      .filter((r) => r.change !== 'unchanged' || r.unpriced)
      .sort(byImpact)
      .map(row),
  }));
  const render = (cut: number) => {
    const out = [...head];
    for (const { d, rows } of sections) {
      if (!rows.length) {
        out.push(`No compute resource in ${markdownCode(stackName(d))} changes size, count or place.`, '');
        continue;
      }
      const keep = Math.max(0, rows.length - cut);
      out.push(
        `<details><summary>${xmlText(stackName(d), 200)}: ${rows.length} resource(s)</summary>`,
        '',
        ...TABLE_HEAD,
        ...rows.slice(0, keep),
      );
      if (keep < rows.length) {
        out.push(
          `| … | ${rows.length - keep} more resource(s) of least impact not shown: GitHub limits comments to ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')} characters${opts.fullReportUrl ? `; [full report](${opts.fullReportUrl})` : ''} | | | | | |`,
        );
      }
      out.push('', '</details>', '');
    }
    return [...out, ...tail].join('\n') + '\n';
  };
  let body = render(0);
  if (body.length <= maxChars) return body;
  // Cut the same number of least-impact rows from every stack until it fits (binary search).
  let lo = 1;
  let hi = Math.max(...sections.map((s) => s.rows.length));
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (render(mid).length <= maxChars) hi = mid;
    else lo = mid + 1;
  }
  body = render(lo);
  return body;
}

export interface CommentThresholds {
  /** Post only when the monthly change is at least this many dollars, up or down. */
  minUsd?: number;
  /** … or at least this percentage of the current cost, up or down. */
  minPercent?: number;
}

/**
 * Whether the change is too small to post: below every threshold given, both directions. A
 * change with anything unpriced is never "too small": its size is not known.
 */
export function belowThresholds(diffs: readonly CostDiff[], th: CommentThresholds): boolean {
  if (th.minUsd === undefined && th.minPercent === undefined) return false;
  const t = commentTotals(diffs);
  if (t.unpriced.some((r) => r.change !== 'unchanged')) return false;
  const pct = percentOf(t.diff, t.past);
  const usdBelow = th.minUsd === undefined || Math.abs(t.diff) < th.minUsd;
  const pctBelow = th.minPercent === undefined || (pct !== undefined && Math.abs(pct) < th.minPercent);
  return usdBelow && pctBelow;
}

/** The cost bar chart block of a cost comment (stack, then each cloud); no lines when there is nothing to draw. */
export function costChartSection(diff: CostDiff): string[] {
  const chart = costChartMarkdown(costBarsOfDiff(diff));
  return chart ? [chart, ''] : [];
}
