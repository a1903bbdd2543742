import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

/**
 * Rule sets no plan can meet fail through the CLI with the rule that cannot be met, naming the
 * file and the field, exit code non-zero and nothing on stdout (issue 9). Each case is the
 * example project's own stackfit.yaml with one rule added.
 */
const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'stackfit.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-infeasible-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Yaml = Record<string, Record<string, unknown>>;

async function recommendWith(name: string, change: (config: Yaml) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = parse(readFileSync(path.join(root, 'stackfit.yaml'), 'utf8')) as Yaml;
  change(config);
  const caseDir = path.join(dir, name);
  const file = path.join(caseDir, 'stackfit.yaml');
  mkdirSync(caseDir, { recursive: true });
  writeFileSync(file, stringify(config));
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, 'recommend', '--demo', '--config', file], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const workload = (config: Yaml, name: string, rule: Record<string, unknown>): void => {
  config.workloads = { ...config.workloads, [name]: { ...(config.workloads?.[name] as object), ...rule } };
};

describe('infeasible rule sets, through `stackfit recommend`', { timeout: 300_000 }, () => {
  it('a budget below the cheapest feasible plan names budget.maxMonthlyCost and the cheapest plan', async () => {
    const { code, stdout, stderr } = await recommendWith('budget', (c) => (c.budget = { maxMonthlyCost: 100 }));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /stackfit\.yaml: budget\.maxMonthlyCost: budget \$100\.00\/month is below the cheapest feasible plan \$[\d,.]+\/month/,
    );
  });

  it('minCount above maxCount names workloads.<name>.minCount', async () => {
    const { code, stdout, stderr } = await recommendWith('counts', (c) => workload(c, 'api', { minCount: 5, maxCount: 3 }));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('stackfit.yaml: workloads.api.minCount: minCount 5 exceeds maxCount 3 (workloads.api.maxCount) for api');
  });

  it('survive: 1 with maxCount 1 names workloads.<name>.survive', async () => {
    const { code, stdout, stderr } = await recommendWith('survive', (c) => workload(c, 'worker', { survive: 1, maxCount: 1 }));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('stackfit.yaml: workloads.worker.survive: survive: 1 needs at least 2 instances of worker, but maxCount');
  });

  it('minVcpu above every allowed size names workloads.<name>.minVcpu', async () => {
    const { code, stdout, stderr } = await recommendWith('min-vcpu', (c) => workload(c, 'api', { minVcpu: 4096 }));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('stackfit.yaml: workloads.api.minVcpu: minVcpu 4096 vCPU exceeds every size api may run on');
  });

  it('a colocated group with no common place names groups.<group>.colocate', async () => {
    // search (on GCP today) may only run on Azure, cache (AWS) may not move: no place holds both, and search cannot stay.
    const { code, stdout, stderr } = await recommendWith('colocate', (c) => workload(c, 'search', { clouds: ['azure'] }));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/stackfit\.yaml: groups\.data\.colocate: group data has no place where all its workloads fit/);
  });
});
