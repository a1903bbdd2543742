/**
 * The charts as GitHub shows them: every Mermaid block is parsed and rendered by the real
 * `mermaid` library in a real headless Chromium (test/support/mermaid-browser.ts). Any parse or
 * render error fails. One rendered chart is kept as a screenshot under test/artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costBarsOfPlans, costChartMarkdown } from '../../src/charts/cost';
import { mermaidText } from '../../src/charts/escape';
import { mermaidXYChart } from '../../src/charts/mermaid';
import { svgXYChart } from '../../src/charts/svg';
import { renderRunSummary, runPrCommand, type PrCommandResult } from '../../src/cli/pr';
import { planFingerprint, renderPrBody } from '../../src/gitops/pr-text';
import type { PlanItem } from '../../src/model';
import { renderCostComment } from '../../src/report/comment';
import type { CostDiff } from '../../src/report/diff';
import { mermaidBlocks, startMermaidBrowser, type MermaidBrowser } from '../support/mermaid-browser';
import { HOSTILE_NAMES, itemWithUsage } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '../..');
export const ARTIFACTS = path.join(REPO_ROOT, 'test/artifacts');

let browser: MermaidBrowser;
beforeAll(async () => {
  browser = await startMermaidBrowser();
});
afterAll(async () => {
  await browser?.close();
});

function bodyOf(items: PlanItem[]): string {
  const sum = (f: (i: PlanItem) => number | undefined) => items.reduce((s, i) => s + (f(i) ?? 0), 0);
  return renderPrBody({
    stack: 'prod',
    items,
    manual: [],
    totals: {
      monthlyBefore: sum((i) => i.monthlyBefore),
      monthlyAfter: sum((i) => i.monthlyAfter),
      monthlyDelta: sum((i) => i.monthlyDelta),
    },
    priceSources: [],
    fingerprint: planFingerprint(items),
  });
}

async function renderAll(blocks: string[]) {
  const results = await browser.render(blocks);
  const failed = results.map((r, i) => ({ ...r, block: blocks[i] })).filter((r) => !r.ok);
  expect(failed, failed.map((f) => `${f.error}\n${f.block}`).join('\n\n')).toEqual([]);
  return results.map((r) => r.svg!);
}

describe('the demo PR body (stackfit pr --demo --dry-run)', () => {
  let out = '';
  let result: PrCommandResult;
  beforeAll(async () => {
    const lines: string[] = [];
    result = await runPrCommand(
      { demo: 'prod', dryRun: true, projectDir: REPO_ROOT },
      { env: {}, out: (t) => lines.push(t), err: () => {} },
    );
    out = lines.join('');
  });

  it("the job summary carries the cost chart: the stack bars are the PR's totals; it renders", async () => {
    const summary = renderRunSummary(result);
    const blocks = mermaidBlocks(summary);
    expect(blocks).toHaveLength(1);
    const money = (label: string) => Number(new RegExp(`\\| ${label} \\| \\$([\\d,.]+) \\|`).exec(out)![1]!.replace(/,/g, ''));
    const before = blocks[0]!.match(/bar \[([^\]]*)\]/g)!.map((b) => b.slice(5, -1).split(', ').map(Number));
    expect(before[0]![0]).toBeCloseTo(money('Before'), 2);
    expect(before[1]![1]).toBeCloseTo(money('After'), 2);
    expect(blocks[0]).toContain(
      'x-axis ["stack prod before", "stack prod after", "aws before", "aws after", "azure before", "azure after", "gcp before", "gcp after"]',
    );
    const [svg] = await renderAll(blocks);
    expect((await browser.inspectSvg(svg!)).barsPerPlot).toEqual([8, 8]);
  });

  it('has a collapsed chart per changed workload, CPU and memory, and stays under the size limit', () => {
    const body = out.slice(out.indexOf('<!-- stackfit:fingerprint='));
    const changes = body.slice(body.indexOf('### Changes'), body.indexOf('### Usage vs capacity'));
    const rows = changes.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const details = [
      ...body.matchAll(
        /<details><summary>📈 <code>([^<]+)<\/code>[^:]*: (CPU and memory|CPU) vs capacity<\/summary>([\s\S]*?)<\/details>/g,
      ),
    ];
    expect(details.map((m) => m[1])).toEqual(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1]));
    // One chart per dimension: CPU, and memory where the usage has it (all but one demo workload).
    for (const m of details) expect(mermaidBlocks(m[3]!)).toHaveLength(m[2] === 'CPU' ? 1 : 2);
    expect(details.filter((m) => m[2] === 'CPU and memory').length).toBeGreaterThan(rows.length / 2);
    expect(mermaidBlocks(body)).toHaveLength(details.reduce((n, m) => n + (m[2] === 'CPU' ? 1 : 2), 0));
    expect(body.length).toBeLessThan(65_536);
    expect(body).not.toContain('left out');
  });

  it('every Mermaid block parses and renders in the browser, with its bars and three lines', async () => {
    const blocks = mermaidBlocks(out);
    const svgs = await renderAll(blocks);
    for (const [i, svg] of svgs.entries()) {
      const facts = await browser.inspectSvg(svg);
      expect(facts.parseError).toBeUndefined();
      expect(facts.chartTitle).toMatch(/^[\w-]+: (CPU per instance \(vCPU\)|memory per instance \(GiB\))$/);
      const bars = Number(/bar \[([^\]]*)\]/.exec(blocks[i]!)![1]!.split(',').length);
      expect(facts.barsPerPlot).toEqual([bars]);
      expect(facts.linePlots).toBe(3);
    }
    const file = path.join(ARTIFACTS, 'pr-usage-chart.png');
    fs.rmSync(file, { force: true });
    await browser.screenshot(blocks[0]!, file);
    const png = fs.readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });
});

describe('hostile resource names', () => {
  it('cannot break or inject into a chart: each renders as its own escaped title, with its own plots', async () => {
    const items = HOSTILE_NAMES.map((name, i) =>
      itemWithUsage({ name, cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', to: { size: i % 2 ? 'm5.large' : 'c7a.large' } }),
    );
    const body = bodyOf(items);
    const blocks = mermaidBlocks(body);
    expect(blocks).toHaveLength(2 * HOSTILE_NAMES.length);
    expect(body.match(/<details>/g)).toHaveLength(HOSTILE_NAMES.length);
    expect(body.match(/<\/details>/g)).toHaveLength(HOSTILE_NAMES.length);
    const svgs = await renderAll(blocks);
    const titles = new Set<string>();
    for (const [i, svg] of svgs.entries()) {
      const facts = await browser.inspectSvg(svg);
      const item = items.find((it) => blocks[i]!.includes(`title "${mermaidText(`${it.workload.name}: `, 80).trim()}`))!;
      const dim = blocks[i]!.includes('(GiB)') ? 'memory per instance (GiB)' : 'CPU per instance (vCPU)';
      expect(facts.chartTitle).toBe(mermaidText(`${item.workload.name}: ${dim}`, 80));
      titles.add(facts.chartTitle!);
      expect(facts.barsPerPlot).toEqual([30]);
      expect(facts.linePlots).toBe(3);
      expect(facts.elements).not.toContain('script');
      expect(facts.elements).not.toContain('foreignobject');
      // Whatever the name spells, it stays inside the title: no other text, value or setting from it.
      expect(facts.texts.filter((t) => t !== facts.chartTitle).join(' ')).not.toMatch(/999999|1000|owned|dark|script|init/);
    }
    expect(titles.size).toBe(blocks.length);
  });
});

describe('cost and sweep charts', () => {
  it('the cost bar chart renders: before and after bars per stack and cloud', async () => {
    const items = [
      itemWithUsage({ name: 'web', cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', count: 3, to: { size: 'm5.large' } }),
      itemWithUsage({
        name: 'api',
        cloud: 'aws',
        region: 'us-east-1',
        size: 'c5.large',
        to: { cloud: 'gcp', region: 'us-central1', size: 'e2-standard-2' },
      }),
    ];
    const bars = costBarsOfPlans([{ stack: 'prod"%%\n', items }]);
    const [svg] = await renderAll(mermaidBlocks(costChartMarkdown(bars)));
    const facts = await browser.inspectSvg(svg!);
    expect(facts.barsPerPlot).toEqual([6, 6]);
    expect(facts.texts).toContain(mermaidText('stack prod"%%\n before', 24));
    expect(facts.texts).toContain('gcp after');
  });

  it('the cost comment carries the bar chart and it renders', async () => {
    const diff: CostDiff = {
      otherResources: 0,
      stack: 'prod',
      resources: [
        {
          urn: 'a',
          name: 'web`-->',
          type: 't',
          change: 'changed',
          before: { size: 'm5.2xlarge', count: 3, place: 'aws/us-east-1', monthlyUsd: 840.96 },
          after: { size: 'm5.large', count: 3, place: 'aws/us-east-1', monthlyUsd: 210.24 },
          monthlyDelta: -630.72,
        },
        {
          urn: 'b',
          name: 'b',
          type: 't',
          change: 'changed',
          before: { size: 'Standard_D8s_v5', count: 1, place: 'azure/eastus', monthlyUsd: 280.32 },
          after: { size: 'e2-standard-4', count: 1, place: 'gcp/us-central1', monthlyUsd: 97.84 },
          monthlyDelta: -182.48,
        },
      ],
      pastTotalMonthlyCost: 1121.28,
      totalMonthlyCost: 308.08,
      diffTotalMonthlyCost: -813.2,
      unpricedCount: 0,
    };
    const body = renderCostComment(diff, { validAt: new Date('2026-11-01T00:00:00Z') });
    const blocks = mermaidBlocks(body);
    expect(blocks).toHaveLength(1);
    expect(body.indexOf('```mermaid')).toBeLessThan(body.indexOf('| resource |'));
    const [svg] = await renderAll(blocks);
    const facts = await browser.inspectSvg(svg!);
    expect(facts.barsPerPlot).toEqual([8, 8]);
    expect(facts.texts).toEqual(expect.arrayContaining(['stack prod before', 'aws after', 'azure before', 'gcp after']));
    const unchanged = renderCostComment(
      { ...diff, resources: diff.resources.map((r) => ({ ...r, change: 'unchanged' as const })) },
      { validAt: new Date() },
    );
    expect(mermaidBlocks(unchanged)).toEqual([]);
  });

  it('the sweep chart API renders in Mermaid (negative values too) and its SVG parses, text intact', async () => {
    const title = 'Savings vs under-provisioning <"&\'>';
    const chart = {
      title,
      xLabel: 'under-provisioned hours (%)',
      yLabel: 'savings (%)',
      series: [
        { name: 'stackfit', kind: 'line' as const, points: [0, 0.5, 1, 2, 4].map((x) => ({ x, y: 10 * x - 3 })) },
        { name: 'P95 + 20%', kind: 'scatter' as const, points: [{ x: 1.5, y: 12 }] },
      ],
    };
    const [mermaidSvg] = await renderAll([mermaidXYChart(chart)]);
    expect((await browser.inspectSvg(mermaidSvg!)).linePlots).toBe(2);
    const facts = await browser.inspectSvg(svgXYChart(chart));
    expect(facts.parseError).toBeUndefined();
    expect(facts.texts).toContain(title);
    expect(facts.texts).toContain('P95 + 20%');
  });
});
