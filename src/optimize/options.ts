import type { Cloud, MigrationCost, Offering, Risk } from '../model';

/** One way to run one workload: `count` instances of an offering in a place, with their costs. */
export interface PlacementOption {
  offering: Offering;
  /** Instances (today's count unless the count is a decision). */
  count: number;
  /** Saturation risk of this size at this count (riskOf). */
  risk: Risk;
  /** For a move: what the one-off cost is made of. */
  migrationDetail?: MigrationCost;
  cloud: Cloud;
  /** `cloud/region`: regions are counted per cloud by spread rules. */
  place: string;
  /** Monthly cost for all instances (USD). */
  monthly: number;
  /** One-off migration cost for all instances (USD). */
  migration: number;
  /** Objective contribution: monthly + migration ÷ amortizeMonths (+ the price of risk). */
  objective: number;
  isCurrent: boolean;
  /** A colocated group's combination: one option per member, in member order. */
  parts?: readonly PlacementOption[];
}

export const placeOf = (cloud: string, region: string | undefined): string => `${cloud}/${region ?? '?'}`;

export const offeringKey = (o: Pick<Offering, 'cloud' | 'region' | 'size'>): string => `${o.cloud}/${o.region}/${o.size}`;

/** The order used for tie-breaks everywhere: cheaper monthly, then cheaper migration, the current offering first, then by name. */
export function compareOptions(a: PlacementOption, b: PlacementOption): number {
  return (
    a.monthly - b.monthly ||
    a.migration - b.migration ||
    Number(b.isCurrent) - Number(a.isCurrent) ||
    a.objective - b.objective ||
    a.count - b.count ||
    (a.place < b.place ? -1 : a.place > b.place ? 1 : 0) ||
    (a.offering.size < b.offering.size ? -1 : a.offering.size > b.offering.size ? 1 : 0)
  );
}

/**
 * How far a workload's options can be reduced without losing an optimal plan.
 * `sameCloudOnly`: a replacement must stay in the same cloud (the group has a minClouds rule).
 * `keepPerScope`: how many non-dominated-enough places to keep (the group's minRegions, else 1).
 */
export interface ReductionScope {
  sameCloudOnly: boolean;
  keepPerScope: number;
}

/**
 * Reduces a workload's options without losing an optimal plan (docs/optimizer.md). Every
 * constraint and the objective depend on an option only through its monthly cost, its objective,
 * its cloud and its place. An option is dropped when an option of the same place has monthly ≤
 * and objective ≤ (earlier in `compareOptions` order), or when at least `keepPerScope` other
 * places of its scope each have one. With keepPerScope = 1 and scope "everywhere" this is the
 * Pareto set of (monthly, objective).
 */
export function reduceOptions(options: readonly PlacementOption[], scope: ReductionScope): PlacementOption[] {
  const sorted = [...options].sort(compareOptions);
  const kept: PlacementOption[] = [];
  if (!scope.sameCloudOnly && scope.keepPerScope === 1) {
    // Sorted by monthly: a later option survives only with a strictly lower objective.
    let best = Number.POSITIVE_INFINITY;
    for (const o of sorted) {
      if (kept.length === 0 || o.objective < best - 1e-9 * Math.max(1, Math.abs(best))) {
        kept.push(o);
        best = o.objective;
      }
    }
    return kept;
  }
  // Spread-group members (few, with few options each): count the dominating places directly.
  const seen: PlacementOption[] = [];
  for (const o of sorted) {
    const dominators = new Set<string>();
    let samePlace = false;
    for (const p of seen) {
      if (p.objective > o.objective + 1e-9 * Math.max(1, Math.abs(o.objective))) continue;
      if (p.place === o.place) samePlace = true;
      else if (!scope.sameCloudOnly || p.cloud === o.cloud) dominators.add(p.place);
    }
    if (!samePlace && dominators.size < scope.keepPerScope) kept.push(o);
    seen.push(o);
  }
  return kept;
}

/** The option with the least objective; ties go to the cheaper monthly cost, then the current offering. */
export function argminObjective(options: readonly PlacementOption[], lambda = 0): PlacementOption | undefined {
  let best: PlacementOption | undefined;
  let bestValue = Number.POSITIVE_INFINITY;
  for (const option of options) {
    const value = option.objective + lambda * option.monthly;
    if (value < bestValue - 1e-9 || (Math.abs(value - bestValue) <= 1e-9 && best && compareOptions(option, best) < 0)) {
      best = option;
      bestValue = value;
    }
  }
  return best;
}
