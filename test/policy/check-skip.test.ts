/**
 * `stackfit check` sends per-resource Analyze only for types a resource policy of the pack reads,
 * and no Remediate (the pack has no remediation): issue 13, `check` on a large export. The
 * verdicts must be the same as driving the pack as the engine does (every resource, Remediate
 * first), on the demo stacks and on every real state file in data/pulumi.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PolicySession,
  policyInputsFromProgram,
  readPolicyInputs,
  type NotApplicable,
  type PolicyDiagnostic,
  type PolicyPackConfigFile,
} from '../../src/policy-harness';
import { packRemediates, resourcePoliciesRead } from '../../src/policy/registry';
import { loadPulumiProject, readStackConfig, registeredResourcesFromProgram, stackConfigPath, toPulumiConfig } from '../../src/stack';
import { ensurePackBuilt, packDir, repoDir, sharedData } from './helpers';

// Every resource policy active: caps low enough to fire, placement rules that some resources break.
const CONFIG: PolicyPackConfigFile = {
  'stackfit-max-size': { maxVcpu: 2, maxMemoryGiB: 4 },
  'stackfit-placement': { clouds: ['aws', 'gcp'], regions: { aws: ['us-east-1'] }, architectures: ['amd64'] },
  'stackfit-instance-generation': { enforcementLevel: 'mandatory' },
  'stackfit-stack-budget': { maxMonthlyCost: 50 },
};

const SKIPPING = {
  analyzes: { test: (r: { type: string }) => resourcePoliciesRead(r.type), reason: 'not read' },
  remediate: packRemediates(),
  concurrency: 32,
};

const key = (d: PolicyDiagnostic | NotApplicable) => JSON.stringify(d);

const stateFiles = ['stack-export', 'checkpoint', 'preview-json'].flatMap((dir) =>
  readdirSync(path.join(sharedData, 'pulumi', dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(sharedData, 'pulumi', dir, f)),
);

describe('check skips Analyze for types no resource policy reads, with the same verdicts', () => {
  let session: PolicySession;
  const project = loadPulumiProject(repoDir);

  beforeAll(async () => {
    ensurePackBuilt();
    const config = readStackConfig(stackConfigPath(project, 'prod'), project.name);
    session = await PolicySession.start({ packDir, project: project.name, stack: 'prod', config: toPulumiConfig(config).values });
    await session.configure(CONFIG);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  it('the pack has no remediation, so Remediate is not needed', () => {
    expect(packRemediates()).toBe(false);
  });

  const compare = async (resources: Parameters<PolicySession['run']>[0]) => {
    const full = await session.run(resources);
    const skipping = await session.run(resources, SKIPPING);
    expect(skipping.diagnostics.map(key).sort()).toEqual(full.diagnostics.map(key).sort());
    // What skipping leaves out is only "not applicable" on the resources it did not analyze.
    const skipped = new Set(resources.filter((r) => !resourcePoliciesRead(r.type)).map((r) => r.urn));
    const expected = full.notApplicable.filter((n) => !(n.urn && skipped.has(n.urn)));
    expect(skipping.notApplicable.map(key).sort()).toEqual(expected.map(key).sort());
    expect(skipping.notAnalyzed?.resources ?? 0).toBe(skipped.size);
    return { full, skipping, skipped: skipped.size };
  };

  for (const stack of ['prod', 'dev']) {
    it(`demo stack ${stack}`, async () => {
      const registered = await registeredResourcesFromProgram({ projectDir: repoDir, stack });
      const { full, skipped } = await compare(policyInputsFromProgram(registered, `demo ${stack}`).resources);
      // The comparison means something: the demo stacks break the caps, and have resources to skip.
      expect(full.diagnostics.filter((d) => d.policyName === 'stackfit-max-size').length).toBeGreaterThan(0);
      expect(skipped).toBeGreaterThan(0);
    }, 120_000);
  }

  it('demo stack platform: every node pool and group kind keeps its verdicts (Analyze or AnalyzeStack)', async () => {
    const registered = await registeredResourcesFromProgram({ projectDir: repoDir, stack: 'platform' });
    const resources = policyInputsFromProgram(registered, 'demo platform').resources;
    const { full } = await compare(resources);
    const poolTypes = [
      'aws:eks/nodeGroup:NodeGroup',
      'aws:autoscaling/group:Group',
      'azure-native:containerservice:ManagedCluster',
      'azure-native:containerservice:AgentPool',
      'gcp:container/nodePool:NodePool',
    ];
    for (const type of poolTypes) {
      const pools = resources.filter((r) => r.type === type);
      expect(pools.length, type).toBeGreaterThan(0);
      // Analyze is still sent for them, and each one breaks the 2-vCPU cap under its own URN.
      expect(resourcePoliciesRead(type)).toBe(true);
      for (const pool of pools)
        expect(
          full.diagnostics.some((d) => d.policyName === 'stackfit-max-size' && d.urn === pool.urn),
          pool.urn,
        ).toBe(true);
    }
    // The ASG's cap is checked at stack analysis (its type is its launch template's); the template is not reported.
    const asg = resources.find((r) => r.type === 'aws:autoscaling/group:Group')!;
    expect(full.diagnostics.find((d) => d.policyName === 'stackfit-max-size' && d.urn === asg.urn)?.phase).toBe('analyzeStack');
    const lt = resources.find((r) => r.type === 'aws:ec2/launchTemplate:LaunchTemplate')!;
    expect(full.diagnostics.filter((d) => d.urn === lt.urn)).toEqual([]);
  }, 120_000);

  it('every real state, checkpoint and preview file in data/pulumi', async () => {
    expect(stateFiles.length).toBeGreaterThanOrEqual(8);
    let diagnostics = 0;
    let skipped = 0;
    for (const file of stateFiles) {
      const run = await compare(readPolicyInputs(file).resources);
      diagnostics += run.full.diagnostics.filter((d) => d.phase === 'analyze').length;
      skipped += run.skipped;
    }
    // Per-resource verdicts exist to compare (the EC2 and RDS exports break the caps), and most resources are skipped.
    expect(diagnostics).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(stateFiles.length);
  }, 240_000);
});
