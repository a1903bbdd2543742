import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { withPricing } from '../../src/catalog/discounts';
import { HOURS_PER_MONTH, StackfitError, type Cloud, type Plan, type Workload } from '../../src/model';
import { mergePolicyConfig, parsePolicyPackConfig, type PackInfoView } from '../../src/policy-harness/config';
import { fromStateValue, secret, SIG_KEY, SECRET_SIG, toWireValue, UNKNOWN } from '../../src/policy-harness/encode';
import { policyInputsFromJson, readPolicyInputs } from '../../src/policy-harness/state';
import { budgetMessage, evaluateBudget, inconclusiveMessage } from '../../src/policy/budget';
import { generationMessage, placementProblems, rightSizeMessage } from '../../src/policy/checks';
import { isBurstable } from '../../src/clouds/burstable';
import { policyDocsUrl } from '../../src/policy/config';
import { policyNamed } from '../../src/policy/registry';
import { priceNoteFor, resolvePriceBook } from '../../src/policy/price-book';
import { priceWorkload, type PricedWorkload } from '../../src/policy/pricing';
import { findRecommendation, loadRecommendations, parseRecommendations } from '../../src/policy/recommendations';
import { planToJson } from '../../src/report/json';
import { sharedData } from './helpers';

const catalog = loadCatalog();
const POLICY = { budget: 'stackfit-stack-budget', generation: 'stackfit-instance-generation', costReport: 'stackfit-cost-report' } as const;

/** The list price straight from the vendored source CSV, not through the catalog code. */
function csvHourly(region: string, size: string): number {
  const csv = readFileSync(path.join(sharedData, 'pricing/aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv'), 'utf8');
  const line = csv.split('\n').find((l) => l.startsWith(`${region},${size},`));
  if (!line) throw new Error(`no ${size} in ${region}`);
  return Number(line.split(',')[2]);
}

function vm(name: string, size: string, opts: Partial<Workload> = {}): Workload {
  return {
    urn: `urn:pulumi:prod::demo::aws:ec2/instance:Instance::${name}`,
    name,
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud: 'aws',
    region: 'us-east-1',
    size,
    count: 1,
    metricIds: { name },
    ...opts,
  };
}

function priced(w: Workload): PricedWorkload & { status: 'priced' } {
  const p = priceWorkload(w, catalog);
  if (p.status !== 'priced') throw new Error(`${w.size} unpriced: ${p.reason}`);
  return p;
}

describe('pricing a workload', () => {
  it('prices every instance of a workload at the list price × 730 h', () => {
    const p = priced(vm('web', 'm5.2xlarge', { count: 3 }));
    expect(p.monthlyUsd).toBeCloseTo(3 * csvHourly('us-east-1', 'm5.2xlarge') * HOURS_PER_MONTH, 6);
  });

  it('never prices an unknown size or an unknown region as zero', () => {
    const unknownSize = priceWorkload(vm('odd', 'x99.huge'), catalog);
    expect(unknownSize).toMatchObject({ status: 'unpriced', reason: "x99.huge is not in stackfit's aws catalog" });
    const { region: _drop, ...noRegion } = vm('lost', 'm5.large');
    expect(priceWorkload(noRegion, catalog)).toMatchObject({ status: 'unpriced', reason: 'm5.large: region unknown' });
  });
});

describe('budget maths', () => {
  const web = priced(vm('web', 'm5.2xlarge', { count: 3 }));
  const cache = priced(vm('cache', 'r5.2xlarge'));
  const odd = priceWorkload(vm('odd', 'x99.huge'), catalog);
  const total = web.monthlyUsd + cache.monthlyUsd;

  it('reports the total over maxMonthlyCost with top contributors and unpriced resources', () => {
    const r = evaluateBudget({ workloads: [cache, web, odd], unknown: [], skipped: [], limits: { maxMonthlyCost: 1000 } });
    expect(r.totalMonthly).toBeCloseTo(total, 6);
    expect(r.breaches).toEqual([expect.stringContaining('exceeds maxMonthlyCost $1,000.00')]);
    expect(r.top.map((t) => t.name)).toEqual(['web', 'cache']);
    const message = budgetMessage(r);
    expect(message).toContain(
      `Estimated monthly cost: $${total.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
    );
    expect(message).toContain('Top contributors: web $840.96 (3 × m5.2xlarge, aws us-east-1)');
    expect(message).toContain("Unpriced, not in the total (1): odd (x99.huge is not in stackfit's aws catalog)");
  });

  it('passes under the limit, and checks the increase in dollars and percent against a baseline', () => {
    expect(evaluateBudget({ workloads: [web, cache], unknown: [], skipped: [], limits: { maxMonthlyCost: 2000 } }).breaches).toEqual([]);
    const baseline = { monthlyUsd: 1000, source: 'state prod.json' };
    const r = evaluateBudget({
      workloads: [web, cache],
      unknown: [],
      skipped: [],
      baseline,
      limits: { maxIncreaseUsd: 100, maxIncreasePercent: 10 },
    });
    expect(r.increaseUsd).toBeCloseTo(total - 1000, 6);
    expect(r.breaches).toHaveLength(2);
    expect(r.breaches[0]).toContain('exceeds maxIncreaseUsd $100.00');
    expect(r.breaches[1]).toContain(`+${(((total - 1000) / 1000) * 100).toFixed(1)}%`);
    const within = evaluateBudget({
      workloads: [web, cache],
      unknown: [],
      skipped: [],
      baseline,
      limits: { maxIncreaseUsd: 500, maxIncreasePercent: 50 },
    });
    expect(within.breaches).toEqual([]);
  });

  it('says why a pass is inconclusive when sizes are unknown until apply', () => {
    const r = evaluateBudget({
      workloads: [web],
      unknown: [{ name: 'api', reason: 'size (instanceType) is unknown during preview' }],
      skipped: [],
      limits: { maxMonthlyCost: 5000 },
    });
    expect(r.breaches).toEqual([]);
    expect(inconclusiveMessage(r, { maxMonthlyCost: 5000 })).toBe(
      'the size of 1 resource(s) is unknown until apply (api (size (instanceType) is unknown during preview)); the known part costs $840.96/month of maxMonthlyCost $5,000.00',
    );
  });
});

describe('recommendations file', () => {
  const current = catalog.lookup('aws', 'us-east-1', 'm5.2xlarge')!;
  const chosen = catalog.lookup('aws', 'us-east-1', 'm5.xlarge')!;
  const web = vm('web', 'm5.2xlarge', { count: 3 });
  const plan: Plan = {
    stack: 'prod',
    items: [
      {
        urn: web.urn,
        workload: web,
        current,
        chosen,
        action: 'resize',
        monthlyBefore: 3 * current.monthlyUsd,
        monthlyAfter: 3 * chosen.monthlyUsd,
        monthlyDelta: 3 * (chosen.monthlyUsd - current.monthlyUsd),
        migrationCost: 0,
        risk: 1,
        reason: 'p99.5 CPU 31 %',
      },
    ],
    totals: {
      monthlyBefore: 3 * current.monthlyUsd,
      monthlyAfter: 3 * chosen.monthlyUsd,
      monthlyDelta: 3 * (chosen.monthlyUsd - current.monthlyUsd),
      unpriced: 0,
    },
    skipped: [],
    solver: { status: 'optimal', objective: 0, variables: 1, constraints: 1, millis: 1 },
  };
  // What `stackfit recommend --format json` writes, round-tripped through JSON like a file.
  const doc = parseRecommendations(JSON.parse(JSON.stringify(planToJson(plan))), 'recs.json');

  it('reads the report format and matches by URN, then by a unique name', () => {
    expect(findRecommendation(doc, { urn: web.urn, name: 'other' })?.chosen?.size).toBe('m5.xlarge');
    expect(findRecommendation(doc, { urn: 'urn:pulumi:dev::demo::aws:ec2/instance:Instance::web', name: 'web' })?.urn).toBe(web.urn);
    expect(findRecommendation(doc, { urn: 'urn:x', name: 'nope' })).toBeUndefined();
    const twice = { ...doc, items: [...doc.items, { ...doc.items[0]!, urn: 'urn:other' }] };
    expect(findRecommendation(twice, { urn: 'urn:y', name: 'web' })).toBeUndefined();
  });

  it('gives the recommended size and the monthly saving', () => {
    const message = rightSizeMessage(web, findRecommendation(doc, web)!, catalog, 'recs.json');
    const saving = 3 * (csvHourly('us-east-1', 'm5.2xlarge') - csvHourly('us-east-1', 'm5.xlarge')) * HOURS_PER_MONTH;
    expect(message).toBe(
      `web: stackfit recommends m5.xlarge instead of m5.2xlarge (× 3), saves $${saving.toFixed(2)}/month (from recs.json).`,
    );
    expect(rightSizeMessage({ ...web, size: 'm5.xlarge' }, findRecommendation(doc, web)!, catalog, 'recs.json')).toBeUndefined();
  });

  it('prices the saving with the price book and says so', () => {
    const book = { discounts: [{ family: 'm5', size: 'm5.2xlarge', percent: 22, note: 'savings plan' }] };
    const message = rightSizeMessage(web, findRecommendation(doc, web)!, withPricing(catalog, book), 'recs.json', 0, priceNoteFor(book));
    const saving = 3 * (0.78 * csvHourly('us-east-1', 'm5.2xlarge') - csvHourly('us-east-1', 'm5.xlarge')) * HOURS_PER_MONTH;
    expect(message).toBe(
      `web: stackfit recommends m5.xlarge instead of m5.2xlarge (× 3), saves $${saving.toFixed(2)}/month at your prices (m5.2xlarge −22 % (pricing.discounts[0]: savings plan); m5.xlarge list price) (from recs.json).`,
    );
  });

  it('rejects a file that is not a recommendations document, naming it', () => {
    expect(() => parseRecommendations({ plan: [] }, 'bad.json')).toThrowError(/bad\.json: not a stackfit recommendations file .*items/);
    const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-recs-'));
    expect(() => loadRecommendations(path.join(dir, 'missing.json'))).toThrowError(/missing\.json: recommendations file not found/);
    writeFileSync(path.join(dir, 'broken.json'), '{"items": [');
    expect(() => loadRecommendations(path.join(dir, 'broken.json'))).toThrowError(StackfitError);
  });
});

describe('generation, family and placement checks', () => {
  const opts = { allowArm64: false, disallowedFamilies: [], reportCheaperCurrentGeneration: false, minMonthlySavingUsd: 1 };

  it('flags a previous-generation size with a cheaper current-generation size of the same spec', () => {
    const p = priced(vm('old', 'm4.xlarge'));
    const message = generationMessage(p, catalog, opts)!;
    expect(message).toMatch(
      /^old: m4\.xlarge is a previous-generation size \(family m4\)\. (\S+) \(4 vCPU, (\d+) GiB, amd64\) is current-generation/,
    );
    const alt = catalog.lookup('aws', 'us-east-1', /\. (\S+) \(/.exec(message)![1]!)!;
    expect(alt.currentGeneration).toBe(true);
    expect(alt.vcpu).toBeGreaterThanOrEqual(p.offering.vcpu);
    expect(alt.memoryGiB).toBeGreaterThanOrEqual(p.offering.memoryGiB);
    expect(isBurstable(alt)).toBe(false);
    expect(message).toContain(`saving $${(p.offering.monthlyUsd - alt.monthlyUsd).toFixed(2)}/month`);
  });

  it('never suggests a burstable size for a fixed-performance one, RDS classes included (one burstable rule)', () => {
    // db.t3.large has the same 2 vCPU / 8 GiB as db.m4.large and costs less, but runs on CPU credits.
    const db = vm('orders-db', 'db.m4.large', {
      type: 'aws:rds/instance:Instance',
      kind: 'database',
      engine: 'postgres',
      urn: 'urn:pulumi:prod::demo::aws:rds/instance:Instance::orders-db',
    });
    const message = generationMessage(priced(db), catalog, opts)!;
    expect(message).toMatch(
      /^orders-db: db\.m4\.large is a previous-generation size \(family db\.m4\)\. db\.m\w+\.large \(2 vCPU, 8 GiB, amd64\)/,
    );
    expect(message).not.toContain('db.t');
    // The rule each cloud's sizes are told apart by.
    const burstable = (cloud: Cloud, family: string, size: string) => isBurstable({ cloud, family, size });
    expect(burstable('aws', 'db.t3', 'db.t3.large')).toBe(true);
    expect(burstable('aws', 't4g', 't4g.small')).toBe(true);
    expect(burstable('aws', 'm5', 'm5.large')).toBe(false);
    expect(burstable('azure', 'standardBSFamily', 'Standard_B2s')).toBe(true);
    expect(burstable('azure', 'standardBsv2Family', 'Standard_B2s_v2')).toBe(true);
    expect(burstable('azure', 'standardDSv5Family', 'Standard_D2s_v5')).toBe(false);
    expect(burstable('gcp', 'e2', 'e2-small')).toBe(true);
    expect(burstable('gcp', 'e2', 'e2-standard-2')).toBe(false);
    expect(burstable('gcp', 'f1', 'f1-micro')).toBe(true);
  });

  it('flags a disallowed family and never suggests one; stays silent on a good size', () => {
    const message = generationMessage(priced(vm('web', 'm5.large')), catalog, { ...opts, disallowedFamilies: ['m5'] })!;
    expect(message).toContain('family m5 is disallowed (disallowedFamilies: m5)');
    expect(message).not.toMatch(/\. m5\w*\./);
    expect(generationMessage(priced(vm('web', 'm7i.large')), catalog, opts)).toBeUndefined();
  });

  it('checks cloud, region and architecture', () => {
    const w = vm('web', 'm7g.large');
    const offering = catalog.lookup('aws', 'us-east-1', 'm7g.large');
    expect(placementProblems(w, offering, catalog, { clouds: ['gcp'] })).toEqual(['cloud aws is not allowed (allowed: gcp)']);
    expect(placementProblems(w, offering, catalog, { regions: { aws: ['eu-west-1'] } })).toEqual([
      'region us-east-1 is not allowed for aws (allowed: eu-west-1)',
    ]);
    expect(placementProblems(w, offering, catalog, { architectures: ['amd64'] })).toEqual([
      'architecture arm64 (m7g.large) is not allowed (allowed: amd64)',
    ]);
    expect(placementProblems(w, offering, catalog, { clouds: ['aws'], regions: { aws: ['us-east-1'] }, architectures: ['arm64'] })).toEqual(
      [],
    );
    expect(placementProblems(vm('odd', 'x99.huge'), undefined, catalog, { architectures: ['amd64'] })[0]).toMatch(
      /architecture of x99\.huge unknown/,
    );
  });
});

describe('policy config merge (as the CLI does it)', () => {
  const configSchemas = (name: string) => policyNamed(name)!.configSchema;
  const info: PackInfoView = {
    name: 'stackfit',
    version: '0.1.0',
    supportsConfig: true,
    initialConfig: {},
    policies: [
      {
        name: POLICY.budget,
        description: '',
        type: 'stack',
        enforcementLevel: 'mandatory',
        configSchema: { properties: configSchemas(POLICY.budget).properties, required: [] },
      },
      {
        name: POLICY.generation,
        description: '',
        type: 'resource',
        enforcementLevel: 'advisory',
        configSchema: { properties: configSchemas(POLICY.generation).properties, required: [] },
      },
      {
        name: POLICY.costReport,
        description: '',
        type: 'stack',
        enforcementLevel: 'disabled',
        configSchema: { properties: configSchemas(POLICY.costReport).properties, required: [] },
      },
    ],
  };

  it('fills schema defaults, then applies `all`, then per-policy entries', () => {
    const merged = mergePolicyConfig(info, {
      all: 'advisory',
      [POLICY.costReport]: { enforcementLevel: 'mandatory', includeUnpriced: false },
    });
    expect(merged[POLICY.budget]).toEqual({ enforcementLevel: 'advisory', properties: { topContributors: 3 } });
    expect(merged[POLICY.generation]!.properties).toEqual({
      allowArm64: false,
      disallowedFamilies: [],
      reportCheaperCurrentGeneration: true,
      minMonthlySavingUsd: 1,
    });
    expect(merged[POLICY.costReport]).toEqual({ enforcementLevel: 'mandatory', properties: { includeUnpriced: false } });
    expect(mergePolicyConfig(info)[POLICY.costReport]!.enforcementLevel).toBe('disabled');
  });

  it('takes only an enforcement level from `all`, as the Pulumi CLI does', () => {
    expect(() => mergePolicyConfig(info, { all: { enforcementLevel: 'advisory', maxMonthlyCost: 10 } }, 'pp.json')).toThrowError(
      'pp.json: "all" takes only an enforcement level; the Pulumi CLI ignores its other properties (maxMonthlyCost): set them on each policy',
    );
    expect(mergePolicyConfig(info, { all: { enforcementLevel: 'mandatory' } })[POLICY.generation]!.enforcementLevel).toBe('mandatory');
  });

  it('rejects a value that violates the configSchema, an unknown policy and a bad level', () => {
    expect(() => mergePolicyConfig(info, { [POLICY.budget]: { maxMonthlyCost: 'lots' } }, 'pp.json')).toThrowError(
      'pp.json: invalid config for policy stackfit-stack-budget: maxMonthlyCost must be number',
    );
    expect(() => mergePolicyConfig(info, { [POLICY.budget]: { maxMonthlyCost: -5 } })).toThrowError(/maxMonthlyCost must be > 0/);
    expect(() => mergePolicyConfig(info, { 'stackfit-budget': 'mandatory' })).toThrowError(
      /"stackfit-budget" is not a policy of pack stackfit/,
    );
    expect(() => parsePolicyPackConfig({ [POLICY.budget]: 'blocking' }, 'pp.json')).toThrowError(/^pp\.json: stackfit-stack-budget: /);
    expect(parsePolicyPackConfig({ all: 'disabled', [POLICY.budget]: { maxMonthlyCost: 10, extra: true } })).toEqual({
      all: 'disabled',
      [POLICY.budget]: { maxMonthlyCost: 10, extra: true },
    });
  });
});

describe('policy documentation links', () => {
  it('point at docs/policy-pack.md in the GitHub repository named by package.json, or nowhere', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-pkg-'));
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'stackfit', repository: { type: 'git', url: 'git+https://github.com/acme/stackfit.git' } }),
    );
    expect(policyDocsUrl('stackfit-placement', path.join(dir, 'dist/src/policy'))).toBe(
      'https://github.com/acme/stackfit/blob/HEAD/docs/policy-pack.md#stackfit-placement',
    );
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'stackfit' }));
    expect(policyDocsUrl('stackfit-placement', dir)).toBeUndefined();
  });
});

describe('reading saved states for the pack', () => {
  const pulumiData = path.join(sharedData, 'pulumi');

  it('takes the resources that will exist from a real preview, and the live ones from a checkpoint', () => {
    const deletes = policyInputsFromJson(
      JSON.parse(readFileSync(path.join(pulumiData, 'preview-json/stratify-sample-preview-deletes.json'), 'utf8')),
      'deletes.json',
    );
    // 2 `same` steps stay; the 14 `delete` steps are gone after the update.
    expect(deletes.resources.map((r) => r.type)).toEqual(['pulumi:pulumi:Stack', 'aws:s3/bucket:Bucket']);
    expect(deletes).toMatchObject({ project: 'sample', stack: 'dev' });
    const checkpoint = policyInputsFromJson(
      JSON.parse(readFileSync(path.join(pulumiData, 'checkpoint/pulumi-checkpoint-v3-secrets-b64.json'), 'utf8')),
      'cp.json',
    );
    expect(checkpoint.resources).toHaveLength(30);
    const timer = checkpoint.resources.find((r) => r.type === 'cloud:timer:Timer')!;
    // Encrypted state secrets cannot be read: they go to the pack as secret unknowns.
    expect(timer.inputs.scheduleExpression).toEqual(secret(UNKNOWN));
  });

  it("attaches each resource's provider inputs from the provider reference", () => {
    const rds = readPolicyInputs(path.join(sharedData, 'pulumi/stack-export/pulumi-aws-recorded-rds-instance-5.42.0.stack.json'));
    const db = rds.resources.find((r) => r.type === 'aws:rds/instance:Instance')!;
    expect(db.provider).toEqual({
      urn: 'urn:pulumi:test::test::pulumi:providers:aws::provider',
      type: 'pulumi:providers:aws',
      name: 'provider',
      inputs: { version: '5.42.0' },
    });
    // Engine bookkeeping (`__defaults`) never reaches the wire.
    expect(db.inputs).toHaveProperty('__defaults');
    expect(toWireValue(db.inputs)).not.toHaveProperty('__defaults');
    expect(toWireValue(db.inputs)).toMatchObject({ instanceClass: 'db.t4g.micro', engine: 'postgres' });
    expect(() => policyInputsFromJson({ hello: 1 }, 'x.json')).toThrowError(/^x\.json: not a Pulumi stack file/);
  });
});

describe('wire encoding', () => {
  it('drops engine-internal keys and keeps secrets and unknowns as the engine sends them', () => {
    expect(toWireValue({ __defaults: ['a'], instanceType: 't3.micro', tags: { __meta: 1, a: 'b' }, gone: undefined })).toEqual({
      instanceType: 't3.micro',
      tags: { a: 'b' },
    });
    expect(fromStateValue({ [SIG_KEY]: SECRET_SIG, ciphertext: 'v1:abc' })).toEqual(secret(UNKNOWN));
    expect(fromStateValue({ [SIG_KEY]: SECRET_SIG, plaintext: '"m5.large"' })).toEqual(secret('m5.large'));
  });
});

describe('the price book in the pack', () => {
  // c4 (Intel): a same-maker current generation (c5) stays cheaper even after the 5 % discount.
  const book = { discounts: [{ cloud: 'aws' as const, family: 'c4', percent: 5, note: 'reserved' }] };
  const pricedCatalog = withPricing(catalog, book);
  const note = priceNoteFor(book);

  it('says which rule changed a price in the generation message, and which sizes stayed at list price', () => {
    const p = priceWorkload(vm('old', 'c4.xlarge'), pricedCatalog, note);
    if (p.status !== 'priced') throw new Error('c4.xlarge unpriced');
    expect(p.priceNote).toBe('−5 % (pricing.discounts[0]: reserved)');
    expect(p.monthlyUsd).toBeCloseTo(0.95 * csvHourly('us-east-1', 'c4.xlarge') * HOURS_PER_MONTH, 4);
    const message = generationMessage(
      p,
      pricedCatalog,
      { allowArm64: false, disallowedFamilies: [], reportCheaperCurrentGeneration: false, minMonthlySavingUsd: 1 },
      note,
    )!;
    const alt = /\. (\S+) \(/.exec(message)![1]!;
    expect(message).toContain(
      `saving $${(p.offering.monthlyUsd - pricedCatalog.lookup('aws', 'us-east-1', alt)!.monthlyUsd).toFixed(2)}/month`,
    );
    expect(message).toMatch(
      new RegExp(
        ` at your prices \\(c4\\.xlarge −5 % \\(pricing\\.discounts\\[0\\]: reserved\\); ${alt.replace('.', '\\.')} list price\\)`,
      ),
    );
    // At list prices the message carries no price note.
    expect(
      generationMessage(
        priced(vm('old', 'c4.xlarge')),
        catalog,
        { allowArm64: false, disallowedFamilies: [], reportCheaperCurrentGeneration: false, minMonthlySavingUsd: 1 },
        priceNoteFor(undefined),
      ),
    ).not.toContain('your prices');
  });

  it('notes a GCP committed-use price', () => {
    const gcp = { discounts: [], commitment: { gcp: '1y' as const } };
    const committed = withPricing(catalog, gcp)
      .offerings({ cloud: 'gcp', region: 'us-central1', kind: 'vm' })
      .find((o) => o.monthlyUsdCommitted1y !== undefined)!;
    expect(priceNoteFor(gcp)(committed)).toBe('1-year committed-use price (pricing.commitment.gcp)');
  });

  it("validates pricing with stackfit.yaml's schema, naming the field, and resolves overlayDir like the other paths", () => {
    const resolve = (p: string) => path.resolve('/runs/here', p);
    expect(() => resolvePriceBook({ pricing: { discounts: [{ percent: 22, cloud: 'oracle' }] } }, resolve)).toThrowError(
      /^policy pack config: pricing\.discounts\.0\.cloud: /,
    );
    expect(() => resolvePriceBook({ pricing: [] }, resolve)).toThrowError(/^policy pack config: pricing: /);
    expect(() => resolvePriceBook({ pricing: {}, stackfitConfigPath: 'stackfit.yaml' }, resolve)).toThrowError(
      'set either pricing or stackfitConfigPath, not both',
    );
    expect(resolvePriceBook({ pricing: { overlayDir: '.stackfit/catalog' } }, resolve)).toEqual({
      discounts: [],
      overlayDir: '/runs/here/.stackfit/catalog',
    });
    expect(resolvePriceBook({}, resolve)).toBeUndefined();
  });
});
