import { StackfitError, type Demand, type Offering, type PlanAction, type SkippedResource, type Workload } from '../model';
import type { StackfitConfig } from '../config/schema';
import { ruleFor, type ResolvedRule } from '../config/rules';
import { compareOptions, offeringKey, placeOf, reduceOptions, type PlacementOption } from './options';
import type { LinearSolver, SpreadConstraint } from './milp';
import { describeDemand } from './risk';
import { checkCountRules, countLevels, keptOfferings, makeOption, sizingOf, type OptionContext } from './choices';
import type { EgressPrices } from '../catalog/egress';
import { colocateGroups, type Colocation } from './colocate';

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
  /** Egress list prices for the data a move copies (`loadEgressPrices`); absent: from config only, else unknown. */
  egress?: EgressPrices;
  /** Workloads whose current size cannot carry their demand for a reason vCPUs do not show (a burstable size's credits), by URN. */
  currentUnfit?: ReadonlyMap<string, string>;
  /**
   * The MILP solver for the budget core when the Pareto DP outgrows its limits (default yalps).
   * The pipeline passes HiGHS when a budget is set (`loadHighs`, src/optimize/highs.ts): measured
   * faster and exact where yalps times out (docs/optimizer.md, bench/solver-compare.ts).
   */
  coreSolver?: { name: string; solve: LinearSolver };
  /** Most partial plans the Pareto DP keeps before handing the core to the MILP solver (default 200,000; 0 forces the MILP). */
  paretoStateLimit?: number;
}

export type { Fixed, Free } from './units';
import type { Fixed, Free } from './units';

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
  /** Decision units outside every spread group: free workloads, and one unit per colocated group. */
  ungrouped: Free[];
  colocations: Colocation[];
  /** Every decision unit: `ungrouped` and the spread groups' members. */
  decisions: Free[];
}

function placementAllowed(rule: ResolvedRule, offering: Offering): boolean {
  if (!rule.clouds.includes(offering.cloud)) return false;
  const regions = rule.regions[offering.cloud];
  return !regions || regions.includes(offering.region);
}

/** A change whose saving misses either threshold is noise: the workload keeps its size instead. */
function isNoise(option: PlacementOption, currentMonthly: number, config: StackfitConfig): boolean {
  const saving = currentMonthly - option.monthly;
  if (saving < 0) return false; // a dearer option is only ever taken when a rule forces it
  const percent = currentMonthly > 0 ? (saving / currentMonthly) * 100 : 0;
  return saving < config.thresholds.minMonthlyDeltaUsd || percent < config.thresholds.minDeltaPercent;
}

/**
 * A move pays when its one-off cost is paid back by the monthly saving within
 * `migration.maxPaybackMonths`, against staying: today's cost, or (when today's size no longer
 * fits) the cheapest option in today's place.
 */
function paysBack(option: PlacementOption, stayMonthly: number | undefined, config: StackfitConfig): boolean {
  if (option.migration <= 0 || stayMonthly === undefined) return true;
  const saving = stayMonthly - option.monthly;
  return saving > 0 && option.migration / saving <= config.migration.maxPaybackMonths + 1e-9;
}

/** Classifies one workload: free (with its options) or fixed (with the reason it stays). */
function classify(input: PlanInput, workload: Workload, index: number): Free | Fixed {
  const { config } = input;
  const current = input.current.get(workload.urn);
  const demand = input.demands.get(workload.urn);
  const rule = input.rules.get(workload.urn) ?? ruleFor(config, workload);
  checkCountRules(config, workload, rule);
  const fix = (action: PlanAction, reason: string): Fixed => ({ index, workload, current, demand, action, reason });
  if (!current)
    return fix(
      'no-recommendation',
      `current size ${workload.size} is not in the catalog${workload.region ? ` for ${workload.cloud}/${workload.region}` : ''}`,
    );
  if (rule.pin) return fix('keep', `pinned by rule: ${current.size} stays`);
  if (!demand) return fix('no-recommendation', 'no usage data: nothing to size on');
  if (demand.status === 'insufficient-history') {
    return fix(
      'no-recommendation',
      `only ${demand.historyHours.toFixed(0)} h of usage history (needs ${rule.minHistoryHours} h): ${current.size} stays`,
    );
  }
  const sizing = sizingOf(workload, rule, demand.allowDownsize);
  const levels = countLevels(demand, workload.count, sizing);
  if (levels.length === 0)
    return fix(
      'no-recommendation',
      `survive: ${sizing.survive} needs more than ${sizing.survive} instance(s), and the count is ${workload.count}: ${current.size} stays`,
    );
  const todayLevel = levels.find((l) => l.n === workload.count);
  const currentFits =
    todayLevel !== undefined &&
    current.vcpu >= todayLevel.needCpu * (1 - 1e-9) &&
    current.memoryGiB >= todayLevel.needMemory * (1 - 1e-9) &&
    !input.currentUnfit?.has(workload.urn);
  const offered = input.candidates.get(workload.urn) ?? [];
  const currentKey = offeringKey(current);
  const keepable = currentFits && (placementAllowed(rule, current) || offered.some((o) => offeringKey(o) === currentKey));
  const ctx: OptionContext = { workload, current, config, sizing, ...(input.egress && { egress: input.egress }) };
  const kept = keptOfferings(ctx, demand, levels, offered, keepable);
  const unfiltered: PlacementOption[] = [];
  const seen = new Set<string>();
  for (const { offering, level } of kept.offerings) {
    const key = `${offeringKey(offering)}×${level.n}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unfiltered.push(makeOption(offering, level, ctx));
  }
  if (unfiltered.length === 0) {
    return fix(
      'no-recommendation',
      `${describeDemand(demand, current)}; no offering fits within the rules${currentFits ? '' : ` and ${current.size} itself is too small`}: ${current.size} stays`,
    );
  }
  const currentMonthly = current.monthlyUsd * workload.count;
  const home = placeOf(current.cloud, current.region);
  const inPlace = unfiltered.filter((o) => o.place === home);
  const stayMonthly = keepable ? currentMonthly : inPlace.length ? Math.min(...inPlace.map((o) => o.monthly)) : undefined;
  const groupRule = workload.group !== undefined ? config.groups[workload.group] : undefined;
  const inSpreadGroup = (groupRule?.minClouds ?? 1) > 1 || (groupRule?.minRegions ?? 1) > 1;
  // A colocated group's moves pay back as a group (src/optimize/colocate.ts), not member by member.
  const exempt = inSpreadGroup || groupRule?.colocate === true;
  let bestNoise: PlacementOption | undefined;
  const filtered = unfiltered.filter((o) => {
    if (o.isCurrent) return true;
    // A spread rule may need a move that does not pay back (the reason then names the group).
    if (!exempt && !paysBack(o, stayMonthly, config)) return false;
    if (!keepable || !isNoise(o, currentMonthly, config)) return true;
    if (!bestNoise || compareOptions(o, bestNoise) < 0) bestNoise = o;
    return false;
  });
  // Nothing left (today's size no longer fits and no move pays back): the rules give way, as for the thresholds.
  const free: Free = {
    index,
    workload,
    current,
    demand,
    sizing,
    filtered: filtered.length ? filtered : unfiltered,
    unfiltered,
    options: filtered.length ? filtered : unfiltered,
    bestNoise,
    currentFits,
    ...(stayMonthly !== undefined && { stayMonthly }),
  };
  if (kept.beyondStep) free.beyondStep = makeOption(kept.beyondStep.offering, kept.beyondStep.level, ctx);
  if (sizing.countDecided) {
    free.atTodayCount = new Map();
    for (const o of unfiltered) {
      const best = free.atTodayCount.get(o.place);
      if (o.count === workload.count && (!best || compareOptions(o, best) < 0)) free.atTodayCount.set(o.place, o);
    }
  }
  return free;
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
  if (input.config.budget.mode === 'headroom') priceRiskLexicographically(input.config, frees);
  const colocations = colocateGroups(input.config, frees, fixeds);
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
  const units = colocations.map((c) => c.unit);
  for (const unit of units) {
    unit.filtered = reduceOptions(unit.filtered, { sameCloudOnly: false, keepPerScope: 1 });
    unit.unfiltered = reduceOptions(unit.unfiltered, { sameCloudOnly: false, keepPerScope: 1 });
    unit.options = unit.filtered;
  }
  const ungrouped = [...frees.filter((f) => f.spread === undefined && f.colocate === undefined), ...units];
  return { frees, fixeds, spreads, ungrouped, colocations, decisions: [...ungrouped, ...spreads.flatMap((s) => s.members)] };
}

/**
 * Budget mode `headroom`: the least risk first, then the least cost. Each instance's risk level
 * is priced above any cost difference the plan can make (the sum over workloads of their
 * options' objective range), so the budget buys headroom before it saves money.
 */
function priceRiskLexicographically(config: StackfitConfig, frees: readonly Free[]): void {
  if (config.budget.maxMonthlyCost === undefined) {
    throw new StackfitError('budget.mode headroom spends a budget: set budget.maxMonthlyCost too', 'stackfit.yaml: budget.mode');
  }
  let range = 0;
  for (const f of frees) {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const o of f.unfiltered) {
      low = Math.min(low, o.objective);
      high = Math.max(high, o.objective);
    }
    range += high - low;
  }
  const pricePerLevel = Math.ceil(range + 1);
  for (const f of frees) for (const o of f.unfiltered) o.objective += pricePerLevel * o.risk * o.count;
}
