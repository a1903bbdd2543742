import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOG_PARTS, defaultCatalogDir, loadCatalog } from '../../src/catalog/index';
import { catalogFileName } from '../../src/catalog/format';
import { HOURS_PER_MONTH, StackfitError } from '../../src/model';

const PRICING = path.resolve(__dirname, '../../data/pricing');
const CATALOG_DIR = path.resolve(__dirname, '../../catalog');

const sourceCache = new Map<string, Record<string, string>[]>();
function readSource(file: string): Record<string, string>[] {
  let rows = sourceCache.get(file);
  if (!rows) sourceCache.set(file, (rows = parse(readFileSync(path.join(PRICING, file), 'utf8'), { columns: true, skip_empty_lines: true })));
  return rows;
}

function sourceRow(file: string, match: Record<string, string>): Record<string, string> {
  const rows = readSource(file).filter((row) => Object.entries(match).every(([k, v]) => row[k] === v));
  expect(rows, `${file} ${JSON.stringify(match)}`).toHaveLength(1);
  return rows[0]!;
}

const monthly = (hourly: number) => Math.round(hourly * HOURS_PER_MONTH * 1e6) / 1e6;

const catalog = loadCatalog(CATALOG_DIR);

describe('catalog contents match the source files', () => {
  it('AWS EC2 us-east-1 m5.large: price from karpenter prices, specs from karpenter types', () => {
    const price = sourceRow('aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv', { region: 'us-east-1', instance_type: 'm5.large' });
    const spec = sourceRow('aws_ec2_instance_types_karpenter_v1.14_2026-08.csv', { instance_type: 'm5.large' });
    const o = catalog.lookup('aws', 'us-east-1', 'm5.large');
    expect(o).toMatchObject({
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.large',
      kind: 'vm',
      vcpu: Number(spec['karpenter.k8s.aws/instance-cpu']),
      memoryGiB: Number(spec['karpenter.k8s.aws/instance-memory']) / 1024,
      arch: spec['kubernetes.io/arch'],
      family: 'm5',
      currentGeneration: true,
      gpus: 0,
      hourlyUsd: Number(price.ondemand_usd_per_hour_linux_shared),
      monthlyUsd: monthly(Number(price.ondemand_usd_per_hour_linux_shared)),
      priceDate: '2026-07-20',
    });
    expect(o!.priceSource).toContain('aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv');
    expect(o!.priceSource).toContain('zz_generated.pricing_aws.go');
  });

  it('AWS EC2 GovCloud, arm64 and GPU types keep their source values', () => {
    for (const [region, type] of [
      ['us-gov-west-1', 'c6g.xlarge'],
      ['us-gov-east-1', 'r5.2xlarge'],
      ['us-east-1', 'g5.xlarge'],
      ['us-east-1', 'inf2.xlarge'],
    ] as const) {
      const price = sourceRow('aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv', { region, instance_type: type });
      const spec = sourceRow('aws_ec2_instance_types_karpenter_v1.14_2026-08.csv', { instance_type: type });
      const o = catalog.lookup('aws', region, type)!;
      expect(o.hourlyUsd).toBe(Number(price.ondemand_usd_per_hour_linux_shared));
      expect(o.vcpu).toBe(Number(spec['karpenter.k8s.aws/instance-cpu']));
      expect(o.arch).toBe(spec['kubernetes.io/arch']);
      // GPUs and other accelerators both count: neither belongs under a plain workload.
      expect(o.gpus).toBe(Number(spec['karpenter.k8s.aws/instance-gpu-count'] || 0) + Number(spec['karpenter.k8s.aws/instance-accelerator-count'] || 0));
      if (region.startsWith('us-gov')) expect(o.priceSource).toContain('zz_generated.pricing_aws_us_gov.go');
    }
    expect(catalog.lookup('aws', 'us-east-1', 'inf2.xlarge')!.gpus).toBeGreaterThan(0);
  });

  it('AWS RDS db.m5.large postgres us-east-1, Single-AZ and Multi-AZ, specs from EC2 m5.large', () => {
    const row = sourceRow('aws_rds_ondemand_prices_coroot_2024-08-09.csv', { region: 'us-east-1', engine: 'postgres', instance_class: 'db.m5.large' });
    const single = catalog.lookup('aws', 'us-east-1', 'db.m5.large', { engine: 'postgres', multiAz: false });
    const multi = catalog.lookup('aws', 'us-east-1', 'db.m5.large', { engine: 'postgres', multiAz: true });
    const ec2 = catalog.lookup('aws', 'us-east-1', 'm5.large')!;
    expect(single).toMatchObject({ kind: 'database', engine: 'postgres', multiAz: false, hourlyUsd: Number(row.single_az_usd_per_hour), family: 'db.m5' });
    expect(multi).toMatchObject({ kind: 'database', engine: 'postgres', multiAz: true, hourlyUsd: Number(row.multi_az_usd_per_hour) });
    expect(single!.monthlyUsd).toBe(monthly(Number(row.single_az_usd_per_hour)));
    expect([single!.vcpu, single!.memoryGiB, single!.arch]).toEqual([ec2.vcpu, ec2.memoryGiB, ec2.arch]);
    expect(single!.priceDate).toBe('2024-08-09');
    expect(single!.priceSource).toContain('prices of 2024-08-09');
    // Without an engine the lookup is a VM lookup: a DB class is not a VM size.
    expect(catalog.lookup('aws', 'us-east-1', 'db.m5.large')).toBeUndefined();
  });

  it('AWS RDS Aurora rows say they are I/O-Optimized prices; classes without an EC2 twin are absent', () => {
    const row = sourceRow('aws_rds_ondemand_prices_coroot_2024-08-09.csv', { region: 'eu-west-1', engine: 'aurora-postgresql', instance_class: 'db.r6g.large' });
    const aurora = catalog.lookup('aws', 'eu-west-1', 'db.r6g.large', { engine: 'aurora-postgresql' })!;
    expect(aurora.hourlyUsd).toBe(Number(row.single_az_usd_per_hour));
    expect(aurora.arch).toBe('arm64');
    expect(aurora.priceSource).toContain('I/O-Optimized');
    expect(catalog.lookup('aws', 'eu-west-1', 'db.r6g.large', { engine: 'postgres' })!.priceSource).not.toContain('I/O-Optimized');
    // db.x2g has no EC2 x2g type to take specs from.
    expect(readSource('aws_rds_ondemand_prices_coroot_2024-08-09.csv').some((r) => r.instance_class === 'db.x2g.large')).toBe(true);
    expect(catalog.knowsSize('aws', 'db.x2g.large')).toBe(false);
  });

  it('Azure eastus Standard_D2s_v5: price and specs from the two Azure files', () => {
    const price = sourceRow('azure_vm_ondemand_linux_prices_karpenter_2026-06-18.csv', { region: 'eastus', vm_size: 'Standard_D2s_v5' });
    const spec = sourceRow('azure_vm_sku_specs_cluster_autoscaler_2026-03.csv', { vm_size: 'Standard_D2s_v5' });
    expect(catalog.lookup('azure', 'eastus', 'Standard_D2s_v5')).toMatchObject({
      vcpu: Number(spec.vcpu),
      memoryGiB: Number(spec.memory_mib) / 1024,
      arch: spec.architecture,
      family: spec.sku_family,
      currentGeneration: true,
      hourlyUsd: Number(price.ondemand_usd_per_hour),
      monthlyUsd: monthly(Number(price.ondemand_usd_per_hour)),
      priceDate: '2026-06-18',
    });
    // ARM takes sizes and regions case-insensitively.
    expect(catalog.lookup('azure', 'East US', 'standard_d2s_v5')?.size).toBe('Standard_D2s_v5');
  });

  it('Azure arm64 sizes keep their architecture', () => {
    const spec = sourceRow('azure_vm_sku_specs_cluster_autoscaler_2026-03.csv', { vm_size: 'Standard_D2ps_v5' });
    expect(spec.architecture).toBe('arm64');
    expect(catalog.lookup('azure', 'westeurope', 'Standard_D2ps_v5')?.arch).toBe('arm64');
  });

  it('GCP us-central1 n2-standard-4: the source month (sustained-use discounts included), the 1y/3y committed prices as given', () => {
    const row = sourceRow('gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv', { region: 'us-central1', machine_type: 'n2-standard-4' });
    expect(catalog.lookup('gcp', 'us-central1', 'n2-standard-4')).toMatchObject({
      vcpu: Number(row.vcpu),
      memoryGiB: Number(row.ram_gib),
      arch: 'amd64',
      family: 'n2',
      currentGeneration: true,
      hourlyUsd: Number(row.hour_usd),
      // N2 gets a sustained-use discount: a VM running all month pays 0.8 of hour × 730.
      monthlyUsd: Number(row.month_usd),
      monthlyUsdCommitted1y: Number(row.month_1y_usd),
      monthlyUsdCommitted3y: Number(row.month_3y_usd),
      priceDate: '2026-07-30',
    });
  });

  it('GCP arm64 series (c4a, t2a) are arm64; N1 is previous generation', () => {
    const row = sourceRow('gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv', { region: 'us-central1', machine_type: 'c4a-standard-4' });
    expect(catalog.lookup('gcp', 'us-central1', 'c4a-standard-4')).toMatchObject({ arch: 'arm64', hourlyUsd: Number(row.hour_usd) });
    expect(catalog.lookup('gcp', 'us-central1', 't2a-standard-1')?.arch).toBe('arm64');
    expect(catalog.lookup('gcp', 'us-central1', 'n1-standard-4')?.currentGeneration).toBe(false);
  });

  it('every offering carries a price source naming its file, a date, and a positive price', () => {
    const all = catalog.offerings({});
    expect(all.length).toBeGreaterThan(80_000);
    const bad = all.filter(
      (o) => !/\.csv \(/.test(o.priceSource) || !/^\d{4}-\d{2}-\d{2}$/.test(o.priceDate) || !(o.hourlyUsd > 0) || !(o.vcpu > 0) || !(o.memoryGiB > 0),
    );
    expect(bad.slice(0, 3)).toEqual([]);
  });
});

describe('what the catalog leaves out', () => {
  it('has no Azure dedicated-host SKUs, though the price file has them', () => {
    const hostSkus = [...new Set(readSource('azure_vm_ondemand_linux_prices_karpenter_2026-06-18.csv').map((r) => r.vm_size!))].filter((s) => /_Type\d/.test(s));
    expect(hostSkus.length).toBeGreaterThan(40);
    for (const sku of hostSkus) {
      expect(catalog.knowsSize('azure', sku)).toBe(false);
      expect(catalog.lookup('azure', 'eastus', sku)).toBeUndefined();
    }
    expect(catalog.offerings({ cloud: 'azure' }).some((o) => !/^(Standard|Basic)_/.test(o.size))).toBe(false);
  });

  it('unknown sizes are undefined and unknown; a known size in a region that does not sell it is only undefined', () => {
    expect(catalog.lookup('aws', 'us-east-1', 'm5.huge')).toBeUndefined();
    expect(catalog.knowsSize('aws', 'm5.huge')).toBe(false);
    expect(catalog.knowsSize('gcp', 'n2-standard-3')).toBe(false);
    expect(catalog.lookup('aws', 'eu-west-1', 'm5.large')).toBeUndefined();
    expect(catalog.knowsSize('aws', 'm5.large')).toBe(true);
    expect(catalog.knowsSize('aws', 'db.m5.large')).toBe(true);
    expect(catalog.lookup('gcp', 'us-central1', 'm5.large')).toBeUndefined();
  });
});

describe('regions and sources', () => {
  it('lists the regions of each cloud', () => {
    expect(catalog.regions('azure')).toHaveLength(57);
    expect(catalog.regions('gcp')).toHaveLength(43);
    expect(catalog.regions('aws', 'vm')).toEqual(['us-east-1', 'us-gov-east-1', 'us-gov-west-1']);
    expect(catalog.regions('aws', 'database')).toHaveLength(31);
    expect(catalog.regions('aws')).toHaveLength(31);
    expect(catalog.regions('azure', 'database')).toEqual([]);
    expect(catalog.regions('azure')).toContain('eastus');
  });

  it('lists every source with its date', () => {
    const sources = catalog.sources();
    expect(sources.map((s) => `${s.cloud}/${s.kind}/${s.date}`)).toEqual(
      expect.arrayContaining(['aws/vm/2026-07-20', 'aws/database/2024-08-09', 'azure/vm/2026-06-18', 'gcp/vm/2026-07-30']),
    );
  });

  it('returns the same shared array for the same query, and filters databases by engine and deployment', () => {
    const q = { cloud: 'aws', kind: 'database', region: 'us-east-1', engine: 'mysql', multiAz: true } as const;
    const first = catalog.offerings(q);
    expect(catalog.offerings({ ...q })).toBe(first);
    expect(first.length).toBeGreaterThan(50);
    expect(first.every((o) => o.engine === 'mysql' && o.multiAz === true && o.region === 'us-east-1')).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('loading', () => {
  const tmpDirs: string[] = [];
  afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function copyCatalog(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-catalog-'));
    tmpDirs.push(dir);
    for (const name of readdirSync(CATALOG_DIR)) copyFileSync(path.join(CATALOG_DIR, name), path.join(dir, name));
    return dir;
  }

  it('finds the shipped catalog from the package root and caches it per directory', () => {
    expect(defaultCatalogDir()).toBe(CATALOG_DIR);
    expect(loadCatalog()).toBe(loadCatalog(CATALOG_DIR));
  });

  it('a truncated catalog file is a StackfitError naming the file', () => {
    const dir = copyCatalog();
    const file = path.join(dir, 'azure-vm.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 5000));
    expect(() => loadCatalog(dir)).toThrow(StackfitError);
    expect(() => loadCatalog(dir)).toThrow(file);
  });

  it('a wrong value inside a column is a StackfitError naming the file and the column', () => {
    const dir = copyCatalog();
    const file = path.join(dir, 'gcp-vm.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.offers.hourlyUsd[17] = 'cheap';
    writeFileSync(file, JSON.stringify(json));
    expect(() => loadCatalog(dir)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*offers\\.hourlyUsd\\[17\\]`));
  });

  it('an index past its table and a missing file are StackfitErrors naming the file', () => {
    const dir = copyCatalog();
    const file = path.join(dir, 'aws-vm.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.offers.size[3] = json.sizes.name.length;
    writeFileSync(file, JSON.stringify(json));
    expect(() => loadCatalog(dir)).toThrow(/aws-vm\.json.*offers\.size\[3\]/);

    const other = copyCatalog();
    rmSync(path.join(other, catalogFileName(CATALOG_PARTS[3]!.cloud, CATALOG_PARTS[3]!.kind)));
    expect(() => loadCatalog(other)).toThrow(StackfitError);
    expect(() => loadCatalog(other)).toThrow(/gcp-vm\.json: cannot read the price catalog/);
  });
});
