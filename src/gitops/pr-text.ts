import { createHash } from 'node:crypto';
import type { DimensionEvidence, ManualChange, PlanItem, PoolCounts } from '../model';
import { RISK_LABELS, needFromObservedPeak } from '../optimize/risk';
import { usageChartsMarkdown } from '../charts/usage';
import { markdownCell as cell, markdownCode as code } from '../markdown';
import { signedUsd, usd } from '../money';

/**
 * Pull-request text for a stackfit change: title, Markdown body (Renovate / Infracost style),
 * hidden markers the PR bot recognises, the recommendation fingerprint and the branch name.
 * All pure and deterministic: the same plan always renders the same bytes.
 */

/** GitHub rejects bodies over 65,536 characters; stay a little under. */
export const DEFAULT_MAX_BODY_CHARS = 65_000;

const MARKER_PREFIX = 'stackfit:';

/** Items that change something (the ones a PR is about). */
export function actionableItems(items: readonly PlanItem[]): PlanItem[] {
  return items.filter((i) => (i.action === 'resize' || i.action === 'move') && i.chosen !== undefined);
}

/** `3 (2–6)`: a pool's desired node count and its bounds. */
function poolCountsText(counts: PoolCounts): string {
  return `${counts.desired}${counts.min !== undefined || counts.max !== undefined ? ` (${counts.min ?? '?'}–${counts.max ?? '?'})` : ''}`;
}

function placeOf(cloud: string, region: string | undefined, size: string): string {
  return `${cloud}/${region ?? ''}/${size}`;
}

/**
 * A stable hash of the recommendation: sha256 over the sorted `urn, from, to` of every resize and
 * move (from/to = cloud/region/size). Prices, evidence and ordering do not enter it, so the same
 * recommendation always gives the same fingerprint, and any changed target gives a new one.
 */
export function planFingerprint(items: readonly PlanItem[]): string {
  const lines = actionableItems(items)
    .map((i) => {
      const c = i.chosen!;
      // A pool's target counts are part of its target (same type, other counts = another recommendation).
      const counts = i.pool ? `\t${poolCountsText(i.pool.after)}` : '';
      return `${i.urn}\t${placeOf(i.workload.cloud, i.workload.region, i.workload.size)}\t${placeOf(c.cloud, c.region, c.size)}${counts}`;
    })
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/**
 * "Materially different" = a different fingerprint: some resource gets another target size,
 * cloud or region, or resources join or leave the recommendation. Price or evidence changes alone
 * are not material. A closed PR's fingerprint is compared with the new plan's: equal → stay quiet.
 */
export function isMateriallyDifferent(oldFingerprint: string | undefined, items: readonly PlanItem[]): boolean {
  return oldFingerprint === undefined || oldFingerprint !== planFingerprint(items);
}

/** Git-ref-safe component: only [A-Za-z0-9._-], no leading dot/dash, no `..`, no `.lock` suffix. */
function refComponent(text: string): string {
  let s = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '')
    .replace(/[.-]+$/, '');
  if (s.endsWith('.lock')) s = s.slice(0, -'.lock'.length);
  return s || 'x';
}

/** `stackfit/prod`, `stackfit/prod/frontend`: one deterministic branch per stack (and group). */
export function branchNameFor(input: { prefix: string; stack: string; group?: string }): string {
  const prefix = input.prefix
    .split('/')
    .filter((p) => p !== '')
    .map(refComponent);
  const stack = input.stack
    .split('/')
    .filter((p) => p !== '')
    .map(refComponent);
  const parts = [...prefix, ...stack, ...(input.group !== undefined ? [refComponent(input.group)] : [])];
  return parts.join('/');
}

/** `$1,234` (cents only below $10, where they matter). */
function money(value: number): string {
  const abs = Math.abs(value);
  return usd(abs, abs < 10 ? 2 : 0);
}

function scopeOf(stack: string, group?: string): string {
  return group !== undefined ? `${stack}/${group}` : stack;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `stackfit(prod): right-size 3 workloads, save $1,234/month`. */
export function renderPrTitle(input: { stack: string; group?: string; items: PlanItem[] }): string {
  const changes = actionableItems(input.items);
  const resizes = changes.filter((i) => i.action === 'resize').length;
  const moves = changes.filter((i) => i.action === 'move').length;
  let what: string;
  if (resizes > 0 && moves > 0) what = `right-size ${resizes} and move ${moves} workloads`;
  else if (moves > 0) what = `move ${plural(moves, 'workload')}`;
  else what = `right-size ${plural(resizes, 'workload')}`;
  const priced = changes.filter((i) => i.monthlyBefore !== undefined && i.monthlyAfter !== undefined);
  const delta = priced.reduce((sum, i) => sum + (i.monthlyDelta ?? 0), 0);
  let cost = '';
  if (delta <= -0.005) cost = `, save ${money(delta)}/month`;
  else if (delta >= 0.005) cost = `, add ${money(delta)}/month`;
  // The sum holds the priced changes only: the title says how many it leaves out.
  const unpriced = changes.length - priced.length;
  if (unpriced > 0) cost += ` (${unpriced} unpriced)`;
  return `stackfit(${scopeOf(input.stack, input.group)}): ${what}${cost}`;
}

export interface PrBodyInput {
  stack: string;
  group?: string;
  items: PlanItem[];
  manual: ManualChange[];
  totals: { monthlyBefore: number; monthlyAfter: number; monthlyDelta: number };
  priceSources: { cloud: string; source: string; date: string }[];
  fingerprint: string;
  /** A note shown at the top, e.g. why this PR was (re)opened. */
  closedNote?: string;
  /** Body length limit (default 65,000: GitHub's cap is 65,536). */
  maxChars?: number;
}

/** Hidden markers: the PR bot finds its PRs and their recommendation by these. */
export function renderMarkers(input: { stack: string; group?: string; fingerprint: string }): string {
  const lines = [
    `<!-- ${MARKER_PREFIX}fingerprint=${encodeURIComponent(input.fingerprint)} -->`,
    `<!-- ${MARKER_PREFIX}stack=${encodeURIComponent(input.stack)} -->`,
  ];
  if (input.group !== undefined) lines.push(`<!-- ${MARKER_PREFIX}group=${encodeURIComponent(input.group)} -->`);
  return lines.join('\n');
}

/** Reads the markers back from a PR body (undefined fields when absent). */
export function parsePrMarkers(body: string): { fingerprint?: string; stack?: string; group?: string } {
  const out: { fingerprint?: string; stack?: string; group?: string } = {};
  for (const m of body.matchAll(/<!-- stackfit:(fingerprint|stack|group)=([^\s]*) -->/g)) {
    const name = m[1] as 'fingerprint' | 'stack' | 'group';
    if (out[name] === undefined) out[name] = decodeURIComponent(m[2] ?? '');
  }
  return out;
}

/** At most two decimals, no trailing zeros: `2`, `99.5`, `0.41`. */
function num(value: number): string {
  return String(Number(value.toFixed(2)));
}

function percent(fraction: number): string {
  return `${num(Math.round(fraction * 1000) / 10)}%`;
}

function evidence(d: DimensionEvidence | undefined, unit: string): string {
  if (!d) return 'n/a';
  // A need set by the observed peak shows that peak (the forecast's would not explain the need).
  if (needFromObservedPeak(d)) return `p95 ${num(d.p95)} · observed peak ${num(d.max)} · need ${num(d.required)} ${unit}`;
  return `p95 ${num(d.p95)} · peak ${num(d.forecastPeak)} · need ${num(d.required)} ${unit}`;
}

function sizing(item: PlanItem): string {
  const d = item.demand;
  if (!d) return 'n/a';
  const parts = [`CPU P${num(d.cpu.percentile)} + ${percent(d.cpu.headroom)}`];
  if (d.memory)
    parts.push(
      needFromObservedPeak(d.memory)
        ? 'mem: observed peak (never sized below it)'
        : `mem P${num(d.memory.percentile)} + ${percent(d.memory.headroom)}`,
    );
  return parts.join(', ');
}

const TABLE_HEADER = [
  '| Resource | Change | Where | Monthly cost | Δ / month | CPU (cores) | Memory (GiB) | Sizing | Confidence | Risk |',
  '|---|---|---|---|---:|---|---|---|---|---|',
];
const TABLE_COLUMNS = 10;

function changeRow(item: PlanItem, manualUrns: ReadonlySet<string>): string {
  const w = item.workload;
  const c = item.chosen!;
  const spec = (o: PlanItem['current']): string => (o ? ` (${num(o.vcpu)} vCPU, ${num(o.memoryGiB)} GiB)` : '');
  const change = `${code(w.size)}${spec(item.current)} → ${code(c.size)}${spec(c)}${manualUrns.has(item.urn) ? ' **(manual)**' : ''}`;
  const from = `${w.cloud} ${w.region ?? '?'}`;
  const to = `${c.cloud} ${c.region}`;
  const where = from === to ? from : `${from} → ${to}`;
  const before = item.monthlyBefore !== undefined ? usd(item.monthlyBefore) : 'unpriced';
  const after = item.monthlyAfter !== undefined ? usd(item.monthlyAfter) : 'unpriced';
  const count = item.pool
    ? ` (nodes ${poolCountsText(item.pool.before)} → ${poolCountsText(item.pool.after)})`
    : item.countAfter !== undefined && item.countAfter !== w.count
      ? ` (×${w.count} → ×${item.countAfter})`
      : w.count !== 1
        ? ` (×${w.count})`
        : '';
  const cells = [
    `${code(w.name)}${count}`,
    change,
    where,
    `${before} → ${after}`,
    item.monthlyDelta !== undefined ? signedUsd(item.monthlyDelta) : 'n/a',
    evidence(item.demand?.cpu, '') + (item.demand?.cpuBound ? ' · **CPU-bound**' : ''),
    evidence(item.demand?.memory, ''),
    sizing(item),
    item.demand ? `${item.demand.confidence} (${num(Math.round(item.demand.historyHours))} h history)` : 'n/a',
    RISK_LABELS[item.risk],
  ];
  return `| ${cells.map((t) => cell(t.trim())).join(' | ')} |`;
}

function manualRow(change: ManualChange): string {
  return `| ${[code(change.urn), change.property, `${code(change.from)} → ${code(change.to)}`, change.reason].map(cell).join(' | ')} |`;
}

/**
 * Per move: the one-off cost (instances, data copied at the source's egress price, what is not
 * priced), the payback, and that the VMs are replaced. Per increase: why. Per capped cut: the step.
 */
export function whyLines(items: readonly PlanItem[]): string[] {
  const lines: string[] = [];
  for (const item of items) {
    const name = code(item.workload.name);
    const m = item.migration;
    if (item.action === 'move' && item.chosen) {
      const data =
        m?.dataUsd !== undefined
          ? `, ${num(m.dataGiB!)} GiB of disks copied out ${usd(m.dataUsd)} (egress list price: ${m.egressPriceSource})`
          : '';
      const unknown = m && m.unknown.length ? `; not priced: ${m.unknown.join(', ')}` : '';
      // Measured against staying: today's cost, or resizing in place when today's size no longer fits.
      const against =
        m?.stayMonthly !== undefined
          ? ` against resizing in place (${usd(m.stayMonthly)}/month: today's size no longer fits)`
          : ` from what it saves against today's ${usd(item.monthlyBefore)}/month`;
      const payback = m?.paybackMonths !== undefined ? `, paid back in ${num(m.paybackMonths)} months${against}` : '';
      lines.push(
        `- ${name} moves ${item.workload.cloud} ${item.workload.region ?? '?'} → ${item.chosen.cloud} ${item.chosen.region}: one-off ${usd(item.migrationCost)}` +
          ` (instances ${usd(m?.instancesUsd ?? item.migrationCost)}${data}${unknown})${payback}. ` +
          'The VMs are replaced: new disks (data copied over) and new IP addresses; plan the cut-over.',
      );
    }
    if (item.countReason) lines.push(`- ${name}: ${item.countReason}.`);
    if (item.increaseReason && (item.monthlyDelta ?? 0) > 0)
      lines.push(`- ${name} costs ${signedUsd(item.monthlyDelta)}/month: ${item.increaseReason}.`);
    if (item.step)
      lines.push(
        `- ${name}: step ${item.step.step} of ${item.step.of} (\`maxStepDown: ${num(item.step.maxStepDown)}\` allows at most ${num(item.step.maxStepDown)}× fewer vCPU or GiB per PR); the next run proposes the next step.`,
      );
  }
  return lines;
}

/** Keeps the first and last rows, replacing the middle with one "left out" row. */
function keepEnds(rows: readonly string[], keep: number, columns: number, what: string): string[] {
  if (rows.length <= keep) return [...rows];
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  const left = rows.length - keep;
  const note = `| _… ${left} of ${rows.length} ${what} left out to fit GitHub's size limit (run \`stackfit recommend\` for all)_ |${' |'.repeat(columns - 1)}`;
  return [...rows.slice(0, head), note, ...rows.slice(rows.length - tail)];
}

/**
 * The PR body. Rows: one per resized / moved resource (evidence included), then the manual
 * changes, totals (monthly and yearly), price sources, how to ignore the PR, and the hidden
 * markers. Over `maxChars`, the middle rows of the tables are left out (saying how many); the
 * summary, totals and markers are always kept.
 */
export function renderPrBody(input: PrBodyInput): string {
  const maxChars = input.maxChars ?? DEFAULT_MAX_BODY_CHARS;
  // Biggest savings first, then by URN: the same plan always renders the same rows.
  const changes = actionableItems(input.items).sort(
    (a, b) => (a.monthlyDelta ?? 0) - (b.monthlyDelta ?? 0) || (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0),
  );
  const manualUrns = new Set(input.manual.map((m) => m.urn));
  const changeRows = changes.map((i) => changeRow(i, manualUrns));
  const why = whyLines(changes);
  const manualRows = input.manual.map(manualRow);
  const markers = renderMarkers(input);
  const t = input.totals;
  const scope = scopeOf(input.stack, input.group);

  const head: string[] = [markers, ''];
  if (input.closedNote) head.push(`> [!NOTE]`, `> ${input.closedNote.replace(/\r?\n/g, '\n> ')}`, '');
  const resizes = changes.filter((i) => i.action === 'resize').length;
  const moves = changes.filter((i) => i.action === 'move').length;
  head.push(
    `stackfit recommends ${
      [resizes ? `resizing ${plural(resizes, 'workload')}` : '', moves ? `moving ${plural(moves, 'workload')}` : '']
        .filter(Boolean)
        .join(' and ') || 'no changes'
    } in stack **${cell(scope)}**, from forecast demand and list prices.`,
    '',
    '### Cost',
    '',
    '| | Monthly | Yearly |',
    '|---|---:|---:|',
    `| Before | ${usd(t.monthlyBefore)} | ${usd(t.monthlyBefore * 12)} |`,
    `| After | ${usd(t.monthlyAfter)} | ${usd(t.monthlyAfter * 12)} |`,
    `| **Change** | **${signedUsd(t.monthlyDelta)}** | **${signedUsd(t.monthlyDelta * 12)}** |`,
    '',
  );
  // A change without a price on either side is in neither total: say which, next to the totals.
  const unpriced = changes.filter((i) => i.monthlyBefore === undefined || i.monthlyAfter === undefined);
  if (unpriced.length > 0) {
    head.push(
      `Not in the totals: ${plural(unpriced.length, 'change')} without a price (${unpriced.map((i) => `\`${cell(i.workload.name)}\``).join(', ')}).`,
      '',
    );
  }

  const tail: string[] = [];
  if (input.priceSources.length > 0) {
    tail.push('### Price sources', '');
    const sources = [...input.priceSources].sort((a, b) => (a.cloud + a.source < b.cloud + b.source ? -1 : 1));
    for (const s of sources) tail.push(`- ${s.cloud}: ${s.source}, ${s.date}`);
    tail.push('', 'On-demand list prices, 730 hours a month; discounts and commitments are not included.', '');
  }
  tail.push(
    '### Ignoring this recommendation',
    '',
    '- **Close this PR**: stackfit will not reopen it for the same recommendation; a materially different recommendation (another target size, cloud or region) may open a new one.',
    '- To keep a workload as it is for good, add `pin: true` for it in `stackfit.yaml`:',
    '',
    '  ```yaml',
    '  workloads:',
    `    ${changes[0]?.workload.name ?? 'my-workload'}:`,
    '      pin: true',
    '  ```',
    '',
    '---',
    '_Generated by stackfit. Evidence per resource: observed p95, forecast peak and the need (peak × (1 + headroom)) per instance; risk is the chance the new size saturates (none → very high)._',
  );

  const charts = changes.map(usageChartsMarkdown).filter((c) => c !== '');
  const render = (keep: number, keptCharts = charts.length): string => {
    const body: string[] = [...head];
    if (changeRows.length > 0) {
      body.push('### Changes', '', ...TABLE_HEADER, ...keepEnds(changeRows, keep, TABLE_COLUMNS, 'rows'), '');
    }
    if (why.length > 0) {
      const left = why.length - keep;
      body.push(
        '### Moves, counts, increases and steps',
        '',
        ...why.slice(0, keep),
        ...(left > 0 ? [`- _… ${left} more left out to fit GitHub's size limit (run \`stackfit recommend\` for all)_`] : []),
        '',
      );
    }
    const pools = changes.filter((i) => i.pool);
    if (pools.length > 0) {
      body.push('### Node pools', '');
      for (const i of pools.slice(0, keep)) {
        const p = i.pool!;
        const range =
          p.monthlyAtMin !== undefined && p.monthlyAtMax !== undefined
            ? `; ${usd(p.monthlyAtMin)} at min, ${usd(p.monthlyAtMax)} at max`
            : '';
        body.push(
          `- ${code(i.workload.name)}: priced at the average node count over the window (${num(Math.round(p.averageNodesBefore * 10) / 10)} → ${num(Math.round(p.averageNodesAfter * 10) / 10)})${range}`,
        );
        for (const line of p.evidence) body.push(`  - ${cell(line)}`);
      }
      body.push('');
    }
    body.push(...chartSection(charts, keptCharts));
    if (manualRows.length > 0) {
      body.push(
        '### Manual changes needed',
        '',
        'stackfit could not map these to a value in the stack config; change them in code, or add a `mappings:` entry in `stackfit.yaml`.',
        '',
        '| Resource | Property | Change | Why |',
        '|---|---|---|---|',
        ...keepEnds(manualRows, keep, 4, 'manual changes'),
        '',
      );
    }
    body.push(...tail);
    return body.join('\n') + '\n';
  };

  // The "why" lines (a workload may have several) are kept whole unless the body is too long.
  const most = Math.max(changeRows.length, manualRows.length, why.length);
  const full = render(most);
  if (full.length <= maxChars) return full;
  // Charts go before rows: the most charts (biggest savings first) that fit beside every row.
  if (render(most, 0).length <= maxChars)
    return render(
      most,
      largestFitting(charts.length, (n) => render(most, n).length <= maxChars),
    );
  // Largest number of kept rows (per table) that fits: rendering length grows with `keep`.
  const lo = largestFitting(most, (keep) => render(keep, 0).length <= maxChars);
  const fitted = render(lo, 0);
  if (fitted.length <= maxChars) return fitted;
  // Only an absurdly small limit gets here: markers and totals, nothing else.
  return [...head, `_${changes.length} changes and ${input.manual.length} manual changes left out to fit the size limit._`, ''].join('\n');
}

/** The largest n in [0, most] for which `fits(n)` holds, given that it holds for smaller n too. */
function largestFitting(most: number, fits: (n: number) => boolean): number {
  let lo = 0;
  let hi = most;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The evidence charts (one collapsed block per changed workload, in the table's order), the
 * first `kept` of them; when some are left out to fit the size limit, it says so.
 */
function chartSection(charts: readonly string[], kept: number): string[] {
  if (charts.length === 0) return [];
  const out = ['### Usage vs capacity', ''];
  if (kept > 0)
    out.push("Peak usage over the look-back window against today's capacity, the recommended capacity and the forecast need.", '');
  for (const chart of charts.slice(0, kept)) out.push(chart, '');
  if (kept < charts.length) {
    out.push(
      `_Charts for ${charts.length - kept} of ${charts.length} workloads left out to fit GitHub's size limit (every change is in the table above; \`stackfit recommend --format json\` carries every usage series)._`,
      '',
    );
  }
  return out;
}
