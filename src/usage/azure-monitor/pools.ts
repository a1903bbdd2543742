/**
 * VM scale sets from Azure Monitor, as a whole: `Percentage CPU` and `Available Memory Bytes` on
 * the scale set's resource id, split by the `VMName` dimension (`$filter=VMName eq '*'`, with
 * `top` raised from its default of 10 series), so that each instance is one series.
 *
 * - CPU: each instance's `Percentage CPU` → cores with the size's vCPU count.
 * - Memory: the size's memory − each instance's `Available Memory Bytes` (in the `Maximum` mode
 *   its `Minimum`: available memory is lowest when use is highest).
 * - Nodes: the instances with a value in each interval.
 *
 * Group use per interval = the sum over its instances (per-node use × nodes): sized like a VM
 * workload, never by Kubernetes requests. AKS agent pools are not read: their scale set's id is
 * not in the stack state (see `aksReason`).
 */
import type { MonitorClient } from '@azure/arm-monitor';
import { StackfitError, type Series, type UsageRange, type Workload } from '../../model';
import { BYTES_PER_GIB, normalizeSeries } from '../index';
import { readPoolsOneByOne, type PoolDemand, type PoolUsage, type PoolUsageSource } from '../pool-contract';
import { perNodeTimesNodes, sumAcrossInstances } from '../pool-series';
import { metricsResponseSchema, type AzureMetric } from './schema';

export const VMSS_CPU_METRIC = 'Percentage CPU';
export const VMSS_MEMORY_METRIC = 'Available Memory Bytes';
/** One series per instance. */
export const VMSS_SPLIT_FILTER = "VMName eq '*'";
/** Series per metric asked for: a scale set holds at most 1,000 VMs (the API's default is 10). */
export const VMSS_TOP = 1000;

const VMSS_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/[^/]+$/i;

export interface AzurePoolOptions {
  name: string;
  aggregation: 'Average' | 'Maximum';
  clientFor: (subscriptionId: string) => Promise<MonitorClient>;
  timeoutMs: number;
  interval: (range: UsageRange) => string;
  describeError: (err: unknown) => string;
  vcpuOf?: ((w: Workload) => number | undefined) | undefined;
  memoryGiBOf?: ((w: Workload) => number | undefined) | undefined;
}

type Found = { demand: PoolDemand; warnings: string[] } | { reason: string; failed?: boolean };

export function azureMonitorPoolSource(o: AzurePoolOptions): PoolUsageSource {
  return {
    name: o.name,
    fetchPools(pools, range): Promise<PoolUsage> {
      return readPoolsOneByOne(pools, (pool) => readScaleSet(o, pool, range));
    },
  };
}

/** Why an AKS agent pool is not read here (one line), and what can read it. */
export function aksReason(pool: Workload): string {
  return (
    `Azure Monitor cannot read AKS agent pool ${pool.pool?.poolName ?? pool.name}: its nodes are a scale set in the cluster's node resource group ` +
    `under a name AKS generates (aks-<pool>-<hash>-vmss), which the stack state does not hold; read it with Prometheus (pools.prometheus) or pools.usageFile`
  );
}

async function readScaleSet(o: AzurePoolOptions, pool: Workload, range: UsageRange): Promise<Found> {
  const where = `${o.name}: ${pool.name}`;
  if (pool.pool?.kind === 'kubernetes') return { reason: `${where}: ${aksReason(pool)}` };
  const id = pool.metricIds.azureResourceId;
  const m = id ? VMSS_ID.exec(id) : null;
  if (!id || !m)
    return { reason: id ? `${where}: "${id}" is not a scale set resource id` : `${where}: no Azure resource id in the stack state` };
  const vcpu = o.vcpuOf?.(pool);
  if (!vcpu) return { reason: `${where}: vCPU count of ${pool.size} unknown, cannot turn ${VMSS_CPU_METRIC} into cores` };
  const memGiB = o.memoryGiBOf?.(pool);
  const requested = o.aggregation === 'Average' ? 'Average' : 'Maximum,Minimum';
  let metrics: Map<string, AzureMetric>;
  try {
    const client = await o.clientFor(m[1]!);
    const raw = await client.metrics.list(id.replace(/^\//, ''), {
      timespan: `${range.start.toISOString()}/${range.end.toISOString()}`,
      interval: o.interval(range),
      metricnames: memGiB ? `${VMSS_CPU_METRIC},${VMSS_MEMORY_METRIC}` : VMSS_CPU_METRIC,
      aggregation: memGiB ? requested : o.aggregation,
      filter: VMSS_SPLIT_FILTER,
      top: VMSS_TOP,
      abortSignal: AbortSignal.timeout(o.timeoutMs),
    });
    const parsed = metricsResponseSchema.safeParse(raw);
    if (!parsed.success) throw new StackfitError(`unexpected response: ${parsed.error.issues[0]?.message ?? ''}`, id);
    metrics = new Map(parsed.data.value.map((metric) => [metric.name.value, metric]));
  } catch (err) {
    // Auth, 5xx or throttling after the pipeline's retries, a timeout: a failed read, not an idle scale set.
    return { reason: `${where}: ${o.describeError(err)}`, failed: true };
  }
  return assemble(o, pool, metrics, { vcpu, memGiB, where });
}

/** A metric's error field (`errorCode` other than `Success`), or undefined. */
function metricError(metric: AzureMetric | undefined): string | undefined {
  if (!metric?.errorCode || metric.errorCode === 'Success') return undefined;
  return `${metric.errorCode}${metric.errorMessage ? `: ${metric.errorMessage}` : ''}`;
}

/** One series per instance (by its `VMName` value); `split` false when Azure answered one unsplit series. */
function perInstance(
  metric: AzureMetric | undefined,
  field: 'average' | 'maximum' | 'minimum',
  convert: (x: number) => number,
): { series: Series[]; split: boolean } {
  const series: Series[] = [];
  let split = true;
  for (const ts of metric?.timeseries ?? []) {
    if (!ts.metadatavalues.some((d) => d.name.value.toLowerCase() === 'vmname')) split = false;
    const t: number[] = [];
    const v: number[] = [];
    for (const point of ts.data) {
      const x = point[field];
      // Azure lists every interval; one without a value is a gap (the VM did not exist or report), never a zero.
      if (x === undefined || !Number.isFinite(x)) continue;
      t.push(point.timeStamp.getTime());
      v.push(convert(x));
    }
    if (t.length > 0) series.push(normalizeSeries({ t, v }));
  }
  return { series, split };
}

function assemble(
  o: AzurePoolOptions,
  pool: Workload,
  metrics: Map<string, AzureMetric>,
  c: { vcpu: number; memGiB: number | undefined; where: string },
): Found {
  const cpuError = metricError(metrics.get(VMSS_CPU_METRIC));
  if (cpuError) return { reason: `${c.where}: ${VMSS_CPU_METRIC} could not be read (${cpuError})`, failed: true };
  const field = o.aggregation === 'Average' ? 'average' : 'maximum';
  const cpu = perInstance(metrics.get(VMSS_CPU_METRIC), field, (x) => (x / 100) * c.vcpu);
  if (cpu.series.length === 0) return { reason: `${c.where}: no ${VMSS_CPU_METRIC} data for the scale set's instances in the window` };
  const warnings: string[] = [];
  if (cpu.series.length >= VMSS_TOP)
    warnings.push(`${c.where}: ${VMSS_TOP} instance series (the most asked for): instances beyond them are not counted`);
  const memGiB = c.memGiB;
  const memoryError = memGiB ? metricError(metrics.get(VMSS_MEMORY_METRIC)) : undefined;
  if (memoryError) warnings.push(`${c.where}: partial: ${VMSS_MEMORY_METRIC} could not be read (${memoryError}); it is sized on CPU only`);
  const mem =
    memGiB && !memoryError
      ? perInstance(metrics.get(VMSS_MEMORY_METRIC), o.aggregation === 'Average' ? 'average' : 'minimum', (x) => memGiB - x / BYTES_PER_GIB)
      : undefined;
  let cpuTotal: Series;
  let memory: Series | undefined;
  let nodes: Series | undefined;
  let nodesText = `instances reporting (${VMSS_CPU_METRIC} split by VMName)`;
  if (cpu.split) {
    const summed = sumAcrossInstances(cpu.series);
    cpuTotal = summed.total;
    nodes = summed.count;
    if (mem && mem.series.length > 0) memory = sumAcrossInstances(mem.series).total;
  } else {
    // Azure answered the scale set's mean (no VMName split): per-node mean × the declared capacity.
    warnings.push(
      `${c.where}: ${VMSS_CPU_METRIC} came without a VMName split; its node count is taken as the declared ${pool.count} throughout`,
    );
    nodesText = `${pool.count} declared nodes`;
    cpuTotal = perNodeTimesNodes(cpu.series[0]!, undefined, pool.count);
    if (mem && mem.series.length > 0) memory = perNodeTimesNodes(mem.series[0]!, undefined, pool.count);
  }
  const measured =
    `node utilisation from Azure Monitor (${o.aggregation} per interval): ${VMSS_CPU_METRIC}${memory ? ` and ${VMSS_MEMORY_METRIC}` : ''}` +
    ` of scale set ${pool.pool?.poolName ?? pool.name} per instance, summed; nodes = ${nodesText}; sized like a VM workload (per-node use × nodes), not by pod requests`;
  return {
    demand: {
      basis: 'utilisation',
      cpu: cpuTotal,
      ...(memory && { memoryGiB: memory }),
      ...(nodes && { nodes }),
      perNodeOverhead: { cpu: 0, memoryGiB: 0 },
      measured,
    },
    warnings,
  };
}
