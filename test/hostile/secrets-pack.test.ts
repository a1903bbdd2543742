/**
 * A size held as a Pulumi secret is never shown by `stackfit check` or the policy pack
 * (issue #13; `recommend` already skips it). The engine hands a pack plaintext, so the pack keeps
 * the engine's secret marking (policies/secrets.ts) and reads such a size as "secret: not read".
 * These run the compiled pack (`npm run build`) as the Pulumi CLI launches it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markSecrets } from '../../policies/secrets';
import { SECRET_SIG, SIG_KEY } from '../../src/stack/values';
import { CREDENTIAL_ENV, EC2_EXPORT, LEAKS, stackfit, tempDir } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// A real size the catalog knows, in a disallowed family: every policy would name it if it could read it.
const SIZE = 'm5.2xlarge';
const POLICY_CONFIG = {
  'stackfit-cost-report': { enforcementLevel: 'advisory', includeUnpriced: true },
  'stackfit-instance-generation': { enforcementLevel: 'advisory', disallowedFamilies: ['m5'] },
};

function write(name: string, json: unknown): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(json));
  return p;
}

describe('a secret size in check and the policy pack', () => {
  const config = write('policy-config.json', POLICY_CONFIG);

  it('from state (`{sig, plaintext}`): not printed, reported as a secret', async () => {
    const state = JSON.parse(fs.readFileSync(EC2_EXPORT, 'utf8')) as {
      deployment: { resources: { type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[] };
    };
    const ec2 = state.deployment.resources.find((r) => r.type === 'aws:ec2/instance:Instance')!;
    const secret = { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(SIZE) };
    ec2.inputs.instanceType = secret;
    ec2.outputs.instanceType = secret;
    const file = write('secret-size.json', state);
    // The pack runs as a child process with this environment (as under `pulumi preview`): the
    // canary credentials of secrets.test.ts must not come out of it either.
    const run = await stackfit(['check', '--state', file, '--policy-pack-config', config, '--format', 'json'], { env: CREDENTIAL_ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(SIZE);
    for (const leak of LEAKS) expect(run.stdout + run.stderr).not.toContain(leak);
    const diagnostics = (JSON.parse(run.stdout) as { diagnostics: { policyName: string; text: string }[] }).diagnostics;
    expect(diagnostics.find((d) => d.policyName === 'stackfit-cost-report' && d.text.startsWith('my-ec2-instance'))?.text).toBe(
      'my-ec2-instance: unpriced: size (instanceType) is a secret: not read',
    );
  }, 180_000);

  it('from `pulumi preview --json` (`[secret]`): reported as a secret, not as an unknown size', async () => {
    // A preview of the real EC2 stack (every resource unchanged) whose size the CLI printed as `[secret]`.
    const state = JSON.parse(fs.readFileSync(EC2_EXPORT, 'utf8')) as {
      deployment: { resources: { urn: string; type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[] };
    };
    const steps = state.deployment.resources.map((r) => {
      if (r.type === 'aws:ec2/instance:Instance') {
        r.inputs.instanceType = '[secret]';
        r.outputs.instanceType = '[secret]';
      }
      return { op: 'same', urn: r.urn, oldState: r, newState: r };
    });
    const preview = { steps };
    const run = await stackfit(['check', '--state', write('secret-preview.json', preview), '--policy-pack-config', config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('is a secret');
    expect(run.stdout).not.toMatch(/\[secret\] \(aws/);
  }, 180_000);

  it('markSecrets re-wraps exactly the values the engine marked', () => {
    const raw = { a: { [SIG_KEY]: SECRET_SIG, value: 'x' }, b: [1, { [SIG_KEY]: SECRET_SIG, value: { c: 2 } }], d: { e: 'plain' } };
    const plain = { a: 'x', b: [1, { c: 2 }], d: { e: 'plain' } };
    expect(markSecrets(raw, plain)).toEqual({
      a: { [SIG_KEY]: SECRET_SIG, value: 'x' },
      b: [1, { [SIG_KEY]: SECRET_SIG, value: { c: 2 } }],
      d: { e: 'plain' },
    });
  });
});
