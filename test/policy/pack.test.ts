import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { loadConfig } from '../../src/config';
import { withPricing } from '../../src/catalog/discounts';
import { HOURS_PER_MONTH, type Plan } from '../../src/model';
import {
  PolicySession,
  policyInputsFromProgram,
  readPolicyInputs,
  UNKNOWN,
  type HarnessResource,
  type PolicyDiagnostic,
  type PolicyPackConfigFile,
} from '../../src/policy-harness';
import { usd } from '../../src/policy/money';
import { priceWorkload } from '../../src/policy/pricing';
import { planToJson } from '../../src/report/json';
import {
  inventoryFromResources,
  loadPulumiProject,
  readStackConfig,
  registeredResourcesFromProgram,
  stackConfigPath,
  toPulumiConfig,
} from '../../src/stack';
import { ensurePackBuilt, exportsDir, packDir, repoDir } from './helpers';

const catalog = loadCatalog();
const project = loadPulumiProject(repoDir);

async function demoStack(stack: string) {
  const config = readStackConfig(stackConfigPath(project, stack), project.name);
  const registered = await registeredResourcesFromProgram({ projectDir: repoDir, stack });
  // The expected cost comes from the inventory path (components collapsed, count × price),
  // not from the pack's per-resource path: the two must agree.
  const inventory = inventoryFromResources(registered, 'demo', {
    stack,
    stackConfig: config,
    grouping: loadConfig(path.join(repoDir, 'stackfit.yaml')).grouping,
  });
  const expectedMonthly = inventory.workloads.reduce((sum, w) => {
    const p = priceWorkload(w, catalog);
    if (p.status !== 'priced') throw new Error(`demo workload ${w.name} unpriced: ${p.reason}`);
    return sum + p.monthlyUsd;
  }, 0);
  return {
    inputs: policyInputsFromProgram(registered, `demo ${stack}`),
    pulumiConfig: toPulumiConfig(config).values,
    expectedMonthly,
    inventory,
  };
}

const byPolicy = (ds: readonly PolicyDiagnostic[], name: string) => ds.filter((d) => d.policyName === name);

function ec2(name: string, instanceType: string): HarnessResource {
  return {
    urn: `urn:pulumi:prod::stackfit-demo::aws:ec2/instance:Instance::${name}`,
    type: 'aws:ec2/instance:Instance',
    inputs: { instanceType, ami: 'ami-0abcdef' },
  };
}

describe('the stackfit pack over the analyzer protocol (prod demo stack)', () => {
  let session: PolicySession;
  let demo: Awaited<ReturnType<typeof demoStack>>;
  const run = async (config: PolicyPackConfigFile, resources: readonly HarnessResource[] = demo.inputs.resources) => {
    await session.configure(config);
    return session.run(resources);
  };

  beforeAll(async () => {
    ensurePackBuilt();
    demo = await demoStack('prod');
    session = await PolicySession.start({ packDir, project: project.name, stack: 'prod', config: demo.pulumiConfig });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('describes its six policies with levels, severities, remediation, URLs and config schemas', () => {
    const rootPackage = JSON.parse(readFileSync(path.join(repoDir, 'package.json'), 'utf8'));
    const rootVersion = rootPackage.version;
    expect(session.info).toMatchObject({ name: 'stackfit', version: rootVersion, supportsConfig: true });
    const summary = session.info.policies.map((p) => [p.name, p.type, p.enforcementLevel, p.severity]);
    expect(summary).toEqual([
      ['stackfit-stack-budget', 'stack', 'mandatory', 'high'],
      ['stackfit-right-size', 'resource', 'advisory', 'low'],
      ['stackfit-instance-generation', 'resource', 'advisory', 'low'],
      ['stackfit-placement', 'resource', 'mandatory', 'high'],
      ['stackfit-max-size', 'resource', 'mandatory', 'medium'],
      ['stackfit-cost-report', 'stack', 'disabled', 'low'],
    ]);
    for (const p of session.info.policies) {
      expect(p.remediationSteps).toBeTruthy();
      // A link only when the package names its GitHub repository; never a made-up one.
      if (/github/.test(JSON.stringify(rootPackage.repository ?? '')))
        expect(p.url).toMatch(new RegExp(`/docs/policy-pack\\.md#${p.name}$`));
      else expect(p.url).toBeUndefined();
      expect(Object.keys(p.configSchema!.properties).length).toBeGreaterThan(0);
    }
  });

  it('passes the demo stack with default config: no budget set, placement a no-op, cost report off', async () => {
    const r = await run({});
    expect(r.diagnostics.filter((d) => d.enforcementLevel === 'mandatory')).toEqual([]);
    expect(byPolicy(r.diagnostics, 'stackfit-cost-report')).toEqual([]);
    expect(r.notApplicable).toContainEqual({ policyName: 'stackfit-stack-budget', reason: expect.stringMatching(/^no budget configured/) });
    expect(r.notApplicable.some((n) => n.policyName === 'stackfit-placement' && /no placement rules/.test(n.reason))).toBe(true);
  });

  it('stackfit-max-size blocks each VM above the caps with its spec, lets exempt ones through, and is a no-op unset', async () => {
    const unset = await run({});
    expect(byPolicy(unset.diagnostics, 'stackfit-max-size')).toEqual([]);
    expect(unset.notApplicable.some((n) => n.policyName === 'stackfit-max-size' && /no maxVcpu or maxMemoryGiB/.test(n.reason))).toBe(true);
    // The demo's prod VMs: web m5.2xlarge (8 vCPU, 32 GiB), api n2-standard-8 (8, 32), worker Standard_D8s_v5 (8, 32), …
    const capped = await run({ 'stackfit-max-size': { maxVcpu: 4, exempt: ['api-*'] } });
    const messages = byPolicy(capped.diagnostics, 'stackfit-max-size').map((d) => d.message);
    expect(messages.join('\n')).toMatch(/^web-0: m5\.2xlarge has 8 vCPU \(maxVcpu 4\)\.$/m);
    expect(messages.some((m) => m.startsWith('api-'))).toBe(false);
    expect(byPolicy(capped.diagnostics, 'stackfit-max-size').every((d) => d.enforcementLevel === 'mandatory')).toBe(true);
    const roomy = await run({ 'stackfit-max-size': { maxVcpu: 64, maxMemoryGiB: 512 } });
    expect(byPolicy(roomy.diagnostics, 'stackfit-max-size')).toEqual([]);
  });

  it('blocks an over-budget stack with the total and the top contributors', async () => {
    const r = await run({ 'stackfit-stack-budget': { maxMonthlyCost: 1000, topContributors: 2 } });
    const budget = byPolicy(r.diagnostics, 'stackfit-stack-budget');
    expect(budget).toHaveLength(1);
    expect(budget[0]).toMatchObject({ enforcementLevel: 'mandatory', severity: 'high', phase: 'analyzeStack' });
    expect(budget[0]!.text).toContain(`estimated monthly cost ${usd(demo.expectedMonthly)} exceeds maxMonthlyCost $1,000.00`);
    expect(budget[0]!.text).toMatch(/Top contributors: \S+ \$[\d,.]+ \([^)]*\); \S+ \$[\d,.]+ \([^)]*\)\./);
    expect(budget[0]!.text).not.toContain('Unpriced');
  });

  it('passes the same stack under a budget it fits', async () => {
    const r = await run({ 'stackfit-stack-budget': { maxMonthlyCost: Math.ceil(demo.expectedMonthly) + 1 } });
    expect(byPolicy(r.diagnostics, 'stackfit-stack-budget')).toEqual([]);
  });

  it('applies `all`, and a per-policy entry over `all`; the cost report lists every VM and the total', async () => {
    expect((await run({ all: 'disabled' })).diagnostics).toEqual([]);
    const r = await run({ all: 'disabled', 'stackfit-cost-report': 'advisory' });
    expect(new Set(r.diagnostics.map((d) => d.policyName))).toEqual(new Set(['stackfit-cost-report']));
    const vmCount = demo.inventory.workloads.reduce((n, w) => n + w.count, 0);
    expect(r.diagnostics).toHaveLength(vmCount + 1);
    expect(r.diagnostics.at(-1)!.text).toBe(`Total: ${usd(demo.expectedMonthly)}/month for ${vmCount} priced resource(s).`);
  });

  it("prices an auto scaling group as nodes × its launch template's type, the template not on its own, with min and max", async () => {
    const lt: HarnessResource = {
      urn: 'urn:pulumi:prod::stackfit-demo::aws:ec2/launchTemplate:LaunchTemplate::batch-lt',
      type: 'aws:ec2/launchTemplate:LaunchTemplate',
      inputs: { name: 'batch-lt', instanceType: 'c5.large' },
    };
    const asg: HarnessResource = {
      urn: 'urn:pulumi:prod::stackfit-demo::aws:autoscaling/group:Group::batch',
      type: 'aws:autoscaling/group:Group',
      inputs: { desiredCapacity: 6, minSize: 2, maxSize: 12, launchTemplate: { name: 'batch-lt', version: '$Latest' } },
    };
    const r = await run({ all: 'disabled', 'stackfit-cost-report': 'advisory' }, [lt, asg]);
    const region = demo.inventory.workloads.find((w) => w.cloud === 'aws')!.region!;
    const node = catalog.lookup('aws', region, 'c5.large')!.monthlyUsd;
    expect(r.diagnostics.map((d) => d.text)).toEqual([
      `batch: 6 × c5.large (aws ${region}) at ${usd(node)}/month a node = ${usd(node * 6)}/month; 2–12 nodes: ${usd(node * 2)}–${usd(node * 12)}/month`,
      `Total: ${usd(node * 6)}/month for 1 priced resource(s).`,
    ]);
  });

  it('rejects malformed config before configuring the pack, naming the field', async () => {
    await expect(session.configure({ 'stackfit-stack-budget': { maxMonthlyCost: 'lots' } }, 'pp.json')).rejects.toThrow(
      'pp.json: invalid config for policy stackfit-stack-budget: maxMonthlyCost must be number',
    );
    await expect(session.configure({ 'stackfit-placement': { clouds: ['aws', 'oracle'] } })).rejects.toThrow(
      /clouds\.1 must be equal to one of the allowed values/,
    );
    await expect(session.configure({ 'stackfit-budget': 'mandatory' })).rejects.toThrow(
      /"stackfit-budget" is not a policy of pack stackfit/,
    );
  });

  it('reports sizes unknown during preview as "can\'t run during preview", never as a pass or a crash', async () => {
    const resources = [ec2('known', 'm5.2xlarge'), ec2('later', UNKNOWN)];
    const r = await run({ 'stackfit-stack-budget': { maxMonthlyCost: 10_000 } }, resources);
    const gen = byPolicy(r.diagnostics, 'stackfit-instance-generation').find((d) => d.urn?.endsWith('::later'));
    expect(gen).toMatchObject({ enforcementLevel: 'advisory', phase: 'analyze' });
    expect(gen!.text).toBe(
      "can't run policy 'stackfit-instance-generation' from policy pack 'stackfit@v0.1.0' during preview: later: size (instanceType) is unknown during preview",
    );
    const budget = byPolicy(r.diagnostics, 'stackfit-stack-budget');
    expect(budget).toHaveLength(1);
    expect(budget[0]!.enforcementLevel).toBe('advisory');
    expect(budget[0]!.text).toMatch(
      /during preview: the size of 1 resource\(s\) is unknown until apply .*the known part costs \$280\.32\/month of maxMonthlyCost \$10,000\.00$/,
    );
    // Over the limit on the known part alone: a certain breach, still mandatory.
    const over = byPolicy(
      (await run({ 'stackfit-stack-budget': { maxMonthlyCost: 100 } }, resources)).diagnostics,
      'stackfit-stack-budget',
    );
    expect(over[0]!.enforcementLevel).toBe('mandatory');
    expect(over[0]!.text).toContain('Unknown until apply, not in the total (1): later (size (instanceType) is unknown during preview).');
  });

  it('lists a size missing from the catalog as unpriced, never as $0', async () => {
    const r = await run({ 'stackfit-stack-budget': { maxMonthlyCost: 100 }, 'stackfit-cost-report': 'advisory' }, [
      ec2('big', 'm5.2xlarge'),
      ec2('odd', 'x99.huge'),
    ]);
    const budget = byPolicy(r.diagnostics, 'stackfit-stack-budget')[0]!;
    expect(budget.text).toContain('estimated monthly cost $280.32 exceeds maxMonthlyCost $100.00');
    expect(budget.text).toContain("Unpriced, not in the total (1): odd (x99.huge is not in stackfit's aws catalog).");
    const report = byPolicy(r.diagnostics, 'stackfit-cost-report').map((d) => d.text);
    expect(report).toContain("odd: x99.huge (aws us-east-1) unpriced: x99.huge is not in stackfit's aws catalog");
    expect(report).toContain('Total: $280.32/month for 1 priced resource(s); not in the total: 1 sized resource(s) without a price (odd).');
  });

  it('suggests the recommended size with its saving, and says so when the recommendations file is missing', async () => {
    const web = demo.inventory.workloads.find((w) => w.cloud === 'aws' && w.count > 1)!;
    const current = catalog.lookup('aws', web.region!, web.size)!;
    const smaller = catalog
      .offerings({ cloud: 'aws', region: web.region!, kind: 'vm' })
      .find((o) => o.family === current.family && o.vcpu === current.vcpu / 2)!;
    const vmUrns = demo.inputs.resources.filter((r) => r.parent === web.urn && r.type === 'aws:ec2/instance:Instance').map((r) => r.urn);
    expect(vmUrns.length).toBe(web.count);
    const plan: Plan = {
      stack: 'prod',
      // One item per VM URN, as a recommendation for each resource the pack sees.
      items: vmUrns.map((urn) => ({
        urn,
        workload: { ...web, urn, count: 1 },
        current,
        chosen: smaller,
        action: 'resize' as const,
        monthlyDelta: smaller.monthlyUsd - current.monthlyUsd,
        migrationCost: 0,
        risk: 1 as const,
        reason: 'forecast',
      })),
      totals: { monthlyBefore: demo.expectedMonthly, monthlyAfter: 0, monthlyDelta: 0, unpriced: 0 },
      skipped: [],
      solver: { status: 'optimal', objective: 0, variables: 0, constraints: 0, millis: 0 },
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-pack-'));
    const recs = path.join(dir, 'recommendations.json');
    writeFileSync(recs, JSON.stringify(planToJson(plan)));
    const r = await run({ 'stackfit-right-size': { recommendationsPath: recs } });
    const found = byPolicy(r.diagnostics, 'stackfit-right-size');
    expect(found.map((d) => d.urn).sort()).toEqual([...vmUrns].sort());
    const saving = (current.hourlyUsd - smaller.hourlyUsd) * HOURS_PER_MONTH;
    expect(found[0]!.text).toContain(
      `stackfit recommends ${smaller.size} instead of ${web.size}, saves ${usd(saving)}/month (from ${recs}).`,
    );
    expect(found[0]!.enforcementLevel).toBe('advisory');

    const missing = await run({ 'stackfit-right-size': { recommendationsPath: path.join(dir, 'nope.json') } });
    const diag = byPolicy(missing.diagnostics, 'stackfit-right-size');
    expect(diag.length).toBeGreaterThan(0);
    expect(diag[0]!.text).toMatch(/cannot check \S+ against stackfit's recommendations: .*nope\.json: recommendations file not found/);
  });

  it('enforces placement rules as mandatory once configured', async () => {
    const r = await run({ 'stackfit-placement': { clouds: ['aws', 'azure'], regions: { azure: ['eastus'] } } });
    const placement = byPolicy(r.diagnostics, 'stackfit-placement');
    expect(placement.length).toBeGreaterThan(0);
    expect(placement.every((d) => d.enforcementLevel === 'mandatory')).toBe(true);
    const gcpVms = demo.inputs.resources.filter((x) => x.type === 'gcp:compute/instance:Instance').length;
    expect(placement.filter((d) => d.text.includes('cloud gcp is not allowed (allowed: aws, azure)'))).toHaveLength(gcpVms);
    expect(placement.some((d) => /region westeurope is not allowed for azure \(allowed: eastus\)/.test(d.text))).toBe(true);
  });

  it('checks the increase over the current state from a real stack export', async () => {
    const state = path.join(exportsDir, 'pulumi-aws-recorded-rds-instance-5.42.0.stack.json');
    const r = await run({ 'stackfit-stack-budget': { maxIncreaseUsd: 100, currentStatePath: state } });
    const budget = byPolicy(r.diagnostics, 'stackfit-stack-budget')[0]!;
    // The export's one database: db.t4g.micro postgres, us-west-2, $0.016/h (coroot RDS prices).
    const baseline = 0.016 * HOURS_PER_MONTH;
    expect(budget.text).toContain(
      `monthly increase ${usd(demo.expectedMonthly - baseline)} over the current ${usd(baseline)} (state ${state}) exceeds maxIncreaseUsd $100.00`,
    );
    const noBaseline = await run({ 'stackfit-stack-budget': { maxIncreasePercent: 5 } });
    expect(byPolicy(noBaseline.diagnostics, 'stackfit-stack-budget')[0]!.text).toMatch(
      /^maxIncreaseUsd \/ maxIncreasePercent need a baseline/,
    );
  });

  describe("with the team's price book (pricing / stackfitConfigPath)", () => {
    const savingsPlan = { discounts: [{ percent: 22, note: 'savings plan' }] };
    const note = '−22 % (pricing.discounts[0]: savings plan)';
    const discountedMonthly = () =>
      demo.inventory.workloads.reduce((sum, w) => {
        const p = priceWorkload(w, withPricing(catalog, savingsPlan));
        if (p.status !== 'priced') throw new Error(`demo workload ${w.name} unpriced`);
        return sum + p.monthlyUsd;
      }, 0);

    it('passes a budget at 22 % off that the same stack breaks at list prices, and reports the discounted figures', async () => {
      const limit = Math.round(demo.expectedMonthly * 0.9);
      const expected = discountedMonthly();
      expect(expected).toBeLessThan(limit);

      const atList = await run({ 'stackfit-stack-budget': { maxMonthlyCost: limit } });
      expect(byPolicy(atList.diagnostics, 'stackfit-stack-budget')[0]!.text).toContain(
        `estimated monthly cost ${usd(demo.expectedMonthly)} exceeds maxMonthlyCost ${usd(limit)}`,
      );

      const discounted = await run({
        'stackfit-stack-budget': { maxMonthlyCost: limit, pricing: savingsPlan },
        'stackfit-cost-report': { enforcementLevel: 'advisory', pricing: savingsPlan },
      });
      expect(byPolicy(discounted.diagnostics, 'stackfit-stack-budget')).toEqual([]);
      const report = byPolicy(discounted.diagnostics, 'stackfit-cost-report').map((d) => d.text);
      expect(report.at(-1)).toBe(
        `Total: ${usd(expected)}/month for ${demo.inventory.workloads.reduce((n, w) => n + w.count, 0)} priced resource(s).`,
      );
      // Every line says where its price came from.
      for (const line of report.slice(0, -1)) expect(line).toMatch(new RegExp(`\\$[\\d,.]+/month, ${note.replace(/[()[\]]/g, '\\$&')}$`));

      // Over budget under the price book: the contributors carry the discount too.
      const over = await run({ 'stackfit-stack-budget': { maxMonthlyCost: 100, pricing: savingsPlan } });
      const text = byPolicy(over.diagnostics, 'stackfit-stack-budget')[0]!.text;
      expect(text).toContain(`estimated monthly cost ${usd(expected)} exceeds maxMonthlyCost $100.00`);
      expect(text).toContain(`, ${note})`);
    });

    it('reads the pricing section of a stackfit.yaml (stackfitConfigPath), and names the file, field and line when it is malformed', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-pack-pricing-'));
      const good = path.join(dir, 'stackfit.yaml');
      writeFileSync(good, 'pricing:\n  discounts:\n    - { percent: 22, note: savings plan }\n');
      const r = await run({ 'stackfit-cost-report': { enforcementLevel: 'advisory', stackfitConfigPath: good } });
      expect(byPolicy(r.diagnostics, 'stackfit-cost-report').at(-1)!.text).toContain(`Total: ${usd(discountedMonthly())}/month`);

      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(bad, 'pricing:\n  discounts:\n    - { cloud: aws, percent: 122 }\n');
      const broken = await run({ 'stackfit-stack-budget': { maxMonthlyCost: 1_000_000, stackfitConfigPath: bad } });
      const budget = byPolicy(broken.diagnostics, 'stackfit-stack-budget');
      expect(budget).toHaveLength(1);
      expect(budget[0]!.enforcementLevel).toBe('mandatory');
      expect(budget[0]!.text).toMatch(
        new RegExp(`^cannot price the stack with the configured price book: ${bad}: pricing\\.discounts\\.0\\.percent \\(line 3\\): .*100`),
      );
    });

    it('rejects a malformed inline pricing section before configuring the pack, naming the field', async () => {
      await expect(
        session.configure({ 'stackfit-stack-budget': { pricing: { discounts: [{ cloud: 'aws', percent: 122 }] } } }, 'pp.json'),
      ).rejects.toThrow('pp.json: invalid config for policy stackfit-stack-budget: pricing.discounts.0.percent must be < 100');
      await expect(session.configure({ 'stackfit-cost-report': { pricing: { discount: [] } } })).rejects.toThrow(
        /stackfit-cost-report: pricing must NOT have additional properties/,
      );
    });

    it('reports a missing overlay directory, resolved from where pulumi runs, instead of pricing at list prices', async () => {
      const r = await run({
        'stackfit-stack-budget': { maxMonthlyCost: 1_000_000, pricing: { overlayDir: 'no-such-overlay', ...savingsPlan } },
        'stackfit-instance-generation': { pricing: { overlayDir: 'no-such-overlay' } },
      });
      const missing = path.resolve(process.env.PWD ?? process.cwd(), 'no-such-overlay');
      const budget = byPolicy(r.diagnostics, 'stackfit-stack-budget');
      expect(budget.map((d) => d.text)).toEqual([
        `cannot price the stack with the configured price book: policy pack config: pricing.overlayDir: ${missing}: no refreshed catalog here (run \`stackfit catalog refresh --out\` first)`,
      ]);
      const gen = byPolicy(r.diagnostics, 'stackfit-instance-generation');
      // Once per sized resource (the VMs), not on buckets or networks.
      const sized = demo.inventory.workloads.reduce((n, w) => n + w.count, 0);
      expect(gen).toHaveLength(sized);
      expect(gen.every((d) => d.text.includes(`pricing.overlayDir: ${missing}: no refreshed catalog here`))).toBe(true);
    });
  });

  it('runs on the real stack exports', async () => {
    const config = { 'stackfit-cost-report': 'advisory' as const };
    const ec2Export = readPolicyInputs(path.join(exportsDir, 'pulumi-aws-recorded-ec2-instance-5.42.0.stack.json'));
    const ec2Run = await run(config, ec2Export.resources);
    // The embedded AWS VM prices are us-east-1 only: a us-west-2 instance is unpriced, not free.
    expect(byPolicy(ec2Run.diagnostics, 'stackfit-cost-report').map((d) => d.text)).toEqual([
      'my-ec2-instance: t2.micro (aws us-west-2) unpriced: no offline AWS price for us-west-2 (the shipped EC2 catalog covers us-east-1 and GovCloud): run `stackfit catalog refresh --cloud aws --region us-west-2`',
      'Total: $0.00/month for 0 priced resource(s); not in the total: 1 sized resource(s) without a price (my-ec2-instance).',
    ]);
    const rds = readPolicyInputs(path.join(exportsDir, 'pulumi-aws-recorded-rds-instance-5.42.0.stack.json'));
    const rdsRun = await run(config, rds.resources);
    expect(byPolicy(rdsRun.diagnostics, 'stackfit-cost-report').map((d) => d.text)).toEqual([
      `tested-resource: db.t4g.micro (aws us-west-2) ${usd(0.016 * HOURS_PER_MONTH)}/month`,
      `Total: ${usd(0.016 * HOURS_PER_MONTH)}/month for 1 priced resource(s).`,
    ]);
    const totals = {
      // Its bucket, lambdas, roles and permissions are not priced by stackfit: the total says so.
      'stratify-sample-export.json':
        'Total: $0.00/month for 0 priced resource(s); not in the total: 14 other resource(s) stackfit does not price (docs, docsHandler, docsHandler-4aaabb8e, docsHandler-1b4caae3, docsHandler-74d12784 and 9 more).',
      'pulumi-docs-rest-api-export-example.json':
        'Total: $0.00/month for 0 priced resource(s); not in the total: 1 other resource(s) stackfit does not price (main).',
    };
    for (const [file, total] of Object.entries(totals)) {
      const inputs = readPolicyInputs(path.join(exportsDir, file));
      const r = await run({ ...config, 'stackfit-stack-budget': { maxMonthlyCost: 1 } }, inputs.resources);
      // No sized compute: nothing to price, nothing to block.
      expect(r.diagnostics.map((d) => d.text)).toEqual([total]);
    }
  });
});

describe('the dev demo stack', () => {
  it('is priced the same way and blocked by a budget below its cost', async () => {
    ensurePackBuilt();
    const dev = await demoStack('dev');
    const session = await PolicySession.start({ packDir, project: project.name, stack: 'dev', config: dev.pulumiConfig });
    try {
      await session.configure({ 'stackfit-stack-budget': { maxMonthlyCost: Math.floor(dev.expectedMonthly) - 1 } });
      const r = await session.run(dev.inputs.resources);
      const budget = byPolicy(r.diagnostics, 'stackfit-stack-budget');
      expect(budget).toHaveLength(1);
      expect(budget[0]!.text).toContain(`estimated monthly cost ${usd(dev.expectedMonthly)} exceeds`);
    } finally {
      await session.close();
    }
  });
});

describe('start-up failures', () => {
  it('refuses to start with an unreadable catalog, naming the file', async () => {
    ensurePackBuilt();
    const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-nocatalog-'));
    await expect(PolicySession.start({ packDir, project: 'p', stack: 's', env: { STACKFIT_CATALOG_DIR: dir } })).rejects.toThrow(
      new RegExp(
        `the policy pack did not start: it exited \\(code 1\\) before printing its port\\nstackfit policy pack: ${dir}/aws-vm\\.json: cannot read the price catalog`,
      ),
    );
  });
});
