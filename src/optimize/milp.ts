import { solve, type Coefficients, type Constraint } from 'yalps';
import type { PlacementOption } from './options';

/** A workload that must pick exactly one of its options (a binary per option). */
export interface ChoiceItem {
  options: readonly PlacementOption[];
  /** Index into `spreads` when the workload belongs to a group with a spread rule. */
  spread?: number;
}

/**
 * Interchangeable workloads (same option costs, no spread rule) folded into one integer
 * variable per option: how many of them take it. Exact, and removes the symmetry that makes
 * branch-and-bound blow up on thousands of identical workloads.
 */
export interface ChoiceClass {
  options: readonly PlacementOption[];
  size: number;
}

export interface SpreadConstraint {
  minClouds: number;
  minRegions: number;
  /** Clouds and places already covered by the group's members that stay where they are. */
  fixedClouds: ReadonlySet<string>;
  fixedPlaces: ReadonlySet<string>;
}

export interface BlockModel {
  items: readonly ChoiceItem[];
  classes?: readonly ChoiceClass[];
  spreads: readonly SpreadConstraint[];
  /** Upper bound on the block's monthly cost (the budget left after everything outside the block). */
  maxMonthly?: number;
  /** Lagrange multiplier on monthly cost: each option costs objective + lambda × monthly. */
  lambda?: number;
  /** Minimise monthly cost (then objective) instead: the cheapest feasible plan. */
  cheapest?: boolean;
  /** Solve the LP relaxation (no integrality). */
  relax?: boolean;
  timeoutMs?: number;
}

export interface BlockSolution {
  status: 'optimal' | 'infeasible' | 'timedout';
  /** Minimised value (per the block's cost function); NaN when a time-out found no integer solution. */
  value: number;
  /** Chosen option index per item (integer solves only). */
  choices: number[];
  /** Per class, how many workloads take each option (integer solves only). */
  classCounts: number[][];
  variables: number;
  constraints: number;
}

/** A block as a linear model: minimise `cost`; integer and binary columns named. The yalps shape, also written for HiGHS. */
export interface LinearModel {
  constraints: Map<string, Constraint>;
  variables: Map<string, Coefficients>;
  integers: Set<string>;
  binaries: Set<string>;
}

/** Builds the linear model of a block of coupled workloads (one-choice rows, class counts, spread indicators, budget). */
export function buildBlockModel(block: BlockModel): LinearModel {
  const lambda = block.lambda ?? 0;
  // In "cheapest" mode the objective is still added with a tiny weight so ties keep the better plan.
  const cost = (o: PlacementOption): number => (block.cheapest ? o.monthly + 1e-6 * o.objective : o.objective + lambda * o.monthly);

  const constraints = new Map<string, Constraint>();
  const variables = new Map<string, Coefficients>();
  const integerVars = new Set<string>();
  const binaryVars = new Set<string>();

  // Per spread, the linking rows each option contributes to.
  const linkRows: { clouds: Map<string, string>; places: Map<string, string> }[] = block.spreads.map(() => ({
    clouds: new Map(),
    places: new Map(),
  }));
  block.items.forEach((item) => {
    if (item.spread === undefined) return;
    const spread = block.spreads[item.spread];
    const rows = linkRows[item.spread];
    if (!spread || !rows) return;
    for (const option of item.options) {
      if (spread.minClouds > spread.fixedClouds.size && !spread.fixedClouds.has(option.cloud) && !rows.clouds.has(option.cloud)) {
        rows.clouds.set(option.cloud, `s${item.spread}:c:${option.cloud}`);
      }
      if (spread.minRegions > spread.fixedPlaces.size && !spread.fixedPlaces.has(option.place) && !rows.places.has(option.place)) {
        rows.places.set(option.place, `s${item.spread}:r:${option.place}`);
      }
    }
  });

  block.items.forEach((item, i) => {
    constraints.set(`w${i}`, { equal: 1 });
    item.options.forEach((option, j) => {
      const coefficients: [string, number][] = [
        ['cost', cost(option)],
        [`w${i}`, 1],
      ];
      if (block.maxMonthly !== undefined) coefficients.push(['budget', option.monthly]);
      const rows = item.spread !== undefined ? linkRows[item.spread] : undefined;
      const cloudRow = rows?.clouds.get(option.cloud);
      if (cloudRow) coefficients.push([cloudRow, -1]);
      const placeRow = rows?.places.get(option.place);
      if (placeRow) coefficients.push([placeRow, -1]);
      const key = `x${i}:${j}`;
      variables.set(key, coefficients);
      binaryVars.add(key);
    });
  });

  (block.classes ?? []).forEach((cls, c) => {
    constraints.set(`k${c}`, { equal: cls.size });
    cls.options.forEach((option, j) => {
      const coefficients: [string, number][] = [
        ['cost', cost(option)],
        [`k${c}`, 1],
      ];
      if (block.maxMonthly !== undefined) coefficients.push(['budget', option.monthly]);
      const key = `n${c}:${j}`;
      variables.set(key, coefficients);
      integerVars.add(key);
    });
  });

  block.spreads.forEach((spread, s) => {
    const rows = linkRows[s];
    if (!rows) return;
    const indicator = (count: string, rowsByKey: Map<string, string>, needed: number): void => {
      if (needed <= 0) return;
      constraints.set(count, { min: needed });
      for (const row of rowsByKey.values()) {
        // y ≤ Σ x over the options in that cloud/place; y counts towards the spread.
        constraints.set(row, { max: 0 });
        const key = `y:${row}`;
        const coefficients: [string, number][] = [
          [row, 1],
          [count, 1],
        ];
        if (block.relax) {
          constraints.set(`${key}:ub`, { max: 1 });
          coefficients.push([`${key}:ub`, 1]);
        }
        variables.set(key, coefficients);
        binaryVars.add(key);
      }
    };
    indicator(`s${s}:clouds`, rows.clouds, spread.minClouds - spread.fixedClouds.size);
    indicator(`s${s}:regions`, rows.places, spread.minRegions - spread.fixedPlaces.size);
  });

  if (block.maxMonthly !== undefined) constraints.set('budget', { max: block.maxMonthly });
  return { constraints, variables, integers: integerVars, binaries: binaryVars };
}

/** What a MILP solver returns for a linear model: status, optimum, column values. */
export interface LinearResult {
  status: 'optimal' | 'infeasible' | 'timedout';
  value: number;
  values: ReadonlyMap<string, number>;
}

/** A solver for linear models: yalps by default; `solveWithHighs` (src/optimize/highs.ts) when loaded. */
export type LinearSolver = (model: LinearModel, options: { relax: boolean; timeoutMs?: number }) => LinearResult;

export const solveWithYalps: LinearSolver = (model, options) => {
  const { constraints, variables } = model;

  const solution = solve(
    {
      direction: 'minimize',
      objective: 'cost',
      constraints,
      variables,
      ...(options.relax ? {} : { binaries: model.binaries, integers: model.integers }),
    },
    {
      // Large blocks need more pivots than the default 8192; a timeout bounds branch-and-bound.
      maxPivots: 1_000_000,
      maxIterations: 1_000_000,
      ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
    },
  );
  let status: LinearResult['status'];
  if (solution.status === 'optimal') status = 'optimal';
  else if (solution.status === 'infeasible') status = 'infeasible';
  // A time-out may come with an incumbent (finite result) or none (NaN): the caller decides.
  else if (solution.status === 'timedout') status = 'timedout';
  else throw new Error(`yalps returned ${solution.status} for a ${variables.size}-variable block`);
  return { status, value: solution.result, values: new Map(solution.variables) };
};

/** Builds and solves one model for a block of coupled workloads (yalps unless another solver is given). */
export function solveBlock(block: BlockModel, solver: LinearSolver = solveWithYalps): BlockSolution {
  const model = buildBlockModel(block);
  const solution = solver(model, { relax: block.relax === true, ...(block.timeoutMs !== undefined && { timeoutMs: block.timeoutMs }) });
  const values = solution.values;
  const choices = block.items.map((item, i) => {
    let bestIndex = -1;
    let bestValue = 0.5;
    item.options.forEach((_, j) => {
      const value = values.get(`x${i}:${j}`) ?? 0;
      if (value > bestValue) {
        bestValue = value;
        bestIndex = j;
      }
    });
    return bestIndex;
  });
  const classCounts = (block.classes ?? []).map((cls, c) => cls.options.map((_, j) => Math.round(values.get(`n${c}:${j}`) ?? 0)));

  return {
    status: solution.status,
    value: solution.value,
    choices,
    classCounts,
    variables: model.variables.size,
    constraints: model.constraints.size,
  };
}
