import { performance } from 'node:perf_hooks';
import type { Plan, PlanItem } from '../model';
import { buildProblem, type PlanInput, type Problem } from './problem';
import { checkSpreads, newSolveState, solveDecomposed } from './decompose';
import { solveBudgetCore } from './core';
import { EPS } from './lagrange';
import { fixedItem, freeItem } from './explain';

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
  const state = newSolveState(problem, input.timeoutMs ?? 60_000);
  solveDecomposed(state);
  let monthly = 0;
  for (const o of state.chosen.values()) monthly += o.monthly;
  if (budget !== undefined && fixedMonthly + monthly > budget + EPS) solveBudgetCore(state, budget, fixedMonthly);

  const items: PlanItem[] = new Array(input.workloads.length);
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
      ...modelSize(problem, budget !== undefined),
      millis: performance.now() - started,
    },
  };
}

/** Size of the whole model after the exact reduction (one binary per remaining option, spread indicators and rows). */
function modelSize(problem: Problem, hasBudget: boolean): { variables: number; constraints: number } {
  let variables = 0;
  let constraints = problem.frees.length + (hasBudget ? 1 : 0);
  for (const f of problem.frees) variables += f.options.length;
  for (const spread of problem.spreads) {
    const clouds = new Set<string>();
    const places = new Set<string>();
    for (const m of spread.members) {
      for (const o of m.options) {
        if (!spread.constraint.fixedClouds.has(o.cloud)) clouds.add(o.cloud);
        if (!spread.constraint.fixedPlaces.has(o.place)) places.add(o.place);
      }
    }
    if (spread.minClouds > spread.constraint.fixedClouds.size) {
      variables += clouds.size;
      constraints += clouds.size + 1;
    }
    if (spread.minRegions > spread.constraint.fixedPlaces.size) {
      variables += places.size;
      constraints += places.size + 1;
    }
  }
  return { variables, constraints };
}


