import type { LinearModel, LinearResult, LinearSolver } from './milp';

/**
 * HiGHS (the `highs` package: HiGHS compiled to WebAssembly) as a solver for the same linear
 * models yalps solves. The model is written in CPLEX LP format with neutral column and row names
 * (c0…, r0…), solved with a zero optimality gap (HiGHS' default MIP gap is 1e-4, not exact).
 */

import type highsLoaderType from 'highs';

type Highs = Awaited<ReturnType<typeof highsLoaderType>>;

let loaded: Highs | undefined;

/** Loads the WebAssembly module once (async: it compiles ~3.5 MB of wasm); later calls reuse it. */
export async function loadHighs(): Promise<Highs> {
  if (!loaded) {
    // Required lazily: only a run that asks for HiGHS pays for loading it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const highsLoader = (require('highs') as { default: typeof highsLoaderType }).default;
    loaded = await highsLoader();
  }
  return loaded;
}

const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(17));

/** Writes a linear model as CPLEX LP text; returns the column names in model order. */
export function toLpFormat(model: LinearModel, relax: boolean): { text: string; columns: string[] } {
  const columns = [...model.variables.keys()];
  const columnId = new Map(columns.map((name, i) => [name, `c${i}`]));
  const rowTerms = new Map<string, string[]>();
  const objective: string[] = [];
  for (const [name, coefficients] of model.variables) {
    const id = columnId.get(name)!;
    for (const [row, value] of coefficients as Iterable<[string, number]>) {
      if (value === 0) continue;
      const term = `${value < 0 ? '-' : '+'} ${num(Math.abs(value))} ${id}`;
      if (row === 'cost') objective.push(term);
      else if (model.constraints.has(row)) {
        let terms = rowTerms.get(row);
        if (!terms) rowTerms.set(row, (terms = []));
        terms.push(term);
      }
    }
  }
  const objectiveText = objective.map((t, i) => (i > 0 && i % 10 === 0 ? `\n   ${t}` : t)).join(' ');
  const lines = ['Minimize', ` obj: ${objectiveText || `0 ${columnId.get(columns[0]!) ?? 'c0'}`}`, 'Subject To'];
  let r = 0;
  for (const [row, bound] of model.constraints) {
    const terms = rowTerms.get(row);
    if (!terms) continue;
    // Short lines: ten terms each (LP readers limit line length).
    const lhs = terms.map((t, i) => (i > 0 && i % 10 === 0 ? `\n   ${t}` : t)).join(' ');
    if (bound.equal !== undefined) lines.push(` r${r++}: ${lhs} = ${num(bound.equal)}`);
    else {
      if (bound.min !== undefined) lines.push(` r${r++}: ${lhs} >= ${num(bound.min)}`);
      if (bound.max !== undefined) lines.push(` r${r++}: ${lhs} <= ${num(bound.max)}`);
    }
  }
  if (!relax) {
    const ints = columns.filter((c) => model.integers.has(c)).map((c) => columnId.get(c)!);
    const bins = columns.filter((c) => model.binaries.has(c)).map((c) => columnId.get(c)!);
    if (ints.length) lines.push('General', ` ${ints.join(' ')}`);
    if (bins.length) lines.push('Binary', ` ${bins.join(' ')}`);
  }
  lines.push('End');
  return { text: lines.join('\n'), columns };
}

/** A LinearSolver backed by a loaded HiGHS module. */
export function highsSolver(highs: Highs): LinearSolver {
  return (model: LinearModel, options): LinearResult => {
    const { text, columns } = toLpFormat(model, options.relax);
    const solution = highs.solve(text, {
      output_flag: false,
      mip_rel_gap: 0,
      mip_abs_gap: 1e-9,
      ...(options.timeoutMs !== undefined && { time_limit: options.timeoutMs / 1000 }),
    });
    const values = new Map<string, number>();
    if (solution.Status === 'Optimal' || solution.Status === 'Time limit reached') {
      const byId = solution.Columns as Record<string, { Primal?: number }>;
      columns.forEach((name, i) => values.set(name, byId[`c${i}`]?.Primal ?? 0));
    }
    if (solution.Status === 'Optimal') return { status: 'optimal', value: solution.ObjectiveValue, values };
    if (solution.Status === 'Infeasible') return { status: 'infeasible', value: Number.NaN, values };
    if (solution.Status === 'Time limit reached')
      return { status: 'timedout', value: values.size ? solution.ObjectiveValue : Number.NaN, values };
    throw new Error(`HiGHS returned ${solution.Status} for a ${model.variables.size}-variable model`);
  };
}
