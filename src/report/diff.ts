import type { Catalog } from '../catalog/types';
import type { Inventory, Offering, Workload } from '../model';
import { isSizedType } from '../clouds';
import { nameFromUrn } from '../stack/values';
import { currentPrice } from '../catalog/views';

/** `unknown`: the resource stays, but its size after the change is not known (until apply, secret, unreadable). */
export type ResourceChange = 'added' | 'removed' | 'changed' | 'unchanged' | 'unknown';

export interface ResourceCostDiff {
  urn: string;
  name: string;
  type: string;
  change: ResourceChange;
  before?: DiffSide;
  after?: DiffSide;
  /** Undefined when either side is unpriced. */
  monthlyDelta?: number;
  /** Why a side has no price ("m9.huge is not in the aws catalog for us-east-1"). */
  unpriced?: string;
  /** The size after the change is not known: why (the resource is still listed, never a saving). */
  sizeUnknown?: string;
}

export interface DiffSide {
  size: string;
  /** A node pool or group: its desired (or current) node count. */
  count: number;
  place: string;
  monthlyUsd?: number;
  /** An autoscaled pool or group (min ≠ max): its node range and cost at each end, at the node price. */
  nodes?: { min: number; max: number; minMonthlyUsd: number; maxMonthlyUsd: number };
}

/** Infracost-style totals: past, new, and their difference, in USD per month. */
export interface CostDiff {
  stack?: string;
  resources: ResourceCostDiff[];
  pastTotalMonthlyCost: number;
  totalMonthlyCost: number;
  diffTotalMonthlyCost: number;
  /** Changed resources without a price on a side (unknown sizes included): not in the totals. */
  unpricedCount: number;
  /** Resources that carry no size stackfit prices (buckets, networks, …): not in the totals. */
  otherResources: number;
}

function side(w: Workload, catalog: Catalog): DiffSide {
  // In the VM's OS: a Windows VM has no price rather than the Linux one.
  const priced = currentPrice(catalog, w);
  const offering: Offering | undefined = 'offering' in priced ? priced.offering : undefined;
  const pool = w.pool;
  const scales = offering && pool?.min !== undefined && pool.max !== undefined && pool.min !== pool.max;
  return {
    size: w.size,
    count: w.count,
    place: `${w.cloud}/${w.region ?? '?'}`,
    monthlyUsd: offering ? offering.monthlyUsd * w.count : undefined,
    ...(scales && {
      nodes: {
        min: pool.min!,
        max: pool.max!,
        minMonthlyUsd: offering.monthlyUsd * pool.min!,
        maxMonthlyUsd: offering.monthlyUsd * pool.max!,
      },
    }),
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
export function costDiff(base: Inventory, head: Inventory, catalog: Catalog, opts: { otherResources?: number } = {}): CostDiff {
  const before = new Map(base.workloads.map((w) => [w.urn, w]));
  const after = new Map(head.workloads.map((w) => [w.urn, w]));
  // Sized resources the new side cannot read (size unknown until apply, secret, unsupported):
  // never "removed" (a false saving) and never dropped. A preview's deletions are real removals.
  const unreadable = new Map(head.skipped.filter((s) => s.reason !== 'deleted by this preview').map((s) => [s.urn, s]));
  const urns = [...new Set([...before.keys(), ...after.keys(), ...unreadable.keys()])].sort();
  const resources: ResourceCostDiff[] = [];
  let past = 0;
  let now = 0;
  let unpricedCount = 0;
  for (const urn of urns) {
    const b = before.get(urn);
    const a = after.get(urn);
    const bs = b && side(b, catalog);
    if (!a && unreadable.has(urn)) {
      const u = unreadable.get(urn)!;
      const name = b?.name ?? nameFromUrn(urn);
      // Its cost after the change is not known: like any unpriced change, in neither total.
      unpricedCount++;
      resources.push({
        urn,
        name,
        type: b?.type ?? u.type,
        change: b ? 'unknown' : 'added',
        ...(bs && { before: bs }),
        sizeUnknown: u.reason,
        unpriced: `${name}: size after the change unknown (${u.reason})`,
      });
      continue;
    }
    if (!a && !b) continue;
    const w = (a ?? b)!;
    const as = a && side(a, catalog);
    const change: ResourceChange = !b
      ? 'added'
      : !a
        ? 'removed'
        : bs!.size !== as!.size || bs!.count !== as!.count || bs!.place !== as!.place
          ? 'changed'
          : 'unchanged';
    const missing = (b && bs!.monthlyUsd === undefined && b) || (a && as!.monthlyUsd === undefined && a) || undefined;
    const entry: ResourceCostDiff = { urn, name: w.name, type: w.type, change, ...(bs && { before: bs }), ...(as && { after: as }) };
    if (missing) {
      entry.unpriced = unpricedReason(missing, catalog);
      unpricedCount++;
      // Neither side of an unpriced change counts: a known old price next to an unknown new
      // one would read as a saving (or a cost) nobody can vouch for.
    } else {
      entry.monthlyDelta = (as?.monthlyUsd ?? 0) - (bs?.monthlyUsd ?? 0);
      past += bs?.monthlyUsd ?? 0;
      now += as?.monthlyUsd ?? 0;
    }
    resources.push(entry);
  }
  return {
    stack: head.stack ?? base.stack,
    resources,
    pastTotalMonthlyCost: past,
    totalMonthlyCost: now,
    diffTotalMonthlyCost: now - past,
    unpricedCount,
    otherResources: opts.otherResources ?? 0,
  };
}

/**
 * Resources of a Pulumi document that carry no size stackfit prices (buckets, roles, networks):
 * counted so a total never hides them. Providers, the stack and components (`componentTypes`:
 * stackfit.yaml's `grouping:` types) are not resources anyone pays for.
 */
export function countOtherResources(
  resources: readonly { urn: string; type: string }[],
  componentTypes: ReadonlySet<string> = new Set(),
): number {
  return resources.filter(
    (r) =>
      !isSizedType(r.type) && !r.type.startsWith('pulumi:providers:') && r.type !== 'pulumi:pulumi:Stack' && !componentTypes.has(r.type),
  ).length;
}
