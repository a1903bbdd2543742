/**
 * Pools read from the cloud monitors as a whole (no Prometheus): an EC2 auto scaling group and
 * the ASG behind an EKS managed node group from CloudWatch, against the loopback CloudWatch
 * speaking the real GetMetricData protocol. The group's nodes are real Bitbrains VMs
 * (data/traces), each taken as one m5.xlarge node of the group: CloudWatch's per-group
 * CPUUtilization is then the mean of their percentages, GroupInServiceInstances their number.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { stackfitConfigSchema } from '../../src/config/schema';
import type { Series, UsageRange, Workload } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { planToEdits } from '../../src/gitops/edits';
import { applyConfigEdits } from '../../src/gitops/updaters/stack-config';
import { allocatableOf } from '../../src/pools';
import { readInventory } from '../../src/stack';
import { cloudWatchUsageSource } from '../../src/usage/cloudwatch';
import { resolveUsageSources } from '../../src/usage/resolve';
import { readTraceDir } from '../../src/usage/traces';
import { metricKey, startFakeCloudWatch, type FakeCloudWatch } from '../support/cloud-fakes/cloudwatch';
import { gcpMetricKey, startFakeGcpMonitoring, type FakeGcpMonitoring } from '../support/cloud-fakes/gcp-monitoring';
import { OAuth2Client } from 'google-auth-library';
import { gcpMonitoringUsageSource } from '../../src/usage/gcp-monitoring';
import { azureMonitorUsageSource } from '../../src/usage/azure-monitor';
import { azureMonitorPoolSource } from '../../src/usage/azure-monitor/pools';
import type { MonitorClient } from '@azure/arm-monitor';
import { azureInstanceKey, startFakeAzureMonitor, type FakeAzureMonitor } from '../support/cloud-fakes/azure-monitor';
import { BITBRAINS_DIR } from '../support/prometheus';

const catalog = loadCatalog();
const M5_XLARGE = catalog.lookup('aws', 'us-east-1', 'm5.xlarge')!;
/** The fresh stack export of this folder: ASG via launch template, EKS node group, AKS pool, GKE pool. */
export const FOUR_GROUPS = path.join(__dirname, 'fixtures', 'four-groups.stack.json');
const WEB_ASG = 'web-asg-3f9c1e2';
const EKS_ASG = 'eks-apps-a8c5e1f2-1234-5678-9abc-def012345678';
const credentials = { accessKeyId: 'AKIDSTACKFITTEST', secretAccessKey: 'not-a-real-secret' };

// Nodes: the traces that fit an m5.xlarge (4 vCPU, 16 GiB) all window long.
const members = readTraceDir(BITBRAINS_DIR)
  .filter((t) => Math.max(...t.cpuCores.v) <= M5_XLARGE.vcpu && Math.max(...t.memoryGiB!.v) <= M5_XLARGE.memoryGiB)
  .slice(0, 6);
const start = Math.max(...members.map((t) => t.cpuCores.t[0]!));
const end = Math.min(...members.map((t) => t.cpuCores.t.at(-1)!)) + 1;
const range: UsageRange = { start: new Date(Math.ceil(start / 300_000) * 300_000), end: new Date(end), stepSeconds: 300 };
const now = (): Date => new Date(end + 86_400_000);

/** Per sample time: the members reporting, their mean CPU % and memory %, and their total cores / GiB. */
function groupSeries(): { cpuPct: Series; memPct: Series; nodes: Series; cores: Map<number, number> } {
  const at = new Map<number, { cpu: number[]; mem: number[] }>();
  for (const t of members) {
    const seen = new Set<number>();
    t.cpuCores.t.forEach((raw, i) => {
      // On CloudWatch's 5-minute grid (one sample of each node per period, as EC2 reports).
      const ts = Math.floor(raw / 300_000) * 300_000;
      if (ts < range.start.getTime() || raw >= end || seen.has(ts)) return;
      seen.add(ts);
      const acc = at.get(ts) ?? { cpu: [], mem: [] };
      acc.cpu.push(t.cpuCores.v[i]!);
      acc.mem.push(t.memoryGiB!.v[i]!);
      at.set(ts, acc);
    });
  }
  const times = [...at.keys()].sort((a, b) => a - b);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    cpuPct: { t: times, v: times.map((ts) => (mean(at.get(ts)!.cpu) / M5_XLARGE.vcpu) * 100) },
    memPct: { t: times, v: times.map((ts) => (mean(at.get(ts)!.mem) / M5_XLARGE.memoryGiB) * 100) },
    nodes: { t: times, v: times.map((ts) => at.get(ts)!.cpu.length) },
    cores: new Map(times.map((ts) => [ts, at.get(ts)!.cpu.reduce((a, b) => a + b, 0)])),
  };
}

function cloudWatchMetrics(groups: string[], withNodes = true): Map<string, Series> {
  const g = groupSeries();
  const m = new Map<string, Series>();
  for (const name of groups) {
    m.set(metricKey('AWS/EC2', 'CPUUtilization', 'AutoScalingGroupName', name), g.cpuPct);
    m.set(metricKey('CWAgent', 'mem_used_percent', 'AutoScalingGroupName', name), g.memPct);
    if (withNodes) m.set(metricKey('AWS/AutoScaling', 'GroupInServiceInstances', 'AutoScalingGroupName', name), g.nodes);
  }
  return m;
}

function asg(name: string, groupName: string | undefined): Workload {
  return {
    urn: `urn:pulumi:prod::fleet::aws:autoscaling/group:Group::${name}`,
    name,
    type: 'aws:autoscaling/group:Group',
    kind: 'vm',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'm5.xlarge',
    count: 6,
    metricIds: { name, ...(groupName ? { awsAutoScalingGroupName: groupName } : {}) },
    pool: { kind: 'vm-group', min: 3, max: 12, spot: false, poolName: groupName ?? name },
  };
}

const specs = {
  vcpuOf: (w: Workload) => catalog.lookup('aws', 'us-east-1', w.size)?.vcpu,
  memoryGiBOf: (w: Workload) => catalog.lookup('aws', 'us-east-1', w.size)?.memoryGiB,
};

let fake: FakeCloudWatch | undefined;
let gcpFake: FakeGcpMonitoring | undefined;
let azureFake: FakeAzureMonitor | undefined;
afterEach(async () => {
  await Promise.all([fake?.stop(), gcpFake?.stop(), azureFake?.stop()]);
  fake = undefined;
  gcpFake = undefined;
  azureFake = undefined;
});

describe('CloudWatch: an auto scaling group as a whole', () => {
  it('reads CPU and memory by AutoScalingGroupName and GroupInServiceInstances: group use = per-node mean × nodes, in one call', async () => {
    expect(members.length).toBe(6);
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: cloudWatchMetrics([WEB_ASG]) });
    const source = cloudWatchUsageSource({ region: 'us-east-1', endpoint: fake.url, credentials, now, ...specs });
    const got = await source.pools.fetchPools([asg('web-asg', WEB_ASG)], range);
    expect(got.missing).toEqual([]);
    expect(got.warnings).toBeUndefined();
    const demand = got.demands.get(asg('web-asg', WEB_ASG).urn)!;
    expect(demand.basis).toBe('utilisation');
    const g = groupSeries();
    // Every period: the group's total cores are the members' summed cores.
    expect(demand.cpu.t.length).toBe(g.cpuPct.t.length);
    demand.cpu.t.forEach((ts, i) => expect(demand.cpu.v[i]).toBeCloseTo(g.cores.get(ts)!, 6));
    expect(Math.max(...demand.nodes!.v)).toBe(6);
    expect(demand.memoryGiB!.v.length).toBe(g.memPct.t.length);
    expect(demand.measured).toContain('AWS/EC2 CPUUtilization (AutoScalingGroupName=web-asg-3f9c1e2)');
    expect(demand.measured).toContain('not by pod requests');
    // The three metrics of the group, asked in one GetMetricData request, by the group's name.
    expect(fake.protocolErrors).toEqual([]);
    expect(fake.requests.length).toBe(1);
    expect(
      fake.requests[0]!.body.MetricDataQueries.map(
        (q) => `${q.MetricStat.Metric.Namespace} ${q.MetricStat.Metric.MetricName} ${q.MetricStat.Stat}`,
      ),
    ).toEqual(['AWS/EC2 CPUUtilization Average', 'CWAgent mem_used_percent Average', 'AWS/AutoScaling GroupInServiceInstances Average']);
  });

  it('without group metrics collection: the declared count is used and a warning says to enable it', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: cloudWatchMetrics([WEB_ASG], false) });
    const source = cloudWatchUsageSource({ region: 'us-east-1', endpoint: fake.url, credentials, now, ...specs });
    const got = await source.pools.fetchPools([asg('web-asg', WEB_ASG)], range);
    const demand = got.demands.get(asg('web-asg', WEB_ASG).urn)!;
    expect(demand.nodes).toBeUndefined();
    const g = groupSeries();
    // mean % × the declared 6 nodes
    demand.cpu.t.forEach((ts, i) => expect(demand.cpu.v[i]).toBeCloseTo((g.cpuPct.v[i]! / 100) * M5_XLARGE.vcpu * 6, 6));
    expect(got.warnings).toEqual([
      'cloudwatch:us-east-1: web-asg: no AWS/AutoScaling GroupInServiceInstances (AutoScalingGroupName=web-asg-3f9c1e2) data: group metrics collection is not enabled on the group (aws autoscaling enable-metrics-collection); its node count is taken as the declared 6 throughout',
    ]);
  });

  it('no data for a group is a reason (not a failure); no group name in the state is one too', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: new Map() });
    const source = cloudWatchUsageSource({ region: 'us-east-1', endpoint: fake.url, credentials, now, ...specs });
    const got = await source.pools.fetchPools([asg('web-asg', WEB_ASG), asg('old-asg', undefined)], range);
    expect(got.demands.size).toBe(0);
    expect(got.missing).toEqual([
      { urn: asg('old-asg', undefined).urn, reason: 'cloudwatch:us-east-1: old-asg: no auto scaling group name in the state' },
      {
        urn: asg('web-asg', WEB_ASG).urn,
        reason: 'cloudwatch:us-east-1: web-asg: no AWS/EC2 CPUUtilization (AutoScalingGroupName=web-asg-3f9c1e2) data in the window',
      },
    ]);
  });

  it('a failed call or a refused CPU query is a failure of the read', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: cloudWatchMetrics([WEB_ASG]), failDimensionValue: WEB_ASG });
    const source = cloudWatchUsageSource({ region: 'us-east-1', endpoint: fake.url, credentials, now, maxAttempts: 2, ...specs });
    const got = await source.pools.fetchPools([asg('web-asg', WEB_ASG)], range);
    expect(got.missing).toEqual([
      {
        urn: asg('web-asg', WEB_ASG).urn,
        reason: 'cloudwatch:us-east-1: web-asg: GetMetricData failed: InternalFailure: internal failure',
        failed: true,
      },
    ]);
    await fake.stop();
    fake = await startFakeCloudWatch({
      metrics: cloudWatchMetrics([WEB_ASG]),
      queryErrors: [{ metricName: 'CPUUtilization', statusCode: 'Forbidden', message: 'no access to AWS/EC2' }],
    });
    const refused = cloudWatchUsageSource({ region: 'us-east-1', endpoint: fake.url, credentials, now, ...specs });
    const again = await refused.pools.fetchPools([asg('web-asg', WEB_ASG)], range);
    expect(again.missing[0]).toMatchObject({ failed: true, reason: expect.stringContaining('Forbidden: Forbidden: no access to AWS/EC2') });
  });
});

describe('recommend on a fresh stack export with the cloud monitors as the only usage', () => {
  const config = stackfitConfigSchema.parse({ lookbackDays: 28, minHistoryHours: 24, usage: { stepSeconds: 300 } });

  async function run(fakeCw: FakeCloudWatch) {
    const inventory = readInventory(FOUR_GROUPS);
    const usage = resolveUsageSources(['cloudwatch:us-east-1'], {
      config,
      ...specs,
      cache: false,
      sourceOptions: { cloudwatch: { endpoint: fakeCw.url, credentials, now, maxAttempts: 2 } },
    });
    return recommend({ inventory, usage, config, catalog, now: new Date(end) });
  }

  it('the ASG and the EKS node group are sized on their nodes’ use, with the rule in the evidence; the others say why not', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: cloudWatchMetrics([WEB_ASG, EKS_ASG]) });
    const rec = await run(fake);
    const item = (name: string) => rec.plan.items.find((i) => i.workload.name === name)!;
    for (const name of ['web-asg', 'apps-ng']) {
      const pool = item(name).pool!;
      expect(pool.evidence.join('\n')).toContain('node utilisation from CloudWatch');
      expect(pool.evidence.join('\n')).toContain('not by pod requests');
      // What the group used at its busiest fits the new nodes at the profile's target.
      const chosen = item(name).chosen!;
      const peak = Math.max(...groupSeries().cores.values());
      expect(pool.after.desired * allocatableOf(chosen).cpu * 0.65).toBeGreaterThanOrEqual(peak);
    }
    // Six nodes using a few cores: fewer or smaller nodes.
    expect(item('web-asg').monthlyAfter!).toBeLessThan(item('web-asg').monthlyBefore!);
    const reasons = rec.missingUsage.map((m) => m.reason).join('\n');
    expect(reasons).toContain('gpu-ng: no auto scaling group name in the state');
    expect(rec.plan.items.find((i) => i.workload.name === 'gke-pool')!.reason).toContain('no pool metrics source serves gcp pools');
  });

  it('a failing CloudWatch read stops the run with one line naming the group and the error', async () => {
    fake = await startFakeCloudWatch({ now: now().getTime(), metrics: cloudWatchMetrics([WEB_ASG, EKS_ASG]), failDimensionValue: EKS_ASG });
    await expect(run(fake)).rejects.toThrow(
      /pool\(s\) could not be read, so no plan is made on incomplete usage: cloudwatch:us-east-1: web-asg: GetMetricData failed: InternalFailure: internal failure/,
    );
  });
});

describe('Cloud Monitoring: a managed instance group as a whole', () => {
  const TOKEN = 'ya29.stackfit-test-token';
  const PROJECT = 'fleet-prod-4711';
  const GROUP = 'web-mig';
  const E2 = catalog.lookup('gcp', 'us-central1', 'e2-standard-4')!;
  const ids = members.map((_, i) => String(4_000_000_000_000_000_000n + BigInt(i)));
  const mig: Workload = {
    urn: 'urn:pulumi:prod::fleet::gcp:compute/instanceGroupManager:InstanceGroupManager::web',
    name: 'web',
    type: 'gcp:compute/instanceGroupManager:InstanceGroupManager',
    kind: 'vm',
    cloud: 'gcp',
    region: 'us-central1',
    zone: 'us-central1-a',
    size: 'e2-standard-4',
    count: 6,
    metricIds: { name: 'web', gcpProject: PROJECT, gcpZone: 'us-central1-a', gcpInstanceGroup: GROUP },
    pool: { kind: 'vm-group', spot: false, poolName: GROUP },
  };
  /** Each member trace is one VM of the group: CPU as the fraction of the e2-standard-4's vCPUs, memory as the agent's percent. */
  function metrics(): Map<string, Series> {
    const m = new Map<string, Series>();
    members.forEach((t, i) => {
      m.set(gcpMetricKey(PROJECT, 'compute.googleapis.com/instance/cpu/utilization', ids[i]!), {
        t: t.cpuCores.t,
        v: t.cpuCores.v.map((c) => c / E2.vcpu),
      });
      m.set(gcpMetricKey(PROJECT, 'agent.googleapis.com/memory/percent_used', ids[i]!), {
        t: t.memoryGiB!.t,
        v: t.memoryGiB!.v.map((g) => (g / E2.memoryGiB) * 100),
      });
    });
    return m;
  }
  function source(f: FakeGcpMonitoring) {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
    return gcpMonitoringUsageSource({
      client: { apiEndpoint: '127.0.0.1', port: f.port, protocol: 'http', authClient },
      retryInitialDelayMs: 1,
      timeoutMs: 20_000,
      vcpuOf: (w) => catalog.lookup('gcp', 'us-central1', w.size)?.vcpu,
      memoryGiBOf: (w) => catalog.lookup('gcp', 'us-central1', w.size)?.memoryGiB,
    });
  }

  it('selects the group’s VMs by metadata.system_labels.instance_group: use summed over them, nodes = VMs reporting', async () => {
    gcpFake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, instanceGroups: new Map([[GROUP, ids]]) });
    const got = await source(gcpFake).pools.fetchPools([mig], range);
    expect(got.missing).toEqual([]);
    const demand = got.demands.get(mig.urn)!;
    expect(demand.basis).toBe('utilisation');
    // Per 5-minute period, the members' cores summed (the fake aligns each VM's samples to the period, as the API does).
    const g = groupSeries();
    const peak = Math.max(...g.cores.values());
    expect(Math.max(...demand.cpu.v)).toBeCloseTo(peak, 6);
    expect(Math.max(...demand.nodes!.v)).toBe(6);
    expect(demand.memoryGiB).toBeDefined();
    expect(demand.measured).toContain('metadata.system_labels.instance_group');
    expect(gcpFake.protocolErrors).toEqual([]);
    expect(gcpFake.requests.map((r) => r.params.filter)).toEqual([
      'metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance" AND metadata.system_labels.instance_group = "web-mig"',
      'metric.type = "agent.googleapis.com/memory/percent_used" AND metric.labels.state = "used" AND resource.type = "gce_instance" AND metadata.system_labels.instance_group = "web-mig"',
    ]);
  });

  it('no VM of the group reporting is a reason; a refused read is a failure that stops recommend', async () => {
    gcpFake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, instanceGroups: new Map() });
    const empty = await source(gcpFake).pools.fetchPools([mig], range);
    expect(empty.missing).toEqual([
      {
        urn: mig.urn,
        reason:
          'gcp-monitoring: web: no compute.googleapis.com/instance/cpu/utilization data for instances of group web-mig (metadata.system_labels.instance_group) in the window',
      },
    ]);
    await gcpFake.stop();
    gcpFake = await startFakeGcpMonitoring({
      metrics: metrics(),
      token: TOKEN,
      instanceGroups: new Map([[GROUP, ids]]),
      forbiddenProject: PROJECT,
    });
    const config = stackfitConfigSchema.parse({ lookbackDays: 28, minHistoryHours: 24, usage: { stepSeconds: 300 } });
    const gcpSource = source(gcpFake);
    await expect(
      recommend({
        inventory: { source: 'test', workloads: [mig], skipped: [] },
        usage: [{ ...gcpSource, cloud: 'gcp' } as never],
        config,
        catalog,
        now: new Date(end),
      }),
    ).rejects.toThrow(
      '1 of 1 pool(s) could not be read, so no plan is made on incomplete usage: gcp-monitoring: web: timeSeries.list in project fleet-prod-4711 failed: HTTP 403 PERMISSION_DENIED: Permission monitoring.timeSeries.list denied (or the resource may not exist).',
    );
  });
});

describe('Cloud Monitoring: a GKE node pool (one managed instance group per zone) as a whole', () => {
  const TOKEN = 'ya29.stackfit-test-token';
  const PROJECT = 'fleet-prod-4711';
  // The pool's two zonal groups, as its instanceGroupUrls output names them in the fresh export.
  const ZONE_A = 'gke-gke-prod-general-1a2b3c4d-grp';
  const ZONE_B = 'gke-gke-prod-general-5e6f7a8b-grp';
  const E2 = catalog.lookup('gcp', 'us-central1', 'e2-standard-4')!;
  const ids = members.map((_, i) => String(5_000_000_000_000_000_000n + BigInt(i)));
  const config = stackfitConfigSchema.parse({ lookbackDays: 28, minHistoryHours: 24, usage: { stepSeconds: 300 } });
  /** The six member traces as the pool's nodes, three in each zone. */
  function metrics(): Map<string, Series> {
    const m = new Map<string, Series>();
    members.forEach((t, i) => {
      m.set(gcpMetricKey(PROJECT, 'compute.googleapis.com/instance/cpu/utilization', ids[i]!), {
        t: t.cpuCores.t,
        v: t.cpuCores.v.map((c) => c / E2.vcpu),
      });
      m.set(gcpMetricKey(PROJECT, 'agent.googleapis.com/memory/percent_used', ids[i]!), {
        t: t.memoryGiB!.t,
        v: t.memoryGiB!.v.map((g) => (g / E2.memoryGiB) * 100),
      });
    });
    return m;
  }
  const zones = (): Map<string, string[]> =>
    new Map([
      [ZONE_A, ids.slice(0, 3)],
      [ZONE_B, ids.slice(3)],
    ]);
  async function run(f: FakeGcpMonitoring) {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
    const usage = resolveUsageSources(['gcp-monitoring'], {
      config,
      vcpuOf: (w) => catalog.lookup(w.cloud, w.region ?? '', w.size)?.vcpu,
      memoryGiBOf: (w) => catalog.lookup(w.cloud, w.region ?? '', w.size)?.memoryGiB,
      cache: false,
      sourceOptions: {
        gcpMonitoring: { client: { apiEndpoint: '127.0.0.1', port: f.port, protocol: 'http', authClient }, retryInitialDelayMs: 1 },
      },
    });
    return recommend({ inventory: readInventory(FOUR_GROUPS), usage, config, catalog, now: new Date(end) });
  }

  it('the pool’s groups come from instanceGroupUrls; both zones are read and summed, nodes = VMs reporting; recommend sizes it on that', async () => {
    const pool = readInventory(FOUR_GROUPS).workloads.find((w) => w.name === 'gke-pool')!;
    expect(pool.metricIds.gcpInstanceGroups).toEqual([ZONE_A, ZONE_B]);
    gcpFake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, instanceGroups: zones() });
    const rec = await run(gcpFake);
    expect(gcpFake.protocolErrors).toEqual([]);
    const filters = gcpFake.requests.map((r) => r.params.filter);
    for (const group of [ZONE_A, ZONE_B]) {
      expect(filters).toContain(
        `metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance" AND metadata.system_labels.instance_group = "${group}"`,
      );
      expect(filters).toContain(
        `metric.type = "agent.googleapis.com/memory/percent_used" AND metric.labels.state = "used" AND resource.type = "gce_instance" AND metadata.system_labels.instance_group = "${group}"`,
      );
    }
    const item = rec.plan.items.find((i) => i.workload.name === 'gke-pool')!;
    const evidence = item.pool!.evidence.join('\n');
    expect(evidence).toContain(`summed over the instances of groups ${ZONE_A}, ${ZONE_B}`);
    expect(evidence).toContain('not by pod requests');
    // Both zones' nodes at the busiest period fit the new nodes at the profile's target.
    const peak = Math.max(...groupSeries().cores.values());
    expect(item.pool!.after.desired * allocatableOf(item.chosen!).cpu * 0.65).toBeGreaterThanOrEqual(peak);
    expect(item.monthlyAfter!).toBeLessThan(item.monthlyBefore!);
    // The pool's demand is both zones' VMs: their summed cores at each period, six nodes reporting.
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
    const source = gcpMonitoringUsageSource({
      client: { apiEndpoint: '127.0.0.1', port: gcpFake.port, protocol: 'http', authClient },
      vcpuOf: (w) => catalog.lookup('gcp', 'us-central1', w.size)?.vcpu,
    });
    const demand = (await source.pools.fetchPools([pool], range)).demands.get(pool.urn)!;
    expect(Math.max(...demand.cpu.v)).toBeCloseTo(peak, 6);
    expect(Math.max(...demand.nodes!.v)).toBe(6);
  });

  it('no VM of either zone reporting is one line on the pool (not a failure); a refused read stops recommend naming the pool', async () => {
    gcpFake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, instanceGroups: new Map() });
    const rec = await run(gcpFake);
    expect(rec.plan.items.find((i) => i.workload.name === 'gke-pool')!.reason).toBe(
      `gcp-monitoring: gke-pool: no compute.googleapis.com/instance/cpu/utilization data for instances of groups ${ZONE_A}, ${ZONE_B} (metadata.system_labels.instance_group) in the window`,
    );
    await gcpFake.stop();
    gcpFake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, instanceGroups: zones(), forbiddenProject: PROJECT });
    await expect(run(gcpFake)).rejects.toThrow(
      '1 of 6 pool(s) could not be read, so no plan is made on incomplete usage: gcp-monitoring: gke-pool: timeSeries.list in project fleet-prod-4711 failed: HTTP 403 PERMISSION_DENIED: Permission monitoring.timeSeries.list denied (or the resource may not exist).',
    );
  });

  it('a pool deployed before its instanceGroupUrls were recorded says so on its line', async () => {
    const pool = readInventory(FOUR_GROUPS).workloads.find((w) => w.name === 'gke-pool')!;
    const { gcpInstanceGroups: _dropped, ...ids } = pool.metricIds;
    const bare = { ...pool, metricIds: ids };
    gcpFake = await startFakeGcpMonitoring({ metrics: metrics(), token: TOKEN, instanceGroups: zones() });
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
    const source = gcpMonitoringUsageSource({ client: { apiEndpoint: '127.0.0.1', port: gcpFake.port, protocol: 'http', authClient } });
    const got = await source.pools.fetchPools([bare], range);
    expect(got.missing).toEqual([
      {
        urn: pool.urn,
        reason:
          "gcp-monitoring: gke-pool: no instanceGroupUrls in the state (the node pool's output, set once it is deployed): its node VMs cannot be selected",
      },
    ]);
    expect(gcpFake.requests).toEqual([]);
  });
});

describe('Azure Monitor: a VM scale set as a whole (split by VMName); AKS agent pools say why they are not read', () => {
  const TOKEN = 'azure-test-token';
  const credential: TokenCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const VMSS_ID =
    '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/fleet/providers/Microsoft.Compute/virtualMachineScaleSets/batch';
  const D4 = catalog.lookup('azure', 'eastus', 'Standard_D4s_v3')!;
  const config = stackfitConfigSchema.parse({ lookbackDays: 28, minHistoryHours: 24, usage: { stepSeconds: 300 } });
  const provider = 'urn:pulumi:prod::fleet::pulumi:providers:azure-native::default::azure-native-prov-0001';
  const scaleSet = (name: string, id: string, image: Record<string, string>) => {
    const props = {
      vmScaleSetName: name,
      resourceGroupName: 'fleet',
      location: 'eastus',
      sku: { name: 'Standard_D4s_v3', tier: 'Standard', capacity: 6 },
      virtualMachineProfile: { storageProfile: { imageReference: { ...image, version: 'latest' } } },
    };
    return {
      urn: `urn:pulumi:prod::fleet::azure-native:compute:VirtualMachineScaleSet::${name}-vmss`,
      custom: true,
      id,
      type: 'azure-native:compute:VirtualMachineScaleSet',
      inputs: props,
      outputs: { ...props, name, id },
      parent: 'urn:pulumi:prod::fleet::pulumi:pulumi:Stack::fleet-prod',
      provider,
    };
  };
  /** The fresh four-group export plus a Linux scale set (`batch`, 6 × Standard_D4s_v3) and a Windows one. */
  function exportWithScaleSets(): string {
    const state = JSON.parse(fs.readFileSync(FOUR_GROUPS, 'utf8')) as { deployment: { resources: unknown[] } };
    state.deployment.resources.push(
      scaleSet('batch', VMSS_ID, { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server' }),
      scaleSet('winfarm', VMSS_ID.replace('/batch', '/winfarm'), {
        publisher: 'MicrosoftWindowsServer',
        offer: 'WindowsServer',
        sku: '2022-datacenter-azure-edition',
      }),
    );
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-vmss-')), 'state.json');
    fs.writeFileSync(file, JSON.stringify(state));
    return file;
  }
  /** Each member trace is one instance of the scale set: Percentage CPU of its 4 vCPUs, Available Memory Bytes of its 16 GiB. */
  function instances(): Map<string, Series> {
    const m = new Map<string, Series>();
    members.forEach((t, i) => {
      m.set(azureInstanceKey(VMSS_ID, 'Percentage CPU', `batch_${i}`), {
        t: t.cpuCores.t,
        v: t.cpuCores.v.map((c) => (c / D4.vcpu) * 100),
      });
      m.set(azureInstanceKey(VMSS_ID, 'Available Memory Bytes', `batch_${i}`), {
        t: t.memoryGiB!.t,
        v: t.memoryGiB!.v.map((g) => (D4.memoryGiB - g) * 1024 ** 3),
      });
    });
    return m;
  }
  const specs = {
    vcpuOf: (w: Workload) => catalog.lookup(w.cloud, w.region ?? '', w.size)?.vcpu,
    memoryGiBOf: (w: Workload) => catalog.lookup(w.cloud, w.region ?? '', w.size)?.memoryGiB,
  };
  const source = (f: FakeAzureMonitor) =>
    azureMonitorUsageSource({ credential, endpoint: f.url, caCertificate: f.cert.cert, maxRetries: 1, retryDelayMs: 1, ...specs });
  async function run(f: FakeAzureMonitor) {
    const usage = resolveUsageSources(['azure-monitor'], {
      config,
      ...specs,
      cache: false,
      sourceOptions: { azureMonitor: { credential, endpoint: f.url, caCertificate: f.cert.cert, maxRetries: 1, retryDelayMs: 1 } },
    });
    return recommend({ inventory: readInventory(exportWithScaleSets()), usage, config, catalog, now: new Date(end) });
  }

  it('a Linux scale set is a VM group; a Windows one stays a per-VM workload (the pool path prices Linux on-demand only)', () => {
    const inventory = readInventory(exportWithScaleSets());
    const batch = inventory.workloads.find((w) => w.name === 'batch-vmss')!;
    expect(batch.pool).toEqual({ kind: 'vm-group', spot: false, poolName: 'batch' });
    expect(batch.count).toBe(6);
    expect(batch.metricIds.azureResourceId).toBe(VMSS_ID);
    expect(inventory.workloads.find((w) => w.name === 'winfarm-vmss')!.pool).toBeUndefined();
  });

  it('reads every instance (VMName split, top raised from 10): use summed per interval, nodes = instances reporting; recommend sizes it on that', async () => {
    azureFake = await startFakeAzureMonitor({ metrics: new Map(), instances: instances(), token: TOKEN });
    const pool = readInventory(exportWithScaleSets()).workloads.find((w) => w.name === 'batch-vmss')!;
    const got = await source(azureFake).pools.fetchPools([pool], range);
    expect(got.missing).toEqual([]);
    expect(azureFake.protocolErrors).toEqual([]);
    expect(azureFake.requests).toHaveLength(1);
    expect(azureFake.requests[0]!.path).toBe(`${VMSS_ID}/providers/Microsoft.Insights/metrics`);
    expect(azureFake.requests[0]!.query).toMatchObject({
      metricnames: 'Percentage CPU,Available Memory Bytes',
      aggregation: 'Average',
      $filter: "VMName eq '*'",
      top: '1000',
      interval: 'PT5M',
    });
    const demand = got.demands.get(pool.urn)!;
    expect(demand.basis).toBe('utilisation');
    const peak = Math.max(...groupSeries().cores.values());
    expect(Math.max(...demand.cpu.v)).toBeCloseTo(peak, 6);
    expect(Math.max(...demand.nodes!.v)).toBe(6);
    expect(demand.memoryGiB).toBeDefined();
    expect(demand.measured).toContain('Percentage CPU and Available Memory Bytes of scale set batch per instance, summed');

    const rec = await run(azureFake);
    const item = rec.plan.items.find((i) => i.workload.name === 'batch-vmss')!;
    expect(item.pool!.evidence.join('\n')).toContain('node utilisation from Azure Monitor');
    expect(item.pool!.after.desired * allocatableOf(item.chosen!).cpu * 0.65).toBeGreaterThanOrEqual(peak);
    expect(item.monthlyAfter!).toBeLessThan(item.monthlyBefore!);
    // The PR edits the scale set's size and its capacity, set next to it in stack config.
    const configText = 'config:\n  fleet:batch:\n    vmSize: Standard_D4s_v3 # batch workers\n    capacity: 6\n';
    const { edits, manual } = planToEdits({
      plan: { ...rec.plan, items: [item] },
      stack: 'prod',
      configFile: 'Pulumi.prod.yaml',
      configText,
      config,
      projectName: 'fleet',
    });
    expect(manual).toEqual([]);
    expect(applyConfigEdits(configText, edits, 'Pulumi.prod.yaml', { projectName: 'fleet' })).toBe(
      `config:\n  fleet:batch:\n    vmSize: ${item.chosen!.size} # batch workers\n    capacity: ${item.pool!.after.desired}\n`,
    );
    expect(item.pool!.after.desired).not.toBe(6);
    // AKS pools: one line each, saying why and what can read them.
    for (const name of ['aks/system', 'user-pool']) {
      expect(rec.plan.items.find((i) => i.workload.name === name)!.reason).toMatch(
        /^azure-monitor: .+: Azure Monitor cannot read AKS agent pool (system|user): its nodes are a scale set in the cluster's node resource group under a name AKS generates \(aks-<pool>-<hash>-vmss\), which the stack state does not hold; read it with Prometheus \(pools.prometheus\) or pools.usageFile$/,
      );
    }
  });

  it('memory refused: sized on CPU with a warning; an answer without the VMName split: the mean × the declared capacity, with a warning', async () => {
    azureFake = await startFakeAzureMonitor({
      metrics: new Map(),
      instances: instances(),
      token: TOKEN,
      metricErrors: new Map([['Available Memory Bytes', { errorCode: 'InternalServerError', errorMessage: 'metric store unavailable' }]]),
    });
    const pool = readInventory(exportWithScaleSets()).workloads.find((w) => w.name === 'batch-vmss')!;
    const partial = await source(azureFake).pools.fetchPools([pool], range);
    expect(partial.demands.get(pool.urn)!.memoryGiB).toBeUndefined();
    expect(partial.warnings).toEqual([
      'azure-monitor: batch-vmss: partial: Available Memory Bytes could not be read (InternalServerError: metric store unavailable); it is sized on CPU only',
    ]);
    // An unsplit series (no VMName metadata): Azure's mean over the instances, 50 % of 4 vCPUs.
    const t0 = range.start.getTime();
    const unsplit = {
      value: [
        {
          name: { value: 'Percentage CPU' },
          errorCode: 'Success',
          timeseries: [{ metadatavalues: [], data: [0, 1, 2].map((k) => ({ timeStamp: new Date(t0 + k * 300_000), average: 50 })) }],
        },
      ],
    };
    const stub = { metrics: { list: async () => unsplit } } as unknown as MonitorClient;
    const got = await azureMonitorPoolSource({
      name: 'azure-monitor',
      aggregation: 'Average',
      clientFor: async () => stub,
      timeoutMs: 10_000,
      interval: () => 'PT5M',
      describeError: String,
      vcpuOf: () => 4,
    }).fetchPools([pool], range);
    expect(got.demands.get(pool.urn)!.cpu.v).toEqual([12, 12, 12]);
    expect(got.demands.get(pool.urn)!.nodes).toBeUndefined();
    expect(got.warnings).toEqual([
      'azure-monitor: batch-vmss: Percentage CPU came without a VMName split; its node count is taken as the declared 6 throughout',
    ]);
  });

  it('no instance reporting is one line on the scale set (not a failure); a refused read stops recommend naming it', async () => {
    azureFake = await startFakeAzureMonitor({ metrics: new Map(), instances: new Map(), token: TOKEN });
    const rec = await run(azureFake);
    expect(rec.plan.items.find((i) => i.workload.name === 'batch-vmss')!.reason).toBe(
      "azure-monitor: batch-vmss: no Percentage CPU data for the scale set's instances in the window",
    );
    await azureFake.stop();
    azureFake = await startFakeAzureMonitor({ metrics: new Map(), instances: instances(), token: TOKEN, forbiddenResourceId: VMSS_ID });
    await expect(run(azureFake)).rejects.toThrow(
      /^1 of 7 pool\(s\) could not be read, so no plan is made on incomplete usage: azure-monitor: batch-vmss: HTTP 403 AuthorizationFailed: The client does not have authorization to perform action 'microsoft.insights\/metrics\/read'/,
    );
  });
});
