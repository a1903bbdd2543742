import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadCatalog, sameSpecAlternatives } from '../../src/catalog';
import { currentPrice } from '../../src/catalog/views';
import { stackfitConfigSchema } from '../../src/config/schema';
import { HOURS_PER_MONTH, type PlanItem, type Series, type UsageSource, type Workload } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { generationMessage } from '../../src/policy/checks';
import { priceWorkload } from '../../src/policy/pricing';
import { readInventory } from '../../src/stack';

/**
 * Session 4 price QA: the open findings of session 3 (Windows known only through the AMI, GCP
 * RHEL/SLES licences, T unlimited surplus credits, Azure v6 NVMe-only moves, RDS Multi-AZ DB
 * clusters) and Azure Hybrid Benefit, on one stack export (`fixtures/finops-session4.stack.json`,
 * property names of @pulumi/aws 6, azure-native 2, @pulumi/gcp 8). Every expected price is read
 * from the raw rows in data/pricing (CSV, and the Cyclenerd YAML read as text), not the catalog.
 */
const ROOT = path.resolve(__dirname, '../..');
const STATE = path.join(__dirname, 'fixtures/finops-session4.stack.json');
const catalog = loadCatalog(path.join(ROOT, 'catalog'));
const NOW = new Date('2026-11-01T00:00:00Z');

/** Steady probe load per workload: mean cores and GiB (a small daily swing on CPU). */
const LOAD: Record<string, { cores: number; memoryGiB: number }> = {
  't3-unlimited': { cores: 1.9, memoryGiB: 4 },
  't3-default': { cores: 1.9, memoryGiB: 4 },
  't3-standard': { cores: 1.9, memoryGiB: 4 },
  'graviton-small': { cores: 0.5, memoryGiB: 3 },
  'az-arm': { cores: 0.5, memoryGiB: 3 },
};

function series(level: number): Series {
  const t: number[] = [];
  const v: number[] = [];
  for (let time = NOW.getTime() - 32 * 86_400_000; time < NOW.getTime(); time += 5 * 60_000) {
    t.push(time);
    v.push(level + 0.05 * Math.sin((2 * Math.PI * time) / 86_400_000));
  }
  return { t, v };
}

const usage: UsageSource = {
  name: 'probe',
  async fetch(workloads: readonly Workload[]) {
    const out = new Map();
    for (const w of workloads) {
      const load = LOAD[w.name] ?? { cores: 1, memoryGiB: 6 };
      out.set(w.urn, { urn: w.urn, cpuCores: series(load.cores), memoryGiB: series(load.memoryGiB), source: 'probe' });
    }
    return { series: out, missing: [] };
  },
};

// --- the raw source rows -------------------------------------------------------------------
const PRICING = path.join(ROOT, 'data/pricing');
const csvCache = new Map<string, Record<string, string>[]>();
function row(file: string, match: Record<string, string>): Record<string, string> {
  let rows = csvCache.get(file);
  if (!rows) csvCache.set(file, (rows = parse(readFileSync(path.join(PRICING, file), 'utf8'), { columns: true, skip_empty_lines: true })));
  const hits = rows.filter((r) => Object.entries(match).every(([k, v]) => r[k] === v));
  expect(hits, `${file} ${JSON.stringify(match)}`).toHaveLength(1);
  return hits[0]!;
}
const ec2Hourly = (type: string) =>
  Number(
    row('aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv', { region: 'us-east-1', instance_type: type })
      .ondemand_usd_per_hour_linux_shared,
  );
const azureHourly = (region: string, size: string) =>
  Number(row('azure_vm_ondemand_linux_prices_karpenter_2026-06-18.csv', { region, vm_size: size }).ondemand_usd_per_hour);
const gcpRow = (type: string, region = 'us-central1') =>
  row('gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv', { machine_type: type, region });

/** `compute.license.<type>.cost.<licence>.hour` of the Cyclenerd YAML, read as text (not through the catalog build). */
const yamlLines = readFileSync(path.join(PRICING, 'cyclenerd_gcp_pricing_2026-07-30.yml'), 'utf8').split('\n');
function licenceHour(machineType: string, licence: string): number {
  const start = yamlLines.indexOf('  license:');
  const at = yamlLines.indexOf(`    ${machineType}:`, start);
  expect(at, `license ${machineType}`).toBeGreaterThan(start);
  const from = yamlLines.indexOf(`        ${licence}:`, at);
  const hour = /^ {10}hour: ([\d.]+)$/.exec(yamlLines[from + 1] ?? '');
  expect(hour, `license ${machineType} ${licence}`).not.toBeNull();
  return Number(hour![1]);
}

async function run() {
  const inventory = readInventory(STATE);
  const { plan } = await recommend({ inventory, usage: [usage], config: stackfitConfigSchema.parse({}), catalog, now: NOW });
  const item = (name: string): PlanItem => {
    const found = plan.items.find((i) => i.workload.name === name);
    if (!found) throw new Error(`no plan item ${name}`);
    return found;
  };
  return { inventory, plan, item };
}

describe('session 4 price probes: prices are what the user pays', async () => {
  const { inventory, plan, item } = await run();

  it('Windows known only through the AMI: an instance / launch template from a Windows AMI of the stack is not priced as Linux', () => {
    for (const name of ['ami-windows', 'lt-windows']) {
      expect(item(name).workload.os, name).toBe('windows');
      expect(item(name).monthlyBefore, name).toBeUndefined();
      expect(item(name).chosen, name).toBeUndefined();
      expect(item(name).reason, name).toMatch(/^unpriced: Windows \(AMI ami-0a1b2c3d4e5f60001 platform windows\)/);
    }
    // platformDetails "Red Hat Enterprise Linux" (an aws:ec2/amiCopy): a licence-included image, unpriced
    expect(item('ami-rhel').monthlyBefore).toBeUndefined();
    expect(item('ami-rhel').reason).toMatch(/^unpriced: paid image Red Hat Enterprise Linux \(AMI ami-0a1b2c3d4e5f60002 platformDetails/);
  });

  it('a Linux AMI of the stack is Linux; an AMI the state does not describe is priced as Linux and says it is an assumption', () => {
    expect(item('ami-linux').monthlyBefore).toBeCloseTo(ec2Hourly('m5.xlarge') * HOURS_PER_MONTH, 6);
    expect(item('ami-linux').reason).not.toContain('assumed');
    const elsewhere = item('ami-elsewhere');
    expect(elsewhere.monthlyBefore).toBeCloseTo(ec2Hourly('m5.xlarge') * HOURS_PER_MONTH, 6);
    expect(elsewhere.reason).toContain('OS assumed Linux: ami ami-0c02fb55956c7d316 is not described in this stack');
  });

  it('GCP RHEL / SLES / RHEL for SAP: the machine price plus the licence of the pricing YAML, for today and for the candidate', () => {
    const cases = [
      { name: 'gce-rhel', type: 'n2-standard-4', licence: 'rhel' },
      { name: 'gce-sles', type: 'n2-standard-8', licence: 'sles' },
      { name: 'gce-rhel-sap', type: 'n2-standard-4', licence: 'rhel-sap' },
    ];
    for (const { name, type, licence } of cases) {
      const w = item(name);
      const expected = Number(gcpRow(type).month_usd) + licenceHour(type, licence) * HOURS_PER_MONTH;
      expect(w.monthlyBefore, name).toBeCloseTo(expected, 5);
      expect(w.chosen, name).toBeDefined();
      expect(w.chosen!.imageLicence, name).toBe(licence);
      const chosen = w.chosen!.size;
      expect(w.monthlyAfter, name).toBeCloseTo(Number(gcpRow(chosen).month_usd) + licenceHour(chosen, licence) * HOURS_PER_MONTH, 5);
      expect(w.reason, name).toContain(`price includes the ${licence} image licence`);
    }
    // n2-standard-4 us-central1: 113.462182456 (SUD month) + 0.0576 × 730 = 155.51
    expect(item('gce-rhel').monthlyBefore).toBeCloseTo(155.51, 2);
  });

  it('a spot RHEL VM pays month_spot plus the licence (the licence has no spot discount)', () => {
    const w = item('gce-rhel-spot');
    expect(w.monthlyBefore).toBeCloseTo(
      Number(gcpRow('n2-standard-4').month_spot_usd) + licenceHour('n2-standard-4', 'rhel') * HOURS_PER_MONTH,
      5,
    );
  });

  it('Ubuntu Pro on GCP (no licence price in data/) stays unpriced with the reason', () => {
    expect(item('gce-ubuntu-pro').monthlyBefore).toBeUndefined();
    expect(item('gce-ubuntu-pro').reason).toMatch(/^unpriced: paid image Ubuntu Pro/);
  });

  it('T unlimited above baseline: the burstables are excluded and the surplus credits today are stated', () => {
    for (const name of ['t3-unlimited', 't3-default', 't3-standard']) {
      const w = item(name);
      expect(w.monthlyBefore, name).toBeCloseTo(ec2Hourly('t3.large') * HOURS_PER_MONTH, 6);
      // mean 1.9 cores, t3.large baseline 0.6 (36 credits/h / 60): no T size may carry it (rule: exclude)
      expect(w.chosen!.size.startsWith('t'), name).toBe(false);
    }
    // (1.9 − 0.6) × 730 = 949 surplus vCPU-hours a month
    expect(item('t3-unlimited').reason).toContain('t3.large runs in unlimited mode (creditSpecification.cpuCredits unlimited)');
    expect(item('t3-unlimited').reason).toContain('surplus CPU credits for at least 949 vCPU-hours a month');
    expect(item('t3-default').reason).toContain('t3.large runs in unlimited mode (the t3 default)');
    expect(item('t3-standard').reason).not.toContain('surplus');
  });

  it('Azure v5 → v6 (NVMe only) is not recommended silently: the reason asks for the image / controller check', () => {
    const w = item('az-arm');
    expect(w.monthlyBefore).toBeCloseTo(azureHourly('eastus', 'Standard_D4ps_v5') * HOURS_PER_MONTH, 6);
    expect(w.chosen!.size).toMatch(/_v6$/);
    expect(w.reason).toContain(`${w.chosen!.size} supports the NVMe disk controller only`);
    expect(w.reason).toContain('check that the image supports NVMe');
    const intel = item('az-intel');
    expect(intel.chosen!.size).not.toMatch(/_v6$/);
    expect(intel.reason).not.toContain('NVMe');
  });

  it('Azure Hybrid Benefit (licenseType Windows_Server): a Windows VM pays the base compute (Linux) rate, and says so', () => {
    const w = item('az-ahub');
    expect(w.monthlyBefore).toBeCloseTo(azureHourly('eastus', 'Standard_D4s_v5') * HOURS_PER_MONTH, 6);
    expect(w.reason).toContain('Windows with Azure Hybrid Benefit (licenseType Windows_Server)');
  });

  it('an RDS Multi-AZ DB cluster (dbClusterInstanceClass) is reported as skipped with the reason; an Aurora cluster is not', () => {
    const skipped = inventory.skipped.filter((s) => s.type === 'aws:rds/cluster:Cluster');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.urn).toContain('orders-maz');
    expect(skipped[0]!.reason).toMatch(/^Multi-AZ DB cluster \(dbClusterInstanceClass db\.m6gd\.large, engine postgres\): 3 instances/);
  });

  it('other GCP rows: E2 has no sustained-use discount, N1 has 30 %, a -lssd type includes its local SSD', () => {
    const e2 = gcpRow('e2-standard-4');
    expect(item('gce-e2').monthlyBefore).toBeCloseTo(Number(e2.month_usd), 6);
    expect(Number(e2.month_usd)).toBeCloseTo(Number(e2.hour_usd) * HOURS_PER_MONTH, 4);
    const n1 = gcpRow('n1-standard-4', 'europe-west1');
    expect(item('gce-n1').monthlyBefore).toBeCloseTo(Number(n1.month_usd), 6);
    expect(Number(n1.month_usd) / (Number(n1.hour_usd) * HOURS_PER_MONTH)).toBeCloseTo(0.7, 4);
    const lssd = gcpRow('c3-standard-4-lssd');
    expect(item('gce-lssd').monthlyBefore).toBeCloseTo(Number(lssd.month_usd), 6);
    // 375 GB of local SSD: the -lssd month is the plain type's + 30 $/month (0.08 $/GB-month)
    expect(Number(lssd.month_usd) - Number(gcpRow('c3-standard-4').month_usd)).toBeCloseTo(30, 4);
  });

  it('Graviton m7g.large at its own row, and moved within arm64', () => {
    const w = item('graviton-small');
    expect(w.monthlyBefore).toBeCloseTo(ec2Hourly('m7g.large') * HOURS_PER_MONTH, 6);
    expect(w.chosen!.arch).toBe('arm64');
    expect(w.monthlyAfter).toBeCloseTo(ec2Hourly(w.chosen!.size) * HOURS_PER_MONTH, 6);
  });

  it('the generation check of the policy pack prices its alternative as the workload pays (RHEL licence) and flags a v6 NVMe move', () => {
    const opts = { allowArm64: false, disallowedFamilies: [], reportCheaperCurrentGeneration: true, minMonthlySavingUsd: 0 };
    const rhel = priceWorkload(item('gce-rhel').workload, catalog);
    expect(rhel.status).toBe('priced');
    const offering = (rhel as Extract<typeof rhel, { status: 'priced' }>).offering;
    // Before: `c2-standard-4 … at $121.97/month vs $155.51, saving $33.54` (a Linux price against a
    // RHEL one). With its own licence c2-standard-4 costs 121.97 + 0.0576 × 730: not cheaper.
    const c2 = Number(gcpRow('c2-standard-4').month_usd) + licenceHour('c2-standard-4', 'rhel') * HOURS_PER_MONTH;
    expect(c2).toBeGreaterThan(offering.monthlyUsd);
    for (const alt of sameSpecAlternatives(offering, catalog)) {
      expect(alt.imageLicence).toBe('rhel');
      expect(alt.monthlyUsd).toBeCloseTo(Number(gcpRow(alt.size).month_usd) + licenceHour(alt.size, 'rhel') * HOURS_PER_MONTH, 5);
    }
    expect(generationMessage(rhel as Extract<typeof rhel, { status: 'priced' }>, catalog, opts) ?? '').not.toContain('c2-standard-4');
    const arm = priceWorkload(item('az-arm').workload, catalog);
    const armMessage = generationMessage(arm as Extract<typeof arm, { status: 'priced' }>, catalog, opts) ?? '';
    expect(armMessage).toMatch(/Standard_D\w+_v6 \(/);
    expect(armMessage).toContain('supports the NVMe disk controller only');
  });

  it('one price book: the policy pack prices each workload as recommend does (licences, AMI OS, Hybrid Benefit)', () => {
    for (const i of plan.items) {
      const priced = priceWorkload(i.workload, catalog);
      if (i.monthlyBefore === undefined) expect(priced.status, i.workload.name).toBe('unpriced');
      else expect((priced as { monthlyUsd: number }).monthlyUsd, i.workload.name).toBeCloseTo(i.monthlyBefore, 6);
    }
  });
});

describe('session 4 price probes on single catalog rows (currentPrice, the one price book)', () => {
  const price = (w: Parameters<typeof currentPrice>[1]) => currentPrice(catalog, w);
  const monthlyOf = (r: ReturnType<typeof currentPrice>) => ('offering' in r ? r.offering.monthlyUsd : undefined);

  it('AWS GovCloud EC2 and RDS outside us-east-1 at their own rows; EC2 outside the offline regions unpriced', () => {
    const gov = Number(
      row('aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv', { region: 'us-gov-west-1', instance_type: 'm5.xlarge' })
        .ondemand_usd_per_hour_linux_shared,
    );
    expect(monthlyOf(price({ cloud: 'aws', region: 'us-gov-west-1', size: 'm5.xlarge', kind: 'vm' }))).toBeCloseTo(
      gov * HOURS_PER_MONTH,
      6,
    );
    const rds = row('aws_rds_ondemand_prices_coroot_2024-08-09.csv', {
      region: 'eu-west-1',
      engine: 'postgres',
      instance_class: 'db.m5.large',
    });
    const multiAz = price({ cloud: 'aws', region: 'eu-west-1', size: 'db.m5.large', kind: 'database', engine: 'postgres', multiAz: true });
    expect(monthlyOf(multiAz)).toBeCloseTo(Number(rds.multi_az_usd_per_hour) * HOURS_PER_MONTH, 6);
    expect(price({ cloud: 'aws', region: 'eu-west-1', size: 'm5.large', kind: 'vm' })).toEqual({
      unpriced: expect.stringContaining('no offline AWS price for eu-west-1') as string,
    });
  });

  it('an Azure region with a partial price list: a size it does not price is unpriced there, never $0 or another region', () => {
    expect(price({ cloud: 'azure', region: 'chilecentral', size: 'Standard_D4ps_v5', kind: 'vm' })).toEqual({
      unpriced: 'Standard_D4ps_v5 has no price in azure/chilecentral',
    });
    expect(monthlyOf(price({ cloud: 'azure', region: 'chilecentral', size: 'Standard_D4s_v5', kind: 'vm' }))).toBeCloseTo(
      azureHourly('chilecentral', 'Standard_D4s_v5') * HOURS_PER_MONTH,
      6,
    );
  });

  it('a GCP Windows spot VM pays month_spot plus the full Windows licence', () => {
    const spot = price({
      cloud: 'gcp',
      region: 'us-central1',
      size: 'n2-standard-4',
      kind: 'vm',
      os: 'windows',
      spot: 'scheduling.provisioningModel SPOT',
    });
    expect(monthlyOf(spot)).toBeCloseTo(
      Number(gcpRow('n2-standard-4').month_spot_usd) + licenceHour('n2-standard-4', 'windows') * HOURS_PER_MONTH,
      5,
    );
  });
});
