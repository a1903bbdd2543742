/**
 * Auto scaling groups (and the ASG behind an EKS managed node group) from CloudWatch, as a
 * whole: per-node utilisation averaged over the group's instances, and the group's size.
 *
 * - CPU: `AWS/EC2 CPUUtilization` by `AutoScalingGroupName` (EC2 publishes it for instances in a
 *   group, basic monitoring included) → cores per node with the type's vCPU count.
 * - Memory: `CWAgent mem_used_percent` by `AutoScalingGroupName` (CloudWatch agent with
 *   `aggregation_dimensions: [["AutoScalingGroupName"]]`), when present.
 * - Nodes: `AWS/AutoScaling GroupInServiceInstances` (needs group metrics collection enabled on
 *   the group); without it the declared desired count is used, and the run says so.
 *
 * Group use at each period = per-node mean × in-service nodes: the group is sized on what its
 * nodes use, like a VM workload, never on Kubernetes requests.
 */
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { StackfitError, type Series, type UsageRange, type Workload } from '../../model';
import { normalizeSeries } from '../index';
import type { PoolDemand, PoolUsage, PoolUsageSource } from '../pool-contract';
import { perNodeTimesNodes } from '../pool-series';
import type { GetMetricDataOutput } from './schema';

const METRICS = {
  cpu: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
  memory: { namespace: 'CWAgent', metric: 'mem_used_percent' },
  nodes: { namespace: 'AWS/AutoScaling', metric: 'GroupInServiceInstances' },
} as const;
type Metric = keyof typeof METRICS;

export interface CloudWatchPoolOptions {
  name: string;
  statistic: 'Average' | 'Maximum';
  clientFor: (region: string | undefined) => CloudWatchClient;
  send: (
    client: CloudWatchClient,
    input: { queries: MetricDataQuery[]; range: UsageRange; nextToken: string | undefined },
  ) => Promise<GetMetricDataOutput>;
  periodOf: (range: UsageRange) => number;
  defaultRegion?: string;
  vcpuOf?: (w: Workload) => number | undefined;
  memoryGiBOf?: (w: Workload) => number | undefined;
}

interface GroupQueries {
  pool: Workload;
  group: string;
  region: string | undefined;
  vcpu: number;
  memGiB: number | undefined;
  ids: Partial<Record<Metric, string>>;
}

/** `AWS/EC2 CPUUtilization (AutoScalingGroupName=web)`, as the console shows it. */
export function describeGroupMetric(metric: Metric, group: string): string {
  return `${METRICS[metric].namespace} ${METRICS[metric].metric} (AutoScalingGroupName=${group})`;
}

export function cloudWatchPoolSource(o: CloudWatchPoolOptions): PoolUsageSource {
  return {
    name: o.name,
    async fetchPools(pools, range): Promise<PoolUsage> {
      const period = o.periodOf(range);
      const missing: PoolUsage['missing'] = [];
      const warnings: string[] = [];
      const planned: GroupQueries[] = [];
      for (const pool of pools) {
        const group = pool.metricIds.awsAutoScalingGroupName;
        if (!group) {
          missing.push({ urn: pool.urn, reason: `${o.name}: ${noGroupReason(pool)}` });
          continue;
        }
        const vcpu = o.vcpuOf?.(pool);
        if (!vcpu) {
          missing.push({ urn: pool.urn, reason: `${o.name}: vCPU count of ${pool.size} unknown, cannot turn CPUUtilization % into cores` });
          continue;
        }
        planned.push({ pool, group, region: pool.region ?? o.defaultRegion, vcpu, memGiB: o.memoryGiBOf?.(pool), ids: {} });
      }
      // One GetMetricData call (paged) per region: 3 queries a group, 500 a call at most.
      const byRegion = new Map<string, GroupQueries[]>();
      for (const g of planned) byRegion.set(g.region ?? '', [...(byRegion.get(g.region ?? '') ?? []), g]);
      const demands = new Map<string, PoolDemand>();
      for (const groups of byRegion.values()) {
        for (let k = 0; k < groups.length; k += 166) {
          const chunk = groups.slice(k, k + 166);
          const read = await readChunk(o, chunk, range, period);
          for (const g of chunk) {
            const found = assembleGroup(o, g, read);
            if ('demand' in found) {
              demands.set(g.pool.urn, found.demand);
              warnings.push(...found.warnings);
            } else missing.push({ urn: g.pool.urn, reason: found.reason, ...(found.failed && { failed: true }) });
          }
        }
      }
      return warnings.length > 0 ? { demands, missing, warnings } : { demands, missing };
    },
  };
}

function noGroupReason(pool: Workload): string {
  return pool.pool?.kind === 'kubernetes'
    ? `${pool.name}: no auto scaling group name in the state (the node group's resources[].autoscalingGroups[].name output, set once it is deployed)`
    : `${pool.name}: no auto scaling group name in the state`;
}

interface ChunkRead {
  points: Map<string, Series>;
  /** Query id → the error CloudWatch reported for it. */
  errors: Map<string, string>;
  /** The whole call failed. */
  callError?: string;
}

/** Asks for CPU, memory (when the type's memory is known) and in-service nodes of every group of the chunk. */
async function readChunk(o: CloudWatchPoolOptions, chunk: GroupQueries[], range: UsageRange, period: number): Promise<ChunkRead> {
  const queries: MetricDataQuery[] = [];
  chunk.forEach((g, i) => {
    const ask = (metric: Metric, stat: string): void => {
      const id = `${metric[0]}${i}`;
      g.ids[metric] = id;
      const { namespace, metric: name } = METRICS[metric];
      queries.push({
        Id: id,
        MetricStat: {
          Metric: { Namespace: namespace, MetricName: name, Dimensions: [{ Name: 'AutoScalingGroupName', Value: g.group }] },
          Period: period,
          Stat: stat,
        },
        ReturnData: true,
      });
    };
    ask('cpu', o.statistic);
    if (g.memGiB) ask('memory', o.statistic);
    // The group's size over each period: its mean (a node there half the period counts half).
    ask('nodes', 'Average');
  });
  const read: ChunkRead = { points: new Map(), errors: new Map() };
  const client = o.clientFor(chunk[0]!.region);
  try {
    let nextToken: string | undefined;
    do {
      const out = await o.send(client, { queries, range, nextToken });
      for (const r of out.MetricDataResults) {
        if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
          const detail = r.Messages?.map((m) => [m.Code, m.Value].filter(Boolean).join(': '))
            .filter(Boolean)
            .join('; ');
          read.errors.set(r.Id, `${r.StatusCode}${detail ? `: ${detail}` : ''}`);
          continue;
        }
        const acc = read.points.get(r.Id) ?? { t: [], v: [] };
        for (let i = 0; i < r.Timestamps.length && i < r.Values.length; i++) {
          acc.t.push(r.Timestamps[i]!.getTime());
          acc.v.push(r.Values[i]!);
        }
        read.points.set(r.Id, acc);
      }
      nextToken = out.NextToken || undefined;
    } while (nextToken);
  } catch (err) {
    const e = err as Error;
    read.callError = `GetMetricData failed: ${e instanceof StackfitError ? e.message : `${e.name}: ${e.message}`}`;
  }
  return read;
}

function seriesOf(read: ChunkRead, id: string | undefined): Series | undefined {
  const s = id ? read.points.get(id) : undefined;
  return s && s.t.length > 0 ? normalizeSeries(s) : undefined;
}

/** One group's demand from what the chunk read, or why there is none. */
function assembleGroup(
  o: CloudWatchPoolOptions,
  g: GroupQueries,
  read: ChunkRead,
): { demand: PoolDemand; warnings: string[] } | { reason: string; failed?: boolean } {
  const where = `${o.name}: ${g.pool.name}`;
  if (read.callError) return { reason: `${where}: ${read.callError}`, failed: true };
  const cpuError = read.errors.get(g.ids.cpu!);
  if (cpuError) return { reason: `${where}: ${describeGroupMetric('cpu', g.group)}: ${cpuError}`, failed: true };
  const cpuPct = seriesOf(read, g.ids.cpu);
  if (!cpuPct) return { reason: `${where}: no ${describeGroupMetric('cpu', g.group)} data in the window` };
  const warnings: string[] = [];
  const nodesError = read.errors.get(g.ids.nodes!);
  const nodes = nodesError ? undefined : seriesOf(read, g.ids.nodes);
  if (!nodes) {
    warnings.push(
      `${where}: ${nodesError ? `${describeGroupMetric('nodes', g.group)} could not be read (${nodesError})` : `no ${describeGroupMetric('nodes', g.group)} data: group metrics collection is not enabled on the group (aws autoscaling enable-metrics-collection)`}; its node count is taken as the declared ${g.pool.count} throughout`,
    );
  }
  const perNodeCores = { t: cpuPct.t, v: cpuPct.v.map((x) => (x / 100) * g.vcpu) };
  const memError = g.ids.memory ? read.errors.get(g.ids.memory) : undefined;
  if (memError)
    warnings.push(`${where}: partial: ${describeGroupMetric('memory', g.group)} could not be read (${memError}); it is sized on CPU only`);
  const memPct = memError ? undefined : seriesOf(read, g.ids.memory);
  const memGiB = g.memGiB;
  const memory =
    memPct && memGiB ? perNodeTimesNodes({ t: memPct.t, v: memPct.v.map((x) => (x / 100) * memGiB) }, nodes, g.pool.count) : undefined;
  const measured =
    `node utilisation from CloudWatch (${o.statistic} per period): ${describeGroupMetric('cpu', g.group)}` +
    (memory ? ` and ${describeGroupMetric('memory', g.group)}` : '') +
    ` × ${nodes ? describeGroupMetric('nodes', g.group) : `${g.pool.count} declared nodes`}; sized like a VM workload (per-node use × nodes), not by pod requests`;
  return {
    demand: {
      basis: 'utilisation',
      cpu: perNodeTimesNodes(perNodeCores, nodes, g.pool.count),
      ...(memory && { memoryGiB: memory }),
      ...(nodes && { nodes }),
      perNodeOverhead: { cpu: 0, memoryGiB: 0 },
      measured,
    },
    warnings,
  };
}
