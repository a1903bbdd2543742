import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrCommand } from '../../src/cli/pr';
import { loadConfig } from '../../src/config/index';
import { catalogForConfig, recommend, specsFrom } from '../../src/pipeline';
import { readInventory } from '../../src/stack';
import { fileUsageSource } from '../../src/usage/file';
import { FakeGitHub as Fake } from '../support/fake-github';
import { REPO_ROOT, sharedValidator } from './helpers';

/**
 * A `mappings:` entry naming the count's key (`countKey`) makes ANY project's instance count
 * stackfit's to change, not only grouped components'. A real `pulumi stack export` (one EC2
 * instance; region and size strings rewritten to a c5.2xlarge in us-east-1, everything else as
 * recorded) and real usage: the demo's `reporting` series (a CPU-bound Azure V1 trace, CPU only).
 * One c5.2xlarge saturates: a single instance needs 16 vCPU (c6a.4xlarge), while three 4-vCPU
 * instances carry the same load for less.
 */
const STACK_FILE = [
  'config:',
  '  aws:region: us-east-1',
  '  # The reporting box.',
  '  ec2-instance:instanceType: c5.2xlarge',
  '  # How many reporting boxes run behind the queue.',
  '  ec2-instance:instanceCount: 1 # scaled by hand last spring',
  '',
].join('\n');
const MAPPING = 'mappings:\n  - resource: my-ec2-instance\n    configKey: ec2-instance:instanceType\n';
const COUNT_MAPPING = `${MAPPING}    countKey: ec2-instance:instanceCount\n`;
const NOW = '2026-11-01T00:00:00Z';

describe('a `mappings:` entry with countKey, through `stackfit pr`', () => {
  let project: string;
  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-count-'));
    const recorded = path.resolve(REPO_ROOT, 'data/pulumi/stack-export/pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');
    fs.writeFileSync(
      path.join(project, 'dev.stack.json'),
      fs
        .readFileSync(recorded, 'utf8')
        .replace(/us-west-2/g, 'us-east-1')
        .replace(/t2\.micro/g, 'c5.2xlarge'),
    );
    fs.writeFileSync(path.join(project, 'Pulumi.yaml'), 'name: ec2-instance\nruntime: nodejs\nstackConfigDir: stacks\n');
    fs.mkdirSync(path.join(project, 'stacks'));
    fs.writeFileSync(path.join(project, 'stacks/Pulumi.dev.yaml'), STACK_FILE);
    const usage = fs
      .readFileSync(path.join(REPO_ROOT, 'stacks/usage/prod.csv'), 'utf8')
      .split('\n')
      .filter((l, i) => i === 0 || l.split(',')[1] === 'reporting')
      .map((l, i) => (i === 0 ? l : l.replace(',reporting,', ',my-ec2-instance,')))
      .join('\n');
    fs.writeFileSync(path.join(project, 'usage.csv'), `${usage}\n`);
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  /** The plan for the project under a stackfit.yaml. */
  async function planWith(stackfitYaml: string) {
    const file = path.join(project, 'stackfit.yaml');
    fs.writeFileSync(file, stackfitYaml);
    const config = loadConfig(file);
    const catalog = catalogForConfig(config);
    const inventory = readInventory(path.join(project, 'dev.stack.json'), { stack: 'dev' });
    const usage = [fileUsageSource(path.join(project, 'usage.csv'), specsFrom(catalog))];
    return (await recommend({ inventory, usage, config, catalog, now: new Date(NOW) })).plan;
  }

  it('makes the count a decision: the plan scales out where that is cheaper than one bigger instance', async () => {
    const fixed = (await planWith(MAPPING)).items[0]!;
    const counted = (await planWith(COUNT_MAPPING)).items[0]!;
    // Without the count key the count stays 1 and the one instance grows.
    expect(fixed.countAfter).toBeUndefined();
    expect(fixed.chosen!.vcpu).toBeGreaterThanOrEqual(16);
    // With it: more, smaller instances, cheaper than the one bigger instance, carrying the same total need.
    expect(counted.workload.countRef).toEqual({ key: 'ec2-instance:instanceCount', path: [] });
    expect(counted.countAfter).toBeGreaterThan(1);
    expect(counted.monthlyAfter!).toBeLessThan(fixed.monthlyAfter! - 1);
    expect(counted.chosen!.vcpu * counted.countAfter!).toBeGreaterThanOrEqual(counted.demand!.cpu.required);
  });

  it('opens a PR editing the size and the mapped count key, comments kept', async () => {
    fs.writeFileSync(path.join(project, 'stackfit.yaml'), COUNT_MAPPING);
    const expected = (await planWith(COUNT_MAPPING)).items[0]!;
    const fake = await Fake.start({
      files: { 'Pulumi.yaml': 'name: ec2-instance\n', 'stacks/Pulumi.dev.yaml': STACK_FILE },
      validator: sharedValidator(),
    });
    try {
      const result = await runPrCommand(
        {
          stack: 'dev',
          state: path.join(project, 'dev.stack.json'),
          usage: [path.join(project, 'usage.csv')],
          projectDir: project,
          now: NOW,
          repo: `${fake.owner}/${fake.repo}`,
        },
        {
          env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url },
          out: () => {},
          err: () => {},
          clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 },
        },
      );
      expect(result.groups).toHaveLength(1);
      expect(result.groups[0]).toMatchObject({ action: 'created', branch: 'stackfit/dev', edits: 2 });
      const after = (await fake.readFile('stackfit/dev', 'stacks/Pulumi.dev.yaml'))!;
      // Exactly the two values change; every comment (the trailing one too) stays; the count is a YAML number.
      expect(after).toBe(
        STACK_FILE.replace('instanceType: c5.2xlarge', `instanceType: ${expected.chosen!.size}`).replace(
          'instanceCount: 1 #',
          `instanceCount: ${expected.countAfter} #`,
        ),
      );
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
