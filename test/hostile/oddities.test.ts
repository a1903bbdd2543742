/**
 * Silent oddities (issue #13): stackfit.yaml entries that select workloads but match none
 * (a typo in a name, a glob that is too narrow, a mapping for a renamed resource) did nothing
 * and said nothing. Each is now a warning naming the entry and the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { runPrCommand } from '../../src/cli/pr';
import { unmatchedConfigEntries, unmatchedConfigWarnings } from '../../src/config/rules';
import { PROD_CONFIG_FILE, PROD_CONFIG_TEXT } from '../gitops-pr/helpers';
import { EC2_EXPORT, EC2_NAME, REPO_ROOT, stackfit, tempDir } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
workloads:
  my-ec2-instanse: { pin: true }
  "my-ec2-*": { cpuHeadroom: 0.3 }
  "web-*": { pin: true }
mappings:
  - { resource: ${EC2_NAME}, configKey: "proj:size" }
  - { resource: old-name, configKey: "proj:size" }
  - { resource: old-name, configKey: "proj:size", stack: other }
pools:
  overrides:
    system-pool: { profile: ha }
groups:
  data: { colocate: true }
`;

describe('stackfit.yaml entries that match no workload', () => {
  it("are listed by field path; matching ones and other stacks' mappings are not", () => {
    const workloads = [{ name: EC2_NAME, urn: `urn:pulumi:test::ec2-instance::aws:ec2/instance:Instance::${EC2_NAME}`, group: 'web' }];
    expect(unmatchedConfigEntries(parseConfig(CONFIG), workloads, 'test')).toEqual([
      'workloads."my-ec2-instanse"',
      'workloads."web-*"',
      'mappings[1].resource "old-name"',
      'pools.overrides."system-pool"',
      'groups."data"',
    ]);
    expect(
      unmatchedConfigEntries(parseConfig(CONFIG), [...workloads, { name: 'web-1', urn: 'urn:x::web-1', group: 'data' }], 'test'),
    ).toEqual(['workloads."my-ec2-instanse"', 'mappings[1].resource "old-name"', 'pools.overrides."system-pool"']);
  });

  it('recommend warns with the file and the stack, and still runs', async () => {
    const config = path.join(dir, 'stackfit.yaml');
    fs.writeFileSync(config, CONFIG);
    const usage = path.join(dir, 'usage.csv');
    fs.writeFileSync(usage, `timestamp,resource,metric,value\n2026-10-01T00:00:00Z,${EC2_NAME},cpu_cores,0.2\n`);
    const run = await stackfit([
      'recommend',
      '--state',
      EC2_EXPORT,
      '--usage',
      usage,
      '--config',
      config,
      '--now',
      '2026-10-02T00:00:00Z',
      '--format',
      'json',
    ]);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((l) => l.includes('matches no workload'));
    expect(warnings).toEqual([
      `stackfit: warning: ${config}: workloads."my-ec2-instanse" matches no workload of stack test`,
      `stackfit: warning: ${config}: workloads."web-*" matches no workload of stack test`,
      `stackfit: warning: ${config}: mappings[1].resource "old-name" matches no workload of stack test`,
      `stackfit: warning: ${config}: pools.overrides."system-pool" matches no workload of stack test`,
      `stackfit: warning: ${config}: groups."data" matches no workload of stack test`,
    ]);
  });
  it('the warning names the file and the stack, or "this stack" when the state has none', () => {
    const workloads = [{ name: EC2_NAME, urn: `urn:x::${EC2_NAME}`, group: 'data' }];
    expect(unmatchedConfigWarnings(parseConfig(CONFIG), 'conf/stackfit.yaml', workloads, 'prod')).toEqual([
      'conf/stackfit.yaml: workloads."my-ec2-instanse" matches no workload of stack prod',
      'conf/stackfit.yaml: workloads."web-*" matches no workload of stack prod',
      'conf/stackfit.yaml: mappings[1].resource "old-name" matches no workload of stack prod',
      'conf/stackfit.yaml: pools.overrides."system-pool" matches no workload of stack prod',
    ]);
    expect(unmatchedConfigWarnings(parseConfig('workloads:\n  gone: { pin: true }\n'), 's.yaml', workloads)).toEqual([
      's.yaml: workloads."gone" matches no workload of this stack',
    ]);
  });

  it('pr (dry run) warns with the same lines as recommend, and still runs', async () => {
    const project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, 'stacks'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), path.join(project, 'Pulumi.yaml'));
    fs.writeFileSync(path.join(project, PROD_CONFIG_FILE), PROD_CONFIG_TEXT);
    const config = path.join(project, 'stackfit.yaml');
    fs.writeFileSync(config, CONFIG);
    const usage = path.join(project, 'usage.csv');
    fs.writeFileSync(usage, `timestamp,resource,metric,value\n2026-10-01T00:00:00Z,${EC2_NAME},cpu_cores,0.2\n`);
    const err: string[] = [];
    await runPrCommand(
      { stack: 'prod', state: EC2_EXPORT, usage: [usage], config, projectDir: project, now: '2026-10-02T00:00:00Z', dryRun: true },
      { env: {}, out: () => undefined, err: (t) => err.push(t) },
    );
    const warnings = err
      .join('')
      .split('\n')
      .filter((l) => l.includes('matches no workload'));
    expect(warnings).toEqual([
      `stackfit: warning: ${config}: workloads."my-ec2-instanse" matches no workload of stack prod`,
      `stackfit: warning: ${config}: workloads."web-*" matches no workload of stack prod`,
      `stackfit: warning: ${config}: mappings[1].resource "old-name" matches no workload of stack prod`,
      `stackfit: warning: ${config}: pools.overrides."system-pool" matches no workload of stack prod`,
      `stackfit: warning: ${config}: groups."data" matches no workload of stack prod`,
    ]);
  });
});
