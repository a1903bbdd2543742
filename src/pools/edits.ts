import type { ConfigRef, PlanItem } from '../model';
import { formatRef, locateScalar, type ParsedStackConfig } from '../gitops/updaters/stack-config';

/**
 * Where a pool's node counts live in stack config: keys next to its size key (the mapped
 * `instanceType` / `vmSize` / `machineType` / `size`), under the names the providers use.
 * A GKE pool's config count is per zone, like its `nodeCount`.
 */
export const POOL_COUNT_KEYS = {
  desired: ['desired', 'desiredSize', 'desiredCapacity', 'count', 'nodeCount', 'targetSize', 'nodes', 'capacity'],
  min: ['min', 'minSize', 'minCount', 'minNodeCount', 'minNodes'],
  max: ['max', 'maxSize', 'maxCount', 'maxNodeCount', 'maxNodes'],
} as const;

export type PoolCountProperty = keyof typeof POOL_COUNT_KEYS;

export interface PoolCountChange {
  property: PoolCountProperty;
  from: number;
  to: number;
}

/** The counts a pool's plan changes, as written in config (per zone for GKE). */
export function poolCountChanges(item: PlanItem): PoolCountChange[] {
  const plan = item.pool;
  if (!plan || (item.action !== 'resize' && item.action !== 'move')) return [];
  const zones = item.workload.pool?.zones ?? 1;
  const out: PoolCountChange[] = [];
  for (const property of ['desired', 'min', 'max'] as const) {
    const from = plan.before[property];
    const to = plan.after[property];
    if (from === undefined || to === undefined || from === to) continue;
    out.push({ property, from: from / zones, to: to / zones });
  }
  return out;
}

/**
 * The config edits for a pool's counts, found next to `sizeRef`; or the reason they cannot be
 * made (a count changes but no key next to the size holds it with today's value).
 */
export function poolCountEdits(
  item: PlanItem,
  sizeRef: ConfigRef,
  parsed: ParsedStackConfig,
  fileName: string,
  options: { projectName?: string },
): { edits: { property: PoolCountProperty; ref: ConfigRef; from: string; to: string }[] } | { reason: string } {
  const edits: { property: PoolCountProperty; ref: ConfigRef; from: string; to: string }[] = [];
  const last = sizeRef.path[sizeRef.path.length - 1];
  const plan = item.pool;
  for (const change of poolCountChanges(item)) {
    const located =
      typeof last === 'string'
        ? POOL_COUNT_KEYS[change.property].map((name) =>
            locateScalar(parsed, { key: sizeRef.key, path: [...sizeRef.path.slice(0, -1), name] }, options),
          )
        : [];
    const found = located.find((r) => r.ok);
    // Set, but not editable (a YAML alias or anchor, a secure value, a list): say so, not "not set".
    const unusable = located.find((r) => !r.ok && !/ has no key | has no list item | is not set$/.test(r.reason));
    if (!found && unusable && !unusable.ok)
      return {
        reason: `the pool's ${change.property} count (${change.from} → ${change.to}) cannot be edited in ${fileName}: ${unusable.reason}`,
      };
    // Bounds that only mirror the count (a fixed pool, `desired` alone in config) follow it.
    const mirrorsDesired =
      change.property !== 'desired' &&
      plan !== undefined &&
      plan.before[change.property] === plan.before.desired &&
      plan.after[change.property] === plan.after.desired;
    if ((!found || !found.ok) && mirrorsDesired) continue;
    if (!found || !found.ok) {
      return {
        reason: `the pool's ${change.property} count (${change.from} → ${change.to}) is not set next to ${formatRef(sizeRef)} in ${fileName} (${POOL_COUNT_KEYS[change.property].join(', ')})`,
      };
    }
    if (Number(found.node.value) !== change.from) {
      return {
        reason: `${formatRef(found.ref)} in ${fileName} is ${String(found.node.value)}, but the pool's ${change.property} count is ${change.from}`,
      };
    }
    edits.push({ property: change.property, ref: found.ref, from: String(found.node.value), to: String(change.to) });
  }
  return { edits };
}
