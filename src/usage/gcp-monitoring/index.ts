/**
 * Usage from Google Cloud Monitoring, `projects.timeSeries.list` over REST/JSON with
 * google-auth-library's authenticated client (rest.ts; Application Default Credentials unless a
 * client is given).
 *
 * - CPU: `compute.googleapis.com/instance/cpu/utilization`, the fraction of the instance's vCPUs
 *   in use → used cores with the machine type's vCPU count.
 * - Memory: the Ops Agent's `agent.googleapis.com/memory/percent_used` with `state = used`
 *   → used GiB with the machine type's memory. Absent without the agent (CPU-only sizing).
 *
 * One list call per metric serves a batch of instances of one project
 * (`resource.labels.instance_id = one_of(…)`), aligned with ALIGN_MEAN (or ALIGN_MAX) over the
 * step; pages (up to 100,000 points each, a series possibly split over pages) follow
 * nextPageToken. Pages are fetched under stackfit's one retry policy (src/retry.ts): 429
 * RESOURCE_EXHAUSTED, 503 UNAVAILABLE and the other retryable statuses after Retry-After or a
 * capped back-off, dropped connections (ECONNRESET) the same; other statuses are final. A point's time is the END of its alignment period,
 * as GCP reports it.
 */
import { StackfitError } from '../../model';
import type { Series, UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../../model';
import { percentToGiB } from '../index';
import { fetchPerInstance } from '../instances';
import { DEFAULT_MAX_DELAY_MS, type Sleep } from '../../retry';
import { defaultAuthClient, listTimeSeries, type AuthHeadersClient, type PageTransport } from './rest';
import { defineUsageSource } from '../contract';
import { gcpMonitoringOptionsSchema } from './schema';
import { gcpMonitoringPoolSource, type GcpPoolOptions } from './pools';
import type { PoolUsageSource } from '../pool-contract';

export const CPU_METRIC = 'compute.googleapis.com/instance/cpu/utilization';
export const MEMORY_METRIC = 'agent.googleapis.com/memory/percent_used';

export type GcpAligner = 'ALIGN_MEAN' | 'ALIGN_MAX';

/** Where the API is and how to authenticate: a test endpoint, explicit auth. */
export interface GcpClientOptions {
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** A google-auth-library client, e.g. `OAuth2Client` / `GoogleAuth#getClient()` (default: Application Default Credentials): its `getRequestHeaders` authorizes each page. */
  authClient?: unknown;
}

export interface GcpMonitoringSourceOptions {
  /** Project for workloads whose state has no `gcpProject`. */
  project?: string;
  aligner?: GcpAligner;
  vcpuOf?: (w: Workload) => number | undefined;
  memoryGiBOf?: (w: Workload) => number | undefined;
  /** Instances per list call. Default 50 (keeps the filter well under the API's length limit). */
  batchSize?: number;
  /** Batches in flight at once. Default 3. */
  concurrency?: number;
  /** Points per page (view FULL counts points; the API's default and cap is 100,000). */
  pageSize?: number;
  /** Stackfit's retry policy (src/retry.ts) per page: attempts in all (default 5), first delay, longest wait. */
  retryAttempts?: number;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Bound on one attempt at one page (default 120 s). */
  timeoutMs?: number;
  /** Waits between attempts (tests record them instead of waiting). */
  sleep?: Sleep;
  client?: GcpClientOptions;
  onProgress?: (done: number) => void;
}

export type GcpMonitoringUsageSource = UsageSource & {
  readonly stats: { requests: number };
  readonly cacheKey: string;
  /** Managed instance groups and GKE node pools as a whole (pools.ts). */
  readonly pools: PoolUsageSource;
};

/** Cloud Monitoring alignment periods are whole seconds, at least 60. */
export function gcpAlignmentSeconds(stepSeconds: number): number {
  return Math.max(60, Math.round(stepSeconds));
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function gcpMonitoringUsageSource(opts: GcpMonitoringSourceOptions = {}): GcpMonitoringUsageSource {
  const aligner = opts.aligner ?? 'ALIGN_MEAN';
  const batchSize = Math.max(1, opts.batchSize ?? 50);
  const concurrency = Math.max(1, opts.concurrency ?? 3);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const name = `gcp-monitoring${opts.project ? `:${opts.project}` : ''}`;
  // HTTP requests (pages), retries included.
  const stats = { requests: 0 };
  const c = opts.client ?? {};
  const base = `${c.protocol ?? 'https'}://${c.apiEndpoint ?? 'monitoring.googleapis.com'}${c.port ? `:${c.port}` : ''}`;
  let client: Promise<AuthHeadersClient> | undefined;
  // google-auth-library loads on first use: runs that do not read Cloud Monitoring never pay for it.
  const getClient = (): Promise<AuthHeadersClient> =>
    (client ??= c.authClient ? Promise.resolve(c.authClient as AuthHeadersClient) : defaultAuthClient());
  const transport: PageTransport = {
    retry: {
      attempts: Math.max(1, opts.retryAttempts ?? 5),
      baseDelayMs: opts.retryInitialDelayMs ?? 1000,
      maxDelayMs: opts.retryMaxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    },
    timeoutMs,
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  };

  /** All time series of one filter, page by page, per instance id. */
  async function list(project: string, filter: string, range: UsageRange, period: number): Promise<Map<string, Series>> {
    const request = {
      project,
      filter,
      startSeconds: Math.floor(range.start.getTime() / 1000),
      endSeconds: Math.ceil(range.end.getTime() / 1000),
      alignmentSeconds: period,
      aligner,
      ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    };
    return listTimeSeries(await getClient(), base, request, transport, () => stats.requests++);
  }

  return {
    name,
    stats,
    cacheKey: aligner,
    pools: poolReader(name, opts, (project, filter, range) => list(project, filter, range, gcpAlignmentSeconds(range.stepSeconds))),
    // Workloads with several instances: each instance read in the same calls, then combined.
    fetch: fetchPerInstance(async (workloads: readonly Workload[], range: UsageRange): Promise<UsageResult> => {
      const period = gcpAlignmentSeconds(range.stepSeconds);
      const missing: UsageResult['missing'] = [];
      const byProject = new Map<string, Map<string, Workload[]>>();
      for (const w of workloads) {
        const id = w.metricIds.gcpInstanceId;
        const project = w.metricIds.gcpProject ?? opts.project;
        if (!id || !project) {
          missing.push({ urn: w.urn, reason: `${name}: no ${id ? 'GCP project' : 'numeric GCP instance id'} in the stack state` });
          continue;
        }
        if (!opts.vcpuOf?.(w)) {
          missing.push({ urn: w.urn, reason: `${name}: vCPU count of ${w.size} unknown, cannot turn CPU utilization into cores` });
          continue;
        }
        const ids = byProject.get(project) ?? new Map<string, Workload[]>();
        ids.set(id, [...(ids.get(id) ?? []), w]);
        byProject.set(project, ids);
      }
      let done = missing.length;
      if (done > 0) opts.onProgress?.(done);
      const series = new Map<string, UsageSeries>();
      const warnings: string[] = [];

      /** One batch of one project: CPU, then memory; its workloads' series, missing or warnings. */
      const readBatch = async (project: string, ids: Map<string, Workload[]>, batch: string[]): Promise<void> => {
        const match = `resource.type = "gce_instance" AND resource.labels.instance_id = one_of(${batch.map(quote).join(', ')})`;
        const workloadsOf = batch.flatMap((id) => ids.get(id)!.map((w) => ({ id, w })));
        let cpu: Map<string, Series>;
        try {
          cpu = await list(project, `metric.type = "${CPU_METRIC}" AND ${match}`, range, period);
        } catch (err) {
          const cause = describeGcpError(err);
          // Auth, 5xx or quota after the retries: the source failed for these, they are not idle.
          for (const { w } of workloadsOf)
            missing.push({ urn: w.urn, reason: `${name}: timeSeries.list in project ${project} failed: ${cause}`, failed: true });
          return;
        }
        // Memory failing does not lose the CPU already read: those instances are sized on CPU
        // alone, and the run says so (partial), never silently.
        let memory = new Map<string, Series>();
        let memoryRead = true;
        try {
          memory = await list(project, `metric.type = "${MEMORY_METRIC}" AND metric.labels.state = "used" AND ${match}`, range, period);
        } catch (err) {
          memoryRead = false;
          warnings.push(
            `${name}: partial: ${MEMORY_METRIC} for ${batch.length} instance(s) in project ${project} could not be read (${describeGcpError(err)}); they are sized on CPU only`,
          );
        }
        for (const { id, w } of workloadsOf) {
          const c = cpu.get(id);
          if (!c || c.t.length === 0) {
            missing.push({ urn: w.urn, reason: `${name}: no ${CPU_METRIC} data for instance ${id} in the range` });
            continue;
          }
          const vcpu = opts.vcpuOf!(w)!;
          const entry: UsageSeries = { urn: w.urn, cpuCores: { t: c.t, v: c.v.map((x) => x * vcpu) }, source: name };
          const m = memory.get(id);
          const memGiB = opts.memoryGiBOf?.(w);
          if (m && m.t.length > 0 && memGiB) entry.memoryGiB = { t: m.t, v: m.v.map((x) => percentToGiB(x, memGiB)) };
          if (!memoryRead && memGiB) entry.partial = true;
          series.set(w.urn, entry);
        }
      };

      const jobs = [...byProject].flatMap(([project, ids]) => {
        const all = [...ids.keys()];
        return Array.from({ length: Math.ceil(all.length / batchSize) }, (_, k) => ({
          project,
          ids,
          batch: all.slice(k * batchSize, (k + 1) * batchSize),
        }));
      });
      // A few batches in flight: the API's latency (and parsing) overlap, memory stays bounded.
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length) {
          const { project, ids, batch } = jobs[next++]!;
          await readBatch(project, ids, batch);
          done += batch.reduce((n, id) => n + ids.get(id)!.length, 0);
          opts.onProgress?.(done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
      return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
    }, name),
  };
}

/** Managed instance groups and GKE node pools as a whole (pools.ts), through the source's own list calls. */
function poolReader(name: string, opts: GcpMonitoringSourceOptions, list: GcpPoolOptions['list']): PoolUsageSource {
  return gcpMonitoringPoolSource({
    name,
    ...(opts.project ? { project: opts.project } : {}),
    list,
    describeError: describeGcpError,
    ...(opts.vcpuOf ? { vcpuOf: opts.vcpuOf } : {}),
    ...(opts.memoryGiBOf ? { memoryGiBOf: opts.memoryGiBOf } : {}),
  });
}

/** One line: `HTTP 403 PERMISSION_DENIED: …` from the API's JSON error body when there is one. */
export function describeGcpError(err: unknown): string {
  const e = err as { code?: number; details?: string; message?: string };
  if (e instanceof StackfitError) return e.message;
  const text = e?.message || e?.details || String(err);
  try {
    const body = JSON.parse(text) as { error?: { code?: number; status?: string; message?: string } };
    if (body.error?.message)
      return `HTTP ${body.error.code ?? e.code ?? '?'} ${body.error.status ?? ''}: ${body.error.message}`.replace(' :', ':');
  } catch {
    // not a JSON body
  }
  const line = text.split('\n')[0] ?? text;
  return e?.code !== undefined ? `code ${e.code}: ${line}` : line;
}

declare module '../contract' {
  interface UsageSourceOverrides {
    gcpMonitoring?: Partial<GcpMonitoringSourceOptions>;
  }
}

/** `gcp-monitoring` or `gcp-monitoring:<project>`: GCP workloads only. */
export const gcpMonitoringSource = defineUsageSource({
  name: 'gcp-monitoring',
  key: 'gcpMonitoring',
  forms: ['gcp-monitoring[:project]'],
  cloud: 'gcp',
  api: true,
  options: gcpMonitoringOptionsSchema,
  select(spec) {
    const m = /^gcp-monitoring(?::([a-z][-a-z0-9]{4,28}[a-z0-9]))?$/.exec(spec);
    if (!m) return undefined;
    const project = m[1];
    return ({ options, overrides, vcpuOf, memoryGiBOf, onProgress }) =>
      gcpMonitoringUsageSource({
        ...(project ? { project } : {}),
        ...options,
        ...(vcpuOf ? { vcpuOf } : {}),
        ...(memoryGiBOf ? { memoryGiBOf } : {}),
        ...overrides.gcpMonitoring,
        onProgress,
      });
  },
});
