/**
 * Usage from Azure Monitor platform metrics of virtual machines, through `@azure/arm-monitor`
 * (`MonitorClient.metrics.list`): `Percentage CPU` and `Available Memory Bytes`, one call per VM
 * for both metrics. Used memory = the VM size's memory − available. Throttling (429 / 503 with
 * Retry-After) is retried by the SDK's pipeline, bounded by `maxRetries` and the call timeout.
 */
import type { MonitorClient } from '@azure/arm-monitor';
import { createRequire } from 'node:module';
import type { TokenCredential } from '@azure/identity';
import { StackfitError } from '../../model';
import type { Series, UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../../model';
import { BYTES_PER_GIB, normalizeSeries, percentToCores } from '../index';
import { fetchPerInstance } from '../instances';
import { metricsResponseSchema, type AzureMetric } from './schema';
import { defineUsageSource } from '../contract';
import { azureMonitorOptionsSchema } from './schema';
import { azureMonitorPoolSource } from './pools';
import type { PoolUsageSource } from '../pool-contract';

export type AzureAggregation = 'Average' | 'Maximum';

export interface AzureMonitorSourceOptions {
  /** Default: `DefaultAzureCredential` (environment, workload identity, managed identity, Azure CLI, …). */
  credential?: TokenCredential;
  /** Resource Manager endpoint. Default https://management.azure.com. */
  endpoint?: string;
  /** Extra trusted CA certificate (PEM), e.g. for a private endpoint behind a TLS-inspecting proxy. */
  caCertificate?: string;
  aggregation?: AzureAggregation;
  vcpuOf?: (w: Workload) => number | undefined;
  memoryGiBOf?: (w: Workload) => number | undefined;
  /** Retries after the first attempt (throttling and transient errors). Default 4. */
  maxRetries?: number;
  /** First retry delay without Retry-After. Default 1 s. */
  retryDelayMs?: number;
  /** Bound on one VM's call, retries and Retry-After waits included. Default 120 s. */
  timeoutMs?: number;
  /** VMs in flight at once. Default 4. */
  concurrency?: number;
  onProgress?: (done: number) => void;
}

/** The metric time grains Azure Monitor accepts. */
export const AZURE_INTERVALS: readonly [seconds: number, iso: string][] = [
  [60, 'PT1M'],
  [300, 'PT5M'],
  [900, 'PT15M'],
  [1800, 'PT30M'],
  [3600, 'PT1H'],
  [21600, 'PT6H'],
  [43200, 'PT12H'],
  [86400, 'P1D'],
];

/** The finest Azure time grain at least as coarse as the step. */
export function azureInterval(stepSeconds: number): string {
  return (AZURE_INTERVALS.find(([s]) => s >= stepSeconds) ?? AZURE_INTERVALS[AZURE_INTERVALS.length - 1]!)[1];
}

/**
 * A VM, or a scale set: its platform metrics with the `Average` aggregation average over every
 * instance's samples in each interval — per timestamp, the mean across instances, which is what
 * the pipeline sizes one instance with (see instances.ts).
 */
const VM_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/(?:virtualMachines|virtualMachineScaleSets)\/[^/]+$/i;

export const CPU_METRIC = 'Percentage CPU';
export const MEMORY_METRIC = 'Available Memory Bytes';

export type AzureMonitorUsageSource = UsageSource & {
  readonly stats: { requests: number };
  readonly cacheKey: string;
  /** VM scale sets as a whole, per instance (pools.ts). */
  readonly pools: PoolUsageSource;
};

const requireLazily = createRequire(__filename);

export function azureMonitorUsageSource(opts: AzureMonitorSourceOptions = {}): AzureMonitorUsageSource {
  const aggregation = opts.aggregation ?? 'Average';
  const field = aggregation === 'Average' ? 'average' : 'maximum';
  // Available Memory Bytes falls as use rises: its busiest interval is its Minimum. One call asks
  // for both aggregations (Azure takes a list and returns each field).
  const memoryField = aggregation === 'Average' ? 'average' : 'minimum';
  const requested = aggregation === 'Average' ? 'Average' : 'Maximum,Minimum';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const name = 'azure-monitor';
  const stats = { requests: 0 };
  let credential = opts.credential;
  const clients = new Map<string, MonitorClient>();

  const clientFor = async (subscriptionId: string): Promise<MonitorClient> => {
    let client = clients.get(subscriptionId);
    if (client) return client;
    if (!credential) {
      // Loaded lazily: @azure/identity is heavy and only this source needs it.
      const { DefaultAzureCredential } = await import('@azure/identity');
      credential = new DefaultAzureCredential();
    }
    // Loaded on first use too, so that runs without this source never pay for the Azure SDK.
    const { MonitorClient: Client } = requireLazily('@azure/arm-monitor') as typeof import('@azure/arm-monitor');
    client = new Client(credential, subscriptionId, {
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.caCertificate ? { tlsOptions: { ca: opts.caCertificate } } : {}),
      retryOptions: { maxRetries: opts.maxRetries ?? 4, retryDelayInMs: opts.retryDelayMs ?? 1000, maxRetryDelayInMs: 30_000 },
    });
    // Counts every HTTP attempt (retries run through the policies below this one).
    client.pipeline.addPolicy(
      { name: 'stackfitRequestCounter', sendRequest: (request, next) => (stats.requests++, next(request)) },
      { afterPhase: 'Retry' },
    );
    clients.set(subscriptionId, client);
    return client;
  };

  return {
    name,
    stats,
    cacheKey: aggregation,
    pools: azureMonitorPoolSource({
      name,
      aggregation,
      clientFor,
      timeoutMs,
      vcpuOf: opts.vcpuOf,
      memoryGiBOf: opts.memoryGiBOf,
      interval: (range) => azureInterval(range.stepSeconds),
      describeError: describeAzureError,
    }),
    // Workloads with several instances: each instance read in the same calls, then combined.
    fetch: fetchPerInstance(async (workloads: readonly Workload[], range: UsageRange): Promise<UsageResult> => {
      const interval = azureInterval(range.stepSeconds);
      const timespan = `${range.start.toISOString()}/${range.end.toISOString()}`;
      const missing: UsageResult['missing'] = [];
      const series = new Map<string, UsageSeries>();
      const warnings: string[] = [];
      const todo: { w: Workload; id: string; subscription: string; vcpu: number; memGiB: number | undefined }[] = [];
      for (const w of workloads) {
        const id = w.metricIds.azureResourceId;
        const m = id ? VM_ID.exec(id) : null;
        if (!id || !m) {
          missing.push({
            urn: w.urn,
            reason: id ? `${name}: "${id}" is not a virtual machine resource id` : `${name}: no Azure resource id in the stack state`,
          });
          continue;
        }
        const vcpu = opts.vcpuOf?.(w);
        if (!vcpu) {
          missing.push({ urn: w.urn, reason: `${name}: vCPU count of ${w.size} unknown, cannot turn Percentage CPU into cores` });
          continue;
        }
        todo.push({ w, id, subscription: m[1]!, vcpu, memGiB: opts.memoryGiBOf?.(w) });
      }
      let done = missing.length;
      if (done > 0) opts.onProgress?.(done);

      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < todo.length) {
          const item = todo[next++]!;
          try {
            const client = await clientFor(item.subscription);
            const raw = await client.metrics.list(item.id.replace(/^\//, ''), {
              timespan,
              interval,
              metricnames: item.memGiB ? `${CPU_METRIC},${MEMORY_METRIC}` : CPU_METRIC,
              aggregation: item.memGiB ? requested : aggregation,
              abortSignal: AbortSignal.timeout(timeoutMs),
            });
            const parsed = metricsResponseSchema.safeParse(raw);
            if (!parsed.success) throw new StackfitError(`unexpected response: ${parsed.error.issues[0]?.message ?? ''}`, item.id);
            const byName = new Map(parsed.data.value.map((metric) => [metric.name.value, metric]));
            const cpu = toSeries(byName.get(CPU_METRIC), field, (x) => percentToCores(x, item.vcpu));
            const memGiB = item.memGiB;
            const memory = memGiB ? toSeries(byName.get(MEMORY_METRIC), memoryField, (x) => memGiB - x / BYTES_PER_GIB) : undefined;
            const cpuError = metricError(byName.get(CPU_METRIC));
            const memoryError = memGiB ? metricError(byName.get(MEMORY_METRIC)) : undefined;
            if (cpuError) {
              // Azure answered but could not read the metric: a failure, not an idle VM.
              missing.push({ urn: item.w.urn, reason: `${name}: ${CPU_METRIC} could not be read (${cpuError})`, failed: true });
            } else if (!cpu) {
              missing.push({ urn: item.w.urn, reason: `${name}: no ${CPU_METRIC} data in the range` });
            } else {
              const entry: UsageSeries = { urn: item.w.urn, cpuCores: cpu, source: name };
              if (memoryError) {
                entry.partial = true;
                warnings.push(
                  `${name}: partial: ${item.w.name}: ${MEMORY_METRIC} could not be read (${memoryError}); it is sized on CPU only`,
                );
              } else if (memory) entry.memoryGiB = memory;
              series.set(item.w.urn, entry);
            }
          } catch (err) {
            // Auth, 5xx or throttling after the pipeline's retries, a timeout: the source failed for this VM.
            missing.push({ urn: item.w.urn, reason: `${name}: ${describeAzureError(err)}`, failed: true });
          }
          opts.onProgress?.(++done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
      return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
    }, name),
  };
}

/** A metric entry's error (`errorCode` other than `Success`), or undefined. */
function metricError(metric: AzureMetric | undefined): string | undefined {
  if (!metric?.errorCode || metric.errorCode === 'Success') return undefined;
  return `${metric.errorCode}${metric.errorMessage ? `: ${metric.errorMessage}` : ''}`;
}

/** One aggregation field of a metric as a series (memory in the `Maximum` mode reads `minimum`: see above). */
function toSeries(
  metric: AzureMetric | undefined,
  field: 'average' | 'maximum' | 'minimum',
  convert: (x: number) => number,
): Series | undefined {
  if (!metric) return undefined;
  const t: number[] = [];
  const v: number[] = [];
  for (const ts of metric.timeseries) {
    for (const point of ts.data) {
      const x = point[field];
      // Azure lists every interval; one without a value is a gap, never a zero.
      if (x === undefined || !Number.isFinite(x)) continue;
      t.push(point.timeStamp.getTime());
      v.push(convert(x));
    }
  }
  return t.length > 0 ? normalizeSeries({ t, v }) : undefined;
}

/** A one-line cause, without request headers (they carry the bearer token). */
export function describeAzureError(err: unknown): string {
  const e = err as { name?: string; message?: string; statusCode?: number; code?: string };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'no answer in time (aborted)';
  const status = e?.statusCode ? `HTTP ${e.statusCode} ` : '';
  const code = e?.code ? `${e.code}: ` : '';
  return `${status}${code}${(e?.message ?? String(err)).split('\n')[0]}`;
}

declare module '../contract' {
  interface UsageSourceOverrides {
    azureMonitor?: Partial<AzureMonitorSourceOptions>;
  }
}

/** `azure-monitor`: Azure workloads only, credentials from DefaultAzureCredential. */
export const azureMonitorSource = defineUsageSource({
  name: 'azure-monitor',
  key: 'azureMonitor',
  forms: ['azure-monitor'],
  cloud: 'azure',
  api: true,
  options: azureMonitorOptionsSchema,
  select: (spec) =>
    spec === 'azure-monitor'
      ? ({ options, overrides, vcpuOf, memoryGiBOf, onProgress }) =>
          azureMonitorUsageSource({
            ...options,
            ...(vcpuOf ? { vcpuOf } : {}),
            ...(memoryGiBOf ? { memoryGiBOf } : {}),
            ...overrides.azureMonitor,
            onProgress,
          })
      : undefined,
});
