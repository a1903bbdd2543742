import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { StackfitError } from '../../src/model';
import { inventoryFromProgram, parseInventory, registeredResourcesFromProgram } from '../../src/stack';
import { readStackConfig } from '../../src/stack/project';

const ROOT = path.resolve(__dirname, '../..');

/** name → [cloud, region, size, count, group, workload type] as declared in stacks/Pulumi.prod.yaml. */
const PROD = {
  web: ['aws', 'us-east-1', 'm5.2xlarge', 3, 'frontend', 'aws:ec2/instance:Instance'],
  api: ['gcp', 'us-central1', 'n2-standard-8', 2, 'frontend', 'gcp:compute/instance:Instance'],
  worker: ['azure', 'eastus', 'Standard_D8s_v5', 4, 'batch', 'azure-native:compute:VirtualMachine'],
  cache: ['aws', 'us-east-1', 'r5.2xlarge', 1, 'data', 'aws:ec2/instance:Instance'],
  search: ['gcp', 'europe-west1', 'n2-highmem-8', 2, 'data', 'gcp:compute/instance:Instance'],
  reporting: ['azure', 'westeurope', 'Standard_E8s_v5', 1, 'batch', 'azure-native:compute:VirtualMachine'],
} as const;

describe('inventoryFromProgram (the example project, mocked)', () => {
  it('prod: one workload per config entry, with its config reference', async () => {
    const inventory = await inventoryFromProgram({ projectDir: ROOT, stack: 'prod' });
    expect(inventory).toMatchObject({ project: 'stackfit-demo', stack: 'prod', skipped: [] });
    expect(inventory.workloads.map((w) => w.name).sort()).toEqual(Object.keys(PROD).sort());
    for (const w of inventory.workloads) {
      const [cloud, region, size, count, group, type] = PROD[w.name as keyof typeof PROD];
      expect(w).toMatchObject({
        urn: `urn:pulumi:prod::stackfit-demo::stackfit:demo:Workload::${w.name}`,
        kind: 'vm',
        cloud,
        region,
        size,
        count,
        group,
        type,
        stack: 'prod',
        configRef: { key: 'stackfit-demo:workloads', path: [w.name, 'size'] },
        metricIds: { name: w.name },
      });
    }
    expect(inventory.workloads.find((w) => w.name === 'api')?.zone).toBe('us-central1-a');
    expect(inventory.workloads.find((w) => w.name === 'search')?.metricIds.gcpProject).toBe('stackfit-demo-prod');
  });

  it('runs again in the same process, for another stack and back, without leftovers', async () => {
    const dev = await inventoryFromProgram({ projectDir: ROOT, stack: 'dev' });
    // Registration order is the SDK's (asynchronous), not the config's: compare sorted.
    const rows = (inventory: typeof dev) =>
      inventory.workloads
        .map((w) => [w.name, w.cloud, w.region, w.size, w.count, w.group])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(rows(dev)).toEqual([
      ['api', 'gcp', 'us-central1', 'e2-standard-4', 1, 'frontend'],
      ['web', 'aws', 'us-east-1', 't3.large', 1, 'frontend'],
      ['worker', 'azure', 'eastus', 'Standard_D4s_v5', 1, 'batch'],
    ]);
    const [prodAgain, devAgain] = await Promise.all([
      inventoryFromProgram({ projectDir: ROOT, stack: 'prod' }),
      inventoryFromProgram({ projectDir: ROOT, stack: 'dev' }),
    ]);
    expect(Object.fromEntries(prodAgain.workloads.map((w) => [w.name, w.count]))).toEqual({
      web: 3,
      api: 2,
      worker: 4,
      cache: 1,
      search: 2,
      reporting: 1,
    });
    expect(devAgain.workloads).toEqual(dev.workloads);
  });

  it('AWS regions come from the explicit per-region provider, not the default `aws:region`', async () => {
    const config = readStackConfig(path.join(ROOT, 'stacks/Pulumi.prod.yaml'), 'stackfit-demo');
    const inventory = await inventoryFromProgram({ projectDir: ROOT, stack: 'prod', config: { ...config, 'aws:region': 'eu-west-1' } });
    expect(inventory.workloads.find((w) => w.name === 'web')?.region).toBe('us-east-1');
  });

  it('a bad config fails with the config field named', async () => {
    const config = readStackConfig(path.join(ROOT, 'stacks/Pulumi.dev.yaml'), 'stackfit-demo');
    const workloads = config['stackfit-demo:workloads'] as Record<string, Record<string, unknown>>;
    const bad = { ...config, 'stackfit-demo:workloads': { ...workloads, web: { ...workloads.web, count: 0 } } };
    const err = await inventoryFromProgram({ projectDir: ROOT, stack: 'dev', config: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackfitError);
    expect((err as Error).message).toContain(
      'program failed for stack dev: invalid stack config: stackfit-demo:workloads.web.count: count must be at least 1',
    );
    // The failure leaves nothing behind: the next run is clean.
    expect((await inventoryFromProgram({ projectDir: ROOT, stack: 'dev' })).workloads).toHaveLength(3);
  });

  it('a missing stack file is named', async () => {
    const err = await inventoryFromProgram({ projectDir: ROOT, stack: 'staging' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`${path.join(ROOT, 'stacks/Pulumi.staging.yaml')}: cannot read stack config: ENOENT`);
  });
});

describe('registeredResourcesFromProgram', () => {
  it('lists every registration with parent, provider reference and wire-encoded inputs', async () => {
    const resources = await registeredResourcesFromProgram({ projectDir: ROOT, stack: 'dev' });
    const byType = (type: string) => resources.filter((r) => r.type === type);
    expect(
      byType('stackfit:demo:Workload')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['api', 'web', 'worker']);
    const [provider] = byType('pulumi:providers:aws');
    expect(provider).toMatchObject({ name: 'aws-us-east-1', inputs: { region: 'us-east-1' }, custom: true });
    const [ec2] = byType('aws:ec2/instance:Instance');
    expect(ec2).toMatchObject({
      urn: 'urn:pulumi:dev::stackfit-demo::stackfit:demo:Workload$aws:ec2/instance:Instance::web-0',
      name: 'web-0',
      parent: 'urn:pulumi:dev::stackfit-demo::stackfit:demo:Workload::web',
      provider: `${provider!.urn}::aws-us-east-1-mock-id`,
      inputs: { instanceType: 't3.large', tags: { 'stackfit-workload': 'web', 'stackfit-group': 'frontend', Name: 'web-0' } },
    });
    // Outputs of other resources that the mocks do not return are unknown, as in a real preview.
    const [vm] = byType('azure-native:compute:VirtualMachine');
    expect(vm?.inputs.resourceGroupName).toBe('04da6b54-80e4-46f7-96ec-b56ff0331ba9');
  });
});

describe('state of the example project', () => {
  it('a stack export of the same resources reads to the same workloads as the mocked run', async () => {
    const registered = await registeredResourcesFromProgram({ projectDir: ROOT, stack: 'prod' });
    const exported = {
      version: 3,
      deployment: {
        manifest: { time: '2026-01-01T00:00:00Z', magic: '', version: 'v3.248.0' },
        resources: registered.map((r) => ({
          urn: r.urn,
          type: r.type,
          custom: r.custom,
          inputs: r.inputs,
          outputs: r.inputs,
          ...(r.parent ? { parent: r.parent } : {}),
          ...(r.provider ? { provider: r.provider } : {}),
        })),
      },
    };
    // The example project's grouping comes from its stackfit.yaml, as for any project.
    const fromState = parseInventory(JSON.parse(JSON.stringify(exported)), 'prod.json', {
      grouping: loadConfig(path.join(ROOT, 'stackfit.yaml')).grouping,
    });
    const fromProgram = await inventoryFromProgram({ projectDir: ROOT, stack: 'prod' });
    // The mocked run also knows the stack config (GCP project); state carries what the resources say.
    const strip = (w: (typeof fromProgram.workloads)[number]) => ({ ...w, metricIds: { name: w.metricIds.name } });
    expect(fromState.workloads.map(strip)).toEqual(fromProgram.workloads.map(strip));
  });
});
