import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { findConfigFile, loadConfig } from '../../src/config';
import { planToEdits } from '../../src/gitops/edits';
import { applyConfigEdits } from '../../src/gitops/updaters/stack-config';
import { loadDemo, recommend } from '../../src/pipeline';
import { readStackConfig, registeredResourcesFromProgram } from '../../src/stack';

const root = path.resolve(__dirname, '../..');

describe('the example project: a placement change is a config change', () => {
  it('moves a workload to another cloud by editing Pulumi.prod.yaml, and the program then deploys it there', async () => {
    const catalog = loadCatalog();
    const config = loadConfig(findConfigFile(root));
    expect(config.allowMove).toBe(true);
    const demo = await loadDemo('prod', catalog);
    const { plan } = await recommend({ inventory: demo.inventory, usage: demo.usage, config, catalog, now: demo.now });

    // The example's rules: reporting stays in Europe, cache never moves, frontend spans two clouds.
    const byName = new Map(plan.items.map((i) => [i.workload.name, i]));
    const reporting = byName.get('reporting')!;
    expect(['westeurope', 'europe-west1']).toContain(reporting.chosen!.region);
    expect(byName.get('cache')!.chosen!.cloud).toBe('aws');
    expect(byName.get('cache')!.chosen!.region).toBe('us-east-1');
    expect(new Set(['web', 'api'].map((n) => byName.get(n)!.chosen!.cloud)).size).toBeGreaterThanOrEqual(2);
    const moved = plan.items.filter((i) => i.action === 'move');
    expect(moved.length).toBeGreaterThan(0);

    const configFile = path.join(root, demo.configFile);
    const text = readFileSync(configFile, 'utf8');
    const { edits, manual } = planToEdits({
      plan,
      stack: 'prod',
      configFile: demo.configFile,
      configText: text,
      config,
      projectName: 'stackfit-demo',
    });
    expect(manual).toEqual([]);
    const edited = applyConfigEdits(text, edits, demo.configFile, { projectName: 'stackfit-demo' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-move-'));
    writeFileSync(path.join(dir, 'Pulumi.prod.yaml'), edited);

    // Run the real program on the edited config: the moved workloads' VMs are now on their new cloud.
    const resources = await registeredResourcesFromProgram({
      projectDir: root,
      stack: 'prod',
      config: readStackConfig(path.join(dir, 'Pulumi.prod.yaml'), 'stackfit-demo'),
    });
    const vmType = {
      aws: 'aws:ec2/instance:Instance',
      azure: 'azure-native:compute:VirtualMachine',
      gcp: 'gcp:compute/instance:Instance',
    } as const;
    for (const item of moved) {
      const children = resources.filter((r) => r.parent?.endsWith(`::${item.workload.name}`) && r.type === vmType[item.chosen!.cloud]);
      expect(children, item.workload.name).toHaveLength(item.countAfter ?? item.workload.count);
      const sizeOf = (r: (typeof children)[number]) =>
        (r.inputs.instanceType ?? r.inputs.machineType ?? (r.inputs.hardwareProfile as { vmSize?: string } | undefined)?.vmSize) as string;
      for (const child of children) expect(sizeOf(child)).toBe(item.chosen!.size);
      // A move inside one cloud (another region) keeps the resource type: nothing can be "left" there.
      if (item.chosen!.cloud === item.workload.cloud) continue;
      const left = resources.filter((r) => r.parent?.endsWith(`::${item.workload.name}`) && r.type === vmType[item.workload.cloud]);
      expect(left, `${item.workload.name} left on ${item.workload.cloud}`).toHaveLength(0);
    }
  }, 120_000);
});
