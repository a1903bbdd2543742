import type { Catalog } from '../catalog/types';
import type { Offering, SkippedResource, Workload } from '../model';
import { usd } from './money';
import { currentPrice } from '../catalog/views';

/** A workload with its price, or the reason it has none (never a price of zero). */
export type PricedWorkload =
  | {
      status: 'priced';
      workload: Workload;
      offering: Offering;
      /** all `count` instances */
      monthlyUsd: number;
      /** What the team's price book did to the list price (`−22 % (pricing.discounts[0]: savings plan)`), if anything. */
      priceNote?: string;
    }
  | { status: 'unpriced'; workload: Workload; reason: string };

export function offeringFor(workload: Workload, catalog: Catalog): Offering | undefined {
  if (!workload.region) return undefined;
  const opts = workload.kind === 'database' ? { engine: workload.engine, multiAz: workload.multiAz ?? false } : undefined;
  return catalog.lookup(workload.cloud, workload.region, workload.size, opts);
}

/** The price book's note on a (priced) offering; undefined at list price. */
export type PriceNote = (offering: Offering) => string | undefined;

export function priceWorkload(workload: Workload, catalog: Catalog, note?: PriceNote): PricedWorkload {
  // The catalog holds on-demand prices: a spot pool pays something else, so it is not priced.
  if (workload.pool?.spot)
    return { status: 'unpriced', workload, reason: `${workload.size}: spot capacity (the catalog has on-demand prices only)` };
  // In the workload's OS (a Windows VM is unpriced rather than at the Linux price); a region
  // without offline prices says so and how to get them.
  const priced = currentPrice(catalog, workload);
  const offering = 'offering' in priced ? priced.offering : undefined;
  if (offering) {
    const priceNote = note?.(offering);
    return { status: 'priced', workload, offering, monthlyUsd: offering.monthlyUsd * workload.count, ...(priceNote ? { priceNote } : {}) };
  }
  // The OS and offline-region reasons are the catalog's; size and region wording stays the pack's.
  const specific =
    'unpriced' in priced &&
    /^(Windows|operating system|no offline AWS price|spot |dedicated hardware|GCP custom machine type|paid image|AWS Local)/.test(
      priced.unpriced,
    )
      ? priced.unpriced
      : undefined;
  return { status: 'unpriced', workload, reason: specific ?? unpricedReason(workload, catalog) };
}

function unpricedReason(w: Workload, catalog: Catalog): string {
  if (!w.region) return `${w.size}: region unknown`;
  if (!catalog.knowsSize(w.cloud, w.size)) return `${w.size} is not in stackfit's ${w.cloud} catalog`;
  if (w.kind === 'database')
    return `${w.size} (${w.engine ?? 'engine unknown'}${w.multiAz ? ', Multi-AZ' : ''}) has no price in ${w.region}`;
  return `${w.size} has no price in ${w.region}`;
}

/** What the pack made of one resource. */
export type Assessment =
  /** Not a sized resource (bucket, network, component, provider). */
  | { kind: 'none' }
  /** Its size (or what prices it) is not known until apply. */
  | { kind: 'unknown'; urn: string; name: string; reason: string }
  /** Sized compute stackfit cannot read (secret size, unsupported type). */
  | { kind: 'skipped'; urn: string; name: string; reason: string }
  | { kind: 'workload'; priced: PricedWorkload };

/** Classifies what the inventory returned for one resource and prices it. */
export function assess(
  result: { workload: Workload } | { skipped: SkippedResource } | undefined,
  catalog: Catalog,
  name: string,
  note?: PriceNote,
): Assessment {
  if (result === undefined) return { kind: 'none' };
  if ('skipped' in result) {
    const { urn, reason } = result.skipped;
    return /unknown/i.test(reason) ? { kind: 'unknown', urn, name, reason } : { kind: 'skipped', urn, name, reason };
  }
  return { kind: 'workload', priced: priceWorkload(result.workload, catalog, note) };
}

/**
 * `web: 2 × m5.large (aws us-east-1) $140.16/month`, and `, −22 % (pricing.discounts[0]: savings plan)` under a price book.
 * A node pool or group states count × node price and, autoscaled, its cost at min and max nodes:
 * `apps: 3 × m5.large (aws us-east-1) at $70.08/month a node = $210.24/month; 2–10 nodes: $140.16–$700.80/month`.
 */
export function describePriced(p: PricedWorkload): string {
  const w = p.workload;
  const what = `${w.count > 1 || w.pool ? `${w.count} × ` : ''}${w.size} (${w.cloud}${w.region ? ` ${w.region}` : ''})`;
  if (p.status !== 'priced') return `${w.name}: ${what} unpriced: ${p.reason}`;
  const note = p.priceNote ? `, ${p.priceNote}` : '';
  if (!w.pool) return `${w.name}: ${what} ${usd(p.monthlyUsd)}/month${note}`;
  return `${w.name}: ${what} at ${usd(p.offering.monthlyUsd)}/month a node = ${usd(p.monthlyUsd)}/month${poolRange(p)}${note}`;
}

/**
 * What a per-resource message adds for a pool or group, so that a reviewer sees what the rule
 * touches: ` (node pool: 3 × m5.large at $70.08/month a node = $210.24/month; 2–10 nodes: …)`.
 * Empty for a single resource.
 */
export function groupNote(p: PricedWorkload): string {
  const w = p.workload;
  if (!w.pool) return '';
  const label = w.pool.kind === 'kubernetes' ? 'node pool' : 'group';
  if (p.status !== 'priced') return ` (${label}: ${w.count} × ${w.size}, unpriced: ${p.reason})`;
  return ` (${label}: ${w.count} × ${w.size} at ${usd(p.offering.monthlyUsd)}/month a node = ${usd(p.monthlyUsd)}/month${poolRange(p)})`;
}

/** `; 2–10 nodes: $140.16–$700.80/month` for an autoscaled node pool or group (at the node price paid). */
function poolRange(p: Extract<PricedWorkload, { status: 'priced' }>): string {
  const pool = p.workload.pool;
  if (!pool || pool.min === undefined || pool.max === undefined || pool.min === pool.max) return '';
  return `; ${pool.min}–${pool.max} nodes: ${usd(p.offering.monthlyUsd * pool.min)}–${usd(p.offering.monthlyUsd * pool.max)}/month`;
}
