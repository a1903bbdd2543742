/**
 * Typos anywhere in stackfit.yaml are errors naming the field and line, with a "did you mean"
 * for near misses: a misspelt key below the top level used to be dropped silently (the budget
 * turned off, a pinned workload resized).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, stackfitConfigSchema } from '../../src/config';
import { StackfitError } from '../../src/model';
import { suggestKey, unknownKeys } from '../../src/config/strict';

function messageOf(text: string): string {
  try {
    parseConfig(text, 'stackfit.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(StackfitError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('stackfit.yaml is strict at every level', () => {
  it.each([
    [
      'budget: {maxMonthlyCosts: 1}\n',
      'budget.maxMonthlyCosts (line 1): Unrecognized key "maxMonthlyCosts"; did you mean "maxMonthlyCost"?',
    ],
    ['workloads:\n  web:\n    pinn: true\n', 'workloads.web.pinn (line 3): Unrecognized key "pinn"; did you mean "pin"?'],
    [
      'placement:\n  clouds: [aws]\n  regionz: {aws: [us-east-1]}\n',
      'placement.regionz (line 3): Unrecognized key "regionz"; did you mean "regions"?',
    ],
    [
      'thresholds:\n  minMonthlyDelta: 5\n',
      'thresholds.minMonthlyDelta (line 2): Unrecognized key "minMonthlyDelta"; did you mean "minMonthlyDeltaUsd"?',
    ],
    ['pr: {maxopen: 3}\n', 'pr.maxopen (line 1): Unrecognized key "maxopen"; did you mean "maxOpen"?'],
    ['groups:\n  frontend: {minCloud: 2}\n', 'groups.frontend.minCloud (line 2): Unrecognized key "minCloud"; did you mean "minClouds"?'],
    [
      'mappings:\n  - resource: web\n    configKey: p:size\n    paht: a.b\n',
      'mappings.0.paht (line 4): Unrecognized key "paht"; did you mean "path"?',
    ],
    [
      'usage:\n  prometheus:\n    joinlabel: host\n',
      'usage.prometheus.joinlabel (line 3): Unrecognized key "joinlabel"; did you mean "joinLabel"?',
    ],
    [
      'pricing:\n  discounts:\n    - {percent: 5, notes: EDP}\n',
      'pricing.discounts.0.notes (line 3): Unrecognized key "notes"; did you mean "note"?',
    ],
    [
      'migration: {amortiseMonths: 6}\n',
      'migration.amortiseMonths (line 1): Unrecognized key "amortiseMonths"; did you mean "amortizeMonths"?',
    ],
    ['horizonDayz: 3\n', 'horizonDayz (line 1): Unrecognized key "horizonDayz"; did you mean "horizonDays"?'],
    [
      'workloads:\n  "*-db": {cpuHeadrom: 0.3}\n',
      'workloads.*-db.cpuHeadrom (line 2): Unrecognized key "cpuHeadrom"; did you mean "cpuHeadroom"?',
    ],
  ])('%j', (text, expected) => {
    expect(messageOf(text)).toBe(`stackfit.yaml: ${expected}`);
  });

  it('a far-off key gets no suggestion, and every unknown key is listed in one message', () => {
    expect(messageOf('budget:\n  ceiling: 5\npr:\n  labelz: [a]\n')).toBe(
      'stackfit.yaml: budget.ceiling (line 2): Unrecognized key "ceiling"\n  pr.labelz (line 4): Unrecognized key "labelz"; did you mean "labels"?',
    );
  });

  it('every valid key at every level passes (the repository example and a full config)', () => {
    const full = `
lookbackDays: 14
placement: {clouds: [aws, gcp], regions: {aws: [us-east-1]}, arch: [amd64], families: [m7], excludeFamilies: [t2], allowPreviousGeneration: false}
budget: {maxMonthlyCost: 1000}
migration: {crossCloudCostPerInstance: 100, crossRegionCostPerInstance: 10, amortizeMonths: 6}
thresholds: {minMonthlyDeltaUsd: 5, minDeltaPercent: 1}
workloads: {web: {pin: true, cpuHeadroom: 0.3, clouds: [aws], allowMove: true}}
groups: {frontend: {minClouds: 2, minRegions: 2}}
mappings: [{resource: web, configKey: "p:size", path: [a, 0], stack: prod}]
pr: {maxNewPerRun: 1, maxOpen: 3, groupBy: group, labels: [x], branchPrefix: "s/", baseBranch: main}
usage: {sources: [a.csv], stepSeconds: 60, cacheDir: .cache, prometheus: {joinLabel: host, joinOn: name, cpuQuery: q, memoryQuery: q}}
pricing: {discounts: [{cloud: aws, kind: vm, region: [us-east-1], family: m5, size: "m5.*", percent: 10, note: EDP}], commitment: {gcp: 1y}, overlayDir: o}
`;
    expect(() => parseConfig(full)).not.toThrow();
    expect(unknownKeys(stackfitConfigSchema.parse({}), stackfitConfigSchema)).toEqual([]);
  });

  it('a key at the wrong level (or a near miss of one) names the level where it belongs', () => {
    expect(messageOf('placement:\n  allowMov: true\n')).toBe(
      'stackfit.yaml: placement.allowMov (line 2): Unrecognized key "allowMov"; did you mean "allowMove" (at the top level)?',
    );
    expect(messageOf('placement:\n  allowMove: true\n')).toBe(
      'stackfit.yaml: placement.allowMove (line 2): Unrecognized key "allowMove"; "allowMove" belongs at the top level',
    );
    expect(messageOf('workloads:\n  web:\n    maxMonthlyCost: 300\n')).toBe(
      'stackfit.yaml: workloads.web.maxMonthlyCost (line 3): Unrecognized key "maxMonthlyCost"; "maxMonthlyCost" belongs under budget',
    );
    expect(messageOf('workloads:\n  api:\n    colocat: true\n')).toBe(
      'stackfit.yaml: workloads.api.colocat (line 3): Unrecognized key "colocat"; did you mean "colocate" (under groups.<name>)?',
    );
    expect(messageOf('budget:\n  maxPaybackMonths: 3\n')).toBe(
      'stackfit.yaml: budget.maxPaybackMonths (line 2): Unrecognized key "maxPaybackMonths"; "maxPaybackMonths" belongs under migration',
    );
    // A near miss at its own level wins over an exact key elsewhere; a far-off key still gets none.
    expect(messageOf('workloads:\n  web:\n    allowMov: true\n')).toContain('Unrecognized key "allowMov"; did you mean "allowMove"?');
    expect(messageOf('placement:\n  ceiling: 5\n')).toBe('stackfit.yaml: placement.ceiling (line 2): Unrecognized key "ceiling"');
  });

  it.each([
    // maxCount 1e9 with scaleOut crashed Node (V8 "invalid size error") enumerating the counts; minCount 1e9 proposed a billion instances.
    [
      'workloads:\n  web: {maxCount: 1000000000, scaleOut: true}\n',
      'workloads.web.maxCount (line 2): Too big: expected number to be <=1000',
    ],
    ['workloads:\n  web: {minCount: 1000000000}\n', 'workloads.web.minCount (line 2): Too big: expected number to be <=1000'],
    ['workloads:\n  web: {survive: 1000000000}\n', 'workloads.web.survive (line 2): Too big: expected number to be <=999'],
    ['workloads:\n  web: {riskAversion: 1e308}\n', 'workloads.web.riskAversion (line 2): Too big: expected number to be <=1000000'],
    [
      'migration: {crossCloudCostPerInstance: 1e308}\n',
      'migration.crossCloudCostPerInstance (line 1): Too big: expected number to be <=1000000',
    ],
    [
      'migration: {crossRegionCostPerInstance: 1e300}\n',
      'migration.crossRegionCostPerInstance (line 1): Too big: expected number to be <=1000000',
    ],
    ['pools: {minNodes: 1000000000}\n', 'pools.minNodes (line 1): Too big: expected number to be <=1000'],
    ['pools:\n  overrides:\n    "*": {spareNodes: 5000}\n', 'pools.overrides.*.spareNodes (line 3): Too big: expected number to be <=999'],
    ['workloads:\n  web: {riskAversion: .nan}\n', 'workloads.web.riskAversion (line 2): Invalid input: expected number, received NaN'],
    ['workloads:\n  web: {maxStepDown: 0}\n', 'workloads.web.maxStepDown (line 2): Too small: expected number to be >=1'],
  ])('absurd numbers in rules are refused with the field and line: %j', (text, expected) => {
    expect(messageOf(text)).toBe(`stackfit.yaml: ${expected}`);
  });

  it('the largest counts and amounts still read', () => {
    expect(() =>
      parseConfig(
        'workloads:\n  web: {minCount: 1000, maxCount: 1000, survive: 999, riskAversion: 1000000}\nmigration: {crossCloudCostPerInstance: 1000000}\npools: {minNodes: 1000, spareNodes: 999}\n',
      ),
    ).not.toThrow();
  });

  it('suggestions: edit distance up to 2, case-insensitive, cut-off keys', () => {
    expect(suggestKey('maxopen', ['maxOpen', 'maxNewPerRun'])).toBe('maxOpen');
    expect(suggestKey('lables', ['labels'])).toBe('labels');
    expect(suggestKey('colour', ['clouds'])).toBeUndefined();
  });
});
