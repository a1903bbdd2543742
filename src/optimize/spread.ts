import type { ResolvedRule } from '../config/rules';
import type { PlacementOption } from './options';
import type { SpreadConstraint } from './milp';
import type { Spread } from './problem';
import { minValue } from './lagrange';

/** Spread rules: why one cannot be met, and the feasible assignments of a group near its optimum. */

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
export function diagnoseSpread(spread: Spread, rules: ReadonlyMap<string, ResolvedRule>): string | undefined {
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
export function groupAssignments(
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
