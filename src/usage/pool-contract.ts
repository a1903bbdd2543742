/**
 * What a pool usage reader returns (node pools and auto scaling groups, src/pools): per pool, the
 * series the pool sizing reads. Types and one loop, importing nothing but the model, so that the usage
 * source contract, the sources and src/pools can all use them without an import cycle.
 */
import type { Series, UsageRange, Workload } from '../model';

export interface PoolDemand {
  /** Requests (or use) of the pool's pods, whole pool: cores and GiB, on one time grid. */
  cpu: Series;
  memoryGiB?: Series;
  /** `requests`: Kubernetes pod requests; `utilisation`: used cores / GiB of the nodes (node_exporter, cloud monitors). */
  basis: 'requests' | 'utilisation';
  /** Nodes seen at each sample (for the average before); absent → the declared count. */
  nodes?: Series;
  /** Pods of the pool at each sample (DaemonSets excluded): held against the max pods per node. */
  pods?: Series;
  /** Requests (and pods) every node carries whatever the type (DaemonSets), per node. */
  perNodeOverhead: { cpu: number; memoryGiB: number; pods?: number };
  /** The largest single pod's requests: it must fit on one node. */
  largestPod?: { cpu: number; memoryGiB: number; name?: string };
  /** Allocatable per node of the current type, as the cluster reports it. */
  allocatable?: { cpu: number; memoryGiB: number };
  /** Where the numbers come from and how they were combined, for the evidence (cloud monitors: the metrics read). */
  measured?: string;
}

export interface PoolUsage {
  demands: Map<string, PoolDemand>;
  /** Pools without usage, with the reason. `failed`: the read failed (not "no data"): the run must stop. */
  missing: { urn: string; reason: string; failed?: boolean }[];
  /** Non-fatal findings to show (a metric absent, so an estimate was used). */
  warnings?: string[];
}

export interface PoolUsageSource {
  readonly name: string;
  fetchPools(pools: readonly Workload[], range: UsageRange): Promise<PoolUsage>;
}

/** What reading one pool gave: its demand (with findings to show), or why it has none. */
export type OnePoolRead = { demand: PoolDemand; warnings?: readonly string[] } | { reason: string; failed?: boolean };

/** A source that reads pools one at a time (a call or a few per pool): the PoolUsage of all of them, in order. */
export async function readPoolsOneByOne(pools: readonly Workload[], read: (pool: Workload) => Promise<OnePoolRead>): Promise<PoolUsage> {
  const demands = new Map<string, PoolDemand>();
  const missing: PoolUsage['missing'] = [];
  const warnings: string[] = [];
  for (const pool of pools) {
    const found = await read(pool);
    if ('demand' in found) {
      demands.set(pool.urn, found.demand);
      warnings.push(...(found.warnings ?? []));
    } else missing.push({ urn: pool.urn, reason: found.reason, ...(found.failed && { failed: true }) });
  }
  return warnings.length > 0 ? { demands, missing, warnings } : { demands, missing };
}
