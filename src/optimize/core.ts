import { StackfitError } from '../model';
import { usd } from '../money';
import { argminObjective, compareOptions, type PlacementOption } from './options';
import { solveBlock, type ChoiceClass, type ChoiceItem } from './milp';
import { classSplits, paretoKnapsack, type StageChoice } from './budget';
import { EPS, envelopeBreakpoints, minValue } from './lagrange';
import { groupAssignments } from './spread';
import { recordSolve, solveGroup, type SolveState } from './decompose';
import type { Free, Spread } from './problem';

/**
 * The budget core: only when the decomposed optimum breaks the budget. Lagrangian relaxation of
 * the budget row, an incumbent, reduced-cost fixing, then the remaining core solved exactly by a
 * Pareto dynamic programme (yalps branch-and-bound when that grows too large). docs/optimizer.md.
 */

/** Monthly cost of the cheapest plan meeting every rule but the budget; throws naming the budget when above it. */
function checkBudgetFeasible(state: SolveState, left: number, budget: number, fixedMonthly: number): void {
  const { ungrouped, spreads, decisions } = state.problem;
  const cheapestPlan = (): number => {
    let total = ungrouped.reduce((sum, f) => sum + Math.min(...f.options.map((o) => o.monthly)), 0);
    for (const spread of spreads) if (spread.members.length) for (const o of cheapestGroup(state, spread)) total += o.monthly;
    return total;
  };
  let cheapest = cheapestPlan();
  if (cheapest > left + EPS) {
    for (const f of decisions) f.options = f.unfiltered;
    cheapest = cheapestPlan();
  }
  if (cheapest > left + EPS) {
    throw new StackfitError(
      `budget ${usd(budget)}/month is below the cheapest feasible plan ${usd(cheapest + fixedMonthly)}/month` +
        (fixedMonthly > 0 ? ` (of which ${usd(fixedMonthly)}/month are workloads that keep their size)` : ''),
      'stackfit.yaml: budget.maxMonthlyCost',
    );
  }
}

function cheapestGroup(state: SolveState, spread: Spread): PlacementOption[] {
  const solution = solveGroup(state, spread, { cheapest: true });
  return spread.members.map((m, i) => m.options[solution.choices[i] ?? -1] ?? [...m.options].sort(compareOptions)[0]!);
}

/** λ*: the LP dual price of the budget row (spread relaxed), found exactly by sweeping envelope breakpoints. */
function lagrangeMultiplier(frees: readonly Free[], left: number): number {
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
  return lambdaStar;
}

interface Incumbent {
  plan: Map<Free, PlacementOption>;
  /** Each group's exact minimum of Σ (c + λ*·m) over its spread-feasible assignments. */
  groupAtStar: Map<Spread, number>;
  groupIntegerAtStar: number;
  groupRelaxedAtStar: number;
}

/** The argmin just above λ* (doubling λ until it meets the budget), then leftover budget spent on the best upgrades. */
function buildIncumbent(state: SolveState, lambdaStar: number, left: number): Incumbent {
  const { ungrouped, spreads } = state.problem;
  const out: Incumbent = { plan: new Map(), groupAtStar: new Map(), groupIntegerAtStar: 0, groupRelaxedAtStar: 0 };
  const incumbent = out.plan;
  const tryLambda = (lambda: number): boolean => {
    for (const f of ungrouped) incumbent.set(f, argminObjective(f.options, lambda)!);
    for (const spread of spreads) {
      if (!spread.members.length) continue;
      const solution = solveGroup(state, spread, { lambda });
      if (lambda === lambdaStar) {
        // A timed-out solve is no lower bound: fall back on the group's LP relaxation.
        const bound = solution.status === 'optimal' ? solution.value : solveGroup(state, spread, { lambda, relax: true }).value;
        out.groupAtStar.set(spread, bound);
        out.groupIntegerAtStar += bound;
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
    // The cheapest plan always meets the budget (checked before).
    for (const f of ungrouped) incumbent.set(f, [...f.options].sort(compareOptions)[0]!);
    for (const spread of spreads) {
      if (!spread.members.length) continue;
      const options = cheapestGroup(state, spread);
      spread.members.forEach((m, i) => incumbent.set(m, options[i]!));
    }
  }
  for (const spread of spreads)
    if (spread.members.length) out.groupRelaxedAtStar += solveGroup(state, spread, { lambda: lambdaStar, relax: true }).value;
  let slack = left;
  for (const o of incumbent.values()) slack -= o.monthly;
  const upgrades: { free: Free; option: PlacementOption; ratio: number }[] = [];
  for (const f of ungrouped) {
    const at = incumbent.get(f)!;
    for (const o of f.options) {
      if (o.objective < at.objective - EPS && o.monthly > at.monthly)
        upgrades.push({ free: f, option: o, ratio: (at.objective - o.objective) / (o.monthly - at.monthly) });
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
  return out;
}

interface Fixing {
  gap: number;
  tolerance: number;
  upper: number;
  coreBudget: number;
  settled: Map<Free, PlacementOption>;
  coreFrees: { free: Free; options: PlacementOption[] }[];
}

/**
 * Reduced-cost fixing: an option whose reduced cost at λ* exceeds (incumbent − Lagrangian bound)
 * cannot be in a plan better than the incumbent. Sets the LP bound.
 */
function fixByReducedCost(state: SolveState, inc: Incumbent, lambdaStar: number, left: number): Fixing {
  const { ungrouped } = state.problem;
  let upper = 0;
  for (const o of inc.plan.values()) upper += o.objective;
  const ungroupedAtStar = ungrouped.reduce((sum, f) => sum + minValue(f.options, lambdaStar), 0);
  const lagrangian = ungroupedAtStar + inc.groupIntegerAtStar - lambdaStar * left;
  state.lpBound = ungroupedAtStar + inc.groupRelaxedAtStar - lambdaStar * left;
  const gap = Math.max(0, upper - lagrangian);
  const tolerance = EPS * Math.max(1, Math.abs(upper));
  const out: Fixing = { gap, tolerance, upper, coreBudget: left, settled: new Map(), coreFrees: [] };
  for (const f of ungrouped) {
    const floor = minValue(f.options, lambdaStar);
    const survivors = f.options.filter((o) => o.objective + lambdaStar * o.monthly - floor <= gap + tolerance);
    if (survivors.length <= 1) {
      const only = survivors[0] ?? inc.plan.get(f)!;
      out.settled.set(f, only);
      out.coreBudget -= only.monthly;
    } else {
      out.coreFrees.push({ free: f, options: survivors });
    }
  }
  return out;
}

interface CoreClass {
  cls: ChoiceClass;
  members: { free: Free; options: PlacementOption[] }[];
}

/** Survivors folded into classes of interchangeable workloads (same option costs). */
function classesOf(coreFrees: Fixing['coreFrees']): CoreClass[] {
  const classesByKey = new Map<string, CoreClass>();
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
  return [...classesByKey.values()];
}

/**
 * Member-level fixing inside each group: forcing member w onto option o raises the group's
 * minimum at λ* to G(w→o); when G(w→o) − G exceeds the gap, no better plan uses o.
 */
function fixGroupMembers(
  state: SolveState,
  active: readonly Spread[],
  inc: Incumbent,
  fixing: Fixing,
  lambdaStar: number,
): { items: ChoiceItem[]; members: Free[] } {
  const items: ChoiceItem[] = [];
  const members: Free[] = [];
  const { gap, tolerance } = fixing;
  active.forEach((spread, s) => {
    const base = inc.groupAtStar.get(spread);
    const floors = spread.members.map((m) => minValue(m.options, lambdaStar));
    const premium = base === undefined ? Number.POSITIVE_INFINITY : base - floors.reduce((a, b) => a + b, 0);
    spread.members.forEach((m, i) => {
      const survivors = m.options.filter((o) => {
        if (base === undefined || o === inc.plan.get(m)) return true;
        const rc = o.objective + lambdaStar * o.monthly - floors[i]!;
        if (rc <= gap + tolerance) return true; // cannot be ruled out: the group minimum may use it
        if (rc > gap + premium + tolerance) return false; // even ignoring the spread rule it costs too much
        const forced = recordSolve(
          state,
          solveBlock({
            items: spread.members.map((other, j) => ({ options: j === i ? [o] : other.options, spread: 0 })),
            spreads: [spread.constraint],
            lambda: lambdaStar,
            timeoutMs: state.timeoutMs,
          }),
        );
        if (forced.status === 'infeasible') return false;
        return forced.status !== 'optimal' || forced.value - base <= gap + tolerance;
      });
      items.push({ options: survivors, spread: s });
      members.push(m);
    });
  });
  return { items, members };
}

/** Hands a class's counts out in order, each workload taking its own offering at that cost level. */
function assignClass(chosen: Map<Free, PlacementOption>, entry: CoreClass, counts: readonly number[]): void {
  let next = 0;
  entry.cls.options.forEach((level, j) => {
    for (let n = 0; n < (counts[j] ?? 0); n++) {
      const member = entry.members[next++];
      if (!member) break;
      const own = member.options.find((o) => Math.abs(o.monthly - level.monthly) < 1e-6 && Math.abs(o.objective - level.objective) < 1e-6);
      chosen.set(member.free, own ?? level);
    }
  });
}

const STAGE_LIMIT = 20_000;

/** Stages of the Pareto DP: one per class (its splits), one per group (its feasible assignments); undefined when one is too large. */
function buildStages(
  state: SolveState,
  classes: readonly CoreClass[],
  active: readonly Spread[],
  group: { items: ChoiceItem[]; members: Free[] },
  inc: Incumbent,
  gap: number,
  lambdaStar: number,
): { stages: StageChoice[][]; decoders: ((pick: number) => void)[] } | undefined {
  const stages: StageChoice[][] = [];
  const decoders: ((pick: number) => void)[] = [];
  for (const entry of classes) {
    const levels = entry.cls.options;
    const floor = minValue(levels, lambdaStar);
    const reduced = levels.map((o) => Math.max(0, o.objective + lambdaStar * o.monthly - floor));
    // Options with the largest reduced cost first, so the enumeration's loops stop early.
    const order = levels.map((_, j) => j).sort((a, b) => reduced[b]! - reduced[a]!);
    const splits = classSplits(
      entry.cls.size,
      order.map((j) => reduced[j]!),
      gap,
      STAGE_LIMIT,
    );
    if (!splits) return undefined;
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
      assignClass(state.chosen, entry, counts);
    });
  }
  let itemOffset = 0;
  for (const spread of active) {
    const offset = itemOffset;
    const items = group.items.slice(offset, offset + spread.members.length);
    itemOffset += spread.members.length;
    const assignments = groupAssignments(
      items.map((i) => i.options),
      spread.constraint,
      lambdaStar,
      inc.groupAtStar.get(spread) ?? 0,
      gap,
      STAGE_LIMIT,
    );
    if (!assignments) return undefined;
    stages.push(assignments.map((a) => ({ monthly: a.monthly, objective: a.objective, reduced: a.reduced })));
    decoders.push((pick) => {
      assignments[pick]!.picks.forEach((j, i) => state.chosen.set(group.members[offset + i]!, items[i]!.options[j]!));
    });
  }
  return { stages, decoders };
}

/** The coupled problem, when the decomposed optimum breaks the budget. Sets `state.chosen` and the bound. */
export function solveBudgetCore(state: SolveState, budget: number, fixedMonthly: number): void {
  const left = budget - fixedMonthly;
  const { chosen } = state;
  checkBudgetFeasible(state, left, budget, fixedMonthly);
  const lambdaStar = lagrangeMultiplier(state.problem.decisions, left);
  const inc = buildIncumbent(state, lambdaStar, left);
  const fixing = fixByReducedCost(state, inc, lambdaStar, left);
  const { gap, tolerance, upper, settled, coreBudget } = fixing;
  const classes = classesOf(fixing.coreFrees);
  // Only groups with members to place: a group whose members all stay has nothing to decide.
  const active = state.problem.spreads.filter((spread) => spread.members.length > 0);
  const group = fixGroupMembers(state, active, inc, fixing, lambdaStar);
  let settledObjective = 0;
  for (const o of settled.values()) settledObjective += o.objective;

  const built = buildStages(state, classes, active, group, inc, gap, lambdaStar);
  const pareto = built ? paretoKnapsack(built.stages, coreBudget, gap, state.paretoStateLimit) : 'too-large';
  if (built && pareto !== 'too-large')
    state.models.pareto = { stages: built.stages.length, choices: built.stages.reduce((n, s) => n + s.length, 0) };
  if (built && pareto !== 'too-large' && pareto !== undefined && pareto.objective + settledObjective <= upper + tolerance) {
    for (const [f, o] of settled) chosen.set(f, o);
    pareto.picks.forEach((pick, i) => built.decoders[i]!(pick));
    return;
  }
  if (pareto !== 'too-large') {
    // Cannot happen in exact arithmetic (the incumbent is in the search space); rounding aside, keep it.
    for (const [f, o] of inc.plan) chosen.set(f, o);
    return;
  }
  const core = recordSolve(
    state,
    solveBlock(
      {
        items: group.items,
        classes: classes.map((c) => c.cls),
        spreads: active.map((s) => s.constraint),
        maxMonthly: coreBudget,
        timeoutMs: state.timeoutMs,
      },
      state.coreSolver.solve,
    ),
  );
  state.models.core = state.coreSolver.name;
  const coreValue = (Number.isFinite(core.value) ? core.value : Number.POSITIVE_INFINITY) + settledObjective;
  if (core.status !== 'infeasible' && coreValue <= upper + tolerance) {
    for (const [f, o] of settled) chosen.set(f, o);
    group.members.forEach((m, i) => chosen.set(m, group.items[i]!.options[core.choices[i] ?? -1] ?? inc.plan.get(m)!));
    classes.forEach((entry, c) => assignClass(chosen, entry, core.classCounts[c] ?? []));
  } else {
    for (const [f, o] of inc.plan) chosen.set(f, o);
  }
  if (core.status === 'timedout') state.status = 'feasible';
}
