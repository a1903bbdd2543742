import type { TokenCredential } from '@azure/identity';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackfitConfigSchema } from '../../src/config/schema';
import type { Series, UsageRange, Workload } from '../../src/model';
import { CPU_METRIC as GCP_CPU } from '../../src/usage/gcp-monitoring';
import { fetchUsage, resolveUsageSources, type ResolveUsageOptions } from '../../src/usage/resolve';
import { readTraceDir, type Trace } from '../../src/usage/traces';
import { azureMetricKey, startFakeAzureMonitor, type FakeAzureMonitor } from '../support/cloud-fakes/azure-monitor';
import { metricKey, startFakeCloudWatch, type FakeCloudWatch } from '../support/cloud-fakes/cloudwatch';
import { aggregate } from '../support/cloud-fakes/common';
import { gcpMetricKey, startFakeGcpMonitoring, type FakeGcpMonitoring } from '../support/cloud-fakes/gcp-monitoring';
import {
  BITBRAINS_DIR,
  expectedCpuFromTrace,
  startPrometheus,
  toSlots,
  writeOpenMetrics,
  type RunningPrometheus,
} from '../support/prometheus';
import { lacks } from '../support/tools';

const traces = readTraceDir(BITBRAINS_DIR).slice(0, 5);
const [tA, tB, tC, tD, tE] = traces as [Trace, Trace, Trace, Trace, Trace];
const TOKEN = 'test-token-never-logged';
const start = Math.min(...traces.map((t) => toSlots(t.cpuCores).t[0]!));
const end = Math.max(...traces.map((t) => toSlots(t.cpuCores).t.at(-1)!));
const range: UsageRange = { start: new Date(start), end: new Date(end), stepSeconds: 3600 };
const idOf = (t: Trace): string => t.id.replace(/\.csv$/, '');
const rid = (t: Trace): string =>
  `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-${idOf(t)}`;

function workload(t: Trace, cloud: Workload['cloud'], ids: Partial<Workload['metricIds']>): Workload {
  return {
    urn: `urn:pulumi:prod::p::${cloud}::vm-${idOf(t)}`,
    name: `vm-${idOf(t)}`,
    type: `${cloud}:vm`,
    kind: 'vm',
    cloud,
    region: cloud === 'aws' ? 'us-east-1' : cloud === 'azure' ? 'westeurope' : 'europe-west4',
    size: `bitbrains-${idOf(t)}`,
    count: 1,
    metricIds: { name: `vm-${idOf(t)}`, ...ids },
  };
}
const A = workload(tA, 'aws', { awsInstanceId: `i-0${idOf(tA)}` });
const B = workload(tB, 'azure', { azureResourceId: rid(tB) });
const C = workload(tC, 'gcp', { gcpInstanceId: `9000${idOf(tC)}`, gcpProject: 'stackfit-prod' });
const D = workload(tD, 'aws', { awsInstanceId: `i-0${idOf(tD)}`, hostname: `vm${idOf(tD)}.example` });
const E = workload(tE, 'azure', { azureResourceId: rid(tE), hostname: `vm${idOf(tE)}.example` });
const traceOf = (w: Workload): Trace => traces.find((t) => w.size === `bitbrains-${idOf(t)}`)!;

let prom: RunningPrometheus;
let cw: FakeCloudWatch;
let gcp: FakeGcpMonitoring;
let tmp: string;

beforeAll(async () => {
  if (lacks('prometheus') || lacks('openssl')) return;
  tmp = mkdtempSync(join(tmpdir(), 'stackfit-resolve-'));
  const om = join(tmp, 'om.txt');
  await writeOpenMetrics(
    om,
    [tD, tE].map((t) => ({ instance: `vm${idOf(t)}.example:9100`, trace: t })),
  );
  prom = await startPrometheus({ openMetricsFiles: [om] });
  const pct = (t: Trace): Series => ({ t: t.cpuCores.t, v: t.cpuCores.v.map((c) => (c / t.provisioned!.vcpu) * 100) });
  cw = await startFakeCloudWatch({
    now: end + 86_400_000,
    metrics: new Map([
      [metricKey('AWS/EC2', 'CPUUtilization', 'InstanceId', A.metricIds.awsInstanceId!), pct(tA)],
      [metricKey('AWS/EC2', 'CPUUtilization', 'InstanceId', D.metricIds.awsInstanceId!), pct(tD)],
    ]),
  });
  gcp = await startFakeGcpMonitoring({
    metrics: new Map([
      [
        gcpMetricKey('stackfit-prod', GCP_CPU, C.metricIds.gcpInstanceId!),
        { t: tC.cpuCores.t, v: tC.cpuCores.v.map((c) => c / tC.provisioned!.vcpu) },
      ],
    ]),
    token: TOKEN,
  });
});

afterAll(async () => {
  await Promise.all([prom?.stop(), cw?.stop(), gcp?.stop()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function options(azure: FakeAzureMonitor, cacheDir: string): ResolveUsageOptions {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  const credential: TokenCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  return {
    config: stackfitConfigSchema.parse({}),
    vcpuOf: (w) => traceOf(w).provisioned!.vcpu,
    memoryGiBOf: (w) => traceOf(w).provisioned!.memoryGiB,
    cacheDir,
    sourceOptions: {
      cloudwatch: {
        endpoint: cw.url,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
        now: () => new Date(end + 86_400_000),
      },
      azureMonitor: { credential, endpoint: azure.url, caCertificate: azure.cert.cert, maxRetries: 0 },
      gcpMonitoring: { client: { apiEndpoint: '127.0.0.1', port: gcp.port, protocol: 'http', authClient } },
    },
  };
}

const specs = (): string[] => [
  `prometheus://127.0.0.1:${prom.port}`,
  'cloudwatch:us-east-1',
  'azure-monitor',
  'gcp-monitoring:stackfit-prod',
];

describe.skipIf(lacks('prometheus') || lacks('openssl'))('resolveUsageSources + fetchUsage: four real-protocol sources at once', () => {
  it('serves each workload from the first source with data; a failing source loses only its own workloads', async () => {
    const azure = await startFakeAzureMonitor({ metrics: new Map(), token: TOKEN, forbiddenResourceId: rid(tB) });
    try {
      const sources = resolveUsageSources(specs(), { ...options(azure, join(tmp, 'cache-1')), cache: false });
      expect(sources.map((s) => [s.name, s.cloud])).toEqual([
        [`prometheus://127.0.0.1:${prom.port}`, undefined],
        ['cloudwatch:us-east-1', 'aws'],
        ['azure-monitor', 'azure'],
        ['gcp-monitoring:stackfit-prod', 'gcp'],
      ]);
      const result = await fetchUsage(sources, [A, B, C, D, E], range);
      expect(Object.fromEntries([...result.series].map(([urn, s]) => [urn, s.source]))).toEqual({
        [A.urn]: 'cloudwatch:us-east-1',
        [C.urn]: 'gcp-monitoring:stackfit-prod',
        [D.urn]: `prometheus://127.0.0.1:${prom.port}`,
        [E.urn]: `prometheus://127.0.0.1:${prom.port}`,
      });
      expect(result.missing).toHaveLength(1);
      expect(result.missing[0]!.urn).toBe(B.urn);
      expect(result.missing[0]!.reason).toContain('no hostname id to match the Prometheus label "instance"');
      expect(result.missing[0]!.reason).toContain('azure-monitor: HTTP 403 AuthorizationFailed');
      expect(result.missing[0]!.reason).not.toContain(TOKEN);
      // Values are the traces': CloudWatch hourly means, Prometheus 5-minute rates at hourly points.
      const a = result.series.get(A.urn)!.cpuCores;
      const expectedA = aggregate(tA.cpuCores, start, end, 3600, 'mean');
      expect(a.t).toEqual(expectedA.t);
      expect(Math.max(...a.v.map((x, i) => Math.abs(x - expectedA.v[i]!)))).toBeLessThan(1e-9);
      const d = result.series.get(D.urn)!.cpuCores;
      const exactD = expectedCpuFromTrace(tD);
      const byTime = new Map(exactD.t.map((t, i) => [t, exactD.v[i]!]));
      expect(d.t.length).toBeGreaterThan(600);
      // rate over [3600s] at an hourly point = the mean of the 12 five-minute values before it.
      // Checked at the first hourly point from the 10th on whose whole window is in the trace: one must exist.
      const windowAt = (t0: number) => Array.from({ length: 12 }, (_, k) => byTime.get(t0 - k * 300_000));
      const at = d.t.findIndex((t, i) => i >= 10 && windowAt(t).every((x) => x !== undefined));
      expect(at).toBeGreaterThanOrEqual(10);
      const window = windowAt(d.t[at]!) as number[];
      expect(d.v[at]).toBeCloseTo(window.reduce((s, x) => s + x, 0) / 12, 9);
    } finally {
      await azure.stop();
    }
  });

  it('answers a re-run from the cache with zero requests, and reports progress as plain lines off a TTY', async () => {
    const azure = await startFakeAzureMonitor({
      metrics: new Map(
        [tB, tE].map(
          (t) =>
            [
              azureMetricKey(rid(t), 'Percentage CPU'),
              { t: t.cpuCores.t, v: t.cpuCores.v.map((c) => (c / t.provisioned!.vcpu) * 100) },
            ] as const,
        ),
      ),
      token: TOKEN,
    });
    try {
      const cacheDir = join(tmp, 'cache-2');
      const first = resolveUsageSources(specs(), options(azure, cacheDir));
      const r1 = await fetchUsage(first, [A, B, C, D, E], range);
      expect(r1.missing).toEqual([]);
      const before = { prom: first[0]!.stats!.requests, cw: cw.httpRequests, azure: azure.httpRequests, gcp: gcp.httpRequests };
      expect(before.prom).toBeGreaterThan(0);
      expect(before.azure).toBe(2);
      expect(readdirSync(cacheDir).sort()).toEqual([
        'azure-monitor',
        'cloudwatch_us-east-1',
        'gcp-monitoring_stackfit-prod',
        `prometheus_127.0.0.1_${prom.port}`,
      ]);

      const lines: string[] = [];
      const stream = new Writable({
        write: (chunk: Buffer, _enc, cb) => (lines.push(...chunk.toString().split('\n').filter(Boolean)), cb()),
      });
      const second = resolveUsageSources(specs(), {
        ...options(azure, cacheDir),
        progress: true,
        progressOptions: { stream, plain: true },
      });
      const r2 = await fetchUsage(second, [A, B, C, D, E], range);
      expect({ prom: second[0]!.stats!.requests, cw: cw.httpRequests, azure: azure.httpRequests, gcp: gcp.httpRequests }).toEqual({
        ...before,
        prom: 0,
      });
      // Workloads without a Prometheus join id are not cached (nothing to ask): no request either.
      expect(second.map((s) => s.cacheStats?.hits)).toEqual([2, 2, 2, 1]);
      for (const [urn, s] of r1.series) expect(r2.series.get(urn)).toEqual(s);
      // 5 workloads for Prometheus + 2 + 2 + 1 for the cloud sources.
      expect(lines.at(-1)).toMatch(/^usage: 100% \(10\/10 workloads, [\d.]+ s\)$/);
      expect(lines.length).toBeLessThanOrEqual(11);
    } finally {
      await azure.stop();
    }
  });

  it('isolates a source that throws (a missing usage file) and names workloads no source serves', async () => {
    const sources = resolveUsageSources([join(tmp, 'no-such-usage.csv'), `prometheus://127.0.0.1:${prom.port}`], {
      config: stackfitConfigSchema.parse({}),
      cache: false,
    });
    const result = await fetchUsage(sources, [D, C], range);
    expect(result.series.get(D.urn)?.source).toBe(`prometheus://127.0.0.1:${prom.port}`);
    const reason = result.missing.find((m) => m.urn === C.urn)?.reason ?? '';
    expect(reason).toContain('file:no-such-usage.csv: ');
    expect(reason).toContain('no-such-usage.csv');
    expect(reason).toContain('no hostname id to match the Prometheus label "instance"');
    const none = await fetchUsage([], [A], range);
    expect(none.missing).toEqual([
      { urn: A.urn, reason: 'no usage source for aws workloads (add cloudwatch, a Prometheus or a usage file)' },
    ]);
  });

  it('rejects unknown specs and resolves file paths to the file source', () => {
    const opts = { config: stackfitConfigSchema.parse({}) };
    expect(() => resolveUsageSources(['influx://h:8086'], opts)).toThrow(/influx:\/\/h:8086: unknown usage source/);
    expect(() => resolveUsageSources(['cloudwatch', 'cloudwatch'], opts)).toThrow(/listed twice/);
    const [file] = resolveUsageSources(['usage/prod.csv'], opts);
    expect(file!.name).toBe('file:prod.csv');
    expect(file!.cloud).toBeUndefined();
  });
});
