import { describe, expect, it } from 'vitest';
import { candidatesFor } from '../../src/catalog';
import { ruleFor } from '../../src/config/rules';
import { StackfitError, type Offering } from '../../src/model';
import { usd } from '../../src/money';
import { riskOf, solvePlan } from '../../src/optimize';
import { catalog, config, demand, item, offering, planInput, workload, type Case } from './helpers';

function caseOf(
  name: string,
  current: Offering,
  candidates: Offering[],
  cpu: number,
  memory: number,
  opts: { count?: number; group?: string; allowDownsize?: boolean } = {},
): Case {
  const w = workload(name, current, opts);
  return { workload: w, current, demand: demand(w.urn, cpu, memory, { allowDownsize: opts.allowDownsize ?? true }), candidates };
}

function thrown(fn: () => unknown): StackfitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StackfitError) return error;
    throw error;
  }
  throw new Error('expected a StackfitError');
}

describe('budget', () => {
  const westeurope = offering('azure', 'westeurope', 'Standard_D4s_v5');
  const eastus = offering('azure', 'eastus', 'Standard_D4s_v5');
  // Moving region costs 600 USD once: 50 USD/month over 12 months, more than the monthly saving.
  const migration = { crossRegionCostPerInstance: 600, amortizeMonths: 12 };
  const cases = [caseOf('api', westeurope, [westeurope, eastus], 3, 12)];

  it('keeps the workload when moving does not pay for itself', () => {
    expect(westeurope.monthlyUsd - eastus.monthlyUsd).toBeLessThan(50);
    const plan = solvePlan(planInput(cases, config({ allowMove: true, migration })));
    expect(item(plan, 'api').action).toBe('keep');
    expect(plan.totals.monthlyDelta).toBe(0);
  });

  it('forces the cheaper region when the budget binds, with the one-off cost and the budget in the reason', () => {
    const plan = solvePlan(planInput(cases, config({ allowMove: true, migration, budget: { maxMonthlyCost: 150 } })));
    const api = item(plan, 'api');
    expect(api.action).toBe('move');
    expect(api.chosen).toEqual(eastus);
    expect(api.migrationCost).toBe(600);
    expect(api.monthlyDelta).toBeCloseTo(eastus.monthlyUsd - westeurope.monthlyUsd, 6);
    expect(api.reason).toContain('to meet the budget of $150.00/month');
    expect(api.reason).toContain('one-off $600.00');
    expect(plan.totals.monthlyAfter).toBeLessThanOrEqual(150);
    expect(plan.solver.objective).toBeCloseTo(eastus.monthlyUsd + 50, 6);
  });

  it('names the budget and the cheapest feasible plan when the budget cannot be met', () => {
    const error = thrown(() => solvePlan(planInput(cases, config({ allowMove: true, migration, budget: { maxMonthlyCost: 100 } }))));
    expect(error.message).toBe(
      `stackfit.yaml: budget.maxMonthlyCost: budget $100.00/month is below the cheapest feasible plan ${usd(eastus.monthlyUsd)}/month`,
    );
  });

  it('counts the workloads that keep their size (no history) against the budget', () => {
    const big = offering('aws', 'us-east-1', 'm5.2xlarge');
    const young = workload('batch', big);
    const withYoung: Case[] = [
      ...cases,
      {
        workload: young,
        current: big,
        demand: demand(young.urn, 1, 2, { status: 'insufficient-history', historyHours: 12, allowDownsize: false }),
        candidates: [],
      },
    ];
    const cfg = (max: number) => config({ allowMove: true, migration, budget: { maxMonthlyCost: max } });
    const plan = solvePlan(planInput(withYoung, cfg(150 + big.monthlyUsd)));
    expect(item(plan, 'api').action).toBe('move');
    expect(item(plan, 'batch').action).toBe('no-recommendation');
    expect(item(plan, 'batch').reason).toBe('only 12 h of usage history (needs 30 h): m5.2xlarge stays');
    expect(plan.totals.monthlyAfter).toBeCloseTo(eastus.monthlyUsd + big.monthlyUsd, 6);
    const error = thrown(() => solvePlan(planInput(withYoung, cfg(400))));
    expect(error.message).toContain(`cheapest feasible plan ${usd(eastus.monthlyUsd + big.monthlyUsd)}/month`);
    expect(error.message).toContain(`of which ${usd(big.monthlyUsd)}/month are workloads that keep their size`);
  });
});

describe('group spread', () => {
  const current = offering('aws', 'us-east-1', 'm5.xlarge');
  const placement = {
    clouds: ['aws', 'azure', 'gcp'],
    regions: { aws: ['us-east-1'], azure: ['eastus', 'westeurope'], gcp: ['us-central1', 'europe-west1'] },
  };
  // Real candidates from the catalog, as the pipeline computes them.
  function frontend(cfgRaw: Record<string, unknown>): Case[] {
    const cfg = config(cfgRaw);
    return ['web-1', 'web-2', 'web-3'].map((name) => {
      const w = workload(name, current, { group: 'frontend' });
      const d = demand(w.urn, 3, 12);
      return {
        workload: w,
        current,
        demand: d,
        candidates: candidatesFor({ workload: w, demand: d, rule: ruleFor(cfg, w), catalog, current }),
      };
    });
  }

  it('spreads a group over the clouds and regions its rule asks for, at the least cost', () => {
    const base = { allowMove: true, placement, migration: { crossCloudCostPerInstance: 0, crossRegionCostPerInstance: 0 } };
    const free = solvePlan(planInput(frontend(base), config(base)));
    const cheapest = free.solver.objective;
    for (const [minClouds, minRegions] of [
      [2, 1],
      [3, 1],
      [1, 3],
      [2, 3],
    ] as const) {
      const raw = { ...base, groups: { frontend: { minClouds, minRegions } } };
      const plan = solvePlan(planInput(frontend(raw), config(raw)));
      const chosen = plan.items.map((i) => i.chosen!);
      expect(new Set(chosen.map((o) => o.cloud)).size).toBeGreaterThanOrEqual(minClouds);
      expect(new Set(chosen.map((o) => `${o.cloud}/${o.region}`)).size).toBeGreaterThanOrEqual(minRegions);
      expect(plan.solver.objective).toBeGreaterThanOrEqual(cheapest - 1e-9);
      // Least cost: each workload takes the cheapest offering of its place, and no cheaper combination exists.
      for (const it of plan.items) {
        const samePlace = frontend(raw)[0]!.candidates.filter((o) => o.cloud === it.chosen!.cloud && o.region === it.chosen!.region);
        expect(it.chosen!.monthlyUsd).toBe(Math.min(...samePlace.map((o) => o.monthlyUsd)));
      }
    }
  });

  it('counts members that stay where they are towards the spread', () => {
    const azure = offering('azure', 'eastus', 'Standard_D4s_v5');
    const raw = { allowMove: true, placement, groups: { frontend: { minClouds: 2 } } };
    const cases = frontend(raw).slice(0, 2);
    const young = workload('web-old', azure, { group: 'frontend' });
    cases.push({
      workload: young,
      current: azure,
      demand: demand(young.urn, 3, 12, { status: 'insufficient-history', historyHours: 5 }),
      candidates: [],
    });
    // Moves are dear here, so without web-old both AWS members would have to pay for a second cloud.
    const dear = { ...raw, migration: { crossCloudCostPerInstance: 5000 } };
    const plan = solvePlan(planInput(cases, config(dear)));
    // web-old on Azure already gives the group its second cloud: the AWS members need not move.
    expect(item(plan, 'web-1').chosen!.cloud).toBe('aws');
    expect(item(plan, 'web-2').chosen!.cloud).toBe('aws');
    const without = solvePlan(planInput(cases.slice(0, 2), config(dear)));
    expect(new Set(without.items.map((i) => i.chosen!.cloud)).size).toBe(2);
  });

  it('names the group and the rule that confines it when the spread cannot be met', () => {
    const raw = { allowMove: true, placement: { clouds: ['aws'] }, groups: { frontend: { minClouds: 2 } } };
    const error = thrown(() => solvePlan(planInput(frontend(raw), config(raw))));
    expect(error.message).toBe(
      "stackfit.yaml: groups.frontend: group frontend needs 2 clouds but its workloads' candidates span only aws (rules: placement.clouds=[aws])",
    );
    const noMove = { groups: { frontend: { minRegions: 2 } } };
    expect(thrown(() => solvePlan(planInput(frontend(noMove), config(noMove)))).message).toContain(
      "group frontend needs 2 regions but its workloads' candidates span only aws/us-east-1 (rules: allowMove=false",
    );
    const twoMembers = { allowMove: true, placement, groups: { frontend: { minClouds: 3 } } };
    const cases = frontend(twoMembers).slice(0, 2);
    expect(thrown(() => solvePlan(planInput(cases, config(twoMembers)))).message).toContain(
      'group frontend needs 3 clouds but its 2 workload(s) can cover at most 2 of aws, azure, gcp',
    );
  });
});

describe('migration cost', () => {
  // c3 has no sustained-use discount: 7.01 USD/month dearer than m5.xlarge, less than the amortised one-off.
  const gcp = offering('gcp', 'us-central1', 'c3-standard-4');
  const aws = offering('aws', 'us-east-1', 'm5.xlarge');
  const cases = [caseOf('svc', gcp, [gcp, aws], 3, 12)];

  it('stays when the amortised move costs more than it saves, and moves when it does not', () => {
    const saving = gcp.monthlyUsd - aws.monthlyUsd;
    expect(saving).toBeGreaterThan(1);
    expect(saving).toBeLessThan(150 / 12);
    expect(item(solvePlan(planInput(cases, config({ allowMove: true }))), 'svc').action).toBe('keep');
    const free = solvePlan(planInput(cases, config({ allowMove: true, migration: { crossCloudCostPerInstance: 0 } })));
    expect(item(free, 'svc').action).toBe('move');
    expect(item(free, 'svc').chosen).toEqual(aws);
    // Amortised over 120 months the move wins the objective, but it pays back only after more
    // than maxPaybackMonths (default 6): no move. Allowing 120 months of payback, it moves.
    expect(item(solvePlan(planInput(cases, config({ allowMove: true, migration: { amortizeMonths: 120 } }))), 'svc').action).toBe('keep');
    const longHaul = solvePlan(planInput(cases, config({ allowMove: true, migration: { amortizeMonths: 120, maxPaybackMonths: 120 } })));
    expect(item(longHaul, 'svc').action).toBe('move');
    expect(item(longHaul, 'svc').migrationCost).toBe(150);
  });
});

describe('sizes', () => {
  const large = offering('aws', 'us-east-1', 'm5.large');
  const xlarge = offering('aws', 'us-east-1', 'm5.xlarge');
  const x2large = offering('aws', 'us-east-1', 'm5.2xlarge');

  it('never downsizes when the demand forbids it, even if a candidate list offers a smaller size', () => {
    const young = [caseOf('db', x2large, [large, xlarge, x2large], 1.5, 4, { allowDownsize: false })];
    expect(item(solvePlan(planInput(young, config())), 'db').chosen).toEqual(x2large);
    const old = [caseOf('db', x2large, [large, xlarge, x2large], 1.5, 4, { allowDownsize: true })];
    const plan = solvePlan(planInput(old, config()));
    expect(item(plan, 'db').action).toBe('resize');
    expect(item(plan, 'db').chosen).toEqual(large);
  });

  it('upsizes a workload whose current size would saturate, and says so', () => {
    const plan = solvePlan(planInput([caseOf('web', large, [xlarge, x2large], 3, 12)], config()));
    const web = item(plan, 'web');
    expect(web.action).toBe('resize');
    expect(web.chosen).toEqual(xlarge);
    expect(web.monthlyDelta).toBeCloseTo(xlarge.monthlyUsd - large.monthlyUsd, 6);
    expect(web.reason).toContain('m5.large would saturate (risk 4)');
  });

  it('multiplies costs by the instance count', () => {
    const plan = solvePlan(planInput([caseOf('web', x2large, [xlarge], 3, 12, { count: 4 })], config()));
    const web = item(plan, 'web');
    expect(web.monthlyBefore).toBeCloseTo(4 * x2large.monthlyUsd, 6);
    expect(web.monthlyAfter).toBeCloseTo(4 * xlarge.monthlyUsd, 6);
  });
});

describe('thresholds', () => {
  const m5 = offering('aws', 'us-east-1', 'm5.xlarge');
  const t3 = offering('aws', 'us-east-1', 't3.xlarge');
  const m6i = offering('aws', 'us-east-1', 'm6i.xlarge');
  const cases = [caseOf('app', m5, [m6i, t3], 3, 12)];
  const saving = m5.monthlyUsd - t3.monthlyUsd;
  const percent = (saving / m5.monthlyUsd) * 100;

  it('reports a change that misses either threshold as keep, with the saving it skipped', () => {
    const byUsd = item(solvePlan(planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: Math.ceil(saving) } }))), 'app');
    expect(byUsd.action).toBe('keep');
    expect(byUsd.reason).toContain(`t3.xlarge (aws/us-east-1) would save ${usd(saving)}/month, under the thresholds`);
    const byPercent = item(
      solvePlan(planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: 1, minDeltaPercent: Math.ceil(percent) } }))),
      'app',
    );
    expect(byPercent.action).toBe('keep');
    const both = item(
      solvePlan(planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: 1, minDeltaPercent: Math.floor(percent) } }))),
      'app',
    );
    expect(both.action).toBe('resize');
    expect(both.chosen).toEqual(t3);
  });

  it('gives way to the budget: a small saving the budget needs is still made', () => {
    const plan = solvePlan(planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: 100 }, budget: { maxMonthlyCost: 130 } })));
    expect(item(plan, 'app').chosen).toEqual(t3);
    expect(plan.totals.monthlyAfter).toBeLessThanOrEqual(130);
  });
});

describe('workloads without a recommendation', () => {
  it('reports an unpriced current size and leaves it out of the totals', () => {
    const priced = offering('aws', 'us-east-1', 'm5.xlarge');
    const ghost = { ...workload('ghost', priced), size: 'm5.imaginary' };
    const cases: Case[] = [
      { workload: ghost, current: undefined, demand: demand(ghost.urn, 1, 2), candidates: [priced] },
      caseOf('real', priced, [priced], 3, 12),
    ];
    const plan = solvePlan(planInput(cases, config()));
    const it = item(plan, 'ghost');
    expect(it.action).toBe('no-recommendation');
    expect(it.reason).toBe('current size m5.imaginary is not in the catalog for aws/us-east-1');
    expect(it.monthlyBefore).toBeUndefined();
    expect(plan.totals).toEqual({ monthlyBefore: priced.monthlyUsd, monthlyAfter: priced.monthlyUsd, monthlyDelta: 0, unpriced: 1 });
  });

  it('keeps pinned workloads and workloads with no usage data', () => {
    const m5 = offering('aws', 'us-east-1', 'm5.2xlarge');
    const small = offering('aws', 'us-east-1', 'm5.large');
    const cases = [caseOf('pinned', m5, [small], 1, 2), { ...caseOf('quiet', m5, [small], 1, 2), demand: undefined }];
    const plan = solvePlan(planInput(cases, config({ workloads: { pinned: { pin: true } } })));
    expect(item(plan, 'pinned').action).toBe('keep');
    expect(item(plan, 'pinned').chosen).toEqual(m5);
    expect(item(plan, 'quiet').action).toBe('no-recommendation');
    expect(item(plan, 'quiet').reason).toBe('no usage data: nothing to size on');
    expect(plan.solver.status).toBe('trivial');
  });
});

describe('risk and reasons', () => {
  const m5 = offering('aws', 'us-east-1', 'm5.xlarge'); // 4 vCPU, 16 GiB

  it('grades the projected peak utilisation of the worse dimension', () => {
    const at = (cpuPeak: number, memPeak: number) => {
      const d = demand('x', cpuPeak * 1.2, memPeak * 1.2);
      return riskOf(m5, d);
    };
    expect(at(1.9, 2)).toBe(0); // 48 %
    expect(at(2.6, 2)).toBe(1); // 65 %
    expect(at(3.2, 2)).toBe(2); // 80 %
    expect(at(3.9, 2)).toBe(3); // 98 %
    expect(at(4.5, 2)).toBe(4); // saturates
    expect(at(1, 15)).toBe(3); // memory at 94 % wins over CPU at 25 %
  });

  it('explains the choice with the observed and forecast demand', () => {
    const x2 = offering('aws', 'us-east-1', 'm5.2xlarge');
    const plan = solvePlan(planInput([caseOf('app', x2, [m5], 3.12, 9.6)], config()));
    expect(item(plan, 'app').reason).toBe(
      'p95 CPU 2.08 of 8 vCPU; forecast peak 2.6 + 20% → 3.12 vCPU; p95 memory 6.4 of 32 GiB; forecast peak 8 + 20% → 9.6 GiB; m5.xlarge fits at risk 1',
    );
    expect(item(plan, 'app').risk).toBe(1);
  });
});
