import { beforeAll, describe, expect, it } from 'vitest';
import type { Offering } from '../../src/model';
import { solveBlock, solveWithYalps, type ChoiceClass, type ChoiceItem, type LinearSolver } from '../../src/optimize/milp';
import * as milp from '../../src/optimize/milp';
import { highsSolver, loadHighs, toLpFormat } from '../../src/optimize/highs';
import { placeOf, type PlacementOption } from '../../src/optimize/options';
import { offering, rng } from './helpers';

const OFFERINGS: Offering[] = [
  offering('aws', 'us-east-1', 'm5.large'),
  offering('azure', 'eastus', 'Standard_D2s_v5'),
  offering('azure', 'westeurope', 'Standard_D2s_v5'),
  offering('gcp', 'us-central1', 'n2-standard-2'),
  offering('gcp', 'europe-west1', 'n2-standard-2'),
];

function option(o: Offering, migration: number): PlacementOption {
  return {
    offering: o,
    count: 1,
    risk: 0,
    cloud: o.cloud,
    place: placeOf(o.cloud, o.region),
    monthly: o.monthlyUsd,
    migration,
    objective: o.monthlyUsd + migration / 12,
    isCurrent: migration === 0,
  };
}

let highs: Awaited<ReturnType<typeof loadHighs>> | undefined;
beforeAll(async () => {
  highs = await loadHighs();
});
const SOLVERS: [string, LinearSolver][] = [
  ['yalps', solveWithYalps],
  ['HiGHS', (model, options) => highsSolver(highs!)(model, options)],
];

describe('solveBlock (the branch-and-bound fallback for the budget core)', () => {
  it.each(SOLVERS)(
    'matches enumeration on blocks mixing a spread group, classes of identical workloads and a budget (%s)',
    (_name, solver) => {
      for (let seed = 1; seed <= 40; seed++) {
        const r = rng(seed);
        const pick = () => option(OFFERINGS[Math.floor(r() * OFFERINGS.length)]!, [0, 50, 150][Math.floor(r() * 3)]!);
        const items: ChoiceItem[] = Array.from({ length: 3 }, () => ({ options: [pick(), pick(), pick()], spread: 0 }));
        const classes: ChoiceClass[] = Array.from({ length: 2 }, () => ({ options: [pick(), pick()], size: 1 + Math.floor(r() * 3) }));
        const budget = 200 + r() * 350;
        const spread = { minClouds: 2, minRegions: 2, fixedClouds: new Set<string>(), fixedPlaces: new Set<string>() };

        // Enumeration: items one option each, classes a count per option.
        let best = Number.POSITIVE_INFINITY;
        const itemPicks = (i: number, acc: PlacementOption[]): void => {
          if (i === items.length) {
            if (new Set(acc.map((o) => o.cloud)).size < 2 || new Set(acc.map((o) => o.place)).size < 2) return;
            const splits = (c: number, monthly: number, objective: number): void => {
              if (c === classes.length) {
                if (monthly <= budget + 1e-9) best = Math.min(best, objective);
                return;
              }
              const cls = classes[c]!;
              for (let n = 0; n <= cls.size; n++) {
                const [a, b] = cls.options as [PlacementOption, PlacementOption];
                splits(
                  c + 1,
                  monthly + n * a.monthly + (cls.size - n) * b.monthly,
                  objective + n * a.objective + (cls.size - n) * b.objective,
                );
              }
            };
            splits(
              0,
              acc.reduce((s, o) => s + o.monthly, 0),
              acc.reduce((s, o) => s + o.objective, 0),
            );
            return;
          }
          for (const o of items[i]!.options) itemPicks(i + 1, [...acc, o]);
        };
        itemPicks(0, []);

        const solution = solveBlock({ items, classes, spreads: [spread], maxMonthly: budget }, solver);
        if (best === Number.POSITIVE_INFINITY) {
          expect(solution.status, `seed ${seed}`).toBe('infeasible');
          continue;
        }
        expect(solution.status, `seed ${seed}`).toBe('optimal');
        expect(solution.value, `seed ${seed}`).toBeCloseTo(best, 6);
        solution.classCounts.forEach((counts, c) => expect(counts.reduce((a, b) => a + b, 0)).toBe(classes[c]!.size));
      }
    },
  );

  it('writes the model HiGHS reads in CPLEX LP format: objective, rows, integer and binary columns', () => {
    const items: ChoiceItem[] = [{ options: [option(OFFERINGS[0]!, 0), option(OFFERINGS[3]!, 150)] }];
    const classes: ChoiceClass[] = [{ options: [option(OFFERINGS[1]!, 0), option(OFFERINGS[2]!, 50)], size: 3 }];
    const { buildBlockModel } = milp;
    const { text, columns } = toLpFormat(buildBlockModel({ items, classes, spreads: [], maxMonthly: 500 }), false);
    expect(columns).toEqual(['x0:0', 'x0:1', 'n0:0', 'n0:1']);
    expect(text).toMatch(/^Minimize\n obj: \+ [\d.]+ c0 \+ [\d.]+ c1/);
    expect(text).toContain(' c0 + 1 c1 = 1');
    expect(text).toContain(' c2 + 1 c3 = 3');
    expect(text).toMatch(/<= 500\n/);
    expect(text).toContain('General\n c2 c3\nBinary\n c0 c1\nEnd');
  });
});
