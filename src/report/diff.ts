import type { Catalog } from '../catalog/types';
import type { Inventory, Offering, Workload } from '../model';
import { currentPrice } from '../catalog/views';

export type ResourceChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface ResourceCostDiff {
  urn: string;
  name: string;
  type: string;
  change: ResourceChange;
  before?: { size: string; count: number; place: string; monthlyUsd?: number };
  after?: { size: string; count: number; place: string; monthlyUsd?: number };
  /** Undefined when either side is unpriced. */
  monthlyDelta?: number;
  /** Why a side has no price ("m9.huge is not in the aws catalog for us-east-1"). */
  unpriced?: string;
}

/** Infracost-style totals: past, new, and their difference, in USD per month. */
export interface CostDiff {
  stack?: string;
  resources: ResourceCostDiff[];
  pastTotalMonthlyCost: number;
  totalMonthlyCost: number;
  diffTotalMonthlyCost: number;
  unpricedCount: number;
}

function side(w: Workload, catalog: Catalog) {
  // In the VM's OS: a Windows VM has no price rather than the Linux one.
  const priced = currentPrice(catalog, w);
  const offering: Offering | undefined = 'offering' in priced ? priced.offering : undefined;
  return {
    size: w.size,
    count: w.count,
    place: `${w.cloud}/${w.region ?? '?'}`,
    monthlyUsd: offering ? offering.monthlyUsd * w.count : undefined,
  };
}

function unpricedReason(w: Workload, catalog: Catalog): string {
  const priced = currentPrice(catalog, w);
  return `${w.name}: ${'unpriced' in priced ? priced.unpriced : 'unpriced'}`;
}

/**
 * The monthly cost difference between two inventories of the same stack (e.g. the old and new
 * states of a `pulumi preview --json`, or two exports). Pure; resources matched by URN.
 */
export function costDiff(base: Inventory, head: Inventory, catalog: Catalog): CostDiff {
  const before = new Map(base.workloads.map((w) => [w.urn, w]));
  const after = new Map(head.workloads.map((w) => [w.urn, w]));
  const urns = [...new Set([...before.keys(), ...after.keys()])].sort();
  const resources: ResourceCostDiff[] = [];
  let past = 0;
  let now = 0;
  let unpricedCount = 0;
  for (const urn of urns) {
    const b = before.get(urn);
    const a = after.get(urn);
    const w = (a ?? b)!;
    const bs = b && side(b, catalog);
    const as = a && side(a, catalog);
    const change: ResourceChange = !b ? 'added' : !a ? 'removed' : bs!.size !== as!.size || bs!.count !== as!.count || bs!.place !== as!.place ? 'changed' : 'unchanged';
    const missing = (b && bs!.monthlyUsd === undefined && b) || (a && as!.monthlyUsd === undefined && a) || undefined;
    const entry: ResourceCostDiff = { urn, name: w.name, type: w.type, change, ...(bs && { before: bs }), ...(as && { after: as }) };
    if (missing) {
      entry.unpriced = unpricedReason(missing, catalog);
      unpricedCount++;
    } else {
      entry.monthlyDelta = (as?.monthlyUsd ?? 0) - (bs?.monthlyUsd ?? 0);
    }
    past += bs?.monthlyUsd ?? 0;
    now += as?.monthlyUsd ?? 0;
    resources.push(entry);
  }
  return {
    stack: head.stack ?? base.stack,
    resources,
    pastTotalMonthlyCost: past,
    totalMonthlyCost: now,
    diffTotalMonthlyCost: now - past,
    unpricedCount,
  };
}
