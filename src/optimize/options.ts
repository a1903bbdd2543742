import type { Cloud, Offering } from '../model';

/** One way to run one workload: an offering in a place, with its costs for all `count` instances. */
export interface PlacementOption {
  offering: Offering;
  cloud: Cloud;
  /** `cloud/region`: regions are counted per cloud by spread rules. */
  place: string;
  /** Monthly cost for all instances (USD). */
  monthly: number;
  /** One-off migration cost for all instances (USD). */
  migration: number;
  /** Objective contribution: monthly + migration ÷ amortizeMonths. */
  objective: number;
  isCurrent: boolean;
}

export const placeOf = (cloud: string, region: string | undefined): string => `${cloud}/${region ?? '?'}`;

export const offeringKey = (o: Pick<Offering, 'cloud' | 'region' | 'size'>): string => `${o.cloud}/${o.region}/${o.size}`;

/** The order used for tie-breaks everywhere: cheaper monthly, then cheaper migration, the current offering first, then by name. */
export function compareOptions(a: PlacementOption, b: PlacementOption): number {
  return (
    a.monthly - b.monthly ||
    a.migration - b.migration ||
    Number(b.isCurrent) - Number(a.isCurrent) ||
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
 * Reduces a workload's options in two exact steps (see docs/optimizer.md for the argument):
 * 1. per place, only the cheapest offering (every constraint and the objective depend on an
 *    option only through its monthly cost, migration cost, cloud and region; migration cost is
 *    a function of the place);
 * 2. a place is dropped when at least `keepPerScope` other places in its scope dominate it
 *    (monthly ≤ and migration ≤, earlier in `compareOptions` order). With keepPerScope = 1 and
 *    scope "everywhere" this is the Pareto set of (monthly, migration).
 */
export function reduceOptions(options: readonly PlacementOption[], scope: ReductionScope): PlacementOption[] {
  const bestPerPlace = new Map<string, PlacementOption>();
  for (const option of options) {
    const best = bestPerPlace.get(option.place);
    if (!best || compareOptions(option, best) < 0) bestPerPlace.set(option.place, option);
  }
  const places = [...bestPerPlace.values()].sort(compareOptions);
  // Earlier places have monthly ≤; among them, the dominators are those with migration ≤.
  // Migration takes few distinct values (0, cross-region, cross-cloud), so count per value.
  const seen = new Map<string, Map<number, number>>();
  const kept: PlacementOption[] = [];
  for (const place of places) {
    const scopeKey = scope.sameCloudOnly ? place.cloud : '*';
    let counts = seen.get(scopeKey);
    if (!counts) seen.set(scopeKey, (counts = new Map()));
    let dominators = 0;
    for (const [migration, count] of counts) if (migration <= place.migration) dominators += count;
    if (dominators < scope.keepPerScope) kept.push(place);
    counts.set(place.migration, (counts.get(place.migration) ?? 0) + 1);
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
