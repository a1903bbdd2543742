/**
 * Project conventions are configuration, not engine code: `grouping:` collapses ANY component
 * type's VMs into one workload (the example project declares its `stackfit:demo:Workload` in
 * its stackfit.yaml), and `siblingKeys:` names the keys next to a size that say where it runs.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { stackfitConfigSchema } from '../../src/config/schema';
import { findConfigMapping } from '../../src/gitops/mapping';
import { parseStackConfig } from '../../src/gitops/updaters/stack-config';
import type { Workload } from '../../src/model';
import { inventoryFromResources, type StackResource } from '../../src/stack/inventory';

const FLEET = 'acme:compute:Fleet';

function fleet(name: string, count: number, size = 'm5.large', inputs: Record<string, unknown> = {}): StackResource[] {
  const parent = `urn:pulumi:prod::shop::${FLEET}::${name}`;
  return [
    { urn: parent, type: FLEET, inputs },
    ...Array.from({ length: count }, (_, i) => ({
      urn: `urn:pulumi:prod::shop::${FLEET}$aws:ec2/instance:Instance::${name}-${i}`,
      type: 'aws:ec2/instance:Instance',
      parent,
      outputs: { id: `i-0${i}${name.length}abcdef01234`, instanceType: size },
    })),
  ];
}
const stackConfig = { 'aws:region': 'us-east-1' };

describe('grouping: in stackfit.yaml', () => {
  it("collapses a project's own component type into one workload, with config refs from the rule", () => {
    const { grouping } = parseConfig(
      'grouping:\n  - componentType: acme:compute:Fleet\n    configKey: "{project}:fleets"\n    sizePath: ["{name}", instanceType]\n    countKey: replicas\n',
    );
    const inv = inventoryFromResources([...fleet('web', 3), ...fleet('jobs', 1, 'c5.xlarge')], 'state.json', { stackConfig, grouping });
    expect(inv.workloads.map((w) => [w.name, w.size, w.count])).toEqual([
      ['web', 'm5.large', 3],
      ['jobs', 'c5.xlarge', 1],
    ]);
    const web = inv.workloads[0]!;
    expect(web.urn).toBe(`urn:pulumi:prod::shop::${FLEET}::web`);
    expect(web.configRef).toEqual({ key: 'shop:fleets', path: ['web', 'instanceType'] });
    expect(web.countRef).toEqual({ key: 'shop:fleets', path: ['web', 'replicas'] });
  });

  it('without a rule for the type, each VM is its own workload (the engine knows no component type)', () => {
    const inv = inventoryFromResources(fleet('web', 3), 'state.json', { stackConfig });
    expect(inv.workloads.map((w) => [w.name, w.count])).toEqual([
      ['web-0', 1],
      ['web-1', 1],
      ['web-2', 1],
    ]);
    const demoType = inventoryFromResources(fleet('web', 2), 'state.json', {
      stackConfig,
      grouping: [{ componentType: 'stackfit:demo:Workload', sizePath: ['{name}', 'size'] }],
    });
    expect(demoType.workloads).toHaveLength(2);
  });

  it("no countKey: the count is not a decision; a component's own configKey/configPath wins over the rule", () => {
    const grouping = [{ componentType: FLEET, configKey: 'shop:fleets', sizePath: ['{name}', 'size'] }];
    const inv = inventoryFromResources(
      fleet('web', 2, 'm5.large', { configKey: 'shop:other', configPath: ['tiers', 0, 'vm'] }),
      'state.json',
      { stackConfig, grouping },
    );
    expect(inv.workloads[0]!.configRef).toEqual({ key: 'shop:other', path: ['tiers', 0, 'vm'] });
    expect(inv.workloads[0]!.countRef).toBeUndefined();
  });

  it('VMs of one component that differ in size are skipped, naming the component type', () => {
    const mixed = fleet('web', 2);
    mixed[2] = { ...mixed[2]!, outputs: { id: 'i-0x', instanceType: 'm5.xlarge' } };
    const inv = inventoryFromResources(mixed, 'state.json', {
      stackConfig,
      grouping: [{ componentType: FLEET, sizePath: ['{name}', 'size'] }],
    });
    expect(inv.workloads).toEqual([]);
    expect(inv.skipped).toEqual([
      { urn: `urn:pulumi:prod::shop::${FLEET}::web`, type: FLEET, reason: expect.stringMatching(/^VMs differ in place or size/) },
    ]);
  });

  it('refuses a misspelt grouping key, naming it', () => {
    expect(() => parseConfig('grouping:\n  - componentType: a:b:C\n    sizepath: [x]\n')).toThrow(
      /grouping\.0\.sizepath \(line 3\): Unrecognized key "sizepath"; did you mean "sizePath"\?/,
    );
  });
});

describe('siblingKeys: in stackfit.yaml', () => {
  const text =
    'config:\n  shop:fleets:\n    web:\n      instanceType: m5.large\n      location: eu-west-1\n      provider: aws\n      region: ignored\n';
  const w: Workload = {
    urn: `urn:pulumi:prod::shop::${FLEET}::web`,
    name: 'web',
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud: 'aws',
    region: 'eu-west-1',
    size: 'm5.large',
    count: 1,
    metricIds: { name: 'web' },
    configRef: { key: 'shop:fleets', path: ['web', 'instanceType'] },
  };
  const mappingWith = (yaml: string) => {
    const config = parseConfig(yaml);
    const found = findConfigMapping(w, {
      parsed: parseStackConfig(text, 'Pulumi.prod.yaml'),
      fileName: 'Pulumi.prod.yaml',
      stack: 'prod',
      projectName: 'shop',
      config,
    });
    if (!found.ok) throw new Error(found.reason);
    return found.mapping;
  };

  it('reads where a workload runs from the keys the project names', () => {
    const m = mappingWith('siblingKeys: {cloud: provider, region: location}\n');
    expect(m.current).toEqual({ size: 'm5.large', cloud: 'aws', region: 'eu-west-1' });
    expect(m.region?.path).toEqual(['web', 'location']);
  });

  it('defaults to the role names, and {} reads none', () => {
    expect(mappingWith('{}\n').current).toEqual({ size: 'm5.large', region: 'ignored' });
    expect(mappingWith('siblingKeys: {}\n').current).toEqual({ size: 'm5.large' });
    expect(stackfitConfigSchema.parse({}).siblingKeys.region).toBe('region');
  });
});
