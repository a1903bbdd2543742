/**
 * A loopback Azure Resource Manager answering `Metrics - List`
 * (`GET /{resourceUri}/providers/Microsoft.Insights/metrics?api-version=2018-01-01&…`) over
 * https (the SDK refuses bearer tokens over http), in the real response format: one entry per
 * requested metric, every interval of the timespan listed, intervals without data carrying no
 * aggregate. Query parameters and the bearer token are checked; 429 + Retry-After and ARM
 * errors can be injected.
 */
import type { Series } from '../../../src/model';
import { aggregate, selfSignedCert, sendJson, startServer, type RunningFake, type SelfSignedCert } from './common';

const INTERVALS: Record<string, number> = {
  PT1M: 60,
  PT5M: 300,
  PT15M: 900,
  PT30M: 1800,
  PT1H: 3600,
  PT6H: 21600,
  PT12H: 43200,
  P1D: 86400,
};
const UNITS: Record<string, string> = { 'Percentage CPU': 'Percent', 'Available Memory Bytes': 'Bytes' };

export interface FakeAzureMonitorOptions {
  /** Raw series per `<resource id>|<metric name>` (resource ids compared case-insensitively, as ARM does). */
  metrics: Map<string, Series>;
  token: string;
  /** The first N requests get 429 with `Retry-After: 0`. */
  throttleFirst?: number;
  /** Requests for this resource id get 403 AuthorizationFailed. */
  forbiddenResourceId?: string;
  /**
   * Scale sets' instances: raw series per `<scale set id>|<metric name>|<VMName>` (see
   * azureInstanceKey), served one series per instance when the request splits by
   * `$filter=VMName eq '*'`, at most `top` of them (default 10, as the API).
   */
  instances?: Map<string, Series>;
  /** Metrics answered inside a 200 with this `errorCode` / `errorMessage` and no data (the API's per-metric error fields). */
  metricErrors?: Map<string, { errorCode: string; errorMessage: string }>;
}

export interface FakeAzureMonitor extends RunningFake {
  cert: SelfSignedCert;
  requests: { path: string; query: Record<string, string> }[];
  httpRequests: number;
  protocolErrors: string[];
}

export const azureMetricKey = (resourceId: string, metric: string): string => `${resourceId.toLowerCase()}|${metric}`;
export const azureInstanceKey = (scaleSetId: string, metric: string, vmName: string): string =>
  `${scaleSetId.toLowerCase()}|${metric}|${vmName}`;

export async function startFakeAzureMonitor(opts: FakeAzureMonitorOptions): Promise<FakeAzureMonitor> {
  const cert = selfSignedCert();
  const fake = { cert, requests: [] as FakeAzureMonitor['requests'], httpRequests: 0, protocolErrors: [] as string[] };
  const running = await startServer((req, _body, res) => {
    fake.httpRequests++;
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const reject = (status: number, code: string, message: string): void => {
      fake.protocolErrors.push(`${code}: ${message}`);
      sendJson(res, status, { error: { code, message } });
    };
    const m =
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/(?:virtualMachines|virtualMachineScaleSets)\/[^/]+)\/providers\/Microsoft\.Insights\/metrics$/i.exec(
        url.pathname,
      );
    if (req.method !== 'GET' || !m) return reject(404, 'InvalidResourceType', `no route for ${req.method} ${url.pathname}`);
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return reject(401, 'InvalidAuthenticationToken', 'missing or wrong bearer token');
    const query = Object.fromEntries(url.searchParams);
    if (query['api-version'] !== '2018-01-01') return reject(400, 'InvalidApiVersionParameter', `api-version ${query['api-version']}`);
    const grain = INTERVALS[query.interval ?? ''];
    if (!grain) return reject(400, 'BadRequest', `interval ${query.interval}`);
    const span = /^(.+)\/(.+)$/.exec(query.timespan ?? '');
    const startMs = span ? Date.parse(span[1]!) : NaN;
    const endMs = span ? Date.parse(span[2]!) : NaN;
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs)
      return reject(400, 'BadRequest', `timespan ${query.timespan}`);
    // A comma-separated list, as Azure takes it: each one's field in every data point.
    const aggregations = (query.aggregation ?? 'Average').split(',');
    const FIELDS: Record<string, { field: string; how: 'mean' | 'max' | 'min' }> = {
      Average: { field: 'average', how: 'mean' },
      Maximum: { field: 'maximum', how: 'max' },
      Minimum: { field: 'minimum', how: 'min' },
    };
    if (aggregations.some((a) => !FIELDS[a])) return reject(400, 'BadRequest', `aggregation ${query.aggregation}`);
    const names = (query.metricnames ?? '').split(',');
    if (names.some((n) => !UNITS[n]))
      return reject(
        400,
        'BadRequest',
        `Failed to find metric configuration for provider: Microsoft.Compute, resource Type: virtualMachines, metric: ${query.metricnames}`,
      );
    // A dimension split: only `VMName eq '*'` on a scale set (a VM's metrics have no VMName dimension).
    const split = query.$filter !== undefined;
    if (split && (query.$filter !== "VMName eq '*'" || !/virtualMachineScaleSets/i.test(url.pathname)))
      return reject(400, 'BadRequest', `Metric: ${query.metricnames} does not support requested dimension combination: ${query.$filter}`);
    const top = query.top !== undefined ? Number(query.top) : 10;
    if (!Number.isInteger(top) || top < 1) return reject(400, 'BadRequest', `top ${query.top}`);
    if (fake.httpRequests <= (opts.throttleFirst ?? 0)) {
      return sendJson(res, 429, { error: { code: 'TooManyRequests', message: 'throttled' } }, { 'retry-after': '0' });
    }
    fake.requests.push({ path: url.pathname, query });
    const resourceId = m[1]!;
    if (opts.forbiddenResourceId && resourceId.toLowerCase() === opts.forbiddenResourceId.toLowerCase()) {
      return sendJson(res, 403, {
        error: {
          code: 'AuthorizationFailed',
          message: `The client does not have authorization to perform action 'microsoft.insights/metrics/read' over scope '${resourceId}'.`,
        },
      });
    }
    const firstBucket = Math.floor(startMs / 1000 / grain) * grain * 1000;
    const value = names.map((metric) => {
      const error = opts.metricErrors?.get(metric);
      if (error) {
        return {
          id: `${resourceId}/providers/Microsoft.Insights/metrics/${metric}`,
          type: 'Microsoft.Insights/metrics',
          name: { value: metric, localizedValue: metric },
          unit: UNITS[metric],
          timeseries: [],
          ...error,
        };
      }
      /** Every interval of the timespan, each aggregation's field where the series has a value. */
      const dataOf = (raw: Series | undefined): Record<string, unknown>[] => {
        const byField = aggregations.map((a) => {
          const agg = raw ? aggregate(raw, startMs, endMs, grain, FIELDS[a]!.how) : { t: [], v: [] };
          return { field: FIELDS[a]!.field, byTime: new Map(agg.t.map((t, i) => [t, agg.v[i]!])) };
        });
        const data: Record<string, unknown>[] = [];
        for (let t = firstBucket; t < endMs; t += grain * 1000) {
          const point: Record<string, unknown> = { timeStamp: new Date(t).toISOString().replace('.000Z', 'Z') };
          for (const { field, byTime } of byField) {
            const x = byTime.get(t);
            if (x !== undefined) point[field] = x;
          }
          data.push(point);
        }
        return data;
      };
      const prefix = `${resourceId.toLowerCase()}|${metric}|`;
      const timeseries = split
        ? [...(opts.instances ?? new Map<string, Series>())]
            .filter(([key]) => key.startsWith(prefix))
            .slice(0, top)
            .map(([key, raw]) => ({
              metadatavalues: [{ name: { value: 'vmname', localizedValue: 'vmname' }, value: key.slice(prefix.length) }],
              data: dataOf(raw),
            }))
        : [{ metadatavalues: [], data: dataOf(opts.metrics.get(azureMetricKey(resourceId, metric))) }];
      return {
        id: `${resourceId}/providers/Microsoft.Insights/metrics/${metric}`,
        type: 'Microsoft.Insights/metrics',
        name: { value: metric, localizedValue: metric },
        displayDescription: '',
        unit: UNITS[metric],
        timeseries,
        errorCode: 'Success',
      };
    });
    sendJson(res, 200, {
      cost: value.length * Math.ceil((endMs - startMs) / (grain * 1000)),
      timespan: query.timespan,
      interval: query.interval,
      value,
      namespace: 'Microsoft.Compute/virtualMachines',
      resourceregion: 'westeurope',
    });
  }, cert);
  return Object.assign(fake, running);
}
