/**
 * Managed instance groups, and GKE node pools (one managed instance group per zone, named in the
 * pool's `instanceGroupUrls`), from Cloud Monitoring as a whole: every VM of the group(s),
 * selected by the system metadata label Compute Engine puts on a MIG's instances
 * (`metadata.system_labels.instance_group = "<group name>"`, one list call per group and metric),
 * one series per instance; a GKE pool's zones are summed together.
 *
 * - CPU: `compute.googleapis.com/instance/cpu/utilization` (fraction of the vCPUs) → cores.
 * - Memory: the Ops Agent's `agent.googleapis.com/memory/percent_used` (`state = used`), when present.
 * - Nodes: the instances reporting CPU in each alignment period.
 *
 * Group use at each period = the sum over its instances: sized like a VM workload (what the
 * nodes use), never by Kubernetes requests.
 */
import type { Series, UsageRange, Workload } from '../../model';
import { readPoolsOneByOne, type PoolDemand, type PoolUsage, type PoolUsageSource } from '../pool-contract';
import { sumAcrossInstances } from '../pool-series';

export const GROUP_CPU_METRIC = 'compute.googleapis.com/instance/cpu/utilization';
export const GROUP_MEMORY_METRIC = 'agent.googleapis.com/memory/percent_used';

export interface GcpPoolOptions {
  name: string;
  /** Project for groups whose state has none. */
  project?: string;
  /** `timeSeries.list` of one filter over the range, per instance id (index.ts: paging, retries, auth). */
  list: (project: string, filter: string, range: UsageRange) => Promise<Map<string, Series>>;
  describeError: (err: unknown) => string;
  vcpuOf?: (w: Workload) => number | undefined;
  memoryGiBOf?: (w: Workload) => number | undefined;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The filters of one group's CPU and memory. */
export function instanceGroupFilters(group: string): { cpu: string; memory: string } {
  const match = `resource.type = "gce_instance" AND metadata.system_labels.instance_group = ${quote(group)}`;
  return {
    cpu: `metric.type = "${GROUP_CPU_METRIC}" AND ${match}`,
    memory: `metric.type = "${GROUP_MEMORY_METRIC}" AND metric.labels.state = "used" AND ${match}`,
  };
}

export function gcpMonitoringPoolSource(o: GcpPoolOptions): PoolUsageSource {
  return {
    name: o.name,
    fetchPools(pools, range): Promise<PoolUsage> {
      return readPoolsOneByOne(pools, async (pool) => {
        const found = await readGroup(o, pool, range);
        return 'demand' in found && found.warning ? { demand: found.demand, warnings: [found.warning] } : found;
      });
    },
  };
}

/** The instance groups to read for a pool: a GKE pool's (one per zone), or a managed instance group's own. */
function groupsOf(pool: Workload): string[] {
  return pool.metricIds.gcpInstanceGroups ?? (pool.metricIds.gcpInstanceGroup ? [pool.metricIds.gcpInstanceGroup] : []);
}

function noGroupReason(pool: Workload): string {
  return pool.pool?.kind === 'kubernetes'
    ? `no instanceGroupUrls in the state (the node pool's output, set once it is deployed): its node VMs cannot be selected`
    : 'no managed instance group name in the state';
}

/** Every group's VMs of one filter, merged (instance ids are unique across zones). */
async function listGroups(o: GcpPoolOptions, project: string, groups: string[], which: 'cpu' | 'memory', range: UsageRange) {
  const all = new Map<string, Series>();
  for (const group of groups) {
    for (const [id, s] of await o.list(project, instanceGroupFilters(group)[which], range)) if (s.t.length > 0) all.set(id, s);
  }
  return [...all.values()];
}

async function readGroup(
  o: GcpPoolOptions,
  pool: Workload,
  range: UsageRange,
): Promise<{ demand: PoolDemand; warning?: string } | { reason: string; failed?: boolean }> {
  const where = `${o.name}: ${pool.name}`;
  const groups = groupsOf(pool);
  const project = pool.metricIds.gcpProject ?? o.project;
  if (groups.length === 0) return { reason: `${where}: ${noGroupReason(pool)}` };
  if (!project) return { reason: `${where}: no GCP project in the state (give gcp-monitoring:<project>)` };
  const vcpu = o.vcpuOf?.(pool);
  if (!vcpu) return { reason: `${where}: vCPU count of ${pool.size} unknown, cannot turn CPU utilization into cores` };
  const named = groups.length === 1 ? `group ${groups[0]}` : `groups ${groups.join(', ')}`;
  let perInstance: Series[];
  try {
    perInstance = await listGroups(o, project, groups, 'cpu', range);
  } catch (err) {
    return { reason: `${where}: timeSeries.list in project ${project} failed: ${o.describeError(err)}`, failed: true };
  }
  if (perInstance.length === 0)
    return {
      reason: `${where}: no ${GROUP_CPU_METRIC} data for instances of ${named} (metadata.system_labels.instance_group) in the window`,
    };
  // Zones combined: at each period, the sum over every VM of every group reporting then.
  const { total, count } = sumAcrossInstances(perInstance.map((s) => ({ t: s.t, v: s.v.map((x) => x * vcpu) })));
  const memGiB = o.memoryGiBOf?.(pool);
  let memory: Series | undefined;
  let warning: string | undefined;
  if (memGiB) {
    try {
      const series = await listGroups(o, project, groups, 'memory', range);
      if (series.length > 0) memory = sumAcrossInstances(series.map((s) => ({ t: s.t, v: s.v.map((x) => (x / 100) * memGiB) }))).total;
    } catch (err) {
      warning = `${where}: partial: ${GROUP_MEMORY_METRIC} could not be read (${o.describeError(err)}); it is sized on CPU only`;
    }
  }
  const measured =
    `node utilisation from Cloud Monitoring: ${GROUP_CPU_METRIC}${memory ? ` and ${GROUP_MEMORY_METRIC}` : ''} summed over the instances of ${named}` +
    ` (metadata.system_labels.instance_group), nodes = instances reporting; sized like a VM workload (per-node use × nodes), not by pod requests`;
  return {
    demand: {
      basis: 'utilisation',
      cpu: total,
      ...(memory && { memoryGiB: memory }),
      nodes: count,
      perNodeOverhead: { cpu: 0, memoryGiB: 0 },
      measured,
    },
    ...(warning && { warning }),
  };
}
