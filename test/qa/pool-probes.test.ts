import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { stackfitConfigSchema } from '../../src/config/schema';
import type { PlanItem } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { readInventory } from '../../src/stack';
import { bitbrains, scaled } from './trace-load';

const NOW = new Date('2026-11-01T00:00:00Z');
const catalog = loadCatalog();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stackfit-pool-probes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const STACK = 'urn:pulumi:prod::platform::';
const PARENT = `${STACK}pulumi:pulumi:Stack::platform-prod`;
const provider = (cloud: string, inputs: Record<string, unknown>) => ({
  urn: `${STACK}pulumi:providers:${cloud}::default`,
  custom: true,
  id: `${cloud}-prov`,
  type: `pulumi:providers:${cloud}`,
  inputs,
  outputs: inputs,
});
function res(type: string, name: string, cloud: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}) {
  return {
    urn: `${STACK}${type}::${name}`,
    custom: true,
    id: `${name}-id`,
    type,
    inputs,
    outputs: { ...inputs, ...outputs },
    parent: PARENT,
    provider: `${STACK}pulumi:providers:${cloud}::default::${cloud}-prov`,
  };
}
const nodeGroup = (name: string, type: string, desired: number, min: number, max: number, extra: Record<string, unknown> = {}) =>
  res('aws:eks/nodeGroup:NodeGroup', name, 'aws', {
    clusterName: 'prod',
    nodeGroupName: name,
    instanceTypes: [type],
    capacityType: 'ON_DEMAND',
    scalingConfig: { desiredSize: desired, minSize: min, maxSize: max },
    nodeRoleArn: 'arn:aws:iam::123456789012:role/eks-node',
    subnetIds: ['subnet-0aa'],
    ...extra,
  });

const stack = {
  version: 3,
  deployment: {
    manifest: { time: NOW.toISOString(), magic: '', version: 'v3.140.0' },
    resources: [
      { urn: PARENT, custom: false, type: 'pulumi:pulumi:Stack' },
      provider('aws', { region: 'us-east-1' }),
      provider('azure-native', { location: 'eastus' }),
      provider('gcp', { region: 'us-central1', project: 'p' }),
      nodeGroup('apps30', 'm5.2xlarge', 6, 6, 6),
      nodeGroup('bigpod', 'm5.2xlarge', 6, 6, 6),
      nodeGroup('auto', 'm5.xlarge', 6, 3, 10),
      nodeGroup('daemons', 'm5.xlarge', 4, 4, 4),
      nodeGroup('gpu', 'g5.2xlarge', 2, 2, 2),
      nodeGroup('spot-ng', 'm5.xlarge', 4, 2, 6, { capacityType: 'SPOT' }),
      res('gcp:container/nodePool:NodePool', 'gke-spot', 'gcp', {
        name: 'gke-spot',
        cluster: 'gke',
        location: 'us-central1-a',
        nodeConfig: { machineType: 'e2-standard-4', spot: true },
        nodeCount: 3,
      }),
      res('azure-native:containerservice:AgentPool', 'win', 'azure-native', {
        resourceName: 'aks',
        resourceGroupName: 'rg',
        agentPoolName: 'win',
        vmSize: 'Standard_D4s_v3',
        count: 3,
        osType: 'Windows',
      }),
      res(
        'aws:ec2/launchTemplate:LaunchTemplate',
        'batch-lt',
        'aws',
        { instanceType: 'm5.2xlarge', namePrefix: 'batch-' },
        { id: 'lt-batch' },
      ),
      res('aws:autoscaling/group:Group', 'batch', 'aws', {
        launchTemplate: { id: 'lt-batch', version: '$Latest' },
        desiredCapacity: 4,
        minSize: 4,
        maxSize: 4,
      }),
      res(
        'aws:ec2/launchTemplate:LaunchTemplate',
        'burst-lt',
        'aws',
        { instanceType: 't3.xlarge', namePrefix: 'burst-' },
        { id: 'lt-burst' },
      ),
      res('aws:autoscaling/group:Group', 'burst', 'aws', {
        launchTemplate: { id: 'lt-burst', version: '$Latest' },
        desiredCapacity: 4,
        minSize: 4,
        maxSize: 4,
      }),
    ],
  },
};
const stackFile = path.join(tmp, 'stack.json');
writeFileSync(stackFile, JSON.stringify(stack));

/** Sum of several real traces on one time grid (the first trace's), scaled. */
function pooled(vms: string[], k: number, what: 'cpu' | 'mem') {
  const base = bitbrains(vms[0]!, NOW)[what];
  const at = vms.map((vm) => {
    const s = bitbrains(vm, NOW)[what];
    return new Map(s.t.map((t, i) => [t, s.v[i]!]));
  });
  return scaled({ t: base.t, v: base.t.map((t) => at.reduce((sum, m) => sum + (m.get(t) ?? 0), 0)) }, k);
}

function poolEntry(
  basis: 'requests' | 'utilisation',
  cpu: { t: number[]; v: number[] },
  mem: { t: number[]; v: number[] },
  extra: Record<string, unknown> = {},
) {
  return { basis, timestamps: cpu.t.map((t) => Math.round(t / 1000)), cpu: cpu.v, memoryGiB: mem.v, ...extra };
}

const APPS = ['113', '35', '306', '488'];
const usageFile = path.join(tmp, 'pools.json');
const cpuApps = pooled(APPS, 1, 'cpu');
const memApps = pooled(APPS, 1, 'mem');
const pools = {
  apps30: poolEntry('requests', cpuApps, memApps),
  bigpod: poolEntry('requests', cpuApps, memApps, { largestPod: { cpu: 5, memoryGiB: 10, name: 'etl' } }),
  auto: poolEntry('requests', cpuApps, memApps),
  daemons: poolEntry('requests', cpuApps, memApps, { perNodeOverhead: { cpu: 1.5, memoryGiB: 2 } }),
  gpu: poolEntry('requests', cpuApps, memApps),
  'spot-ng': poolEntry('requests', cpuApps, memApps),
  'gke-spot': poolEntry('requests', cpuApps, memApps),
  win: poolEntry('requests', cpuApps, memApps),
  batch: poolEntry('utilisation', pooled(['78'], 1, 'cpu'), pooled(['78'], 1, 'mem')),
  // VM 306 (the steadiest Bitbrains VM: mean 1.11, peak 2.01 cores): CPU × 2 (a group carrying two
  // of it), memory × 0.25 (a CPU-heavy group: memory must not be what sets the node count here).
  burst: poolEntry('utilisation', pooled(['306'], 2, 'cpu'), pooled(['306'], 0.25, 'mem')),
};
writeFileSync(usageFile, JSON.stringify({ pools }));

async function run(extra: Record<string, unknown> = {}) {
  const inventory = readInventory(stackFile);
  const { plan } = await recommend({
    inventory,
    usage: [],
    config: stackfitConfigSchema.parse({ pools: { usageFile }, ...extra }),
    catalog,
    now: NOW,
  });
  return plan;
}

/** Raw on-demand Linux rows of the vendored AWS price list (data/pricing), read as text. */
const awsRows = new Map(
  readFileSync(path.resolve(__dirname, '../../data/pricing/aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('us-east-1,'))
    .map((l) => [l.split(',')[1]!, Number(l.split(',')[2])]),
);
const awsMonthly = (type: string) => awsRows.get(type)! * 730;
const peak = (v: readonly number[]) => v.reduce((a, b) => Math.max(a, b), 0);

/**
 * Nodes a type needs at the peak, by hand from docs/node-pools.md: allocatable = capacity minus
 * GKE's kubelet tiers, minus the DaemonSets, × the prod target 65 %; the need + 1 spare, at least 2.
 */
function nodesByHand(vcpu: number, memoryGiB: number, cpuPeak: number, memPeak: number, overhead = { cpu: 0, memoryGiB: 0 }): number {
  const tiers = (x: number, steps: [number, number][]) => {
    let left = x;
    let out = 0;
    for (const [size, rate] of steps) {
      out += Math.min(left, size) * rate;
      left -= Math.min(left, size);
    }
    return out;
  };
  const cpu =
    vcpu -
    tiers(vcpu, [
      [1, 0.06],
      [1, 0.01],
      [2, 0.005],
      [1e9, 0.0025],
    ]) -
    overhead.cpu;
  const mem =
    memoryGiB -
    tiers(memoryGiB, [
      [4, 0.25],
      [4, 0.2],
      [8, 0.1],
      [112, 0.06],
      [1e9, 0.02],
    ]) -
    100 / 1024 -
    overhead.memoryGiB;
  const need = Math.max(Math.ceil(cpuPeak / (cpu * 0.65)), Math.ceil(memPeak / (mem * 0.65)));
  return Math.max(need + 1, 2);
}

describe('node pool probes on real traces (docs/work-notes/qa-session5.md)', async () => {
  const plan = await run();
  const item = (name: string): PlanItem => plan.items.find((i) => i.workload.name === name)!;
  const cpuPeak = peak(cpuApps.v);
  const memPeak = peak(memApps.v);

  it('a pool whose requests fill a fraction of allocatable is sized down to nodes with less memory each when its pods need little', () => {
    const i = item('apps30');
    expect(i.monthlyBefore).toBeCloseTo(6 * awsMonthly('m5.2xlarge'), 6);
    const chosen = i.chosen!;
    const nodes = nodesByHand(chosen.vcpu, chosen.memoryGiB, cpuPeak, memPeak);
    expect(i.pool!.after).toEqual({ desired: nodes, min: nodes, max: nodes });
    expect(i.monthlyAfter).toBeCloseTo(nodes * awsMonthly(chosen.size), 6);
    // m5a.xlarge (4 vCPU, 16 GiB, `us-east-1,m5a.xlarge,0.172`) carries the peak with the same
    // rule: nothing dearer may win. Before the fix every candidate needed today's 32 GiB per
    // node, and the plan took 3 × r5a.xlarge (0.226 × 730 × 3 = 494.94).
    const m5a = nodesByHand(4, 16, cpuPeak, memPeak) * awsMonthly('m5a.xlarge');
    expect(i.monthlyAfter).toBeLessThanOrEqual(m5a + 1e-6);
    expect(chosen.memoryGiB).toBeLessThan(32);
  });

  it('a pool whose largest pod would not fit a smaller node keeps nodes that hold it', () => {
    const i = item('bigpod');
    const chosen = i.chosen!;
    // 5 cores: a 4-vCPU node has 3.92 allocatable, so 8 vCPU is the least.
    expect(chosen.vcpu).toBeGreaterThanOrEqual(8);
    expect(i.pool!.evidence.join('\n')).toContain(`largest pod etl 5.00 cores, 10.00 GiB: fits a ${chosen.size} node`);
  });

  it('a GPU pool keeps GPU nodes of the same accelerator, and a 2-node pool at 26 % is not grown to 3', () => {
    const i = item('gpu');
    expect(i.chosen!.gpus).toBeGreaterThan(0);
    expect(i.chosen!.family).toBe('g5');
    // g5.2xlarge (8 vCPU, `us-east-1,g5.2xlarge,1.212`): 4.1 cores need 1 node at 65 %, + 1 spare = 2,
    // as today. Before session 5 the prod minimum 2 had the spare added on top: 3 × g5.xlarge at
    // 3 × 1.006 × 730 = 2,203.14 instead of 1,769.52 (a GPU node bought for nothing).
    expect(nodesByHand(8, 32, cpuPeak, memPeak)).toBe(2);
    expect(i.pool!.after.desired).toBe(2);
    expect(i.monthlyAfter).toBeLessThanOrEqual(2 * awsMonthly('g5.2xlarge') + 1e-6);
  });

  it('a DaemonSet-heavy pool counts the DaemonSets on every node', () => {
    const i = item('daemons');
    const c = i.chosen!;
    expect(i.pool!.after.desired).toBe(nodesByHand(c.vcpu, c.memoryGiB, cpuPeak, memPeak, { cpu: 1.5, memoryGiB: 2 }));
    expect(i.pool!.evidence).toContain('DaemonSets request 1.50 cores and 2.00 GiB on every node');
  });

  it('an autoscaled pool is priced at its average node count, with min/max that cover the window and keep its ceiling', () => {
    const i = item('auto');
    expect(i.monthlyBefore).toBeCloseTo(6 * awsMonthly('m5.xlarge'), 6); // no node series: the declared count
    const p = i.pool!;
    expect(i.monthlyAfter).toBeCloseTo(p.averageNodesAfter * awsMonthly(i.chosen!.size), 6);
    expect(p.after.min!).toBeLessThanOrEqual(p.averageNodesAfter);
    expect(p.averageNodesAfter).toBeLessThanOrEqual(p.after.desired);
    expect(p.after.desired).toBeLessThanOrEqual(p.after.max!);
    // The ceiling in cores is kept: 10 × 4 vCPU today.
    expect(p.after.max! * i.chosen!.vcpu).toBeGreaterThanOrEqual(10 * 4);
    expect(p.after.desired).toBe(nodesByHand(i.chosen!.vcpu, i.chosen!.memoryGiB, cpuPeak, memPeak));
  });

  it('a VM group on a burstable type is not moved to a burstable node whose baseline its use would exhaust', () => {
    const i = item('burst');
    const c = i.chosen!;
    const cpu = pooled(['306'], 2, 'cpu').v;
    const meanPerNode = cpu.reduce((a, b) => a + b, 0) / cpu.length / i.pool!.after.desired;
    // Before the fix: 6 × t3a.nano (baseline 5 % of 2 vCPU = 0.1 core) at 0.37 cores per node:
    // credits gone within hours, then throttled to the baseline.
    if (c.burst) expect(meanPerNode).toBeLessThanOrEqual(c.burst.baselineCores);
  });

  it('a spot pool is never priced at the on-demand rate: AWS (no spot prices) unpriced, GKE at its spot row', () => {
    const aws = item('spot-ng');
    expect(aws.monthlyBefore).toBeUndefined();
    expect(aws.reason).toContain('no spot price for m5.xlarge in aws/us-east-1');
    const gke = item('gke-spot');
    // data/pricing/gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv: `e2-standard-4,e2,us-central1,…,
    // month_usd 97.8366732, …, month_spot_usd 58.70952`; before the fix: 3 × 97.84 = 293.51.
    expect(gke.monthlyBefore).toBeCloseTo(3 * 58.70952, 6);
    expect(gke.current!.spot).toBe(true);
    expect(gke.action).toBe('no-recommendation');
  });

  it('a Windows AKS pool is not priced or sized at the Linux rate', () => {
    const win = item('win');
    expect(win.monthlyBefore).toBeUndefined();
    expect(win.reason).toContain('Windows (osType Windows)');
    expect(plan.totals.unpriced).toBeGreaterThanOrEqual(2);
  });
});
