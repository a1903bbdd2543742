import type { Demand, Offering, PlanAction, SkippedResource, Workload } from '../model';
import type { StackfitConfig } from '../config/schema';
import { ruleFor, type ResolvedRule } from '../config/rules';
import { compareOptions, offeringKey, placeOf, reduceOptions, type PlacementOption } from './options';
import type { SpreadConstraint } from './milp';
import { describeDemand, fitsDemand } from './risk';

/**
 * Model building: turns the pipeline's inputs into the optimisation problem — the workloads
 * the solver chooses for (with their options), the ones that stay, and the spread groups.
 */

export interface PlanInput {
  workloads: readonly Workload[];
  /** Demand per workload URN (absent: no usage data). */
  demands: ReadonlyMap<string, Demand>;
  /** Feasible offerings per workload URN (from `candidatesFor`); may include the current one. */
  candidates: ReadonlyMap<string, readonly Offering[]>;
  /** Current offering per workload URN; undefined when the current size has no price. */
  current: ReadonlyMap<string, Offering | undefined>;
  config: StackfitConfig;
  /** Resolved rules per workload URN; missing entries are resolved from `config`. */
  rules: ReadonlyMap<string, ResolvedRule>;
  skipped?: readonly SkippedResource[];
  stack?: string;
  /** Time limit for one branch-and-bound solve (ms); the plan reports status 'feasible' with its gap when hit. */
  timeoutMs?: number;
}

/** A workload the solver chooses for. */
export interface Free {
  index: number;
  workload: Workload;
  current: Offering;
  demand: Demand;
  /** Options with the noise thresholds applied, and without (used when a constraint needs them). */
  filtered: PlacementOption[];
  unfiltered: PlacementOption[];
  options: PlacementOption[];
  /** The cheapest change the thresholds removed (for the reason text). */
  bestNoise?: PlacementOption;
  currentFits: boolean;
  spread?: number;
}

/** A workload that stays as it is (no demand, pinned, unpriced, nothing fits). */
export interface Fixed {
  index: number;
  workload: Workload;
  current?: Offering;
  demand?: Demand;
  action: PlanAction;
  reason: string;
}

export interface Spread {
  name: string;
  minClouds: number;
  minRegions: number;
  members: Free[];
  fixedMembers: Fixed[];
  constraint: SpreadConstraint;
}

export interface Problem {
  frees: Free[];
  fixeds: Fixed[];
  spreads: Spread[];
  /** Free workloads outside every spread group. */
  ungrouped: Free[];
}

function placementAllowed(rule: ResolvedRule, offering: Offering): boolean {
  if (!rule.clouds.includes(offering.cloud)) return false;
  const regions = rule.regions[offering.cloud];
  return !regions || regions.includes(offering.region);
}

export function makeOption(offering: Offering, workload: Workload, current: Offering, config: StackfitConfig): PlacementOption {
  const count = workload.count;
  const migration =
    offering.cloud !== current.cloud
      ? config.migration.crossCloudCostPerInstance * count
      : offering.region !== current.region
        ? config.migration.crossRegionCostPerInstance * count
        : 0;
  const monthly = offering.monthlyUsd * count;
  return {
    offering,
    cloud: offering.cloud,
    place: placeOf(offering.cloud, offering.region),
    monthly,
    migration,
    objective: monthly + migration / config.migration.amortizeMonths,
    isCurrent: offeringKey(offering) === offeringKey(current),
  };
}

/** A change whose saving misses either threshold is noise: the workload keeps its size instead. */
function isNoise(option: PlacementOption, currentMonthly: number, config: StackfitConfig): boolean {
  const saving = currentMonthly - option.monthly;
  if (saving < 0) return false; // a dearer option is only ever taken when a rule forces it
  const percent = currentMonthly > 0 ? (saving / currentMonthly) * 100 : 0;
  return saving < config.thresholds.minMonthlyDeltaUsd || percent < config.thresholds.minDeltaPercent;
}

/**
 * Only the cheapest offering per place can be optimal (docs/optimizer.md); keep also the cheapest
 * one dearer than today per place, which is what remains of a place when the thresholds drop its
 * cheapest. This loop sees every candidate of every workload (hundreds each): no allocation per offering.
 */
function keptOfferings(current: Offering, demand: Demand, offered: readonly Offering[], keepable: boolean): Offering[] {
  const currentMonthlyEach = current.monthlyUsd;
  const minVcpu = demand.cpu.required - 1e-9 * Math.max(1, demand.cpu.required);
  const minMemory = demand.memory ? demand.memory.required - 1e-9 * Math.max(1, demand.memory.required) : Number.NEGATIVE_INFINITY;
  const noDownsize = !demand.allowDownsize;
  const isCurrent = (o: Offering): boolean => o.size === current.size && o.region === current.region && o.cloud === current.cloud;
  const better = (a: Offering, b: Offering | undefined): boolean =>
    !b || a.monthlyUsd < b.monthlyUsd || (a.monthlyUsd === b.monthlyUsd && (isCurrent(a) || (!isCurrent(b) && a.size < b.size)));
  // cloud → region → [cheapest, cheapest dearer than today]
  const perPlace = new Map<string, Map<string, [Offering | undefined, Offering | undefined]>>();
  const consider = (o: Offering): void => {
    // Defensive re-checks of what candidatesFor guarantees: fits the demand, no downsize when not allowed.
    if (o.vcpu < minVcpu || o.memoryGiB < minMemory) return;
    if (noDownsize && (o.vcpu < current.vcpu || o.memoryGiB < current.memoryGiB) && !isCurrent(o)) return;
    let regions = perPlace.get(o.cloud);
    if (!regions) perPlace.set(o.cloud, (regions = new Map()));
    let best = regions.get(o.region);
    if (!best) regions.set(o.region, (best = [undefined, undefined]));
    if (better(o, best[0])) best[0] = o;
    if (o.monthlyUsd > currentMonthlyEach && better(o, best[1])) best[1] = o;
  };
  if (keepable) consider(current);
  for (let i = 0; i < offered.length; i++) consider(offered[i]!);
  const kept: Offering[] = keepable ? [current] : [];
  for (const regions of perPlace.values()) {
    for (const [cheapest, dearer] of regions.values()) {
      if (cheapest) kept.push(cheapest);
      if (dearer) kept.push(dearer);
    }
  }
  return kept;
}

/** Classifies one workload: free (with its options) or fixed (with the reason it stays). */
function classify(input: PlanInput, workload: Workload, index: number): Free | Fixed {
  const { config } = input;
  const current = input.current.get(workload.urn);
  const demand = input.demands.get(workload.urn);
  const rule = input.rules.get(workload.urn) ?? ruleFor(config, workload);
  const fix = (action: PlanAction, reason: string): Fixed => ({ index, workload, current, demand, action, reason });
  if (!current) return fix('no-recommendation', `current size ${workload.size} is not in the catalog${workload.region ? ` for ${workload.cloud}/${workload.region}` : ''}`);
  if (rule.pin) return fix('keep', `pinned by rule: ${current.size} stays`);
  if (!demand) return fix('no-recommendation', 'no usage data: nothing to size on');
  if (demand.status === 'insufficient-history') {
    return fix('no-recommendation', `only ${demand.historyHours.toFixed(0)} h of usage history (needs ${rule.minHistoryHours} h): ${current.size} stays`);
  }
  const currentFits = fitsDemand(current, demand);
  const offered = input.candidates.get(workload.urn) ?? [];
  const currentKey = offeringKey(current);
  const keepable = currentFits && (placementAllowed(rule, current) || offered.some((o) => offeringKey(o) === currentKey));
  const unfiltered: PlacementOption[] = [];
  const seen = new Set<string>();
  for (const offering of keptOfferings(current, demand, offered, keepable)) {
    const key = offeringKey(offering);
    if (seen.has(key)) continue;
    seen.add(key);
    unfiltered.push(makeOption(offering, workload, current, config));
  }
  if (unfiltered.length === 0) {
    return fix(
      'no-recommendation',
      `${describeDemand(demand, current)}; no offering fits within the rules${currentFits ? '' : ` and ${current.size} itself is too small`}: ${current.size} stays`,
    );
  }
  const currentMonthly = current.monthlyUsd * workload.count;
  let bestNoise: PlacementOption | undefined;
  const filtered = keepable
    ? unfiltered.filter((o) => {
        if (o.isCurrent || !isNoise(o, currentMonthly, config)) return true;
        if (!bestNoise || compareOptions(o, bestNoise) < 0) bestNoise = o;
        return false;
      })
    : unfiltered;
  return { index, workload, current, demand, filtered, unfiltered, options: filtered, bestNoise, currentFits };
}

/** The spread rules: one per group that asks for more than one cloud or region. */
function buildSpreads(config: StackfitConfig, fixeds: readonly Fixed[]): { spreads: Spread[]; byGroup: Map<string, Spread> } {
  const spreads: Spread[] = [];
  const byGroup = new Map<string, Spread>();
  for (const [name, rule] of Object.entries(config.groups)) {
    const minClouds = rule.minClouds ?? 1;
    const minRegions = rule.minRegions ?? 1;
    if (minClouds <= 1 && minRegions <= 1) continue;
    const spread: Spread = {
      name,
      minClouds,
      minRegions,
      members: [],
      fixedMembers: [],
      constraint: { minClouds, minRegions, fixedClouds: new Set(), fixedPlaces: new Set() },
    };
    spreads.push(spread);
    byGroup.set(name, spread);
  }
  for (const fixed of fixeds) {
    const spread = fixed.workload.group !== undefined ? byGroup.get(fixed.workload.group) : undefined;
    if (!spread) continue;
    spread.fixedMembers.push(fixed);
    const cloud = fixed.current?.cloud ?? fixed.workload.cloud;
    (spread.constraint.fixedClouds as Set<string>).add(cloud);
    const region = fixed.current?.region ?? fixed.workload.region;
    if (region) (spread.constraint.fixedPlaces as Set<string>).add(placeOf(cloud, region));
  }
  return { spreads, byGroup };
}

/** Builds the problem: free and fixed workloads, spread groups, and each free workload's exactly reduced options. */
export function buildProblem(input: PlanInput): Problem {
  const frees: Free[] = [];
  const fixeds: Fixed[] = [];
  input.workloads.forEach((workload, index) => {
    const classified = classify(input, workload, index);
    if ('action' in classified) fixeds.push(classified);
    else frees.push(classified);
  });
  const { spreads, byGroup } = buildSpreads(input.config, fixeds);
  for (const free of frees) {
    const spread = free.workload.group !== undefined ? byGroup.get(free.workload.group) : undefined;
    if (spread) {
      free.spread = spreads.indexOf(spread);
      spread.members.push(free);
    }
    const scope = spread
      ? { sameCloudOnly: spread.minClouds > 1, keepPerScope: Math.max(1, spread.minRegions) }
      : { sameCloudOnly: false, keepPerScope: 1 };
    free.filtered = reduceOptions(free.filtered, scope);
    free.unfiltered = reduceOptions(free.unfiltered, scope);
    free.options = free.filtered;
  }
  return { frees, fixeds, spreads, ungrouped: frees.filter((f) => f.spread === undefined) };
}
