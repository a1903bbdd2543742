import { Command } from 'commander';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/check';
import { HOURS_PER_MONTH, StackfitError } from '../../src/model';
import { loadCatalog } from '../../src/catalog';
import { loadConfig } from '../../src/config';
import { priceWorkload } from '../../src/policy/pricing';
import { usd } from '../../src/policy/money';
import {
  inventoryFromResources,
  loadPulumiProject,
  readStackConfig,
  registeredResourcesFromProgram,
  stackConfigPath,
} from '../../src/stack';
import { ensurePackBuilt, exportsDir, repoDir } from './helpers';

const rdsExport = path.join(exportsDir, 'pulumi-aws-recorded-rds-instance-5.42.0.stack.json');
const ec2Export = path.join(exportsDir, 'pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');

/** Runs `stackfit check …` in-process; returns the exit code it sets and what it printed. */
async function stackfitCheck(args: string[]): Promise<{ code: number; stdout: string }> {
  const program = new Command('stackfit').exitOverride();
  register(program);
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  };
  const before = process.exitCode;
  try {
    await program.parseAsync(['node', 'stackfit', 'check', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout };
  } finally {
    process.stdout.write = write;
    process.exitCode = before;
  }
}

function tmpFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'stackfit-check-')), name);
  writeFileSync(file, text);
  return file;
}

describe('stackfit check', () => {
  beforeAll(() => ensurePackBuilt());

  it('exits 0 on a real export with no mandatory violation', async () => {
    const { code, stdout } = await stackfitCheck(['--state', rdsExport]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Policy pack stackfit@0\.1\.0 on test\/test \(pulumi-aws-recorded-rds-instance-5\.42\.0\.stack\.json\): 0 mandatory, \d+ advisory\n/,
    );
  });

  it('exits non-zero when a mandatory policy is violated, with the diagnostics as JSON', async () => {
    const config = tmpFile('policy-config.json', JSON.stringify({ 'stackfit-stack-budget': { maxMonthlyCost: 5 } }));
    const { code, stdout } = await stackfitCheck(['--state', rdsExport, '--policy-pack-config', config, '--format', 'json']);
    expect(code).toBe(2); // the documented exit code (README), not the constant: a changed constant must fail here
    const report = JSON.parse(stdout);
    expect(report.summary.mandatory).toBe(1);
    const budget = report.diagnostics.find((d: { policyName: string }) => d.policyName === 'stackfit-stack-budget');
    const monthly = (0.016 * HOURS_PER_MONTH).toFixed(2);
    expect(budget.text).toContain(`estimated monthly cost $${monthly} exceeds maxMonthlyCost $5.00`);
    expect(budget.text).toContain(`Top contributors: tested-resource $${monthly} (db.t4g.micro, aws us-west-2).`);
  });

  it('gives the pack the stack config (PULUMI_CONFIG), as the CLI does', async () => {
    // The recorded EC2 instance has no region in its inputs; with aws:region set, the pack
    // prices its t2.micro in us-east-1 and flags the previous generation during Analyze.
    const stackConfig = tmpFile('Pulumi.test.yaml', 'config:\n  aws:region: us-east-1\n');
    const { code, stdout } = await stackfitCheck(['--state', ec2Export, '--stack-config', stackConfig, '--format', 'json']);
    expect(code).toBe(0);
    const gen = JSON.parse(stdout).diagnostics.filter((d: { policyName: string }) => d.policyName === 'stackfit-instance-generation');
    expect(gen).toHaveLength(1);
    expect(gen[0]).toMatchObject({ phase: 'analyze', enforcementLevel: 'advisory', urn: expect.stringMatching(/::my-ec2-instance$/) });
    expect(gen[0].text).toMatch(/^my-ec2-instance: t2\.micro is a previous-generation size \(family t2\)\. \S+ \(/);
  });

  it('fails clearly on a malformed policy config and a missing state file', async () => {
    const bad = tmpFile('bad.json', JSON.stringify({ 'stackfit-stack-budget': { maxMonthlyCost: -1 } }));
    await expect(stackfitCheck(['--state', rdsExport, '--policy-pack-config', bad])).rejects.toThrow(
      new StackfitError(`invalid config for policy stackfit-stack-budget: maxMonthlyCost must be > 0`, bad),
    );
    const notJson = tmpFile('broken.json', '{"all": ');
    await expect(stackfitCheck(['--state', rdsExport, '--policy-pack-config', notJson])).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(stackfitCheck(['--state', path.join(exportsDir, 'nope.json')])).rejects.toThrow(
      /nope\.json: cannot read stack file: ENOENT/,
    );
  });

  /** A `pulumi preview --json` of the recorded EC2 instance growing from `from` to `to`, with the preview's own config. */
  function ec2Preview(from: string, to: string, config: Record<string, string>): string {
    const exported = JSON.parse(readFileSync(ec2Export, 'utf8'));
    const instance = exported.deployment.resources.find((r: { type: string }) => r.type === 'aws:ec2/instance:Instance');
    // Outputs as for a planned state: the inputs (the recorded outputs hold the old availability zone).
    const state = (size: string) => ({
      ...instance,
      inputs: { ...instance.inputs, instanceType: size },
      outputs: { ...instance.inputs, instanceType: size },
    });
    return tmpFile(
      'preview.json',
      JSON.stringify({
        config,
        steps: [
          {
            op: 'update',
            urn: instance.urn,
            provider: instance.provider,
            oldState: state(from),
            newState: state(to),
            diffReasons: ['instanceType'],
          },
        ],
      }),
    );
  }

  it('prices a preview in the region its own config names: m5.large → m5.4xlarge breaks maxMonthlyCost 100 (exit 2)', async () => {
    const preview = ec2Preview('m5.large', 'm5.4xlarge', { 'aws:region': 'us-east-1' });
    const config = tmpFile('policy-config.json', JSON.stringify({ 'stackfit-stack-budget': { maxMonthlyCost: 100 } }));
    const { code, stdout } = await stackfitCheck(['--state', preview, '--policy-pack-config', config, '--format', 'json']);
    expect(code).toBe(2); // the documented exit code (README), not the constant: a changed constant must fail here
    const budget = JSON.parse(stdout).diagnostics.find((d: { policyName: string }) => d.policyName === 'stackfit-stack-budget');
    const monthly = (0.768 * HOURS_PER_MONTH).toFixed(2);
    expect(budget.text).toContain(`estimated monthly cost $${monthly} exceeds maxMonthlyCost $100.00`);
    expect(budget.text).toContain('my-ec2-instance $' + monthly + ' (m5.4xlarge, aws us-east-1)');
  });

  it('reads the region from AWS_REGION when neither the provider nor the config sets one, as pulumi-aws does', async () => {
    const preview = ec2Preview('m5.large', 'm5.xlarge', {});
    const config = tmpFile(
      'policy-config.json',
      JSON.stringify({ 'stackfit-placement': { regions: { aws: ['us-east-1'] } }, 'stackfit-cost-report': 'advisory' }),
    );
    const before = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-east-1';
    try {
      const { code, stdout } = await stackfitCheck(['--state', preview, '--policy-pack-config', config, '--format', 'json']);
      const report = JSON.parse(stdout);
      expect(report.diagnostics.filter((d: { policyName: string }) => d.policyName === 'stackfit-placement')).toEqual([]);
      expect(report.diagnostics.map((d: { text: string }) => d.text)).toContain(
        `my-ec2-instance: m5.xlarge (aws us-east-1) $${(0.192 * HOURS_PER_MONTH).toFixed(2)}/month`,
      );
      expect(code).toBe(0);
      // The config still wins over the environment.
      const elsewhere = ec2Preview('m5.large', 'm5.xlarge', { 'aws:region': 'eu-west-1' });
      const r2 = await stackfitCheck(['--state', elsewhere, '--policy-pack-config', config, '--format', 'json']);
      expect(r2.code).toBe(2);
      expect(r2.stdout).toContain('region eu-west-1 is not allowed for aws (allowed: us-east-1)');
    } finally {
      if (before === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = before;
    }
  });

  it('fails a budget that can price nothing, naming what it cannot price', async () => {
    // The embedded AWS VM prices cover us-east-1 and GovCloud: us-west-2 has none.
    const preview = ec2Preview('m5.large', 'm5.4xlarge', { 'aws:region': 'us-west-2' });
    const config = tmpFile('policy-config.json', JSON.stringify({ 'stackfit-stack-budget': { maxMonthlyCost: 100 } }));
    const { code, stdout } = await stackfitCheck(['--state', preview, '--policy-pack-config', config, '--format', 'json']);
    expect(code).toBe(2); // the documented exit code (README), not the constant: a changed constant must fail here
    const budget = JSON.parse(stdout).diagnostics.find((d: { policyName: string }) => d.policyName === 'stackfit-stack-budget');
    expect(budget.text).toBe(
      "cannot check maxMonthlyCost $100.00: none of the stack's 1 sized resource(s) has a price: my-ec2-instance (no offline AWS price for us-west-2 (the shipped EC2 catalog covers us-east-1 and GovCloud): run `stackfit catalog refresh --cloud aws --region us-west-2`).",
    );
  });

  it('does not pass a budget silently when part of the stack has no price: an advisory names it', async () => {
    const doc = JSON.parse(readFileSync(ec2Preview('m5.large', 'm5.large', { 'aws:region': 'us-east-1' }), 'utf8'));
    const step = doc.steps[0];
    const odd = JSON.parse(JSON.stringify(step).replaceAll('::my-ec2-instance', '::odd-instance').replaceAll('"m5.large"', '"x99.huge"'));
    const preview = tmpFile('preview-two.json', JSON.stringify({ ...doc, steps: [step, odd] }));
    const config = tmpFile('policy-config.json', JSON.stringify({ 'stackfit-stack-budget': { maxMonthlyCost: 1000 } }));
    const { code, stdout } = await stackfitCheck(['--state', preview, '--policy-pack-config', config, '--format', 'json']);
    expect(code).toBe(0);
    const budget = JSON.parse(stdout).diagnostics.filter((d: { policyName: string }) => d.policyName === 'stackfit-stack-budget');
    expect(budget).toHaveLength(1);
    expect(budget[0].enforcementLevel).toBe('advisory');
    expect(budget[0].text).toContain(
      "the budget is not conclusive: 1 sized resource(s) have no price and are not in the total (odd-instance (x99.huge is not in stackfit's aws catalog))",
    );
    expect(budget[0].text).toContain(`the priced part costs $${(0.096 * HOURS_PER_MONTH).toFixed(2)}/month of maxMonthlyCost $1,000.00`);
  });

  it('enforces disallowedFamilies on a size with no price where it runs', async () => {
    const preview = ec2Preview('t3.micro', 't2.micro', { 'aws:region': 'us-west-2' });
    const config = tmpFile('policy-config.json', JSON.stringify({ 'stackfit-instance-generation': { disallowedFamilies: ['t2'] } }));
    const { stdout } = await stackfitCheck(['--state', preview, '--policy-pack-config', config, '--format', 'json']);
    const gen = JSON.parse(stdout).diagnostics.filter((d: { policyName: string }) => d.policyName === 'stackfit-instance-generation');
    expect(gen.map((d: { text: string }) => d.text)).toEqual([
      'my-ec2-instance: family t2 is disallowed (disallowedFamilies: t2); no same-spec alternative suggested: no offline AWS price for us-west-2 (the shipped EC2 catalog covers us-east-1 and GovCloud): run `stackfit catalog refresh --cloud aws --region us-west-2`.',
    ]);
  });

  it('rejects a misspelt policy config key with a did-you-mean, before running the pack', async () => {
    const typo = tmpFile('typo.json', JSON.stringify({ 'stackfit-stack-budget': { maxMonthyCost: 100 } }));
    await expect(stackfitCheck(['--state', rdsExport, '--policy-pack-config', typo])).rejects.toThrow(
      new StackfitError(
        'invalid config for policy stackfit-stack-budget: unknown property "maxMonthyCost" (did you mean "maxMonthlyCost"?); known properties: currentStatePath, maxIncreasePercent, maxIncreaseUsd, maxMonthlyCost, pricing, recommendationsPath, stackfitConfigPath, topContributors',
        typo,
      ),
    );
  });

  it('on the demo platform stack: each pool and group priced as count × node (the same total as the inventory), caps and placement on pools', async () => {
    const project = loadPulumiProject(repoDir);
    const registered = await registeredResourcesFromProgram({ projectDir: repoDir, stack: 'platform' });
    const exported = {
      version: 3,
      deployment: {
        manifest: { time: '2026-12-03T00:00:00Z', magic: '', version: 'v3.248.0' },
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
    const state = tmpFile('platform.json', JSON.stringify(exported));
    const stackFile = stackConfigPath(project, 'platform');
    // The expected total from the inventory path (not the pack's): pools at count × node price.
    const inventory = inventoryFromResources(registered, 'demo', {
      stack: 'platform',
      stackConfig: readStackConfig(stackFile, project.name),
      grouping: loadConfig(path.join(repoDir, 'stackfit.yaml')).grouping,
    });
    const catalog = loadCatalog();
    const total = inventory.workloads.reduce((sum, w) => {
      const p = priceWorkload(w, catalog);
      if (p.status !== 'priced') throw new Error(`${w.name} unpriced`);
      return sum + p.monthlyUsd;
    }, 0);
    expect(inventory.workloads.filter((w) => w.pool)).toHaveLength(6);
    const config = tmpFile(
      'policy-config.json',
      JSON.stringify({
        'stackfit-stack-budget': { maxMonthlyCost: 5000 },
        'stackfit-cost-report': 'advisory',
        'stackfit-max-size': { maxVcpu: 8 },
        'stackfit-placement': { regions: { gcp: ['europe-west1'] } },
      }),
    );
    const { code, stdout } = await stackfitCheck([
      '--state',
      state,
      '--stack-config',
      stackFile,
      '--policy-pack-config',
      config,
      '--format',
      'json',
    ]);
    expect(code).toBe(2);
    const diagnostics = JSON.parse(stdout).diagnostics as { policyName: string; text: string; urn?: string; phase: string }[];
    const of = (policy: string) => diagnostics.filter((d) => d.policyName === policy);
    expect(of('stackfit-cost-report').at(-1)!.text).toMatch(new RegExp(`^Total: \\${usd(total)}/month for 6 priced resource\\(s\\)`));
    expect(of('stackfit-cost-report').map((d) => d.text)).toContain(
      'batch: 6 × c5.4xlarge (aws us-east-1) at $496.40/month a node = $2,978.40/month; 2–12 nodes: $992.80–$5,956.80/month',
    );
    expect(of('stackfit-stack-budget')[0]!.text).toContain('Node pools and groups are counted at their desired node count (6)');
    // 16-vCPU nodes break the 8-vCPU cap: the EKS jobs pool (Analyze) and the ASG, under its own name (AnalyzeStack).
    expect(
      of('stackfit-max-size')
        .map((d) => [d.text.split(':')[0], d.phase])
        .sort(),
    ).toEqual([
      ['batch', 'analyzeStack'],
      ['shop-eks-jobs', 'analyze'],
    ]);
    expect(of('stackfit-placement').map((d) => d.text.split(':')[0])).toEqual(['web-gke-web']);
  }, 180_000);
});
