import { performance } from 'node:perf_hooks';
import type { Plan, PlanItem } from '../model';
import { buildProblem, type PlanInput } from './problem';
import { checkSpreads, newSolveState, solveDecomposed, type SolveState } from './decompose';
import { solveBudgetCore } from './core';
import { EPS } from './lagrange';
import { fixedItem, freeItem } from './explain';
import { expandColocation } from './colocate';

export { riskOf, fitsDemand, describeDemand, RISK_UTILISATION_CEILINGS } from './risk';
export type { PlacementOption } from './options';
export type { PlanInput } from './problem';

/**
 * Plans the stack: one offering per workload, minimising monthly cost plus amortised migration
 * cost under the budget, spread and placement rules. Exact (see docs/optimizer.md for how the
 * problem is decomposed without losing optimality). Throws a StackfitError naming the rule when
 * no plan can meet the rules.
 */
export function solvePlan(input: PlanInput): Plan {
  const started = performance.now();
  const { config } = input;
  const problem = buildProblem(input);
  checkSpreads(problem, input.rules);

  const fixedMonthly = problem.fixeds.reduce((sum, f) => sum + (f.current ? f.current.monthlyUsd * f.workload.count : 0), 0);
  const budget = config.budget.maxMonthlyCost;
  const state = newSolveState(problem, input.timeoutMs ?? 60_000, input.coreSolver, input.paretoStateLimit);
  solveDecomposed(state);
  let monthly = 0;
  for (const o of state.chosen.values()) monthly += o.monthly;
  const coupled = budget !== undefined && fixedMonthly + monthly > budget + EPS;
  if (coupled) solveBudgetCore(state, budget, fixedMonthly);
  for (const colocation of problem.colocations) expandColocation(colocation, state.chosen);

  const items = new Array<PlanItem>(input.workloads.length);
  let monthlyBefore = 0;
  let monthlyAfter = 0;
  let unpriced = 0;
  let objective = 0;
  for (const fixed of problem.fixeds) {
    const item = fixedItem(fixed);
    items[fixed.index] = item;
    if (item.monthlyBefore === undefined) unpriced++;
    else {
      monthlyBefore += item.monthlyBefore;
      monthlyAfter += item.monthlyBefore;
      objective += item.monthlyBefore;
    }
  }
  const ctx = { config, spreads: problem.spreads, ...(budget !== undefined && { budget }) };
  for (const free of problem.frees) {
    const option = state.chosen.get(free)!;
    items[free.index] = freeItem(free, option, ctx);
    monthlyBefore += free.current.monthlyUsd * free.workload.count;
    monthlyAfter += option.monthly;
    objective += option.objective;
  }

  const bound = state.lpBound + fixedMonthly;
  return {
    ...(input.stack !== undefined && { stack: input.stack }),
    items,
    totals: { monthlyBefore, monthlyAfter, monthlyDelta: monthlyAfter - monthlyBefore, unpriced },
    skipped: [...(input.skipped ?? [])],
    solver: {
      status: state.status,
      objective,
      lpBound: bound,
      gap: objective > 0 ? Math.max(0, (objective - bound) / objective) : 0,
      ...solvedSize(state),
      millis: performance.now() - started,
      method: methodOf(state, coupled),
      models: {
        closedForm: problem.ungrouped.length,
        milp: {
          solver: state.models.core && state.models.core !== 'yalps' ? `yalps (spread groups), ${state.models.core} (core)` : 'yalps',
          ...state.models.milp,
        },
        ...(state.models.pareto && { pareto: state.models.pareto }),
      },
    },
  };
}

/**
 * The size of what was actually solved: the variables and rows of every yalps model built (spread
 * groups, member fixing, the core fallback), plus the Pareto DP's stage choices and its rows (one
 * per stage and the budget). Workloads decided in closed form add nothing.
 */
function solvedSize(state: SolveState): { variables: number; constraints: number } {
  const { milp, pareto } = state.models;
  return {
    variables: milp.totalVariables + (pareto?.choices ?? 0),
    constraints: milp.totalConstraints + (pareto ? pareto.stages + 1 : 0),
  };
}

function methodOf(state: SolveState, coupled: boolean): string {
  const parts = ['exact option reduction', 'closed-form argmin per ungrouped workload'];
  if (state.problem.spreads.some((s) => s.members.length > 0)) parts.push('yalps MILP per spread group');
  if (coupled) {
    parts.push('Lagrangian relaxation of the budget row with reduced-cost fixing');
    parts.push(
      state.models.core
        ? `${state.models.core} branch-and-bound over the core (the Pareto DP outgrew its limits)`
        : 'Pareto dynamic programme over the core',
    );
  }
  return parts.join(' + ');
}
