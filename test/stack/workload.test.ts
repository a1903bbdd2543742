import { describe, expect, it } from 'vitest';
import { kindFor, normalizeResourceType, resourceKinds } from '../../src/clouds';
import { workloadFromResource } from '../../src/stack';
import { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from '../../src/stack/values';

const urn = (type: string, name: string, parentType?: string): string =>
  `urn:pulumi:prod::shop::${parentType ? `${parentType}$` : ''}${type}::${name}`;

function workload(res: Parameters<typeof workloadFromResource>[0]) {
  const result = workloadFromResource(res);
  if (!result || !('workload' in result)) throw new Error(`expected a workload, got ${JSON.stringify(result)}`);
  return result.workload;
}

function skipReason(res: Parameters<typeof workloadFromResource>[0]): string {
  const result = workloadFromResource(res);
  if (!result || !('skipped' in result)) throw new Error(`expected a skip, got ${JSON.stringify(result)}`);
  return result.skipped.reason;
}

describe('AWS', () => {
  const type = 'aws:ec2/instance:Instance';

  it('EC2: region from the ARN when there is no zone', () => {
    const w = workload({
      urn: urn(type, 'web'),
      type,
      props: {
        instanceType: 'c6g.xlarge',
        arn: 'arn:aws:ec2:eu-central-1:123456789012:instance/i-0abc',
        id: 'i-0abc',
        tags: { 'stackfit-group': 'frontend' },
      },
    });
    expect(w).toEqual({
      urn: urn(type, 'web'),
      name: 'web',
      type,
      kind: 'vm',
      cloud: 'aws',
      region: 'eu-central-1',
      size: 'c6g.xlarge',
      count: 1,
      group: 'frontend',
      metricIds: { name: 'web', awsInstanceId: 'i-0abc' },
      stack: 'prod',
    });
  });

  it('EC2: region from a local zone, then provider, then `aws:region`', () => {
    expect(
      workload({ urn: urn(type, 'a'), type, props: { instanceType: 't3.micro', availabilityZone: 'us-west-2-lax-1a' } }),
    ).toMatchObject({
      region: 'us-west-2',
      zone: 'us-west-2-lax-1a',
    });
    expect(
      workload({
        urn: urn(type, 'a'),
        type,
        props: { instanceType: 't3.micro' },
        providerRegion: 'eu-west-3',
        stackConfig: { 'aws:region': 'us-east-1' },
      }).region,
    ).toBe('eu-west-3');
    expect(
      workload({ urn: urn(type, 'a'), type, props: { instanceType: 't3.micro' }, stackConfig: { 'aws:region': 'us-east-1' } }).region,
    ).toBe('us-east-1');
    expect(workload({ urn: urn(type, 'a'), type, props: { instanceType: 't3.micro' } }).region).toBeUndefined();
  });

  it('EC2: a secret or unknown size is skipped, never read', () => {
    expect(skipReason({ urn: urn(type, 'a'), type, props: { instanceType: { [SIG_KEY]: SECRET_SIG, value: 'm5.large' } } })).toBe(
      'size (instanceType) is a secret: not read',
    );
    expect(skipReason({ urn: urn(type, 'a'), type, props: { instanceType: UNKNOWN_VALUE } })).toBe(
      'size (instanceType) is unknown during preview',
    );
    expect(skipReason({ urn: urn(type, 'a'), type, props: {} })).toBe('no size set (instanceType is empty)');
  });

  it('RDS: class, engine and Multi-AZ; an Aurora instance alone (no cluster in view) is skipped: its price depends on the cluster storage', () => {
    const rds = 'aws:rds/instance:Instance';
    expect(
      workload({
        urn: urn(rds, 'db'),
        type: rds,
        props: { instanceClass: 'db.r6g.large', engine: 'mysql', multiAz: true, identifier: 'orders', availabilityZone: 'eu-west-1b' },
      }),
    ).toMatchObject({
      kind: 'database',
      size: 'db.r6g.large',
      engine: 'mysql',
      multiAz: true,
      region: 'eu-west-1',
      metricIds: { awsDbInstanceId: 'orders' },
    });
    const aurora = 'aws:rds/clusterInstance:ClusterInstance';
    expect(
      skipReason({
        urn: urn(aurora, 'writer'),
        type: aurora,
        props: { instanceClass: 'db.r6g.xlarge', engine: 'aurora-postgresql', clusterIdentifier: 'orders' },
        providerRegion: 'us-east-2',
      }),
    ).toBe(
      'Aurora cluster orders is not in this stack: its storage type (Standard or I/O-Optimized), and so the instance price, is not known',
    );
  });

  it('launch template: instanceType, one instance', () => {
    const lt = 'aws:ec2/launchTemplate:LaunchTemplate';
    expect(
      workload({
        urn: urn(lt, 'tpl'),
        type: lt,
        props: { instanceType: 'm7g.large', arn: 'arn:aws:ec2:ap-southeast-2:1:launch-template/lt-1' },
      }),
    ).toMatchObject({
      size: 'm7g.large',
      region: 'ap-southeast-2',
      count: 1,
    });
  });

  it('unsupported sized types are skipped with the type named', () => {
    expect(skipReason({ urn: urn('aws:ecs/service:Service', 's'), type: 'aws:ecs/service:Service', props: {} })).toMatch(
      /^unsupported type: aws:ecs\/service:Service/,
    );
    expect(skipReason({ urn: urn('aws:elasticache/cluster:Cluster', 'c'), type: 'aws:elasticache/cluster:Cluster', props: {} })).toMatch(
      /^unsupported type: aws:elasticache\/cluster:Cluster/,
    );
  });

  it('resources without a size are not workloads', () => {
    for (const t of ['aws:s3/bucket:Bucket', 'aws:ec2/vpc:Vpc', 'aws:lambda/function:Function', 'pulumi:pulumi:Stack']) {
      expect(workloadFromResource({ urn: urn(t, 'x'), type: t, props: { instanceType: 'm5.large' } })).toBeUndefined();
    }
  });
});

describe('Azure', () => {
  const vm = 'azure-native:compute:VirtualMachine';

  it('VM: vmSize, location (display names normalised), ARM id, computer name', () => {
    const id = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/worker-0';
    expect(
      workload({
        urn: urn(vm, 'worker-0'),
        type: vm,
        props: {
          hardwareProfile: { vmSize: 'Standard_D8s_v5' },
          location: 'East US',
          id,
          osProfile: { computerName: 'worker-0' },
          tags: { 'stackfit-group': 'batch' },
        },
      }),
    ).toEqual({
      urn: urn(vm, 'worker-0'),
      name: 'worker-0',
      type: vm,
      kind: 'vm',
      cloud: 'azure',
      region: 'eastus',
      size: 'Standard_D8s_v5',
      count: 1,
      group: 'batch',
      metricIds: { name: 'worker-0', azureResourceId: id, hostname: 'worker-0' },
      stack: 'prod',
    });
  });

  it('VM: versioned tokens and location from provider or `azure-native:location`', () => {
    const versioned = 'azure-native:compute/v20240301:VirtualMachine';
    expect(normalizeResourceType(versioned)).toBe(vm);
    expect(
      workload({
        urn: urn(versioned, 'a'),
        type: versioned,
        props: { hardwareProfile: { vmSize: 'Standard_B2s' } },
        providerRegion: 'westeurope',
      }),
    ).toMatchObject({
      type: versioned,
      region: 'westeurope',
    });
    expect(
      workload({
        urn: urn(vm, 'a'),
        type: vm,
        props: { hardwareProfile: { vmSize: 'Standard_B2s' } },
        stackConfig: { 'azure-native:location': 'northeurope' },
      }).region,
    ).toBe('northeurope');
    expect(skipReason({ urn: urn(vm, 'a'), type: vm, props: { hardwareProfile: UNKNOWN_VALUE } })).toBe(
      'size (hardwareProfile.vmSize) is unknown during preview',
    );
  });

  it('scale set: sku.name and sku.capacity → count', () => {
    const vmss = 'azure-native:compute:VirtualMachineScaleSet';
    expect(
      workload({
        urn: urn(vmss, 'pool'),
        type: vmss,
        props: { sku: { name: 'Standard_F4s_v2', capacity: 6, tier: 'Standard' }, location: 'uksouth' },
      }),
    ).toMatchObject({
      size: 'Standard_F4s_v2',
      count: 6,
      region: 'uksouth',
    });
    expect(skipReason({ urn: urn(vmss, 'pool'), type: vmss, props: { sku: { name: 'Standard_F4s_v2', capacity: UNKNOWN_VALUE } } })).toBe(
      'instance count (sku.capacity) is unknown during preview',
    );
  });

  it('classic azure VMs', () => {
    const linux = 'azure:compute/linuxVirtualMachine:LinuxVirtualMachine';
    expect(workload({ urn: urn(linux, 'vm'), type: linux, props: { size: 'Standard_D2as_v5', location: 'westus2' } })).toMatchObject({
      cloud: 'azure',
      size: 'Standard_D2as_v5',
      region: 'westus2',
    });
  });
});

describe('GCP', () => {
  const instance = 'gcp:compute/instance:Instance';

  it('instance: machine type from a URL, zone → region, ids', () => {
    expect(
      workload({
        urn: urn(instance, 'api-0'),
        type: instance,
        props: {
          machineType: 'https://www.googleapis.com/compute/v1/projects/acme/zones/us-central1-a/machineTypes/n2-standard-8',
          zone: 'projects/acme/zones/us-central1-a',
          instanceId: '4567890123456789012',
          project: 'acme',
          name: 'api-0-3f1c2b',
          labels: { 'stackfit-group': 'frontend' },
        },
      }),
    ).toEqual({
      urn: urn(instance, 'api-0'),
      name: 'api-0',
      type: instance,
      kind: 'vm',
      cloud: 'gcp',
      region: 'us-central1',
      zone: 'us-central1-a',
      size: 'n2-standard-8',
      count: 1,
      group: 'frontend',
      metricIds: {
        name: 'api-0',
        gcpInstanceId: '4567890123456789012',
        gcpProject: 'acme',
        gcpZone: 'us-central1-a',
        hostname: 'api-0-3f1c2b',
      },
      stack: 'prod',
    });
  });

  it('instance: zone and project from stack config', () => {
    expect(
      workload({
        urn: urn(instance, 'a'),
        type: instance,
        props: { machineType: 'e2-medium' },
        stackConfig: { 'gcp:zone': 'europe-west4-c', 'gcp:project': 'p1' },
      }),
    ).toMatchObject({
      region: 'europe-west4',
      zone: 'europe-west4-c',
      metricIds: { gcpProject: 'p1', gcpZone: 'europe-west4-c' },
    });
  });

  it('instance template: region from `region`, provider, or `gcp:region`', () => {
    const tpl = 'gcp:compute/instanceTemplate:InstanceTemplate';
    expect(workload({ urn: urn(tpl, 't'), type: tpl, props: { machineType: 'c3-standard-4', region: 'asia-east1' } }).region).toBe(
      'asia-east1',
    );
    expect(
      workload({ urn: urn(tpl, 't'), type: tpl, props: { machineType: 'c3-standard-4' }, stackConfig: { 'gcp:region': 'us-west1' } }),
    ).toMatchObject({
      region: 'us-west1',
      size: 'c3-standard-4',
      count: 1,
    });
  });

  it('unsupported: Cloud SQL, Memorystore', () => {
    const sql = 'gcp:sql/databaseInstance:DatabaseInstance';
    expect(skipReason({ urn: urn(sql, 'm'), type: sql, props: {} })).toMatch(/^unsupported type: gcp:sql\/databaseInstance/);
  });
});

describe('example project VMs', () => {
  it("a VM under a component knows nothing of the component: grouping is the inventory's (stackfit.yaml grouping:)", () => {
    const type = 'gcp:compute/instance:Instance';
    const parentUrn = 'urn:pulumi:prod::stackfit-demo::stackfit:demo:Workload::api';
    const w = workload({
      urn: 'urn:pulumi:prod::stackfit-demo::stackfit:demo:Workload$gcp:compute/instance:Instance::api-0',
      type,
      props: { machineType: 'n2-standard-8', zone: 'us-central1-a' },
      parentUrn,
    });
    expect(w.configRef).toBeUndefined();
    expect(w.size).toBe('n2-standard-8');
  });
});

describe('resource kind registry', () => {
  it('claims each type once and every type names its cloud package', () => {
    const types = resourceKinds.flatMap((k) => k.types.map((t) => [k.cloud, t] as const));
    expect(new Set(types.map(([, t]) => t)).size).toBe(types.length);
    for (const [cloud, t] of types) {
      const pkg = t.split(':')[0];
      expect({ aws: ['aws', 'eks'], azure: ['azure-native', 'azure'], gcp: ['gcp'] }[cloud]).toContain(pkg);
      expect(kindFor(t)?.cloud).toBe(cloud);
    }
  });
});

describe('live CrossGuard props (unknown-checking proxy of @pulumi/policy)', () => {
  it('reads the size when other fields are unknown, and skips when the size is', async () => {
    const { unknownCheckingProxy } = await import('@pulumi/policy');
    const type = 'azure-native:compute:VirtualMachine';
    const props = unknownCheckingProxy({
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
      location: 'eastus',
      resourceGroupName: UNKNOWN_VALUE,
      tags: { 'stackfit-group': 'batch', owner: UNKNOWN_VALUE },
    });
    expect(workload({ urn: urn(type, 'vm'), type, props })).toMatchObject({ size: 'Standard_D4s_v5', region: 'eastus', group: 'batch' });
    const unknownSize = unknownCheckingProxy({ hardwareProfile: { vmSize: UNKNOWN_VALUE }, location: 'eastus' });
    expect(skipReason({ urn: urn(type, 'vm'), type, props: unknownSize })).toBe('size (hardwareProfile.vmSize) is unknown during preview');
  });
});
