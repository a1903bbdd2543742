import { performance } from 'node:perf_hooks';
import type { Demand, Offering, Plan, PlanAction, PlanItem, Risk, SkippedResource, Workload } from '../model';
import { StackfitError } from '../model';
import type { StackfitConfig } from '../config/schema';
import { ruleFor, type ResolvedRule } from '../config/rules';
import { argminObjective, compareOptions, offeringKey, placeOf, reduceOptions, type PlacementOption } from './options';
import { solveBlock, type ChoiceClass, type ChoiceItem, type SpreadConstraint } from './milp';
import { describeDemand, fitsDemand, isSmaller, riskOf } from './risk';
import { classSplits, paretoKnapsack, type StageChoice } from './budget';

export { riskOf, fitsDemand, describeDemand, RISK_UTILISATION_CEILINGS } from './risk';
export type { PlacementOption } from './options';

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
  /** Workloads whose current size cannot carry their demand for a reason vCPUs do not show (a burstable size's credits), by URN. */
  currentUnfit?: ReadonlyMap<string, string>;
}

/** A workload the solver chooses for. */
interface Free {
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
interface Fixed {
  index: number;
  workload: Workload;
  current?: Offering;
  demand?: Demand;
  action: PlanAction;
  reason: string;
}

interface Spread {
  name: string;
  minClouds: number;
  minRegions: number;
  members: Free[];
  fixedMembers: Fixed[];
  constraint: SpreadConstraint;
}

const EPS = 1e-7;
const usd = (value: number): string => value.toFixed(2);

function placementAllowed(rule: ResolvedRule, offering: Offering): boolean {
  if (!rule.clouds.includes(offering.cloud)) return false;
  const regions = rule.regions[offering.cloud];
  return !regions || regions.includes(offering.region);
}

function makeOption(offering: Offering, workload: Workload, current: Offering, config: StackfitConfig): PlacementOption {
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

function describeRules(rules: readonly ResolvedRule[]): string {
  const parts = new Set<string>();
  for (const rule of rules) {
    if (!rule.allowMove) parts.add('allowMove=false');
    parts.add(`placement.clouds=[${rule.clouds.join(', ')}]`);
    for (const [cloud, regions] of Object.entries(rule.regions)) parts.add(`placement.regions.${cloud}=[${(regions ?? []).join(', ')}]`);
  }
  return [...parts].join('; ');
}

/** Largest number of distinct keys the members can cover (fixed keys count as covered): bipartite matching. */
function maxDistinct(memberKeys: readonly (readonly string[])[], fixedKeys: ReadonlySet<string>, needed: number): number {
  const target = needed - fixedKeys.size;
  if (target <= 0) return fixedKeys.size;
  const owner = new Map<string, number>();
  const tryAssign = (member: number, visited: Set<string>): boolean => {
    for (const key of memberKeys[member] ?? []) {
      if (fixedKeys.has(key) || visited.has(key)) continue;
      visited.add(key);
      const holder = owner.get(key);
      if (holder === undefined || tryAssign(holder, visited)) {
        owner.set(key, member);
        return true;
      }
    }
    return false;
  };
  let matched = 0;
  for (let m = 0; m < memberKeys.length && matched < target; m++) if (tryAssign(m, new Set())) matched++;
  return fixedKeys.size + matched;
}

/** Checks one spread rule in isolation; returns a message naming the rule when it cannot be met. */
function diagnoseSpread(spread: Spread, rules: ReadonlyMap<string, ResolvedRule>): string | undefined {
  const check = (what: 'clouds' | 'regions', needed: number, keyOf: (o: PlacementOption) => string, fixed: ReadonlySet<string>) => {
    if (needed <= 1) return undefined;
    const memberKeys = spread.members.map((m) => [...new Set(m.options.map(keyOf))]);
    const reachable = maxDistinct(memberKeys, fixed, needed);
    if (reachable >= needed) return undefined;
    const span = new Set([...fixed, ...memberKeys.flat()]);
    const memberRules = spread.members.map((m) => rules.get(m.workload.urn)).filter((r): r is ResolvedRule => !!r);
    const stuck = spread.fixedMembers.length ? `; ${spread.fixedMembers.length} member(s) stay where they are` : '';
    const rulesText = memberRules.length ? ` (rules: ${describeRules(memberRules)}${stuck})` : stuck ? ` (${stuck.slice(2)})` : '';
    if (span.size < needed) {
      return `group ${spread.name} needs ${needed} ${what} but its workloads' candidates span only ${[...span].sort().join(', ') || 'nothing'}${rulesText}`;
    }
    return `group ${spread.name} needs ${needed} ${what} but its ${spread.members.length + spread.fixedMembers.length} workload(s) can cover at most ${reachable} of ${[...span].sort().join(', ')}${rulesText}`;
  };
  return (
    check('clouds', spread.minClouds, (o) => o.cloud, spread.constraint.fixedClouds) ??
    check('regions', spread.minRegions, (o) => o.place, spread.constraint.fixedPlaces)
  );
}

/**
 * Every assignment of a spread group's members to their options that meets the spread rule and
 * whose value Σ (objective + λ·monthly) is within `maxReduced` of the group minimum `base`;
 * undefined when there are more than `limit`.
 */
function groupAssignments(
  options: readonly (readonly PlacementOption[])[],
  constraint: SpreadConstraint,
  lambda: number,
  base: number,
  maxReduced: number,
  limit: number,
): { picks: number[]; monthly: number; objective: number; reduced: number }[] | undefined {
  const value = (o: PlacementOption) => o.objective + lambda * o.monthly;
  const floorsFrom = new Array<number>(options.length + 1).fill(0);
  for (let i = options.length - 1; i >= 0; i--) floorsFrom[i] = floorsFrom[i + 1]! + minValue(options[i]!, lambda);
  const tolerance = 1e-7 * Math.max(1, Math.abs(base));
  const out: { picks: number[]; monthly: number; objective: number; reduced: number }[] = [];
  const picks: number[] = [];
  let overflow = false;
  const walk = (i: number, sum: number): void => {
    if (overflow) return;
    if (sum + floorsFrom[i]! - base > maxReduced + tolerance) return;
    if (i === options.length) {
      const chosenOptions = picks.map((j, k) => options[k]![j]!);
      const clouds = new Set([...constraint.fixedClouds, ...chosenOptions.map((o) => o.cloud)]);
      const places = new Set([...constraint.fixedPlaces, ...chosenOptions.map((o) => o.place)]);
      if (clouds.size < constraint.minClouds || places.size < constraint.minRegions) return;
      out.push({
        picks: [...picks],
        monthly: chosenOptions.reduce((t, o) => t + o.monthly, 0),
        objective: chosenOptions.reduce((t, o) => t + o.objective, 0),
        reduced: Math.max(0, sum - base),
      });
      if (out.length > limit) overflow = true;
      return;
    }
    options[i]!.forEach((o, j) => {
      picks[i] = j;
      walk(i + 1, sum + value(o));
    });
    picks.length = i;
  };
  walk(0, 0);
  return overflow ? undefined : out;
}

/** Breakpoints of f(λ) = min over options of (objective + λ·monthly): where the argmin drops to a cheaper monthly cost. */
function envelopeBreakpoints(options: readonly PlacementOption[], out: { lambda: number; slopeDrop: number }[]): number {
  let current = argminObjective(options);
  if (!current) return 0;
  const start = current.monthly;
  let lambda = 0;
  for (;;) {
    let next: PlacementOption | undefined;
    let nextLambda = Number.POSITIVE_INFINITY;
    for (const o of options) {
      if (o.monthly >= current.monthly - EPS) continue;
      const at = Math.max(lambda, (o.objective - current.objective) / (current.monthly - o.monthly));
      if (at < nextLambda - 1e-12 || (Math.abs(at - nextLambda) <= 1e-12 && next && o.monthly < next.monthly)) {
        next = o;
        nextLambda = at;
      }
    }
    if (!next) return start;
    out.push({ lambda: nextLambda, slopeDrop: current.monthly - next.monthly });
    current = next;
    lambda = nextLambda;
  }
}

const minValue = (options: readonly PlacementOption[], lambda: number): number => {
  let best = Number.POSITIVE_INFINITY;
  for (const o of options) best = Math.min(best, o.objective + lambda * o.monthly);
  return best;
};

/**
 * Plans the stack: one offering per workload, minimising monthly cost plus amortised migration
 * cost under the budget, spread and placement rules. Exact (see docs/optimizer.md for how the
 * problem is decomposed without losing optimality). Throws a StackfitError naming the rule when
 * no plan can meet the rules.
 */
export function solvePlan(input: PlanInput): Plan {
  const started = performance.now();
  const { config } = input;
  const ruleOf = (w: Workload): ResolvedRule => input.rules.get(w.urn) ?? ruleFor(config, w);

  const frees: Free[] = [];
  const fixeds: Fixed[] = [];
  input.workloads.forEach((workload, index) => {
    const current = input.current.get(workload.urn);
    const demand = input.demands.get(workload.urn);
    const rule = ruleOf(workload);
    const fix = (action: PlanAction, reason: string): void => {
      fixeds.push({ index, workload, current, demand, action, reason });
    };
    if (!current) return fix('no-recommendation', `current size ${workload.size} is not in the catalog${workload.region ? ` for ${workload.cloud}/${workload.region}` : ''}`);
    if (rule.pin) return fix('keep', `pinned by rule: ${current.size} stays`);
    if (!demand) return fix('no-recommendation', 'no usage data: nothing to size on');
    if (demand.status === 'insufficient-history') {
      return fix('no-recommendation', `only ${demand.historyHours.toFixed(0)} h of usage history (needs ${rule.minHistoryHours} h): ${current.size} stays`);
    }
    const currentFits = fitsDemand(current, demand) && !input.currentUnfit?.has(workload.urn);
    const offered = input.candidates.get(workload.urn) ?? [];
    const currentKey = offeringKey(current);
    const keepable = currentFits && (placementAllowed(rule, current) || offered.some((o) => offeringKey(o) === currentKey));
    // Only the cheapest offering per place can be optimal (docs/optimizer.md); keep also the cheapest
    // one dearer than today per place, which is what remains of a place when the thresholds drop its cheapest.
    // This loop sees every candidate of every workload (hundreds each): no allocation per offering.
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
    const unfiltered: PlacementOption[] = [];
    const seen = new Set<string>();
    for (const offering of kept) {
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
    frees.push({ index, workload, current, demand, filtered, unfiltered, options: filtered, bestNoise, currentFits });
  });

  // Spread rules: one per group that asks for more than one cloud or region.
  const spreads: Spread[] = [];
  const spreadOfGroup = new Map<string, Spread>();
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
    spreadOfGroup.set(name, spread);
  }
  for (const fixed of fixeds) {
    const spread = fixed.workload.group !== undefined ? spreadOfGroup.get(fixed.workload.group) : undefined;
    if (!spread) continue;
    spread.fixedMembers.push(fixed);
    const cloud = fixed.current?.cloud ?? fixed.workload.cloud;
    (spread.constraint.fixedClouds as Set<string>).add(cloud);
    const region = fixed.current?.region ?? fixed.workload.region;
    if (region) (spread.constraint.fixedPlaces as Set<string>).add(placeOf(cloud, region));
  }
  const reduceFor = (free: Free, spread: Spread | undefined): void => {
    const scope = spread
      ? { sameCloudOnly: spread.minClouds > 1, keepPerScope: Math.max(1, spread.minRegions) }
      : { sameCloudOnly: false, keepPerScope: 1 };
    free.filtered = reduceOptions(free.filtered, scope);
    free.unfiltered = reduceOptions(free.unfiltered, scope);
    free.options = free.filtered;
  };
  for (const free of frees) {
    const spread = free.workload.group !== undefined ? spreadOfGroup.get(free.workload.group) : undefined;
    if (spread) {
      free.spread = spreads.indexOf(spread);
      spread.members.push(free);
    }
    reduceFor(free, spread);
  }
  const ungrouped = frees.filter((f) => f.spread === undefined);
  const spreadItems = (spread: Spread): ChoiceItem[] => spread.members.map((m) => ({ options: m.options, spread: 0 }));

  // 1. Each spread rule in isolation. Thresholds give way when they are what makes a rule unmeetable.
  for (const spread of spreads) {
    // A group whose members all stay put has nothing to decide: its rule is not this run's to meet.
    if (spread.members.length === 0 || !diagnoseSpread(spread, input.rules)) continue;
    for (const m of spread.members) m.options = m.unfiltered;
    const message = diagnoseSpread(spread, input.rules);
    if (message) throw new StackfitError(message, `stackfit.yaml: groups.${spread.name}`);
  }

  const fixedMonthly = fixeds.reduce((sum, f) => sum + (f.current ? f.current.monthlyUsd * f.workload.count : 0), 0);
  const budget = config.budget.maxMonthlyCost;
  const timeoutMs = input.timeoutMs ?? 60_000;
  let status: Plan['solver']['status'] = frees.length === 0 ? 'trivial' : 'optimal';
  const chosen = new Map<Free, PlacementOption>();
  let lpBound = 0; // over the free workloads; the fixed cost is added at the end

  // 2. The decomposition: every ungrouped workload alone, every spread group alone.
  const solveGroup = (spread: Spread, extra: { lambda?: number; cheapest?: boolean; relax?: boolean } = {}) => {
    let solution = solveBlock({ items: spreadItems(spread), spreads: [spread.constraint], timeoutMs, ...extra });
    if (solution.status === 'infeasible' && spread.members.some((m) => m.options !== m.unfiltered)) {
      for (const m of spread.members) m.options = m.unfiltered;
      solution = solveBlock({ items: spreadItems(spread), spreads: [spread.constraint], timeoutMs, ...extra });
    }
    if (solution.status === 'infeasible') {
      throw new StackfitError(
        `group ${spread.name} cannot meet minClouds=${spread.minClouds} and minRegions=${spread.minRegions} together with its workloads' candidates`,
        `stackfit.yaml: groups.${spread.name}`,
      );
    }
    if (solution.status === 'timedout') status = 'feasible';
    return solution;
  };
  const applyGroup = (spread: Spread, choices: readonly number[]): void => {
    spread.members.forEach((m, i) => {
      const option = m.options[choices[i] ?? -1];
      if (!option) throw new Error(`solver returned no choice for ${m.workload.urn}`);
      chosen.set(m, option);
    });
  };
  for (const free of ungrouped) chosen.set(free, argminObjective(free.options)!);
  lpBound = ungrouped.reduce((sum, f) => sum + chosen.get(f)!.objective, 0);
  for (const spread of spreads) {
    if (spread.members.length === 0) continue;
    applyGroup(spread, solveGroup(spread).choices);
    lpBound += solveGroup(spread, { relax: true }).value;
  }
  const monthlyOf = (frees_: readonly Free[]): number => frees_.reduce((sum, f) => sum + chosen.get(f)!.monthly, 0);

  // 3. Only when the decomposed optimum breaks the budget: the coupled problem.
  if (budget !== undefined && fixedMonthly + monthlyOf(frees) > budget + EPS) {
    const left = budget - fixedMonthly;
    // 3a. The budget in isolation: the cheapest plan that meets every other rule.
    const cheapestGroup = (spread: Spread): PlacementOption[] => {
      const solution = solveGroup(spread, { cheapest: true });
      return spread.members.map((m, i) => m.options[solution.choices[i] ?? -1] ?? [...m.options].sort(compareOptions)[0]!);
    };
    const cheapestPlan = (): number => {
      let total = ungrouped.reduce((sum, f) => sum + Math.min(...f.options.map((o) => o.monthly)), 0);
      for (const spread of spreads) if (spread.members.length) for (const o of cheapestGroup(spread)) total += o.monthly;
      return total;
    };
    let cheapest = cheapestPlan();
    if (cheapest > left + EPS) {
      for (const f of frees) f.options = f.unfiltered;
      cheapest = cheapestPlan();
    }
    if (cheapest > left + EPS) {
      throw new StackfitError(
        `budget ${usd(budget)} USD/month is below the cheapest feasible plan ${usd(cheapest + fixedMonthly)} USD/month` +
          (fixedMonthly > 0 ? ` (of which ${usd(fixedMonthly)} USD/month are workloads that keep their size)` : ''),
        'stackfit.yaml: budget.maxMonthlyCost',
      );
    }

    // 3b. Lagrangian relaxation of the budget (spread rules relaxed too): λ* = the LP dual price.
    const breakpoints: { lambda: number; slopeDrop: number }[] = [];
    let slope = -left;
    for (const f of frees) slope += envelopeBreakpoints(f.options, breakpoints);
    breakpoints.sort((a, b) => a.lambda - b.lambda);
    let lambdaStar = 0;
    for (const bp of breakpoints) {
      if (slope <= EPS) break;
      lambdaStar = bp.lambda;
      slope -= bp.slopeDrop;
    }

    // 3c. Incumbent: the argmin just above λ*, then spend what budget is left on the best upgrades.
    const incumbent = new Map<Free, PlacementOption>();
    let groupIntegerAtStar = 0;
    let groupRelaxedAtStar = 0;
    // Each group's exact minimum of Σ (c + λ*·m) over its spread-feasible assignments.
    const groupAtStar = new Map<Spread, number>();
    const tryLambda = (lambda: number): boolean => {
      for (const f of ungrouped) incumbent.set(f, argminObjective(f.options, lambda)!);
      for (const spread of spreads) {
        if (!spread.members.length) continue;
        const solution = solveGroup(spread, { lambda });
        if (lambda === lambdaStar) {
          // A timed-out solve is no lower bound: fall back on the group's LP relaxation.
          const bound = solution.status === 'optimal' ? solution.value : solveGroup(spread, { lambda, relax: true }).value;
          groupAtStar.set(spread, bound);
          groupIntegerAtStar += bound;
        }
        spread.members.forEach((m, i) => incumbent.set(m, m.options[solution.choices[i] ?? -1] ?? argminObjective(m.options, lambda)!));
      }
      let monthly = 0;
      for (const o of incumbent.values()) monthly += o.monthly;
      return monthly <= left + EPS;
    };
    let feasible = tryLambda(lambdaStar);
    for (let k = 0, lambda = Math.max(lambdaStar, 1e-6); !feasible && k < 60; k++) feasible = tryLambda((lambda *= 2));
    if (!feasible) {
      // The cheapest plan always meets the budget (checked above).
      for (const f of ungrouped) incumbent.set(f, [...f.options].sort(compareOptions)[0]!);
      for (const spread of spreads) {
        if (!spread.members.length) continue;
        const options = cheapestGroup(spread);
        spread.members.forEach((m, i) => incumbent.set(m, options[i]!));
      }
    }
    for (const spread of spreads) if (spread.members.length) groupRelaxedAtStar += solveGroup(spread, { lambda: lambdaStar, relax: true }).value;
    let slack = left;
    for (const o of incumbent.values()) slack -= o.monthly;
    const upgrades: { free: Free; option: PlacementOption; ratio: number }[] = [];
    for (const f of ungrouped) {
      const at = incumbent.get(f)!;
      for (const o of f.options) {
        if (o.objective < at.objective - EPS && o.monthly > at.monthly) upgrades.push({ free: f, option: o, ratio: (at.objective - o.objective) / (o.monthly - at.monthly) });
      }
    }
    upgrades.sort((a, b) => b.ratio - a.ratio);
    for (const { free, option } of upgrades) {
      const at = incumbent.get(free)!;
      if (option.objective >= at.objective - EPS) continue;
      if (option.monthly - at.monthly <= slack + EPS) {
        slack -= option.monthly - at.monthly;
        incumbent.set(free, option);
      }
    }
    let upper = 0;
    for (const o of incumbent.values()) upper += o.objective;

    // 3d. Reduced-cost fixing: an option whose reduced cost at λ* exceeds (incumbent − Lagrangian bound)
    // cannot be in a plan better than the incumbent.
    const ungroupedAtStar = ungrouped.reduce((sum, f) => sum + minValue(f.options, lambdaStar), 0);
    const lagrangian = ungroupedAtStar + groupIntegerAtStar - lambdaStar * left;
    lpBound = ungroupedAtStar + groupRelaxedAtStar - lambdaStar * left;
    const gap = Math.max(0, upper - lagrangian);
    const tolerance = EPS * Math.max(1, Math.abs(upper));
    let coreBudget = left;
    const coreFrees: { free: Free; options: PlacementOption[] }[] = [];
    const settled = new Map<Free, PlacementOption>();
    for (const f of ungrouped) {
      const floor = minValue(f.options, lambdaStar);
      const survivors = f.options.filter((o) => o.objective + lambdaStar * o.monthly - floor <= gap + tolerance);
      if (survivors.length <= 1) {
        const only = survivors[0] ?? incumbent.get(f)!;
        settled.set(f, only);
        coreBudget -= only.monthly;
      } else {
        coreFrees.push({ free: f, options: survivors });
      }
    }

    // 3e. The core: survivors folded into classes of interchangeable workloads (same option costs),
    // and every spread group. Solved exactly by Pareto dynamic programming over (monthly, objective)
    // with reduced-cost pruning; branch-and-bound (yalps) only if that frontier grows too large.
    const classesByKey = new Map<string, { cls: ChoiceClass; members: { free: Free; options: PlacementOption[] }[] }>();
    for (const f of coreFrees) {
      const levels: PlacementOption[] = [];
      for (const o of [...f.options].sort((a, b) => a.monthly - b.monthly || a.objective - b.objective)) {
        const last = levels[levels.length - 1];
        if (!last || Math.abs(last.monthly - o.monthly) > 1e-9 || Math.abs(last.objective - o.objective) > 1e-9) levels.push(o);
      }
      const key = levels.map((o) => `${o.monthly.toFixed(6)}:${o.objective.toFixed(6)}`).join('|');
      let entry = classesByKey.get(key);
      if (!entry) classesByKey.set(key, (entry = { cls: { options: levels, size: 0 }, members: [] }));
      (entry.cls as { size: number }).size++;
      entry.members.push(f);
    }
    const classes = [...classesByKey.values()];
    const groupItems: ChoiceItem[] = [];
    const groupMembers: Free[] = [];
    // Only groups with members to place: a group whose members all stay has nothing to decide.
    const activeSpreads = spreads.filter((spread) => spread.members.length > 0);
    // Member-level fixing inside each group: forcing member w onto option o raises the group's
    // minimum at λ* to G(w→o); when G(w→o) − G exceeds the gap, no better plan uses o.
    activeSpreads.forEach((spread, s) => {
      const base = groupAtStar.get(spread);
      const floors = spread.members.map((m) => minValue(m.options, lambdaStar));
      const premium = base === undefined ? Number.POSITIVE_INFINITY : base - floors.reduce((a, b) => a + b, 0);
      spread.members.forEach((m, i) => {
        const survivors = m.options.filter((o) => {
          if (base === undefined || o === incumbent.get(m)) return true;
          const rc = o.objective + lambdaStar * o.monthly - floors[i]!;
          if (rc <= gap + tolerance) return true; // cannot be ruled out: the group minimum may use it
          if (rc > gap + premium + tolerance) return false; // even ignoring the spread rule it costs too much
          const forced = solveBlock({
            items: spread.members.map((other, j) => ({ options: j === i ? [o] : other.options, spread: 0 })),
            spreads: [spread.constraint],
            lambda: lambdaStar,
            timeoutMs,
          });
          if (forced.status === 'infeasible') return false;
          return forced.status !== 'optimal' || forced.value - base <= gap + tolerance;
        });
        groupItems.push({ options: survivors, spread: s });
        groupMembers.push(m);
      });
    });

    let settledObjective = 0;
    for (const o of settled.values()) settledObjective += o.objective;
    const assignClass = (entry: (typeof classes)[number], counts: readonly number[]): void => {
      // Every workload of a class has options of equal costs: hand the counts out in order,
      // each workload taking its own offering at that cost level.
      let next = 0;
      entry.cls.options.forEach((level, j) => {
        for (let n = 0; n < (counts[j] ?? 0); n++) {
          const member = entry.members[next++];
          if (!member) break;
          const own = member.options.find((o) => Math.abs(o.monthly - level.monthly) < 1e-6 && Math.abs(o.objective - level.objective) < 1e-6);
          chosen.set(member.free, own ?? level);
        }
      });
    };

    // Stages of the Pareto DP: one per class (its splits), one per group (its feasible assignments).
    const STAGE_LIMIT = 20_000;
    const stages: StageChoice[][] = [];
    const decoders: ((pick: number) => void)[] = [];
    let tooLarge = false;
    for (const entry of classes) {
      const levels = entry.cls.options;
      const floor = minValue(levels, lambdaStar);
      const reduced = levels.map((o) => Math.max(0, o.objective + lambdaStar * o.monthly - floor));
      // Options with the largest reduced cost first, so the enumeration's loops stop early.
      const order = levels.map((_, j) => j).sort((a, b) => reduced[b]! - reduced[a]!);
      const splits = classSplits(entry.cls.size, order.map((j) => reduced[j]!), gap, STAGE_LIMIT);
      if (!splits) {
        tooLarge = true;
        break;
      }
      stages.push(
        splits.map((split) => {
          let monthly = 0;
          let objective = 0;
          let red = 0;
          split.forEach((n, k) => {
            const o = levels[order[k]!]!;
            monthly += n * o.monthly;
            objective += n * o.objective;
            red += n * reduced[order[k]!]!;
          });
          return { monthly, objective, reduced: red };
        }),
      );
      decoders.push((pick) => {
        const counts = new Array<number>(levels.length).fill(0);
        splits[pick]!.forEach((n, k) => (counts[order[k]!] = n));
        assignClass(entry, counts);
      });
    }
    let itemOffset = 0;
    for (const spread of activeSpreads) {
      if (tooLarge) break;
      const offset = itemOffset;
      const items = groupItems.slice(offset, offset + spread.members.length);
      itemOffset += spread.members.length;
      const assignments = groupAssignments(items.map((i) => i.options), spread.constraint, lambdaStar, groupAtStar.get(spread) ?? 0, gap, STAGE_LIMIT);
      if (!assignments) {
        tooLarge = true;
        break;
      }
      stages.push(assignments.map((a) => ({ monthly: a.monthly, objective: a.objective, reduced: a.reduced })));
      decoders.push((pick) => {
        assignments[pick]!.picks.forEach((j, i) => chosen.set(groupMembers[offset + i]!, items[i]!.options[j]!));
      });
    }
    const pareto = tooLarge ? 'too-large' : paretoKnapsack(stages, coreBudget, gap);
    if (pareto !== 'too-large' && pareto !== undefined && pareto.objective + settledObjective <= upper + tolerance) {
      for (const [f, o] of settled) chosen.set(f, o);
      pareto.picks.forEach((pick, i) => decoders[i]!(pick));
    } else if (pareto !== 'too-large') {
      // Cannot happen in exact arithmetic (the incumbent is in the search space); rounding aside, keep it.
      for (const [f, o] of incumbent) chosen.set(f, o);
    } else {
      const core = solveBlock({
        items: groupItems,
        classes: classes.map((c) => c.cls),
        spreads: activeSpreads.map((s) => s.constraint),
        maxMonthly: coreBudget,
        timeoutMs,
      });
      const coreValue = (Number.isFinite(core.value) ? core.value : Number.POSITIVE_INFINITY) + settledObjective;
      if (core.status !== 'infeasible' && coreValue <= upper + tolerance) {
        for (const [f, o] of settled) chosen.set(f, o);
        groupMembers.forEach((m, i) => chosen.set(m, groupItems[i]!.options[core.choices[i] ?? -1] ?? incumbent.get(m)!));
        classes.forEach((entry, c) => assignClass(entry, core.classCounts[c] ?? []));
      } else {
        for (const [f, o] of incumbent) chosen.set(f, o);
      }
      if (core.status === 'timedout') status = 'feasible';
    }
  }

  // 4. The plan.
  const items: PlanItem[] = new Array(input.workloads.length);
  let monthlyBefore = 0;
  let monthlyAfter = 0;
  let unpriced = 0;
  let objective = 0;
  for (const fixed of fixeds) {
    const { workload, current, demand } = fixed;
    const before = current ? current.monthlyUsd * workload.count : undefined;
    if (before === undefined) unpriced++;
    else {
      monthlyBefore += before;
      monthlyAfter += before;
      objective += before;
    }
    items[fixed.index] = {
      urn: workload.urn,
      workload,
      current,
      ...(fixed.action === 'keep' && { chosen: current }),
      demand,
      action: fixed.action,
      ...(before !== undefined && { monthlyBefore: before, monthlyAfter: before, monthlyDelta: 0 }),
      migrationCost: 0,
      risk: current && demand ? riskOf(current, demand) : 0,
      reason: fixed.reason,
    };
  }
  for (const free of frees) {
    const option = chosen.get(free)!;
    const { workload, current, demand } = free;
    const before = current.monthlyUsd * workload.count;
    monthlyBefore += before;
    monthlyAfter += option.monthly;
    objective += option.objective;
    const action: PlanAction = option.isCurrent ? 'keep' : option.place === placeOf(current.cloud, current.region) ? 'resize' : 'move';
    const risk: Risk = riskOf(option.offering, demand);
    const parts = [describeDemand(demand, current)];
    if (!free.currentFits) parts.push(`${current.size} would saturate (risk ${riskOf(current, demand)})`);
    if (action === 'keep') {
      parts.push(`${current.size} fits at risk ${risk}`);
      if (free.bestNoise && free.options === free.filtered) {
        const saving = before - free.bestNoise.monthly;
        parts.push(
          `${free.bestNoise.offering.size} (${free.bestNoise.place}) would save ${usd(saving)} USD/month, under the thresholds ` +
            `(${config.thresholds.minMonthlyDeltaUsd} USD and ${config.thresholds.minDeltaPercent}%)`,
        );
      }
    } else {
      parts.push(`${option.offering.size}${action === 'move' ? ` in ${option.place}` : ''} fits at risk ${risk}`);
      if (action === 'move') {
        parts.push(
          `moves from ${placeOf(current.cloud, current.region)}: one-off ${usd(option.migration)} USD, amortised over ${config.migration.amortizeMonths} months`,
        );
      }
    }
    const unconstrained = argminObjective(free.options);
    if (unconstrained && unconstrained.objective < option.objective - EPS * Math.max(1, option.objective)) {
      const spread = free.spread !== undefined ? spreads[free.spread] : undefined;
      parts.push(
        `chosen over ${unconstrained.offering.size} in ${unconstrained.place} (${usd(unconstrained.monthly)} USD/month) to meet ` +
          (spread && option.monthly >= unconstrained.monthly
            ? `group ${spread.name}'s spread (minClouds ${spread.minClouds}, minRegions ${spread.minRegions})`
            : `the budget of ${usd(budget ?? 0)} USD/month`),
      );
    }
    items[free.index] = {
      urn: workload.urn,
      workload,
      current,
      chosen: option.offering,
      demand,
      action,
      monthlyBefore: before,
      monthlyAfter: option.monthly,
      monthlyDelta: option.monthly - before,
      migrationCost: option.migration,
      risk,
      reason: parts.join('; '),
    };
  }

  const fixedObjective = fixedMonthly;
  const bound = lpBound + fixedObjective;
  let variables = 0;
  let constraints = frees.length + (budget !== undefined ? 1 : 0);
  for (const f of frees) variables += f.options.length;
  spreads.forEach((spread) => {
    const clouds = new Set<string>();
    const places = new Set<string>();
    for (const m of spread.members) for (const o of m.options) {
      if (!spread.constraint.fixedClouds.has(o.cloud)) clouds.add(o.cloud);
      if (!spread.constraint.fixedPlaces.has(o.place)) places.add(o.place);
    }
    if (spread.minClouds > spread.constraint.fixedClouds.size) {
      variables += clouds.size;
      constraints += clouds.size + 1;
    }
    if (spread.minRegions > spread.constraint.fixedPlaces.size) {
      variables += places.size;
      constraints += places.size + 1;
    }
  });

  return {
    ...(input.stack !== undefined && { stack: input.stack }),
    items,
    totals: { monthlyBefore, monthlyAfter, monthlyDelta: monthlyAfter - monthlyBefore, unpriced },
    skipped: [...(input.skipped ?? [])],
    solver: {
      status,
      objective,
      lpBound: bound,
      gap: objective > 0 ? Math.max(0, (objective - bound) / objective) : 0,
      variables,
      constraints,
      millis: performance.now() - started,
    },
  };
}
