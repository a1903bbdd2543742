/**
 * Usage from Google Cloud Monitoring through `@google-cloud/monitoring` (`MetricServiceClient`
 * in REST-fallback mode: plain HTTPS/JSON, `GET /v3/projects/{p}/timeSeries`).
 *
 * - CPU: `compute.googleapis.com/instance/cpu/utilization`, the fraction of the instance's vCPUs
 *   in use → used cores with the machine type's vCPU count.
 * - Memory: the Ops Agent's `agent.googleapis.com/memory/percent_used` with `state = used`
 *   → used GiB with the machine type's memory. Absent without the agent (CPU-only sizing).
 *
 * One list call per metric serves a batch of instances of one project
 * (`resource.labels.instance_id = one_of(…)`), aligned with ALIGN_MEAN (or ALIGN_MAX) over the
 * step; pages follow nextPageToken. RESOURCE_EXHAUSTED and UNAVAILABLE are retried with capped
 * exponential backoff. A point's time is the END of its alignment period, as GCP reports it.
 */
import type { MetricServiceClient } from '@google-cloud/monitoring';
import { createRequire } from 'node:module';
import { StackfitError } from '../../model';
import { DEFAULT_MAX_DELAY_MS, withRetry } from '../../retry';
import type { Series, UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../../model';
import { normalizeSeries, percentToGiB } from '../index';
import { fetchPerInstance } from '../instances';
import { timeSeriesSchema, timestampMs } from './schema';

export const CPU_METRIC = 'compute.googleapis.com/instance/cpu/utilization';
export const MEMORY_METRIC = 'agent.googleapis.com/memory/percent_used';

/**
 * Retried codes: gRPC RESOURCE_EXHAUSTED (8) and UNAVAILABLE (14), and their HTTP forms (429,
 * 503) — the REST fallback surfaces the HTTP status as the error code.
 */
const RETRY_CODES = [8, 14, 429, 503];

export type GcpAligner = 'ALIGN_MEAN' | 'ALIGN_MAX';

/** What `MetricServiceClient` needs beyond the defaults: a test endpoint, explicit auth. */
export interface GcpClientOptions {
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** A google-auth-library client (default: Application Default Credentials). */
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
  /** Time series per page (the API default applies when unset). */
  pageSize?: number;
  /** Retries of throttled/unavailable calls: first delay, cap, and total bound. */
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  timeoutMs?: number;
  client?: GcpClientOptions;
  onProgress?: (done: number) => void;
}

export type GcpMonitoringUsageSource = UsageSource & { readonly stats: { requests: number }; readonly cacheKey: string };

/** Cloud Monitoring alignment periods are whole seconds, at least 60. */
export function gcpAlignmentSeconds(stepSeconds: number): number {
  return Math.max(60, Math.round(stepSeconds));
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// @google-cloud/monitoring (and gRPC/google-gax under it) loads on first use: runs that do not
// read Cloud Monitoring never pay for it.
const requireLazily = createRequire(__filename);

export function gcpMonitoringUsageSource(opts: GcpMonitoringSourceOptions = {}): GcpMonitoringUsageSource {
  const aligner = opts.aligner ?? 'ALIGN_MEAN';
  const batchSize = Math.max(1, opts.batchSize ?? 50);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const name = `gcp-monitoring${opts.project ? `:${opts.project}` : ''}`;
  // List calls (pages); retries inside the SDK are not visible here.
  const stats = { requests: 0 };
  let client: MetricServiceClient | undefined;
  const getClient = (): MetricServiceClient => {
    if (client) return client;
    const c = opts.client ?? {};
    const { MetricServiceClient: Client } = requireLazily('@google-cloud/monitoring') as typeof import('@google-cloud/monitoring');
    client = new Client({
      fallback: true,
      ...(c.apiEndpoint ? { apiEndpoint: c.apiEndpoint } : {}),
      ...(c.port ? { port: c.port } : {}),
      ...(c.protocol ? { protocol: c.protocol } : {}),
      ...(c.authClient ? { authClient: c.authClient as never } : {}),
    });
    return client;
  };
  const retry = {
    retryCodes: RETRY_CODES,
    backoffSettings: {
      initialRetryDelayMillis: opts.retryInitialDelayMs ?? 1000,
      retryDelayMultiplier: 2,
      maxRetryDelayMillis: opts.retryMaxDelayMs ?? 30_000,
      initialRpcTimeoutMillis: timeoutMs,
      rpcTimeoutMultiplier: 1,
      maxRpcTimeoutMillis: timeoutMs,
      totalTimeoutMillis: timeoutMs,
    },
  };

  /** All time series of one filter, page by page. */
  async function list(project: string, filter: string, range: UsageRange, period: number) {
    const out: ReturnType<typeof timeSeriesSchema.parse>[] = [];
    let pageToken: string | undefined;
    do {
      const request = {
        name: `projects/${project}`,
        filter,
        interval: {
          startTime: { seconds: Math.floor(range.start.getTime() / 1000) },
          endTime: { seconds: Math.ceil(range.end.getTime() / 1000) },
        },
        aggregation: { alignmentPeriod: { seconds: period }, perSeriesAligner: aligner },
        view: 'FULL' as const,
        ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
        ...(pageToken ? { pageToken } : {}),
      };
      const [series, , raw] = await withTransportRetry(() => {
        stats.requests++;
        return getClient().listTimeSeries(request, { autoPaginate: false, retry, timeout: timeoutMs });
      }, opts.retryInitialDelayMs ?? 1000);
      for (const s of series) out.push(timeSeriesSchema.parse(s));
      pageToken = raw?.nextPageToken || undefined;
    } while (pageToken);
    return out;
  }

  return {
    name,
    stats,
    cacheKey: aligner,
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

      for (const [project, ids] of byProject) {
        const all = [...ids.keys()];
        for (let i = 0; i < all.length; i += batchSize) {
          const batch = all.slice(i, i + batchSize);
          const match = `resource.type = "gce_instance" AND resource.labels.instance_id = one_of(${batch.map(quote).join(', ')})`;
          const cpu = new Map<string, Series>();
          const memory = new Map<string, Series>();
          try {
            collect(cpu, await list(project, `metric.type = "${CPU_METRIC}" AND ${match}`, range, period));
          } catch (err) {
            const cause = describeGcpError(err);
            for (const id of batch) for (const w of ids.get(id)!) missing.push({ urn: w.urn, reason: `${name}: timeSeries.list in project ${project} failed: ${cause}` });
            done += batch.reduce((n, id) => n + ids.get(id)!.length, 0);
            opts.onProgress?.(done);
            continue;
          }
          // Memory failing does not lose the CPU already read: those instances are sized on CPU
          // alone, and the run says so (partial), never silently.
          try {
            collect(memory, await list(project, `metric.type = "${MEMORY_METRIC}" AND metric.labels.state = "used" AND ${match}`, range, period));
          } catch (err) {
            warnings.push(`${name}: partial: ${MEMORY_METRIC} for ${batch.length} instance(s) in project ${project} could not be read (${describeGcpError(err)}); they are sized on CPU only`);
          }
          for (const id of batch) {
            for (const w of ids.get(id)!) {
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
              series.set(w.urn, entry);
            }
          }
          done += batch.reduce((n, id) => n + ids.get(id)!.length, 0);
          opts.onProgress?.(done);
        }
      }
      return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
    }, name),
  };
}

/** A connection reset or dropped socket: the REST fallback surfaces these as plain errors the SDK's retry codes do not cover. */
function isTransportError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; cause?: { code?: unknown } };
  const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const code = text(e?.code) || text(e?.cause?.code) || text(e?.errno);
  return /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_SOCKET)$/.test(code) || /ECONNRESET|socket hang up|other side closed/i.test(text(e?.message));
}

/** Retries one page call on a transport error (3 attempts, doubling delay): a reset must not lose a batch. */
function withTransportRetry<T>(call: () => Promise<T>, initialDelayMs: number, attempts = 3): Promise<T> {
  return withRetry(call, { attempts, baseDelayMs: initialDelayMs, maxDelayMs: DEFAULT_MAX_DELAY_MS }, isTransportError);
}

/** Points arrive newest first, possibly split over pages and series: sorted and merged per instance. */
function collect(into: Map<string, Series>, list: ReturnType<typeof timeSeriesSchema.parse>[]): void {
  const parts = new Map<string, Series>();
  for (const ts of list) {
    const id = ts.resource.labels.instance_id;
    if (!id) continue;
    const acc = parts.get(id) ?? { t: [], v: [] };
    for (const p of ts.points) {
      const x = p.value.doubleValue ?? (p.value.int64Value ?? undefined);
      if (x === undefined || x === null || !Number.isFinite(x)) continue;
      acc.t.push(timestampMs(p.interval.endTime));
      acc.v.push(x);
    }
    parts.set(id, acc);
  }
  for (const [id, s] of parts) into.set(id, normalizeSeries(s));
}

/** One line: `HTTP 403 PERMISSION_DENIED: …` from the API's JSON error body when there is one. */
export function describeGcpError(err: unknown): string {
  const e = err as { code?: number; details?: string; message?: string };
  if (e instanceof StackfitError) return e.message;
  const text = e?.message || e?.details || String(err);
  try {
    const body = JSON.parse(text) as { error?: { code?: number; status?: string; message?: string } };
    if (body.error?.message) return `HTTP ${body.error.code ?? e.code ?? '?'} ${body.error.status ?? ''}: ${body.error.message}`.replace(' :', ':');
  } catch {
    // not a JSON body
  }
  const line = text.split('\n')[0] ?? text;
  return e?.code !== undefined ? `code ${e.code}: ${line}` : line;
}
