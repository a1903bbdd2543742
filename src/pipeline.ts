import { existsSync } from 'node:fs';
import path from 'node:path';
import { candidatesFor } from './catalog/candidates';
import { loadCatalog } from './catalog';
import { currentOfferingOf } from './catalog/current';
import { withPricing } from './catalog/discounts';
import type { Catalog } from './catalog/types';
import { ruleFor, type ResolvedRule } from './config/rules';
import type { StackfitConfig } from './config/schema';
import { forecastDemand } from './forecast';
import { StackfitError, type Demand, type Inventory, type Offering, type Plan, type UsageResult, type UsageSource, type Workload } from './model';
import { riskOf, solvePlan } from './optimize';
import { inventoryFromProgram } from './stack/demo';
import { fileUsageSource } from './usage/file';
import { fetchUsage } from './usage/fetch';
import { DEFAULT_CACHE_DIR } from './usage/cache';
import { packageRoot } from './package-root';
import { instanceEvidenceNote } from './usage/instances';

const HOUR_MS = 3_600_000;

export interface RecommendInput {
  inventory: Inventory;
  usage: UsageSource[];
  config: StackfitConfig;
  catalog: Catalog;
  /** End of the look-back window (default: now). */
  now?: Date;
}

export interface Recommendation {
  plan: Plan;
  /** Workloads no source could serve, with the cause (from every source). */
  missingUsage: { urn: string; reason: string }[];
  /** The sources' non-fatal findings (rows for unknown resources, instances without data), to show the user. */
  usageWarnings: string[];
}

/** vCPU / memory callbacks that usage sources use to turn percentages into cores and GiB. */
export function specsFrom(catalog: Catalog) {
  return {
    vcpuOf: (w: Workload) => currentOfferingOf(catalog, w)?.vcpu,
    memoryGiBOf: (w: Workload) => currentOfferingOf(catalog, w)?.memoryGiB,
  };
}

/** Runs every usage source over the look-back window (see usage/fetch.ts: failures stay with their source). */
export async function readUsage(sources: UsageSource[], workloads: Workload[], config: StackfitConfig, now: Date): Promise<UsageResult> {
  // The window ends on the hour: runs within the same hour ask for the same range, so the
  // usage cache answers them, and a half-filled last interval is never read.
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const range = {
    start: new Date(end - config.lookbackDays * 24 * HOUR_MS),
    end: new Date(end),
    stepSeconds: config.usage.stepSeconds ?? 300,
  };
  return fetchUsage(sources, workloads, range);
}

/** Steps 2–5 of the pipeline: usage → demand → candidates → plan. */
export async function recommend(input: RecommendInput): Promise<Recommendation> {
  const { inventory, config } = input;
  // The team's prices (pricing.discounts / commitment); a no-op without them, never applied twice.
  const catalog = withPricing(input.catalog, config.pricing);
  const now = input.now ?? new Date();
  const workloads = inventory.workloads;
  const usage = await readUsage(input.usage, workloads, config, now);

  const demands = new Map<string, Demand>();
  const candidates = new Map<string, Offering[]>();
  const current = new Map<string, Offering | undefined>();
  const rules = new Map<string, ResolvedRule>();
  for (const workload of workloads) {
    const rule = ruleFor(config, workload);
    rules.set(workload.urn, rule);
    const offering = currentOfferingOf(catalog, workload);
    current.set(workload.urn, offering);
    const series = usage.series.get(workload.urn);
    if (!series) continue;
    const demand = forecastDemand({ workload, usage: series, rule, now });
    const instancesNote = instanceEvidenceNote(series);
    if (instancesNote) demand.notes.push(instancesNote);
    demands.set(workload.urn, demand);
    if (demand.status === 'ok') candidates.set(workload.urn, candidatesFor({ workload, demand, rule, catalog, current: offering, perPlace: 1 }));
  }
  const plan = solvePlan({ workloads, demands, candidates, current, config, rules, skipped: inventory.skipped, stack: inventory.stack });
  addAlternatives(plan, rules, catalog);
  const served = new Set(usage.series.keys());
  return { plan, missingUsage: usage.missing.filter((m) => !served.has(m.urn)), usageWarnings: usage.warnings ?? [] };
}

/** How many runner-up sizes each recommendation lists. */
export const ALTERNATIVES_PER_ITEM = 2;

/**
 * Ranked options per recommendation, Compute-Optimizer style: the next cheapest feasible sizes
 * in the chosen place (one region: cheap even for 10,000 workloads).
 */
function addAlternatives(plan: Plan, rules: Map<string, ResolvedRule>, catalog: Catalog): void {
  for (const item of plan.items) {
    const { chosen, demand } = item;
    const rule = rules.get(item.urn);
    if (!chosen || !demand || demand.status !== 'ok' || !rule || rule.pin || item.action === 'keep') continue;
    const here: ResolvedRule = { ...rule, allowMove: true, clouds: [chosen.cloud], regions: { [chosen.cloud]: [chosen.region] } };
    item.alternatives = candidatesFor({ workload: item.workload, demand, rule: here, catalog, current: item.current })
      .filter((o) => o.size !== chosen.size)
      .slice(0, ALTERNATIVES_PER_ITEM)
      .map((offering) => ({ offering, monthly: offering.monthlyUsd * item.workload.count, risk: riskOf(offering, demand) }));
  }
}

/**
 * The catalog a command should price with: the shipped one, with the refreshed overlay of
 * `pricing.overlayDir` over it, at the team's prices (`pricing.discounts`, `commitment`).
 */
export function catalogForConfig(config: Pick<StackfitConfig, 'pricing'>, dir?: string): Catalog {
  const overlayDir = config.pricing?.overlayDir;
  return withPricing(loadCatalog(dir, overlayDir === undefined ? undefined : { overlayDir }), config.pricing);
}

export { packageRoot } from './package-root';

export { DEMO_STACKS } from './demo-stacks';

export interface Demo {
  inventory: Inventory;
  usage: UsageSource[];
  /** Path of the stack's config file, relative to the project root. */
  configFile: string;
  projectDir: string;
  projectName: string;
  /** The end of the recorded usage: the demo's "now". */
  now: Date;
}

/**
 * The embedded example: the root Pulumi project's stack (its program run under mocks, as a
 * preview without the CLI would), its recorded usage (real traces, see stacks/usage/README.md).
 */
export async function loadDemo(stack: string, catalog: Catalog = loadCatalog()): Promise<Demo> {
  const projectDir = packageRoot();
  if (!existsSync(path.join(projectDir, 'Pulumi.yaml'))) {
    // The published package ships the engine, not the example project (nor its Pulumi SDKs).
    throw new StackfitError('the demo runs the example Pulumi project of a stackfit source checkout (clone the repository, then npm ci); an installed package does not ship it', '--demo');
  }
  // The program's run is cached (keyed by program files, stack config and lockfile): loading the
  // three provider SDKs would otherwise cost seconds on every demo run.
  const inventory = await inventoryFromProgram({ projectDir, stack, cacheDir: path.join(projectDir, DEFAULT_CACHE_DIR, 'program') });
  const usagePath = path.join(projectDir, 'stacks', 'usage', `${stack}.csv`);
  const usage = [fileUsageSource(usagePath, specsFrom(catalog))];
  return {
    inventory,
    usage,
    configFile: path.join('stacks', `Pulumi.${stack}.yaml`),
    projectDir,
    projectName: 'stackfit-demo',
    now: DEMO_NOW,
  };
}

/** The recorded demo usage ends here (see scripts/build-demo-usage.ts). */
export const DEMO_NOW = new Date('2026-11-01T00:00:00Z');
