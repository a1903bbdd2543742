import { OAuth2Client } from 'google-auth-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { Series, UsageRange, Workload } from '../../src/model';
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
    metricIds: { name: `vm-${idOf(t)}`, gcpInstanceId: instanceId(t), ...(project ? { gcpProject: project } : {}), gcpZone: 'europe-west4-a' },
  };
}
const traceOf = (w: Workload): Trace | undefined => byId.get(w.size.replace('bitbrains-', ''));

function metrics(project = PROJECT): Map<string, Series> {
  const m = new Map<string, Series>();
  for (const t of traces) {
    const prov = t.provisioned!;
    m.set(gcpMetricKey(project, CPU_METRIC, instanceId(t)), { t: t.cpuCores.t, v: t.cpuCores.v.map((c) => c / prov.vcpu) });
    m.set(gcpMetricKey(project, MEMORY_METRIC, instanceId(t)), { t: t.memoryGiB!.t, v: t.memoryGiB!.v.map((g) => (g / prov.memoryGiB) * 100) });
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

describe('Cloud Monitoring usage source (real @google-cloud/monitoring REST fallback against a loopback API)', () => {
  it('reads CPU utilization and Ops Agent memory for a batch of instances, following nextPageToken', async () => {
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN });
    const workloads = traces.map((t) => instance(t));
    const source = sourceFor(fake, { pageSize: 3 });
    // Hourly: the REST fallback decodes each point through protobuf.js (about 30 µs a point).
    const result = await source.fetch(workloads, { ...range, stepSeconds: 3600 });
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);
    // 10 series per metric at 3 per page: 4 pages each.
    expect(fake.requests).toHaveLength(8);
    expect(source.stats.requests).toBe(8);
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
    fake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, resetRequests: [2] });
    const workloads = traces.map((t) => instance(t));
    const result = await sourceFor(fake, { pageSize: 3 }).fetch(workloads, { ...range, stepSeconds: 3600 });
    expect(result.missing).toEqual([]);
    // 8 pages, one of them sent twice.
    expect(fake.httpRequests).toBe(9);
    for (const [i, w] of workloads.entries()) expectClose(result.series.get(w.urn)?.cpuCores, expectedAligned(traces[i]!.cpuCores, 3600, 'mean'));
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
    }
    expect(result.warnings).toEqual([
      'gcp-monitoring: partial: agent.googleapis.com/memory/percent_used for 2 instance(s) in project stackfit-prod could not be read (HTTP 500 INTERNAL: Internal error encountered.); they are sized on CPU only',
    ]);
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
      { urn: instance(b!).urn, reason: 'gcp-monitoring: timeSeries.list in project stackfit-other failed: HTTP 403 PERMISSION_DENIED: Permission monitoring.timeSeries.list denied (or the resource may not exist).' },
    ]);
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
