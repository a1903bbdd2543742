/**
 * Usage from Prometheus (node_exporter metrics by default) through the HTTP API `query_range`.
 *
 * One query serves many workloads: the join label is matched with a regex alternation
 * (`instance=~"a|b|c"`), and results are mapped back by that label. Ranges longer than
 * Prometheus's 11,000-points-per-series limit are split into consecutive chunks.
 */
import { StackfitError } from '../../model';
import { DEFAULT_MAX_DELAY_MS, fetchWithRetry } from '../../retry';
import type { Series, UsageRange, UsageResult, UsageSeries, UsageSource, Workload } from '../../model';
import { normalizeSeries } from '../index';
import { fetchPerInstance } from '../instances';
import { isSample, queryRangeResponseSchema, type MatrixSeries } from './schema';
import { defineUsageSource } from '../contract';
import { prometheusOptionsSchema } from './schema';

/** Which workload id fills the join label (mirrors `usage.prometheus.joinOn` in stackfit.yaml). */
export type PrometheusJoinOn = 'hostname' | 'name' | 'awsInstanceId' | 'azureResourceId' | 'gcpInstanceId';

/**
 * Default queries. Placeholders: `{{selector}}` (the label matcher for a batch of workloads),
 * `{{window}}` (rate window, the step), `{{joinLabel}}`. Results must carry the join label and
 * be in used cores / used GiB.
 *
 * CPU: non-idle time per second = used cores. `iowait` is idle time waiting for disk and `steal`
 * is time the hypervisor gave to others: neither is work the guest needs cores for.
 */
export const DEFAULT_CPU_QUERY =
  'sum by ({{joinLabel}}) (rate(node_cpu_seconds_total{mode!~"idle|iowait|steal",{{selector}}}[{{window}}]))';
export const DEFAULT_MEMORY_QUERY =
  'sum by ({{joinLabel}}) (node_memory_MemTotal_bytes{{{selector}}} - node_memory_MemAvailable_bytes{{{selector}}}) / 1073741824';

/** Prometheus rejects a range query that would return more than 11,000 points per series. */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface PrometheusSourceOptions {
  joinLabel?: string;
  joinOn?: PrometheusJoinOn;
  cpuQuery?: string;
  memoryQuery?: string;
  /**
   * Also match the join value followed by `:<port>` (node_exporter's `instance` label is
   * usually `host:9100`). Default true.
   */
  matchPort?: boolean;
  /** Workloads per query (one regex alternation). Default 100. */
  batchSize?: number;
  /** Queries in flight at once. Default 4. */
  concurrency?: number;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
  /** Attempts per request (src/retry.ts: network errors, timeouts, 408/429/500/502/503/504). Default 4. */
  maxAttempts?: number;
  /** First retry delay; doubles each time (bounded by 30 s, or Retry-After when given). */
  retryBaseMs?: number;
  /**
   * Ask for gzip responses. Default: yes, except on loopback, where compressing tens of MB of
   * JSON only costs CPU on both sides.
   */
  compression?: boolean;
  /** Sent as `Authorization: Bearer …`; never logged. */
  bearerToken?: string;
  /** Called with the number of workloads finished after each batch. */
  onProgress?: (done: number) => void;
  fetchImpl?: typeof fetch;
}

export interface RequestStats {
  /** HTTP requests (or SDK calls) made, retries included. */
  requests: number;
}

export type PrometheusUsageSource = UsageSource & { readonly stats: RequestStats; readonly baseUrl: string; readonly cacheKey: string };

/** `prometheus://host:port` → `http://host:port`, `prometheus+https://host/path` → `https://host/path`. */
export function prometheusBaseUrl(spec: string): string {
  const m = /^prometheus(\+https?)?:\/\/(.+)$/.exec(spec);
  if (!m || !m[2]) throw new StackfitError('expected prometheus://host:port or prometheus+https://host[:port][/path]', spec);
  const scheme = m[1] === '+https' ? 'https' : 'http';
  let url: URL;
  try {
    url = new URL(`${scheme}://${m[2]}`);
  } catch {
    throw new StackfitError('not a valid Prometheus address', spec);
  }
  if (url.username || url.password) {
    throw new StackfitError('put credentials in STACKFIT_PROMETHEUS_TOKEN, not in the address', `${scheme}://${url.host}`);
  }
  return url.toString().replace(/\/$/, '');
}

/** Escapes a label value for use inside a PromQL double-quoted regex matcher. */
export function regexMatcherValue(ids: readonly string[], matchPort: boolean): string {
  const alternation = ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const regex = matchPort ? `(?:${alternation})(?::[0-9]+)?` : alternation;
  return regex.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export interface RangeChunk {
  /** Unix seconds, both inclusive, multiples of the step. */
  start: number;
  end: number;
  step: number;
}

/**
 * Evaluation grid for a range: starts at the first multiple of the step at or after the range
 * start (so repeated runs and different workloads share one grid), split so that no chunk has
 * more than `maxPoints` points.
 */
export function splitRange(range: UsageRange, maxPoints = MAX_POINTS_PER_SERIES): RangeChunk[] {
  const step = Math.max(1, Math.round(range.stepSeconds));
  const first = Math.ceil(range.start.getTime() / 1000 / step) * step;
  const last = Math.floor(range.end.getTime() / 1000 / step) * step;
  const chunks: RangeChunk[] = [];
  for (let start = first; start <= last; start += maxPoints * step) {
    chunks.push({ start, end: Math.min(last, start + (maxPoints - 1) * step), step });
  }
  return chunks;
}

function formatDuration(seconds: number): string {
  return `${Math.max(1, Math.round(seconds))}s`;
}

export function renderQuery(template: string, vars: { selector: string; window: string; joinLabel: string }): string {
  return template
    .replaceAll('{{selector}}', vars.selector)
    .replaceAll('{{window}}', vars.window)
    .replaceAll('{{joinLabel}}', vars.joinLabel);
}

function requestHeaders(compression: boolean, bearerToken: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'accept-encoding': compression ? 'gzip' : 'identity',
  };
  if (bearerToken) headers.authorization = `Bearer ${bearerToken}`;
  return headers;
}

function idOf(w: Workload, joinOn: PrometheusJoinOn): string | undefined {
  const id = joinOn === 'name' ? w.metricIds.name || w.name : w.metricIds[joinOn];
  return id && id.length > 0 ? id : undefined;
}

export function prometheusUsageSource(baseUrl: string, opts: PrometheusSourceOptions = {}): PrometheusUsageSource {
  const joinLabel = opts.joinLabel ?? 'instance';
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(joinLabel)) {
    throw new StackfitError(`"${joinLabel}" is not a valid Prometheus label name`, 'usage.prometheus.joinLabel');
  }
  const joinOn = opts.joinOn ?? 'hostname';
  const cpuTemplate = opts.cpuQuery ?? DEFAULT_CPU_QUERY;
  const memoryTemplate = opts.memoryQuery ?? DEFAULT_MEMORY_QUERY;
  const matchPort = opts.matchPort ?? true;
  const batchSize = Math.max(1, opts.batchSize ?? 100);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const retryPolicy = {
    attempts: Math.max(1, opts.maxAttempts ?? 4),
    baseDelayMs: opts.retryBaseMs ?? 250,
    maxDelayMs: DEFAULT_MAX_DELAY_MS,
  };
  const doFetch = opts.fetchImpl ?? fetch;
  const endpoint = `${baseUrl.replace(/\/$/, '')}/api/v1/query_range`;
  const name = baseUrl.replace(/^http(s?):\/\//, (_m, s: string) => (s ? 'prometheus+https://' : 'prometheus://'));
  const stats: RequestStats = { requests: 0 };
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(baseUrl).hostname);
  const compression = opts.compression ?? !loopback;

  const countedFetch: typeof fetch = (url, init) => {
    stats.requests++;
    return doFetch(url, init);
  };

  async function queryRange(query: string, chunk: RangeChunk): Promise<MatrixSeries[]> {
    const body = new URLSearchParams({ query, start: String(chunk.start), end: String(chunk.end), step: String(chunk.step) });
    const headers = requestHeaders(compression, opts.bearerToken);
    let response: Response;
    try {
      // POST: a batch's regex can exceed URL length limits of proxies in front of Prometheus.
      response = await fetchWithRetry(
        countedFetch,
        endpoint,
        () => ({ method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) }),
        retryPolicy,
      );
    } catch (err) {
      const cause =
        err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((err as Error).message ?? err);
      throw new StackfitError(`request failed: ${cause}`, endpoint);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new StackfitError(`HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`, endpoint);
    }
    const parsed = queryRangeResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new StackfitError(`HTTP ${response.status}, unexpected response: ${parsed.error.issues[0]?.message ?? ''}`, endpoint);
    }
    if (parsed.data.status === 'error') {
      throw new StackfitError(
        `HTTP ${response.status} ${parsed.data.errorType}: ${parsed.data.error} (query: ${query.slice(0, 300)})`,
        endpoint,
      );
    }
    return parsed.data.data.result;
  }

  return {
    name,
    baseUrl,
    stats,
    cacheKey: JSON.stringify({ joinLabel, joinOn, cpuTemplate, memoryTemplate, matchPort }),
    // Workloads with several instances: each instance read in the same calls, then combined.
    fetch: fetchPerInstance(async (workloads: readonly Workload[], range: UsageRange): Promise<UsageResult> => {
      const missing: UsageResult['missing'] = [];
      const byId = new Map<string, Workload[]>();
      for (const w of workloads) {
        const id = idOf(w, joinOn);
        if (!id) {
          missing.push({ urn: w.urn, reason: `${name}: no ${joinOn} id to match the Prometheus label "${joinLabel}"` });
          continue;
        }
        const list = byId.get(id) ?? [];
        list.push(w);
        byId.set(id, list);
      }
      const ids = [...byId.keys()];
      const chunks = splitRange(range);
      const window = formatDuration(chunks[0]?.step ?? range.stepSeconds);
      const cpu = new Map<string, Series[]>();
      const memory = new Map<string, Series[]>();
      const failed = new Map<string, string>();
      const memoryFailed = new Set<string>();
      const warnings: string[] = [];
      let done = missing.length;
      if (done > 0) opts.onProgress?.(done);

      const collect = (into: Map<string, Series[]>, batchIds: Set<string>, result: MatrixSeries[]): void =>
        collectSeries(into, batchIds, result, joinLabel, endpoint);

      const batches: string[][] = [];
      for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize));
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const batchIds = new Set(batch);
          const selector = `${joinLabel}=~"${regexMatcherValue(batch, matchPort)}"`;
          const vars = { selector, window, joinLabel };
          try {
            for (const chunk of chunks) collect(cpu, batchIds, await queryRange(renderQuery(cpuTemplate, vars), chunk));
          } catch (err) {
            for (const id of batch) failed.set(id, err instanceof Error ? err.message : String(err));
          }
          if (!batch.some((id) => failed.has(id))) {
            // Memory failing keeps the CPU already read: sized on CPU alone, and the run says so.
            // Its chunks are kept only all together: half a range of memory would hide the rest.
            const batchMemory = new Map<string, Series[]>();
            try {
              for (const chunk of chunks) collect(batchMemory, batchIds, await queryRange(renderQuery(memoryTemplate, vars), chunk));
              for (const [id, parts] of batchMemory) memory.set(id, parts);
            } catch (err) {
              for (const id of batch) memoryFailed.add(id);
              warnings.push(
                `${name}: partial: the memory query for ${batch.length} workload(s) failed (${err instanceof Error ? err.message : String(err)}); they are sized on CPU only`,
              );
            }
          }
          done += batch.reduce((n, id) => n + (byId.get(id)?.length ?? 0), 0);
          opts.onProgress?.(done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));

      const series = assembleSeries({ byId, cpu, memory, failed, memoryFailed, missing, name, joinLabel });
      return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
    }, name),
  };
}

/** Adds a query's series to `into` by the batch id they belong to (the label, or the label without its port). */
function collectSeries(
  into: Map<string, Series[]>,
  batchIds: Set<string>,
  result: MatrixSeries[],
  joinLabel: string,
  endpoint: string,
): void {
  for (const s of result) {
    const label = s.metric[joinLabel];
    if (label === undefined) continue;
    const id = batchIds.has(label) ? label : label.replace(/:[0-9]+$/, '');
    if (!batchIds.has(id)) continue;
    const t: number[] = [];
    const v: number[] = [];
    for (const sample of s.values) {
      if (!isSample(sample)) throw new StackfitError(`unexpected sample ${JSON.stringify(sample)} for ${joinLabel}="${label}"`, endpoint);
      const [ts, value] = sample;
      const x = Number(value);
      // NaN/Inf are Prometheus's way of saying "no meaningful value": a gap, not a zero.
      if (!Number.isFinite(x)) continue;
      t.push(Math.round(ts * 1000));
      v.push(x);
    }
    const list = into.get(id) ?? [];
    list.push({ t, v });
    into.set(id, list);
  }
}

/** Per workload: its series, or why it is missing (a failed read is marked `failed`: the run stops). */
function assembleSeries(r: {
  byId: ReadonlyMap<string, Workload[]>;
  cpu: ReadonlyMap<string, Series[]>;
  memory: ReadonlyMap<string, Series[]>;
  failed: ReadonlyMap<string, string>;
  memoryFailed: ReadonlySet<string>;
  missing: UsageResult['missing'];
  name: string;
  joinLabel: string;
}): Map<string, UsageSeries> {
  const series = new Map<string, UsageSeries>();
  for (const [id, ws] of r.byId) {
    const failure = r.failed.get(id);
    const cpuSeries = merge(r.cpu.get(id));
    const memSeries = merge(r.memory.get(id));
    for (const w of ws) {
      if (failure) r.missing.push({ urn: w.urn, reason: failure, failed: true });
      else if (!cpuSeries || cpuSeries.t.length === 0) {
        r.missing.push({ urn: w.urn, reason: `${r.name}: no CPU data for ${r.joinLabel}="${id}" in the range` });
      } else {
        const entry: UsageSeries = { urn: w.urn, cpuCores: cpuSeries, source: r.name };
        if (memSeries && memSeries.t.length > 0) entry.memoryGiB = memSeries;
        if (r.memoryFailed.has(id)) entry.partial = true;
        series.set(w.urn, entry);
      }
    }
  }
  return series;
}

/** Concatenates chunk results (and several series of one id, e.g. two scrape jobs: max wins). */
function merge(parts: Series[] | undefined): Series | undefined {
  if (!parts || parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return normalizeSeries({ t: parts.flatMap((p) => p.t), v: parts.flatMap((p) => p.v) });
}

declare module '../contract' {
  interface UsageSourceOverrides {
    prometheus?: Partial<PrometheusSourceOptions>;
  }
}

/** `prometheus://host:port` or `prometheus+https://host[:port][/path]`; token from STACKFIT_PROMETHEUS_TOKEN. */
export const prometheusSource = defineUsageSource({
  name: 'prometheus',
  key: 'prometheus',
  forms: ['prometheus://host:port', 'prometheus+https://…'],
  api: true,
  options: prometheusOptionsSchema,
  select: (spec) =>
    /^prometheus(\+https?)?:\/\//.test(spec)
      ? ({ options: p, overrides, env, onProgress }) => {
          const token = env.STACKFIT_PROMETHEUS_TOKEN;
          return prometheusUsageSource(prometheusBaseUrl(spec), {
            ...(p.joinLabel ? { joinLabel: p.joinLabel } : {}),
            ...(p.joinOn ? { joinOn: p.joinOn } : {}),
            ...(p.cpuQuery ? { cpuQuery: p.cpuQuery } : {}),
            ...(p.memoryQuery ? { memoryQuery: p.memoryQuery } : {}),
            ...(token ? { bearerToken: token } : {}),
            ...overrides.prometheus,
            onProgress,
          });
        }
      : undefined,
});
