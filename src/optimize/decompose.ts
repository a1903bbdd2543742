import type { Plan } from '../model';
import { StackfitError } from '../model';
import type { ResolvedRule } from '../config/rules';
import { argminObjective, type PlacementOption } from './options';
import { solveBlock, solveWithYalps, type BlockSolution, type ChoiceItem, type LinearSolver } from './milp';
import { diagnoseSpread } from './spread';
import type { Free, Problem, Spread } from './problem';

/**
 * The decomposition: without a binding budget, ungrouped workloads are independent (each takes
 * its argmin) and each spread group is an independent small MILP. Also the shared solve state.
 */

/** What the solve has found so far, shared by the decomposition and the budget core. */
export interface SolveState {
  problem: Problem;
  timeoutMs: number;
  /** Solver for the core fallback (yalps unless the caller loaded another). */
  coreSolver: { name: string; solve: LinearSolver };
  paretoStateLimit: number;
  status: Plan['solver']['status'];
  chosen: Map<Free, PlacementOption>;
  /** Lower bound over the free workloads (the fixed cost is added at the end). */
  lpBound: number;
  /** The models actually handed to a solver: how many, by which method, and their sizes. */
  models: SolvedModels;
}

export interface SolvedModels {
  /** yalps branch-and-bound / LP solves (spread groups, member fixing, the core fallback). */
  milp: { solves: number; largestVariables: number; largestConstraints: number; totalVariables: number; totalConstraints: number };
  /** Pareto dynamic programme over the budget core: stages and the largest frontier kept. */
  pareto?: { stages: number; choices: number };
  /** The solver that ran the core MILP, when the Pareto DP outgrew its limits. */
  core?: string;
}

export function newSolveState(
  problem: Problem,
  timeoutMs: number,
  coreSolver?: { name: string; solve: LinearSolver },
  paretoStateLimit = 200_000,
): SolveState {
  return {
    paretoStateLimit,
    problem,
    timeoutMs,
    coreSolver: coreSolver ?? { name: 'yalps', solve: solveWithYalps },
    status: problem.frees.length === 0 ? 'trivial' : 'optimal',
    chosen: new Map(),
    lpBound: 0,
    models: { milp: { solves: 0, largestVariables: 0, largestConstraints: 0, totalVariables: 0, totalConstraints: 0 } },
  };
}

/** Records the size of a model a solver actually ran on. */
export function recordSolve(state: SolveState, solution: BlockSolution): BlockSolution {
  const m = state.models.milp;
  m.solves++;
  m.totalVariables += solution.variables;
  m.totalConstraints += solution.constraints;
  m.largestVariables = Math.max(m.largestVariables, solution.variables);
  m.largestConstraints = Math.max(m.largestConstraints, solution.constraints);
  return solution;
}

const spreadItems = (spread: Spread): ChoiceItem[] => spread.members.map((m) => ({ options: m.options, spread: 0 }));

/** Solves one spread group alone (thresholds give way when they make it infeasible). */
export function solveGroup(
  state: SolveState,
  spread: Spread,
  extra: { lambda?: number; cheapest?: boolean; relax?: boolean } = {},
): BlockSolution {
  const run = () =>
    recordSolve(state, solveBlock({ items: spreadItems(spread), spreads: [spread.constraint], timeoutMs: state.timeoutMs, ...extra }));
  let solution = run();
  if (solution.status === 'infeasible' && spread.members.some((m) => m.options !== m.unfiltered)) {
    for (const m of spread.members) m.options = m.unfiltered;
    solution = run();
  }
  if (solution.status === 'infeasible') {
    throw new StackfitError(
      `group ${spread.name} cannot meet minClouds=${spread.minClouds} and minRegions=${spread.minRegions} together with its workloads' candidates`,
      `stackfit.yaml: groups.${spread.name}`,
    );
  }
  if (solution.status === 'timedout') state.status = 'feasible';
  return solution;
}

/** Each spread rule in isolation; thresholds give way when they are what makes a rule unmeetable. */
export function checkSpreads(problem: Problem, rules: ReadonlyMap<string, ResolvedRule>): void {
  for (const spread of problem.spreads) {
    // A group whose members all stay put has nothing to decide: its rule is not this run's to meet.
    if (spread.members.length === 0 || !diagnoseSpread(spread, rules)) continue;
    for (const m of spread.members) m.options = m.unfiltered;
    const message = diagnoseSpread(spread, rules);
    if (message) throw new StackfitError(message, `stackfit.yaml: groups.${spread.name}`);
  }
}

/** The budget-free optimum: every ungrouped workload alone, every spread group alone; sets the LP bound. */
export function solveDecomposed(state: SolveState): void {
  const { ungrouped, spreads } = state.problem;
  for (const free of ungrouped) state.chosen.set(free, argminObjective(free.options)!);
  state.lpBound = ungrouped.reduce((sum, f) => sum + state.chosen.get(f)!.objective, 0);
  for (const spread of spreads) {
    if (spread.members.length === 0) continue;
    const choices = solveGroup(state, spread).choices;
    spread.members.forEach((m, i) => {
      const option = m.options[choices[i] ?? -1];
      if (!option) throw new Error(`solver returned no choice for ${m.workload.urn}`);
      state.chosen.set(m, option);
    });
    state.lpBound += solveGroup(state, spread, { relax: true }).value;
  }
}
