/**
 * Optimiser benchmark: 10,000 workloads on real catalog offerings across AWS, Azure and GCP,
 * demands derived from real utilisation traces (Azure Public Dataset V1 CPU, Bitbrains memory),
 * candidates from the real `candidatesFor`, moves allowed, five spread groups, and two budgets:
 * one that does not bind and one that does.
 *
 *   npx tsx bench/optimize.ts [workloads]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { candidatesFor, loadCatalog } from '../src/catalog';
import { ruleFor, type ResolvedRule } from '../src/config/rules';
import { stackfitConfigSchema } from '../src/config/schema';
import { StackfitError, type Demand, type DimensionEvidence, type Offering, type Plan, type Workload } from '../src/model';
import { solvePlan } from '../src/optimize';
import { demandPerInstance, sizingOf } from '../src/optimize/choices';
import { rng } from '../test/optimize/helpers';

const TRACES = path.resolve(__dirname, '../data/traces');
const N = Number(process.argv[2] ?? 10_000);

function percentile(values: number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Per Azure V1 VM: p50/p95/p99.5 of CPU utilisation (fraction of the VM), from the max and avg series. */
function azureCpuProfiles(): { p50: number; p95: number; p995: number; max: number }[] {
  const read = (file: string) => readFileSync(path.join(TRACES, 'azure-v1', file), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(1).map(Number));
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
      const rows = readFileSync(path.join(dir, f), 'utf8').trim().split('\n').slice(1).map((l) => l.split(';').map((c) => Number(c.trim())));
      const used = rows.filter((r) => r[5]! > 0).map((r) => r[6]! / r[5]!);
      return { p50: percentile(used, 50), p95: percentile(used, 95), p995: percentile(used, 99.5), max: Math.max(...used) };
    })
    .filter((p) => p.p995 > 0);
}


const catalog = loadCatalog();
const PLACES = {
  aws: ['us-east-1'],
  azure: ['eastus', 'westeurope', 'northeurope', 'westus2'],
  gcp: ['us-central1', 'europe-west1', 'us-east1', 'asia-east1'],
} as const;
const SIZES = {
  aws: ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'c5.xlarge', 'c5.2xlarge', 'r5.large', 'r5.xlarge', 'r5.2xlarge', 't3.large', 't3.xlarge', 'm6i.xlarge', 'm6i.4xlarge'],
  azure: ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_D8s_v5', 'Standard_E4s_v5', 'Standard_E8s_v5', 'Standard_F4s_v2', 'Standard_F8s_v2', 'Standard_D16s_v5'],
  gcp: ['n2-standard-2', 'n2-standard-4', 'n2-standard-8', 'n2-highmem-4', 'e2-standard-4', 'e2-standard-8', 'n2-highcpu-8', 'n2-standard-16'],
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
  return { p50: capacity * p.p50, p95: capacity * p.p95, max: capacity * p.max, forecastPeak, percentile: 99.5, headroom, required: Math.max(0.25, forecastPeak * (1 + headroom)) };
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
    urn, name, type: 'vm', kind: 'vm', cloud: cur.cloud, region: cur.region, size: cur.size,
    count: 1 + Math.floor(random() * 4), ...(group && { group }), metricIds: { name },
  };
  workloads.push(w);
  current.set(urn, cur);
  const young = random() < 0.03;
  demands.set(urn, {
    urn, status: young ? 'insufficient-history' : 'ok', historyHours: young ? 20 : 24 * 28, horizonDays: 30,
    cpu: evidence(cur.vcpu, cpuProfiles[i % cpuProfiles.length]!, 0.2),
    memory: evidence(cur.memoryGiB, memProfiles[i % memProfiles.length]!, 0.2),
    confidence: 'high', allowDownsize: random() > 0.1, notes: [],
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
const rules = new Map<string, ResolvedRule>(workloads.map((w, i) => [w.urn, { ...ruleFor(baseConfig, w), ...(i % 2 === 0 && { scaleOut: true }) }]));
let t = performance.now();
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

function run(label: string, budget?: number): Plan {
  if (global.gc) global.gc();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  t = performance.now();
  const plan = solvePlan({ workloads, demands, candidates, current, config: configWith(budget), rules });
  const ms = performance.now() - t;
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const actions: Record<string, number> = {};
  for (const item of plan.items) actions[item.action] = (actions[item.action] ?? 0) + 1;
  const s = plan.solver;
  console.log(`\n${label}${budget !== undefined ? ` (budget ${budget.toFixed(2)} USD/month)` : ''}`);
  console.log(`  solve            ${ms.toFixed(0)} ms (solver.millis ${s.millis.toFixed(0)})`);
  console.log(`  peak RSS         ${(peak / 2 ** 20).toFixed(0)} MiB (process maxRSS)`);
  console.log(`  status           ${s.status}`);
  console.log(`  method           ${s.method}`);
  console.log(`  solved models    ${s.variables} variables, ${s.constraints} constraints (${JSON.stringify(s.models)})`);
  console.log(`  objective        ${s.objective.toFixed(2)} USD/month (incl. amortised migration)`);
  console.log(`  LP bound / gap   ${s.lpBound?.toFixed(2)} / ${((s.gap ?? 0) * 100).toPrecision(3)} %`);
  console.log(`  monthly          ${plan.totals.monthlyBefore.toFixed(2)} → ${plan.totals.monthlyAfter.toFixed(2)} (${plan.totals.monthlyDelta.toFixed(2)})`);
  console.log(`  actions          ${JSON.stringify(actions)}`);
  const counts = plan.items.filter((i) => i.countAfter !== undefined).length;
  const steps = plan.items.filter((i) => i.step).length;
  console.log(`  count changes    ${counts}; capped by maxStepDown ${steps}`);
  return plan;
}

console.log(`${N} workloads, ${candidateCount} candidates from candidatesFor in ${candidatesMs.toFixed(0)} ms (${(candidateCount / N).toFixed(1)} per workload)`);
console.log(`places: ${Object.entries(PLACES).map(([c, r]) => `${c}: ${r.join(', ')}`).join('; ')}; groups: ${JSON.stringify(GROUPS)}`);
{
  // What merely reading every candidate once costs (memory-bound), for scale.
  const t0 = performance.now();
  let total = 0;
  for (const list of candidates.values()) for (const o of list) total += o.vcpu + o.memoryGiB + o.monthlyUsd;
  console.log(`reading every candidate once: ${(performance.now() - t0).toFixed(0)} ms (${total > 0})`);
}
const free = run('no budget');
const loose = run('budget that does not bind', free.totals.monthlyAfter * 1.05);
if (Math.abs(loose.solver.objective - free.solver.objective) > 1e-6) throw new Error('a loose budget changed the plan');
// The cheapest feasible plan, as the solver's own budget check reports it for an impossible budget.
let cheapest = 0;
try {
  solvePlan({ workloads, demands, candidates, current, config: configWith(1), rules });
} catch (error) {
  if (!(error instanceof StackfitError)) throw error;
  cheapest = Number(/cheapest feasible plan ([\d.]+) USD/.exec(error.message)![1]);
}
const bindingBudget = cheapest + 0.5 * (free.totals.monthlyAfter - cheapest);
const binding = run('budget that binds', bindingBudget);
if (binding.totals.monthlyAfter > bindingBudget + 1e-6) throw new Error('budget broken');
// A budget below the cheapest plan: the error names the rule and the cheapest plan.
try {
  solvePlan({ workloads, demands, candidates, current, config: configWith(cheapest * 0.9), rules });
  throw new Error('an impossible budget was accepted');
} catch (error) {
  if (!(error instanceof StackfitError)) throw error;
  console.log(`\nbudget below the cheapest plan (${(cheapest * 0.9).toFixed(2)} USD/month):\n  ${error.message}`);
}
