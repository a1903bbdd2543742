/**
 * Usage from AWS CloudWatch `GetMetricData` (up to 500 metric queries per call, NextToken paging).
 *
 * - EC2: `AWS/EC2 CPUUtilization` by `InstanceId`; memory from the CloudWatch agent,
 *   `CWAgent mem_used_percent` by `InstanceId` alone (agent setting
 *   `aggregation_dimensions: [["InstanceId"]]`), when present.
 * - RDS: `AWS/RDS CPUUtilization` and `FreeableMemory` by `DBInstanceIdentifier`
 *   (used memory = the instance class's memory − freeable).
 *
 * Percentages become cores / GiB with the workload's vCPU count and memory (`vcpuOf`,
 * `memoryGiBOf`, filled from the catalog). Statistic: `Average` by default (the mean load over
 * each period, like a Prometheus `rate`); `Maximum` sizes for the busiest minute of each period
 * (and asks for the `Minimum` of RDS `FreeableMemory`, whose busiest minute is its lowest).
 * The period is a multiple of what CloudWatch keeps for data that old (60 / 300 / 3,600 s).
 */
import type * as CloudWatchSdk from '@aws-sdk/client-cloudwatch';
import type { CloudWatchClient, CloudWatchClientConfig, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { createRequire } from 'node:module';
import { StackfitError } from '../../model';
import type { Series, UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../../model';
import { BYTES_PER_GIB, normalizeSeries, percentToCores, percentToGiB } from '../index';
import { fetchPerInstance } from '../instances';
import { getMetricDataOutputSchema } from './schema';

export type CloudWatchStatistic = 'Average' | 'Maximum';

export interface CloudWatchSourceOptions {
  region?: string;
  /** Endpoint override (VPC endpoint, or a test server). */
  endpoint?: string;
  /** Default: the SDK's default credential chain (env, shared files, SSO, IMDS, …). */
  credentials?: CloudWatchClientConfig['credentials'];
  statistic?: CloudWatchStatistic;
  vcpuOf?: (w: Workload) => number | undefined;
  memoryGiBOf?: (w: Workload) => number | undefined;
  /** Attempts per call, throttling included (SDK standard retry: capped exponential backoff). Default 5. */
  maxAttempts?: number;
  /** Per-request socket timeout. Default 60 s. */
  timeoutMs?: number;
  /** Metric queries per call (API maximum 500). */
  queriesPerCall?: number;
  /** Clock, for choosing the period by the data's age. */
  now?: () => Date;
  onProgress?: (done: number) => void;
}

/** CloudWatch keeps 1-minute data 15 days, 5-minute data 63 days, 1-hour data 455 days. */
export function cloudWatchPeriod(range: UsageRange, now: Date): number {
  const ageDays = (now.getTime() - range.start.getTime()) / 86_400_000;
  const finest = ageDays <= 15 ? 60 : ageDays <= 63 ? 300 : 3600;
  // Older data only exists at the coarser resolution: a period that is not a multiple of it
  // (420 s on 30-day-old data) returns no datapoints at all, so round the step up to one.
  return Math.ceil(Math.max(finest, range.stepSeconds) / finest) * finest;
}

interface PlannedQuery {
  id: string;
  workload: Workload;
  dimension: 'cpu' | 'memory';
  query: MetricDataQuery;
  /** Raw value → used cores / used GiB. */
  convert: (x: number) => number;
}

export type CloudWatchUsageSource = UsageSource & { readonly stats: { requests: number; calls: number }; readonly cacheKey: string };

const requireLazily = createRequire(__filename);
let sdk: typeof CloudWatchSdk | undefined;
/** The AWS SDK loads on the first CloudWatch call: runs that do not read CloudWatch never pay for it. */
function cloudWatchSdk(): typeof CloudWatchSdk {
  return (sdk ??= requireLazily('@aws-sdk/client-cloudwatch') as typeof CloudWatchSdk);
}

export function cloudWatchUsageSource(opts: CloudWatchSourceOptions = {}): CloudWatchUsageSource {
  const statistic = opts.statistic ?? 'Average';
  const queriesPerCall = Math.min(500, Math.max(2, opts.queriesPerCall ?? 500));
  const name = `cloudwatch${opts.region ? `:${opts.region}` : ''}`;
  const stats = { requests: 0, calls: 0 };
  // CloudWatch is regional: one client per workload region (opts.region for workloads without one).
  const clients = new Map<string, CloudWatchClient>();
  const clientFor = (region: string | undefined): CloudWatchClient => {
    const key = region ?? '';
    let client = clients.get(key);
    if (client) return client;
    client = new (cloudWatchSdk().CloudWatchClient)({
      ...(region ? { region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      maxAttempts: opts.maxAttempts ?? 5,
      requestHandler: { requestTimeout: opts.timeoutMs ?? 60_000, connectionTimeout: 10_000 },
    });
    // Runs once per HTTP attempt (inside the retry loop), so retries are counted.
    client.middlewareStack.add(
      (next) => async (args) => {
        stats.requests++;
        return next(args);
      },
      { step: 'deserialize', name: 'stackfitRequestCounter' },
    );
    clients.set(key, client);
    return client;
  };

  return {
    name,
    stats,
    cacheKey: statistic,
    // Workloads with several instances: each instance read in the same calls, then combined.
    fetch: fetchPerInstance(async (workloads: readonly Workload[], range: UsageRange): Promise<UsageResult> => {
      const period = cloudWatchPeriod(range, opts.now?.() ?? new Date());
      const missing: UsageResult['missing'] = [];
      const planned: PlannedQuery[] = [];
      const stat = (namespace: string, metric: string, dimension: string, value: string, of = statistic as string): MetricDataQuery['MetricStat'] => ({
        Metric: { Namespace: namespace, MetricName: metric, Dimensions: [{ Name: dimension, Value: value }] },
        Period: period,
        Stat: of,
      });
      // FreeableMemory falls as use rises: the busiest minute is its Minimum, not its Maximum.
      const freeableStat = statistic === 'Maximum' ? 'Minimum' : statistic;
      for (const w of workloads) {
        const ids = w.metricIds;
        const isDb = w.kind === 'database' || (!ids.awsInstanceId && !!ids.awsDbInstanceId);
        const id = isDb ? ids.awsDbInstanceId : ids.awsInstanceId;
        if (!id) {
          missing.push({ urn: w.urn, reason: `${name}: no ${isDb ? 'RDS DB instance identifier' : 'EC2 instance id'} in the stack state` });
          continue;
        }
        const vcpu = opts.vcpuOf?.(w);
        if (!vcpu) {
          missing.push({ urn: w.urn, reason: `${name}: vCPU count of ${w.size} unknown, cannot turn CPUUtilization % into cores` });
          continue;
        }
        const memGiB = opts.memoryGiBOf?.(w);
        const n = planned.length;
        const namespace = isDb ? 'AWS/RDS' : 'AWS/EC2';
        const dimension = isDb ? 'DBInstanceIdentifier' : 'InstanceId';
        planned.push({
          id: `c${n}`,
          workload: w,
          dimension: 'cpu',
          query: { Id: `c${n}`, MetricStat: stat(namespace, 'CPUUtilization', dimension, id), ReturnData: true },
          convert: (x) => percentToCores(x, vcpu),
        });
        if (isDb && memGiB) {
          planned.push({
            id: `m${n}`,
            workload: w,
            dimension: 'memory',
            query: { Id: `m${n}`, MetricStat: stat('AWS/RDS', 'FreeableMemory', dimension, id, freeableStat), ReturnData: true },
            convert: (x) => memGiB - x / BYTES_PER_GIB,
          });
        } else if (!isDb && memGiB) {
          planned.push({
            id: `m${n}`,
            workload: w,
            dimension: 'memory',
            query: { Id: `m${n}`, MetricStat: stat('CWAgent', 'mem_used_percent', 'InstanceId', id), ReturnData: true },
            convert: (x) => percentToGiB(x, memGiB),
          });
        }
      }
      let done = missing.length;
      if (done > 0) opts.onProgress?.(done);

      const points = new Map<string, { t: number[]; v: number[] }>();
      const failures = new Map<Workload, string>();
      const calls = groupIntoCalls(planned, queriesPerCall, opts.region);

      for (const { region, queries: call } of calls) {
        const client = clientFor(region);
        const byId = new Map(call.map((q) => [q.id, q]));
        try {
          let nextToken: string | undefined;
          do {
            stats.calls++;
            const raw = await client.send(
              new (cloudWatchSdk().GetMetricDataCommand)({
                MetricDataQueries: call.map((q) => q.query),
                StartTime: range.start,
                EndTime: range.end,
                ScanBy: 'TimestampAscending',
                ...(nextToken ? { NextToken: nextToken } : {}),
              }),
              { abortSignal: AbortSignal.timeout((opts.timeoutMs ?? 60_000) * (opts.maxAttempts ?? 5)) },
            );
            const out = getMetricDataOutputSchema.parse(raw);
            for (const r of out.MetricDataResults) {
              const q = byId.get(r.Id);
              if (!q) continue;
              if (r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden') {
                const detail = r.Messages?.map((m) => m.Value).filter(Boolean).join('; ');
                if (q.dimension === 'cpu') failures.set(q.workload, `${name}: ${r.StatusCode} for ${q.query.MetricStat?.Metric?.MetricName}${detail ? `: ${detail}` : ''}`);
                continue;
              }
              const acc = points.get(r.Id) ?? { t: [], v: [] };
              for (let i = 0; i < r.Timestamps.length && i < r.Values.length; i++) {
                acc.t.push(r.Timestamps[i]!.getTime());
                acc.v.push(q.convert(r.Values[i]!));
              }
              points.set(r.Id, acc);
            }
            nextToken = out.NextToken || undefined;
          } while (nextToken);
        } catch (err) {
          const e = err as Error;
          const cause = e instanceof StackfitError ? e.message : `${e.name}: ${e.message}`;
          for (const q of call) failures.set(q.workload, `${name}: GetMetricData failed: ${cause}`);
        }
        done += new Set(call.map((q) => q.workload)).size;
        opts.onProgress?.(done);
      }

      return { series: seriesOf(planned, points, failures, missing, name), missing };
    }, name),
  };
}

/** Planned queries into GetMetricData calls: one region per call, a workload's CPU and memory queries in the same call. */
function groupIntoCalls(planned: readonly PlannedQuery[], queriesPerCall: number, defaultRegion: string | undefined): { region: string | undefined; queries: PlannedQuery[] }[] {
  const calls: { region: string | undefined; queries: PlannedQuery[] }[] = [];
  const open = new Map<string, { region: string | undefined; queries: PlannedQuery[] }>();
  for (let i = 0; i < planned.length; ) {
    const group = planned.slice(i, i + (planned[i + 1]?.workload === planned[i]!.workload ? 2 : 1));
    const region = group[0]!.workload.region ?? defaultRegion;
    let current = open.get(region ?? '');
    if (!current || current.queries.length + group.length > queriesPerCall) {
      current = { region, queries: [] };
      open.set(region ?? '', current);
      calls.push(current);
    }
    current.queries.push(...group);
    i += group.length;
  }
  return calls;
}

/** Each workload's series from the points read; a failed or empty workload goes to `missing` (appended to). */
function seriesOf(
  planned: readonly PlannedQuery[],
  points: ReadonlyMap<string, { t: number[]; v: number[] }>,
  failures: ReadonlyMap<Workload, string>,
  missing: UsageResult['missing'],
  name: string,
): Map<string, UsageSeries> {
  const series = new Map<string, UsageSeries>();
  const seen = new Set<Workload>();
  for (const q of planned) {
    if (seen.has(q.workload)) continue;
    seen.add(q.workload);
    const w = q.workload;
    const failure = failures.get(w);
    const n = q.id.slice(1);
    const cpu = finish(points.get(`c${n}`));
    const memory = finish(points.get(`m${n}`));
    if (failure) missing.push({ urn: w.urn, reason: failure });
    else if (!cpu) missing.push({ urn: w.urn, reason: `${name}: no CPUUtilization data in the range` });
    else {
      const entry: UsageSeries = { urn: w.urn, cpuCores: cpu, source: name };
      if (memory) entry.memoryGiB = memory;
      series.set(w.urn, entry);
    }
  }
  return series;
}

function finish(s: Series | undefined): Series | undefined {
  if (!s || s.t.length === 0) return undefined;
  return normalizeSeries(s);
}
