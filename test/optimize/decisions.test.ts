import { describe, expect, it } from 'vitest';
import { StackfitError, type Offering, type Workload } from '../../src/model';
import { solvePlan } from '../../src/optimize';
import { parseGcpEgress, loadEgressPrices } from '../../src/catalog/egress';
import { config, demand, item, offering, planInput, type Case } from './helpers';
import { workload as baseWorkload } from './helpers';

const d8 = offering('azure', 'eastus', 'Standard_D8s_v5');
const d16 = offering('azure', 'eastus', 'Standard_D16s_v5');
const d4 = offering('azure', 'eastus', 'Standard_D4s_v5');
const d2 = offering('azure', 'eastus', 'Standard_D2s_v5');

function caseOf(name: string, current: Offering, candidates: Offering[], cpu: number, memory: number, extra: Partial<Workload> = {}): Case {
  const w = { ...baseWorkload(name, current, { count: extra.count ?? 1 }), ...extra };
  return { workload: w, current, demand: demand(w.urn, cpu, memory), candidates };
}

describe('count as a decision', () => {
  it('scales out to more, smaller instances when that is cheaper, and only where the rule lets the count change', () => {
    // 4 × D16s_v5 today, each needing 9 vCPU: 36 vCPU in all. No smaller size carries 9 vCPU, but
    // 5 × D8s_v5 (40 vCPU) carry the total for less than 3 × D16s_v5 (48) or 4 × D16s_v5.
    expect(5 * d8.monthlyUsd).toBeLessThan(3 * d16.monthlyUsd);
    const cases = [caseOf('worker', d16, [d2, d4, d8, d16], 9, 20, { count: 4 })];
    const fixed = solvePlan(planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: 0 } })));
    expect(item(fixed, 'worker').action).toBe('keep');
    expect(item(fixed, 'worker').countAfter).toBeUndefined();

    const scaled = solvePlan(
      planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: 0 }, workloads: { worker: { scaleOut: true, survive: 0 } } })),
    );
    const worker = item(scaled, 'worker');
    expect(worker.action).toBe('resize');
    expect(worker.chosen).toEqual(d8);
    expect(worker.countAfter).toBe(5);
    expect(worker.monthlyAfter).toBeCloseTo(5 * d8.monthlyUsd, 6);
    expect(worker.reason).toContain('scales out from 4 to 5 instances');
    // The instances carry the total (9 × 4 = 36 vCPU over 5 instances).
    expect(worker.chosen!.vcpu * worker.countAfter!).toBeGreaterThanOrEqual(36);
  });

  it('survives the loss of one instance by default when the count is a decision, and respects minCount', () => {
    const cases = [caseOf('web', d8, [d2, d4, d8], 3, 8, { count: 2, countRef: { key: 'p:workloads', path: ['web', 'count'] } })];
    const plan = solvePlan(planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: 0 } })));
    const web = item(plan, 'web');
    // Total need 6 vCPU, 16 GiB; with one instance down the rest must still carry it.
    const n = web.countAfter ?? 2;
    expect((n - 1) * web.chosen!.vcpu).toBeGreaterThanOrEqual(6);
    expect((n - 1) * web.chosen!.memoryGiB).toBeGreaterThanOrEqual(16);
    expect(web.reason).toContain('survive: 1');
    const atLeast5 = solvePlan(planInput(cases, config({ thresholds: { minMonthlyDeltaUsd: 0 }, workloads: { web: { minCount: 5 } } })));
    expect(item(atLeast5, 'web').countAfter).toBeGreaterThanOrEqual(5);
  });

  it('upsizes a fixed-count fleet that would not survive losing one instance, and says why it costs more', () => {
    // 2 × D4s_v5, each at 3 vCPU: fine with both up, but one alone cannot carry 6 vCPU.
    const cases = [caseOf('api', d4, [d4, d8], 3, 8, { count: 2 })];
    expect(item(solvePlan(planInput(cases, config())), 'api').action).toBe('keep');
    const plan = solvePlan(planInput(cases, config({ workloads: { api: { survive: 1 } } })));
    const api = item(plan, 'api');
    expect(api.chosen).toEqual(d8);
    expect(api.monthlyDelta).toBeGreaterThan(0);
    expect(api.increaseReason).toContain('survive: 1');
  });
});

describe('step limits', () => {
  const m52x = offering('aws', 'us-east-1', 'm5.2xlarge');
  const m5l = offering('aws', 'us-east-1', 'm5.large');
  const m5xl = offering('aws', 'us-east-1', 'm5.xlarge');
  const t3s = [m52x, m5xl, m5l, offering('aws', 'us-east-1', 'm5.4xlarge')];

  it('cuts at most maxStepDown× at once and says which step of how many', () => {
    const big = offering('aws', 'us-east-1', 'm5.8xlarge'); // 32 vCPU → needs 1: m5.large (2 vCPU) is 16× fewer
    const cases = [caseOf('search', big, [...t3s, big], 0.5, 2)];
    const plan = solvePlan(planInput(cases, config()));
    const search = item(plan, 'search');
    expect(search.chosen).toEqual(m52x); // 32 → 8 vCPU: exactly 4×
    expect(search.step).toEqual({ step: 1, of: 2, maxStepDown: 4 });
    expect(search.reason).toContain('step 1 of 2');
    const allAtOnce = solvePlan(planInput(cases, config({ workloads: { search: { maxStepDown: 16 } } })));
    expect(item(allAtOnce, 'search').chosen).toEqual(m5l);
    expect(item(allAtOnce, 'search').step).toBeUndefined();
  });

  it('never picks below minVcpu / minMemoryGiB', () => {
    const cases = [caseOf('svc', m52x, t3s, 0.5, 2)];
    const plan = solvePlan(planInput(cases, config({ workloads: { svc: { minVcpu: 4 } } })));
    expect(item(plan, 'svc').chosen).toEqual(m5xl);
    const mem = solvePlan(planInput(cases, config({ workloads: { svc: { minMemoryGiB: 32 } } })));
    expect(item(mem, 'svc').chosen).toEqual(m52x);
  });
});

describe('moves that pay', () => {
  const eu = offering('gcp', 'europe-west1', 'n2-standard-4');
  const us = offering('gcp', 'us-central1', 'n2-standard-4');
  const saving = eu.monthlyUsd - us.monthlyUsd;

  it('prices the disks a move copies at the source egress list price and moves only within maxPaybackMonths', () => {
    expect(saving).toBeGreaterThan(0);
    const prices = loadEgressPrices()!;
    const egress = prices.gcp.get('europe-west1')!;
    expect(egress).toBeGreaterThan(0);
    const cases = [caseOf('svc', eu, [eu, us], 3, 8, { diskGiB: 100 })];
    const oneOff = 10 + 100 * egress;
    const months = oneOff / saving;
    const cfg = (maxPaybackMonths: number) =>
      config({
        allowMove: true,
        thresholds: { minMonthlyDeltaUsd: 0 },
        migration: { crossRegionCostPerInstance: 10, amortizeMonths: 1000, maxPaybackMonths },
      });
    const input = (max: number) => ({ ...planInput(cases, cfg(max)), egress: prices });
    const moved = item(solvePlan(input(months * 1.01)), 'svc');
    expect(moved.action).toBe('move');
    expect(moved.migrationCost).toBeCloseTo(oneOff, 6);
    expect(moved.migration).toMatchObject({ instancesUsd: 10, dataGiB: 100, unknown: [] });
    expect(moved.migration!.paybackMonths).toBeCloseTo(months, 6);
    expect(moved.migration!.egressPriceSource).toContain('cyclenerd_gcp_pricing_2026-07-30.yml');
    expect(moved.reason).toContain('new VMs (new disks and addresses)');
    expect(item(solvePlan(input(months * 0.99)), 'svc').action).toBe('keep');
  });

  it('reports the egress of AWS and Azure as unknown unless the team sets it', () => {
    const a = offering('azure', 'westeurope', 'Standard_D4s_v5');
    const b = offering('azure', 'eastus', 'Standard_D4s_v5');
    const cases = [caseOf('svc', a, [a, b], 3, 8, { diskGiB: 64 })];
    const base = {
      allowMove: true,
      thresholds: { minMonthlyDeltaUsd: 0 },
      migration: { crossRegionCostPerInstance: 1, maxPaybackMonths: 100 },
    };
    const unknown = item(solvePlan(planInput(cases, config(base))), 'svc');
    expect(unknown.action).toBe('move');
    expect(unknown.migration!.dataUsd).toBeUndefined();
    expect(unknown.migration!.unknown.join()).toContain('azure egress price');
    const set = item(
      solvePlan(planInput(cases, config({ ...base, migration: { ...base.migration, egressUsdPerGiB: { azure: 0.05 } } }))),
      'svc',
    );
    expect(set.migration!.dataUsd).toBeCloseTo(64 * 0.05, 9);
    expect(set.migration!.egressPriceSource).toBe('stackfit.yaml: migration.egressUsdPerGiB.azure');
  });

  it('moves a colocated group together or not at all', () => {
    const cacheHere = offering('aws', 'us-east-1', 'r5.large');
    const searchThere = offering('gcp', 'europe-west1', 'n2-highmem-4');
    const searchAws = offering('aws', 'us-east-1', 'r6a.xlarge'); // below n2-highmem-4 in europe-west1 with its sustained-use discount
    const searchGcpUs = offering('gcp', 'us-central1', 'n2-highmem-4');
    const raw = { allowMove: true, thresholds: { minMonthlyDeltaUsd: 0 }, migration: { maxPaybackMonths: 1e6, amortizeMonths: 1e6 } };
    const colocated = config({ ...raw, groups: { data: { colocate: true } } });
    // The cache cannot leave us-east-1; search's cheaper place is gcp/us-central1.
    const apart = [
      caseOf('cache', cacheHere, [cacheHere], 1, 8, { group: 'data' }),
      caseOf('search', searchThere, [searchThere, searchGcpUs], 2, 20, { group: 'data' }),
    ];
    expect(searchGcpUs.monthlyUsd).toBeLessThan(searchThere.monthlyUsd);
    expect(item(solvePlan(planInput(apart, config(raw))), 'search').action).toBe('move');
    // Colocated, search may only join the cache or stay: it stays.
    expect(item(solvePlan(planInput(apart, colocated)), 'search').chosen).toEqual(searchThere);
    // Offered the cache's place, the group ends up together in it when that is cheaper.
    const near = [apart[0]!, caseOf('search', searchThere, [searchThere, searchAws, searchGcpUs], 2, 20, { group: 'data' })];
    expect(searchAws.monthlyUsd).toBeLessThan(searchThere.monthlyUsd);
    const together = solvePlan(planInput(near, colocated));
    expect(item(together, 'search').chosen).toEqual(searchAws);
    expect(item(together, 'search').reason).toContain('moves with the rest of group data (colocate)');
    const cases = near;
    expect(() => solvePlan(planInput(cases, config({ ...raw, groups: { data: { colocate: true, minRegions: 2 } } })))).toThrow(
      /stackfit.yaml: groups.data.colocate: group data cannot be colocated/,
    );
  });
});

describe('risk in the objective', () => {
  const m5l = offering('aws', 'us-east-1', 'm5.large');
  const m5xl = offering('aws', 'us-east-1', 'm5.xlarge');
  // 1.6 vCPU needed on a 2-vCPU m5.large: forecast peak 1.33 → 67 % (risk 1); on m5.xlarge 33 % (risk 0).
  const cases = [caseOf('svc', m5xl, [m5l, m5xl], 1.6, 2)];

  it('pays for lower risk when riskAversion prices it above the saving', () => {
    const saving = m5xl.monthlyUsd - m5l.monthlyUsd;
    expect(item(solvePlan(planInput(cases, config())), 'svc').chosen).toEqual(m5l);
    expect(item(solvePlan(planInput(cases, config({ workloads: { svc: { riskAversion: saving * 1.1 } } }))), 'svc').chosen).toEqual(m5xl);
    expect(item(solvePlan(planInput(cases, config({ workloads: { svc: { riskAversion: saving * 0.9 } } }))), 'svc').chosen).toEqual(m5l);
  });

  it('spends the budget on headroom in budget.mode headroom, and needs a budget for it', () => {
    const plan = solvePlan(planInput(cases, config({ budget: { maxMonthlyCost: m5xl.monthlyUsd + 1, mode: 'headroom' } })));
    expect(item(plan, 'svc').chosen).toEqual(m5xl);
    const tight = solvePlan(planInput(cases, config({ budget: { maxMonthlyCost: m5l.monthlyUsd + 1, mode: 'headroom' } })));
    expect(item(tight, 'svc').chosen).toEqual(m5l);
    let error: unknown;
    try {
      solvePlan(planInput(cases, config({ budget: { mode: 'headroom' } })));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackfitError);
    expect((error as Error).message).toContain('stackfit.yaml: budget.mode');
  });
});

describe('GCP egress prices from data/', () => {
  it('reads the first-tier worldwide internet egress price per region', () => {
    const text = [
      'compute:',
      '  network:',
      '    traffic:',
      '      egress:',
      '        internet:',
      '          china:',
      '            cost:',
      '              0-1:',
      '                us-central1:',
      '                  month: 0.23',
      '          cost:',
      '            0-1:',
      '              us-central1:',
      '                month: 0.12',
      '            1-10:',
      '              us-central1:',
      '                month: 0.11',
      '  storage:',
    ].join('\n');
    expect([...parseGcpEgress(text)]).toEqual([['us-central1', 0.12]]);
    expect(loadEgressPrices()!.gcp.size).toBeGreaterThan(30);
  });
});

describe('the solver report', () => {
  it('names the method actually run and counts only the models actually solved', () => {
    const a = offering('aws', 'us-east-1', 'm5.xlarge');
    const b = offering('aws', 'us-east-1', 'm5.large');
    // 1.6 vCPU: risk 1 on m5.large, 0 on m5.xlarge.
    const cases = [caseOf('one', a, [a, b], 1.6, 2), caseOf('two', a, [a, b], 1.6, 2)];
    const free = solvePlan(planInput(cases, config()));
    expect(free.solver.method).toBe('exact option reduction + closed-form argmin per ungrouped workload');
    expect(free.solver.models).toMatchObject({ closedForm: 2, milp: { solver: 'yalps', solves: 0 } });
    expect([free.solver.variables, free.solver.constraints]).toEqual([0, 0]);
    // Risk priced high, both would keep m5.xlarge; the budget allows that for one of them only.
    const budget = solvePlan(
      planInput(
        cases,
        config({
          thresholds: { minMonthlyDeltaUsd: 0 },
          workloads: { '*': { riskAversion: 1000 } },
          budget: { maxMonthlyCost: a.monthlyUsd + b.monthlyUsd },
        }),
      ),
    );
    expect(budget.solver.method).toContain('Lagrangian relaxation of the budget row');
    expect(budget.solver.method).toContain('Pareto dynamic programme over the core');
    expect(budget.solver.models!.pareto!.stages).toBeGreaterThan(0);
    expect(budget.solver.variables).toBe(budget.solver.models!.pareto!.choices);
    expect(budget.totals.monthlyAfter).toBeCloseTo(a.monthlyUsd + b.monthlyUsd, 6);
  });
});
