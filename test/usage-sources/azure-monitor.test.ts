import type { TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import type { Series, UsageRange, Workload } from '../../src/model';
import { azureInterval, azureMonitorUsageSource } from '../../src/usage/azure-monitor';
import { fetchUsage } from '../../src/usage/fetch';
import { readTraceDir, type Trace } from '../../src/usage/traces';
import { aggregate } from '../support/cloud-fakes/common';
import { azureMetricKey, startFakeAzureMonitor, type FakeAzureMonitor } from '../support/cloud-fakes/azure-monitor';
import { BITBRAINS_DIR } from '../support/prometheus';

const traces = readTraceDir(BITBRAINS_DIR);
const GiB = 2 ** 30;
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.test-token';
const credential: TokenCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
const start = Math.min(...traces.map((t) => t.cpuCores.t[0]!));
const end = Math.max(...traces.map((t) => t.cpuCores.t.at(-1)!)) + 1;
const range: UsageRange = { start: new Date(start), end: new Date(end), stepSeconds: 300 };

const idOf = (t: Trace): string => t.id.replace(/\.csv$/, '');
const resourceId = (t: Trace): string =>
  `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-${idOf(t)}`;
const byId = new Map(traces.map((t) => [idOf(t), t]));

function vm(t: Trace): Workload {
  return {
    urn: `urn:pulumi:prod::p::azure-native:compute:VirtualMachine::vm-${idOf(t)}`,
    name: `vm-${idOf(t)}`,
    type: 'azure-native:compute:VirtualMachine',
    kind: 'vm',
    cloud: 'azure',
    region: 'westeurope',
    size: `bitbrains-${idOf(t)}`,
    count: 1,
    metricIds: { name: `vm-${idOf(t)}`, azureResourceId: resourceId(t) },
  };
}
const traceOf = (w: Workload): Trace | undefined => byId.get(w.size.replace('bitbrains-', ''));
const catalog = {
  vcpuOf: (w: Workload) => traceOf(w)?.provisioned?.vcpu,
  memoryGiBOf: (w: Workload) => traceOf(w)?.provisioned?.memoryGiB,
};

function metrics(): Map<string, Series> {
  const m = new Map<string, Series>();
  for (const t of traces) {
    const prov = t.provisioned!;
    m.set(azureMetricKey(resourceId(t), 'Percentage CPU'), { t: t.cpuCores.t, v: t.cpuCores.v.map((c) => (c / prov.vcpu) * 100) });
    m.set(azureMetricKey(resourceId(t), 'Available Memory Bytes'), {
      t: t.memoryGiB!.t,
      v: t.memoryGiB!.v.map((g) => (prov.memoryGiB - g) * GiB),
    });
  }
  return m;
}

function expectClose(actual: Series | undefined, expected: Series, tolerance = 1e-6): void {
  expect(actual).toBeDefined();
  expect(actual!.t).toEqual(expected.t);
  for (let i = 0; i < expected.v.length; i++) expect(Math.abs(actual!.v[i]! - expected.v[i]!)).toBeLessThan(tolerance);
}

let fake: FakeAzureMonitor | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('Azure Monitor usage source (real @azure/arm-monitor over https to a loopback ARM)', () => {
  it('reads Percentage CPU and Available Memory Bytes per VM; empty intervals stay gaps', async () => {
    fake = await startFakeAzureMonitor({ metrics: metrics(), token: TOKEN });
    const workloads = traces.slice(0, 4).map(vm);
    const source = azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog });
    const result = await source.fetch(workloads, range);
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(fake.requests).toHaveLength(4);
    expect(source.stats.requests).toBe(4);
    const req = fake.requests.find((r) => r.path === resourceId(traces[0]!) + '/providers/Microsoft.Insights/metrics')!;
    expect(req.query).toEqual({
      'api-version': '2018-01-01',
      timespan: `${new Date(start).toISOString()}/${new Date(end).toISOString()}`,
      interval: 'PT5M',
      metricnames: 'Percentage CPU,Available Memory Bytes',
      aggregation: 'Average',
    });
    for (const [i, w] of workloads.entries()) {
      const t = traces[i]!;
      const got = result.series.get(w.urn);
      expect(got?.source).toBe('azure-monitor');
      const cpu = aggregate(t.cpuCores, start, end, 300, 'mean');
      expectClose(got?.cpuCores, cpu);
      expectClose(got?.memoryGiB, aggregate(t.memoryGiB!, start, end, 300, 'mean'));
      // The trace has holes (e.g. a 31-hour outage): those intervals must not come back as zeros.
      expect(got!.cpuCores.t.length).toBeLessThan((end - start) / 300_000);
    }
  });

  it('in the Maximum mode sizes memory by the Minimum of Available Memory Bytes (the most memory used)', async () => {
    fake = await startFakeAzureMonitor({ metrics: metrics(), token: TOKEN });
    const t = traces[1]!;
    const source = azureMonitorUsageSource({
      credential,
      endpoint: fake.url,
      caCertificate: fake.cert.cert,
      aggregation: 'Maximum',
      ...catalog,
    });
    const result = await source.fetch([vm(t)], { ...range, stepSeconds: 3600 });
    expect(fake.protocolErrors).toEqual([]);
    expect(fake.requests.map((r) => r.query.aggregation)).toEqual(['Maximum,Minimum']);
    const got = result.series.get(vm(t).urn);
    expectClose(got?.cpuCores, aggregate(t.cpuCores, start, end, 3600, 'max'));
    expectClose(got?.memoryGiB, aggregate(t.memoryGiB!, start, end, 3600, 'max'), 1e-6);
  });

  it('retries 429 with Retry-After and counts the attempts', async () => {
    fake = await startFakeAzureMonitor({ metrics: metrics(), token: TOKEN, throttleFirst: 2 });
    const t = traces[5]!;
    const source = azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog });
    const result = await source.fetch([vm(t)], { ...range, stepSeconds: 3600 });
    expect(fake.httpRequests).toBe(3);
    expect(source.stats.requests).toBe(3);
    expect(fake.requests[0]!.query.interval).toBe('PT1H');
    expectClose(result.series.get(vm(t).urn)?.cpuCores, aggregate(t.cpuCores, start, end, 3600, 'mean'));
  });

  it('reports a forbidden VM with the cause and keeps the others', async () => {
    const [a, b] = traces;
    fake = await startFakeAzureMonitor({ metrics: metrics(), token: TOKEN, forbiddenResourceId: resourceId(b!) });
    const source = azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog });
    const result = await source.fetch([vm(a!), vm(b!)], range);
    expect([...result.series.keys()]).toEqual([vm(a!).urn]);
    expect(result.missing).toHaveLength(1);
    expect(result.missing[0]!.urn).toBe(vm(b!).urn);
    expect(result.missing[0]!.reason).toMatch(/^azure-monitor: HTTP 403 AuthorizationFailed: The client does not have authorization/);
    expect(result.missing[0]!.reason).not.toContain(TOKEN);
    // A refused read is a failure of the source, not an idle VM: the run must stop on it.
    expect(result.missing[0]!.failed).toBe(true);
  });

  it('throttling beyond the retries fails the source; a VM without data is only missing', async () => {
    const [a, b] = traces;
    const idle: Workload = {
      ...vm(a!),
      urn: 'urn:idle',
      metricIds: { name: 'idle', azureResourceId: resourceId(a!).replace(/vm-\d+$/, 'vm-idle') },
    };
    fake = await startFakeAzureMonitor({ metrics: metrics(), token: TOKEN });
    const ok = await fetchUsage(
      [azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog })],
      [idle],
      range,
      { progress: false },
    );
    expect(ok.failures).toEqual([]);
    expect(ok.missing).toEqual([{ urn: 'urn:idle', reason: 'azure-monitor: no Percentage CPU data in the range' }]);
    await fake.stop();

    fake = await startFakeAzureMonitor({ metrics: metrics(), token: TOKEN, throttleFirst: 100 });
    const source = azureMonitorUsageSource({
      credential,
      endpoint: fake.url,
      caCertificate: fake.cert.cert,
      maxRetries: 1,
      retryDelayMs: 5,
      ...catalog,
    });
    const throttled = await fetchUsage([source], [vm(b!)], range, { progress: false });
    expect(fake.httpRequests).toBe(2);
    expect(throttled.missing).toEqual([
      { urn: vm(b!).urn, reason: expect.stringMatching(/^azure-monitor: HTTP 429 TooManyRequests: throttled/), failed: true },
    ]);
    expect((throttled.failures[0]!.error as Error).message).toMatch(
      /^azure-monitor: 1 of 1 workload\(s\) could not be read: HTTP 429 TooManyRequests: throttled/,
    );
  });

  it('a metric Azure answers with an errorCode: on CPU a failed read, on memory a warning naming the metric (CPU kept)', async () => {
    const t = traces[2]!;
    fake = await startFakeAzureMonitor({
      metrics: metrics(),
      token: TOKEN,
      metricErrors: new Map([['Available Memory Bytes', { errorCode: 'InternalServerError', errorMessage: 'metric store unavailable' }]]),
    });
    const memoryBroken = await fetchUsage(
      [azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog })],
      [vm(t)],
      range,
      { progress: false },
    );
    expect(memoryBroken.failures).toEqual([]);
    const got = memoryBroken.series.get(vm(t).urn);
    expectClose(got?.cpuCores, aggregate(t.cpuCores, start, end, 300, 'mean'));
    expect(got?.memoryGiB).toBeUndefined();
    expect(got?.partial).toBe(true);
    expect(memoryBroken.warnings).toEqual([
      `azure-monitor: partial: ${vm(t).name}: Available Memory Bytes could not be read (InternalServerError: metric store unavailable); it is sized on CPU only`,
    ]);
    await fake.stop();

    fake = await startFakeAzureMonitor({
      metrics: metrics(),
      token: TOKEN,
      metricErrors: new Map([['Percentage CPU', { errorCode: 'InternalServerError', errorMessage: 'metric store unavailable' }]]),
    });
    const cpuBroken = await fetchUsage(
      [azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog })],
      [vm(t)],
      range,
      { progress: false },
    );
    expect(cpuBroken.missing).toEqual([
      {
        urn: vm(t).urn,
        reason: 'azure-monitor: Percentage CPU could not be read (InternalServerError: metric store unavailable)',
        failed: true,
      },
    ]);
    expect(cpuBroken.failures).toHaveLength(1);
  });

  it('lists workloads without a VM resource id or a known size, without calling Azure', async () => {
    fake = await startFakeAzureMonitor({ metrics: metrics(), token: TOKEN });
    const t = traces[0]!;
    const source = azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog });
    const result = await source.fetch(
      [
        { ...vm(t), urn: 'urn:a', metricIds: { name: 'a' } },
        {
          ...vm(t),
          urn: 'urn:b',
          metricIds: { name: 'b', azureResourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Sql/servers/db' },
        },
        { ...vm(t), urn: 'urn:c', size: 'Standard_Unknown' },
      ],
      range,
    );
    expect(result.missing.map((m) => m.reason)).toEqual([
      'azure-monitor: no Azure resource id in the stack state',
      'azure-monitor: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Sql/servers/db" is not a virtual machine resource id',
      'azure-monitor: vCPU count of Standard_Unknown unknown, cannot turn Percentage CPU into cores',
    ]);
    expect(fake.httpRequests).toBe(0);
  });

  it('picks the finest Azure time grain at least as coarse as the step', () => {
    expect(azureInterval(60)).toBe('PT1M');
    expect(azureInterval(120)).toBe('PT5M');
    expect(azureInterval(3600)).toBe('PT1H');
    expect(azureInterval(7 * 86400)).toBe('P1D');
  });
});
