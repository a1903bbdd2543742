import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { stackfitConfigSchema } from '../../src/config/schema';
import type { PlanItem, Series, UsageSource, Workload } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { parseInventory } from '../../src/stack';

/**
 * The probe stack of issue #8, end to end: a stack export parsed by the inventory, usage from an
 * in-memory source, `recommend` over the shipped catalog. One VM each: t3.large at 1.5 busy cores,
 * Standard_E8as_v5, Standard_D96s_v5 at 80 cores, n2-standard-8, a Windows m5.xlarge, a Windows
 * Standard_D4s_v5; and the cases around them (the dev demo's D4s_v5, an AWS region without
 * offline prices, a Windows GCP VM, an interruptible one, an unknown size, an unknown OS).
 */
const catalog = loadCatalog(path.resolve(__dirname, '../../catalog'));
const NOW = new Date('2026-11-01T00:00:00Z');
const STEP_MS = 5 * 60_000;
const DAYS = 32;

const urn = (type: string, name: string) => `urn:pulumi:probe::probe::${type}::${name}`;
const resource = (type: string, name: string, outputs: Record<string, unknown>) => ({
  urn: urn(type, name),
  custom: true,
  type,
  inputs: outputs,
  outputs,
});

const EC2 = 'aws:ec2/instance:Instance';
const AZ_VM = 'azure-native:compute:VirtualMachine';
const GCE = 'gcp:compute/instance:Instance';
const azureVm = (name: string, size: string, extra: Record<string, unknown> = {}) =>
  resource(AZ_VM, name, { location: 'eastus', hardwareProfile: { vmSize: size }, ...extra });
const linuxImage = {
  storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server' } },
  osProfile: { linuxConfiguration: {} },
};

const exportDoc = {
  version: 3,
  deployment: {
    manifest: { time: '2026-11-01T00:00:00Z', magic: '', version: 'v3.140.0' },
    resources: [
      resource(EC2, 'burst', { instanceType: 't3.large', availabilityZone: 'us-east-1a' }),
      azureVm('e8as', 'Standard_E8as_v5', linuxImage),
      azureVm('batch96', 'Standard_D96s_v5', linuxImage),
      resource(GCE, 'n2', {
        machineType: 'n2-standard-8',
        zone: 'us-central1-a',
        bootDisk: { initializeParams: { image: 'debian-cloud/debian-12' } },
      }),
      resource(EC2, 'winaws', { instanceType: 'm5.xlarge', availabilityZone: 'us-east-1a', platform: 'windows' }),
      azureVm('winazure', 'Standard_D4s_v5', {
        storageProfile: { imageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter' } },
        osProfile: { windowsConfiguration: { provisionVMAgent: true } },
      }),
      azureVm('devd4', 'Standard_D4s_v5', linuxImage),
      resource(EC2, 'ireland', { instanceType: 'm5.large', availabilityZone: 'eu-west-1a' }),
      resource(GCE, 'wingcp', {
        machineType: 'n2-standard-4',
        zone: 'us-central1-a',
        bootDisk: { initializeParams: { image: 'projects/windows-cloud/global/images/family/windows-2022' } },
      }),
      resource(GCE, 'spotty', { machineType: 'n2-standard-8', zone: 'us-central1-a' }),
      resource(EC2, 'typo', { instanceType: 'm5.xlargee', availabilityZone: 'us-east-1a' }),
      azureVm('solaris', 'Standard_D4s_v5', { storageProfile: { osDisk: { osType: 'Solaris' } } }),
    ],
  },
};

/** Busy cores and GiB per workload (a steady level with a daily swing), 32 days of 5-minute samples. */
const LOAD: Record<string, { cores: number; swing: number; memoryGiB: number }> = {
  burst: { cores: 1.5, swing: 0.1, memoryGiB: 3 },
  e8as: { cores: 3, swing: 0.5, memoryGiB: 40 },
  batch96: { cores: 80, swing: 2, memoryGiB: 250 },
  n2: { cores: 5, swing: 1, memoryGiB: 20 },
  winaws: { cores: 2, swing: 0.3, memoryGiB: 8 },
  winazure: { cores: 2, swing: 0.3, memoryGiB: 8 },
  devd4: { cores: 0.2, swing: 0.05, memoryGiB: 0.8 },
  ireland: { cores: 1, swing: 0.2, memoryGiB: 4 },
  wingcp: { cores: 2.5, swing: 0.3, memoryGiB: 10 },
  spotty: { cores: 5, swing: 1, memoryGiB: 20 },
  typo: { cores: 1, swing: 0.1, memoryGiB: 4 },
  solaris: { cores: 1, swing: 0.1, memoryGiB: 4 },
};

function series(level: number, swing: number): Series {
  const t: number[] = [];
  const v: number[] = [];
  for (let time = NOW.getTime() - DAYS * 86_400_000; time < NOW.getTime(); time += STEP_MS) {
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
      const load = LOAD[w.name]!;
      out.set(w.urn, { urn: w.urn, cpuCores: series(load.cores, load.swing), memoryGiB: series(load.memoryGiB, 0), source: 'probe' });
    }
    return { series: out, missing: [] };
  },
};

async function run(config: Record<string, unknown> = {}) {
  const inventory = parseInventory(JSON.parse(JSON.stringify(exportDoc)), 'probe.json');
  const { plan } = await recommend({ inventory, usage: [usage], config: stackfitConfigSchema.parse(config), catalog, now: NOW });
  const item = (name: string): PlanItem => plan.items.find((i) => i.workload.name === name)!;
  return { plan, item };
}

describe('the probe stack of issue #8 through recommend', async () => {
  const { plan, item } = await run({ workloads: { spotty: { interruptible: true } } });

  it('reads the OS of each VM from its image, platform or OS profile', () => {
    expect(item('winaws').workload).toMatchObject({ os: 'windows', osEvidence: 'platform windows' });
    expect(item('winazure').workload.os).toBe('windows');
    expect(item('winazure').workload.osEvidence).toContain('MicrosoftWindowsServer');
    expect(item('wingcp').workload.os).toBe('windows');
    expect(item('e8as').workload.os).toBe('linux');
    expect(item('solaris').workload).toMatchObject({ os: 'unknown', osEvidence: 'storageProfile.osDisk.osType Solaris' });
  });

  it('t3.large at 1.5 busy cores: its own 0.6-core baseline cannot carry it, and no burstable below 1.5 cores is chosen', () => {
    const it8 = item('burst');
    expect(it8.current?.size).toBe('t3.large');
    expect(it8.chosen).toBeDefined();
    expect(it8.chosen!.size).not.toBe('t3a.medium');
    expect(it8.chosen!.size).not.toBe('t3.large');
    if (it8.chosen!.burst) expect(it8.chosen!.burst.baselineCores).toBeGreaterThanOrEqual(1.5);
    expect(it8.demand!.notes.join('\n')).toMatch(/burstable t3\.large: does not fit: mean 1\.50 cores is above its baseline 0\.60/);
  });

  it('Standard_E8as_v5 is priced at the Linux 0.452 $/h and never goes to a confidential size', () => {
    const e8 = item('e8as');
    expect(e8.current!.hourlyUsd).toBe(0.452);
    expect(e8.monthlyBefore).toBeCloseTo(0.452 * 730, 6);
    expect(e8.chosen!.size).not.toBe('Standard_EC4as_cc_v5');
    expect(e8.chosen!.capabilities).not.toContain('confidential');
    expect(e8.chosen!.capabilities).toContain('premium-storage');
  });

  it('Standard_D96s_v5 at 80 cores never goes to an HPC size (HB120rs_v2)', () => {
    const big = item('batch96');
    expect(big.chosen).toBeDefined();
    expect(big.chosen!.size).not.toBe('Standard_HB120rs_v2');
    expect(big.chosen!.capabilities!.some((c) => ['hpc', 'confidential', 'gpu'].includes(c))).toBe(false);
    for (const alt of big.alternatives ?? []) expect(alt.offering.capabilities).not.toContain('hpc');
  });

  it('n2-standard-8 in us-central1 is priced with its sustained-use discount: 226.92 $/month', () => {
    expect(item('n2').monthlyBefore).toBeCloseTo(226.92, 2);
  });

  it('Windows m5.xlarge and Windows Standard_D4s_v5 are unpriced with the reason, never at a Linux price, never moved', () => {
    for (const name of ['winaws', 'winazure']) {
      const w = item(name);
      expect(w.current).toBeUndefined();
      expect(w.chosen).toBeUndefined();
      expect(w.monthlyBefore).toBeUndefined();
      expect(w.reason).toMatch(
        /^unpriced: Windows .*no source prices the Windows licence.*not priced rather than shown at the Linux price/,
      );
    }
    expect(plan.totals.unpriced).toBeGreaterThanOrEqual(4);
  });

  it('the dev demo D4s_v5 (Premium_LRS disks) never goes to Standard_A1_v2 or any size without premium storage', () => {
    const d4 = item('devd4');
    expect(d4.chosen).toBeDefined();
    expect(d4.chosen!.size).not.toBe('Standard_A1_v2');
    expect(d4.chosen!.capabilities).toContain('premium-storage');
  });

  it('a Windows GCP VM is priced with the Windows Server licence of the source', () => {
    const w = item('wingcp');
    const linux = catalog.lookup('gcp', 'us-central1', 'n2-standard-4')!;
    expect(w.current!.os).toBe('windows');
    expect(w.monthlyBefore).toBeCloseTo(linux.monthlyUsd + 0.184 * 730, 4);
    if (w.chosen) expect(w.chosen.os).toBe('windows');
  });

  it('an interruptible workload may use the spot price, with the eviction caveat in its evidence', () => {
    const s = item('spotty');
    expect(s.chosen?.spot).toBe(true);
    expect(s.monthlyAfter).toBe(s.chosen!.spotMonthlyUsd! * 1);
    expect(s.reason).toMatch(/spot price: interruptible, the VM can be evicted/);
    // Without the opt-in the same VM is priced on demand.
    expect(item('n2').chosen?.spot).toBeUndefined();
  });

  it('AWS outside us-east-1/GovCloud, an unknown size and an unknown OS each get one line naming why, never a price', () => {
    expect(item('ireland').reason).toBe(
      'unpriced: no offline AWS price for eu-west-1 (the shipped EC2 catalog covers us-east-1 and GovCloud): run `stackfit catalog refresh --cloud aws --region eu-west-1`',
    );
    expect(item('typo').reason).toBe('unpriced: unknown aws size m5.xlargee: not in the price catalog');
    expect(item('solaris').reason).toBe(
      'unpriced: operating system not recognised (storageProfile.osDisk.osType Solaris): not priced rather than shown at a Linux price',
    );
    for (const name of ['ireland', 'typo', 'solaris']) {
      expect(item(name).monthlyBefore).toBeUndefined();
      expect(item(name).chosen).toBeUndefined();
    }
  });
});
