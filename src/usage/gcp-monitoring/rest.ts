/**
 * `projects.timeSeries.list` over REST/JSON, through google-auth-library's authenticated client
 * (Application Default Credentials, or the client given), read straight from the JSON.
 *
 * Why not `@google-cloud/monitoring`: its REST fallback turns every point of the JSON answer
 * into protobuf.js message objects and back (41 CPU µs a point, measured at load 25: some 11
 * CPU minutes for 1,000 instances × 32 days at 5 minutes). Here a page is one `JSON.parse` and a
 * loop over its points into two number arrays per instance.
 *
 * The wire format is the one the SDK's fallback uses (`$alt=json;enum-encoding=int`: enums as
 * integers), see https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list.
 * With `view=FULL`, `pageSize` counts POINTS (at most 100,000) and a series may continue on the
 * next page: parts are merged per instance.
 */
import { createRequire } from 'node:module';
import { StackfitError } from '../../model';
import type { Series } from '../../model';
import { normalizeSeries } from '../index';
import { listPageHeaderSchema, timeSeriesHeaderSchema } from './schema';

/** google.monitoring.v3.Aggregation.Aligner values, and TimeSeriesView FULL. */
export const ALIGNER_ENUM = { ALIGN_MEAN: 12, ALIGN_MAX: 11 } as const;
const VIEW_FULL = 0;

/** The part of a google-auth-library client used here (`AuthClient.request`, gaxios underneath). */
export interface RequestingClient {
  request<T = unknown>(opts: {
    url: string;
    method?: 'GET';
    responseType?: 'json' | 'text';
    timeout?: number;
    retry?: boolean;
    validateStatus?: (status: number) => boolean;
    signal?: AbortSignal;
  }): Promise<{ status: number; data: T; headers?: unknown }>;
}

export interface ListRequest {
  project: string;
  filter: string;
  startSeconds: number;
  endSeconds: number;
  alignmentSeconds: number;
  aligner: keyof typeof ALIGNER_ENUM;
  pageSize?: number;
}

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Bound on one page: its attempts and waits. */
  timeoutMs: number;
  /** Attempts on a dropped connection (ECONNRESET …) per page. */
  transportAttempts: number;
}

/** A failed call with the API's status: `HTTP 403 PERMISSION_DENIED: …`. */
export class GcpApiError extends StackfitError {
  constructor(
    readonly httpStatus: number,
    readonly apiStatus: string,
    message: string,
  ) {
    super(`HTTP ${httpStatus}${apiStatus ? ` ${apiStatus}` : ''}: ${message}`);
  }
}

const requireLazily = createRequire(__filename);

/** The default client: Application Default Credentials with the read-only Monitoring scope. */
export async function defaultAuthClient(): Promise<RequestingClient> {
  const { GoogleAuth } = requireLazily('google-auth-library') as typeof import('google-auth-library');
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/monitoring.read'] });
  return await auth.getClient();
}

const rfc3339 = (seconds: number): string => new Date(seconds * 1000).toISOString();

function pageUrl(base: string, req: ListRequest, pageToken: string | undefined): string {
  const params = new URLSearchParams({
    $alt: 'json;enum-encoding=int',
    filter: req.filter,
    'interval.startTime': rfc3339(req.startSeconds),
    'interval.endTime': rfc3339(req.endSeconds),
    'aggregation.alignmentPeriod': `${req.alignmentSeconds}s`,
    'aggregation.perSeriesAligner': String(ALIGNER_ENUM[req.aligner]),
    view: String(VIEW_FULL),
  });
  if (req.pageSize) params.set('pageSize', String(req.pageSize));
  if (pageToken) params.set('pageToken', pageToken);
  return `${base}/v3/projects/${encodeURIComponent(req.project)}/timeSeries?${params.toString()}`;
}

/** A request aborted by its timeout (gaxios: AbortError / "The operation was aborted."). */
function isAbort(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  return (
    e?.name === 'AbortError' ||
    e?.name === 'TimeoutError' ||
    e?.code === 'ABORT_ERR' ||
    /operation was aborted/i.test(typeof e?.message === 'string' ? e.message : '')
  );
}

/** A dropped connection: retried (a reset must not lose a batch). */
function isTransportError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const text = (x: unknown): string => (typeof x === 'string' || typeof x === 'number' ? String(x) : '');
  const code = text(e?.code) || text(e?.cause?.code) || text(e?.errno);
  const message = `${text(e?.message)} ${text(e?.cause?.message)}`;
  return (
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_SOCKET)$/.test(code) ||
    /ECONNRESET|socket hang up|other side closed|fetch failed/i.test(message)
  );
}

/** The API's JSON error (`{ error: { code, status, message } }`) as a GcpApiError. */
function apiError(status: number, data: unknown): GcpApiError {
  let body = data;
  if (typeof data === 'string') {
    try {
      body = JSON.parse(data);
    } catch {
      return new GcpApiError(status, '', data.slice(0, 200));
    }
  }
  const error = (body as { error?: { status?: unknown; message?: unknown } } | null)?.error;
  return new GcpApiError(
    status,
    typeof error?.status === 'string' ? error.status : '',
    typeof error?.message === 'string' ? error.message : JSON.stringify(body).slice(0, 200),
  );
}

/** 429 RESOURCE_EXHAUSTED and 503 UNAVAILABLE are retried, as the SDK's retry codes do. */
const RETRIED_STATUS = new Set([429, 503]);

/** One page, retried on throttling / unavailability (capped exponential backoff) and on dropped connections, within the page's time bound. */
async function fetchPage(client: RequestingClient, url: string, retry: RetryPolicy, onRequest: () => void): Promise<unknown> {
  const deadline = Date.now() + retry.timeoutMs;
  let delay = retry.initialDelayMs;
  let transportFailures = 0;
  /** The last retried answer: what to report when the time bound ends the retries. */
  let lastError: GcpApiError | undefined;
  for (;;) {
    onRequest();
    let response: { status: number; data: unknown };
    try {
      response = await client.request({
        url,
        method: 'GET',
        responseType: 'json',
        retry: false,
        timeout: Math.max(1, deadline - Date.now()),
        validateStatus: () => true,
      });
    } catch (err) {
      // The page's time bound aborted the request: say so, or what the retries were about.
      if (isAbort(err)) throw lastError ?? new StackfitError(`no answer within ${retry.timeoutMs} ms`);
      if (!isTransportError(err) || ++transportFailures >= retry.transportAttempts || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(retry.maxDelayMs, delay * 2);
      continue;
    }
    if (response.status >= 200 && response.status < 300) return response.data;
    const error = apiError(response.status, response.data);
    if (!RETRIED_STATUS.has(response.status) || Date.now() + delay > deadline) throw error;
    lastError = error;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(retry.maxDelayMs, delay * 2);
  }
}

/** Per instance id, its points' end times (ms) and values, in the order listed (newest first). */
export type PointsByInstance = Map<string, { t: number[]; v: number[] }>;

/** Reads one page's series into `into`: headers checked with zod, points with a plain loop (no object per point). */
export function readPage(page: unknown, into: PointsByInstance, where: string): string | undefined {
  const header = listPageHeaderSchema.safeParse(page);
  if (!header.success) throw new StackfitError(`unexpected timeSeries.list page: ${header.error.issues[0]?.message ?? ''}`, where);
  for (const raw of header.data.timeSeries ?? []) {
    const ts = timeSeriesHeaderSchema.safeParse(raw);
    if (!ts.success) throw new StackfitError(`unexpected time series: ${ts.error.issues[0]?.message ?? ''}`, where);
    const id = ts.data.resource.labels.instance_id;
    if (!id) continue;
    let acc = into.get(id);
    if (!acc) into.set(id, (acc = { t: [], v: [] }));
    const points = ts.data.points;
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as { interval?: { endTime?: unknown }; value?: { doubleValue?: unknown; int64Value?: unknown } } | null;
      const end = p?.interval?.endTime;
      const t = typeof end === 'string' ? Date.parse(end) : NaN;
      if (!Number.isFinite(t)) throw new StackfitError(`point ${i} of instance ${id}: no valid interval.endTime`, where);
      const value = p?.value;
      const x =
        typeof value?.doubleValue === 'number' ? value.doubleValue : value?.int64Value !== undefined ? Number(value.int64Value) : NaN;
      // A point without a finite value is a gap, never a zero.
      if (!Number.isFinite(x)) continue;
      acc.t.push(t);
      acc.v.push(x);
    }
  }
  return header.data.nextPageToken || undefined;
}

/** Every page of one listing, merged per instance into series sorted by time. */
export async function listTimeSeries(
  client: RequestingClient,
  base: string,
  req: ListRequest,
  retry: RetryPolicy,
  onRequest: () => void,
): Promise<Map<string, Series>> {
  const byInstance: PointsByInstance = new Map();
  let pageToken: string | undefined;
  do {
    const url = pageUrl(base, req, pageToken);
    const page = await fetchPage(client, url, retry, onRequest);
    pageToken = readPage(page, byInstance, `projects/${req.project}/timeSeries`);
  } while (pageToken);
  const out = new Map<string, Series>();
  for (const [id, s] of byInstance) out.set(id, ascending(s));
  return out;
}

/**
 * Points come newest first (also across the pages of a split series): reversed when strictly
 * descending; anything else (overlaps, two series for one instance) is sorted by normalizeSeries,
 * which keeps the larger value of a duplicate time.
 */
function ascending(s: { t: number[]; v: number[] }): Series {
  let descending = true;
  for (let i = 1; i < s.t.length && descending; i++) if (!(s.t[i]! < s.t[i - 1]!)) descending = false;
  return descending ? { t: s.t.reverse(), v: s.v.reverse() } : normalizeSeries(s);
}
