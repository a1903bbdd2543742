/**
 * The optimiser benchmarks' fleet: N workloads whose current sizes are real catalog offerings over
 * AWS, four Azure and four GCP regions, demands from real utilisation percentiles (Azure Public
 * Dataset V1 CPU, Bitbrains memory), five spread groups, half the fleet scaling out, candidates
 * from the real `candidatesFor`. Shared by bench/optimize.ts and bench/solver-compare.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { candidatesFor, loadCatalog } from '../src/catalog';
import { ruleFor, type ResolvedRule } from '../src/config/rules';
import { stackfitConfigSchema } from '../src/config/schema';
import type { Demand, DimensionEvidence, Offering, Workload } from '../src/model';
import { demandPerInstance, sizingOf } from '../src/optimize/choices';
import { rng } from '../test/optimize/helpers';

const TRACES = path.resolve(__dirname, '../data/traces');

function percentile(values: number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Per Azure V1 VM: p50/p95/p99.5 of CPU utilisation (fraction of the VM), from the max and avg series. */
function azureCpuProfiles(): { p50: number; p95: number; p995: number; max: number }[] {
  const read = (file: string) =>
    readFileSync(path.join(TRACES, 'azure-v1', file), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').slice(1).map(Number));
  const avg = read('azure_v1_50vms_avg_cpu_wide.csv');
  const max = read('azure_v1_50vms_max_cpu_wide.csv');
  const vms = avg[0]!.length;
  return Array.from({ length: vms }, (_, v) => {
    const a = avg.map((row) => row[v]! / 100);
    const m = max.map((row) => row[v]! / 100);
    return { p50: percentile(a, 50), p95: percentile(a, 95), p995: percentile(m, 99.5), max: Math.max(...m.filter(Number.isFinite)) };
  });
}

/** Per Bitbrains VM: p50/p95/p99.5 of memory used as a fraction of provisioned memory. */
function bitbrainsMemoryProfiles(): { p50: number; p95: number; p995: number; max: number }[] {
  const dir = path.join(TRACES, 'bitbrains-rnd-2013-07');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => {
      const rows = readFileSync(path.join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(';').map((c) => Number(c.trim())));
      const used = rows.filter((r) => r[5]! > 0).map((r) => r[6]! / r[5]!);
      return { p50: percentile(used, 50), p95: percentile(used, 95), p995: percentile(used, 99.5), max: Math.max(...used) };
    })
    .filter((p) => p.p995 > 0);
}

export function buildFleet(N: number) {
  const catalog = loadCatalog();
  const PLACES = {
    aws: ['us-east-1'],
    azure: ['eastus', 'westeurope', 'northeurope', 'westus2'],
    gcp: ['us-central1', 'europe-west1', 'us-east1', 'asia-east1'],
  } as const;
  const SIZES = {
    aws: [
      'm5.large',
      'm5.xlarge',
      'm5.2xlarge',
      'c5.xlarge',
      'c5.2xlarge',
      'r5.large',
      'r5.xlarge',
      'r5.2xlarge',
      't3.large',
      't3.xlarge',
      'm6i.xlarge',
      'm6i.4xlarge',
    ],
    azure: [
      'Standard_D2s_v5',
      'Standard_D4s_v5',
      'Standard_D8s_v5',
      'Standard_E4s_v5',
      'Standard_E8s_v5',
      'Standard_F4s_v2',
      'Standard_F8s_v2',
      'Standard_D16s_v5',
    ],
    gcp: [
      'n2-standard-2',
      'n2-standard-4',
      'n2-standard-8',
      'n2-highmem-4',
      'e2-standard-4',
      'e2-standard-8',
      'n2-highcpu-8',
      'n2-standard-16',
    ],
  } as const;
  const currentPool: Offering[] = [];
  for (const cloud of ['aws', 'azure', 'gcp'] as const) {
    for (const region of PLACES[cloud]) {
      for (const size of SIZES[cloud]) {
        const o = catalog.lookup(cloud, region, size);
        if (o) currentPool.push(o);
      }
    }
  }

  const cpuProfiles = azureCpuProfiles();
  const memProfiles = bitbrainsMemoryProfiles();
  const evidence = (capacity: number, p: { p50: number; p95: number; p995: number; max: number }, headroom: number): DimensionEvidence => {
    const forecastPeak = capacity * p.p995;
    return {
      p50: capacity * p.p50,
      p95: capacity * p.p95,
      max: capacity * p.max,
      forecastPeak,
      percentile: 99.5,
      headroom,
      required: Math.max(0.25, forecastPeak * (1 + headroom)),
    };
  };

  const random = rng(7);
  const GROUPS: Record<string, { minClouds?: number; minRegions?: number }> = {
    checkout: { minClouds: 2, minRegions: 3 },
    search: { minClouds: 3 },
    auth: { minRegions: 4 },
    ledger: { minClouds: 2, minRegions: 2 },
    edge: { minClouds: 3, minRegions: 5 },
  };
  const groupNames = Object.keys(GROUPS);
  const workloads: Workload[] = [];
  const demands = new Map<string, Demand>();
  const current = new Map<string, Offering | undefined>();
  for (let i = 0; i < N; i++) {
    const cur = currentPool[Math.floor(random() * currentPool.length)]!;
    const name = `w${i}`;
    const urn = `urn:pulumi:prod::fleet::${cur.cloud}:vm::${name}`;
    const group = i < groupNames.length * 12 ? groupNames[i % groupNames.length] : undefined;
    const w: Workload = {
      urn,
      name,
      type: 'vm',
      kind: 'vm',
      cloud: cur.cloud,
      region: cur.region,
      size: cur.size,
      count: 1 + Math.floor(random() * 4),
      ...(group && { group }),
      metricIds: { name },
    };
    workloads.push(w);
    current.set(urn, cur);
    const young = random() < 0.03;
    demands.set(urn, {
      urn,
      status: young ? 'insufficient-history' : 'ok',
      historyHours: young ? 20 : 24 * 28,
      horizonDays: 30,
      cpu: evidence(cur.vcpu, cpuProfiles[i % cpuProfiles.length]!, 0.2),
      memory: evidence(cur.memoryGiB, memProfiles[i % memProfiles.length]!, 0.2),
      confidence: 'high',
      allowDownsize: random() > 0.1,
      notes: [],
    });
  }

  function configWith(budget?: number) {
    return stackfitConfigSchema.parse({
      allowMove: true,
      placement: { clouds: ['aws', 'azure', 'gcp'], regions: PLACES },
      groups: GROUPS,
      // Dear moves (125 USD/month per instance amortised) so that many savings do not pay, and a budget can force them.
      migration: { crossCloudCostPerInstance: 1500, crossRegionCostPerInstance: 500 },
      ...(budget !== undefined && { budget: { maxMonthlyCost: budget } }),
    });
  }

  const baseConfig = configWith();
  // Every other workload may change its count (scaleOut), with the default N−1 survivability for 2+ instances.
  const rules = new Map<string, ResolvedRule>(
    workloads.map((w, i) => [w.urn, { ...ruleFor(baseConfig, w), ...(i % 2 === 0 && { scaleOut: true }) }]),
  );
  const t = performance.now();
  const candidates = new Map<string, Offering[]>();
  let candidateCount = 0;
  for (const w of workloads) {
    // As the pipeline does: candidates for the loosest per-instance need over the counts allowed.
    const demand = demands.get(w.urn)!;
    const sizing = sizingOf(w, rules.get(w.urn)!, demand.allowDownsize);
    const most = sizing.counts[sizing.counts.length - 1]!;
    const loosest = most > sizing.survive ? demandPerInstance(demand, w.count, most, sizing.survive) : demand;
    const list = candidatesFor({ workload: w, demand: loosest, rule: rules.get(w.urn)!, catalog, current: current.get(w.urn) });
    candidates.set(w.urn, list);
    candidateCount += list.length;
  }
  const candidatesMs = performance.now() - t;
  return { catalog, PLACES, GROUPS, workloads, demands, current, rules, candidates, candidateCount, candidatesMs, configWith };
}
