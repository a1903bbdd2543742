/**
 * Optimiser benchmark: 10,000 workloads on real catalog offerings across AWS, Azure and GCP,
 * demands derived from real utilisation traces (Azure Public Dataset V1 CPU, Bitbrains memory),
 * candidates from the real `candidatesFor`, moves allowed, five spread groups, and two budgets:
 * one that does not bind and one that does.
 *
 *   npx tsx bench/optimize.ts [workloads]
 */
import { performance } from 'node:perf_hooks';
import { StackfitError, type Plan } from '../src/model';
import { solvePlan } from '../src/optimize';
import { buildFleet } from './fleet';
import { highsSolver, loadHighs } from '../src/optimize/highs';

let highs: Awaited<ReturnType<typeof loadHighs>> | undefined;

const N = Number(process.argv[2] ?? 10_000);
const { PLACES, GROUPS, workloads, demands, current, rules, candidates, candidateCount, candidatesMs, configWith } = buildFleet(N);
let t = performance.now();

function run(label: string, budget?: number): Plan {
  if (global.gc) global.gc();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  t = performance.now();
  // As the pipeline runs it: with a budget, the core MILP (if the DP outgrows its limits) on HiGHS.
  const plan = solvePlan({
    workloads,
    demands,
    candidates,
    current,
    config: configWith(budget),
    rules,
    ...(budget !== undefined && highs && { coreSolver: { name: 'HiGHS', solve: highsSolver(highs) } }),
  });
  const ms = performance.now() - t;
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const actions: Record<string, number> = {};
  for (const item of plan.items) actions[item.action] = (actions[item.action] ?? 0) + 1;
  const s = plan.solver;
  console.log(`\n${label}${budget !== undefined ? ` (budget ${budget.toFixed(2)} USD/month)` : ''}`);
  console.log(`  solve            ${ms.toFixed(0)} ms (solver.millis ${s.millis.toFixed(0)})`);
  console.log(`  peak RSS         ${(peak / 2 ** 20).toFixed(0)} MiB (process maxRSS)`);
  console.log(`  status           ${s.status}`);
  console.log(`  method           ${s.method}`);
  console.log(`  solved models    ${s.variables} variables, ${s.constraints} constraints (${JSON.stringify(s.models)})`);
  console.log(`  objective        ${s.objective.toFixed(2)} USD/month (incl. amortised migration)`);
  console.log(`  LP bound / gap   ${s.lpBound?.toFixed(2)} / ${((s.gap ?? 0) * 100).toPrecision(3)} %`);
  console.log(
    `  monthly          ${plan.totals.monthlyBefore.toFixed(2)} → ${plan.totals.monthlyAfter.toFixed(2)} (${plan.totals.monthlyDelta.toFixed(2)})`,
  );
  console.log(`  actions          ${JSON.stringify(actions)}`);
  const counts = plan.items.filter((i) => i.countAfter !== undefined).length;
  const steps = plan.items.filter((i) => i.step).length;
  console.log(`  count changes    ${counts}; capped by maxStepDown ${steps}`);
  return plan;
}

console.log(
  `${N} workloads, ${candidateCount} candidates from candidatesFor in ${candidatesMs.toFixed(0)} ms (${(candidateCount / N).toFixed(1)} per workload)`,
);
console.log(
  `places: ${Object.entries(PLACES)
    .map(([c, r]) => `${c}: ${r.join(', ')}`)
    .join('; ')}; groups: ${JSON.stringify(GROUPS)}`,
);
{
  // What merely reading every candidate once costs (memory-bound), for scale.
  const t0 = performance.now();
  let total = 0;
  for (const list of candidates.values()) for (const o of list) total += o.vcpu + o.memoryGiB + o.monthlyUsd;
  console.log(`reading every candidate once: ${(performance.now() - t0).toFixed(0)} ms (${total > 0})`);
}
async function main(): Promise<void> {
  highs = await loadHighs();
  const free = run('no budget');
  const loose = run('budget that does not bind', free.totals.monthlyAfter * 1.05);
  if (Math.abs(loose.solver.objective - free.solver.objective) > 1e-6) throw new Error('a loose budget changed the plan');
  // The cheapest feasible plan, as the solver's own budget check reports it for an impossible budget.
  let cheapest = 0;
  try {
    solvePlan({ workloads, demands, candidates, current, config: configWith(1), rules });
  } catch (error) {
    if (!(error instanceof StackfitError)) throw error;
    cheapest = Number(/cheapest feasible plan ([\d.]+) USD/.exec(error.message)![1]);
  }
  const bindingBudget = cheapest + 0.5 * (free.totals.monthlyAfter - cheapest);
  const binding = run('budget that binds', bindingBudget);
  if (binding.totals.monthlyAfter > bindingBudget + 1e-6) throw new Error('budget broken');
  // A budget below the cheapest plan: the error names the rule and the cheapest plan.
  try {
    solvePlan({ workloads, demands, candidates, current, config: configWith(cheapest * 0.9), rules });
    throw new Error('an impossible budget was accepted');
  } catch (error) {
    if (!(error instanceof StackfitError)) throw error;
    console.log(`\nbudget below the cheapest plan (${(cheapest * 0.9).toFixed(2)} USD/month):\n  ${error.message}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
