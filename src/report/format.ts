import type { Offering, Plan, PlanItem } from '../model';

/** `$1,234.56` and `+$12.00`: src/money.ts. */
export { signedUsd, usd } from '../money';

export function num(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return Number(value.toFixed(digits)).toString();
}

export function place(o: Pick<Offering, 'cloud' | 'region'> | undefined): string {
  return o ? `${o.cloud}/${o.region}` : 'n/a';
}

export function sizeLabel(item: PlanItem): { from: string; to: string } {
  const from = item.current ? item.current.size : item.workload.size;
  const to = item.chosen && item.action !== 'keep' && item.action !== 'no-recommendation' ? item.chosen.size : from;
  return { from, to };
}

/** Change text: `m5.2xlarge ×3 → m5.xlarge ×3`, or for a move `Standard_D8s_v5 ×4 → e2-standard-16 ×4 in gcp/us-central1` (the place column says where it runs today). */
export function changeText(item: PlanItem): string {
  const { from, to } = sizeLabel(item);
  const count = item.workload.count > 1 ? ` ×${item.workload.count}` : '';
  // A pool's new node count is its plan's desired count (src/pools).
  const after = item.pool ? item.pool.after.desired : item.countAfter;
  // Both sides carry their count whenever either is above one: `m5.2xlarge → m5.large ×3` would
  // read as one instance becoming three when it is three staying three.
  const toCount = after !== undefined && after !== item.workload.count ? (after > 1 ? ` ×${after}` : ' ×1') : count;
  const fromCount = toCount !== '' && count === '' ? ' ×1' : count;
  if (item.action === 'move' && item.chosen) return `${from}${fromCount} → ${to}${toCount} in ${place(item.chosen)}`;
  if (item.action === 'resize') return `${from}${fromCount} → ${to}${toCount}`;
  return `${from}${count}`;
}

/** One scale everywhere: the labels live with the risk model. */
export { RISK_LABELS } from '../optimize/risk';
import { shownPeak } from '../optimize/risk';

export function evidenceText(item: PlanItem): string {
  const d = item.demand;
  if (!d) return '';
  const cpu = `CPU p95 ${num(d.cpu.p95)} / peak ${num(d.cpu.forecastPeak)} → need ${num(d.cpu.required)} vCPU`;
  const mem = d.memory
    ? `; mem p95 ${num(d.memory.p95)} / peak ${num(shownPeak(d.memory))} → need ${num(d.memory.required)} GiB`
    : '; CPU only';
  // CPU-bound: the readings stop at capacity, so the need is a lower bound: said first.
  return (d.cpuBound ? 'CPU-bound: ' : '') + cpu + mem;
}

/** The resource name at the end of a URN (`…::web` → `web`). */
function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf('::') + 2) || urn;
}

function names(list: readonly string[], max: number): string {
  const shown = list.slice(0, max);
  return list.length > max ? `${shown.join(', ')} and ${list.length - max} more` : shown.join(', ');
}

/**
 * What a plan's totals leave out, counted and named, for the line that shows the totals:
 * workloads without a price, sized resources stackfit could not read (secret or unknown sizes,
 * unsupported shapes), and other billed resources it does not price (buckets, networks).
 * Undefined when the totals hold everything.
 */
export function leftOutOfTotals(plan: Pick<Plan, 'items' | 'skipped' | 'otherResources'>, maxNames = 5): string | undefined {
  const unpriced = plan.items.filter((i) => i.monthlyBefore === undefined).map((i) => i.workload.name);
  const unread = plan.skipped.map((s) => nameOfUrn(s.urn));
  const parts: string[] = [];
  if (unpriced.length) parts.push(`${unpriced.length} workload(s) without a price (${names(unpriced, maxNames)})`);
  if (unread.length) parts.push(`${unread.length} resource(s) stackfit could not read (${names(unread, maxNames)})`);
  const others = (plan.otherResources ?? []).map(nameOfUrn);
  if (others.length) parts.push(`${others.length} other resource(s) stackfit does not price (${names(others, maxNames)})`);
  return parts.length ? `not in the totals: ${parts.join('; ')}` : undefined;
}
