import { Command } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_MANDATORY_VIOLATION, register } from '../../src/cli/check';
import { HOURS_PER_MONTH, StackfitError } from '../../src/model';
import { ensurePackBuilt, exportsDir } from './helpers';

const rdsExport = path.join(exportsDir, 'pulumi-aws-recorded-rds-instance-5.42.0.stack.json');
const ec2Export = path.join(exportsDir, 'pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');

/** Runs `stackfit check …` in-process; returns the exit code it sets and what it printed. */
async function stackfitCheck(args: string[]): Promise<{ code: number; stdout: string }> {
  const program = new Command('stackfit').exitOverride();
  register(program);
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
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
    expect(stdout).toMatch(/^Policy pack stackfit@0\.1\.0 on test\/test \(pulumi-aws-recorded-rds-instance-5\.42\.0\.stack\.json\): 0 mandatory, \d+ advisory\n/);
  });

  it('exits non-zero when a mandatory policy is violated, with the diagnostics as JSON', async () => {
    const config = tmpFile('policy-config.json', JSON.stringify({ 'stackfit-stack-budget': { maxMonthlyCost: 5 } }));
    const { code, stdout } = await stackfitCheck(['--state', rdsExport, '--policy-pack-config', config, '--format', 'json']);
    expect(code).toBe(EXIT_MANDATORY_VIOLATION);
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
    await expect(stackfitCheck(['--state', path.join(exportsDir, 'nope.json')])).rejects.toThrow(/nope\.json: cannot read stack file: ENOENT/);
  });
});
