import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { inventoryFromResources, type StackResource } from '../../src/stack/inventory';
import { describePriced, priceWorkload } from '../../src/policy/pricing';
import { UNKNOWN_VALUE } from '../../src/stack/values';

const urn = (type: string, name: string, parentType?: string): string =>
  `urn:pulumi:prod::shop::${parentType ? `${parentType}$` : ''}${type}::${name}`;
const LT = 'aws:ec2/launchTemplate:LaunchTemplate';
const ASG = 'aws:autoscaling/group:Group';

/** A stack with one pool per cloud and an ASG through its launch template (inputs as a program sets them, outputs as state holds them). */
function poolStack(): StackResource[] {
  return [
    {
      urn: urn('aws:eks/nodeGroup:NodeGroup', 'apps'),
      type: 'aws:eks/nodeGroup:NodeGroup',
      inputs: {
        clusterName: 'shop',
        nodeGroupName: 'apps',
        instanceTypes: ['m5.xlarge'],
        scalingConfig: { desiredSize: 4, minSize: 3, maxSize: 8 },
      },
      outputs: { arn: 'arn:aws:eks:us-east-1:123456789012:nodegroup/shop/apps/abc', capacityType: 'ON_DEMAND' },
    },
    {
      urn: urn('azure-native:containerservice:ManagedCluster', 'aks'),
      type: 'azure-native:containerservice:ManagedCluster',
      inputs: {
        resourceName: 'shop-aks',
        location: 'eastus',
        agentPoolProfiles: [{ name: 'system', vmSize: 'Standard_D2s_v5', count: 2, mode: 'System' }],
      },
    },
    {
      urn: urn('azure-native:containerservice/v20240801:AgentPool', 'user'),
      type: 'azure-native:containerservice/v20240801:AgentPool',
      inputs: {
        resourceName: 'shop-aks',
        agentPoolName: 'user',
        vmSize: 'Standard_D4s_v5',
        count: 5,
        enableAutoScaling: true,
        minCount: 3,
        maxCount: 10,
      },
    },
    {
      urn: urn('gcp:container/cluster:Cluster', 'gke'),
      type: 'gcp:container/cluster:Cluster',
      inputs: { name: 'shop-gke', location: 'us-central1', removeDefaultNodePool: true, initialNodeCount: 1 },
    },
    {
      urn: urn('gcp:container/nodePool:NodePool', 'web'),
      type: 'gcp:container/nodePool:NodePool',
      inputs: {
        cluster: 'shop-gke',
        location: 'us-central1',
        nodeCount: 2,
        nodeConfig: { machineType: 'e2-standard-4' },
        autoscaling: { minNodeCount: 1, maxNodeCount: 4 },
      },
    },
    { urn: urn(LT, 'batch-lt'), type: LT, inputs: { instanceType: 'c5.large' }, outputs: { id: 'lt-0abc123' } },
    {
      urn: urn(ASG, 'batch'),
      type: ASG,
      inputs: { name: 'batch', desiredCapacity: 6, minSize: 2, maxSize: 12, launchTemplate: { id: 'lt-0abc123', version: '$Latest' } },
      outputs: { arn: 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/batch' },
    },
  ];
}

describe('node pools and groups in the inventory', () => {
  const config = { 'aws:region': 'us-east-1' };

  it('reads each pool with its node type, node count, bounds and place; the launch template is not a workload of its own', () => {
    const inv = inventoryFromResources(poolStack(), 'pools.json', { stackConfig: config });
    const seen = inv.workloads.map((w) => [w.name, w.cloud, w.region, w.size, w.count, w.pool?.min, w.pool?.max]);
    expect(seen).toEqual([
      ['apps', 'aws', 'us-east-1', 'm5.xlarge', 4, 3, 8],
      ['aks/system', 'azure', 'eastus', 'Standard_D2s_v5', 2, undefined, undefined],
      ['user', 'azure', 'eastus', 'Standard_D4s_v5', 5, 3, 10],
      // regional GKE pool: counts are per zone, three zones by default
      ['web', 'gcp', 'us-central1', 'e2-standard-4', 6, 3, 12],
      ['batch', 'aws', 'us-east-1', 'c5.large', 6, 2, 12],
    ]);
    expect(inv.workloads.find((w) => w.name === 'user')?.pool).toMatchObject({
      kind: 'kubernetes',
      nodeLabel: 'kubernetes.azure.com/agentpool',
      poolName: 'user',
      cluster: 'shop-aks',
      spot: false,
    });
    expect(inv.workloads.find((w) => w.name === 'apps')?.pool).toMatchObject({
      nodeLabel: 'eks.amazonaws.com/nodegroup',
      poolName: 'apps',
      cluster: 'shop',
    });
    expect(inv.workloads.find((w) => w.name === 'batch')?.pool?.kind).toBe('vm-group');
    expect(inv.skipped).toEqual([]);
  });

  it('prices a pool as node count × node price from the catalog', () => {
    const catalog = loadCatalog();
    const inv = inventoryFromResources(poolStack(), 'pools.json', { stackConfig: config });
    for (const w of inv.workloads) {
      const priced = priceWorkload(w, catalog);
      if (priced.status !== 'priced') throw new Error(`${w.name}: ${priced.reason}`);
      const node = catalog.lookup(w.cloud, w.region!, w.size);
      expect(node).toBeDefined();
      expect(priced.monthlyUsd).toBeCloseTo(node!.monthlyUsd * w.count, 6);
    }
  });

  it('a launch template used by no group is still priced on its own', () => {
    const stack = poolStack().filter((r) => r.type !== ASG);
    const inv = inventoryFromResources(stack, 'lt.json', { stackConfig: config });
    expect(inv.workloads.map((w) => w.name)).toContain('batch-lt');
  });

  it('an AKS cluster whose outputs list a pool also declared as an AgentPool counts it once', () => {
    const stack = poolStack();
    const aks = stack[1]!;
    aks.outputs = {
      agentPoolProfiles: [...(aks.inputs!.agentPoolProfiles as object[]), { name: 'user', vmSize: 'Standard_D4s_v5', count: 5 }],
    };
    delete aks.inputs!.agentPoolProfiles;
    const inv = inventoryFromResources(stack, 'aks.json', { stackConfig: config });
    expect(inv.workloads.filter((w) => w.size === 'Standard_D4s_v5').map((w) => w.name)).toEqual(['user']);
  });

  it('bad input: unresolved count, unknown template, spot mixes: one clear reason each, the rest of the stack kept', () => {
    const stack = poolStack();
    (stack[0]!.inputs!.scalingConfig as Record<string, unknown>).desiredSize = UNKNOWN_VALUE;
    (stack[6]!.inputs!.launchTemplate as Record<string, unknown>).id = 'lt-elsewhere';
    const inv = inventoryFromResources(stack, 'bad.json', { stackConfig: config });
    expect(inv.skipped.map((s) => [s.urn.split('::').pop(), s.reason])).toEqual([
      ['apps', 'node count (scalingConfig.desiredSize) is an unresolved output (unknown until apply)'],
      ['batch', 'launch template lt-elsewhere is not in this stack: its instance type is unknown'],
    ]);
    // the unclaimed template is priced as before; the other pools are all there
    expect(inv.workloads.map((w) => w.name)).toEqual(['aks/system', 'user', 'web', 'batch-lt']);
  });

  it('EKS: the @pulumi/eks component default node group under mocks, its child ASG in real state (not both)', () => {
    const cluster: StackResource = {
      urn: urn('eks:index:Cluster', 'k'),
      type: 'eks:index:Cluster',
      inputs: { instanceType: 'm5.large', desiredCapacity: 3, minSize: 2, maxSize: 5 },
    };
    const alone = inventoryFromResources([cluster], 'eks.json', { stackConfig: config });
    expect(alone.workloads.map((w) => [w.name, w.size, w.count, w.pool?.min, w.pool?.max])).toEqual([
      ['k/default-node-group', 'm5.large', 3, 2, 5],
    ]);
    const lt: StackResource = {
      urn: urn(LT, 'k-lt', 'eks:index:Cluster'),
      type: LT,
      parent: cluster.urn,
      inputs: { instanceType: 'm5.large' },
      outputs: { id: 'lt-k' },
    };
    const asg: StackResource = {
      urn: urn(ASG, 'k-asg', 'eks:index:Cluster'),
      type: ASG,
      parent: cluster.urn,
      inputs: { desiredCapacity: 3, minSize: 2, maxSize: 5, launchTemplate: { id: 'lt-k' } },
    };
    const deployed = inventoryFromResources([cluster, lt, asg], 'eks.json', { stackConfig: config });
    expect(deployed.workloads.map((w) => [w.name, w.count])).toEqual([['k-asg', 3]]);
  });

  it('max pods per node from state: AKS maxPods (pool and profile), GKE maxPodsPerNode or the cluster default; EKS none (by type)', () => {
    const stack = poolStack().map((r) => {
      if (r.type.endsWith(':AgentPool')) return { ...r, inputs: { ...r.inputs, maxPods: 30 } };
      if (r.type === 'azure-native:containerservice:ManagedCluster') {
        const profiles = (r.inputs!.agentPoolProfiles as Record<string, unknown>[]).map((p) => ({ ...p, maxPods: 50 }));
        return { ...r, inputs: { ...r.inputs, agentPoolProfiles: profiles } };
      }
      if (r.type === 'gcp:container/cluster:Cluster') return { ...r, inputs: { ...r.inputs, defaultMaxPodsPerNode: 64 } };
      return r;
    });
    const pods = (s: StackResource[]) =>
      Object.fromEntries(
        inventoryFromResources(s, 'pools.json', { stackConfig: config }).workloads.map((w) => [w.name, w.pool?.maxPodsPerNode]),
      );
    expect(pods(stack)).toEqual({ apps: undefined, 'aks/system': 50, user: 30, web: 64, batch: undefined });
    const own = stack.map((r) =>
      r.type === 'gcp:container/nodePool:NodePool' ? { ...r, inputs: { ...r.inputs, maxPodsPerNode: 32 } } : r,
    );
    expect(pods(own).web).toBe(32);
  });

  it('GKE: per-zone counts times node locations; spot pools carried; IGM through its template', () => {
    const pool: StackResource = {
      urn: urn('gcp:container/nodePool:NodePool', 'p'),
      type: 'gcp:container/nodePool:NodePool',
      inputs: {
        cluster: 'c',
        location: 'europe-west1',
        nodeLocations: ['europe-west1-b', 'europe-west1-c'],
        nodeCount: 3,
        nodeConfig: { machineType: 'n2-standard-8', spot: true },
      },
    };
    const tpl: StackResource = {
      urn: urn('gcp:compute/instanceTemplate:InstanceTemplate', 't'),
      type: 'gcp:compute/instanceTemplate:InstanceTemplate',
      inputs: { machineType: 'n2-standard-2' },
      outputs: { selfLink: 'https://www.googleapis.com/compute/v1/projects/p/global/instanceTemplates/t-123' },
    };
    const igm: StackResource = {
      urn: urn('gcp:compute/instanceGroupManager:InstanceGroupManager', 'g'),
      type: 'gcp:compute/instanceGroupManager:InstanceGroupManager',
      inputs: {
        zone: 'us-east1-b',
        targetSize: 7,
        versions: [{ instanceTemplate: 'https://www.googleapis.com/compute/v1/projects/p/global/instanceTemplates/t-123' }],
      },
    };
    const inv = inventoryFromResources([pool, tpl, igm], 'gcp.json');
    expect(inv.workloads.map((w) => [w.name, w.size, w.count, w.region, w.pool?.spot, w.pool?.zones])).toEqual([
      ['p', 'n2-standard-8', 6, 'europe-west1', true, 2],
      ['g', 'n2-standard-2', 7, 'us-east1', false, undefined],
    ]);
  });
});

describe('policy pack messages for pools', () => {
  it('name the count, the price and the cost at min and max; spot pools are not priced', () => {
    const catalog = loadCatalog();
    const w = {
      urn: 'urn:x',
      name: 'apps',
      type: 'aws:eks/nodeGroup:NodeGroup',
      kind: 'vm' as const,
      cloud: 'aws' as const,
      region: 'us-east-1',
      size: 'm5.xlarge',
      count: 4,
      metricIds: { name: 'apps' },
      pool: { kind: 'kubernetes' as const, spot: false, min: 3, max: 8 },
    };
    expect(describePriced(priceWorkload(w, catalog))).toBe(
      'apps: 4 × m5.xlarge (aws us-east-1) at $140.16/month a node = $560.64/month; 3–8 nodes: $420.48–$1,121.28/month',
    );
    // A fixed pool (min = max) has no range; a single node is still "1 ×" (a pool, not a VM).
    expect(describePriced(priceWorkload({ ...w, count: 1, pool: { ...w.pool, min: 1, max: 1 } }, catalog))).toBe(
      'apps: 1 × m5.xlarge (aws us-east-1) at $140.16/month a node = $140.16/month',
    );
    expect(priceWorkload({ ...w, pool: { ...w.pool, spot: true } }, catalog)).toMatchObject({
      status: 'unpriced',
      reason: 'm5.xlarge: spot capacity (the catalog has on-demand prices only)',
    });
  });
});
