/**
 * A loopback CloudWatch speaking the JSON (awsJson1_0) protocol the current SDK uses:
 * `POST /`, `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, SigV4-signed, dates as
 * epoch seconds. Request bodies are checked field by field (a wrong request is a 400
 * ValidationError and recorded in `protocolErrors`); results page with NextToken once the
 * datapoints exceed `maxDatapointsPerPage` (CloudWatch's default page is 100,800).
 */
import { z } from 'zod';
import type { Series } from '../../../src/model';
import { aggregate, sendJson, startServer, type RunningFake } from './common';

const dimension = z.object({ Name: z.string().min(1), Value: z.string().min(1) }).strict();
const query = z
  .object({
    Id: z.string().regex(/^[a-z][a-zA-Z0-9_]*$/),
    MetricStat: z
      .object({
        Metric: z.object({ Namespace: z.string().min(1), MetricName: z.string().min(1), Dimensions: z.array(dimension).max(30) }).strict(),
        Period: z
          .number()
          .int()
          .positive()
          .refine((p) => p % 60 === 0 || [1, 5, 10, 20, 30].includes(p), 'Period must be a multiple of 60'),
        Stat: z.enum(['Average', 'Maximum', 'Minimum', 'Sum', 'SampleCount']),
      })
      .strict(),
    ReturnData: z.boolean().optional(),
  })
  .strict();
const requestSchema = z
  .object({
    MetricDataQueries: z.array(query).min(1).max(500),
    StartTime: z.number(),
    EndTime: z.number(),
    ScanBy: z.enum(['TimestampAscending', 'TimestampDescending']).optional(),
    NextToken: z.string().optional(),
    MaxDatapoints: z.number().int().positive().optional(),
  })
  .strict();

export type GetMetricDataRequest = z.infer<typeof requestSchema>;

export interface FakeCloudWatchOptions {
  /** Raw 1-sample-per-slot data, keyed by `metricKey(namespace, metric, dimension, value)`. */
  metrics: Map<string, Series>;
  maxDatapointsPerPage?: number;
  /** The first N requests are throttled (HTTP 400 `Throttling`, as CloudWatch answers). */
  throttleFirst?: number;
  /** Requests naming this dimension value fail with HTTP 500 InternalFailure. */
  failDimensionValue?: string;
  /**
   * Per-query errors inside a 200 answer, as GetMetricData reports them: the matching queries'
   * MetricDataResult has no datapoints, `StatusCode` `Forbidden` / `InternalError` and a
   * `Messages` entry (`Code`, `Value`); the other queries are answered as usual.
   */
  queryErrors?: { metricName: string; dimensionValue?: string; statusCode: 'Forbidden' | 'InternalError'; message: string }[];
  /**
   * The fake's clock (ms) for CloudWatch's retention: datapoints older than 15 days exist only
   * for periods that are a multiple of 300 s, older than 63 days of 3,600 s; other periods get
   * no datapoints there (CloudWatch answers Complete with nothing). Default: now.
   */
  now?: number;
}

export interface FakeCloudWatch extends RunningFake {
  requests: { body: GetMetricDataRequest; signingRegion: string | undefined }[];
  /** Every HTTP request, throttled ones included. */
  httpRequests: number;
  protocolErrors: string[];
}

export const metricKey = (namespace: string, metric: string, dim: string, value: string): string =>
  `${namespace}|${metric}|${dim}=${value}`;

export async function startFakeCloudWatch(opts: FakeCloudWatchOptions): Promise<FakeCloudWatch> {
  const pageSize = opts.maxDatapointsPerPage ?? 100_800;
  const fake = { requests: [] as FakeCloudWatch['requests'], httpRequests: 0, protocolErrors: [] as string[] };
  const running = await startServer((req, raw, res) => {
    fake.httpRequests++;
    const reject = (message: string): void => {
      fake.protocolErrors.push(message);
      sendJson(
        res,
        400,
        { __type: 'com.amazon.coral.validate#ValidationException', message },
        { 'x-amzn-query-error': 'ValidationError;Sender' },
      );
    };
    if (req.method !== 'POST' || req.url !== '/') return reject(`unexpected ${req.method} ${req.url}`);
    if (req.headers['x-amz-target'] !== 'GraniteServiceVersion20100801.GetMetricData')
      return reject(`X-Amz-Target ${String(req.headers['x-amz-target'])}`);
    if (req.headers['content-type'] !== 'application/x-amz-json-1.0') return reject(`content-type ${String(req.headers['content-type'])}`);
    const auth = String(req.headers.authorization ?? '');
    const scope =
      /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/monitoring\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(
        auth,
      );
    if (!scope) return reject('request is not SigV4-signed for monitoring');
    const parsed = requestSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return reject(`body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const body = parsed.data;
    if (fake.httpRequests <= (opts.throttleFirst ?? 0)) {
      return sendJson(
        res,
        400,
        { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' },
        { 'x-amzn-query-error': 'Throttling;Sender' },
      );
    }
    fake.requests.push({ body, signingRegion: scope[1] });
    if (
      opts.failDimensionValue &&
      body.MetricDataQueries.some((q) => q.MetricStat.Metric.Dimensions.some((d) => d.Value === opts.failDimensionValue))
    ) {
      return sendJson(
        res,
        500,
        { __type: 'com.amazon.coral.service#InternalFailure', message: 'internal failure' },
        { 'x-amzn-query-error': 'InternalFailure;Receiver' },
      );
    }
    // Flatten every query's datapoints in order, then serve the page the token points at.
    const all: { id: string; t: number; v: number }[] = [];
    const errorOf = (q: GetMetricDataRequest['MetricDataQueries'][number]) =>
      opts.queryErrors?.find(
        (e) =>
          e.metricName === q.MetricStat.Metric.MetricName &&
          (!e.dimensionValue || q.MetricStat.Metric.Dimensions.some((d) => d.Value === e.dimensionValue)),
      );
    for (const q of body.MetricDataQueries) {
      if (errorOf(q)) continue;
      const d = q.MetricStat.Metric.Dimensions[0];
      const series = d
        ? opts.metrics.get(metricKey(q.MetricStat.Metric.Namespace, q.MetricStat.Metric.MetricName, d.Name, d.Value))
        : undefined;
      if (!series) continue;
      const how = q.MetricStat.Stat === 'Maximum' ? 'max' : q.MetricStat.Stat === 'Minimum' ? 'min' : 'mean';
      const agg = aggregate(series, body.StartTime * 1000, body.EndTime * 1000, q.MetricStat.Period, how);
      const now = opts.now ?? Date.now();
      const kept = (tMs: number): boolean => {
        const ageDays = (now - tMs) / 86_400_000;
        return ageDays <= 15 || (ageDays <= 63 ? q.MetricStat.Period % 300 === 0 : q.MetricStat.Period % 3600 === 0);
      };
      const keep = agg.t.map((t) => kept(t));
      agg.v = agg.v.filter((_, i) => keep[i]);
      agg.t = agg.t.filter((_, i) => keep[i]);
      const order = body.ScanBy === 'TimestampAscending' ? agg.t.map((_, i) => i) : agg.t.map((_, i) => agg.t.length - 1 - i);
      for (const i of order) all.push({ id: q.Id, t: agg.t[i]! / 1000, v: agg.v[i]! });
    }
    const offset = body.NextToken ? Number(Buffer.from(body.NextToken, 'base64').toString('utf8')) : 0;
    const page = all.slice(offset, offset + pageSize);
    const more = offset + pageSize < all.length;
    const results = body.MetricDataQueries.map((q) => {
      const error = errorOf(q);
      if (error) {
        return {
          Id: q.Id,
          Label: q.MetricStat.Metric.MetricName,
          Timestamps: [],
          Values: [],
          StatusCode: error.statusCode,
          Messages: [{ Code: error.statusCode, Value: error.message }],
        };
      }
      const mine = page.filter((p) => p.id === q.Id);
      const remaining = more && all.slice(offset + pageSize).some((p) => p.id === q.Id);
      return {
        Id: q.Id,
        Label: q.MetricStat.Metric.MetricName,
        Timestamps: mine.map((p) => p.t),
        Values: mine.map((p) => p.v),
        StatusCode: remaining ? 'PartialData' : 'Complete',
      };
    });
    sendJson(res, 200, {
      MetricDataResults: offset === 0 ? results : results.filter((r) => r.Timestamps.length > 0 || r.StatusCode !== 'Complete'),
      ...(more ? { NextToken: Buffer.from(String(offset + pageSize)).toString('base64') } : {}),
      Messages: [],
    });
  });
  return Object.assign(fake, running);
}
