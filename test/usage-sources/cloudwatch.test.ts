import { afterEach, describe, expect, it } from 'vitest';
import type { Series, UsageRange, Workload } from '../../src/model';
import { cloudWatchPeriod, cloudWatchUsageSource } from '../../src/usage/cloudwatch';
import { fetchUsage } from '../../src/usage/fetch';
import { readTraceDir, type Trace } from '../../src/usage/traces';
import { aggregate } from '../support/cloud-fakes/common';
import { metricKey, startFakeCloudWatch, type FakeCloudWatch } from '../support/cloud-fakes/cloudwatch';
import { BITBRAINS_DIR } from '../support/prometheus';

const traces = readTraceDir(BITBRAINS_DIR);
const GiB = 2 ** 30;
const credentials = { accessKeyId: 'AKIDSTACKFITTEST', secretAccessKey: 'not-a-real-secret' };
const start = Math.min(...traces.map((t) => t.cpuCores.t[0]!));
const end = Math.max(...traces.map((t) => t.cpuCores.t.at(-1)!)) + 1;
const range: UsageRange = { start: new Date(start), end: new Date(end), stepSeconds: 300 };
/** 20 days after the trace (its start 50 days back): CloudWatch would only have 5-minute data left. */
const now = (): Date => new Date(end + 20 * 86_400_000);

const idOf = (t: Trace): string => t.id.replace(/\.csv$/, '');
const vcpuOf = new Map(traces.map((t) => [idOf(t), t.provisioned!.vcpu]));
const memOf = new Map(traces.map((t) => [idOf(t), t.provisioned!.memoryGiB]));

function ec2(t: Trace, region = 'us-east-1'): Workload {
  return {
    urn: `urn:pulumi:prod::p::aws:ec2/instance:Instance::vm-${idOf(t)}`,
    name: `vm-${idOf(t)}`,
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud: 'aws',
    region,
    size: `bitbrains-${idOf(t)}`,
    count: 1,
    metricIds: { name: `vm-${idOf(t)}`, awsInstanceId: `i-0000000000000${idOf(t).padStart(4, '0')}` },
  };
}

function rds(t: Trace): Workload {
  return {
    urn: `urn:pulumi:prod::p::aws:rds/instance:Instance::db-${idOf(t)}`,
    name: `db-${idOf(t)}`,
    type: 'aws:rds/instance:Instance',
    kind: 'database',
    cloud: 'aws',
    region: 'eu-west-1',
    size: `bitbrains-${idOf(t)}`,
    count: 1,
    metricIds: { name: `db-${idOf(t)}`, awsDbInstanceId: `db-${idOf(t)}` },
  };
}

const sizeKey = (w: Workload): string => w.size.replace('bitbrains-', '');
const catalog = { vcpuOf: (w: Workload) => vcpuOf.get(sizeKey(w)), memoryGiBOf: (w: Workload) => memOf.get(sizeKey(w)) };

/** The real traces as CloudWatch would hold them: CPU %, agent memory %, RDS freeable bytes. */
function metrics(): Map<string, Series> {
  const m = new Map<string, Series>();
  for (const t of traces) {
    const w = ec2(t);
    const prov = t.provisioned!;
    m.set(metricKey('AWS/EC2', 'CPUUtilization', 'InstanceId', w.metricIds.awsInstanceId!), {
      t: t.cpuCores.t,
      v: t.cpuCores.v.map((c) => (c / prov.vcpu) * 100),
    });
    m.set(metricKey('CWAgent', 'mem_used_percent', 'InstanceId', w.metricIds.awsInstanceId!), {
      t: t.memoryGiB!.t,
      v: t.memoryGiB!.v.map((g) => (g / prov.memoryGiB) * 100),
    });
    m.set(metricKey('AWS/RDS', 'CPUUtilization', 'DBInstanceIdentifier', `db-${idOf(t)}`), {
      t: t.cpuCores.t,
      v: t.cpuCores.v.map((c) => (c / prov.vcpu) * 100),
    });
    m.set(metricKey('AWS/RDS', 'FreeableMemory', 'DBInstanceIdentifier', `db-${idOf(t)}`), {
      t: t.memoryGiB!.t,
      v: t.memoryGiB!.v.map((g) => (prov.memoryGiB - g) * GiB),
    });
  }
  return m;
}

function expectClose(actual: Series | undefined, expected: Series, tolerance = 1e-9): void {
  expect(actual).toBeDefined();
  expect(actual!.t).toEqual(expected.t);
  for (let i = 0; i < expected.v.length; i++) expect(Math.abs(actual!.v[i]! - expected.v[i]!)).toBeLessThan(tolerance);
}

let fake: FakeCloudWatch | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('CloudWatch usage source (real SDK against a loopback CloudWatch)', () => {
  it('reads CPU and agent memory of every EC2 instance, paging with NextToken, values equal to the traces', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics(), maxDatapointsPerPage: 20_000 });
    const workloads = traces.map((t) => ec2(t));
    const source = cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, ...catalog });
    const result = await source.fetch(workloads, range);
    expect(fake.protocolErrors).toEqual([]);
    expect(result.missing).toEqual([]);

    const totalPoints = traces.reduce(
      (n, t) => n + aggregate(t.cpuCores, start, end, 300, 'mean').t.length + aggregate(t.memoryGiB!, start, end, 300, 'mean').t.length,
      0,
    );
    expect(fake.requests).toHaveLength(Math.ceil(totalPoints / 20_000));
    expect(source.stats.requests).toBe(fake.requests.length);
    const first = fake.requests[0]!.body;
    expect(first.MetricDataQueries).toHaveLength(20);
    expect(first.MetricDataQueries[0]).toEqual({
      Id: 'c0',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EC2',
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'InstanceId', Value: workloads[0]!.metricIds.awsInstanceId }],
        },
        Period: 300,
        Stat: 'Average',
      },
      ReturnData: true,
    });
    expect(first.StartTime).toBe(start / 1000);
    expect(fake.requests.every((r) => r.signingRegion === 'us-east-1')).toBe(true);
    expect(fake.requests.slice(1).every((r) => r.body.NextToken)).toBe(true);

    for (const [i, t] of traces.entries()) {
      const got = result.series.get(workloads[i]!.urn);
      expect(got?.source).toBe('cloudwatch:us-east-1');
      expectClose(got?.cpuCores, aggregate(t.cpuCores, start, end, 300, 'mean'));
      expectClose(got?.memoryGiB, aggregate(t.memoryGiB!, start, end, 300, 'mean'));
    }
  });

  it('reads RDS CPU and memory (class memory − FreeableMemory) with Maximum, signed for the workload region', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics() });
    const t = traces[3]!;
    const source = cloudWatchUsageSource({ endpoint: fake.url, credentials, now, statistic: 'Maximum', ...catalog });
    const result = await source.fetch([rds(t)], { ...range, stepSeconds: 3600 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.signingRegion).toBe('eu-west-1');
    // The busiest minute of FreeableMemory is its Minimum: asking for its Maximum would size for the least memory used.
    expect(
      fake.requests[0]!.body.MetricDataQueries.map((q) => [q.MetricStat.Metric.MetricName, q.MetricStat.Period, q.MetricStat.Stat]),
    ).toEqual([
      ['CPUUtilization', 3600, 'Maximum'],
      ['FreeableMemory', 3600, 'Minimum'],
    ]);
    const got = result.series.get(rds(t).urn);
    expectClose(got?.cpuCores, aggregate(t.cpuCores, start, end, 3600, 'max'));
    expectClose(got?.memoryGiB, aggregate(t.memoryGiB!, start, end, 3600, 'max'), 1e-6);
  });

  it('reads 30-day-old data with a 7-minute step at a 10-minute period (a 420 s period would get no data)', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics() });
    const t = traces[0]!;
    const source = cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, ...catalog });
    const result = await source.fetch([ec2(t)], { ...range, stepSeconds: 420 });
    expect(fake.requests.map((r) => r.body.MetricDataQueries[0]!.MetricStat.Period)).toEqual([600]);
    expectClose(result.series.get(ec2(t).urn)?.cpuCores, aggregate(t.cpuCores, start, end, 600, 'mean'));
  });

  it('retries throttling with backoff and still returns the data', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics(), throttleFirst: 2 });
    const t = traces[0]!;
    const source = cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, ...catalog });
    const result = await source.fetch([ec2(t)], range);
    expect(fake.httpRequests).toBe(3);
    expect(source.stats.requests).toBe(3);
    expectClose(result.series.get(ec2(t).urn)?.cpuCores, aggregate(t.cpuCores, start, end, 300, 'mean'));
  });

  it('keeps the other calls when one fails, and reports the failed workloads with the cause', async () => {
    const [a, b] = traces;
    const bad = ec2(b!);
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics(), failDimensionValue: bad.metricIds.awsInstanceId! });
    const source = cloudWatchUsageSource({
      endpoint: fake.url,
      credentials,
      region: 'us-east-1',
      now,
      queriesPerCall: 2,
      maxAttempts: 2,
      ...catalog,
    });
    const result = await source.fetch([ec2(a!), bad], range);
    expect(result.series.has(ec2(a!).urn)).toBe(true);
    expect(result.missing).toEqual([
      { urn: bad.urn, reason: 'cloudwatch:us-east-1: GetMetricData failed: InternalFailure: internal failure', failed: true },
    ]);
    // One call for the good workload, two attempts for the failing one.
    expect(fake.httpRequests).toBe(3);
  });

  it('a per-query Forbidden on memory is a warning naming the metric: CPU kept, marked partial, the run goes on', async () => {
    const [a, b] = traces;
    const denied = ec2(a!);
    fake = await startFakeCloudWatch({
      now: now().getTime(),
      metrics: metrics(),
      queryErrors: [
        {
          metricName: 'mem_used_percent',
          dimensionValue: denied.metricIds.awsInstanceId!,
          statusCode: 'Forbidden',
          message: 'User is not authorized to access the CWAgent namespace',
        },
      ],
    });
    const source = cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, ...catalog });
    const fetched = await fetchUsage([source], [denied, ec2(b!)], range, { progress: false });
    expect(fake.protocolErrors).toEqual([]);
    expect(fetched.failures).toEqual([]);
    expect(fetched.missing).toEqual([]);
    const got = fetched.series.get(denied.urn);
    expectClose(got?.cpuCores, aggregate(a!.cpuCores, start, end, 300, 'mean'));
    expect(got?.memoryGiB).toBeUndefined();
    expect(got?.partial).toBe(true);
    // The other instance in the same call keeps its memory.
    expectClose(fetched.series.get(ec2(b!).urn)?.memoryGiB, aggregate(b!.memoryGiB!, start, end, 300, 'mean'));
    expect(fetched.warnings).toEqual([
      `cloudwatch:us-east-1: partial: ${denied.name}: memory could not be read (Forbidden for CWAgent mem_used_percent (InstanceId=${denied.metricIds.awsInstanceId}): Forbidden: User is not authorized to access the CWAgent namespace); it is sized on CPU only`,
    ]);
  });

  it('a per-query Forbidden or InternalError on CPU is a failed read, never "no data": the run stops', async () => {
    const [a, b, c] = traces;
    const forbidden = ec2(a!);
    const broken = ec2(b!);
    fake = await startFakeCloudWatch({
      now: now().getTime(),
      metrics: metrics(),
      queryErrors: [
        {
          metricName: 'CPUUtilization',
          dimensionValue: forbidden.metricIds.awsInstanceId!,
          statusCode: 'Forbidden',
          message: 'Authentication too complex to retrieve cross region data',
        },
        {
          metricName: 'CPUUtilization',
          dimensionValue: broken.metricIds.awsInstanceId!,
          statusCode: 'InternalError',
          message: 'Internal service error',
        },
      ],
    });
    const source = cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, ...catalog });
    const fetched = await fetchUsage([source], [forbidden, broken, ec2(c!)], range, { progress: false });
    expect(fetched.series.has(ec2(c!).urn)).toBe(true);
    expect(fetched.missing).toEqual([
      {
        urn: forbidden.urn,
        reason: `cloudwatch:us-east-1: Forbidden for AWS/EC2 CPUUtilization (InstanceId=${forbidden.metricIds.awsInstanceId}): Forbidden: Authentication too complex to retrieve cross region data`,
        failed: true,
      },
      {
        urn: broken.urn,
        reason: `cloudwatch:us-east-1: InternalError for AWS/EC2 CPUUtilization (InstanceId=${broken.metricIds.awsInstanceId}): InternalError: Internal service error`,
        failed: true,
      },
    ]);
    expect(fetched.failures).toHaveLength(1);
    expect(String(fetched.failures[0]!.error)).toContain(
      'cloudwatch:us-east-1: 2 of 3 workload(s) could not be read: Forbidden for AWS/EC2 CPUUtilization',
    );
  });

  it('throttling beyond the retry budget fails the source; an instance CloudWatch has no data for is only missing', async () => {
    const t = traces[0]!;
    const idle: Workload = { ...ec2(t), urn: 'urn:idle', metricIds: { name: 'idle', awsInstanceId: 'i-0idle00000000000' } };
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics() });
    const ok = await fetchUsage(
      [cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, ...catalog })],
      [idle],
      range,
      { progress: false },
    );
    expect(ok.failures).toEqual([]);
    expect(ok.missing).toEqual([{ urn: 'urn:idle', reason: 'cloudwatch:us-east-1: no CPUUtilization data in the range' }]);
    await fake.stop();

    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics(), throttleFirst: 100 });
    const throttled = await fetchUsage(
      [cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, maxAttempts: 2, ...catalog })],
      [ec2(t)],
      range,
      { progress: false },
    );
    expect(fake.httpRequests).toBe(2);
    expect(throttled.missing).toEqual([
      { urn: ec2(t).urn, reason: 'cloudwatch:us-east-1: GetMetricData failed: Throttling: Rate exceeded', failed: true },
    ]);
    expect((throttled.failures[0]!.error as Error).message).toBe(
      'cloudwatch:us-east-1: 1 of 1 workload(s) could not be read: GetMetricData failed: Throttling: Rate exceeded',
    );
  });

  it('lists workloads it cannot serve, without calling the API', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: metrics() });
    const t = traces[0]!;
    const noId: Workload = { ...ec2(t), urn: 'urn:noid', metricIds: { name: 'x' } };
    const unknownSize: Workload = { ...ec2(t), urn: 'urn:size', size: 'm9.huge' };
    const result = await cloudWatchUsageSource({ endpoint: fake.url, credentials, region: 'us-east-1', now, ...catalog }).fetch(
      [noId, unknownSize],
      range,
    );
    expect(result.missing).toEqual([
      { urn: 'urn:noid', reason: 'cloudwatch:us-east-1: no EC2 instance id in the stack state' },
      { urn: 'urn:size', reason: 'cloudwatch:us-east-1: vCPU count of m9.huge unknown, cannot turn CPUUtilization % into cores' },
    ]);
    expect(fake.httpRequests).toBe(0);
  });
});

describe('cloudWatchPeriod', () => {
  const day = 86_400_000;
  const at = new Date('2026-06-01T00:00:00Z');
  const r = (daysAgo: number, step: number): UsageRange => ({ start: new Date(at.getTime() - daysAgo * day), end: at, stepSeconds: step });
  it('follows CloudWatch retention: 1 minute for 15 days, 5 minutes for 63 days, 1 hour up to 455 days', () => {
    expect(cloudWatchPeriod(r(14, 60), at)).toBe(60);
    expect(cloudWatchPeriod(r(30, 60), at)).toBe(300);
    expect(cloudWatchPeriod(r(90, 60), at)).toBe(3600);
    expect(cloudWatchPeriod(r(7, 90), at)).toBe(120);
    expect(cloudWatchPeriod(r(30, 3600), at)).toBe(3600);
    // Older data is kept at 5 minutes / 1 hour only: other periods get no data there.
    expect(cloudWatchPeriod(r(30, 420), at)).toBe(600);
    expect(cloudWatchPeriod(r(90, 5400), at)).toBe(7200);
    expect(cloudWatchPeriod(r(7, 90), at) % 60).toBe(0);
  });
});
