import { StackfitError } from '../model';
import type { StackfitConfig } from '../config/schema';
import { compareOptions, placeOf, type PlacementOption } from './options';
import type { Fixed, Free } from './units';

/**
 * `colocate: true` groups move together or not at all: every member stays in its own place, or
 * every member goes to one common place. The group becomes ONE decision unit whose options are
 * the combinations (a place × one option per member there), so the rest of the solver —
 * decomposition, Lagrangian, Pareto DP, yalps fallback — treats it like any workload and stays
 * exact with a binding budget. A move combination pays back as a group (its summed one-off cost
 * against its summed saving within `maxPaybackMonths`), like a single workload's move.
 */

export interface Colocation {
  name: string;
  members: Free[];
  /** The decision unit: its options are the members' combinations (`parts`, in member order). */
  unit: Free;
}

/** Above this many combinations per place the group is too large to enumerate (an error naming it). */
const COMBO_LIMIT = 20_000;

interface Partial {
  parts: PlacementOption[];
  monthly: number;
  objective: number;
  migration: number;
}

const TOL = 1e-9;

/**
 * Drops a combination beaten by another on monthly, objective and one-off cost at once: whatever
 * the budget, the objective and the payback rule ask (Σ one-off ≤ maxPayback × (stay − Σ monthly)),
 * the other is at least as good.
 */
function paretoOf(list: Partial[]): Partial[] {
  const sorted = [...list].sort((a, b) => a.monthly - b.monthly || a.migration - b.migration || a.objective - b.objective);
  const kept: Partial[] = [];
  for (const p of sorted) {
    if (kept.some((k) => k.monthly <= p.monthly + TOL && k.objective <= p.objective + TOL && k.migration <= p.migration + TOL)) continue;
    kept.push(p);
  }
  return kept;
}

/** Every non-dominated way to give each member one of its listed options. */
function combine(perMember: readonly (readonly PlacementOption[])[], where: string): Partial[] {
  let acc: Partial[] = [{ parts: [], monthly: 0, objective: 0, migration: 0 }];
  for (const list of perMember) {
    const next: Partial[] = [];
    for (const a of acc) {
      for (const o of list)
        next.push({
          parts: [...a.parts, o],
          monthly: a.monthly + o.monthly,
          objective: a.objective + o.objective,
          migration: a.migration + o.migration,
        });
    }
    acc = paretoOf(next);
    if (acc.length > COMBO_LIMIT)
      throw new StackfitError(
        `group has more than ${COMBO_LIMIT} non-dominated combinations of its members' sizes in one place: split the group`,
        where,
      );
  }
  return acc;
}

function asOption(p: Partial, place: string): PlacementOption {
  const first = p.parts[0]!;
  return {
    offering: first.offering,
    count: p.parts.reduce((n, o) => n + o.count, 0),
    risk: p.parts.reduce((r, o) => (o.risk > r ? o.risk : r), first.risk),
    cloud: first.cloud,
    place,
    monthly: p.monthly,
    migration: p.migration,
    objective: p.objective,
    isCurrent: p.parts.every((o) => o.isCurrent),
    parts: p.parts,
  };
}

/** The group's combinations from the given option lists: staying (each in its own place) and, unless a member is stuck, each common place. */
function combinations(
  name: string,
  members: readonly Free[],
  list: (f: Free) => readonly PlacementOption[],
  mayMove: boolean,
  where: string,
): PlacementOption[] {
  const home = (f: Free): string => placeOf(f.current.cloud, f.current.region);
  const out: PlacementOption[] = [];
  const homes = new Set(members.map(home));
  const homeLabel = homes.size === 1 ? [...homes][0]! : `${name}: each member's own place`;
  const stay = members.map((f) => list(f).filter((o) => o.place === home(f)));
  if (stay.every((l) => l.length > 0)) for (const p of combine(stay, where)) out.push(asOption(p, homeLabel));
  if (!mayMove) return out;
  const places = new Set(list(members[0]!).map((o) => o.place));
  for (const place of places) {
    if (homes.size === 1 && homes.has(place)) continue; // the same as staying
    const there = members.map((f) => list(f).filter((o) => o.place === place));
    if (there.some((l) => l.length === 0)) continue;
    for (const p of combine(there, where)) out.push(asOption(p, place));
  }
  return out;
}

/** A group move pays when its summed one-off cost is paid back by its summed saving within maxPaybackMonths. */
function groupPaysBack(o: PlacementOption, stayMonthly: number | undefined, config: StackfitConfig): boolean {
  if (o.migration <= 0 || stayMonthly === undefined) return true;
  const saving = stayMonthly - o.monthly;
  return saving > 0 && o.migration / saving <= config.migration.maxPaybackMonths + 1e-9;
}

/** Builds one decision unit per colocated group with free members; throws naming the group when it has no place at all. */
export function colocateGroups(config: StackfitConfig, frees: readonly Free[], fixeds: readonly Fixed[]): Colocation[] {
  const out: Colocation[] = [];
  for (const [name, rule] of Object.entries(config.groups)) {
    if (!rule.colocate) continue;
    const where = `stackfit.yaml: groups.${name}.colocate`;
    if ((rule.minClouds ?? 1) > 1 || (rule.minRegions ?? 1) > 1) {
      throw new StackfitError(
        `group ${name} cannot be colocated and spread over ${rule.minClouds ?? 1} clouds / ${rule.minRegions ?? 1} regions at once`,
        where,
      );
    }
    const members = frees.filter((f) => f.workload.group === name);
    if (members.length === 0) continue;
    const stuck = fixeds.some((f) => f.workload.group === name);
    const unfiltered = combinations(name, members, (f) => f.unfiltered, !stuck, where);
    if (unfiltered.length === 0)
      throw new StackfitError(
        `group ${name} has no place where all its workloads fit${stuck ? ' (some of its workloads stay where they are)' : ''}, and cannot stay where it is`,
        where,
      );
    const stays = members.map((f) => f.stayMonthly);
    const stayMonthly = stays.every((s) => s !== undefined) ? stays.reduce((t, s) => t + s, 0) : undefined;
    const filtered = combinations(name, members, (f) => f.filtered, !stuck, where).filter((o) => groupPaysBack(o, stayMonthly, config));
    const first = members[0]!;
    const unit: Free = {
      index: -1,
      workload: first.workload,
      current: first.current,
      demand: first.demand,
      sizing: first.sizing,
      filtered: filtered.length ? filtered : unfiltered,
      unfiltered,
      options: filtered.length ? filtered : unfiltered,
      currentFits: members.every((f) => f.currentFits),
      colocate: name,
      ...(stayMonthly !== undefined && { stayMonthly }),
    };
    for (const f of members) f.colocate = name;
    out.push({ name, members, unit });
  }
  return out;
}

/** Hands the unit's chosen combination to its members; each keeps only its options in that place (for the reason text). */
export function expandColocation(c: Colocation, chosen: Map<Free, PlacementOption>): void {
  const combo = chosen.get(c.unit);
  if (!combo?.parts) throw new Error(`no combination chosen for colocated group ${c.name}`);
  const gaveWay = c.unit.options === c.unit.unfiltered;
  c.members.forEach((m, i) => {
    const part = combo.parts![i]!;
    chosen.set(m, part);
    const there = (gaveWay ? m.unfiltered : m.options).filter((o) => o.place === part.place);
    m.options = there.length ? there.sort(compareOptions) : [part];
  });
  chosen.delete(c.unit);
}
