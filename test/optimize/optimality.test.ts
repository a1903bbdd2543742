import { beforeAll, describe, expect, it } from 'vitest';
import { solve } from 'yalps';
import { StackfitError, type Offering, type Plan } from '../../src/model';
import { solvePlan } from '../../src/optimize';
import type { StackfitConfig } from '../../src/config/schema';
import { highsSolver, loadHighs } from '../../src/optimize/highs';
import { config, demand, offering, planInput, rng, workload, type Case } from './helpers';

let highs: Awaited<ReturnType<typeof loadHighs>> | undefined;
beforeAll(async () => {
  highs = await loadHighs();
});

// Real offerings in seven places across the three clouds.
const POOL: Offering[] = [
  ...['m5.large', 'm5.xlarge', 'c5.xlarge', 'r5.large', 't3.large', 'm6i.large'].map((s) => offering('aws', 'us-east-1', s)),
  ...['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_E2s_v5', 'Standard_F4s_v2'].flatMap((s) =>
    ['eastus', 'westeurope', 'northeurope'].map((r) => offering('azure', r, s)),
  ),
  ...['n2-standard-2', 'n2-standard-4', 'e2-standard-4', 'n2-highmem-2'].flatMap((s) =>
    ['us-central1', 'europe-west1', 'asia-east1'].map((r) => offering('gcp', r, s)),
  ),
];

const key = (o: Offering) => `${o.cloud}/${o.region}/${o.size}`;

/** Exhaustive search over every combination: the reference optimum (or undefined when infeasible). */
export function bruteForce(cases: readonly Case[], cfg: StackfitConfig): number | undefined {
  const options = cases.map((c) => {
    const list = new Map<string, Offering>();
    // Workloads without enough history stay where they are.
    for (const o of c.demand?.status === 'ok' ? [c.current!, ...c.candidates] : [c.current!]) list.set(key(o), o);
    return [...list.values()];
  });
  const cost = (c: Case, o: Offering) => {
    const cur = c.current!;
    const move =
      o.cloud !== cur.cloud
        ? cfg.migration.crossCloudCostPerInstance
        : o.region !== cur.region
          ? cfg.migration.crossRegionCostPerInstance
          : 0;
    return {
      monthly: o.monthlyUsd * c.workload.count,
      objective: o.monthlyUsd * c.workload.count + (move * c.workload.count) / cfg.migration.amortizeMonths,
    };
  };
  let best: number | undefined;
  const pick: Offering[] = [];
  const walk = (i: number): void => {
    if (i === cases.length) {
      let monthly = 0;
      let objective = 0;
      cases.forEach((c, j) => {
        const v = cost(c, pick[j]!);
        monthly += v.monthly;
        objective += v.objective;
      });
      if (cfg.budget.maxMonthlyCost !== undefined && monthly > cfg.budget.maxMonthlyCost + 1e-9) return;
      for (const [group, rule] of Object.entries(cfg.groups)) {
        const members = cases.map((c, j) => (c.workload.group === group ? pick[j]! : undefined)).filter((o): o is Offering => !!o);
        // A group none of whose members can move has nothing to decide (documented: its rule is not enforced).
        if (!cases.some((c) => c.workload.group === group && c.demand?.status === 'ok')) continue;
        if (new Set(members.map((o) => o.cloud)).size < (rule.minClouds ?? 1)) return;
        if (new Set(members.map((o) => `${o.cloud}/${o.region}`)).size < (rule.minRegions ?? 1)) return;
      }
      if (best === undefined || objective < best) best = objective;
      return;
    }
    for (const o of options[i]!) {
      pick[i] = o;
      walk(i + 1);
    }
  };
  walk(0);
  return best;
}

function checkPlanMeetsRules(plan: Plan, cases: readonly Case[], cfg: StackfitConfig) {
  if (cfg.budget.maxMonthlyCost !== undefined) expect(plan.totals.monthlyAfter).toBeLessThanOrEqual(cfg.budget.maxMonthlyCost + 1e-6);
  for (const [group, rule] of Object.entries(cfg.groups)) {
    const members = plan.items.filter((i) => i.workload.group === group);
    if (!members.some((i) => i.action !== 'no-recommendation')) continue;
    const chosen = members.map((i) => i.chosen ?? i.current!);
    expect(new Set(chosen.map((o) => o.cloud)).size).toBeGreaterThanOrEqual(rule.minClouds ?? 1);
    expect(new Set(chosen.map((o) => `${o.cloud}/${o.region}`)).size).toBeGreaterThanOrEqual(rule.minRegions ?? 1);
  }
  plan.items.forEach((it, i) => {
    const c = cases[i]!;
    if (c.demand?.status !== 'ok') {
      expect(it.action).toBe('no-recommendation');
      expect(it.monthlyAfter).toBe(it.monthlyBefore);
      return;
    }
    const allowed = new Set([c.current!, ...c.candidates].map(key));
    expect(allowed.has(key(it.chosen!))).toBe(true);
  });
}

export function randomInstance(seed: number): { cases: Case[]; cfg: StackfitConfig } {
  const r = rng(seed);
  const pickOne = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const n = 3 + Math.floor(r() * 4);
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const current = pickOne(POOL);
    const group = r() < 0.6 ? 'web' : r() < 0.5 ? 'db' : undefined;
    const w = workload(`w${i}`, current, { count: 1 + Math.floor(r() * 3), ...(group && { group }) });
    const candidates = Array.from({ length: 1 + Math.floor(r() * 5) }, () => pickOne(POOL));
    const young = r() < 0.15;
    cases.push({
      workload: w,
      current,
      demand: demand(w.urn, 0.5, 1, young ? { status: 'insufficient-history', historyHours: 12 } : {}),
      candidates,
    });
  }
  const currentMonthly = cases.reduce((s, c) => s + c.current!.monthlyUsd * c.workload.count, 0);
  const cfg = config({
    allowMove: true,
    thresholds: { minMonthlyDeltaUsd: 0, minDeltaPercent: 0 },
    migration: {
      crossCloudCostPerInstance: Math.round(r() * 3000),
      crossRegionCostPerInstance: Math.round(r() * 1000),
      amortizeMonths: 12,
      maxPaybackMonths: 1e9,
    },
    groups: { web: { minClouds: 1 + Math.floor(r() * 2), minRegions: 1 + Math.floor(r() * 3) }, db: { minRegions: 2 } },
    ...(r() < 0.6 && { budget: { maxMonthlyCost: Math.round(currentMonthly * (0.7 + r() * 0.4)) } }),
  });
  return { cases, cfg };
}

describe('solvePlan optimality', () => {
  it('matches exhaustive search on 400 random small instances with budgets and spread rules', () => {
    let infeasible = 0;
    let budgetBound = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const { cases, cfg } = randomInstance(seed);
      const reference = bruteForce(cases, cfg);
      const input = planInput(cases, cfg);
      if (reference === undefined) {
        infeasible++;
        expect(() => solvePlan(input), `seed ${seed}`).toThrow(StackfitError);
        continue;
      }
      const plan = solvePlan(input);
      expect(plan.solver.status, `seed ${seed}`).toBe('optimal');
      expect(plan.solver.objective, `seed ${seed}`).toBeCloseTo(reference, 6);
      expect(plan.solver.lpBound!).toBeLessThanOrEqual(plan.solver.objective + 1e-6);
      checkPlanMeetsRules(plan, cases, cfg);
      const unconstrained = bruteForce(cases, { ...cfg, budget: {} });
      if (unconstrained !== undefined && unconstrained < reference - 1e-6) budgetBound++;
    }
    // The generator must exercise both the infeasible and the budget-binding paths.
    expect(infeasible).toBeGreaterThan(5);
    expect(budgetBound).toBeGreaterThan(5);
  });

  /** The whole problem as one yalps model: a binary per (workload, offering), spread indicators, the budget row. */
  function directModel(cases: readonly Case[], cfg: StackfitConfig) {
    const variables = new Map<string, [string, number][]>();
    const constraints = new Map<string, { equal?: number; min?: number; max?: number }>();
    if (cfg.budget.maxMonthlyCost !== undefined) constraints.set('budget', { max: cfg.budget.maxMonthlyCost });
    const indicator = new Set<string>();
    cases.forEach((c, i) => {
      constraints.set(`w${i}`, { equal: 1 });
      const seen = new Set<string>();
      for (const o of [c.current!, ...c.candidates]) {
        if (seen.has(key(o))) continue;
        seen.add(key(o));
        const move =
          o.cloud !== c.current!.cloud
            ? cfg.migration.crossCloudCostPerInstance
            : o.region !== c.current!.region
              ? cfg.migration.crossRegionCostPerInstance
              : 0;
        const coefficients: [string, number][] = [
          ['cost', o.monthlyUsd * c.workload.count + (move * c.workload.count) / cfg.migration.amortizeMonths],
          ['budget', o.monthlyUsd * c.workload.count],
          [`w${i}`, 1],
        ];
        const group = c.workload.group;
        if (group) {
          for (const k of [`${group}:clouds:${o.cloud}`, `${group}:regions:${o.cloud}/${o.region}`]) {
            coefficients.push([k, -1]);
            indicator.add(k);
          }
        }
        variables.set(`x${i}:${key(o)}`, coefficients);
      }
    });
    for (const k of indicator) {
      constraints.set(k, { max: 0 });
      const [group, kind] = k.split(':');
      variables.set(`y:${k}`, [
        [k, 1],
        [`${group}:${kind}`, 1],
      ]);
    }
    for (const [group, rule] of Object.entries(cfg.groups)) {
      constraints.set(`${group}:clouds`, { min: rule.minClouds ?? 1 });
      constraints.set(`${group}:regions`, { min: rule.minRegions ?? 1 });
    }
    return solve({ direction: 'minimize', objective: 'cost', constraints, variables, binaries: true });
  }

  it('matches a direct yalps model of the whole problem on 60-workload instances with binding budgets and spread groups', () => {
    let binding = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(1000 + seed);
      const pickOne = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
      const cases: Case[] = [];
      for (let i = 0; i < 60; i++) {
        const current = pickOne(POOL);
        const group = i < 6 ? 'web' : i < 10 ? 'api' : undefined;
        const w = workload(`w${i}`, current, { count: 1 + Math.floor(r() * 4), ...(group && { group }) });
        const candidates = Array.from({ length: 2 + Math.floor(r() * 6) }, () => pickOne(POOL));
        cases.push({ workload: w, current, demand: demand(w.urn, 0.5, 1), candidates });
      }
      const currentMonthly = cases.reduce((s, c) => s + c.current!.monthlyUsd * c.workload.count, 0);
      const cfg = config({
        allowMove: true,
        thresholds: { minMonthlyDeltaUsd: 0, minDeltaPercent: 0 },
        migration: {
          crossCloudCostPerInstance: 300 + Math.round(r() * 1500),
          crossRegionCostPerInstance: Math.round(r() * 500),
          amortizeMonths: 12,
          maxPaybackMonths: 1e9,
        },
        groups: { web: { minClouds: 3, minRegions: 4 }, api: { minClouds: 2 } },
        budget: { maxMonthlyCost: Math.round(currentMonthly * (0.6 + 0.05 * seed)) },
      });
      const reference = directModel(cases, cfg);
      if (reference.status === 'infeasible') {
        expect(() => solvePlan(planInput(cases, cfg)), `seed ${seed}`).toThrow(/budget .* is below the cheapest feasible plan/);
        continue;
      }
      expect(reference.status).toBe('optimal');
      const plan = solvePlan(planInput(cases, cfg));
      expect(plan.solver.status).toBe('optimal');
      expect(plan.solver.objective, `seed ${seed}`).toBeCloseTo(reference.result, 5);
      checkPlanMeetsRules(plan, cases, cfg);
      // The same with the core handed to the MILP solver (the DP's limit set to 0), on HiGHS.
      const viaHighs = solvePlan({
        ...planInput(cases, cfg),
        coreSolver: { name: 'HiGHS', solve: highsSolver(highs!) },
        paretoStateLimit: 0,
      });
      expect(viaHighs.solver.objective, `seed ${seed} via HiGHS`).toBeCloseTo(reference.result, 5);
      if (plan.solver.objective > 0 && directModel(cases, { ...cfg, budget: {} }).result < reference.result - 1e-6) {
        expect(viaHighs.solver.method).toContain('HiGHS branch-and-bound over the core');
        expect(viaHighs.solver.models!.milp.solver).toBe('yalps (spread groups), HiGHS (core)');
      }
      checkPlanMeetsRules(viaHighs, cases, cfg);
      if (directModel(cases, { ...cfg, budget: {} }).result < reference.result - 1e-6) binding++;
    }
    expect(binding).toBeGreaterThan(2);
  });

  it('splits a class of identical workloads exactly when the budget allows only some of them the better option', () => {
    const current = offering('azure', 'westeurope', 'Standard_D4s_v5');
    const sameRegionCheaper = offering('azure', 'westeurope', 'Standard_D2s_v5');
    const otherCloud = offering('gcp', 'us-central1', 'n2-standard-2');
    const cases: Case[] = Array.from({ length: 30 }, (_, i) => {
      const w = workload(`w${i}`, current);
      return { workload: w, current, demand: demand(w.urn, 1.5, 6), candidates: [current, sameRegionCheaper, otherCloud] };
    });
    // Budget between "all resize in place" and "all move to the cheaper cloud": some must move.
    const allResize = 30 * sameRegionCheaper.monthlyUsd;
    const allMove = 30 * otherCloud.monthlyUsd;
    expect(allMove).toBeLessThan(allResize);
    const cfg = config({
      allowMove: true,
      // Moving costs 50 USD/month amortised, more than it saves: only the budget makes anyone move.
      migration: { crossCloudCostPerInstance: 600 },
      thresholds: { minMonthlyDeltaUsd: 0, minDeltaPercent: 0 },
      budget: { maxMonthlyCost: (allResize + allMove) / 2 },
    });
    const plan = solvePlan(planInput(cases, cfg));
    const reference = directModel(cases, cfg);
    expect(plan.solver.objective).toBeCloseTo(reference.result, 6);
    const movers = plan.items.filter((i) => i.action === 'move').length;
    const perMoverSaving = sameRegionCheaper.monthlyUsd - otherCloud.monthlyUsd;
    // The fewest moves that fit the budget.
    expect(movers).toBe(Math.ceil((allResize - cfg.budget.maxMonthlyCost!) / perMoverSaving - 1e-9));
    expect(plan.totals.monthlyAfter).toBeLessThanOrEqual(cfg.budget.maxMonthlyCost!);
  });
});
