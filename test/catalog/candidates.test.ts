import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidatesFor, cheapestPerPlace, loadCatalog, sameSpecAlternatives } from '../../src/catalog/index';
import { pruneDominated } from '../../src/catalog/candidates';
import { stackfitConfigSchema } from '../../src/config/schema';
import { ruleFor, type ResolvedRule } from '../../src/config/rules';
import type { Demand, DimensionEvidence, Offering, Workload } from '../../src/model';

const catalog = loadCatalog(path.resolve(__dirname, '../../catalog'));

function workload(over: Partial<Workload> & Pick<Workload, 'cloud' | 'region' | 'size'>): Workload {
  return {
    urn: `urn:pulumi:dev::demo::test:index:Thing::${over.size}`,
    name: 'web',
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    count: 1,
    metricIds: { name: 'web' },
    ...over,
  };
}

function evidence(required: number): DimensionEvidence {
  return { p50: required / 2, p95: required / 1.5, max: required / 1.2, forecastPeak: required / 1.2, percentile: 99.5, headroom: 0.2, required };
}

function demand(cpu: number, memoryGiB: number | undefined, allowDownsize = true): Demand {
  return {
    urn: 'urn',
    status: 'ok',
    historyHours: 24 * 30,
    horizonDays: 30,
    cpu: evidence(cpu),
    ...(memoryGiB !== undefined && { memory: evidence(memoryGiB) }),
    confidence: 'high',
    allowDownsize,
    notes: [],
  };
}

/**
 * A rule as stackfit.yaml would give it: defaults, then the given placement / workload settings.
 * Regions are set on the resolved rule: a partial per-cloud map is what the resolver hands on.
 */
function rule(config: Record<string, unknown> = {}, regions?: ResolvedRule['regions']): ResolvedRule {
  const resolved = ruleFor(stackfitConfigSchema.parse(config), { name: 'web', urn: 'urn:pulumi:dev::demo::test:index:Thing::web' });
  return regions ? { ...resolved, regions } : resolved;
}

const m5xlarge = workload({ cloud: 'aws', region: 'us-east-1', size: 'm5.xlarge' });

function expectNoDominated(offerings: readonly Offering[]): void {
  const violations: string[] = [];
  for (const a of offerings) {
    for (const b of offerings) {
      if (a === b || a.cloud !== b.cloud || a.region !== b.region) continue;
      if (b.vcpu >= a.vcpu && b.memoryGiB >= a.memoryGiB && b.monthlyUsd <= a.monthlyUsd) violations.push(`${b.size} dominates ${a.size} in ${a.region}`);
    }
  }
  expect(violations).toEqual([]);
}

describe('candidatesFor on the real catalog', () => {
  it('keeps only sizes that meet the demand, in place, amd64, current generation, no GPUs, cheapest first', () => {
    const result = candidatesFor({ workload: m5xlarge, demand: demand(1.5, 5), rule: rule(), catalog });
    expect(result.length).toBeGreaterThan(3);
    for (const o of result) {
      expect(o).toMatchObject({ cloud: 'aws', region: 'us-east-1', kind: 'vm', arch: 'amd64', currentGeneration: true, gpus: 0 });
      expect(o.family).not.toMatch(/^t\d/);
      expect(o.vcpu).toBeGreaterThanOrEqual(1.5);
      expect(o.memoryGiB).toBeGreaterThanOrEqual(5);
    }
    const prices = result.map((o) => o.monthlyUsd);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    // The first is the cheapest offering in us-east-1 that passes the same filters (m5.xlarge is not burstable: no T).
    const brute = catalog
      .offerings({ cloud: 'aws', kind: 'vm', region: 'us-east-1' })
      .filter((o) => o.arch === 'amd64' && o.currentGeneration && o.gpus === 0 && !/^t\d/.test(o.family) && o.vcpu >= 1.5 && o.memoryGiB >= 5)
      .reduce((a, b) => (b.monthlyUsd < a.monthlyUsd ? b : a));
    expect(result[0]!.monthlyUsd).toBe(brute.monthlyUsd);
    expectNoDominated(result);
  });

  it('without memory evidence sizes on CPU alone', () => {
    const result = candidatesFor({ workload: m5xlarge, demand: demand(3, undefined), rule: rule(), catalog });
    expect(result.every((o) => o.vcpu >= 3)).toBe(true);
    expect(result.some((o) => o.memoryGiB < 64)).toBe(true);
    const withMemory = candidatesFor({ workload: m5xlarge, demand: demand(3, 64), rule: rule(), catalog });
    expect(withMemory.length).toBeGreaterThan(0);
    expect(withMemory.every((o) => o.memoryGiB >= 64)).toBe(true);
  });

  it('never goes below the current vCPU and memory when downsizing is not allowed', () => {
    const downsizable = candidatesFor({ workload: m5xlarge, demand: demand(1, 2, true), rule: rule(), catalog });
    expect(downsizable.some((o) => o.vcpu < 4 || o.memoryGiB < 16)).toBe(true);
    const young = candidatesFor({ workload: m5xlarge, demand: demand(1, 2, false), rule: rule(), catalog });
    expect(young.length).toBeGreaterThan(0);
    expect(young.every((o) => o.vcpu >= 4 && o.memoryGiB >= 16)).toBe(true);
  });

  it('keeps the current architecture unless the rule names one', () => {
    const graviton = workload({ cloud: 'aws', region: 'us-east-1', size: 'm7g.xlarge' });
    expect(candidatesFor({ workload: graviton, demand: demand(2, 8), rule: rule(), catalog }).every((o) => o.arch === 'arm64')).toBe(true);
    const toArm = candidatesFor({ workload: m5xlarge, demand: demand(2, 8), rule: rule({ placement: { arch: ['arm64'] } }), catalog });
    expect(toArm.length).toBeGreaterThan(0);
    expect(toArm.every((o) => o.arch === 'arm64')).toBe(true);
    const either = candidatesFor({ workload: m5xlarge, demand: demand(2, 8), rule: rule({ placement: { arch: ['amd64', 'arm64'] } }), catalog });
    // Graviton is cheaper per vCPU in us-east-1, so the cheapest of either is arm64.
    expect(either[0]!.arch).toBe('arm64');
    expect(new Set(either.map((o) => o.arch))).toEqual(new Set(['amd64', 'arm64']));
  });

  it('applies allowed and excluded families by prefix', () => {
    const m7 = candidatesFor({ workload: m5xlarge, demand: demand(2, 8), rule: rule({ placement: { families: ['m7'] } }), catalog });
    expect(m7.length).toBeGreaterThan(0);
    expect(m7.every((o) => o.family.startsWith('m7'))).toBe(true);
    const t3large = workload({ cloud: 'aws', region: 'us-east-1', size: 't3.large' });
    expect(candidatesFor({ workload: t3large, demand: demand(1, 4), rule: rule(), catalog }).some((o) => o.family.startsWith('t'))).toBe(true);
    const noT = candidatesFor({ workload: t3large, demand: demand(1, 4), rule: rule({ placement: { excludeFamilies: ['t'] } }), catalog });
    expect(noT.length).toBeGreaterThan(0);
    expect(noT.some((o) => o.family.startsWith('t'))).toBe(false);
  });

  it('offers burstable sizes only to burstable workloads, or when the rule names their family', () => {
    const steady = candidatesFor({ workload: m5xlarge, demand: demand(2, 8), rule: rule({ placement: { arch: ['amd64', 'arm64'] } }), catalog });
    expect(steady.some((o) => /^t\d/.test(o.family))).toBe(false);
    const asked = candidatesFor({ workload: m5xlarge, demand: demand(2, 8), rule: rule({ placement: { families: ['t3'] } }), catalog });
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((o) => o.family.startsWith('t3'))).toBe(true);
    // A burstable Azure VM may move to another burstable size (its p95, 0.2 cores, within their
    // baselines); a D-series one is not offered B-series.
    const b2s = workload({ cloud: 'azure', region: 'eastus', size: 'Standard_B2s' });
    expect(candidatesFor({ workload: b2s, demand: demand(0.3, 2), rule: rule(), catalog }).some((o) => o.size.startsWith('Standard_B'))).toBe(true);
    const d4 = workload({ cloud: 'azure', region: 'eastus', size: 'Standard_D4s_v5' });
    expect(candidatesFor({ workload: d4, demand: demand(1, 2), rule: rule(), catalog }).some((o) => o.size.startsWith('Standard_B'))).toBe(false);
    const e2 = workload({ cloud: 'gcp', region: 'us-central1', size: 'n2-standard-2' });
    expect(candidatesFor({ workload: e2, demand: demand(0.2, 0.5), rule: rule(), catalog }).some((o) => ['e2-micro', 'e2-small', 'e2-medium'].includes(o.size))).toBe(false);
  });

  it('excludes previous generation unless allowed; the current size may stay even if it is one', () => {
    const m4 = workload({ cloud: 'aws', region: 'us-east-1', size: 'm4.large' });
    const only = candidatesFor({ workload: m4, demand: demand(1, 4, false), rule: rule({ placement: { families: ['m4'] } }), catalog });
    expect(only.map((o) => o.size)).toEqual(['m4.large']);
    const allowed = candidatesFor({
      workload: m4,
      demand: demand(1, 4, false),
      rule: rule({ placement: { families: ['m4'], allowPreviousGeneration: true } }),
      catalog,
    });
    expect(allowed.length).toBeGreaterThan(1);
    expect(allowed.every((o) => o.family === 'm4')).toBe(true);
    const everything = candidatesFor({ workload: m5xlarge, demand: demand(1, 4), rule: rule(), catalog });
    expect(everything.every((o) => o.currentGeneration)).toBe(true);
  });

  it('offers GPU sizes only to workloads with the same GPU count', () => {
    const gpu = workload({ cloud: 'aws', region: 'us-east-1', size: 'g5.xlarge' });
    const forGpu = candidatesFor({ workload: gpu, demand: demand(2, 8), rule: rule(), catalog });
    expect(forGpu.length).toBeGreaterThan(0);
    expect(forGpu.every((o) => o.gpus === 1)).toBe(true);
    expect(candidatesFor({ workload: m5xlarge, demand: demand(2, 8), rule: rule(), catalog }).every((o) => o.gpus === 0)).toBe(true);
  });

  it('a pinned workload gets its current offering only', () => {
    const pinned = rule({ workloads: { web: { pin: true } } });
    expect(candidatesFor({ workload: m5xlarge, demand: demand(0.5, 1), rule: pinned, catalog })).toEqual([catalog.lookup('aws', 'us-east-1', 'm5.xlarge')]);
  });

  it('stays in the current cloud and region unless moves are allowed; then follows clouds and regions', () => {
    const azure = workload({ cloud: 'azure', region: 'westeurope', size: 'Standard_D4s_v5', type: 'azure-native:compute:VirtualMachine' });
    const inPlace = candidatesFor({ workload: azure, demand: demand(2, 8), rule: rule(), catalog });
    expect(new Set(inPlace.map((o) => `${o.cloud}/${o.region}`))).toEqual(new Set(['azure/westeurope']));

    const moving = candidatesFor({
      workload: azure,
      demand: demand(2, 8),
      rule: rule({ allowMove: true, placement: { clouds: ['azure', 'gcp'] } }, { gcp: ['us-central1', 'europe-west1'] }),
      catalog,
    });
    const places = new Set(moving.map((o) => `${o.cloud}/${o.region}`));
    expect([...places].filter((p) => p.startsWith('gcp/')).sort()).toEqual(['gcp/europe-west1', 'gcp/us-central1']);
    expect([...places].filter((p) => p.startsWith('azure/')).length).toBeGreaterThan(40);
    expect([...places].some((p) => p.startsWith('aws/'))).toBe(false);
    expectNoDominated(moving);
  });

  it('databases keep their engine and deployment', () => {
    const db = workload({ cloud: 'aws', region: 'us-east-1', size: 'db.m5.large', kind: 'database', engine: 'postgres', multiAz: true, type: 'aws:rds/instance:Instance' });
    const result = candidatesFor({ workload: db, demand: demand(1, 4), rule: rule(), catalog });
    expect(result.length).toBeGreaterThan(0);
    for (const o of result) expect(o).toMatchObject({ kind: 'database', engine: 'postgres', multiAz: true, region: 'us-east-1' });
    expect(result.every((o) => o.family.startsWith('db.'))).toBe(true);
    // Family rules also match database families without the `db.` prefix.
    const r6g = candidatesFor({ workload: db, demand: demand(1, 4), rule: rule({ placement: { families: ['r6g'], arch: ['arm64'] } }), catalog });
    expect(r6g.map((o) => o.family)).toContain('db.r6g');
    expect(r6g.every((o) => o.family === 'db.r6g')).toBe(true);
  });
});

describe('dominance pruning', () => {
  it('candidatesFor equals a brute-force filter followed by pruning, for successive demands under one rule', () => {
    const azure = workload({ cloud: 'azure', region: 'westeurope', size: 'Standard_D4s_v5' });
    const pool = catalog.offerings({ cloud: 'azure', kind: 'vm', region: 'westeurope' });
    for (const [cpu, memory] of [[2, 8], [0.5, 1], [6, 40], [16, 16], [3, 100]] as const) {
      const brute = pool.filter(
        (o) =>
          o.arch === 'amd64' &&
          o.gpus === 0 &&
          o.currentGeneration &&
          !o.size.startsWith('Standard_B') &&
          // Standard_D4s_v5 has premium storage: the candidates keep it, and no special family.
          o.capabilities!.includes('premium-storage') &&
          !o.capabilities!.some((c) => ['gpu', 'hpc', 'confidential', 'metal'].includes(c)) &&
          o.vcpu >= cpu &&
          o.memoryGiB >= memory,
      );
      const expected = pruneDominated(brute).map((o) => o.size);
      expect(candidatesFor({ workload: azure, demand: demand(cpu, memory), rule: rule(), catalog }).map((o) => o.size)).toEqual(expected);
    }
  });

  const at = (size: string) => catalog.lookup('aws', 'us-east-1', size)!;

  it('drops sizes another beats on vCPU, memory and price, within one place', () => {
    // t3.large (2 vCPU, 8 GiB, $60.74) beats m5.large (2, 8, $70.08) and c5.large (2, 4, $62.05); m5.xlarge is bigger.
    expect(pruneDominated([at('m5.large'), at('c5.large'), at('m5.xlarge'), at('t3.large')]).map((o) => o.size)).toEqual(['t3.large', 'm5.xlarge']);
    const gov = catalog.lookup('aws', 'us-gov-west-1', 'm5.large')!;
    expect(pruneDominated([at('t3.large'), gov]).map((o) => `${o.region}/${o.size}`)).toEqual(['us-east-1/t3.large', 'us-gov-west-1/m5.large']);
  });

  it('keeps the first size name of an exact tie, whatever the input order', () => {
    const a = catalog.lookup('azure', 'eastus', 'Standard_D2_v5')!;
    const b = catalog.lookup('azure', 'eastus', 'Standard_D2s_v5')!;
    expect([a.vcpu, a.memoryGiB, a.monthlyUsd]).toEqual([b.vcpu, b.memoryGiB, b.monthlyUsd]);
    expect(pruneDominated([b, a])).toEqual([a]);
    expect(pruneDominated([a, b])).toEqual([a]);
  });
});

describe('cheapestPerPlace and sameSpecAlternatives', () => {
  it('cheapestPerPlace keeps the cheapest offering of each place', () => {
    const moving = candidatesFor({
      workload: m5xlarge,
      demand: demand(2, 8),
      rule: rule({ allowMove: true, placement: { clouds: ['aws', 'gcp'] } }, { gcp: ['us-central1', 'europe-west1'] }),
      catalog,
    });
    const cheapest = cheapestPerPlace(moving);
    expect(cheapest.map((o) => `${o.cloud}/${o.region}`).sort()).toEqual(['aws/us-east-1', 'aws/us-gov-east-1', 'aws/us-gov-west-1', 'gcp/europe-west1', 'gcp/us-central1']);
    for (const c of cheapest) {
      const samePlace = moving.filter((o) => o.cloud === c.cloud && o.region === c.region);
      expect(c.monthlyUsd).toBe(Math.min(...samePlace.map((o) => o.monthlyUsd)));
    }
  });

  it('sameSpecAlternatives lists cheaper current-generation sizes at least as big, same architecture unless arm64 is allowed', () => {
    const m4 = catalog.lookup('aws', 'us-east-1', 'm4.large')!;
    const alternatives = sameSpecAlternatives(m4, catalog);
    expect(alternatives.map((o) => o.size)).toContain('m5.large');
    for (const o of alternatives) {
      expect(o.currentGeneration).toBe(true);
      expect(o.monthlyUsd).toBeLessThan(m4.monthlyUsd);
      expect(o.vcpu).toBeGreaterThanOrEqual(2);
      expect(o.memoryGiB).toBeGreaterThanOrEqual(8);
      expect(o.arch).toBe('amd64');
    }
    expect(alternatives.some((o) => o.family.startsWith('t'))).toBe(false);
    expect(sameSpecAlternatives(m4, catalog, { includeBurstable: true }).map((o) => o.size)).toContain('t3.large');
    // Another CPU maker is not an upgrade: no AMD t3a for an Intel m4.
    expect(sameSpecAlternatives(m4, catalog, { includeBurstable: true }).map((o) => o.size)).not.toContain('t3a.large');
    const withArm = sameSpecAlternatives(m4, catalog, { includeArm64: true });
    expect(withArm.map((o) => o.size)).toContain('m7g.large');
    expect(withArm[0]!.monthlyUsd).toBeLessThanOrEqual(alternatives[0]!.monthlyUsd);
    expect(sameSpecAlternatives(m4, catalog, { limit: 2 })).toEqual(alternatives.slice(0, 2));
    // Nothing is cheaper than the cheapest.
    expect(sameSpecAlternatives(alternatives[0]!, catalog)).toEqual([]);
  });
});

describe('the generation check suggests upgrades only', () => {
  it('r6i → r5a and c6i → c6a are not current-generation upgrades: older generation or another CPU maker', () => {
    for (const size of ['r6i.large', 'r6i.2xlarge', 'c6i.large', 'c6i.4xlarge']) {
      const from = catalog.lookup('aws', 'us-east-1', size)!;
      const alternatives = sameSpecAlternatives(from, catalog);
      for (const o of alternatives) {
        expect(o.cpuVendor, `${size} → ${o.size}`).toBe('intel');
        if (o.family[0] === from.family[0]) expect(o.generation!).toBeGreaterThanOrEqual(from.generation!);
      }
      expect(alternatives.map((o) => o.family)).not.toContain('r5a');
      expect(alternatives.map((o) => o.family)).not.toContain('c6a');
    }
    // The same AMD sizes are what the raw list would offer: the check is what removes them.
    const r6i = catalog.lookup('aws', 'us-east-1', 'r6i.large')!;
    expect(catalog.lookup('aws', 'us-east-1', 'r5a.large')!.monthlyUsd).toBeLessThan(r6i.monthlyUsd);
  });
});

describe('candidatesFor with perPlace (what the optimiser asks for)', () => {
  it('gives exactly the cheapest feasible offering of each place, across every region of every cloud', () => {
    const r = rule({ allowMove: true });
    for (const [cpu, mem] of [[1.5, 3], [3.2, 20], [14, 40], [0.4, undefined]] as const) {
      const d = demand(cpu, mem);
      const full = candidatesFor({ workload: m5xlarge, demand: d, rule: r, catalog });
      const cheapest = candidatesFor({ workload: m5xlarge, demand: d, rule: r, catalog, perPlace: 1 });
      expect(cheapest.map((o) => `${o.cloud}/${o.region}/${o.size}`)).toEqual(cheapestPerPlace(full).map((o) => `${o.cloud}/${o.region}/${o.size}`));
      expect(new Set(cheapest.map((o) => o.region)).size).toBeGreaterThan(50);
    }
  });

  it('never shrinks memory for a CPU-only demand (no memory metric)', () => {
    const current = catalog.lookup('aws', 'us-east-1', 'm5.xlarge')!;
    const offers = candidatesFor({ workload: m5xlarge, demand: demand(0.5, undefined), rule: rule(), catalog });
    expect(offers.length).toBeGreaterThan(0);
    for (const o of offers) expect(o.memoryGiB).toBeGreaterThanOrEqual(current.memoryGiB);
  });
});
