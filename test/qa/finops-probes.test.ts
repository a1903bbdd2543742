import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { stackfitConfigSchema } from '../../src/config/schema';
import { HOURS_PER_MONTH, type PlanItem, type Series, type UsageSource, type Workload } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { priceWorkload } from '../../src/policy/pricing';
import { readInventory } from '../../src/stack';

/**
 * The stack a FinOps engineer would write to probe stackfit (session 3 QA): one export
 * (`fixtures/finops-prod.stack.json`, the property names of @pulumi/aws 6, azure-native 2 and
 * gcp 8) with EC2 in two regions, spot, Windows, Graviton, GPU, burstable, idle, saturated and
 * memory-bound VMs, dedicated tenancy, RDS single/Multi-AZ/SQL Server, Aurora Standard and
 * I/O-Optimized, a launch template, Azure VMs by display name, spot, B-series, Windows and a
 * scale set, GCP machine types as zone URLs, custom, shared-core and spot. Every price is checked
 * against the raw row of the vendored source file in data/pricing, not against the catalog.
 * Usage is a steady probe load per workload (cores and GiB below, a daily swing on CPU).
 */
const ROOT = path.resolve(__dirname, '../..');
const STATE = path.join(__dirname, 'fixtures/finops-prod.stack.json');
const catalog = loadCatalog(path.join(ROOT, 'catalog'));
const NOW = new Date('2026-11-01T00:00:00Z');

const LOAD: Record<string, { cores: number; swing: number; memoryGiB: number }> = {
  web: { cores: 1, swing: 0.2, memoryGiB: 6 },
  'api-oregon': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'edge-boston': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'batch-spot': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'win-iis': { cores: 1, swing: 0.2, memoryGiB: 6 },
  graviton: { cores: 1.2, swing: 0.2, memoryGiB: 6 },
  intel: { cores: 1.2, swing: 0.2, memoryGiB: 6 },
  'gpu-infer': { cores: 2, swing: 0.2, memoryGiB: 10 },
  'idle-big': { cores: 0.05, swing: 0.01, memoryGiB: 1 },
  'burst-low': { cores: 0.1, swing: 0.05, memoryGiB: 1 },
  'burst-high': { cores: 1.9, swing: 0.05, memoryGiB: 4 },
  hot: { cores: 1.95, swing: 0.05, memoryGiB: 7.5 },
  cache: { cores: 0.5, swing: 0.1, memoryGiB: 60 },
  dedicated: { cores: 1, swing: 0.2, memoryGiB: 6 },
  legacy: { cores: 1, swing: 0.2, memoryGiB: 3 },
  'orders-pg': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'orders-pg-ha': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'erp-mssql': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'events-1': { cores: 0.5, swing: 0.2, memoryGiB: 6 },
  'ledger-1': { cores: 0.5, swing: 0.2, memoryGiB: 6 },
  workers: { cores: 1, swing: 0.2, memoryGiB: 3 },
  'az-web': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'az-spot': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'az-small': { cores: 0.2, swing: 0.05, memoryGiB: 2 },
  'az-win': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'az-fleet': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'gce-app': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'gce-custom': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'gce-tiny': { cores: 0.05, swing: 0.01, memoryGiB: 0.5 },
  'gce-spot': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'gce-t4': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'az-rhel': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'gce-rhel': { cores: 1, swing: 0.2, memoryGiB: 6 },
  'gce-mssql': { cores: 1, swing: 0.2, memoryGiB: 6 },
};

function series(level: number, swing: number): Series {
  const t: number[] = [];
  const v: number[] = [];
  for (let time = NOW.getTime() - 32 * 86_400_000; time < NOW.getTime(); time += 5 * 60_000) {
    t.push(time);
    v.push(level + swing * Math.sin((2 * Math.PI * time) / 86_400_000));
  }
  return { t, v };
}

const usage: UsageSource = {
  name: 'probe',
  async fetch(workloads: readonly Workload[]) {
    const out = new Map();
    for (const w of workloads) {
      const load = LOAD[w.name];
      if (!load) throw new Error(`no probe load for ${w.name}`);
      out.set(w.urn, { urn: w.urn, cpuCores: series(load.cores, load.swing), memoryGiB: series(load.memoryGiB, 0), source: 'probe' });
    }
    return { series: out, missing: [] };
  },
};

// --- the raw source rows -------------------------------------------------------------------
const PRICING = path.join(ROOT, 'data/pricing');
const csvCache = new Map<string, Record<string, string>[]>();
function rows(file: string): Record<string, string>[] {
  let found = csvCache.get(file);
  if (!found)
    csvCache.set(file, (found = parse(readFileSync(path.join(PRICING, file), 'utf8'), { columns: true, skip_empty_lines: true })));
  return found;
}
function row(file: string, match: Record<string, string>): Record<string, string> {
  const hits = rows(file).filter((r) => Object.entries(match).every(([k, v]) => r[k] === v));
  expect(hits, `${file} ${JSON.stringify(match)}`).toHaveLength(1);
  return hits[0]!;
}
const ec2Hourly = (type: string) =>
  Number(
    row('aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv', { region: 'us-east-1', instance_type: type })
      .ondemand_usd_per_hour_linux_shared,
  );
const ec2Spec = (type: string) => row('aws_ec2_instance_types_karpenter_v1.14_2026-08.csv', { instance_type: type });
const rdsRow = (cls: string, engine: string) =>
  row('aws_rds_ondemand_prices_coroot_2024-08-09.csv', { region: 'us-east-1', engine, instance_class: cls });
const azureHourly = (region: string, size: string) =>
  Number(row('azure_vm_ondemand_linux_prices_karpenter_2026-06-18.csv', { region, vm_size: size }).ondemand_usd_per_hour);
const gcpRow = (type: string, region = 'us-central1') =>
  row('gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv', { machine_type: type, region });
const monthly = (hourly: number) => hourly * HOURS_PER_MONTH;

async function run(config: Record<string, unknown> = {}) {
  const inventory = readInventory(STATE);
  const { plan } = await recommend({ inventory, usage: [usage], config: stackfitConfigSchema.parse(config), catalog, now: NOW });
  const item = (name: string): PlanItem => {
    const found = plan.items.find((i) => i.workload.name === name);
    if (!found) throw new Error(`no plan item ${name}`);
    return found;
  };
  return { inventory, plan, item };
}

describe('a FinOps probe stack through recommend: prices are what the user pays', async () => {
  const { plan, item } = await run({ workloads: { legacy: { pin: true } } });

  it('EC2 us-east-1: today at the karpenter list price, the recommendation at its own list price, same architecture', () => {
    const web = item('web');
    expect(web.monthlyBefore).toBeCloseTo(monthly(ec2Hourly('m5.xlarge')), 6);
    expect(web.monthlyBefore).toBeCloseTo(140.16, 2);
    expect(web.chosen!.arch).toBe('amd64');
    expect(web.monthlyAfter).toBeCloseTo(monthly(ec2Hourly(web.chosen!.size)), 6);
    expect(Number(ec2Spec(web.chosen!.size)['karpenter.k8s.aws/instance-memory']) / 1024).toBeGreaterThanOrEqual(6 * 1.2);
  });

  it('EC2 in a region without offline prices is unpriced with the refresh command, never $0', () => {
    const w = item('api-oregon');
    expect(w.monthlyBefore).toBeUndefined();
    expect(w.chosen).toBeUndefined();
    expect(w.reason).toContain('no offline AWS price for us-west-2');
    expect(w.reason).toContain('stackfit catalog refresh --cloud aws --region us-west-2');
  });

  it('EC2 in a Local Zone (us-east-1-bos-1a) is not shown the us-east-1 price: Local Zones are priced apart', () => {
    const w = item('edge-boston');
    expect(w.workload.region).toBe('us-east-1');
    expect(w.monthlyBefore).toBeUndefined();
    expect(w.chosen).toBeUndefined();
    expect(w.reason).toBe(
      'unpriced: AWS Local/Wavelength Zone us-east-1-bos-1a: priced apart from us-east-1, and the catalog holds region prices only: not priced',
    );
  });

  it('a spot EC2 instance is not shown the on-demand price it does not pay (no AWS spot prices ship)', () => {
    const w = item('batch-spot');
    expect(w.workload.spot).toBe('instanceMarketOptions.marketType spot');
    expect(w.current).toBeUndefined();
    expect(w.monthlyBefore).toBeUndefined();
    expect(w.chosen).toBeUndefined();
    expect(w.reason).toMatch(/^unpriced: spot \(instanceMarketOptions\.marketType spot\): no spot price for m5\.xlarge in aws\/us-east-1/);
  });

  it('dedicated tenancy is not priced at the shared-tenancy price', () => {
    const w = item('dedicated');
    expect(w.monthlyBefore).toBeUndefined();
    expect(w.chosen).toBeUndefined();
    expect(w.reason).toMatch(/^unpriced: dedicated hardware \(tenancy dedicated\)/);
  });

  it('a Windows EC2 instance (getPasswordData, the one Windows-only property of an Instance) is unpriced, never at the Linux price', () => {
    expect(item('win-iis').monthlyBefore).toBeUndefined();
    expect(item('win-iis').reason).toMatch(/^unpriced: Windows \(getPasswordData: true \(Windows only\)\)/);
  });

  it('paid OS images (RHEL on Azure, SQL Server on GCP) are unpriced: their licence is not in the catalog; GCP RHEL pays its licence', () => {
    for (const name of ['az-rhel', 'gce-mssql']) {
      expect(item(name).monthlyBefore, name).toBeUndefined();
      expect(item(name).chosen, name).toBeUndefined();
    }
    expect(item('az-rhel').reason).toBe(
      'unpriced: paid image Red Hat Enterprise Linux (storageProfile.imageReference.publisher RedHat): its licence fee is not in the catalog: not priced rather than shown at a Linux price',
    );
    // compute.license.n2-standard-4.cost.rhel.hour 0.0576 (session 4: priced from the pricing YAML)
    expect(item('gce-rhel').monthlyBefore).toBeCloseTo(Number(gcpRow('n2-standard-4').month_usd) + 0.0576 * HOURS_PER_MONTH, 5);
    expect(item('gce-rhel').workload.osEvidence).toMatch(
      /^paid image Red Hat Enterprise Linux \(bootDisk\.initializeParams\.image projects\/rhel-cloud\//,
    );
    expect(item('gce-mssql').reason).toMatch(/^unpriced: paid image SQL Server on Windows/);
  });

  it('Graviton stays arm64 and x86 stays amd64 (the AMI is not changed by a size edit)', () => {
    expect(ec2Spec('m7g.2xlarge')['kubernetes.io/arch']).toBe('arm64');
    expect(item('graviton').chosen!.arch).toBe('arm64');
    expect(ec2Spec(item('graviton').chosen!.size)['kubernetes.io/arch']).toBe('arm64');
    expect(item('intel').chosen!.arch).toBe('amd64');
    expect(ec2Spec(item('intel').chosen!.size)['kubernetes.io/arch']).toBe('amd64');
  });

  it('a GPU instance keeps its GPU model: g5 (NVIDIA A10G) is never moved to g4ad (AMD Radeon Pro V520)', () => {
    const w = item('gpu-infer');
    const before = ec2Spec('g5.4xlarge');
    const after = ec2Spec(w.chosen!.size);
    expect(after['karpenter.k8s.aws/instance-gpu-name']).toBe(before['karpenter.k8s.aws/instance-gpu-name']);
    expect(after['karpenter.k8s.aws/instance-gpu-manufacturer']).toBe('nvidia');
    expect(Number(after['karpenter.k8s.aws/instance-gpu-memory'])).toBeGreaterThanOrEqual(
      Number(before['karpenter.k8s.aws/instance-gpu-memory']),
    );
    expect(w.chosen!.gpus).toBe(1);
    expect(w.monthlyAfter).toBeCloseTo(monthly(ec2Hourly(w.chosen!.size)), 6);
  });

  it('an idle m5.8xlarge is cut by at most maxStepDown (4×) in one change, not kept', () => {
    const w = item('idle-big');
    expect(w.action).toBe('resize');
    expect(w.chosen!.vcpu).toBeGreaterThanOrEqual(32 / 4);
    expect(w.chosen!.memoryGiB).toBeGreaterThanOrEqual(128 / 4);
    expect(w.step).toMatchObject({ step: 1, maxStepDown: 4 });
    expect(w.monthlyAfter!).toBeLessThan(w.monthlyBefore!);
    expect(w.monthlyAfter).toBeCloseTo(monthly(ec2Hourly(w.chosen!.size)), 6);
  });

  it('t3.large at low CPU may stay burstable (it fits the baseline); at 1.9 cores it leaves the burstables that cannot carry it', () => {
    const low = item('burst-low');
    expect(low.demand!.notes.join('\n')).toMatch(/burstable .*: fits/);
    const high = item('burst-high');
    expect(high.chosen!.vcpu).toBeGreaterThanOrEqual(2.34);
    if (high.chosen!.burst) expect(high.chosen!.burst.baselineCores).toBeGreaterThanOrEqual(1.9);
  });

  it('a workload at its size grows, never shrinks; a memory-bound one never gets less RAM than its peak', () => {
    expect(item('hot').chosen!.vcpu).toBeGreaterThan(2);
    const cache = item('cache');
    expect(cache.chosen!.memoryGiB).toBeGreaterThanOrEqual(60);
    expect(cache.chosen!.memoryGiB).toBeGreaterThanOrEqual(cache.demand!.memory!.required);
  });

  it('a pinned workload keeps its size and price', () => {
    const w = item('legacy');
    expect(w.chosen!.size).toBe('c5.2xlarge');
    expect(w.monthlyAfter).toBe(w.monthlyBefore);
    expect(w.monthlyBefore).toBeCloseTo(monthly(ec2Hourly('c5.2xlarge')), 6);
  });

  it('RDS: Single-AZ and Multi-AZ at their own source columns (Multi-AZ is 2× here), SQL Server unpriced', () => {
    const single = rdsRow('db.m5.xlarge', 'postgres');
    expect(item('orders-pg').monthlyBefore).toBeCloseTo(monthly(Number(single.single_az_usd_per_hour)), 6);
    expect(item('orders-pg-ha').monthlyBefore).toBeCloseTo(monthly(Number(single.multi_az_usd_per_hour)), 6);
    expect(Number(single.multi_az_usd_per_hour)).toBeCloseTo(2 * Number(single.single_az_usd_per_hour), 9);
    const ha = item('orders-pg-ha');
    expect(ha.chosen!.multiAz).toBe(true);
    expect(ha.monthlyAfter).toBeCloseTo(monthly(Number(rdsRow(ha.chosen!.size, 'postgres').multi_az_usd_per_hour)), 6);
    expect(item('erp-mssql').monthlyBefore).toBeUndefined();
    expect(item('erp-mssql').reason).toContain('sqlserver-se');
  });

  it('Aurora: an I/O-Optimized cluster instance at the (I/O-Optimized) source price; a Standard one is not shown that price', async () => {
    const events = item('events-1');
    expect(events.monthlyBefore).toBeCloseTo(monthly(Number(rdsRow('db.r6g.large', 'aurora-postgresql').single_az_usd_per_hour)), 6);
    expect(plan.items.some((i) => i.workload.name === 'ledger-1')).toBe(false);
    const { inventory } = await run();
    const skipped = inventory.skipped.find((s) => s.urn.endsWith('::ledger-1'));
    expect(skipped?.reason).toMatch(/^Aurora Standard storage \(cluster ledger storageType not set\)/);
  });

  it('a launch template is priced as one instance of its type', () => {
    expect(item('workers').monthlyBefore).toBeCloseTo(monthly(ec2Hourly('c5.2xlarge')), 6);
  });

  it('Azure: "West Europe" is westeurope; a scale set is capacity × price; spot and Windows are unpriced', () => {
    expect(item('az-web').workload.region).toBe('westeurope');
    expect(item('az-web').monthlyBefore).toBeCloseTo(monthly(azureHourly('westeurope', 'Standard_D4s_v5')), 6);
    expect(item('az-web').monthlyAfter).toBeCloseTo(monthly(azureHourly('westeurope', item('az-web').chosen!.size)), 6);
    expect(item('az-fleet').monthlyBefore).toBeCloseTo(3 * monthly(azureHourly('eastus', 'Standard_D4s_v5')), 6);
    expect(item('az-spot').monthlyBefore).toBeUndefined();
    expect(item('az-spot').reason).toMatch(/^unpriced: spot \(priority Spot\)/);
    expect(item('az-win').monthlyBefore).toBeUndefined();
  });

  it('Azure B2ms (with a temp disk) only goes to a size with a temp disk: Azure cannot resize it to one without', () => {
    const w = item('az-small');
    expect(w.chosen!.capabilities).toContain('temp-disk');
  });

  it('GCP: a zone URL machine type at the source month (sustained-use discount), e2-micro at its month, spot at month_spot', () => {
    expect(item('gce-app').workload.size).toBe('n2-standard-4');
    expect(item('gce-app').monthlyBefore).toBeCloseTo(Number(gcpRow('n2-standard-4').month_usd), 6);
    expect(item('gce-tiny').monthlyBefore).toBeCloseTo(Number(gcpRow('e2-micro').month_usd), 6);
    const spot = item('gce-spot');
    expect(spot.workload.spot).toBe('scheduling.provisioningModel SPOT');
    expect(spot.monthlyBefore).toBeCloseTo(Number(gcpRow('n2-standard-4').month_spot_usd), 6);
    expect(spot.chosen!.spot).toBe(true);
    expect(spot.monthlyAfter).toBeCloseTo(Number(gcpRow(spot.chosen!.size).month_spot_usd), 6);
  });

  it('a GCE VM with an attached GPU (N1 + guestAccelerators) is not sized: the GPU is not priced and E2/N2 cannot take it', async () => {
    expect(plan.items.some((i) => i.workload.name === 'gce-t4')).toBe(false);
    const { inventory } = await run();
    expect(inventory.skipped.find((s) => s.urn.endsWith('::gce-t4'))?.reason).toBe(
      'attached GPUs (guestAccelerators 1 × nvidia-tesla-t4): their price is not in the catalog and most machine series cannot take them: not sized',
    );
  });

  it('a GCP custom machine type is unpriced and says why (per-vCPU/per-GB prices are not in the data)', () => {
    expect(item('gce-custom').monthlyBefore).toBeUndefined();
    expect(item('gce-custom').reason).toBe(
      'unpriced: GCP custom machine type n2-custom-4-16384 (4 vCPU, 16 GiB): billed per vCPU and per GB of its series, prices the catalog does not hold: not priced',
    );
  });

  it('no price is ever 0, and the totals leave the unpriced out', () => {
    for (const i of plan.items) {
      if (i.monthlyBefore !== undefined) expect(i.monthlyBefore).toBeGreaterThan(0);
      if (i.monthlyAfter !== undefined) expect(i.monthlyAfter).toBeGreaterThan(0);
    }
    const unpriced = plan.items
      .filter((i) => i.monthlyBefore === undefined)
      .map((i) => i.workload.name)
      .sort();
    expect(unpriced).toEqual([
      'api-oregon',
      'az-rhel',
      'az-spot',
      'az-win',
      'batch-spot',
      'dedicated',
      'edge-boston',
      'erp-mssql',
      'gce-custom',
      'gce-mssql',
      'win-iis',
    ]);
    expect(plan.totals.unpriced).toBe(unpriced.length);
  });

  it('one price book: the policy pack prices every workload as recommend does, and gives the same reasons', () => {
    for (const i of plan.items) {
      const priced = priceWorkload(i.workload, catalog);
      if (i.monthlyBefore === undefined) {
        expect(priced.status, i.workload.name).toBe('unpriced');
        if (/spot|dedicated|custom|rhel|gce-mssql|edge/.test(i.workload.name))
          expect(i.reason, i.workload.name).toBe(`unpriced: ${(priced as { reason: string }).reason}`);
      } else {
        expect(priced.status, i.workload.name).toBe('priced');
        expect((priced as { monthlyUsd: number }).monthlyUsd, i.workload.name).toBeCloseTo(i.monthlyBefore, 6);
      }
    }
  });
});

describe('a budget that binds', async () => {
  const free = await run();

  it('in cost mode a budget below the cheapest plan fails naming the rule; in headroom mode a budget is met and spent on lower risk', async () => {
    const below = Math.floor(free.plan.totals.monthlyAfter - 50);
    await expect(run({ budget: { maxMonthlyCost: below } })).rejects.toThrow(
      /budget\.maxMonthlyCost: budget .*\/month is below the cheapest feasible plan/,
    );
    const target = Math.round(free.plan.totals.monthlyAfter + 200);
    const headroom = await run({ budget: { maxMonthlyCost: target, mode: 'headroom' } });
    expect(headroom.plan.totals.monthlyAfter).toBeLessThanOrEqual(target + 1e-6);
    expect(headroom.plan.totals.monthlyAfter).toBeGreaterThanOrEqual(free.plan.totals.monthlyAfter - 1e-6);
  });
});
