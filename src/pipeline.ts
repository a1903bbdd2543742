import { existsSync } from 'node:fs';
import path from 'node:path';
import { burstVerdict, candidatesFor, isBurstable } from './catalog/candidates';
import { currentPrice } from './catalog/views';
import { priceCaveats } from './catalog/price-notes';
import { loadCatalog } from './catalog';
import { capacityOf, currentOfferingOf } from './catalog/current';
import { withPricing } from './catalog/discounts';
import type { Catalog } from './catalog/types';
import { ruleFieldPath, ruleFor, type ResolvedRule } from './config/rules';
import type { StackfitConfig } from './config/schema';
import { forecastDemand } from './forecast';
import {
  StackfitError,
  type Demand,
  type Inventory,
  type Offering,
  type Plan,
  type UsageRange,
  type UsageSeries,
  type UsageSource,
  type Workload,
} from './model';
import { riskOf, solvePlan } from './optimize';
import { highsSolver, loadHighs } from './optimize/highs';
import { demandPerInstance, sizingOf } from './optimize/choices';
import { offeringKey } from './optimize/options';
import { loadEgressPrices } from './catalog/egress';
import { inventoryFromProgram } from './stack/demo';
import { fileUsageSource } from './usage/file';
import { fetchUsage, type FetchedUsage, type UsageSourceFailure } from './usage/fetch';
import { DEFAULT_CACHE_DIR } from './usage/cache';
import { packageRoot } from './package-root';
import { instanceEvidenceNote } from './usage/instances';
import { isPool, planPools, poolSourceFor } from './pools';
import type { PoolUsageSource } from './usage/prometheus/pools';
import { filePoolSource } from './usage/file/pools';
import { digestUsage } from './charts/series';
import { withMappedCount } from './gitops/mapping';

const HOUR_MS = 3_600_000;

export interface RecommendInput {
  inventory: Inventory;
  usage: UsageSource[];
  config: StackfitConfig;
  catalog: Catalog;
  /** End of the look-back window (default: now). */
  now?: Date;
  /** Metrics for node pools (default: from `pools.prometheus` or a prometheus:// usage source). */
  poolUsage?: PoolUsageSource;
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
    // For the implausible-usage warnings only: known even where the size has no price.
    capacityOf: (w: Workload) => capacityOf(catalog, w),
  };
}

/** Runs every usage source over the look-back window (see usage/fetch.ts: failures stay with their source). */
export async function readUsage(sources: UsageSource[], workloads: Workload[], config: StackfitConfig, now: Date): Promise<FetchedUsage> {
  // The window ends on the hour: runs within the same hour ask for the same range, so the
  // usage cache answers them, and a half-filled last interval is never read.
  return fetchUsage(sources, workloads, usageRange(config, now));
}

/** The look-back window: ends on the hour (see readUsage). */
export function usageRange(config: StackfitConfig, now: Date): UsageRange {
  const window = lookbackWindow(config, now);
  return {
    start: new Date(window.start),
    end: new Date(window.end),
    stepSeconds: config.usage.stepSeconds ?? 300,
  };
}

/** The look-back window (Unix ms) a run reads usage over. */
export function lookbackWindow(config: Pick<StackfitConfig, 'lookbackDays'>, now: Date): { start: number; end: number } {
  // The window ends on the hour: runs within the same hour ask for the same range, so the
  // usage cache answers them, and a half-filled last interval is never read.
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { start: end - config.lookbackDays * 24 * HOUR_MS, end };
}

/** Steps 2–5 of the pipeline: usage → demand → candidates → plan. */
export async function recommend(input: RecommendInput): Promise<Recommendation> {
  const { inventory, config } = input;
  // The team's prices (pricing.discounts / commitment); a no-op without them, never applied twice.
  const catalog = withPricing(input.catalog, config.pricing);
  const now = input.now ?? new Date();
  // A `mappings:` entry naming a count key makes that workload's count a decision (countRef).
  const workloads = inventory.workloads.map((w) => (isPool(w) ? w : withMappedCount(config, w, inventory.stack)));
  // Pools are sized from pool metrics (src/pools), not per-VM usage.
  const usage = await readUsage(
    input.usage,
    workloads.filter((w) => !isPool(w)),
    config,
    now,
  );
  // A source that failed says nothing about its workloads: planning on the rest would read the
  // failure as "nothing to recommend" (and `pr` would autoclose the open PRs). Refuse instead.
  if (usage.failures.length > 0) throw usageFailureError(usage.failures);

  const demands = new Map<string, Demand>();
  const candidates = new Map<string, Offering[]>();
  const current = new Map<string, Offering | undefined>();
  const rules = new Map<string, ResolvedRule>();
  const unpriced = new Map<string, string>();
  const currentUnfit = new Map<string, string>();
  const cpuUsage = new Map<string, UsageSeries['cpuCores']>();
  for (const workload of workloads) {
    const rule = ruleFor(config, workload);
    rules.set(workload.urn, rule);
    // What it pays today in its OS, or why that is unknown (never a Linux price for another OS).
    const priced = currentPrice(catalog, workload);
    const offering = 'offering' in priced ? priced.offering : undefined;
    if ('unpriced' in priced) unpriced.set(workload.urn, priced.unpriced);
    current.set(workload.urn, offering);
    const series = usage.series.get(workload.urn);
    if (!series) continue;
    const demand = forecastDemand({
      workload,
      usage: series,
      rule,
      now,
      ...(offering && { capacity: { vcpu: offering.vcpu, memoryGiB: offering.memoryGiB } }),
    });
    const instancesNote = instanceEvidenceNote(series);
    if (instancesNote) demand.notes.push(instancesNote);
    demand.usage = digestUsage(series, lookbackWindow(config, now));
    demands.set(workload.urn, demand);
    cpuUsage.set(workload.urn, series.cpuCores);
    if (offering && isBurstable(offering)) {
      const verdict = burstVerdict(offering, demand, series.cpuCores);
      if (verdict) {
        demand.notes.push(verdict.note);
        if (!verdict.ok) currentUnfit.set(workload.urn, verdict.note);
      }
    }
    if (offering && offering.capabilities === undefined) {
      // Without its capabilities nothing says what the workload may lose: no move is proposed.
      unpriced.set(
        workload.urn,
        `no capability data for ${workload.size} (${workload.cloud}): cannot tell which sizes it can run on, so none is proposed`,
      );
      continue;
    }
    if (demand.status === 'ok')
      candidates.set(workload.urn, candidatesOf(workload, demand, rule, catalog, offering, config, series.cpuCores));
  }
  const egress = loadEgressPrices();
  // A budget couples the workloads: its core MILP (when the exact DP outgrows its limits) goes to HiGHS.
  const coreSolver = config.budget.maxMonthlyCost !== undefined ? { name: 'HiGHS', solve: highsSolver(await loadHighs()) } : undefined;
  const plan = solvePlan({
    workloads,
    demands,
    candidates,
    current,
    config,
    rules,
    skipped: inventory.skipped,
    stack: inventory.stack,
    currentUnfit,
    ...(egress && { egress }),
    ...(coreSolver && { coreSolver }),
  });
  if (inventory.otherResources?.length) plan.otherResources = inventory.otherResources;
  addAlternatives(plan, rules, catalog, cpuUsage);
  explainPrices(plan, unpriced, cpuUsage);
  const pools = await planPools({
    plan,
    config,
    catalog,
    source: input.poolUsage ?? poolSourceFor(config, input.usage),
    range: usageRange(config, now),
  });
  const served = new Set(usage.series.keys());
  return {
    plan,
    missingUsage: [...usage.missing.filter((m) => !served.has(m.urn)), ...pools.missing],
    usageWarnings: [...(usage.warnings ?? []), ...pools.warnings],
  };
}

/**
 * Candidates for the optimiser: what fits the loosest per-instance need over the counts it may
 * choose (the most instances, `survive` of them lost); every size of the frontier per place when
 * the count is a decision (a different count may make a different size the cheapest), else the
 * cheapest per place.
 */
function candidatesOf(
  workload: Workload,
  demand: Demand,
  rule: ResolvedRule,
  catalog: Catalog,
  current: Offering | undefined,
  config: StackfitConfig,
  cpuUsage: UsageSeries['cpuCores'],
): Offering[] {
  const sizing = sizingOf(workload, rule, demand.allowDownsize);
  const most = sizing.counts[sizing.counts.length - 1]!;
  if (most <= sizing.survive) return [];
  const loosest = demandPerInstance(demand, workload.count, most, sizing.survive);
  // With risk priced, a dearer size in the same place may be worth its lower risk: keep the frontier.
  const cheapestOnly = !sizing.countDecided && sizing.riskAversion === 0 && config.budget.mode !== 'headroom';
  const cheapest = candidatesFor({ workload, demand: loosest, rule, catalog, current, cpuUsage, ...(cheapestOnly && { perPlace: 1 }) });
  if (!rule.pin && (sizing.minVcpu > 0 || sizing.minMemoryGiB > 0))
    checkMinimumSize(workload, loosest, rule, catalog, current, config, sizing);
  if (!cheapestOnly || !current) return cheapest;
  // The cheapest per place may break a step or size limit (an idle m5.8xlarge's cheapest fit is
  // 32× smaller than `maxStepDown` allows): then the cheapest within the limits is the option
  // (step 1 of N), and the first stays for the "step 1 of N" explanation.
  const n = sizing.counts[0]!;
  const floor = {
    vcpu: Math.max(sizing.minVcpu, (workload.count * current.vcpu) / (sizing.maxStepDown * n)),
    memoryGiB: Math.max(sizing.minMemoryGiB, (workload.count * current.memoryGiB) / (sizing.maxStepDown * n)),
  };
  // Most workloads: every cheapest size is within the limits, and nothing more is needed.
  if (cheapest.every((o) => o.vcpu >= floor.vcpu * (1 - 1e-9) && o.memoryGiB >= floor.memoryGiB * (1 - 1e-9))) return cheapest;
  const within = candidatesFor({ workload, demand: loosest, rule, catalog, current, cpuUsage, perPlace: 1, floor });
  const keys = new Set(cheapest.map(offeringKey));
  return [...cheapest, ...within.filter((o) => !keys.has(offeringKey(o)))];
}

/**
 * `minVcpu` / `minMemoryGiB` above every size the workload may run (its placement and family
 * rules, its demand): no change can meet them, which is a typo more often than a wish, so the
 * run stops naming the field rather than silently keeping today's size.
 */
function checkMinimumSize(
  workload: Workload,
  demand: Demand,
  rule: ResolvedRule,
  catalog: Catalog,
  current: Offering | undefined,
  config: StackfitConfig,
  sizing: { minVcpu: number; minMemoryGiB: number },
): void {
  const floor = { vcpu: sizing.minVcpu, memoryGiB: sizing.minMemoryGiB };
  if (candidatesFor({ workload, demand, rule, catalog, current, perPlace: 1, floor }).length > 0) return;
  const field = sizing.minVcpu > 0 ? 'minVcpu' : 'minMemoryGiB';
  const value = field === 'minVcpu' ? `${sizing.minVcpu} vCPU` : `${sizing.minMemoryGiB} GiB`;
  throw new StackfitError(
    `${field} ${value} exceeds every size ${workload.name} may run on (its placement, family and architecture rules${sizing.minVcpu > 0 && sizing.minMemoryGiB > 0 ? `, with minMemoryGiB ${sizing.minMemoryGiB}` : ''})`,
    `stackfit.yaml: ${ruleFieldPath(config, workload, field)}`,
  );
}

/**
 * One error for the failed usage sources. A single StackfitError (a broken usage file names its
 * file and line) is kept as it is; otherwise each source gets a line with its cause.
 */
export function usageFailureError(failures: readonly UsageSourceFailure[]): StackfitError {
  const only = failures.length === 1 ? failures[0]!.error : undefined;
  if (only instanceof StackfitError) return only;
  const lines = failures.map(({ source, error }) => `  ${source}: ${error instanceof Error ? error.message : String(error)}`);
  return new StackfitError(
    `${failures.length === 1 ? 'a usage source' : `${failures.length} usage sources`} failed, so no plan is made on incomplete usage:\n${lines.join('\n')}`,
  );
}

/** How many runner-up sizes each recommendation lists. */
export const ALTERNATIVES_PER_ITEM = 2;

/**
 * Ranked options per recommendation, Compute-Optimizer style: the next cheapest feasible sizes
 * in the chosen place (one region: cheap even for 10,000 workloads).
 */
function addAlternatives(
  plan: Plan,
  rules: Map<string, ResolvedRule>,
  catalog: Catalog,
  cpuUsage: Map<string, UsageSeries['cpuCores']>,
): void {
  for (const item of plan.items) {
    const { chosen, demand } = item;
    const rule = rules.get(item.urn);
    if (!chosen || !demand || demand.status !== 'ok' || !rule || rule.pin || item.action === 'keep') continue;
    const here: ResolvedRule = { ...rule, allowMove: true, clouds: [chosen.cloud], regions: { [chosen.cloud]: [chosen.region] } };
    // At the chosen count, with `survive` instances lost (as the optimiser sized it).
    const count = item.countAfter ?? item.workload.count;
    const survive = sizingOf(item.workload, rule, demand.allowDownsize).survive;
    if (count <= survive) continue;
    const need = demandPerInstance(demand, item.workload.count, count, survive);
    const normal = demandPerInstance(demand, item.workload.count, count, 0);
    const usage = cpuUsage.get(item.urn);
    item.alternatives = candidatesFor({
      workload: item.workload,
      demand: need,
      rule: here,
      catalog,
      current: item.current,
      ...(usage && { cpuUsage: usage }),
    })
      .filter((o) => o.size !== chosen.size)
      // The chosen size is the optimum under every rule (step limits, spread, survivability): a
      // cheaper size here broke one of them, so it is no alternative to offer.
      .filter((o) => item.monthlyAfter === undefined || o.monthlyUsd * count >= item.monthlyAfter - 1e-9)
      .slice(0, ALTERNATIVES_PER_ITEM)
      .map((offering) => ({ offering, monthly: offering.monthlyUsd * count, risk: riskOf(offering, normal) }));
  }
}

/**
 * The price evidence of each item: why a workload has no price (its own line, instead of a
 * generic "not in the catalog"), the credit check of a chosen burstable size, the eviction
 * caveat of a spot price and the licence of a Windows one.
 */
function explainPrices(plan: Plan, unpriced: Map<string, string>, cpuUsage: Map<string, UsageSeries['cpuCores']>): void {
  for (const item of plan.items) {
    const why = unpriced.get(item.urn);
    if (why !== undefined) {
      item.reason = item.current ? `${why}: ${item.current.size} stays` : `unpriced: ${why}`;
      continue;
    }
    const { chosen, demand } = item;
    const notes = priceCaveats(item, cpuUsage.get(item.urn));
    if (!chosen || !demand || chosen === item.current) {
      if (notes.length) item.reason = `${item.reason}; ${notes.join('; ')}`;
      continue;
    }
    if (isBurstable(chosen) && chosen.size !== item.current?.size) {
      const verdict = burstVerdict(chosen, demand, cpuUsage.get(item.urn));
      if (verdict) notes.push(verdict.note);
    }
    if (chosen.spot)
      notes.push(
        'spot price: interruptible, the VM can be evicted at any time (GCP preempts spot VMs with 30 s notice); provision it as spot to pay this',
      );
    if (chosen.os === 'windows') notes.push('Windows: price includes the Windows Server licence');
    if (chosen.imageLicence !== undefined) notes.push(`price includes the ${chosen.imageLicence} image licence`);
    if (notes.length) {
      item.reason = `${item.reason}; ${notes.join('; ')}`;
      demand.notes.push(...notes);
    }
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
  /** The stack's recorded node pool usage (`stacks/usage/<stack>-pools.json`), when it has pools. */
  poolUsage?: PoolUsageSource;
}

/**
 * The embedded example: the root Pulumi project's stack (its program run under mocks, as a
 * preview without the CLI would), its recorded usage (real traces, see stacks/usage/README.md).
 */
export async function loadDemo(stack: string, catalog: Catalog = loadCatalog()): Promise<Demo> {
  const projectDir = packageRoot();
  if (!existsSync(path.join(projectDir, 'Pulumi.yaml'))) {
    // The published package ships the engine, not the example project (nor its Pulumi SDKs).
    throw new StackfitError(
      'the demo runs the example Pulumi project of a stackfit source checkout (clone the repository, then npm ci); an installed package does not ship it',
      '--demo',
    );
  }
  // The program's run is cached (keyed by program files, stack config and lockfile): loading the
  // three provider SDKs would otherwise cost seconds on every demo run.
  const inventory = await inventoryFromProgram({ projectDir, stack, cacheDir: path.join(projectDir, DEFAULT_CACHE_DIR, 'program') });
  const usagePath = path.join(projectDir, 'stacks', 'usage', `${stack}.csv`);
  // A stack of node pools only (platform) has no per-VM usage file.
  const usage = existsSync(usagePath) || !inventory.workloads.every(isPool) ? [fileUsageSource(usagePath, specsFrom(catalog))] : [];
  const poolUsagePath = path.join(projectDir, 'stacks', 'usage', `${stack}-pools.json`);
  return {
    inventory,
    usage,
    ...(existsSync(poolUsagePath) && { poolUsage: filePoolSource(poolUsagePath) }),
    configFile: path.join('stacks', `Pulumi.${stack}.yaml`),
    projectDir,
    projectName: 'stackfit-demo',
    now: DEMO_NOW,
  };
}

/** The recorded demo usage ends here (see scripts/build-demo-usage.ts). */
export const DEMO_NOW = new Date('2026-11-01T00:00:00Z');
