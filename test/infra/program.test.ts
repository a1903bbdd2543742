import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorkloadsConfig } from '../../infra/config';
import { registeredResourcesFromProgram, type RegisteredResource } from '../../src/stack';
import { readStackConfig } from '../../src/stack/project';

/**
 * The example program run under `pulumi.runtime.setMocks` (through registeredResourcesFromProgram,
 * which records every registration), once per stack file.
 */
const ROOT = path.resolve(__dirname, '../..');
const KEY = 'stackfit-demo:workloads';

type Expected = { cloud: 'aws' | 'azure' | 'gcp'; region: string; zone?: string; size: string; count: number; group: string };
const STACKS: Record<string, Record<string, Expected>> = {
  prod: {
    web: { cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', count: 3, group: 'frontend' },
    api: { cloud: 'gcp', region: 'us-central1', zone: 'us-central1-a', size: 'n2-standard-8', count: 2, group: 'frontend' },
    worker: { cloud: 'azure', region: 'eastus', size: 'Standard_D8s_v5', count: 4, group: 'batch' },
    cache: { cloud: 'aws', region: 'us-east-1', size: 'r5.2xlarge', count: 1, group: 'data' },
    search: { cloud: 'gcp', region: 'europe-west1', zone: 'europe-west1-b', size: 'n2-highmem-8', count: 2, group: 'data' },
    reporting: { cloud: 'azure', region: 'westeurope', size: 'Standard_E8s_v5', count: 1, group: 'batch' },
  },
  dev: {
    web: { cloud: 'aws', region: 'us-east-1', size: 't3.large', count: 1, group: 'frontend' },
    api: { cloud: 'gcp', region: 'us-central1', zone: 'us-central1-b', size: 'e2-standard-4', count: 1, group: 'frontend' },
    worker: { cloud: 'azure', region: 'eastus', size: 'Standard_D4s_v5', count: 1, group: 'batch' },
  },
};

const VM_TYPE = { aws: 'aws:ec2/instance:Instance', azure: 'azure-native:compute:VirtualMachine', gcp: 'gcp:compute/instance:Instance' };

function childrenOf(resources: RegisteredResource[], stack: string, workload: string): RegisteredResource[] {
  return resources.filter((r) => r.parent === `urn:pulumi:${stack}::stackfit-demo::stackfit:demo:Workload::${workload}`);
}

describe.each(Object.entries(STACKS))('stack %s', (stack, expected) => {
  it('creates count VMs of the configured size, place and tags for each workload', async () => {
    const resources = await registeredResourcesFromProgram({ projectDir: ROOT, stack });
    const components = resources.filter((r) => r.type === 'stackfit:demo:Workload');
    expect(components.map((c) => c.name).sort()).toEqual(Object.keys(expected).sort());

    for (const [name, want] of Object.entries(expected)) {
      const component = components.find((c) => c.name === name)!;
      // The component records where its size lives in config.
      expect(component.inputs).toMatchObject({
        cloud: want.cloud,
        region: want.region,
        size: want.size,
        count: want.count,
        group: want.group,
        configKey: KEY,
        configPath: [name, 'size'],
      });

      const children = childrenOf(resources, stack, name);
      const vms = children.filter((r) => r.type === VM_TYPE[want.cloud]);
      expect(vms.map((vm) => vm.name).sort()).toEqual(Array.from({ length: want.count }, (_, i) => `${name}-${i}`).sort());
      // Only the VMs of its own cloud: no stray resources from other clouds.
      expect(children.every((r) => r.type.startsWith(want.cloud === 'azure' ? 'azure-native:' : `${want.cloud}:`))).toBe(true);
      const tags = { 'stackfit-workload': name, 'stackfit-group': want.group };

      for (const vm of vms) {
        switch (want.cloud) {
          case 'aws': {
            expect(vm.inputs).toMatchObject({ instanceType: want.size, tags: { ...tags, Name: vm.name } });
            const provider = resources.find((r) => vm.provider?.startsWith(`${r.urn}::`));
            expect(provider).toMatchObject({ type: 'pulumi:providers:aws', inputs: { region: want.region } });
            break;
          }
          case 'azure':
            expect(vm.inputs).toMatchObject({ hardwareProfile: { vmSize: want.size }, location: want.region, tags });
            break;
          case 'gcp':
            expect(vm.inputs).toMatchObject({ machineType: want.size, zone: want.zone, labels: tags });
            break;
        }
      }
      if (want.cloud === 'azure') {
        // What a real VM needs: its resource group, network and one NIC per VM, in its location.
        const types = children.map((r) => r.type);
        expect(types.filter((t) => t === 'azure-native:resources:ResourceGroup')).toHaveLength(1);
        expect(types.filter((t) => t === 'azure-native:network:VirtualNetwork')).toHaveLength(1);
        expect(types.filter((t) => t === 'azure-native:network:Subnet')).toHaveLength(1);
        expect(types.filter((t) => t === 'azure-native:network:NetworkInterface')).toHaveLength(want.count);
        expect(children.find((r) => r.type === 'azure-native:resources:ResourceGroup')?.inputs).toMatchObject({
          location: want.region,
          tags,
        });
      }
    }
    // One explicit AWS provider per AWS region in use.
    const awsRegions = new Set(
      Object.values(expected)
        .filter((w) => w.cloud === 'aws')
        .map((w) => w.region),
    );
    expect(resources.filter((r) => r.type === 'pulumi:providers:aws').map((r) => r.inputs.region)).toEqual([...awsRegions]);
  });
});

describe('bad workloads config', () => {
  const base = readStackConfig(path.join(ROOT, 'stacks/Pulumi.dev.yaml'), 'stackfit-demo');
  const workloads = base[KEY] as Record<string, Record<string, unknown>>;
  const run = (web: Record<string, unknown>) =>
    registeredResourcesFromProgram({ projectDir: ROOT, stack: 'dev', config: { ...base, [KEY]: { ...workloads, web } } }).then(
      () => 'no error',
      (err: Error) => err.message,
    );

  it('an unknown cloud', async () => {
    expect(await run({ ...workloads.web, cloud: 'oracle' })).toContain(`${KEY}.web.cloud: cloud must be one of aws, azure, gcp`);
  });

  it('count 0', async () => {
    expect(await run({ ...workloads.web, count: 0 })).toContain(`${KEY}.web.count: count must be at least 1`);
  });

  it('a missing size', async () => {
    const { size: _size, ...noSize } = workloads.web!;
    expect(await run(noSize)).toContain(`${KEY}.web.size: size is required`);
  });

  it('a missing workloads key', async () => {
    const { [KEY]: _gone, ...rest } = base;
    const message = await registeredResourcesFromProgram({ projectDir: ROOT, stack: 'dev', config: rest }).then(
      () => 'no error',
      (err: Error) => err.message,
    );
    expect(message).toContain("Missing required configuration variable 'stackfit-demo:workloads'");
  });
});

describe('parseWorkloadsConfig', () => {
  it('fills defaults and keeps what is set', () => {
    expect(parseWorkloadsConfig({ db: { cloud: 'gcp', region: 'us-east1', size: 'n2-standard-2', count: 1 } }, KEY)).toEqual({
      db: { cloud: 'gcp', region: 'us-east1', size: 'n2-standard-2', count: 1, arch: 'amd64', diskGiB: 30, tags: {} },
    });
  });

  it('rejects a zone outside the region, a zone on another cloud, bad names and unknown fields, all at once', () => {
    expect(() =>
      parseWorkloadsConfig(
        {
          a: { cloud: 'gcp', region: 'us-east1', zone: 'us-west1-a', size: 'e2-small', count: 1 },
          b: { cloud: 'aws', region: 'us-east-1', zone: 'us-east-1-a', size: 't3.micro', count: 1 },
          Web_1: { cloud: 'aws', region: 'us-east-1', size: 't3.micro', count: 1 },
          c: { cloud: 'aws', region: 'us-east-1', size: 't3.micro', count: 1, sise: 'x' },
        },
        KEY,
      ),
    ).toThrow(
      new RegExp(
        [
          `${KEY}\\.a\\.zone: zone us-west1-a is not in region us-east1`,
          `${KEY}\\.b\\.zone: zone is only used for cloud: gcp`,
          `${KEY}\\.Web_1: workload names are`,
          `${KEY}\\.c: Unrecognized key: "sise"`,
        ]
          .map((part) => `(?=.*${part})`)
          .join(''),
        's',
      ),
    );
  });
});
