import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import type { Offering } from '../../src/model';
import { rng } from '../optimize/helpers';

/**
 * The shipped catalog against the raw source files, read here independently of the build
 * (csv-parse only): random offerings per cloud, and the Azure Windows-fee defect.
 */
const PRICING = path.resolve(__dirname, '../../data/pricing');
const CATALOG_DIR = path.resolve(__dirname, '../../catalog');
const SAMPLES = 60;

function csv(name: string): Record<string, string>[] {
  return parse(readFileSync(path.join(PRICING, name), 'utf8'), { columns: true, skip_empty_lines: true });
}

function sample<T>(list: readonly T[], n: number, seed: number): T[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => list[Math.floor(r() * list.length)]!);
}

const catalog = loadCatalog(CATALOG_DIR);

describe('random offerings match the raw source files', () => {
  it('AWS EC2: hourly price from the karpenter price CSV, vCPU and memory from the types CSV', () => {
    const prices = new Map(csv('aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv').map((r) => [`${r.region}|${r.instance_type}`, Number(r.ondemand_usd_per_hour_linux_shared)]));
    const types = new Map(csv('aws_ec2_instance_types_karpenter_v1.14_2026-08.csv').map((r) => [r.instance_type!, r]));
    const picked = sample(catalog.offerings({ cloud: 'aws', kind: 'vm' }), SAMPLES, 1);
    for (const o of picked) {
      expect(o.hourlyUsd, `${o.region} ${o.size}`).toBe(prices.get(`${o.region}|${o.size}`));
      expect(o.monthlyUsd).toBeCloseTo(o.hourlyUsd * 730, 6);
      const t = types.get(o.size);
      if (!t) continue; // a few types have specs from the cluster-autoscaler table only
      expect(o.vcpu).toBe(Number(t['karpenter.k8s.aws/instance-cpu']));
      expect(o.memoryGiB).toBe(Number(t['karpenter.k8s.aws/instance-memory']) / 1024);
    }
  });

  it('Azure: hourly price from the karpenter price CSV with the Linux corrections applied, specs from the SKU CSV', () => {
    const corrections = new Map(csv('azure_vm_linux_price_corrections_2026-06-18.csv').map((r) => [`${r.region}|${r.vm_size}`, Number(r.linux_usd_per_hour)]));
    const raw = new Map(csv('azure_vm_ondemand_linux_prices_karpenter_2026-06-18.csv').map((r) => [`${r.region}|${r.vm_size}`, Number(r.ondemand_usd_per_hour)]));
    const specs = new Map(csv('azure_vm_sku_specs_cluster_autoscaler_2026-03.csv').map((r) => [r.vm_size!, r]));
    const all = catalog.offerings({ cloud: 'azure', kind: 'vm' });
    // Half the draws from the corrected rows, so that the corrections are checked too.
    const corrected = all.filter((o) => corrections.has(`${o.region}|${o.size}`));
    expect(corrected.length).toBeGreaterThan(1500);
    for (const o of [...sample(all, SAMPLES, 2), ...sample(corrected, SAMPLES, 3)]) {
      const key = `${o.region}|${o.size}`;
      expect(o.hourlyUsd, key).toBe(corrections.get(key) ?? raw.get(key));
      const s = specs.get(o.size)!;
      expect(o.vcpu).toBe(Number(s.vcpu));
      expect(o.memoryGiB).toBe(Number(s.memory_mib) / 1024);
    }
  });

  it('GCP: monthly price is the source month (sustained-use discounts included), hourly and spot as given', () => {
    const rows = new Map(csv('gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv').map((r) => [`${r.region}|${r.machine_type}`, r]));
    for (const o of sample(catalog.offerings({ cloud: 'gcp', kind: 'vm' }), SAMPLES, 4)) {
      const r = rows.get(`${o.region}|${o.size}`)!;
      expect(o.hourlyUsd, `${o.region} ${o.size}`).toBe(Number(r.hour_usd));
      expect(o.monthlyUsd).toBe(Number(r.month_usd));
      if (r.month_spot_usd) expect(o.spotMonthlyUsd).toBe(Number(r.month_spot_usd));
      expect(o.vcpu).toBe(Number(r.vcpu));
      expect(o.memoryGiB).toBe(Number(r.ram_gib));
    }
    // The figure: n2-standard-8 in us-central1 costs 226.92 $/month, not 0.388472 × 730 = 283.58.
    expect(catalog.lookup('gcp', 'us-central1', 'n2-standard-8')?.monthlyUsd).toBeCloseTo(226.92, 2);
  });

  it('Azure Standard_E8as_v5 in eastus is the Linux price 0.452 $/h, not the Windows 0.820', () => {
    expect(catalog.lookup('azure', 'eastus', 'Standard_E8as_v5')?.hourlyUsd).toBe(0.452);
  });
});

describe('no Azure Linux row carries the Windows fee', () => {
  /** Hourly price per vCPU of each (region, size). */
  const perVcpu = (o: Offering) => o.hourlyUsd / o.vcpu;

  it('in every region the AMD v5 sizes (Das/Dads/Eas/Eads) cost no more per vCPU than their Intel twins', () => {
    const azure = catalog.offerings({ cloud: 'azure', kind: 'vm' });
    const byKey = new Map(azure.map((o) => [`${o.region}|${o.size}`, o]));
    let pairs = 0;
    const offenders: string[] = [];
    for (const amd of azure) {
      const m = /^Standard_([DE])(\d+)a(d?)s_v5$/.exec(amd.size);
      if (!m) continue;
      const intel = byKey.get(`${amd.region}|Standard_${m[1]}${m[2]}${m[3]}s_v5`);
      if (!intel) continue;
      pairs++;
      // The Windows licence adds 0.046 $/vCPU-h: an AMD row carrying it is dearer than Intel.
      if (perVcpu(amd) > perVcpu(intel) + 1e-9) offenders.push(`${amd.region} ${amd.size} ${amd.hourlyUsd} > ${intel.size} ${intel.hourlyUsd}`);
    }
    expect(pairs).toBeGreaterThan(1000);
    expect(offenders).toEqual([]);
  });

  it('every row the corrections file lists (B-series v2, AMD v5, GPU) is at its Linux price, none at the Windows one', () => {
    const rows = csv('azure_vm_linux_price_corrections_2026-06-18.csv');
    expect(rows.length).toBe(1539);
    let present = 0;
    for (const r of rows) {
      const o = catalog.lookup('azure', r.region!, r.vm_size!);
      if (!o) continue; // a size without specs is not in the catalog at all
      present++;
      expect(o.hourlyUsd, `${r.region} ${r.vm_size}`).toBe(Number(r.linux_usd_per_hour));
    }
    expect(present).toBeGreaterThan(1500);
  });
});
