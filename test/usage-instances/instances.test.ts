/**
 * Workloads with several instances (`metricIds.instances`): every source reads each instance in
 * its usual batched calls and returns, per timestamp, the mean across the instances. Checked
 * against a real Prometheus and the loopback cloud APIs serving real Bitbrains traces.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceMetricIds, Series, UsageRange, Workload } from '../../src/model';
import { inventoryFromResources, type StackResource } from '../../src/stack/inventory';
import { azureMonitorUsageSource } from '../../src/usage/azure-monitor';
import { cloudWatchUsageSource } from '../../src/usage/cloudwatch';
import { CPU_METRIC as GCP_CPU, MEMORY_METRIC as GCP_MEMORY, gcpMonitoringUsageSource } from '../../src/usage/gcp-monitoring';
import { cachedUsageSource } from '../../src/usage/cache';
import { combineInstances, expandInstances, instanceEvidenceNote, type CombinedUsageSeries } from '../../src/usage/instances';
import { prometheusUsageSource } from '../../src/usage/prometheus';
import { readTraceDir, type Trace } from '../../src/usage/traces';
import { aggregate } from '../support/cloud-fakes/common';
import { azureMetricKey, startFakeAzureMonitor } from '../support/cloud-fakes/azure-monitor';
import { metricKey, startFakeCloudWatch } from '../support/cloud-fakes/cloudwatch';
import { gcpMetricKey, startFakeGcpMonitoring } from '../support/cloud-fakes/gcp-monitoring';
import {
  BITBRAINS_DIR,
  SLOT_SECONDS,
  expectedCpuFromTrace,
  startPrometheus,
  toSlots,
  writeOpenMetrics,
  type RunningPrometheus,
} from '../support/prometheus';
import { lacks } from '../support/tools';

const traces = readTraceDir(BITBRAINS_DIR);
const fleet = traces.slice(0, 3);
const GiB = 2 ** 30;
/** One size for the whole fleet (a workload's instances share it): large enough for every trace. */
const VCPU = Math.max(...fleet.map((t) => t.provisioned!.vcpu));
const MEM_GIB = Math.max(...fleet.map((t) => t.provisioned!.memoryGiB));
const catalog = { vcpuOf: () => VCPU, memoryGiBOf: () => MEM_GIB };
const start = Math.min(...fleet.map((t) => t.cpuCores.t[0]!));
const end = Math.max(...fleet.map((t) => t.cpuCores.t.at(-1)!)) + 1;
const range: UsageRange = { start: new Date(start), end: new Date(end), stepSeconds: 300 };
const idOf = (t: Trace): string => t.id.replace(/\.csv$/, '');

function fleetWorkload(cloud: Workload['cloud'], instances: InstanceMetricIds[], name = 'web'): Workload {
  return {
    urn: `urn:pulumi:prod::stackfit-demo::stackfit:demo:Workload::${name}`,
    name,
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud,
    region: cloud === 'aws' ? 'us-east-1' : cloud === 'azure' ? 'eastus' : 'us-central1',
    size: 'fleet-size',
    count: instances.length,
    metricIds: { name, instances },
  };
}

/**
 * Independent of the code under test: per timestamp, the mean of the series that have a value
 * there (an instance's gap is left out, not counted as zero).
 */
function pointwiseMean(series: readonly Series[]): Series {
  const times = [...new Set(series.flatMap((s) => s.t))].sort((a, b) => a - b);
  const v = times.map((t) => {
    const values = series.flatMap((s) => {
      const i = s.t.indexOf(t);
      return i >= 0 ? [s.v[i]!] : [];
    });
    return values.reduce((a, b) => a + b, 0) / values.length;
  });
  return { t: times, v };
}

/** Per timestamp, the largest value among the series that have one. */
function pointwiseMax(series: readonly Series[]): Series {
  const times = [...new Set(series.flatMap((s) => s.t))].sort((a, b) => a - b);
  return { t: times, v: times.map((t) => Math.max(...series.flatMap((s) => (s.t.indexOf(t) >= 0 ? [s.v[s.t.indexOf(t)]!] : [])))) };
}

function expectClose(actual: Series | undefined, expected: Series, tolerance = 1e-6): void {
  expect(actual).toBeDefined();
  expect(actual!.t).toEqual(expected.t);
  let worst = 0;
  for (let i = 0; i < expected.v.length; i++) worst = Math.max(worst, Math.abs(actual!.v[i]! - expected.v[i]!));
  expect(worst).toBeLessThan(tolerance);
}

describe("the inventory keeps each VM's ids for a component with several VMs", () => {
  it('fills metricIds.instances from the children (ids and hostnames), and none for a single VM', () => {
    const component = (name: string, count: number): StackResource[] => [
      {
        urn: `urn:pulumi:prod::stackfit-demo::stackfit:demo:Workload::${name}`,
        type: 'stackfit:demo:Workload',
        inputs: { configKey: 'stackfit-demo:workloads' },
      },
      ...Array.from({ length: count }, (_, i) => ({
        urn: `urn:pulumi:prod::stackfit-demo::stackfit:demo:Workload$aws:ec2/instance:Instance::${name}-${i}`,
        type: 'aws:ec2/instance:Instance',
        parent: `urn:pulumi:prod::stackfit-demo::stackfit:demo:Workload::${name}`,
        outputs: { id: `i-0${name.length}${i}abcdef012345`, instanceType: 'm5.2xlarge', privateDns: `ip-10-0-0-${i}.ec2.internal` },
      })),
    ];
    const grouping = [{ componentType: 'stackfit:demo:Workload', sizePath: ['{name}', 'size'] }];
    const inventory = inventoryFromResources([...component('web', 3), ...component('cache', 1)], 'test', {
      stackConfig: { 'aws:region': 'us-east-1' },
      grouping,
    });
    const web = inventory.workloads.find((w) => w.name === 'web')!;
    expect(web.count).toBe(3);
    expect(web.metricIds).toEqual({
      name: 'web',
      instances: [0, 1, 2].map((i) => ({ awsInstanceId: `i-03${i}abcdef012345`, hostname: `ip-10-0-0-${i}.ec2.internal` })),
    });
    const cache = inventory.workloads.find((w) => w.name === 'cache')!;
    expect(cache.metricIds).toEqual({ name: 'cache', awsInstanceId: 'i-050abcdef012345', hostname: 'ip-10-0-0-0.ec2.internal' });
  });
});

describe.skipIf(lacks('prometheus'))('Prometheus: a 3-instance workload against a real Prometheus', () => {
  let prom: RunningPrometheus;
  let tmp: string;
  const host = (t: Trace): string => `web-${idOf(t)}.prod.internal`;
  const single = traces[3]!;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'stackfit-instances-'));
    const file = join(tmp, 'fleet.om');
    await writeOpenMetrics(
      file,
      [...fleet, single].map((trace) => ({ instance: `${host(trace)}:9100`, trace })),
    );
    prom = await startPrometheus({ openMetricsFiles: [file] });
  });
  afterAll(async () => {
    await prom?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('reads all instances in one query per metric and returns the mean of the 3 traces, point for point', async () => {
    const web = fleetWorkload(
      'aws',
      fleet.map((t) => ({ hostname: host(t) })),
    );
    const one: Workload = {
      ...fleetWorkload('aws', []),
      urn: 'urn:pulumi:prod::p::aws:ec2/instance:Instance::db',
      name: 'db',
      count: 1,
      metricIds: { name: 'db', hostname: host(single) },
    };
    const source = prometheusUsageSource(prom.url);
    const gridStart = Math.ceil(start / 1000 / SLOT_SECONDS) * SLOT_SECONDS * 1000;
    const result = await source.fetch([web, one], range);
    expect(result.missing).toEqual([]);
    expect(result.warnings).toBeUndefined();
    // One CPU and one memory query for the 3 instances and the single VM together.
    expect(source.stats.requests).toBe(2);

    const got = result.series.get(web.urn) as CombinedUsageSeries;
    const perInstance = fleet.map((t) => expectedCpuFromTrace(t));
    expectClose(got.cpuCores, pointwiseMean(perInstance));
    expect(got.instanceMax?.served).toBe(3);
    expect(got.instanceMax?.cpuCoresMax.v.every((v, i) => v >= got.cpuCores.v[i]! - 1e-12)).toBe(true);
    // Memory: the largest of the instances' own readings, not the mean (each read alone is checked against the
    // trace in test/usage-sources/prometheus.test.ts).
    const alone = await prometheusUsageSource(prom.url).fetch(
      fleet.map((t, i) => ({ ...web, urn: `${web.urn}-${i}`, count: 1, metricIds: { name: `web-${i}`, hostname: host(t) } })),
      range,
    );
    const memories = fleet.map((_, i) => alone.series.get(`${web.urn}-${i}`)!.memoryGiB!);
    expectClose(got.memoryGiB, pointwiseMax(memories));
    expect(got.memoryGiB!.t[0]).toBeGreaterThanOrEqual(gridStart);
    // The single VM is untouched: its trace, point for point.
    expectClose(result.series.get(one.urn)?.cpuCores, expectedCpuFromTrace(single));
    expect(toSlots(single.cpuCores).t.length).toBeGreaterThan(0);
  });

  it('the busiest instance is kept as evidence, also through the on-disk cache', async () => {
    const web = fleetWorkload(
      'aws',
      fleet.map((t) => ({ hostname: host(t) })),
    );
    const cacheDir = mkdtempSync(join(tmpdir(), 'stackfit-instances-cache-'));
    try {
      const inner = prometheusUsageSource(prom.url);
      const cached = cachedUsageSource(inner, { dir: cacheDir });
      const first = (await cached.fetch([web], range)).series.get(web.urn)!;
      const again = (await cachedUsageSource(prometheusUsageSource(prom.url), { dir: cacheDir }).fetch([web], range)).series.get(web.urn)!;
      expect(inner.stats.requests).toBe(2);
      const perInstance = fleet.map((t) => expectedCpuFromTrace(t));
      const busiest = pointwiseMax(perInstance);
      for (const s of [first, again]) expectClose((s as CombinedUsageSeries).instanceMax?.cpuCoresMax, busiest);
      const note = instanceEvidenceNote(again)!;
      const sorted = [...busiest.v].sort((a, b) => a - b);
      const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
      expect(note).toMatch(
        new RegExp(
          `^CPU is the mean of 3 instances, memory the largest instance's; the busiest instance: CPU p95 ${(Math.round(p95 * 100) / 100).toString().replace('.', '\\.')} · max [0-9.]+ cores, memory p95 [0-9.]+ · max [0-9.]+ GiB$`,
        ),
      );
      expect(instanceEvidenceNote({ urn: 'x', cpuCores: busiest, source: 's' })).toBeUndefined();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('combines the instances that have data and warns about the others; none → missing with each cause', async () => {
    const partial = fleetWorkload('aws', [
      { hostname: host(fleet[0]!) },
      { hostname: 'web-gone.prod.internal' },
      { hostname: host(fleet[1]!) },
    ]);
    const none = fleetWorkload('aws', [{ hostname: 'old-0.prod.internal' }, { awsInstanceId: 'i-0123456789abcdef0' }], 'old');
    const result = await prometheusUsageSource(prom.url).fetch([partial, none], range);
    expectClose(
      result.series.get(partial.urn)?.cpuCores,
      pointwiseMean([expectedCpuFromTrace(fleet[0]!), expectedCpuFromTrace(fleet[1]!)]),
    );
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^web: prometheus:\/\/127\.0\.0\.1:\d+ has usage for 2 of 3 instances, sized from those \(web-gone\.prod\.internal: no CPU data for instance="web-gone\.prod\.internal"/,
      ),
    ]);
    expect(result.series.has(none.urn)).toBe(false);
    expect(result.missing).toHaveLength(1);
    expect(result.missing[0]!.urn).toBe(none.urn);
    expect(result.missing[0]!.reason).toMatch(
      /^prometheus:\/\/127\.0\.0\.1:\d+: no data for any of the 2 instances \(old-0\.prod\.internal: no CPU data for instance="old-0\.prod\.internal" in the range; i-0123456789abcdef0: no hostname id to match the Prometheus label "instance"\)$/,
    );
  });
});

describe('cloud sources: a 3-instance workload through the real SDKs and loopback APIs', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it("CloudWatch: the 3 instances' CPU and agent memory in one GetMetricData call; the mean of the 3 traces", async () => {
    const instanceId = (t: Trace): string => `i-0000000000000${idOf(t).padStart(4, '0')}`;
    const metrics = new Map<string, Series>();
    for (const t of fleet) {
      metrics.set(metricKey('AWS/EC2', 'CPUUtilization', 'InstanceId', instanceId(t)), {
        t: t.cpuCores.t,
        v: t.cpuCores.v.map((c) => (c / VCPU) * 100),
      });
      metrics.set(metricKey('CWAgent', 'mem_used_percent', 'InstanceId', instanceId(t)), {
        t: t.memoryGiB!.t,
        v: t.memoryGiB!.v.map((g) => (g / MEM_GIB) * 100),
      });
    }
    const fake = await startFakeCloudWatch({ metrics, now: end + 20 * 86_400_000 });
    stops.push(() => fake.stop());
    const web = fleetWorkload(
      'aws',
      fleet.map((t) => ({ awsInstanceId: instanceId(t) })),
    );
    const source = cloudWatchUsageSource({
      endpoint: fake.url,
      credentials: { accessKeyId: 'AKIDSTACKFITTEST', secretAccessKey: 'not-a-real-secret' },
      region: 'us-east-1',
      now: () => new Date(end + 20 * 86_400_000),
      ...catalog,
    });
    const result = await source.fetch([web], range);
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.body.MetricDataQueries).toHaveLength(6);
    const got = result.series.get(web.urn)!;
    expectClose(got.cpuCores, pointwiseMean(fleet.map((t) => aggregate(t.cpuCores, start, end, 300, 'mean'))));
    expectClose(got.memoryGiB, pointwiseMax(fleet.map((t) => aggregate(t.memoryGiB!, start, end, 300, 'mean'))));
  });

  it('Azure Monitor: one call per instance VM; the mean of the 3 traces', async () => {
    const TOKEN = 'eyJ0eXAiOiJKV1QifQ.test-token';
    const credential: TokenCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const resourceId = (t: Trace): string =>
      `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/worker-rg/providers/Microsoft.Compute/virtualMachines/worker-${idOf(t)}`;
    const metrics = new Map<string, Series>();
    for (const t of fleet) {
      metrics.set(azureMetricKey(resourceId(t), 'Percentage CPU'), { t: t.cpuCores.t, v: t.cpuCores.v.map((c) => (c / VCPU) * 100) });
      metrics.set(azureMetricKey(resourceId(t), 'Available Memory Bytes'), {
        t: t.memoryGiB!.t,
        v: t.memoryGiB!.v.map((g) => (MEM_GIB - g) * GiB),
      });
    }
    const fake = await startFakeAzureMonitor({ metrics, token: TOKEN });
    stops.push(() => fake.stop());
    const worker = fleetWorkload(
      'azure',
      fleet.map((t) => ({ azureResourceId: resourceId(t) })),
      'worker',
    );
    const result = await azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog }).fetch(
      [worker],
      range,
    );
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(fake.requests).toHaveLength(3);
    const got = result.series.get(worker.urn)!;
    expectClose(got.cpuCores, pointwiseMean(fleet.map((t) => aggregate(t.cpuCores, start, end, 300, 'mean'))));
    expectClose(got.memoryGiB, pointwiseMax(fleet.map((t) => aggregate(t.memoryGiB!, start, end, 300, 'mean'))));
  });

  it('Azure Monitor: a scale set is one call on the scale set, whose Average is the mean across its instances', async () => {
    const TOKEN = 'eyJ0eXAiOiJKV1QifQ.test-token';
    const credential: TokenCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const vmss =
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/batch-rg/providers/Microsoft.Compute/virtualMachineScaleSets/batch';
    // What Azure holds for a scale set: every instance's samples; `Average` averages them per interval.
    const pooled = (pick: (t: Trace) => Series): Series => {
      const points = fleet.flatMap((t) => pick(t).t.map((time, i) => [time, pick(t).v[i]!] as const)).sort((a, b) => a[0] - b[0]);
      return { t: points.map((p) => p[0]), v: points.map((p) => p[1]) };
    };
    const metrics = new Map<string, Series>([
      [azureMetricKey(vmss, 'Percentage CPU'), pooled((t) => ({ t: t.cpuCores.t, v: t.cpuCores.v.map((c) => (c / VCPU) * 100) }))],
      [
        azureMetricKey(vmss, 'Available Memory Bytes'),
        pooled((t) => ({ t: t.memoryGiB!.t, v: t.memoryGiB!.v.map((g) => (MEM_GIB - g) * GiB) })),
      ],
    ]);
    const fake = await startFakeAzureMonitor({ metrics, token: TOKEN });
    stops.push(() => fake.stop());
    const batch: Workload = {
      ...fleetWorkload('azure', [], 'batch'),
      urn: 'urn:pulumi:prod::p::azure-native:compute:VirtualMachineScaleSet::batch',
      type: 'azure-native:compute:VirtualMachineScaleSet',
      count: 3,
      metricIds: { name: 'batch', azureResourceId: vmss },
    };
    const result = await azureMonitorUsageSource({ credential, endpoint: fake.url, caCertificate: fake.cert.cert, ...catalog }).fetch(
      [batch],
      range,
    );
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(fake.requests.map((r) => r.path)).toEqual([`${vmss}/providers/Microsoft.Insights/metrics`]);
    const got = result.series.get(batch.urn)!;
    expectClose(got.cpuCores, pointwiseMean(fleet.map((t) => aggregate(t.cpuCores, start, end, 300, 'mean'))));
    expectClose(got.memoryGiB, pointwiseMean(fleet.map((t) => aggregate(t.memoryGiB!, start, end, 300, 'mean'))));
  });

  it('Cloud Monitoring: the 3 instance ids in one one_of filter per metric; the mean of the 3 traces', async () => {
    const TOKEN = 'ya29.stackfit-test-token';
    const PROJECT = 'stackfit-demo-prod';
    const instanceId = (t: Trace): string => `48151623420000${idOf(t).padStart(4, '0')}`;
    const metrics = new Map<string, Series>();
    for (const t of fleet) {
      metrics.set(gcpMetricKey(PROJECT, GCP_CPU, instanceId(t)), { t: t.cpuCores.t, v: t.cpuCores.v.map((c) => c / VCPU) });
      metrics.set(gcpMetricKey(PROJECT, GCP_MEMORY, instanceId(t)), {
        t: t.memoryGiB!.t,
        v: t.memoryGiB!.v.map((g) => (g / MEM_GIB) * 100),
      });
    }
    const fake = await startFakeGcpMonitoring({ metrics, token: TOKEN });
    stops.push(() => fake.stop());
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
    // The project is the workload's (as the inventory records it); instances carry id and zone.
    const api: Workload = {
      ...fleetWorkload(
        'gcp',
        fleet.map((t) => ({ gcpInstanceId: instanceId(t), gcpZone: 'us-central1-a' })),
        'api',
      ),
    };
    api.metricIds.gcpProject = PROJECT;
    const source = gcpMonitoringUsageSource({
      ...catalog,
      retryInitialDelayMs: 10,
      client: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', authClient },
    });
    const result = await source.fetch([api], range);
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]!.params.filter).toContain(`one_of(${fleet.map((t) => `"${instanceId(t)}"`).join(', ')})`);
    const shift = (s: Series): Series => ({ t: s.t.map((t) => t + 300_000), v: s.v });
    const got = result.series.get(api.urn)!;
    expectClose(got.cpuCores, pointwiseMean(fleet.map((t) => shift(aggregate(t.cpuCores, start, end, 300, 'mean')))));
    expectClose(got.memoryGiB, pointwiseMax(fleet.map((t) => shift(aggregate(t.memoryGiB!, start, end, 300, 'mean')))));
  });
});

describe('combineInstances: a failed instance is a failed workload', () => {
  it('one instance the source could not read makes the workload failed (the run stops), not "sized from the others"; no data stays a warning', () => {
    const w: Workload = {
      urn: 'urn:pulumi:prod::p::aws:ec2/instance:Instance::web',
      name: 'web',
      type: 'aws:ec2/instance:Instance',
      kind: 'vm',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.large',
      count: 2,
      metricIds: { name: 'web', instances: [{ awsInstanceId: 'i-0aaaaaaaaaaaaaaa1' }, { awsInstanceId: 'i-0aaaaaaaaaaaaaaa2' }] },
    };
    const { expanded, parents } = expandInstances([w]);
    const served = { urn: expanded[0]!.urn, cpuCores: { t: [0, 300_000], v: [1, 2] }, source: 'cloudwatch' };
    const failed = combineInstances(
      {
        series: new Map([[served.urn, served]]),
        missing: [{ urn: expanded[1]!.urn, reason: 'cloudwatch: GetMetricData failed: AccessDenied', failed: true }],
      },
      parents,
      'cloudwatch',
    );
    expect(failed.series.size).toBe(0);
    expect(failed.missing).toEqual([
      {
        urn: w.urn,
        reason: 'cloudwatch: could not read 1 of the 2 instances (i-0aaaaaaaaaaaaaaa2: GetMetricData failed: AccessDenied)',
        failed: true,
      },
    ]);
    const noData = combineInstances(
      {
        series: new Map([[served.urn, served]]),
        missing: [{ urn: expanded[1]!.urn, reason: 'cloudwatch: no CPUUtilization data in the range' }],
      },
      parents,
      'cloudwatch',
    );
    expect(noData.series.get(w.urn)?.cpuCores).toEqual({ t: [0, 300_000], v: [1, 2] });
    expect(noData.missing).toEqual([]);
    expect(noData.warnings).toEqual([
      'web: cloudwatch has usage for 1 of 2 instances, sized from those (i-0aaaaaaaaaaaaaaa2: no CPUUtilization data in the range)',
    ]);
  });
});
