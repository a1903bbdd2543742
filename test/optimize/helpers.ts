import { loadCatalog } from '../../src/catalog';
import { ruleFor, type ResolvedRule } from '../../src/config/rules';
import { stackfitConfigSchema, type StackfitConfig } from '../../src/config/schema';
import type { Cloud, Demand, DimensionEvidence, Offering, Plan, Workload } from '../../src/model';
import type { PlanInput } from '../../src/optimize';

export const catalog = loadCatalog();

/** A real offering from the shipped catalog; fails loudly when the catalog lacks it. */
export function offering(cloud: Cloud, region: string, size: string): Offering {
  const found = catalog.lookup(cloud, region, size);
  if (!found) throw new Error(`catalog has no ${cloud}/${region}/${size}`);
  return found;
}

export function workload(name: string, current: Offering, opts: { count?: number; group?: string } = {}): Workload {
  return {
    urn: `urn:pulumi:prod::shop::${current.cloud}:vm::${name}`,
    name,
    type:
      current.cloud === 'aws'
        ? 'aws:ec2/instance:Instance'
        : current.cloud === 'azure'
          ? 'azure-native:compute:VirtualMachine'
          : 'gcp:compute/instance:Instance',
    kind: 'vm',
    cloud: current.cloud,
    region: current.region,
    size: current.size,
    count: opts.count ?? 1,
    ...(opts.group !== undefined && { group: opts.group }),
    metricIds: { name },
  };
}

function evidence(required: number, headroom = 0.2): DimensionEvidence {
  const forecastPeak = required / (1 + headroom);
  return { p50: forecastPeak * 0.4, p95: forecastPeak * 0.8, max: forecastPeak * 0.9, forecastPeak, percentile: 99.5, headroom, required };
}

/** A demand needing `cpu` vCPU and `memory` GiB per instance (forecast peak + 20 % headroom). */
export function demand(urn: string, cpu: number, memory: number | undefined, opts: Partial<Demand> = {}): Demand {
  return {
    urn,
    status: 'ok',
    historyHours: 24 * 30,
    horizonDays: 30,
    cpu: evidence(cpu),
    ...(memory !== undefined && { memory: evidence(memory) }),
    confidence: 'high',
    allowDownsize: true,
    notes: [],
    ...opts,
  };
}

export function config(raw: Record<string, unknown> = {}): StackfitConfig {
  return stackfitConfigSchema.parse(raw);
}

export interface Case {
  workload: Workload;
  current: Offering | undefined;
  demand?: Demand;
  /** Explicit candidates; by default `candidatesFor` on the real catalog is not used — pass them. */
  candidates: Offering[];
}

export function planInput(cases: readonly Case[], cfg: StackfitConfig): PlanInput {
  const rules = new Map<string, ResolvedRule>();
  for (const c of cases) rules.set(c.workload.urn, ruleFor(cfg, c.workload));
  return {
    workloads: cases.map((c) => c.workload),
    demands: new Map(cases.filter((c) => c.demand).map((c) => [c.workload.urn, c.demand!])),
    candidates: new Map(cases.map((c) => [c.workload.urn, c.candidates])),
    current: new Map(cases.map((c) => [c.workload.urn, c.current])),
    config: cfg,
    rules,
  };
}

export function item(plan: Plan, name: string) {
  const found = plan.items.find((i) => i.workload.name === name);
  if (!found) throw new Error(`no plan item for ${name}`);
  return found;
}

/** Deterministic PRNG (mulberry32) so random instances are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
