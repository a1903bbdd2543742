import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'stackfit.js');
const shared = path.resolve(root, 'data');

async function stackfit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface ReportItem {
  urn: string;
  workload: { name: string; count: number; size: string };
  action: string;
  current: { size: string; vcpu: number; memoryGiB: number; monthlyUsd: number } | null;
  chosen: { size: string; cloud: string; region: string; vcpu: number; memoryGiB: number; monthlyUsd: number } | null;
  alternatives: { size: string; cloud: string; region: string; vcpu: number; memoryGiB: number; monthlyTotal: number; risk: number }[];
  monthlyBefore: number | null;
  monthlyAfter: number | null;
  monthlyDelta: number | null;
  evidence: { cpu: { required: number; p95: number; forecastPeak: number }; memory: { required: number } | null } | null;
}

describe('stackfit recommend --demo', () => {
  it('prices and plans the example prod stack: every choice meets its forecast demand, totals add up', async () => {
    const { code, stdout, stderr } = await stackfit(['recommend', '--demo', '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      schemaVersion: number;
      stack: string;
      items: ReportItem[];
      totals: { monthlyBefore: number; monthlyAfter: number; monthlyDelta: number };
    };
    expect(report.schemaVersion).toBe(1);
    expect(report.stack).toBe('prod');
    expect(report.items.map((i) => i.workload.name).sort()).toEqual(['api', 'cache', 'reporting', 'search', 'web', 'worker']);
    for (const item of report.items) {
      expect(item.current, item.workload.name).not.toBeNull();
      expect(item.chosen, item.workload.name).not.toBeNull();
      const chosen = item.chosen!;
      // The count may change (scale out/in): the instances together carry today's total need.
      const after = Math.round(item.monthlyAfter! / (chosen as { monthlyUsd: number }).monthlyUsd);
      const today = item.workload.count;
      expect(chosen.vcpu * after).toBeGreaterThanOrEqual(item.evidence!.cpu.required * today - 1e-9);
      if (item.evidence!.memory) expect(chosen.memoryGiB * after).toBeGreaterThanOrEqual(item.evidence!.memory.required * today - 1e-9);
      else expect(chosen.memoryGiB).toBeGreaterThanOrEqual(item.current!.memoryGiB); // CPU-only: memory never shrinks
      expect(item.monthlyBefore).toBeCloseTo(item.current!.monthlyUsd * item.workload.count, 6);
      expect(item.monthlyAfter).toBeCloseTo(chosen.monthlyUsd * after, 6);
      // Ranked options: other sizes in the same place that also meet the demand, never cheaper than the choice.
      for (const alt of item.alternatives) {
        expect([alt.cloud, alt.region]).toEqual([chosen.cloud, chosen.region]);
        expect(alt.size).not.toBe(chosen.size);
        expect(alt.vcpu * after).toBeGreaterThanOrEqual(item.evidence!.cpu.required * today - 1e-9);
        if (after === today) expect(alt.monthlyTotal).toBeGreaterThanOrEqual(item.monthlyAfter! - 1e-9); // JSON alternatives are priced at today's count
      }
    }
    expect(report.items.some((i) => i.alternatives.length > 0)).toBe(true);
    const before = report.items.reduce((s, i) => s + i.monthlyBefore!, 0);
    const after = report.items.reduce((s, i) => s + i.monthlyAfter!, 0);
    expect(report.totals.monthlyBefore).toBeCloseTo(before, 6);
    expect(report.totals.monthlyAfter).toBeCloseTo(after, 6);
    expect(report.totals.monthlyDelta).toBeLessThan(0); // the demo stack is oversized
  });

  it("--demo platform: sizes the node pools from their recorded usage; the table shows each pool's new node count", async () => {
    const { code, stdout, stderr } = await stackfit(['recommend', '--demo', 'platform', '--format', 'json']);
    // stackfit.yaml is the project's: its entries for the prod/dev VMs match nothing in the platform stack, and say so.
    const otherLines = stderr.split('\n').filter((line) => line !== '' && !/matches no workload of stack platform$/.test(line));
    expect(otherLines).toEqual([]);
    expect(stderr).toContain('workloads."cache" matches no workload of stack platform');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { items: (ReportItem & { countAfter: number })[]; missingUsage: unknown[] };
    expect(report.missingUsage).toEqual([]);
    expect(report.items.map((i) => i.workload.name).sort()).toEqual([
      'batch',
      'shop-eks-apps',
      'shop-eks-jobs',
      'tools-aks-tools',
      'tools-aks/system',
      'web-gke-web',
    ]);
    for (const item of report.items) expect(['resize', 'keep'], item.workload.name).toContain(item.action);
    const web = report.items.find((i) => i.workload.name === 'web-gke-web')!;
    // A new node count, and no deeper cut than maxStepDown (4×) of today's 4 × 8 vCPU in one change.
    expect(web.countAfter).not.toBe(web.workload.count);
    expect(web.countAfter * web.chosen!.vcpu).toBeGreaterThanOrEqual((4 * 8) / 4);
    const table = await stackfit(['recommend', '--demo', 'platform']);
    expect(table.stdout).toContain(`n2-standard-8 ×4 → ${web.chosen!.size} ×${web.countAfter}`);
  });

  it('prints a table with the totals line, and Markdown', async () => {
    const table = await stackfit(['recommend', '--demo', 'dev']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Total monthly: \$[\d,.]+ → \$[\d,.]+ \([+-]?\$[\d,.]+\/month/);
    for (const name of ['web', 'api', 'worker']) expect(table.stdout).toContain(name);
    const md = await stackfit(['recommend', '--demo', 'dev', '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('| resource | change | place |');
  });

  it('makes no recommendation from under 30 hours of history (--lookback 1)', async () => {
    const { code, stdout } = await stackfit(['recommend', '--demo', 'dev', '--lookback', '1', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { items: ReportItem[]; totals: { monthlyDelta: number } };
    expect(report.items.map((i) => i.action)).toEqual(['no-recommendation', 'no-recommendation', 'no-recommendation']);
    expect(report.totals.monthlyDelta).toBe(0);
    const bad = await stackfit(['recommend', '--demo', 'dev', '--lookback', 'forever']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--lookback: "forever" is not a number of days');
  });

  it('writes --output atomically and leaves nothing behind on failure', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-out-'));
    const out = path.join(dir, 'plan.json');
    const ok = await stackfit(['recommend', '--demo', 'dev', '--format', 'json', '--output', out]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).stack).toBe('dev');
    const bad = await stackfit([
      'recommend',
      '--demo',
      'dev',
      '--output',
      path.join(dir, 'missing-dir', 'x', 'plan.json'),
      '--now',
      'yesterday',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--now: "yesterday" is not a date');
    expect(readdirSync(dir)).toEqual(['plan.json']);
  });
});

describe('stackfit recommend on a user stack', () => {
  const ec2Export = path.join(shared, 'pulumi', 'stack-export', 'pulumi-aws-recorded-ec2-instance-5.42.0.stack.json');

  it('reads a real export and a usage CSV keyed by instance id', async () => {
    // The recorded export's instance (t2.micro, us-west-2): only us-east-1 and GovCloud have AWS prices,
    // so it must come out unpriced — never as zero.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-usage-'));
    const csv = path.join(dir, 'usage.csv');
    const start = Date.parse('2026-10-01T00:00:00Z');
    const rows = ['timestamp,resource,metric,value'];
    // A real Bitbrains trace's first 40 hours of CPU (used cores), keyed by the EC2 instance id.
    const trace = readFileSync(path.join(shared, 'traces', 'bitbrains-rnd-2013-07', '2.csv'), 'utf8')
      .split('\n')
      .slice(1, 481);
    trace.forEach((line, i) => {
      const cols = line.split(';').map((c) => c.trim());
      const cores = Number(cols[1]);
      const capacity = Number(cols[2]);
      const usedMhz = Number(cols[3]);
      rows.push(
        `${new Date(start + i * 300_000).toISOString()},i-0ecb41f78d825dd80,cpu_cores,${((usedMhz / capacity) * cores).toFixed(4)}`,
      );
    });
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const { code, stdout } = await stackfit([
      'recommend',
      '--state',
      ec2Export,
      '--usage',
      csv,
      '--format',
      'json',
      '--now',
      new Date(start + 480 * 300_000).toISOString(),
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { items: ReportItem[]; totals: { unpriced: number } };
    expect(report.items).toHaveLength(1);
    expect(report.items[0]!.action).toBe('no-recommendation');
    expect(report.items[0]!.monthlyBefore).toBeNull();
    expect(report.totals.unpriced).toBe(1);
  });

  it('fails with one clear message on bad input', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-bad-'));
    const truncated = path.join(dir, 'export.json');
    writeFileSync(truncated, readFileSync(ec2Export, 'utf8').slice(0, 900));
    const r1 = await stackfit(['recommend', '--state', truncated, '--usage', truncated]);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toMatch(new RegExp(`^stackfit: ${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*line \\d+`));
    expect(r1.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const config = path.join(dir, 'stackfit.yaml');
    writeFileSync(config, 'cpuPercentile: 95\nplacement:\n  clouds: [aws, ibm]\n');
    const r2 = await stackfit(['recommend', '--demo', '--config', config]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain('placement.clouds.1 (line 3)');
    const r3 = await stackfit(['recommend', '--state', ec2Export]);
    expect(r3.code).not.toBe(0);
    expect(r3.stderr).toContain('--usage');
  });
});
