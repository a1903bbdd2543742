/**
 * `projects.timeSeries.list` over REST/JSON with node's fetch, authorized by google-auth-library
 * (Application Default Credentials, or the client given), under stackfit's one retry policy
 * (src/retry.ts), read straight from the JSON.
 *
 * Why not `@google-cloud/monitoring`: its REST fallback turns every point of the JSON answer
 * into protobuf.js message objects and back (41 CPU µs a point, measured at load 25: some 11
 * CPU minutes for 1,000 instances × 32 days at 5 minutes). Here a page is one `JSON.parse` and a
 * loop over its points into two number arrays per instance.
 *
 * The wire format is the one the SDK's fallback uses (`$alt=json;enum-encoding=int`: enums as
 * integers), see https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list,
 * plus the system parameter `$prettyPrint=false` (https://cloud.google.com/apis/docs/system-parameters).
 * With `view=FULL`, `pageSize` counts POINTS (at most 100,000) and a series may continue on the
 * next page: parts are merged per instance.
 */
import { createRequire } from 'node:module';
import { StackfitError } from '../../model';
import { RETRYABLE_STATUSES, retryAfterMs, withRetry, type RetryHint, type RetryPolicy, type Sleep } from '../../retry';
import type { Series } from '../../model';
import { normalizeSeries } from '../index';
import { scanPage } from './scan';
import { listPageHeaderSchema, timeSeriesHeaderSchema } from './schema';

/** google.monitoring.v3.Aggregation.Aligner values, and TimeSeriesView FULL. */
export const ALIGNER_ENUM = { ALIGN_MEAN: 12, ALIGN_MAX: 11 } as const;
const VIEW_FULL = 0;

/** The part of a google-auth-library client used here (`AuthClient#getRequestHeaders`: the bearer token, refreshed when due). */
export interface AuthHeadersClient {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
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

/** How a page is fetched: stackfit's one retry policy (src/retry.ts), a bound on each attempt, and the fetch and sleep to use. */
export interface PageTransport {
  retry: RetryPolicy;
  /** Bound on one attempt (request and body). */
  timeoutMs: number;
  fetch?: typeof fetch;
  sleep?: Sleep;
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
export async function defaultAuthClient(): Promise<AuthHeadersClient> {
  const { GoogleAuth } = requireLazily('google-auth-library') as typeof import('google-auth-library');
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/monitoring.read'] });
  return await auth.getClient();
}

const rfc3339 = (seconds: number): string => new Date(seconds * 1000).toISOString();

function pageUrl(base: string, req: ListRequest, pageToken: string | undefined): string {
  const params = new URLSearchParams({
    $alt: 'json;enum-encoding=int',
    // The API pretty-prints JSON unless told not to (a system parameter): a third of the bytes.
    $prettyPrint: 'false',
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

/** The API's JSON error (`{ error: { code, status, message } }`) as a GcpApiError. */
function apiError(status: number, text: string): GcpApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new GcpApiError(status, '', text.slice(0, 200));
  }
  const error = (body as { error?: { status?: unknown; message?: unknown } } | null)?.error;
  return new GcpApiError(
    status,
    typeof error?.status === 'string' ? error.status : '',
    typeof error?.message === 'string' ? error.message : JSON.stringify(body).slice(0, 200),
  );
}

/** An answer that is not 2xx, kept for the retry decision (its status, Retry-After) and the final message. */
class StatusAnswer extends Error implements RetryHint {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

/** `fetch failed (ECONNRESET: socket hang up)`: node's fetch hides the socket error in `cause`. */
function transportMessage(err: unknown): string {
  const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const cause = e?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  const detail = typeof cause?.message === 'string' ? cause.message : '';
  return code || detail ? `${message} (${[code, detail].filter(Boolean).join(': ')})` : message;
}

/**
 * One page's body, under stackfit's retry policy (src/retry.ts): the statuses in
 * RETRYABLE_STATUSES (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 500, …) after the server's
 * Retry-After or the capped back-off; dropped connections (ECONNRESET, also mid-body) and
 * timed-out attempts after the back-off. Any other status is final at once.
 */
async function fetchPage(auth: AuthHeadersClient, url: string, transport: PageTransport, onRequest: () => void): Promise<string> {
  const headers = new Headers(await auth.getRequestHeaders(url));
  headers.set('accept', 'application/json');
  const doFetch = transport.fetch ?? fetch;
  const attempt = async (): Promise<string> => {
    onRequest();
    const response = await doFetch(url, { headers, signal: AbortSignal.timeout(transport.timeoutMs) });
    // The body is read inside the attempt: a connection dropped mid-page is retried like one dropped before it.
    const body = await response.text();
    if (response.ok) return body;
    throw new StatusAnswer(response.status, body, retryAfterMs(response.headers.get('retry-after')));
  };
  try {
    return await withRetry(
      attempt,
      transport.retry,
      (err) => !(err instanceof StatusAnswer) || RETRYABLE_STATUSES.has(err.status),
      transport.sleep,
    );
  } catch (err) {
    if (err instanceof StatusAnswer) throw apiError(err.status, err.body);
    if ((err as { name?: unknown } | null)?.name === 'TimeoutError') throw new StackfitError(`no answer within ${transport.timeoutMs} ms`);
    throw new StackfitError(`request failed: ${transportMessage(err)}`);
  }
}

/** Per instance id, its points' end times (ms) and values, in the order listed (newest first). */
export type PointsByInstance = Map<string, { t: number[]; v: number[] }>;

/**
 * RFC 3339 end time → ms, remembered: the series of one listing share their timestamps (one
 * per alignment period), so each distinct string is parsed once rather than once per point.
 */
export class EndTimes {
  private readonly ms = new Map<string, number>();
  parse(text: string): number {
    let t = this.ms.get(text);
    if (t === undefined) {
      t = Date.parse(text);
      // Bounded: a listing has one time per period; anything beyond is parsed without being kept.
      if (this.ms.size < 1_000_000) this.ms.set(text, t);
    }
    return t;
  }
}

/** Reads one page's series into `into`: headers checked with zod, points with a plain loop (no object per point). */
export function readPage(page: unknown, into: PointsByInstance, where: string, endTimes = new EndTimes()): string | undefined {
  const header = listPageHeaderSchema.safeParse(page);
  if (!header.success) throw new StackfitError(`unexpected timeSeries.list page: ${header.error.issues[0]?.message ?? ''}`, where);
  for (const raw of header.data.timeSeries ?? []) {
    const ts = timeSeriesHeaderSchema.safeParse(raw);
    if (!ts.success) throw new StackfitError(`unexpected time series: ${ts.error.issues[0]?.message ?? ''}`, where);
    const id = ts.data.resource.labels.instance_id;
    if (!id) continue;
    let acc = into.get(id);
    if (!acc) into.set(id, (acc = { t: [], v: [] }));
    readPoints(ts.data.points, acc, endTimes, () => `instance ${id}`, where);
  }
  return header.data.nextPageToken || undefined;
}

type RawPoint = { interval?: { endTime?: unknown }; value?: { doubleValue?: unknown; int64Value?: unknown } } | null;

function readPoints(points: unknown[], acc: { t: number[]; v: number[] }, endTimes: EndTimes, what: () => string, where: string): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as RawPoint;
    const end = p?.interval?.endTime;
    const t = typeof end === 'string' ? endTimes.parse(end) : NaN;
    if (!Number.isFinite(t)) throw new StackfitError(`point ${i} of ${what()}: no valid interval.endTime`, where);
    const value = p?.value;
    const x = typeof value?.doubleValue === 'number' ? value.doubleValue : value?.int64Value !== undefined ? Number(value.int64Value) : NaN;
    // A point without a finite value is a gap, never a zero.
    if (!Number.isFinite(x)) continue;
    acc.t.push(t);
    acc.v.push(x);
  }
}

/**
 * One page's JSON text into `into`; returns the next page token. Read by the single-pass scanner
 * (scan.ts); what it does not recognise goes through JSON.parse and readPage, which say what is
 * wrong (a body that is not JSON, a header of the wrong type, a point without an end time).
 */
export function readPageText(text: string, into: PointsByInstance, where: string, endTimes = new EndTimes()): string | undefined {
  const scanned = scanPage(text);
  if (scanned) {
    for (const part of scanned.series) {
      const id = part.instanceId;
      if (!id) continue;
      let acc = into.get(id);
      if (!acc) into.set(id, (acc = { t: [], v: [] }));
      for (let i = 0; i < part.t.length; i++) {
        const t = endTimes.parse(part.t[i]!);
        if (!Number.isFinite(t)) throw new StackfitError(`point ${i} of instance ${id}: no valid interval.endTime`, where);
        const x = part.v[i]!;
        // A point without a finite value is a gap, never a zero.
        if (!Number.isFinite(x)) continue;
        acc.t.push(t);
        acc.v.push(x);
      }
    }
    return scanned.nextPageToken || undefined;
  }
  let page: unknown;
  try {
    page = JSON.parse(text);
  } catch {
    throw new StackfitError(`timeSeries.list page is not JSON: ${text.slice(0, 200)}`, where);
  }
  return readPage(page, into, where, endTimes);
}

/** Every page of one listing, merged per instance into series sorted by time. */
export async function listTimeSeries(
  auth: AuthHeadersClient,
  base: string,
  req: ListRequest,
  transport: PageTransport,
  onRequest: () => void,
): Promise<Map<string, Series>> {
  const byInstance: PointsByInstance = new Map();
  const endTimes = new EndTimes();
  const where = `projects/${req.project}/timeSeries`;
  let pageToken: string | undefined;
  do {
    const url = pageUrl(base, req, pageToken);
    pageToken = readPageText(await fetchPage(auth, url, transport, onRequest), byInstance, where, endTimes);
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
