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
import { cloudWatchOptionsSchema, getMetricDataOutputSchema, type GetMetricDataOutput, type MetricDataResult } from './schema';
import { cloudWatchPoolSource } from './pools';
import type { PoolUsageSource } from '../pool-contract';
import { defineUsageSource } from '../contract';

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

export type CloudWatchUsageSource = UsageSource & {
  readonly stats: { requests: number; calls: number };
  readonly cacheKey: string;
  /** Auto scaling groups as a whole (pools.ts). */
  readonly pools: PoolUsageSource;
};

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
  const clientFor = cloudWatchClients(opts, stats);

  return {
    name,
    stats,
    cacheKey: statistic,
    pools: cloudWatchPoolSource({
      name,
      statistic,
      clientFor,
      send: (client, input) => sendGetMetricData(client, input, opts),
      periodOf: (range) => cloudWatchPeriod(range, opts.now?.() ?? new Date()),
      ...(opts.region ? { defaultRegion: opts.region } : {}),
      ...(opts.vcpuOf ? { vcpuOf: opts.vcpuOf } : {}),
      ...(opts.memoryGiBOf ? { memoryGiBOf: opts.memoryGiBOf } : {}),
    }),
    // Workloads with several instances: each instance read in the same calls, then combined.
    fetch: fetchPerInstance(async (workloads: readonly Workload[], range: UsageRange): Promise<UsageResult> => {
      const period = cloudWatchPeriod(range, opts.now?.() ?? new Date());
      const { planned, missing } = planQueries(workloads, { name, statistic, period, vcpuOf: opts.vcpuOf, memoryGiBOf: opts.memoryGiBOf });
      let done = missing.length;
      if (done > 0) opts.onProgress?.(done);

      const read: CallResults = { points: new Map(), failures: new Map(), memoryUnread: new Map() };
      for (const { region, queries: call } of groupCalls(planned, queriesPerCall, opts.region)) {
        const client = clientFor(region);
        try {
          let nextToken: string | undefined;
          do {
            stats.calls++;
            const out = await sendGetMetricData(client, { queries: call.map((q) => q.query), range, nextToken }, opts);
            readResults(out.MetricDataResults, call, read, name);
            nextToken = out.NextToken || undefined;
          } while (nextToken);
        } catch (err) {
          // Auth, 5xx after the SDK's retries, throttling beyond them: the call failed, which
          // says nothing about the load of its workloads.
          const e = err as Error;
          const cause = e instanceof StackfitError ? e.message : `${e.name}: ${e.message}`;
          for (const q of call) read.failures.set(q.workload, `${name}: GetMetricData failed: ${cause}`);
        }
        done += new Set(call.map((q) => q.workload)).size;
        opts.onProgress?.(done);
      }
      return assemble(planned, read, missing, name);
    }, name),
  };
}

/**
 * One client per region (CloudWatch is regional; `opts.region` for workloads without one),
 * counting every HTTP attempt in `stats.requests`.
 */
export function cloudWatchClients(
  opts: CloudWatchSourceOptions,
  stats: { requests: number },
): (region: string | undefined) => CloudWatchClient {
  const clients = new Map<string, CloudWatchClient>();
  return (region) => {
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
}

/** One `GetMetricData` page, checked with zod (the SDK loaded on first use). */
async function sendGetMetricData(
  client: CloudWatchClient,
  input: { queries: MetricDataQuery[]; range: UsageRange; nextToken: string | undefined },
  opts: Pick<CloudWatchSourceOptions, 'timeoutMs' | 'maxAttempts'>,
): Promise<GetMetricDataOutput> {
  const raw = await client.send(
    new (cloudWatchSdk().GetMetricDataCommand)({
      MetricDataQueries: input.queries,
      StartTime: input.range.start,
      EndTime: input.range.end,
      ScanBy: 'TimestampAscending',
      ...(input.nextToken ? { NextToken: input.nextToken } : {}),
    }),
    { abortSignal: AbortSignal.timeout((opts.timeoutMs ?? 60_000) * (opts.maxAttempts ?? 5)) },
  );
  return getMetricDataOutputSchema.parse(raw);
}

/** What the calls returned: points per query id, workloads whose CPU could not be read, memory queries refused. */
interface CallResults {
  points: Map<string, { t: number[]; v: number[] }>;
  failures: Map<Workload, string>;
  memoryUnread: Map<Workload, string>;
}

/** One query per metric and workload (CPU, and memory when the size's memory is known); workloads it cannot ask for are missing. */
function planQueries(
  workloads: readonly Workload[],
  o: {
    name: string;
    statistic: CloudWatchStatistic;
    period: number;
    vcpuOf?: ((w: Workload) => number | undefined) | undefined;
    memoryGiBOf?: ((w: Workload) => number | undefined) | undefined;
  },
): { planned: PlannedQuery[]; missing: UsageResult['missing'] } {
  const { name, statistic, period } = o;
  const missing: UsageResult['missing'] = [];
  const planned: PlannedQuery[] = [];
  const stat = (
    namespace: string,
    metric: string,
    dimension: string,
    value: string,
    of = statistic as string,
  ): MetricDataQuery['MetricStat'] => ({
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
    const vcpu = o.vcpuOf?.(w);
    if (!vcpu) {
      missing.push({ urn: w.urn, reason: `${name}: vCPU count of ${w.size} unknown, cannot turn CPUUtilization % into cores` });
      continue;
    }
    const memGiB = o.memoryGiBOf?.(w);
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
  return { planned, missing };
}

/** Calls of at most `queriesPerCall` queries, one region each, a workload's CPU and memory queries in the same call. */
function groupCalls(
  planned: readonly PlannedQuery[],
  queriesPerCall: number,
  defaultRegion: string | undefined,
): { region: string | undefined; queries: PlannedQuery[] }[] {
  const calls: { region: string | undefined; queries: PlannedQuery[] }[] = [];
  const open = new Map<string, { region: string | undefined; queries: PlannedQuery[] }>();
  for (let i = 0; i < planned.length;) {
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

/** `MetricStat` as a reader finds it in the console: `CWAgent mem_used_percent (InstanceId=i-…)`. */
function describeQuery(q: PlannedQuery): string {
  const m = q.query.MetricStat?.Metric;
  const d = m?.Dimensions?.[0];
  return `${m?.Namespace} ${m?.MetricName}${d ? ` (${d.Name}=${d.Value})` : ''}`;
}

/**
 * One page of results into `read`. A query CloudWatch could not answer (`Forbidden`: no
 * permission for that namespace; `InternalError`) is a failure for the workload when it is its
 * CPU, and a named warning when it is its memory (the workload is then sized on CPU alone).
 */
function readResults(results: readonly MetricDataResult[], call: readonly PlannedQuery[], read: CallResults, name: string): void {
  const byId = new Map(call.map((q) => [q.id, q]));
  for (const r of results) {
    const q = byId.get(r.Id);
    if (!q) continue;
    if (r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden') {
      const detail = r.Messages?.map((m) => [m.Code, m.Value].filter(Boolean).join(': '))
        .filter(Boolean)
        .join('; ');
      const what = `${r.StatusCode} for ${describeQuery(q)}${detail ? `: ${detail}` : ''}`;
      if (q.dimension === 'cpu') read.failures.set(q.workload, `${name}: ${what}`);
      else read.memoryUnread.set(q.workload, what);
      continue;
    }
    const acc = read.points.get(r.Id) ?? { t: [], v: [] };
    for (let i = 0; i < r.Timestamps.length && i < r.Values.length; i++) {
      acc.t.push(r.Timestamps[i]!.getTime());
      acc.v.push(q.convert(r.Values[i]!));
    }
    read.points.set(r.Id, acc);
  }
}

/** Series per workload; failed reads are missing with `failed` (never "no data"), refused memory a warning. */
function assemble(planned: readonly PlannedQuery[], read: CallResults, missing: UsageResult['missing'], name: string): UsageResult {
  const series = new Map<string, UsageSeries>();
  const warnings: string[] = [];
  const seen = new Set<Workload>();
  for (const q of planned) {
    if (seen.has(q.workload)) continue;
    seen.add(q.workload);
    const w = q.workload;
    const failure = read.failures.get(w);
    const n = q.id.slice(1);
    const cpu = finish(read.points.get(`c${n}`));
    if (failure) {
      missing.push({ urn: w.urn, reason: failure, failed: true });
      continue;
    }
    if (!cpu) {
      missing.push({ urn: w.urn, reason: `${name}: no CPUUtilization data in the range` });
      continue;
    }
    const entry: UsageSeries = { urn: w.urn, cpuCores: cpu, source: name };
    const unread = read.memoryUnread.get(w);
    if (unread) {
      entry.partial = true;
      warnings.push(`${name}: partial: ${w.name}: memory could not be read (${unread}); it is sized on CPU only`);
    } else {
      const memory = finish(read.points.get(`m${n}`));
      if (memory) entry.memoryGiB = memory;
    }
    series.set(w.urn, entry);
  }
  return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
}

function finish(s: Series | undefined): Series | undefined {
  if (!s || s.t.length === 0) return undefined;
  return normalizeSeries(s);
}

declare module '../contract' {
  interface UsageSourceOverrides {
    cloudwatch?: Partial<CloudWatchSourceOptions>;
  }
}

/** `cloudwatch` or `cloudwatch:<region>`: AWS workloads only. */
export const cloudWatchSource = defineUsageSource({
  name: 'cloudwatch',
  key: 'cloudwatch',
  forms: ['cloudwatch[:region]'],
  cloud: 'aws',
  api: true,
  options: cloudWatchOptionsSchema,
  select(spec) {
    const m = /^cloudwatch(?::([a-z0-9-]+))?$/.exec(spec);
    if (!m) return undefined;
    const region = m[1];
    return ({ options, overrides, vcpuOf, memoryGiBOf, onProgress }) =>
      cloudWatchUsageSource({
        ...(region ? { region } : {}),
        ...options,
        ...(vcpuOf ? { vcpuOf } : {}),
        ...(memoryGiBOf ? { memoryGiBOf } : {}),
        ...overrides.cloudwatch,
        onProgress,
      });
  },
});
