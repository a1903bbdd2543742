import { percent, usd } from './money';
import type { PricedWorkload } from './pricing';

export interface BudgetLimits {
  maxMonthlyCost?: number;
  maxIncreaseUsd?: number;
  maxIncreasePercent?: number;
}

export interface Baseline {
  monthlyUsd: number;
  /** Where the current cost comes from, for the message. */
  source: string;
}

export interface BudgetInput {
  workloads: readonly PricedWorkload[];
  /** Resources whose size is unknown until apply. */
  unknown: readonly { name: string; reason: string }[];
  /** Sized resources stackfit cannot read (secret size, unsupported type): not priced. */
  skipped: readonly { name: string; reason: string }[];
  baseline?: Baseline;
  limits: BudgetLimits;
  topContributors?: number;
}

export interface BudgetResult {
  totalMonthly: number;
  increaseUsd?: number;
  /** As a fraction (0.1 = 10 %); undefined when the baseline is zero. */
  increaseFraction?: number;
  /** One line per limit exceeded. */
  breaches: string[];
  top: { name: string; monthlyUsd: number; what: string }[];
  unpriced: { name: string; reason: string }[];
  unknown: { name: string; reason: string }[];
  /** Priced node pools and groups: counted at their desired (or current) node count. */
  groups: { name: string; count: number; size: string }[];
  /** The priced total with every autoscaled group at its min / max node count (others as counted). */
  groupRange?: { minMonthly: number; maxMonthly: number };
}

/**
 * The stack's estimated monthly cost against its limits. The total only holds priced workloads:
 * unpriced and unknown ones are listed, never counted as zero, so a breach found on the priced
 * part is certain and a pass with unknowns is not conclusive (the caller says so).
 */
export function evaluateBudget(input: BudgetInput): BudgetResult {
  let total = 0;
  const contributions: BudgetResult['top'] = [];
  const unpriced: BudgetResult['unpriced'] = input.skipped.map((s) => ({ name: s.name, reason: s.reason }));
  const groups: BudgetResult['groups'] = [];
  let atMin = 0;
  let atMax = 0;
  let autoscaled = false;
  for (const p of input.workloads) {
    if (p.status === 'priced') {
      total += p.monthlyUsd;
      const w = p.workload;
      const pool = w.pool;
      if (pool) groups.push({ name: w.name, count: w.count, size: w.size });
      const scales = pool?.min !== undefined && pool.max !== undefined && pool.min !== pool.max;
      autoscaled ||= scales;
      atMin += scales ? p.offering.monthlyUsd * pool.min! : p.monthlyUsd;
      atMax += scales ? p.offering.monthlyUsd * pool.max! : p.monthlyUsd;
      contributions.push({
        name: w.name,
        monthlyUsd: p.monthlyUsd,
        what: `${w.count > 1 ? `${w.count} × ` : ''}${w.size}, ${w.cloud} ${w.region}${p.priceNote ? `, ${p.priceNote}` : ''}`,
      });
    } else {
      unpriced.push({ name: p.workload.name, reason: p.reason });
    }
  }
  contributions.sort((a, b) => b.monthlyUsd - a.monthlyUsd || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const breaches: string[] = [];
  const { maxMonthlyCost, maxIncreaseUsd, maxIncreasePercent } = input.limits;
  if (maxMonthlyCost !== undefined && total > maxMonthlyCost) {
    breaches.push(`estimated monthly cost ${usd(total)} exceeds maxMonthlyCost ${usd(maxMonthlyCost)} by ${usd(total - maxMonthlyCost)}`);
  }
  let increaseUsd: number | undefined;
  let increaseFraction: number | undefined;
  if (input.baseline) {
    increaseUsd = total - input.baseline.monthlyUsd;
    increaseFraction = input.baseline.monthlyUsd > 0 ? increaseUsd / input.baseline.monthlyUsd : undefined;
    const vs = `over the current ${usd(input.baseline.monthlyUsd)} (${input.baseline.source})`;
    if (maxIncreaseUsd !== undefined && increaseUsd > maxIncreaseUsd) {
      breaches.push(`monthly increase ${usd(increaseUsd)} ${vs} exceeds maxIncreaseUsd ${usd(maxIncreaseUsd)}`);
    }
    if (maxIncreasePercent !== undefined && increaseUsd > 0) {
      if (increaseFraction === undefined) {
        breaches.push(
          `monthly increase ${usd(increaseUsd)} from a current cost of $0.00 (${input.baseline.source}) exceeds maxIncreasePercent ${maxIncreasePercent}%`,
        );
      } else if (increaseFraction * 100 > maxIncreasePercent) {
        breaches.push(
          `monthly increase ${percent(increaseFraction)} (${usd(increaseUsd)}) ${vs} exceeds maxIncreasePercent ${maxIncreasePercent}%`,
        );
      }
    }
  }
  return {
    totalMonthly: total,
    ...(increaseUsd !== undefined ? { increaseUsd } : {}),
    ...(increaseFraction !== undefined ? { increaseFraction } : {}),
    breaches,
    top: contributions.slice(0, input.topContributors ?? 3),
    unpriced,
    unknown: [...input.unknown],
    groups,
    ...(autoscaled ? { groupRange: { minMonthly: atMin, maxMonthly: atMax } } : {}),
  };
}

function list(items: readonly { name: string; reason: string }[], max = 10): string {
  const shown = items.slice(0, max).map((i) => `${i.name} (${i.reason})`);
  if (items.length > max) shown.push(`… and ${items.length - max} more`);
  return shown.join('; ');
}

/** The violation message: what was exceeded, the total, the increase, top contributors, and what is not counted. */
export function budgetMessage(r: BudgetResult): string {
  const lines = [...r.breaches];
  let summary = `Estimated monthly cost: ${usd(r.totalMonthly)}`;
  if (r.increaseUsd !== undefined) {
    summary += `; change over current: ${r.increaseUsd >= 0 ? '+' : ''}${usd(r.increaseUsd)}${r.increaseFraction !== undefined ? ` (${percent(r.increaseFraction)})` : ''}`;
  }
  lines.push(summary + '.');
  if (r.top.length) lines.push(`Top contributors: ${r.top.map((t) => `${t.name} ${usd(t.monthlyUsd)} (${t.what})`).join('; ')}.`);
  if (r.groups.length) lines.push(groupsLine(r));
  if (r.unpriced.length) lines.push(`Unpriced, not in the total (${r.unpriced.length}): ${list(r.unpriced)}.`);
  if (r.unknown.length) lines.push(`Unknown until apply, not in the total (${r.unknown.length}): ${list(r.unknown)}.`);
  return lines.join('\n');
}

/**
 * Says how groups were counted (the limit is checked at their desired node count, not at what an
 * autoscaler may reach), and what the priced total spans between their min and max nodes.
 */
function groupsLine(r: BudgetResult): string {
  const shown = r.groups.slice(0, 10).map((g) => `${g.name} ${g.count} × ${g.size}`);
  if (r.groups.length > 10) shown.push(`… and ${r.groups.length - 10} more`);
  const range = r.groupRange
    ? ` With autoscaled groups at their min / max node counts the priced total is ${usd(r.groupRange.minMonthly)}–${usd(r.groupRange.maxMonthly)}.`
    : '';
  return `Node pools and groups are counted at their desired node count (${r.groups.length}): ${shown.join('; ')}.${range}`;
}

/** Why a pass is not conclusive during a preview: what is unknown, and the priced part against the limit. */
export function inconclusiveMessage(r: BudgetResult, limits: BudgetLimits): string {
  const limit = limits.maxMonthlyCost !== undefined ? ` of maxMonthlyCost ${usd(limits.maxMonthlyCost)}` : '';
  // What has no price is named too: the known part leaves both out.
  const unpriced = r.unpriced.length ? `; also not in the total, without a price: ${list(r.unpriced, 5)}` : '';
  return `the size of ${r.unknown.length} resource(s) is unknown until apply (${list(r.unknown, 5)}); the known part costs ${usd(r.totalMonthly)}/month${limit}${unpriced}`;
}

/**
 * A budget that can price none of the stack's sized resources cannot vouch for anything: the
 * violation says so and names what it cannot price (the pack reports it at the policy's level).
 */
export function nothingPricedMessage(r: BudgetResult, limits: BudgetLimits): string {
  const limit = limits.maxMonthlyCost !== undefined ? `maxMonthlyCost ${usd(limits.maxMonthlyCost)}` : 'the increase limits';
  return `cannot check ${limit}: none of the stack's ${r.unpriced.length} sized resource(s) has a price: ${list(r.unpriced)}.`;
}

/** A pass on the priced part only: what is left out, and the priced part against the limit. */
export function partlyPricedMessage(r: BudgetResult, limits: BudgetLimits): string {
  const limit = limits.maxMonthlyCost !== undefined ? ` of maxMonthlyCost ${usd(limits.maxMonthlyCost)}` : '';
  return `the budget is not conclusive: ${r.unpriced.length} sized resource(s) have no price and are not in the total (${list(r.unpriced, 5)}); the priced part costs ${usd(r.totalMonthly)}/month${limit}`;
}
