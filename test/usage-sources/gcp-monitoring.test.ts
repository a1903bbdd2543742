import { OAuth2Client } from 'google-auth-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { Series, UsageRange, Workload } from '../../src/model';
import { fetchUsage } from '../../src/usage/fetch';
import { CPU_METRIC, MEMORY_METRIC, gcpMonitoringUsageSource, type GcpMonitoringSourceOptions } from '../../src/usage/gcp-monitoring';
import { readTraceDir, type Trace } from '../../src/usage/traces';
import { aggregate } from '../support/cloud-fakes/common';
import { gcpMetricKey, startFakeGcpMonitoring, type FakeGcpMonitoring } from '../support/cloud-fakes/gcp-monitoring';
import { BITBRAINS_DIR } from '../support/prometheus';

const traces = readTraceDir(BITBRAINS_DIR);
const TOKEN = 'ya29.stackfit-test-token';
const PROJECT = 'stackfit-prod';
const start = Math.min(...traces.map((t) => t.cpuCores.t[0]!));
const end = Math.max(...traces.map((t) => t.cpuCores.t.at(-1)!)) + 1;
const range: UsageRange = { start: new Date(start), end: new Date(end), stepSeconds: 300 };

const idOf = (t: Trace): string => t.id.replace(/\.csv$/, '');
const instanceId = (t: Trace): string => `48151623420000${idOf(t).padStart(4, '0')}`;
const byId = new Map(traces.map((t) => [idOf(t), t]));

function instance(t: Trace, project: string | null = PROJECT): Workload {
  return {
    urn: `urn:pulumi:prod::p::gcp:compute/instance:Instance::vm-${idOf(t)}`,
    name: `vm-${idOf(t)}`,
    type: 'gcp:compute/instance:Instance',
    kind: 'vm',
    cloud: 'gcp',
    region: 'europe-west4',
    zone: 'europe-west4-a',
    size: `bitbrains-${idOf(t)}`,
    count: 1,
    metricIds: {
      name: `vm-${idOf(t)}`,
      gcpInstanceId: instanceId(t),
      ...(project ? { gcpProject: project } : {}),
      gcpZone: 'europe-west4-a',
    },
  };
}
const traceOf = (w: Workload): Trace | undefined => byId.get(w.size.replace('bitbrains-', ''));

function metrics(project = PROJECT): Map<string, Series> {
  const m = new Map<string, Series>();
  for (const t of traces) {
    const prov = t.provisioned!;
    m.set(gcpMetricKey(project, CPU_METRIC, instanceId(t)), { t: t.cpuCores.t, v: t.cpuCores.v.map((c) => c / prov.vcpu) });
    m.set(gcpMetricKey(project, MEMORY_METRIC, instanceId(t)), {
      t: t.memoryGiB!.t,
      v: t.memoryGiB!.v.map((g) => (g / prov.memoryGiB) * 100),
    });
  }
  return m;
}

/** GCP stamps an aligned point with the END of its alignment period. */
function expectedAligned(s: Series, period: number, how: 'mean' | 'max'): Series {
  const a = aggregate(s, start, end, period, how);
  return { t: a.t.map((t) => t + period * 1000), v: a.v };
}

function expectClose(actual: Series | undefined, expected: Series, tolerance = 1e-9): void {
  expect(actual).toBeDefined();
  expect(actual!.t).toEqual(expected.t);
  for (let i = 0; i < expected.v.length; i++) expect(Math.abs(actual!.v[i]! - expected.v[i]!)).toBeLessThan(tolerance);
}

function sourceFor(fake: FakeGcpMonitoring, extra: GcpMonitoringSourceOptions = {}) {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  return gcpMonitoringUsageSource({
    vcpuOf: (w) => traceOf(w)?.provisioned?.vcpu,
    memoryGiBOf: (w) => traceOf(w)?.provisioned?.memoryGiB,
    retryInitialDelayMs: 10,
    ...extra,
    client: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', authClient },
  });
}

let fake: FakeGcpMonitoring | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('Cloud Monitoring usage source (REST/JSON with google-auth-library against a loopback API)', () => {
  it('reads CPU utilization and Ops Agent memory for a batch of instances, following nextPageToken, merging series split across pages', async () => {
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN });
    const workloads = traces.map((t) => instance(t));
    // Pages count points (view FULL): 1,000 points end pages inside series.
    const source = sourceFor(fake, { pageSize: 1000 });
    const result = await source.fetch(workloads, { ...range, stepSeconds: 3600 });
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);
    const pointsOf = (pick: (t: Trace) => Series) => traces.reduce((n, t) => n + aggregate(pick(t), start, end, 3600, 'mean').t.length, 0);
    const pages = Math.ceil(pointsOf((t) => t.cpuCores) / 1000) + Math.ceil(pointsOf((t) => t.memoryGiB!) / 1000);
    expect(fake.requests).toHaveLength(pages);
    expect(source.stats.requests).toBe(pages);
    // Some series really were split: the last part of one page and the first of the next are the same instance.
    const splits = fake.pages.slice(1).filter((page, i) => page[0]?.instanceId === fake!.pages[i]!.at(-1)?.instanceId);
    expect(splits.length).toBeGreaterThan(2);
    expect(fake.pages.every((page) => page.reduce((n, s) => n + s.points, 0) <= 1000)).toBe(true);
    const params = fake.requests[0]!.params;
    expect(params['aggregation.alignmentPeriod']).toBe('3600s');
    expect(params['aggregation.perSeriesAligner']).toBe('12');
    expect(params['interval.startTime']).toBe(new Date(start).toISOString());
    expect(params.filter).toBe(
      `metric.type = "${CPU_METRIC}" AND resource.type = "gce_instance" AND resource.labels.instance_id = one_of(${traces.map((t) => `"${instanceId(t)}"`).join(', ')})`,
    );
    expect(fake.requests.slice(1, 4).every((r) => r.params.pageToken)).toBe(true);
    for (const [i, w] of workloads.entries()) {
      const t = traces[i]!;
      const got = result.series.get(w.urn);
      expect(got?.source).toBe('gcp-monitoring');
      expectClose(got?.cpuCores, expectedAligned(t.cpuCores, 3600, 'mean'));
      expectClose(got?.memoryGiB, expectedAligned(t.memoryGiB!, 3600, 'mean'), 1e-6);
    }
  });

  it('retries a connection reset (ECONNRESET) and keeps the batch', async () => {
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, resetRequests: [2, 3] });
    const workloads = traces.map((t) => instance(t));
    const result = await sourceFor(fake, { pageSize: 3000 }).fetch(workloads, { ...range, stepSeconds: 3600 });
    expect(result.missing).toEqual([]);
    // Every page once, one of them sent three times (two resets in a row).
    expect(fake.httpRequests).toBe(fake.requests.length + 2);
    for (const [i, w] of workloads.entries())
      expectClose(result.series.get(w.urn)?.cpuCores, expectedAligned(traces[i]!.cpuCores, 3600, 'mean'));
  });

  it('keeps the CPU already read when the memory call fails, and says the result is partial', async () => {
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, failMetric: 'agent.googleapis.com/memory/percent_used' });
    const [a, b] = traces;
    const result = await sourceFor(fake).fetch([instance(a!), instance(b!)], { ...range, stepSeconds: 3600 });
    expect(result.missing).toEqual([]);
    for (const t of [a!, b!]) {
      const got = result.series.get(instance(t).urn);
      expectClose(got?.cpuCores, expectedAligned(t.cpuCores, 3600, 'mean'));
      expect(got?.memoryGiB).toBeUndefined();
      expect(got?.partial).toBe(true);
    }
    expect(result.warnings).toEqual([
      'gcp-monitoring: partial: agent.googleapis.com/memory/percent_used for 2 instance(s) in project stackfit-prod could not be read (HTTP 500 INTERNAL: Internal error encountered.); they are sized on CPU only',
    ]);
  });

  it("429 RESOURCE_EXHAUSTED waits the server's Retry-After, capped by the policy (src/retry.ts)", async () => {
    const t = traces[2]!;
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, throttleFirst: 2, retryAfterSeconds: 7 });
    const waits: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };
    const result = await sourceFor(fake, { sleep }).fetch([instance(t)], { ...range, stepSeconds: 3600 });
    // Two throttled answers, then CPU and memory: Retry-After (7 s), not the 10 ms back-off.
    expect(fake.httpRequests).toBe(4);
    expect(waits).toEqual([7000, 7000]);
    expectClose(result.series.get(instance(t).urn)?.cpuCores, expectedAligned(t.cpuCores, 3600, 'mean'));
    await fake.stop();

    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, throttleFirst: 1, retryAfterSeconds: 3600 });
    waits.length = 0;
    await sourceFor(fake, { sleep, retryMaxDelayMs: 2000 }).fetch([instance(t)], { ...range, stepSeconds: 3600 });
    expect(waits).toEqual([2000]);
  });

  it('retries 503 UNAVAILABLE with the back-off; a 403 is final at once', async () => {
    const t = traces[3]!;
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, unavailableRequests: [1, 2] });
    const waits: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };
    const result = await sourceFor(fake, { sleep }).fetch([instance(t)], { ...range, stepSeconds: 3600 });
    expect(result.missing).toEqual([]);
    expect(waits).toEqual([10, 20]);
    expect(fake.httpRequests).toBe(4);
    expectClose(result.series.get(instance(t).urn)?.memoryGiB, expectedAligned(t.memoryGiB!, 3600, 'mean'), 1e-6);
    await fake.stop();

    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, forbiddenProject: PROJECT });
    waits.length = 0;
    const denied = await sourceFor(fake, { sleep }).fetch([instance(t)], range);
    expect(denied.missing.map((m) => m.failed)).toEqual([true]);
    expect(fake.httpRequests).toBe(1);
    expect(waits).toEqual([]);
  });

  it('retries RESOURCE_EXHAUSTED and aligns with ALIGN_MAX when asked', async () => {
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, throttleFirst: 2 });
    const t = traces[4]!;
    const source = sourceFor(fake, { aligner: 'ALIGN_MAX' });
    const result = await source.fetch([instance(t)], { ...range, stepSeconds: 3600 });
    expect(fake.httpRequests).toBe(4);
    expect(fake.requests[0]!.params['aggregation.perSeriesAligner']).toBe('11');
    expectClose(result.series.get(instance(t).urn)?.cpuCores, expectedAligned(t.cpuCores, 3600, 'max'));
  });

  it('reports the instances of a project it may not read, and serves the other project', async () => {
    const all = new Map([...metrics(), ...metrics('stackfit-other')]);
    fake = await startFakeGcpMonitoring({ metrics: all, token: TOKEN, forbiddenProject: 'stackfit-other' });
    const [a, b] = traces;
    const result = await sourceFor(fake).fetch([instance(a!), instance(b!, 'stackfit-other')], range);
    expect([...result.series.keys()]).toEqual([instance(a!).urn]);
    expect(result.missing).toEqual([
      {
        urn: instance(b!).urn,
        reason:
          'gcp-monitoring: timeSeries.list in project stackfit-other failed: HTTP 403 PERMISSION_DENIED: Permission monitoring.timeSeries.list denied (or the resource may not exist).',
        failed: true,
      },
    ]);
  });

  it('quota exhausted beyond the retries fails the source; an instance without data is only missing', async () => {
    const t = traces[1]!;
    const idle: Workload = { ...instance(t), urn: 'urn:idle', metricIds: { ...instance(t).metricIds, gcpInstanceId: '4815162342999999' } };
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN });
    const ok = await fetchUsage([sourceFor(fake)], [idle], range, { progress: false });
    expect(ok.failures).toEqual([]);
    expect(ok.missing).toEqual([
      { urn: 'urn:idle', reason: `gcp-monitoring: no ${CPU_METRIC} data for instance 4815162342999999 in the range` },
    ]);
    await fake.stop();

    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, throttleFirst: 1000 });
    const throttled = await fetchUsage([sourceFor(fake, { retryMaxDelayMs: 20, timeoutMs: 3000 })], [instance(t)], range, {
      progress: false,
    });
    expect(fake.httpRequests).toBeGreaterThan(1);
    expect(throttled.missing).toEqual([
      {
        urn: instance(t).urn,
        reason: expect.stringMatching(
          /^gcp-monitoring: timeSeries\.list in project stackfit-prod failed: .*(RESOURCE_EXHAUSTED|Quota exceeded)/,
        ),
        failed: true,
      },
    ]);
    expect(throttled.failures.map((f) => f.source)).toEqual(['gcp-monitoring']);
  });

  it('uses the default project for workloads without one, and lists what it cannot serve', async () => {
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN });
    const t = traces[0]!;
    const noProject = { ...instance(t, null), urn: 'urn:np' };
    const withDefault = await sourceFor(fake, { project: PROJECT }).fetch([noProject], range);
    expect(withDefault.series.get('urn:np')?.source).toBe(`gcp-monitoring:${PROJECT}`);
    const without = await sourceFor(fake).fetch([noProject, { ...instance(t), urn: 'urn:noid', metricIds: { name: 'x' } }], range);
    expect(without.missing.map((m) => m.reason)).toEqual([
      'gcp-monitoring: no GCP project in the stack state',
      'gcp-monitoring: no numeric GCP instance id in the stack state',
    ]);
  });
});
