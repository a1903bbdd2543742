/**
 * The usage series outside the PR: a sparkline per workload in the terminal table (only on a
 * terminal, off with --no-color) and the same downsampled series in `--format json`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { catalogForConfig, loadDemo, recommend } from '../../src/pipeline';
import type { Plan } from '../../src/model';
import { planToJson } from '../../src/report/json';
import { renderMarkdown } from '../../src/report/markdown';
import { renderTable, SPARKLINE_HEAD } from '../../src/report/table';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(REPO_ROOT, 'bin/stackfit.js');
const SPARK = /[▁▂▃▄▅▆▇█]{4,}/;

let plan: Plan;
beforeAll(async () => {
  const config = loadConfig(path.join(REPO_ROOT, 'stackfit.yaml'));
  const catalog = catalogForConfig(config);
  const demo = await loadDemo('prod', catalog);
  ({ plan } = await recommend({ inventory: demo.inventory, usage: demo.usage, config, catalog, now: demo.now }));
});

describe('the usage series in the plan and the JSON report', () => {
  it('every demo workload carries daily peaks over the 32-day look-back that agree with its evidence', () => {
    for (const item of plan.items) {
      const u = item.demand!.usage!;
      expect(u.bucketHours).toBe(24);
      expect(u.cpuCores).toHaveLength(32);
      expect(new Date(u.start).toISOString()).toBe('2026-09-30T00:00:00.000Z');
      // The chart shows the data the forecast saw: its highest peak is the observed max.
      expect(Math.max(...u.cpuCores.map((v) => v ?? 0))).toBeCloseTo(item.demand!.cpu.max, 3);
      if (item.demand!.memory) expect(Math.max(...u.memoryGiB!.map((v) => v ?? 0))).toBeCloseTo(item.demand!.memory.max, 3);
      else expect(u.memoryGiB).toBeUndefined();
    }
  });

  it('--format json carries the same series (ISO start, nulls for empty buckets)', () => {
    const report = JSON.parse(JSON.stringify(planToJson(plan))) as {
      items: {
        urn: string;
        evidence: { usage: { start: string; bucketHours: number; cpuCores: (number | null)[]; memoryGiB: (number | null)[] | null } };
      }[];
    };
    for (const item of report.items) {
      const digest = plan.items.find((i) => i.urn === item.urn)!.demand!.usage!;
      expect(item.evidence.usage).toEqual({
        start: '2026-09-30T00:00:00.000Z',
        bucketHours: 24,
        cpuCores: digest.cpuCores,
        memoryGiB: digest.memoryGiB ?? null,
      });
    }
    expect(report.items.some((i) => i.evidence.usage.cpuCores.includes(null))).toBe(true);
  });

  it("--format markdown opens with the cost bars: the stack's bars are the plan totals", () => {
    const md = renderMarkdown(plan);
    const bars = [...md.matchAll(/^ {2}bar \[([^\]]*)\]$/gm)].map((m) => m[1]!.split(', ').map(Number));
    expect(bars).toHaveLength(2);
    expect(bars[0]![0]).toBeCloseTo(plan.totals.monthlyBefore, 2);
    expect(bars[1]![1]).toBeCloseTo(plan.totals.monthlyAfter, 2);
    expect(md.indexOf('```mermaid')).toBeLessThan(md.indexOf('| resource |'));
  });

  it('the table has a sparkline per workload only when asked', () => {
    const withLines = renderTable(plan, {}, { sparklines: true });
    expect(withLines).toContain(SPARKLINE_HEAD);
    for (const item of plan.items) {
      const row = withLines.split('\n').find((l) => l.includes(` ${item.workload.name} `))!;
      expect(row).toMatch(SPARK);
    }
    expect(renderTable(plan)).not.toContain(SPARKLINE_HEAD);
    expect(renderTable(plan)).not.toMatch(SPARK);
  });
});

describe('stackfit recommend in a terminal and in a pipe', () => {
  // `script` gives the command a real pseudo-terminal, as a user's shell does.
  const inTerminal = (args: string[]) =>
    run('script', ['-qec', [process.execPath, BIN, ...args].join(' '), '/dev/null'], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  const piped = (args: string[]) => run(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });

  it('sparklines on a terminal; off with --no-color and when piped', async () => {
    const [tty, noColor, pipe] = await Promise.all([
      inTerminal(['recommend', '--demo']),
      inTerminal(['recommend', '--demo', '--no-color']),
      piped(['recommend', '--demo']),
    ]);
    expect(tty.stdout).toContain(SPARKLINE_HEAD);
    expect(tty.stdout).toMatch(SPARK);
    for (const out of [noColor.stdout, pipe.stdout]) {
      expect(out).toContain('Total monthly:');
      expect(out).not.toContain(SPARKLINE_HEAD);
      expect(out).not.toMatch(SPARK);
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/\u001b\[/);
    }
  });
});
