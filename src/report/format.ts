import type { Offering, PlanItem } from '../model';

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

/** Change text: `m5.2xlarge → m5.xlarge ×3`, or for a move `Standard_D8s_v5 → e2-standard-16 ×4 in gcp/us-central1` (the place column says where it runs today). */
export function changeText(item: PlanItem): string {
  const { from, to } = sizeLabel(item);
  const count = item.workload.count > 1 ? ` ×${item.workload.count}` : '';
  // A count change shows both counts: `m5.2xlarge ×2 → m5.large ×4`.
  const after = item.countAfter;
  const [fromCount, toCount] = after !== undefined && after !== item.workload.count ? [` ×${item.workload.count}`, ` ×${after}`] : ['', count];
  if (item.action === 'move' && item.chosen) return `${from}${fromCount} → ${to}${toCount} in ${place(item.chosen)}`;
  if (item.action === 'resize') return `${from}${fromCount} → ${to}${toCount}`;
  return `${from}${count}`;
}

/** One scale everywhere: the labels live with the risk model. */
export { RISK_LABELS } from '../optimize/risk';

export function evidenceText(item: PlanItem): string {
  const d = item.demand;
  if (!d) return '';
  const cpu = `CPU p95 ${num(d.cpu.p95)} / peak ${num(d.cpu.forecastPeak)} → need ${num(d.cpu.required)} vCPU`;
  const mem = d.memory ? `; mem p95 ${num(d.memory.p95)} / peak ${num(d.memory.forecastPeak)} → need ${num(d.memory.required)} GiB` : '; CPU only';
  // CPU-bound: the readings stop at capacity, so the need is a lower bound: said first.
  return (d.cpuBound ? 'CPU-bound: ' : '') + cpu + mem;
}
