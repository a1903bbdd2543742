import { describe, expect, it } from 'vitest';
import { classSplits, paretoKnapsack, type StageChoice } from '../../src/optimize/budget';
import { offering, rng } from './helpers';

// Stage choices built from real monthly prices (count × offering), with made-up migration shares.
const PRICES = [
  offering('aws', 'us-east-1', 'm5.large'),
  offering('aws', 'us-east-1', 'm5.xlarge'),
  offering('azure', 'eastus', 'Standard_D2s_v5'),
  offering('azure', 'westeurope', 'Standard_D4s_v5'),
  offering('gcp', 'us-central1', 'n2-standard-2'),
  offering('gcp', 'europe-west1', 'n2-standard-4'),
].map((o) => o.monthlyUsd);

function bestByEnumeration(stages: StageChoice[][], maxMonthly: number): number | undefined {
  let best: number | undefined;
  const walk = (i: number, monthly: number, objective: number): void => {
    if (monthly > maxMonthly + 1e-9) return;
    if (i === stages.length) {
      if (best === undefined || objective < best) best = objective;
      return;
    }
    for (const c of stages[i]!) walk(i + 1, monthly + c.monthly, objective + c.objective);
  };
  walk(0, 0, 0);
  return best;
}

describe('paretoKnapsack', () => {
  it('finds the exhaustive optimum of random multiple-choice knapsacks', () => {
    let feasible = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const stages: StageChoice[][] = Array.from({ length: 2 + Math.floor(r() * 5) }, () =>
        Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
          const monthly = PRICES[Math.floor(r() * PRICES.length)]! * (1 + Math.floor(r() * 3));
          return { monthly, objective: monthly + Math.floor(r() * 3) * 12.5, reduced: 0 };
        }),
      );
      const total = stages.reduce((sum, s) => sum + Math.max(...s.map((c) => c.monthly)), 0);
      const budget = total * (0.5 + r() * 0.5);
      const expected = bestByEnumeration(stages, budget);
      const result = paretoKnapsack(stages, budget, Number.POSITIVE_INFINITY);
      if (expected === undefined) {
        expect(result, `seed ${seed}`).toBeUndefined();
        continue;
      }
      feasible++;
      if (result === undefined || result === 'too-large') throw new Error(`seed ${seed}: no result`);
      expect(result.objective, `seed ${seed}`).toBeCloseTo(expected, 6);
      // The picks reproduce the reported totals and meet the budget.
      const monthly = result.picks.reduce((sum, pick, i) => sum + stages[i]![pick]!.monthly, 0);
      expect(monthly).toBeCloseTo(result.monthly, 6);
      expect(monthly).toBeLessThanOrEqual(budget + 1e-6);
    }
    expect(feasible).toBeGreaterThan(100);
  });

  it('reports a frontier that outgrows its limit instead of running away', () => {
    // Every stage trades monthly for objective at scale 2^i: all 4,096 plans are Pareto-optimal.
    const stages: StageChoice[][] = Array.from({ length: 12 }, (_, i) => [
      { monthly: PRICES[0]! * 2 ** i, objective: PRICES[1]! * 2 ** i, reduced: 0 },
      { monthly: PRICES[1]! * 2 ** i, objective: PRICES[0]! * 2 ** i, reduced: 0 },
    ]);
    const solved = paretoKnapsack(stages, 1e9, Number.POSITIVE_INFINITY);
    expect(solved).not.toBe('too-large');
    expect(paretoKnapsack(stages, 1e9, Number.POSITIVE_INFINITY, 100)).toBe('too-large');
  });
});

describe('classSplits', () => {
  it('lists every split of a class within the reduced-cost allowance', () => {
    // Option 0 costs 5 per workload above the floor, option 1 nothing: with 12 allowed, at most two take option 0.
    expect(classSplits(4, [5, 0], 12, 100)).toEqual([
      [0, 4],
      [1, 3],
      [2, 2],
    ]);
    expect(classSplits(3, [0, 0], 0, 100)).toHaveLength(4);
    expect(classSplits(1000, [0, 0], 0, 100)).toBeUndefined();
  });
});
