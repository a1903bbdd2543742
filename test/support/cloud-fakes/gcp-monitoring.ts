/**
 * A loopback Cloud Monitoring answering `GET /v3/projects/{p}/timeSeries` as the REST fallback
 * of `@google-cloud/monitoring` calls it (`$alt=json;enum-encoding=int`, dotted query params,
 * enums as integers), in the real response format (points newest first, RFC 3339 times,
 * `metricKind`/`valueType` as integers), paging by `pageSize` POINTS (view FULL: at most
 * 100,000) with `nextPageToken`, a series split across pages where a page ends.
 * Query parameters, the filter and the bearer token are checked; 429 RESOURCE_EXHAUSTED (with
 * Retry-After if asked), 503 UNAVAILABLE, 500 INTERNAL, 403 PERMISSION_DENIED and connection
 * resets can be injected. JSON is pretty-printed unless `$prettyPrint=false`, as the API does.
 */
import type { Series } from '../../../src/model';
import { aggregate, sendJson, startServer, type RunningFake } from './common';

/** google.monitoring.v3.Aggregation.Aligner values. */
const ALIGNERS: Record<string, 'mean' | 'max'> = { '12': 'mean', '11': 'max' };

export interface FakeGcpMonitoringOptions {
  /** Raw series per `<project>|<metric type>|<instance id>`. */
  metrics: Map<string, Series>;
  token: string;
  /** Points per page when the request sets no pageSize (default and cap: 100,000, as the API). */
  defaultPageSize?: number;
  throttleFirst?: number;
  /** Sent as `Retry-After` (seconds) with each throttled answer. */
  retryAfterSeconds?: number;
  /** These request numbers (1-based, counting every HTTP request) are answered 503 UNAVAILABLE. */
  unavailableRequests?: number[];
  forbiddenProject?: string;
  /** These request numbers (1-based, counting every HTTP request) get their connection reset mid-request (ECONNRESET). */
  resetRequests?: number[];
  /** Every request for this metric type fails with HTTP 500 INTERNAL (e.g. the memory metric). */
  failMetric?: string;
  /**
   * Managed instance groups: group name → its instances' ids, for filters selecting VMs by
   * `metadata.system_labels.instance_group = "<name>"` (the system label Compute Engine sets).
   */
  instanceGroups?: Map<string, string[]>;
}

export interface FakeGcpMonitoring extends RunningFake {
  port: number;
  requests: { project: string; params: Record<string, string> }[];
  /** Per page served: each series part's instance and point count (a series split over pages shows up twice). */
  pages: { instanceId: string | undefined; points: number }[][];
  httpRequests: number;
  protocolErrors: string[];
}

export const gcpMetricKey = (project: string, metric: string, instanceId: string): string => `${project}|${metric}|${instanceId}`;

const FILTER =
  /^metric\.type = "([^"]+)"( AND metric\.labels\.state = "used")? AND resource\.type = "gce_instance" AND resource\.labels\.instance_id = one_of\(((?:"\d+"(?:, )?)+)\)$/;

/** The same, selecting a managed instance group's VMs by their system metadata label. */
const GROUP_FILTER =
  /^metric\.type = "([^"]+)"( AND metric\.labels\.state = "used")? AND resource\.type = "gce_instance" AND metadata\.system_labels\.instance_group = "([^"]+)"$/;

/** Cloud Monitoring's largest page (and its default): 100,000 points with view FULL. */
export const MAX_POINTS_PER_PAGE = 100_000;

/** A series of a listing: its headers, and its points newest first as end times (RFC 3339) and values. */
interface FakeSeries {
  metric: { type: string; labels: Record<string, string> };
  resource: { type: string; labels: Record<string, string> };
  metricKind: number;
  valueType: number;
  times: string[];
  values: number[];
  unit: string;
}

const rfc3339Cache = new Map<number, string>();
const rfc3339 = (ms: number): string => {
  let text = rfc3339Cache.get(ms);
  if (text === undefined) rfc3339Cache.set(ms, (text = new Date(ms).toISOString().replace('.000Z', 'Z')));
  return text;
};

/** The JSON of points [from, to) of a series, exactly as JSON.stringify writes the point objects (a gauge: startTime = endTime). */
function pointsJson(s: FakeSeries, from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) {
    const t = s.times[i]!;
    parts.push(`{"interval":{"startTime":"${t}","endTime":"${t}"},"value":{"doubleValue":${JSON.stringify(s.values[i])}}}`);
  }
  return `[${parts.join(',')}]`;
}

/** One page's body: compact JSON built part by part (the bench serves ~2 GB), or pretty-printed like the API's default. */
function pageBody(parts: { s: FakeSeries; from: number; to: number }[], nextPageToken: string | undefined, pretty: boolean): string {
  const unit = parts[0]?.s.unit ?? '';
  if (pretty) {
    const timeSeries = parts.map(({ s, from, to }) => ({
      metric: s.metric,
      resource: s.resource,
      metricKind: s.metricKind,
      valueType: s.valueType,
      points: JSON.parse(pointsJson(s, from, to)) as unknown,
      unit: s.unit,
    }));
    return JSON.stringify({ ...(parts.length > 0 ? { timeSeries } : {}), ...(nextPageToken ? { nextPageToken } : {}), unit }, null, 2);
  }
  const series = parts.map(
    ({ s, from, to }) =>
      `{"metric":${JSON.stringify(s.metric)},"resource":${JSON.stringify(s.resource)},"metricKind":${s.metricKind},"valueType":${s.valueType},"points":${pointsJson(s, from, to)},"unit":${JSON.stringify(s.unit)}}`,
  );
  return `{${parts.length > 0 ? `"timeSeries":[${series.join(',')}],` : ''}${nextPageToken ? `"nextPageToken":${JSON.stringify(nextPageToken)},` : ''}"unit":${JSON.stringify(unit)}}`;
}

export async function startFakeGcpMonitoring(opts: FakeGcpMonitoringOptions): Promise<FakeGcpMonitoring> {
  const listings = new Map<string, FakeSeries[]>();
  const fake = {
    requests: [] as FakeGcpMonitoring['requests'],
    pages: [] as FakeGcpMonitoring['pages'],
    httpRequests: 0,
    protocolErrors: [] as string[],
  };
  const running = await startServer((req, _body, res) => {
    fake.httpRequests++;
    if (opts.resetRequests?.includes(fake.httpRequests)) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fail = (status: number, grpcStatus: string, message: string, protocol = true): void => {
      if (protocol) fake.protocolErrors.push(`${grpcStatus}: ${message}`);
      sendJson(res, status, { error: { code: status, message, status: grpcStatus } });
    };
    const path = /^\/v3\/projects\/([a-z][-a-z0-9]{4,28}[a-z0-9])\/timeSeries$/.exec(url.pathname);
    if (req.method !== 'GET' || !path) return fail(404, 'NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
    if (req.headers.authorization !== `Bearer ${opts.token}`) return fail(401, 'UNAUTHENTICATED', 'missing or wrong bearer token');
    const params = Object.fromEntries(url.searchParams);
    if (params.$alt !== 'json;enum-encoding=int') return fail(400, 'INVALID_ARGUMENT', `$alt ${params.$alt}`);
    const byGroup = GROUP_FILTER.exec(params.filter ?? '');
    const filter = FILTER.exec(params.filter ?? '') ?? byGroup;
    if (!filter) return fail(400, 'INVALID_ARGUMENT', `filter not understood: ${params.filter}`);
    const metric = filter[1]!;
    if (metric === 'agent.googleapis.com/memory/percent_used' && !filter[2])
      return fail(400, 'INVALID_ARGUMENT', 'memory filter without state');
    const ids = byGroup ? (opts.instanceGroups?.get(byGroup[3]!) ?? []) : [...filter[3]!.matchAll(/"(\d+)"/g)].map((m) => m[1]!);
    const startMs = Date.parse(params['interval.startTime'] ?? '');
    const endMs = Date.parse(params['interval.endTime'] ?? '');
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) return fail(400, 'INVALID_ARGUMENT', 'interval');
    const period = /^(\d+)s$/.exec(params['aggregation.alignmentPeriod'] ?? '');
    const how = ALIGNERS[params['aggregation.perSeriesAligner'] ?? ''];
    if (!period || Number(period[1]) < 60 || !how) return fail(400, 'INVALID_ARGUMENT', 'aggregation');
    if (params.view !== '0') return fail(400, 'INVALID_ARGUMENT', `view ${params.view}`);
    if (fake.httpRequests <= (opts.throttleFirst ?? 0)) {
      const message = "Quota exceeded for quota metric 'Time series queries'";
      const retryAfter: Record<string, string> =
        opts.retryAfterSeconds !== undefined ? { 'retry-after': String(opts.retryAfterSeconds) } : {};
      return sendJson(res, 429, { error: { code: 429, message, status: 'RESOURCE_EXHAUSTED' } }, retryAfter);
    }
    if (opts.unavailableRequests?.includes(fake.httpRequests))
      return fail(503, 'UNAVAILABLE', 'The service is currently unavailable.', false);
    const project = path[1]!;
    fake.requests.push({ project, params });
    if (metric === opts.failMetric) return fail(500, 'INTERNAL', 'Internal error encountered.', false);
    if (project === opts.forbiddenProject)
      return fail(403, 'PERMISSION_DENIED', `Permission monitoring.timeSeries.list denied (or the resource may not exist).`, false);
    const seconds = Number(period[1]);
    // The pages of one listing share its series: computed once, not once per page.
    const listing = JSON.stringify({ ...params, pageToken: undefined, pageSize: undefined, project });
    const all: FakeSeries[] =
      listings.get(listing) ??
      ids
        .map((id) => ({ id, raw: opts.metrics.get(gcpMetricKey(project, metric, id)) }))
        .filter((x): x is { id: string; raw: Series } => x.raw !== undefined)
        .map(({ id, raw }): FakeSeries => {
          const agg = aggregate(raw, startMs, endMs, seconds, how);
          return {
            metric: {
              type: metric,
              labels: seriesLabels(metric, id),
            },
            resource: { type: 'gce_instance', labels: { project_id: project, instance_id: id, zone: 'europe-west4-a' } },
            metricKind: 1,
            valueType: 3,
            // Newest first, each stamped with the END of its alignment period.
            times: agg.t.map((t) => rfc3339(t + seconds * 1000)).reverse(),
            values: [...agg.v].reverse(),
            unit: metric.startsWith('agent.') ? '%' : '10^2.%',
          };
        })
        .filter((s) => s.times.length > 0);
    listings.set(listing, all);
    if (listings.size > 4) listings.delete(listings.keys().next().value!);
    // With view FULL, pageSize counts POINTS (empty or over 100,000: 100,000), so a page ends
    // wherever its points run out: one series may be split over two or more pages, each part
    // repeating the series' headers.
    const requested = Number(params.pageSize ?? opts.defaultPageSize ?? MAX_POINTS_PER_PAGE);
    const pageSize = requested > 0 && requested <= MAX_POINTS_PER_PAGE ? requested : MAX_POINTS_PER_PAGE;
    const offset = params.pageToken ? Number(Buffer.from(params.pageToken, 'base64').toString()) : 0;
    const page: { s: FakeSeries; from: number; to: number }[] = [];
    let seen = 0;
    for (const s of all) {
      const from = Math.max(offset, seen);
      const to = Math.min(offset + pageSize, seen + s.times.length);
      if (from < to) page.push({ s, from: from - seen, to: to - seen });
      seen += s.times.length;
    }
    const more = offset + pageSize < seen;
    fake.pages.push(page.map(({ s, from, to }) => ({ instanceId: s.resource.labels.instance_id, points: to - from })));
    const nextPageToken = more ? Buffer.from(String(offset + pageSize)).toString('base64') : undefined;
    const text = pageBody(page, nextPageToken, params.$prettyPrint !== 'false');
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  const port = Number(new URL(running.url).port);
  return Object.assign(fake, running, { port });
}

/** The metric labels Cloud Monitoring puts on a series: the Ops Agent's `state`, or the instance name. */
function seriesLabels(metric: string, id: string): Record<string, string> {
  return metric.startsWith('agent.') ? { state: 'used' } : { instance_name: `vm-${id}` };
}
