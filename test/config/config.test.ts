import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, matchesWorkloadKey, parseConfig } from '../../src/config';
import { ruleFor } from '../../src/config/rules';

describe('stackfit.yaml', () => {
  it('has Compute Optimizer / Renovate defaults when absent', () => {
    const config = loadConfig();
    expect(config.cpuPercentile).toBe(99.5);
    expect(config.cpuHeadroom).toBe(0.2);
    expect(config.minHistoryHours).toBe(30);
    expect(config.pr.maxNewPerRun).toBe(2);
    expect(config.pr.maxOpen).toBe(10);
    expect(config.allowMove).toBe(false);
  });

  it('accepts regions for some clouds only', () => {
    const config = parseConfig('placement:\n  regions:\n    gcp: [us-central1]\n');
    expect(config.placement.regions).toEqual({ gcp: ['us-central1'] });
  });

  it('names the field and the line of a bad value, and the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-config-'));
    const file = path.join(dir, 'stackfit.yaml');
    writeFileSync(file, '# rules\nhorizonDays: 30\nbudget:\n  maxMonthlyCost: -5\n');
    expect(() => loadConfig(file)).toThrow(`${file}: budget.maxMonthlyCost (line 4)`);
    writeFileSync(file, 'horizonDays: 30\nhorizonDayz: 31\n');
    expect(() => loadConfig(file)).toThrow(/Unrecognized key.*horizonDayz/);
    writeFileSync(file, 'placement: [\n');
    expect(() => loadConfig(file)).toThrow(/invalid YAML/);
    expect(() => loadConfig(path.join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read config: ENOENT/);
  });

  it('overlays per-workload rules by name, URN and glob, later entries winning', () => {
    const config = parseConfig(
      `
cpuPercentile: 95
workloads:
  "db-*": { cpuPercentile: 99.9, memoryHeadroom: 0.3 }
  db-main: { pin: true, placement: null }
`.replace('placement: null', 'allowMove: true'),
    );
    const rule = ruleFor(config, { name: 'db-main', urn: 'urn:pulumi:prod::p::aws:rds/instance:Instance::db-main' });
    expect(rule).toMatchObject({ cpuPercentile: 99.9, memoryHeadroom: 0.3, pin: true, allowMove: true });
    expect(ruleFor(config, { name: 'web', urn: 'urn:x::web' }).cpuPercentile).toBe(95);
    expect(matchesWorkloadKey('urn:pulumi:prod::*::web', 'web', 'urn:pulumi:prod::p::aws:ec2/instance:Instance::web')).toBe(true);
    expect(matchesWorkloadKey('we', 'web', 'urn:x')).toBe(false);
  });
});

describe('the README', () => {
  it("documents a stackfit.yaml that parses, and the example project's one parses too", () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const config = parseConfig(block, 'README.md');
    expect(config.budget.maxMonthlyCost).toBe(25000);
    expect(config.mappings).toHaveLength(3);
    expect(config.mappings[2]).toMatchObject({ resource: 'reporting', countKey: 'myproj:reportingInstanceCount' });
    expect(loadConfig(path.resolve(__dirname, '../../stackfit.yaml')).allowMove).toBe(true);
  });
});
