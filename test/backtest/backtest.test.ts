import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { BACKTEST_METHODS, runBacktest } from '../../src/backtest';
import type { BacktestReport, MethodTotals } from '../../src/backtest';
import { register } from '../../src/cli/backtest';
import { StackfitError } from '../../src/model';
import { readTraceDir } from '../../src/usage/traces';

const traces = path.resolve(__dirname, '../../data/traces');
const catalog = loadCatalog();

/** "Better baseline" as documented: the non-dominated one, else the one that under-provisions less. */
function betterBaseline(r: BacktestReport): MethodTotals {
  const co = r.totals.computeOptimizer;
  const vpa = r.totals.vpa;
  const dominates = (a: MethodTotals, b: MethodTotals) => a.savingsUsd >= b.savingsUsd && a.underProvisionedShare <= b.underProvisionedShare;
  if (dominates(vpa, co)) return vpa;
  if (dominates(co, vpa)) return co;
  return co.underProvisionedShare <= vpa.underProvisionedShare ? co : vpa;
}

describe('back-test on the real traces', () => {
  let report: BacktestReport;
  beforeAll(() => {
    report = runBacktest(traces, { catalog });
  });

  it('scores every trace found by its header: 10 Bitbrains VMs and 2 × 50 Azure VMs', () => {
    expect(report.traces.filter((t) => t.source === 'bitbrains')).toHaveLength(10);
    expect(report.traces.filter((t) => t.source === 'azure-wide')).toHaveLength(100);
    expect(report.skipped).toEqual([]);
    for (const t of report.traces) {
      expect(t.trainIntervals).toBeGreaterThan(5000); // three weeks of 5-minute samples (6,048), some with gaps
      expect(t.trainIntervals).toBeLessThanOrEqual(6048);
      expect(t.scoredIntervals).toBeGreaterThan(1500);
    }
  });

  it('lists current and recommended sizes with vCPU and GiB that match the catalog, so scores can be rechecked', () => {
    for (const t of report.traces) {
      for (const m of [t.current, ...BACKTEST_METHODS.map((k) => t[k])]) {
        const o = catalog.lookup('aws', 'us-east-1', m.size)!;
        expect(o, m.size).toBeDefined();
        expect([o.vcpu, o.memoryGiB, Math.round(o.monthlyUsd * 1e4) / 1e4]).toEqual([m.vcpu, m.memoryGiB, m.monthlyUsd]);
      }
      for (const k of BACKTEST_METHODS) {
        expect(t[k].vcpu).toBeGreaterThanOrEqual(t[k].requiredVcpu);
        if (!t.cpuOnly) expect(t[k].memoryGiB).toBeGreaterThanOrEqual(t[k].requiredMemoryGiB!);
        expect(t[k].savingsUsd).toBeCloseTo(t.current.monthlyUsd - t[k].monthlyUsd, 3);
      }
    }
  });

  it('prices the current size as the cheapest current-generation general-purpose type with the provisioned shape', () => {
    const t113 = report.traces.find((t) => t.id === '113.csv')!;
    expect(t113.provisioned).toMatchObject({ vcpu: 4, assumed: false });
    const general = catalog
      .offerings({ cloud: 'aws', region: 'us-east-1', kind: 'vm' })
      .filter((o) => /^m\d/.test(o.family) && o.currentGeneration && o.arch === 'amd64' && o.gpus === 0 && o.vcpu >= 4 && o.memoryGiB >= t113.provisioned.memoryGiB);
    expect(t113.current.monthlyUsd).toBe(Math.round(Math.min(...general.map((o) => o.monthlyUsd)) * 1e4) / 1e4);
    const az = report.traces.find((t) => t.source === 'azure-wide')!;
    expect(az.cpuOnly).toBe(true);
    expect(az.provisioned).toEqual({ vcpu: 4, memoryGiB: 16, assumed: true });
    expect(az.current.vcpu).toBe(4);
    expect(az.current.memoryGiB).toBe(16);
    expect(az.stackfit.requiredMemoryGiB).toBeUndefined();
  });

  it('counts under-provisioned 5-minute intervals from the trace itself', () => {
    const all = readTraceDir(traces);
    for (const id of ['78.csv', '35.csv', 'azure_v1_50vms_max_cpu_wide.csv:1946494']) {
      const t = report.traces.find((r) => r.id === id)!;
      const trace = all.find((r) => r.id === id)!;
      const split = trace.cpuCores.t[0]! + 21 * 86_400_000;
      for (const k of BACKTEST_METHODS) {
        const m = t[k];
        let over = 0;
        trace.cpuCores.t.forEach((time, i) => {
          if (time < split) return;
          const memory = trace.memoryGiB?.v[i];
          if (trace.cpuCores.v[i]! > m.vcpu || (memory !== undefined && memory > m.memoryGiB)) over++;
        });
        expect(m.underProvisionedIntervals, `${id} ${k}`).toBe(over);
      }
    }
  });

  it('totals are the sums of the traces', () => {
    const sum = (f: (t: BacktestReport['traces'][number]) => number) => report.traces.reduce((s, t) => s + f(t), 0);
    expect(report.totals.intervals).toBe(sum((t) => t.scoredIntervals));
    expect(report.totals.current.monthlyUsd).toBeCloseTo(sum((t) => t.current.monthlyUsd), 1);
    for (const k of BACKTEST_METHODS) {
      expect(report.totals[k].savingsUsd).toBeCloseTo(sum((t) => t[k].savingsUsd), 1);
      expect(report.totals[k].underProvisionedIntervals).toBe(sum((t) => t[k].underProvisionedIntervals));
      expect(report.totals[k].underProvisionedShare).toBeCloseTo(report.totals[k].underProvisionedIntervals / report.totals.intervals, 12);
    }
  });

  it('stackfit saves at least as much as the better baseline at no more under-provisioning', () => {
    const best = betterBaseline(report);
    expect(report.totals.stackfit.savingsUsd).toBeGreaterThanOrEqual(best.savingsUsd);
    expect(report.totals.stackfit.underProvisionedShare).toBeLessThanOrEqual(best.underProvisionedShare);
    expect(report.comparison.holds).toBe(true);
  });

  it('holds on each trace family alone too', () => {
    for (const dir of ['bitbrains-rnd-2013-07', 'azure-v1']) {
      const r = runBacktest(path.join(traces, dir), { catalog });
      const best = betterBaseline(r);
      expect(r.totals.stackfit.savingsUsd, dir).toBeGreaterThanOrEqual(best.savingsUsd);
      expect(r.totals.stackfit.underProvisionedShare, dir).toBeLessThanOrEqual(best.underProvisionedShare);
    }
  });
});

describe('stackfit backtest (CLI)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-backtest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<void> {
    const program = new Command('stackfit').exitOverride();
    register(program);
    await program.parseAsync(['node', 'stackfit', 'backtest', ...args]);
  }

  it('writes the JSON report', async () => {
    const out = path.join(dir, 'report.json');
    await run([path.join(traces, 'bitbrains-rnd-2013-07'), '--format', 'json', '--output', out]);
    const json = JSON.parse(readFileSync(out, 'utf8')) as BacktestReport;
    expect(json.traces.map((t) => t.id).sort()).toEqual(['113.csv', '2.csv', '28.csv', '306.csv', '35.csv', '356.csv', '449.csv', '488.csv', '78.csv', '8.csv']);
    expect(json.traces[0]!.stackfit).toMatchObject({ size: expect.any(String), vcpu: expect.any(Number), memoryGiB: expect.any(Number) });
    expect(json.comparison.holds).toBe(true);
  });

  it('renders a table with per-trace rows and the totals', async () => {
    const out = path.join(dir, 'report.txt');
    await run([path.join(traces, 'bitbrains-rnd-2013-07'), '--output', out]);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('78.csv');
    expect(text).toContain('Compute-Optimizer-style (P99.5 + 20 %)');
    expect(text).toMatch(/stackfit vs the better baseline \(computeOptimizer\): saves at least as much: yes; under-provisions no more: yes/);
  });

  it('fails clearly on a directory without traces', () => {
    expect(() => runBacktest(path.join(__dirname, '..', 'usage', 'fixtures'), { catalog })).toThrow(StackfitError);
    expect(() => runBacktest(path.join(__dirname, '..', 'usage', 'fixtures'), { catalog })).toThrow(/no Bitbrains or Azure wide trace files found/);
  });
});
