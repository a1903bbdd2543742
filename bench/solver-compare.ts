/**
 * yalps against HiGHS (the `highs` package, WebAssembly) on the SAME models, built from the
 * optimiser's own model builder (`buildBlockModel`) over the real-catalog fleet of bench/fleet.ts:
 *
 * - "spread groups": the five spread-group MILPs the decomposition solves (12 members each);
 * - "budget core": every decision unit of the first N workloads in ONE MILP with the budget row
 *   (binary per option for spread members, one integer per option for classes of identical
 *   workloads, spread indicators), the budget half-way between the cheapest plan and the
 *   budget-free optimum — what the core fallback would get with no reduced-cost fixing at all.
 *
 * For each: wall time, status, objective, model size, and the gap to the LP relaxation bound
 * (solved by HiGHS). The production path (solvePlan: decomposition + Lagrangian + Pareto DP) is
 * shown for the same budget.
 *
 *   npx tsx bench/solver-compare.ts [sizes, default 100,1000,10000] [timeout seconds, default 60]
 */
import { performance } from 'node:perf_hooks';
import { solvePlan } from '../src/optimize';
import { buildProblem } from '../src/optimize/problem';
import {
  buildBlockModel,
  solveWithYalps,
  type BlockModel,
  type ChoiceClass,
  type ChoiceItem,
  type LinearSolver,
} from '../src/optimize/milp';
import { highsSolver, loadHighs } from '../src/optimize/highs';
import type { PlacementOption } from '../src/optimize/options';
import { buildFleet } from './fleet';

const SIZES = (process.argv[2] ?? '100,1000,10000').split(',').map(Number);
const TIMEOUT_MS = Number(process.argv[3] ?? 60) * 1000;

interface Row {
  model: string;
  solver: string;
  ms: number;
  status: string;
  objective: number;
  variables: number;
  constraints: number;
  gap: number;
}

function run(model: string, solverName: string, solver: LinearSolver, block: BlockModel, bound: number): Row {
  const linear = buildBlockModel(block);
  const t = performance.now();
  const result = solver(linear, { relax: false, timeoutMs: TIMEOUT_MS });
  const ms = performance.now() - t;
  const gap = Number.isFinite(result.value) && result.value > 0 ? (result.value - bound) / result.value : Number.NaN;
  return {
    model,
    solver: solverName,
    ms,
    status: result.status,
    objective: result.value,
    variables: linear.variables.size,
    constraints: linear.constraints.size,
    gap,
  };
}

/** Classes of interchangeable workloads: identical (monthly, objective) option lists. */
function classesOf(options: readonly (readonly PlacementOption[])[]): ChoiceClass[] {
  const byKey = new Map<string, { options: readonly PlacementOption[]; size: number }>();
  for (const list of options) {
    const key = list.map((o) => `${o.monthly.toFixed(6)}:${o.objective.toFixed(6)}`).join('|');
    const entry = byKey.get(key);
    if (entry) entry.size++;
    else byKey.set(key, { options: list, size: 1 });
  }
  return [...byKey.values()];
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const highs = await loadHighs();
  console.log(`HiGHS wasm loaded in ${(performance.now() - t0).toFixed(0)} ms; time limit per solve ${TIMEOUT_MS / 1000} s`);
  const solvers: [string, LinearSolver][] = [
    ['yalps', solveWithYalps],
    ['HiGHS', highsSolver(highs)],
  ];
  const rows: Row[] = [];
  for (const n of SIZES) {
    const fleet = buildFleet(n);
    const input = {
      workloads: fleet.workloads,
      demands: fleet.demands,
      candidates: fleet.candidates,
      current: fleet.current,
      config: fleet.configWith(),
      rules: fleet.rules,
    };
    const problem = buildProblem(input);
    const spreads = problem.spreads.filter((s) => s.members.length > 0);
    if (n === SIZES[0]) {
      for (const spread of spreads) {
        const block: BlockModel = { items: spread.members.map((m) => ({ options: m.options, spread: 0 })), spreads: [spread.constraint] };
        const bound = solveWithYalps(buildBlockModel({ ...block, relax: true }), { relax: true }).value;
        for (const [name, solver] of solvers)
          rows.push(run(`spread group ${spread.name} (${spread.members.length} members)`, name, solver, block, bound));
      }
    }
    // The budget core over every decision unit.
    const items: ChoiceItem[] = [];
    spreads.forEach((s, k) => s.members.forEach((m) => items.push({ options: m.options, spread: k })));
    const classes = classesOf(problem.ungrouped.map((u) => u.options));
    const fixedMonthly = problem.fixeds.reduce((t, f) => t + (f.current ? f.current.monthlyUsd * f.workload.count : 0), 0);
    const free = solvePlan(input);
    const freeMonthly = free.totals.monthlyAfter - fixedMonthly;
    const cheapest = [...problem.ungrouped, ...spreads.flatMap((s) => s.members)].reduce(
      (t, u) => t + Math.min(...u.options.map((o) => o.monthly)),
      0,
    );
    const budget = cheapest + 0.5 * (freeMonthly - cheapest);
    const block: BlockModel = { items, classes, spreads: spreads.map((s) => s.constraint), maxMonthly: budget };
    const bound = highsSolver(highs)(buildBlockModel({ ...block, relax: true }), { relax: true }).value;
    const label = `budget core, ${n} workloads (${problem.ungrouped.length} ungrouped in ${classes.length} classes, ${items.length} group members)`;
    for (const [name, solver] of solvers) rows.push(run(label, name, solver, block, bound));
    // The production path for the same budget (Lagrangian + reduced-cost fixing + Pareto DP).
    const t = performance.now();
    // As the pipeline runs it: HiGHS for the core when the DP outgrows its limits.
    const plan = solvePlan({
      ...input,
      config: fleet.configWith(budget + fixedMonthly),
      coreSolver: { name: 'HiGHS', solve: highsSolver(highs) },
    });
    const ms = performance.now() - t;
    rows.push({
      model: label,
      solver: `solvePlan (${plan.solver.method?.includes('HiGHS branch') ? 'DP too large → HiGHS core' : 'Pareto DP'})`,
      ms,
      status: plan.solver.status,
      objective: plan.solver.objective - fixedMonthly,
      variables: plan.solver.variables ?? 0,
      constraints: plan.solver.constraints ?? 0,
      gap: (plan.solver.objective - fixedMonthly - bound) / (plan.solver.objective - fixedMonthly),
    });
  }
  console.log('\n| model | solver | time | status | objective (USD/month) | variables | constraints | gap to LP bound |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.model} | ${r.solver} | ${r.ms < 1000 ? `${r.ms.toFixed(0)} ms` : `${(r.ms / 1000).toFixed(1)} s`} | ${r.status} | ${Number.isFinite(r.objective) ? r.objective.toFixed(2) : '—'} | ${r.variables} | ${r.constraints} | ${Number.isFinite(r.gap) ? `${(r.gap * 100).toPrecision(2)} %` : '—'} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
