import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoscalingGroupsConfigSchema, clustersConfigSchema, parseConfigValue } from '../../infra/pools-config';
import { inventoryFromProgram, registeredResourcesFromProgram, type RegisteredResource } from '../../src/stack';
import { readStackConfig } from '../../src/stack/project';
import { loadCatalog } from '../../src/catalog';
import { currentOfferingOf } from '../../src/catalog/current';

/**
 * The example program's node pools (stack `platform`: one cluster per cloud and an EC2 auto
 * scaling group), run under Pulumi's mocks like test/infra/program.test.ts, then read by the
 * same inventory as state files.
 */
const ROOT = path.resolve(__dirname, '../..');
const CLUSTERS = 'stackfit-demo:clusters';
const GROUPS = 'stackfit-demo:autoscalingGroups';

const byName = (resources: RegisteredResource[], type: string) => new Map(resources.filter((r) => r.type === type).map((r) => [r.name, r]));

describe('stack platform under mocks', () => {
  it('declares each pool from config: EKS node groups, AKS system profile + agent pool, GKE node pool, ASG through its launch template', async () => {
    const resources = await registeredResourcesFromProgram({ projectDir: ROOT, stack: 'platform' });
    const nodeGroups = byName(resources, 'aws:eks/nodeGroup:NodeGroup');
    expect([...nodeGroups.keys()].sort()).toEqual(['shop-eks-apps', 'shop-eks-jobs']);
    expect(nodeGroups.get('shop-eks-apps')!.inputs).toMatchObject({
      clusterName: 'shop-eks',
      nodeGroupName: 'apps',
      instanceTypes: ['m5.2xlarge'],
      capacityType: 'ON_DEMAND',
      scalingConfig: { desiredSize: 6, minSize: 3, maxSize: 8 },
    });
    // A fixed pool: EKS needs bounds, so they equal the count.
    expect(nodeGroups.get('shop-eks-jobs')!.inputs).toMatchObject({
      instanceTypes: ['r5.4xlarge'],
      scalingConfig: { desiredSize: 3, minSize: 3, maxSize: 3 },
    });
    const eks = byName(resources, 'aws:eks/cluster:Cluster').get('shop-eks')!;
    expect(eks.inputs).toMatchObject({ name: 'shop-eks' });
    // Node groups use the region's explicit provider (through their component).
    const provider = resources.find((r) => r.type === 'pulumi:providers:aws');
    expect(provider?.inputs.region).toBe('us-east-1');

    const aks = byName(resources, 'azure-native:containerservice:ManagedCluster').get('tools-aks')!;
    expect(aks.inputs).toMatchObject({ resourceName: 'tools-aks', location: 'eastus' });
    expect(aks.inputs.agentPoolProfiles).toEqual([
      expect.objectContaining({ name: 'system', mode: 'System', vmSize: 'Standard_D4s_v5', count: 3, enableAutoScaling: false }),
    ]);
    expect(byName(resources, 'azure-native:containerservice:AgentPool').get('tools-aks-tools')!.inputs).toMatchObject({
      resourceName: 'tools-aks',
      agentPoolName: 'tools',
      mode: 'User',
      vmSize: 'Standard_D8s_v5',
      count: 4,
      enableAutoScaling: true,
      minCount: 2,
      maxCount: 6,
    });

    expect(byName(resources, 'gcp:container/cluster:Cluster').get('web-gke')!.inputs).toMatchObject({
      location: 'us-central1-a',
      removeDefaultNodePool: true,
    });
    expect(byName(resources, 'gcp:container/nodePool:NodePool').get('web-gke-web')!.inputs).toMatchObject({
      name: 'web',
      cluster: 'web-gke',
      location: 'us-central1-a',
      nodeCount: 4,
      nodeConfig: { machineType: 'n2-standard-8' },
    });

    const template = byName(resources, 'aws:ec2/launchTemplate:LaunchTemplate').get('batch-template')!;
    expect(template.inputs).toMatchObject({ name: 'batch-template', instanceType: 'c5.4xlarge' });
    expect(byName(resources, 'aws:autoscaling/group:Group').get('batch')!.inputs).toMatchObject({
      name: 'batch',
      desiredCapacity: 6,
      minSize: 2,
      maxSize: 12,
      launchTemplate: { name: 'batch-template', version: '$Latest' },
    });
    // Components record where each pool's size sits in config.
    const components = resources.filter((r) => r.type === 'stackfit:demo:Cluster' || r.type === 'stackfit:demo:AutoscalingGroup');
    expect(Object.fromEntries(components.map((c) => [c.name, c.inputs.configPaths]))).toEqual({
      'shop-eks': { apps: ['shop-eks', 'pools', 'apps', 'size'], jobs: ['shop-eks', 'pools', 'jobs', 'size'] },
      'tools-aks': { system: ['tools-aks', 'pools', 'system', 'size'], tools: ['tools-aks', 'pools', 'tools', 'size'] },
      'web-gke': { web: ['web-gke', 'pools', 'web', 'size'] },
      batch: { batch: ['batch', 'size'] },
    });
  });

  it('is inventoried with node type, count, bounds and config reference per pool, the launch template not on its own, and priced', async () => {
    const inventory = await inventoryFromProgram({ projectDir: ROOT, stack: 'platform' });
    expect(inventory.skipped).toEqual([]);
    const rows = Object.fromEntries(
      inventory.workloads.map((w) => [
        w.name,
        {
          cloud: w.cloud,
          region: w.region,
          size: w.size,
          count: w.count,
          min: w.pool?.min,
          max: w.pool?.max,
          kind: w.pool?.kind,
          ref: w.configRef,
        },
      ]),
    );
    const ref = (key: string, ...p: string[]) => ({ key, path: p });
    expect(rows).toEqual({
      'shop-eks-apps': {
        cloud: 'aws',
        region: 'us-east-1',
        size: 'm5.2xlarge',
        count: 6,
        min: 3,
        max: 8,
        kind: 'kubernetes',
        ref: ref(CLUSTERS, 'shop-eks', 'pools', 'apps', 'size'),
      },
      'shop-eks-jobs': {
        cloud: 'aws',
        region: 'us-east-1',
        size: 'r5.4xlarge',
        count: 3,
        min: 3,
        max: 3,
        kind: 'kubernetes',
        ref: ref(CLUSTERS, 'shop-eks', 'pools', 'jobs', 'size'),
      },
      'tools-aks/system': {
        cloud: 'azure',
        region: 'eastus',
        size: 'Standard_D4s_v5',
        count: 3,
        min: undefined,
        max: undefined,
        kind: 'kubernetes',
        ref: ref(CLUSTERS, 'tools-aks', 'pools', 'system', 'size'),
      },
      'tools-aks-tools': {
        cloud: 'azure',
        region: 'eastus',
        size: 'Standard_D8s_v5',
        count: 4,
        min: 2,
        max: 6,
        kind: 'kubernetes',
        ref: ref(CLUSTERS, 'tools-aks', 'pools', 'tools', 'size'),
      },
      'web-gke-web': {
        cloud: 'gcp',
        region: 'us-central1',
        size: 'n2-standard-8',
        count: 4,
        min: undefined,
        max: undefined,
        kind: 'kubernetes',
        ref: ref(CLUSTERS, 'web-gke', 'pools', 'web', 'size'),
      },
      batch: {
        cloud: 'aws',
        region: 'us-east-1',
        size: 'c5.4xlarge',
        count: 6,
        min: 2,
        max: 12,
        kind: 'vm-group',
        ref: ref(GROUPS, 'batch', 'size'),
      },
    });
    const catalog = loadCatalog();
    for (const w of inventory.workloads) expect(currentOfferingOf(catalog, w), w.name).toBeDefined();
  });
});

describe('bad pools config', () => {
  const base = readStackConfig(path.join(ROOT, 'stacks/Pulumi.platform.yaml'), 'stackfit-demo');
  const clusters = base[CLUSTERS] as Record<string, { pools: Record<string, unknown> }>;

  it('a pool with min but no max, desired outside its bounds, an AKS cluster without a system pool: every problem named', () => {
    const bad = {
      'shop-eks': { ...clusters['shop-eks'], pools: { apps: { size: 'm5.large', desired: 2, min: 1 } } },
      'tools-aks': { cloud: 'azure', region: 'eastus', pools: { tools: { size: 'Standard_D2s_v5', desired: 9, min: 1, max: 3 } } },
    };
    expect(() => parseConfigValue(clustersConfigSchema, bad, CLUSTERS)).toThrow(
      new RegExp(
        [
          `${CLUSTERS}\\.shop-eks\\.pools\\.apps\\.max: set both min and max`,
          `${CLUSTERS}\\.tools-aks\\.pools\\.tools\\.desired: desired 9 is outside min 1 – max 3`,
          `${CLUSTERS}\\.tools-aks\\.pools: an AKS cluster needs at least one pool with system: true`,
        ]
          .map((part) => `(?=.*${part})`)
          .join(''),
        's',
      ),
    );
    expect(() =>
      parseConfigValue(autoscalingGroupsConfigSchema, { batch: { region: 'eastus', size: 'c5.large', desired: 1 } }, GROUPS),
    ).toThrow(`${GROUPS}.batch.region: region must be an AWS region like us-east-1`);
  });

  it('the program stops with the config key and field, and creates nothing', async () => {
    const config = {
      ...base,
      [CLUSTERS]: { ...clusters, 'web-gke': { ...clusters['web-gke'], pools: { web: { size: 'e2-standard-4', desired: 0 } } } },
    };
    const message = await registeredResourcesFromProgram({ projectDir: ROOT, stack: 'platform', config }).then(
      () => 'no error',
      (err: Error) => err.message,
    );
    expect(message).toContain(`invalid stack config: ${CLUSTERS}.web-gke.pools.web.desired: a GKE pool needs at least 1 node per zone`);
  });
});
