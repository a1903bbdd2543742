import path from 'node:path';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { isBurstable } from '../../src/catalog/candidates';
import { compare, runBacktest, scoreSize } from '../../src/backtest';
import type { BacktestReport, MethodTotals } from '../../src/backtest';
import { isOnOrBeyond } from '../../src/backtest/sweep';
import type { SweepPoint, SweepReport } from '../../src/backtest/sweep';
import { renderSweepChart, renderSweepMermaid } from '../../src/backtest/sweep-chart';
import { register } from '../../src/cli/backtest';
import { StackfitError } from '../../src/model';
import { readTraceFile } from '../../src/usage/traces';

const traces = path.resolve(__dirname, '../../data/traces');
const catalog = loadCatalog();
const DAY = 86_400_000;

describe('back-test on the real traces', () => {
  let report: BacktestReport;
  beforeAll(() => {
    report = runBacktest(traces, { catalog });
  });

  it('reads one trace per VM: 10 Bitbrains files, 50 Azure VMs with their avg and max files together', () => {
    expect(report.traces.filter((t) => t.source === 'bitbrains')).toHaveLength(10);
    const azure = report.traces.filter((t) => t.source === 'azure-wide');
    expect(azure).toHaveLength(50);
    expect(new Set(azure.map((t) => t.vmId)).size).toBe(50);
    for (const t of azure)
      expect(t.files.map((f) => path.basename(f)).sort()).toEqual(['azure_v1_50vms_avg_cpu_wide.csv', 'azure_v1_50vms_max_cpu_wide.csv']);
    expect(report.skipped).toEqual([]);
    expect(report.methods.map((m) => m.method)).toEqual(['stackfit', 'computeOptimizer', 'vpa']);
  });

  it('scores Azure VMs against the per-interval MAX, a reading at the 100 % cap counting against sizes no bigger than the cap', () => {
    const max = readTraceFile(path.join(traces, 'azure-v1/azure_v1_50vms_max_cpu_wide.csv'));
    let checked = 0;
    for (const t of report.traces.filter((r) => r.source === 'azure-wide')) {
      const m = max.find((x) => x.id.endsWith(`:${t.vmId}`))!;
      const split = m.cpuCores.t[0]! + 21 * DAY;
      for (const r of [t.current, ...t.results]) {
        let over = 0;
        m.cpuCores.t.forEach((time, i) => {
          const cores = m.cpuCores.v[i]!;
          if (time >= split && (cores > r.vcpu || (cores >= 4 * 0.999 && r.vcpu <= 4))) over++;
        });
        expect(r.cpuUnderIntervals, `${t.id} ${r.size}`).toBe(over);
        checked += over;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('takes the current shape from the training window and prices it as the cheapest type of any family with it', () => {
    const offerings = catalog
      .offerings({ cloud: 'aws', region: 'us-east-1', kind: 'vm' })
      .filter((o) => o.currentGeneration && o.arch === 'amd64' && o.gpus === 0 && !isBurstable(o));
    for (const t of report.traces.filter((r) => r.source === 'bitbrains')) {
      const raw = readTraceFile(t.files[0]!)[0]!;
      const split = raw.cpuCores.t[0]! + 21 * DAY;
      const inTraining = (s: { t: number[]; v: number[] }) => Math.max(...s.v.filter((_, i) => s.t[i]! < split));
      expect(t.provisioned.vcpu, t.id).toBe(inTraining(raw.provisionedSeries!.vcpu));
      expect(t.provisioned.memoryGiB, t.id).toBeCloseTo(inTraining(raw.provisionedSeries!.memoryGiB), 3);
      const fits = offerings.filter((o) => o.vcpu >= t.provisioned.vcpu && o.memoryGiB >= t.provisioned.memoryGiB - 1e-9);
      expect(t.current.monthlyUsd, t.id).toBe(Math.round(Math.min(...fits.map((o) => o.monthlyUsd)) * 1e4) / 1e4);
      expect(t.current.generalPurpose.size).toMatch(/^m\d/);
      expect(t.current.generalPurpose.monthlyUsd).toBeGreaterThanOrEqual(t.current.monthlyUsd);
    }
    const az = report.traces.find((t) => t.source === 'azure-wide')!;
    expect(az.provisioned).toEqual({ vcpu: 4, memoryGiB: 16, assumed: true });
    expect(az.cpuOnly).toBe(true);
  });

  it('lists per trace the current and recommended sizes with vCPU and GiB as the catalog has them', () => {
    for (const t of report.traces) {
      for (const m of [t.current, ...t.results]) {
        const o = catalog.lookup('aws', 'us-east-1', m.size)!;
        expect([o.vcpu, o.memoryGiB, Math.round(o.monthlyUsd * 1e4) / 1e4]).toEqual([m.vcpu, m.memoryGiB, m.monthlyUsd]);
      }
      for (const m of t.results) {
        expect(m.vcpu).toBeGreaterThanOrEqual(m.requiredVcpu);
        if (!t.cpuOnly) expect(m.memoryGiB).toBeGreaterThanOrEqual(m.requiredMemoryGiB!);
        expect(m.savingsUsd).toBeCloseTo(t.current.monthlyUsd - m.monthlyUsd, 3);
      }
    }
  });

  it('never gives stackfit less memory than the training window peak, and so no memory overrun where CO-style has some', () => {
    for (const t of report.traces.filter((r) => !r.cpuOnly)) {
      const sf = t.results[0]!;
      expect(sf.requiredMemoryGiB!, t.id).toBeGreaterThanOrEqual(t.trainMemoryPeakGiB!);
      expect(sf.memoryGiB, t.id).toBeGreaterThanOrEqual(t.trainMemoryPeakGiB!);
    }
    const overall = report.totals.at(-1)!;
    expect(overall.methods[0]!.memoryOverrunIntervals).toBeLessThanOrEqual(overall.methods[1]!.memoryOverrunIntervals);
  });

  it('counts memory overruns apart from CPU under-provisioning, from the trace itself', () => {
    const t = report.traces.find((r) => r.id === '35.csv')!;
    const raw = readTraceFile(t.files[0]!)[0]!;
    const split = raw.cpuCores.t[0]! + 21 * DAY;
    for (const m of t.results) {
      let cpu = 0;
      let mem = 0;
      let either = 0;
      raw.cpuCores.t.forEach((time, i) => {
        if (time < split) return;
        const c = raw.cpuCores.v[i]! > m.vcpu;
        const g = raw.memoryGiB!.v[i]! > m.memoryGiB;
        cpu += c ? 1 : 0;
        mem += g ? 1 : 0;
        either += c || g ? 1 : 0;
      });
      expect([m.cpuUnderIntervals, m.memoryOverrunIntervals, m.underProvisionedIntervals], m.label).toEqual([cpu, mem, either]);
    }
  });

  it('totals are sums of cost and counts, per dataset and overall, with the worst trace', () => {
    expect(report.totals.map((g) => g.name)).toEqual(['azure-v1', 'bitbrains-rnd-2013-07', 'overall']);
    for (const g of report.totals) {
      const rows = g.name === 'overall' ? report.traces : report.traces.filter((t) => t.dataset === g.name);
      expect(g.traces).toBe(rows.length);
      expect(g.intervals).toBe(rows.reduce((s, t) => s + t.scoredIntervals, 0));
      expect(g.current.monthlyUsd).toBeCloseTo(
        rows.reduce((s, t) => s + t.current.monthlyUsd, 0),
        1,
      );
      g.methods.forEach((m, i) => {
        expect(m.monthlyUsd).toBeCloseTo(
          rows.reduce((s, t) => s + t.results[i]!.monthlyUsd, 0),
          1,
        );
        expect(m.savingsUsd).toBeCloseTo(g.current.monthlyUsd - m.monthlyUsd, 1);
        expect(m.cpuUnderIntervals).toBe(rows.reduce((s, t) => s + t.results[i]!.cpuUnderIntervals, 0));
        expect(m.memoryOverrunIntervals).toBe(rows.reduce((s, t) => s + t.results[i]!.memoryOverrunIntervals, 0));
        const shares = rows.map((t) => t.results[i]!.underProvisionedIntervals / t.scoredIntervals);
        if (m.worst) expect(m.worst.underProvisionedShare).toBeCloseTo(Math.max(...shares), 5);
        else expect(Math.max(...shares)).toBe(0);
      });
    }
  });

  it('stackfit under-provisions CPU no more than Compute-Optimizer-style on each dataset, and flags CPU-bound VMs', () => {
    for (const g of report.totals) {
      expect(g.comparison!.cpuUnderNoMore, g.name).toBe(true);
      expect(g.comparison!.memoryOverrunsNoMore, g.name).toBe(true);
    }
    expect(report.traces.some((t) => t.results[0]!.cpuBound)).toBe(true);
    for (const t of report.traces.filter((r) => r.results[0]!.cpuBound)) expect(t.results[0]!.notes!.join(' ')).toMatch(/CPU-bound/);
    // The regression flag is exactly "loses on some dataset or overall".
    expect(report.regression).toBe(report.totals.some((g) => !g.comparison!.holds));
  });
});

describe('compare and the sweep curves', () => {
  const totals = (savingsUsd: number, cpu: number, mem: number): MethodTotals => ({
    label: 'x',
    monthlyUsd: 0,
    savingsUsd,
    savingsShare: 0,
    cpuUnderIntervals: cpu,
    cpuUnderShare: cpu / 1000,
    memoryOverrunIntervals: mem,
    memoryOverrunShare: 0,
    tracesWithMemoryOverrun: 0,
    underProvisionedIntervals: cpu + mem,
  });

  it('stackfit holds only with at least the savings, no more CPU under-provisioning and no more memory overruns', () => {
    expect(compare(totals(10, 1, 0), totals(10, 1, 0)).holds).toBe(true);
    expect(compare(totals(9.99, 1, 0), totals(10, 1, 0))).toMatchObject({ holds: false, savesAtLeastAsMuch: false });
    expect(compare(totals(20, 2, 0), totals(10, 1, 0))).toMatchObject({ holds: false, cpuUnderNoMore: false });
    expect(compare(totals(20, 1, 1), totals(10, 1, 0))).toMatchObject({ holds: false, memoryOverrunsNoMore: false });
  });

  const point = (savingsUsd: number, cpuUnderShare: number, memoryOverrunIntervals = 0): SweepPoint => ({
    family: 'computeOptimizer',
    label: 'p',
    percentile: 99.5,
    isDefault: false,
    savingsUsd,
    savingsShare: savingsUsd / 100,
    cpuUnderIntervals: 0,
    cpuUnderShare,
    memoryOverrunIntervals,
  });

  it('a point is on or beyond a curve unless the curve (or the line between two of its points) saves more at its under-provisioning', () => {
    const curve = [point(10, 0.001), point(30, 0.003)];
    expect(isOnOrBeyond(point(20, 0.002), curve)).toBe(true); // on the line
    expect(isOnOrBeyond(point(19, 0.002), curve)).toBe(false); // below it
    expect(isOnOrBeyond(point(5, 0.0005), curve)).toBe(true); // safer than every point
    expect(isOnOrBeyond(point(29, 0.004), curve)).toBe(false); // dominated by the last point
    // A baseline point with more memory overruns cannot beat it.
    expect(isOnOrBeyond(point(29, 0.004), [point(30, 0.003, 5)])).toBe(true);
  });
});

describe('stackfit backtest (CLI)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stackfit-backtest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<number> {
    const program = new Command('stackfit').exitOverride();
    register(program);
    process.exitCode = undefined;
    await program.parseAsync(['node', 'stackfit', 'backtest', ...args]);
    const code = Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    return code;
  }

  it('lists unreadable files of a mixed directory as skipped with the reason, and scores the rest', async () => {
    const mixed = path.join(dir, 'mixed');
    mkdirSync(path.join(mixed, 'bb'), { recursive: true });
    copyFileSync(path.join(traces, 'bitbrains-rnd-2013-07/35.csv'), path.join(mixed, 'bb/35.csv'));
    writeFileSync(path.join(mixed, 'README.md'), '# notes\n');
    const header = readFileSync(path.join(traces, 'bitbrains-rnd-2013-07/35.csv'), 'utf8').split('\n')[0]!;
    writeFileSync(path.join(mixed, 'bb/broken.csv'), `${header}\n1376314846;\t4;\tlots\n`);
    const out = path.join(dir, 'mixed.json');
    expect(await run([mixed, '--format', 'json', '--output', out])).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as BacktestReport;
    expect(json.traces.map((t) => t.id)).toEqual(['35.csv']);
    expect(json.skipped).toEqual([
      { file: path.join(mixed, 'README.md'), reason: 'not a Bitbrains or Azure V1 wide trace (unrecognised header)' },
      { file: path.join(mixed, 'bb/broken.csv'), reason: expect.stringMatching(/broken\.csv:2: CPU capacity "lots" is not a number/) },
    ]);
  });

  it('--fail-on-regression exits 1 exactly when stackfit loses to Compute-Optimizer-style', async () => {
    for (const d of ['bitbrains-rnd-2013-07', 'azure-v1']) {
      const out = path.join(dir, `${d}.json`);
      const code = await run([path.join(traces, d), '--format', 'json', '--output', out, '--fail-on-regression']);
      const json = JSON.parse(readFileSync(out, 'utf8')) as BacktestReport;
      expect(code, d).toBe(json.regression ? 1 : 0);
      expect(await run([path.join(traces, d), '--format', 'json', '--output', out]), d).toBe(0);
    }
  });

  it('renders per-trace rows with file, VM, sizes, and the totals with the verdict', async () => {
    const out = path.join(dir, 'report.txt');
    await run([path.join(traces, 'bitbrains-rnd-2013-07'), '--output', out]);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/│ \. +│ 78 +│ 78\.csv +│ \S+ 8 vCPU\/\d+ GiB/);
    expect(text).toContain('Compute-Optimizer-style (P99.5 + 20 %)');
    expect(text).toMatch(
      /stackfit vs Compute-Optimizer-style: saves at least as much: (yes|NO); CPU under-provisions no more: yes; memory overruns no more: yes/,
    );
  });

  it('rejects a bad --train-days and a directory without traces clearly', async () => {
    await expect(run([traces, '--train-days', 'three'])).rejects.toThrow(/--train-days: must be a positive number of days, got "three"/);
    expect(() => runBacktest(path.join(__dirname, '..', 'usage', 'fixtures'), { catalog })).toThrow(StackfitError);
    expect(() => runBacktest(path.join(__dirname, '..', 'usage', 'fixtures'), { catalog })).toThrow(
      /no Bitbrains or Azure V1 wide trace files found/,
    );
  });

  describe('--sweep', () => {
    let sweep: SweepReport;
    beforeAll(async () => {
      const out = path.join(dir, 'sweep.json');
      await run([
        path.join(traces, 'bitbrains-rnd-2013-07'),
        '--sweep',
        '--format',
        'json',
        '--output',
        out,
        '--chart',
        path.join(dir, 'sweep.svg'),
      ]);
      sweep = JSON.parse(readFileSync(out, 'utf8')) as SweepReport;
    });

    it('has stackfit at several percentiles and both baselines at several percentiles and headrooms, defaults marked', () => {
      const g = sweep.groups[0]!;
      const of = (f: string) => g.points.filter((p) => p.family === f);
      expect(of('stackfit').length).toBeGreaterThanOrEqual(5);
      expect(new Set(of('computeOptimizer').map((p) => `${p.percentile}/${p.headroom}`)).size).toBeGreaterThanOrEqual(5);
      expect(new Set(of('vpa').map((p) => `${p.percentile}/${p.headroom}`)).size).toBeGreaterThanOrEqual(5);
      expect(g.points.filter((p) => p.isDefault).map((p) => [p.family, p.percentile, p.headroom])).toEqual([
        ['stackfit', 99.5, undefined],
        ['computeOptimizer', 99.5, 0.2],
        ['vpa', 90, 0.15],
      ]);
      // More headroom never saves more.
      const co = of('computeOptimizer')
        .filter((p) => p.percentile === 99.5)
        .sort((a, b) => a.headroom! - b.headroom!);
      for (let i = 1; i < co.length; i++) expect(co[i]!.savingsUsd).toBeLessThanOrEqual(co[i - 1]!.savingsUsd);
      const direct = runBacktest(path.join(traces, 'bitbrains-rnd-2013-07'), { catalog });
      expect(of('stackfit').find((p) => p.isDefault)!.savingsUsd).toBe(direct.totals[0]!.methods[0]!.savingsUsd);
    });

    it('writes the SVG chart with the shared charting code: a panel per dataset, a curve per method', () => {
      const svg = readFileSync(path.join(dir, 'sweep.svg'), 'utf8');
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg.trim().endsWith('</svg>')).toBe(true);
      expect(svg.match(/<polyline /g)).toHaveLength(3 * sweep.groups.length);
      // Drawn by the shared charting module, and the same data as Mermaid for summaries.
      expect(renderSweepMermaid(sweep).match(/```mermaid/g)).toHaveLength(sweep.groups.length);
      expect(svg).toBe(renderSweepChart(sweep));
      expect(svg).toContain('Compute-Optimizer-style');
    });
  });
});

describe('scoreSize', () => {
  it('counts each scored interval once, CPU and memory apart', () => {
    const t = [0, 300_000, 600_000];
    const s = scoreSize({ split: 0, scoreCpu: { t, v: [1, 3, 3] }, scoreMem: { t, v: [9, 9, 1] }, trace: {} }, 2, 8);
    expect(s).toEqual({ cpuUnderIntervals: 2, memoryOverrunIntervals: 2, underProvisionedIntervals: 3 });
  });
});
