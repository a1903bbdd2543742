import { describe, expect, it } from 'vitest';
import { StackfitError, type Demand, type DimensionEvidence, type Offering, type Plan } from '../../src/model';
import { solvePlan, riskOf } from '../../src/optimize';
import type { StackfitConfig } from '../../src/config/schema';
import { demandPerInstance } from '../../src/optimize/choices';
import { config, demand, offering, planInput, rng, workload, type Case } from './helpers';

/**
 * Exhaustive search against the whole objective: counts as decisions with N−k survivability,
 * maxStepDown and minimum sizes, the price of risk, budget headroom mode, migration cost with
 * data copied at the egress price, the payback rule (and its giving way to the budget), spread
 * groups and colocated groups — with and without a binding budget. The reference is written from
 * the documented rules (docs/optimizer.md), not from the solver's code.
 */

const POOL: Offering[] = [
  ...['m5.large', 'm5.xlarge', 'm5.2xlarge', 'c5.xlarge', 'r5.large'].map((s) => offering('aws', 'us-east-1', s)),
  ...['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_D8s_v5', 'Standard_E4s_v5'].flatMap((s) =>
    ['eastus', 'westeurope'].map((r) => offering('azure', r, s)),
  ),
  ...['n2-standard-2', 'n2-standard-4', 'n2-standard-8', 'n2-highmem-4'].flatMap((s) =>
    ['us-central1', 'europe-west1'].map((r) => offering('gcp', r, s)),
  ),
];

interface RuleSpec {
  scaleOut?: boolean;
  survive?: number;
  minCount?: number;
  maxCount?: number;
  maxStepDown?: number;
  minVcpu?: number;
  riskAversion?: number;
}

interface RefOption {
  key: string;
  n: number;
  place: string;
  monthly: number;
  objective: number;
  migration: number;
  risk: number;
  pays: boolean;
}

const keyOf = (o: Offering): string => `${o.cloud}/${o.region}/${o.size}`;
const placeOf = (o: Offering): string => `${o.cloud}/${o.region}`;

function scaled(e: DimensionEvidence, f: number): DimensionEvidence {
  return { ...e, p50: e.p50 * f, p95: e.p95 * f, max: e.max * f, forecastPeak: e.forecastPeak * f, required: e.required * f };
}

/** The documented options of one workload: every (offering × count) its rules allow, with costs and risk. */
function refOptions(c: Case, rule: RuleSpec, cfg: StackfitConfig): { options: RefOption[]; stay?: number } {
  const cur = c.current!;
  const today = c.workload.count;
  const d = c.demand!;
  const decided = rule.scaleOut ?? false;
  const survive = rule.survive ?? (decided && today >= 2 ? 1 : 0);
  let counts = [today];
  if (decided) {
    const low = Math.max(rule.minCount ?? 1, survive + 1);
    const high = Math.max(low, rule.maxCount ?? Math.max(4, 2 * today));
    counts = [];
    for (let n = low; n <= high; n++) counts.push(n);
  } else if (rule.minCount !== undefined && today < rule.minCount) counts = [rule.minCount];
  const step = rule.maxStepDown ?? 4;
  const options: RefOption[] = [];
  const offerings = new Map([cur, ...c.candidates].map((o) => [keyOf(o), o]));
  for (const n of counts.filter((k) => k > survive)) {
    const lossFactor = today / (n - survive);
    const needCpu = d.cpu.required * lossFactor;
    const needMem = (d.memory?.required ?? 0) * Math.max(1, lossFactor);
    const share = today / n;
    const perInstance: Demand = { ...d, cpu: scaled(d.cpu, share), ...(d.memory && { memory: scaled(d.memory, Math.max(1, share)) }) };
    for (const o of offerings.values()) {
      if (o.vcpu < needCpu * (1 - 1e-9) || o.memoryGiB < needMem * (1 - 1e-9)) continue;
      const unchanged = keyOf(o) === keyOf(cur) && n === today;
      if (!unchanged) {
        if (o.vcpu < (rule.minVcpu ?? 0)) continue;
        if (n * o.vcpu < ((today * cur.vcpu) / step) * (1 - 1e-9) || n * o.memoryGiB < ((today * cur.memoryGiB) / step) * (1 - 1e-9))
          continue;
      }
      let migration = 0;
      if (placeOf(o) !== placeOf(cur)) {
        const perInstance = o.cloud !== cur.cloud ? cfg.migration.crossCloudCostPerInstance : cfg.migration.crossRegionCostPerInstance;
        migration = perInstance * n + (c.workload.diskGiB ?? 0) * today * (cfg.migration.egressUsdPerGiB[cur.cloud] ?? 0);
      }
      const risk = riskOf(o, perInstance);
      const monthly = o.monthlyUsd * n;
      options.push({
        key: keyOf(o),
        n,
        place: placeOf(o),
        monthly,
        migration,
        risk,
        objective: monthly + migration / cfg.migration.amortizeMonths + (rule.riskAversion ?? 0) * risk * n,
        pays: true,
      });
    }
  }
  const todayFits = options.some((o) => o.key === keyOf(cur) && o.n === today);
  const home = options.filter((o) => o.place === placeOf(cur));
  const stay = todayFits ? cur.monthlyUsd * today : home.length ? Math.min(...home.map((o) => o.monthly)) : undefined;
  for (const o of options) o.pays = paysBack(o.migration, o.monthly, stay, cfg);
  return { options, ...(stay !== undefined && { stay }) };
}

function paysBack(migration: number, monthly: number, stay: number | undefined, cfg: StackfitConfig): boolean {
  if (migration <= 0 || stay === undefined) return true;
  return stay - monthly > 0 && migration / (stay - monthly) <= cfg.migration.maxPaybackMonths + 1e-9;
}

/** A decision: one workload, or a colocated group (its options are whole combinations). */
interface Unit {
  members: number[];
  filtered: RefOption[][];
  all: RefOption[][];
}

function unitsOf(cases: readonly Case[], rules: readonly RuleSpec[], cfg: StackfitConfig): { units: Unit[]; fixed: number[] } {
  const refs = cases.map((c, i) => (c.demand?.status === 'ok' ? refOptions(c, rules[i]!, cfg) : undefined));
  const fixed = refs.flatMap((r, i) => (!r || r.options.length === 0 ? [i] : []));
  const units: Unit[] = [];
  const colocated = new Map<string, number[]>();
  refs.forEach((r, i) => {
    if (!r || r.options.length === 0) return;
    const group = cases[i]!.workload.group;
    if (group && cfg.groups[group]?.colocate) colocated.set(group, [...(colocated.get(group) ?? []), i]);
    else {
      const spread = group !== undefined && ((cfg.groups[group]?.minClouds ?? 1) > 1 || (cfg.groups[group]?.minRegions ?? 1) > 1);
      const paying = r.options.filter((o) => o.pays || (o.key === keyOf(cases[i]!.current!) && o.n === cases[i]!.workload.count));
      const filtered = spread || paying.length === 0 ? r.options : paying;
      units.push({ members: [i], filtered: filtered.map((o) => [o]), all: r.options.map((o) => [o]) });
    }
  });
  for (const [group, members] of colocated) {
    const stuck = fixed.some((i) => cases[i]!.workload.group === group);
    const homes = members.map((i) => placeOf(cases[i]!.current!));
    const places = new Set([...(stuck ? [] : refs[members[0]!]!.options.map((o) => o.place))]);
    const combos: RefOption[][] = [];
    const product = (lists: RefOption[][]): RefOption[][] =>
      lists.reduce<RefOption[][]>((acc, l) => acc.flatMap((a) => l.map((o) => [...a, o])), [[]]);
    combos.push(...product(members.map((i, k) => refs[i]!.options.filter((o) => o.place === homes[k]))));
    for (const place of places) {
      if (homes.every((h) => h === place)) continue;
      combos.push(...product(members.map((i) => refs[i]!.options.filter((o) => o.place === place))));
    }
    const stays = members.map((i) => refs[i]!.stay);
    const stay = stays.every((s) => s !== undefined) ? stays.reduce((t, s) => t + s, 0) : undefined;
    const sum = (combo: RefOption[], f: (o: RefOption) => number) => combo.reduce((t, o) => t + f(o), 0);
    const paying = combos.filter((combo) =>
      paysBack(
        sum(combo, (o) => o.migration),
        sum(combo, (o) => o.monthly),
        stay,
        cfg,
      ),
    );
    units.push({ members, filtered: paying.length ? paying : combos, all: combos });
  }
  return { units, fixed };
}

interface Best {
  objective: number;
  monthly: number;
  riskLevels: number;
  /** Σ risk × instances of the plan, whatever the mode. */
  riskTotal: number;
  /** Whether the payback rule had to give way to the budget. */
  gaveWay: boolean;
}

/** The reference optimum by exhaustive search (undefined: infeasible); the payback rule gives way only when nothing else meets the budget. */
function exhaustive(cases: readonly Case[], rules: readonly RuleSpec[], cfg: StackfitConfig, cheapest = false): Best | undefined {
  const { units, fixed } = unitsOf(cases, rules, cfg);
  const fixedMonthly = fixed.reduce((t, i) => t + cases[i]!.current!.monthlyUsd * cases[i]!.workload.count, 0);
  const headroom = cfg.budget.mode === 'headroom';
  const search = (pick: (u: Unit) => RefOption[][]): Best | undefined => {
    let best: Best | undefined;
    const chosen: RefOption[][] = [];
    const walk = (u: number): void => {
      if (u === units.length) {
        const all = chosen.flat();
        const members = units.flatMap((x) => x.members);
        const monthly = fixedMonthly + all.reduce((t, o) => t + o.monthly, 0);
        if (cfg.budget.maxMonthlyCost !== undefined && monthly > cfg.budget.maxMonthlyCost + 1e-9) return;
        for (const [group, rule] of Object.entries(cfg.groups)) {
          if (rule.colocate || !members.some((i) => cases[i]!.workload.group === group)) continue;
          const placesUsed = new Set([
            ...fixed.filter((i) => cases[i]!.workload.group === group).map((i) => placeOf(cases[i]!.current!)),
            ...all.filter((_, k) => cases[members[k]!]!.workload.group === group).map((o) => o.place),
          ]);
          if (new Set([...placesUsed].map((p) => p.split('/')[0])).size < (rule.minClouds ?? 1) || placesUsed.size < (rule.minRegions ?? 1))
            return;
        }
        const objective = cheapest ? monthly : fixedMonthly + all.reduce((t, o) => t + o.objective, 0);
        const riskTotal = all.reduce((t, o) => t + o.risk * o.n, 0);
        const riskLevels = headroom ? riskTotal : 0;
        if (!best || riskLevels < best.riskLevels || (riskLevels === best.riskLevels && objective < best.objective - 1e-9))
          best = { objective, monthly, riskLevels, riskTotal, gaveWay: false };
        return;
      }
      for (const option of pick(units[u]!)) {
        chosen[u] = option;
        walk(u + 1);
      }
    };
    walk(0);
    return best;
  };
  const first = search((u) => u.filtered);
  if (first) return first;
  const second = search((u) => u.all);
  return second && { ...second, gaveWay: true };
}

/** The plan's value under the reference's own costs; fails when it picks something the rules do not allow. */
function evaluate(plan: Plan, cases: readonly Case[], rules: readonly RuleSpec[], cfg: StackfitConfig, gaveWay: boolean): Best {
  const { units, fixed } = unitsOf(cases, rules, cfg);
  let objective = 0;
  let riskLevels = 0;
  for (const i of fixed) {
    expect(plan.items[i]!.monthlyAfter).toBe(plan.items[i]!.monthlyBefore);
    objective += plan.items[i]!.monthlyBefore ?? 0;
  }
  for (const unit of units) {
    const picked = unit.members.map((i) => {
      const it = plan.items[i]!;
      return { key: keyOf(it.chosen!), n: it.countAfter ?? cases[i]!.workload.count };
    });
    const match = (gaveWay ? unit.all : unit.filtered).find((combo) =>
      combo.every((o, k) => o.key === picked[k]!.key && o.n === picked[k]!.n),
    );
    expect(
      match,
      `${unit.members.map((i) => cases[i]!.workload.name).join('+')} picked ${JSON.stringify(picked)}, not an allowed option`,
    ).toBeDefined();
    for (const o of match!) {
      objective += o.objective;
      riskLevels += o.risk * o.n;
    }
  }
  if (cfg.budget.maxMonthlyCost !== undefined) expect(plan.totals.monthlyAfter).toBeLessThanOrEqual(cfg.budget.maxMonthlyCost + 1e-6);
  return {
    objective,
    monthly: plan.totals.monthlyAfter,
    riskLevels: cfg.budget.mode === 'headroom' ? riskLevels : 0,
    riskTotal: riskLevels,
    gaveWay,
  };
}

function randomInstance(seed: number): {
  cases: Case[];
  rules: RuleSpec[];
  cfg: StackfitConfig;
  budget?: { fraction: number; headroom: boolean };
} {
  const r = rng(seed);
  const one = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const n = 2 + Math.floor(r() * 3);
  const cases: Case[] = [];
  const rules: RuleSpec[] = [];
  const spread = r() < 0.3;
  for (let i = 0; i < n; i++) {
    const current = one(POOL);
    const group = r() < 0.45 ? 'data' : spread && r() < 0.6 ? 'web' : undefined;
    const count = 1 + Math.floor(r() * 3);
    const base = workload(`w${i}`, current, { count, ...(group && { group }) });
    const w = { ...base, ...(r() < 0.8 && { diskGiB: Math.round(r() * 300) }) };
    const candidates = [current, ...Array.from({ length: 1 + Math.floor(r() * 3) }, () => one(POOL))];
    const young = r() < 0.1;
    const cpu = current.vcpu * (0.1 + r() * 0.9);
    const memory = current.memoryGiB * (0.1 + r() * 0.9);
    cases.push({
      workload: w,
      current,
      demand: demand(w.urn, cpu, memory, young ? { status: 'insufficient-history', historyHours: 12 } : {}),
      candidates,
    });
    const rule: RuleSpec = {};
    if (r() < 0.5) {
      rule.scaleOut = true;
      rule.maxCount = 2 + Math.floor(r() * 2);
      if (r() < 0.3) rule.minCount = 2;
    }
    if (r() < 0.4) rule.survive = Math.floor(r() * 2);
    if (r() < 0.5) rule.maxStepDown = one([1.5, 2, 4]);
    if (r() < 0.2) rule.minVcpu = 4;
    if (r() < 0.5) rule.riskAversion = one([5, 40, 200]);
    rules.push(rule);
  }
  // The budget is set later, relative to the budget-free optimum, so that it binds often.
  const headroom = r() < 0.3;
  // fraction: where between the cheapest plan (0) and the budget-free optimum (1) the budget lies
  // (headroom mode: 0.3 × fraction above the cheapest plan).
  const budget = r() < 0.7 ? { fraction: headroom ? r() * 3 : r() * 1.1 - 0.1, headroom } : undefined;
  const cfg = config({
    allowMove: true,
    thresholds: { minMonthlyDeltaUsd: 0, minDeltaPercent: 0 },
    migration: {
      crossCloudCostPerInstance: Math.round(r() * 800),
      crossRegionCostPerInstance: Math.round(r() * 300),
      amortizeMonths: 12,
      maxPaybackMonths: one([1, 3, 6, 24]),
      egressUsdPerGiB: { aws: 0.09, azure: 0.087, gcp: 0.12 },
    },
    groups: { data: { colocate: true }, ...(spread && { web: one([{ minClouds: 2 }, { minRegions: 2 }]) }) },
    workloads: Object.fromEntries(rules.map((rule, i) => [`w${i}`, rule])),
  });
  return { cases, rules, cfg, ...(budget && { budget }) };
}

describe('solvePlan optimality over the whole objective', () => {
  it('matches exhaustive search on 600 random instances (counts, survive, steps, risk price, headroom, payback, spread, colocate, budgets)', () => {
    const seen = {
      riskTraded: 0,
      infeasible: 0,
      binding: 0,
      colocatedBinding: 0,
      headroom: 0,
      gaveWay: 0,
      colocatedMoves: 0,
      countChanges: 0,
      riskPriced: 0,
    };
    for (let seed = 1; seed <= 600; seed++) {
      const instance = randomInstance(seed);
      const { cases, rules } = instance;
      const unbudgeted = exhaustive(cases, rules, instance.cfg);
      const cheapest = unbudgeted && exhaustive(cases, rules, instance.cfg, true);
      const cfg =
        instance.budget && unbudgeted && cheapest
          ? config({
              ...instance.cfg,
              budget: {
                // Headroom mode spends the budget on less risk: give it room above the cheapest plan.
                maxMonthlyCost: instance.budget.headroom
                  ? Math.round(cheapest.monthly * (1 + instance.budget.fraction * 0.3) * 100) / 100
                  : Math.round((cheapest.monthly + instance.budget.fraction * (unbudgeted.monthly - cheapest.monthly)) * 100) / 100,
                ...(instance.budget.headroom && { mode: 'headroom' }),
              },
            })
          : instance.cfg;
      const reference = cfg === instance.cfg ? unbudgeted : exhaustive(cases, rules, cfg);
      const input = planInput(cases, cfg);
      if (reference === undefined) {
        seen.infeasible++;
        expect(() => solvePlan(input), `seed ${seed}`).toThrow(StackfitError);
        continue;
      }
      const plan = solvePlan(input);
      expect(['optimal', 'trivial'], `seed ${seed}`).toContain(plan.solver.status);
      const got = evaluate(plan, cases, rules, cfg, reference.gaveWay);
      expect(got.riskLevels, `seed ${seed}: risk levels`).toBe(reference.riskLevels);
      expect(got.objective, `seed ${seed}: objective`).toBeCloseTo(reference.objective, 6);
      // Colocated: all in their own places, or all in one.
      const data = plan.items.filter((it, i) => cases[i]!.workload.group === 'data' && it.chosen);
      const moved = data.filter((it) => it.action === 'move');
      if (moved.length) {
        seen.colocatedMoves++;
        expect(new Set(data.map((it) => `${it.chosen!.cloud}/${it.chosen!.region}`)).size, `seed ${seed}`).toBe(1);
      }
      if (cfg.budget.mode === 'headroom') {
        seen.headroom++;
        // Headroom bought: the cost-optimal plan within the same budget carries more risk.
        const costFirst = exhaustive(cases, rules, config({ ...cfg, budget: { maxMonthlyCost: cfg.budget.maxMonthlyCost } }));
        if (costFirst && costFirst.riskTotal > reference.riskLevels) seen.riskTraded++;
      }
      if (reference.gaveWay) seen.gaveWay++;
      if (plan.items.some((it) => it.countAfter !== undefined)) seen.countChanges++;
      if (rules.some((rule) => rule.riskAversion)) seen.riskPriced++;
      if (cfg.budget.maxMonthlyCost !== undefined && unbudgeted && unbudgeted.monthly > cfg.budget.maxMonthlyCost + 1e-6) {
        seen.binding++;
        if (plan.items.filter((it, i) => cases[i]!.workload.group === 'data' && it.action !== 'no-recommendation').length >= 2)
          seen.colocatedBinding++;
      }
    }
    // The generator must exercise every path it claims to.
    expect(seen.infeasible).toBeGreaterThan(3);
    expect(seen.binding).toBeGreaterThan(40);
    expect(seen.colocatedBinding).toBeGreaterThan(10);
    expect(seen.headroom).toBeGreaterThan(10);
    expect(seen.riskTraded).toBeGreaterThan(10);
    expect(seen.colocatedMoves).toBeGreaterThan(5);
    expect(seen.countChanges).toBeGreaterThan(20);
    expect(seen.riskPriced).toBeGreaterThan(50);
  }, 600_000);

  it('reads risk at another count from the observed quantiles scaled to the per-instance load', () => {
    // Two instances today, each seen at most 2.6 vCPU: on one instance that is 5.2 vCPU.
    const base = demand('urn:x', 3, 4);
    const observed: Demand = { ...base, cpu: { ...base.cpu, quantiles: { '50': 1, '95': 2, '99': 2.5, '100': 2.6 } } };
    const alone = demandPerInstance(observed, 2, 1, 0);
    expect(alone.cpu.quantiles!['100']).toBeCloseTo(5.2, 9);
    const m5xl = offering('aws', 'us-east-1', 'm5.xlarge'); // 4 vCPU
    expect(riskOf(m5xl, observed)).toBe(0);
    // Above 4 vCPU more than 1 % of the time (P99 = 5 > 4, P95 = 4 ≤ 4): high risk, not none.
    expect(riskOf(m5xl, alone)).toBe(3);
  });
});
