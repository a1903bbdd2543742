import { describe, expect, it } from 'vitest';
import { costBarsOfDiff, costBarsOfPlans, costChartMarkdown } from '../../src/charts/cost';
import { htmlCode, mermaidText, xmlText } from '../../src/charts/escape';
import { mermaidXyChart, xyToCategoryChart } from '../../src/charts/mermaid';
import { bucketHoursFor, digestUsage } from '../../src/charts/series';
import { sparkline } from '../../src/charts/sparkline';
import { svgXYChart } from '../../src/charts/svg';
import { usageChart, usageChartsMarkdown, usageSparkline } from '../../src/charts/usage';
import type { PlanItem } from '../../src/model';
import type { CostDiff } from '../../src/report/diff';
import { bitbrainsUsage, HOSTILE_NAMES, itemWithUsage } from './helpers';

const HOUR = 3_600_000;

describe('digestUsage', () => {
  it('keeps the peak of every bucket, per instance, over the window', () => {
    const start = Date.UTC(2026, 9, 1);
    const t = [start, start + 10 * 60_000, start + HOUR + 1, start + 2 * HOUR, start + 2 * HOUR + 5, start + 3 * HOUR];
    const v = [0.5, 1.25, 0.1, 3, 2, 9];
    // 3 hours → 1 h buckets; the sample at the window's end is outside [start, end).
    const d = digestUsage({ cpuCores: { t, v } }, { start, end: start + 3 * HOUR });
    expect(d).toEqual({ start, bucketHours: 1, cpuCores: [1.25, 0.1, 3] });
  });

  it('marks buckets without samples as null and carries memory only when known', () => {
    const start = 0;
    const d = digestUsage(
      { cpuCores: { t: [0, 2 * HOUR], v: [1, 2] }, memoryGiB: { t: [2 * HOUR], v: [4.0004] } },
      { start, end: 3 * HOUR },
    );
    expect(d.cpuCores).toEqual([1, null, 2]);
    expect(d.memoryGiB).toEqual([null, null, 4]);
  });

  it('chooses buckets so a window has at most 48: daily peaks for a 32-day look-back', () => {
    expect(bucketHoursFor(32 * 24 * HOUR)).toBe(24);
    expect(bucketHoursFor(14 * 24 * HOUR)).toBe(8);
    expect(bucketHoursFor(24 * HOUR)).toBe(1);
    expect(bucketHoursFor(93 * 24 * HOUR)).toBe(48);
    expect(bucketHoursFor(455 * 24 * HOUR)).toBe(240);
  });

  it('digests a real month of Bitbrains usage to 30 daily peaks that bound every sample', () => {
    const { trace, window, digest } = bitbrainsUsage('28');
    expect(digest.bucketHours).toBe(24);
    expect(digest.cpuCores).toHaveLength(30);
    expect(digest.memoryGiB).toHaveLength(30);
    for (let i = 0; i < trace.cpuCores.t.length; i++) {
      const b = Math.floor((trace.cpuCores.t[i]! - window.start) / (24 * HOUR));
      if (b < 30) expect(digest.cpuCores[b]!).toBeGreaterThanOrEqual(Number(trace.cpuCores.v[i]!.toFixed(3)) - 1e-9);
    }
    expect(Math.max(...digest.cpuCores.map((v) => v ?? 0))).toBeCloseTo(Math.max(...trace.cpuCores.v), 3);
  });
});

describe('sparkline', () => {
  it("draws heights relative to the given maximum (today's capacity)", () => {
    expect(sparkline([0, 1, 2, 4, 8], { max: 8 })).toBe('▁▁▂▄█');
    expect(sparkline([1, 1, 1], { max: 8 })).toBe('▁▁▁');
    expect(sparkline([1, 1, 1])).toBe('███');
  });

  it('keeps a spike when it shortens the series, and shows gaps as spaces', () => {
    const values = Array.from({ length: 96 }, (_, i) => (i === 50 ? 8 : 0.5));
    const line = sparkline(values, { width: 12, max: 8 });
    expect([...line]).toHaveLength(12);
    expect(line).toContain('█');
    expect(sparkline([1, null, 2], { max: 2 })).toBe('▄ █');
  });

  it("terminal sparkline of a plan item: CPU peaks against today's vCPU", () => {
    const item = itemWithUsage({ name: 'web', cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', to: { size: 'm5.large' }, vm: '28' });
    const line = usageSparkline(item, 16);
    expect([...line]).toHaveLength(16);
    const peak = Math.max(...item.demand!.usage!.cpuCores.map((v) => v ?? 0));
    // The tallest block is the peak's share of 8 vCPU, in eighths.
    const tallest = Math.max(...[...line].map((ch) => '▁▂▃▄▅▆▇█'.indexOf(ch)));
    expect(tallest).toBe(Math.max(0, Math.ceil((peak / 8) * 8) - 1));
  });
});

describe('label escaping', () => {
  it('leaves nothing that can end a Mermaid string, start a comment, decode an entity or close a fence', () => {
    for (const name of HOSTILE_NAMES) {
      const text = mermaidText(name);
      expect(text).not.toMatch(/["`%#;<>&\n\r[\]{}|\\]/);
      expect(text).not.toContain('-->');
      expect(text.length).toBeGreaterThan(0);
    }
    expect(mermaidText('web-0.prod_eu (α)')).toBe('web-0.prod_eu (α)');
    expect([...mermaidText('x'.repeat(200))]).toHaveLength(60);
  });

  it('escapes XML and HTML', () => {
    expect(xmlText('<b a="1">&\'</b>')).toBe('&lt;b a=&quot;1&quot;&gt;&amp;&#39;&lt;/b&gt;');
    expect(xmlText('a\u0000b\nc')).toBe('a b c');
    expect(htmlCode('@team `x`')).toBe('<code>@team &#96;x&#96;</code>');
  });

  it('a hostile workload name gives a chart with exactly its own statements', () => {
    for (const name of HOSTILE_NAMES) {
      const item = itemWithUsage({ name, cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', to: { size: 'm5.large' } });
      const markdown = usageChartsMarkdown(item);
      // Two fences (CPU, memory), each opened and closed: nothing broke out of a block.
      expect(markdown.match(/^```/gm)).toHaveLength(4);
      expect(markdown.match(/<details>/g)).toHaveLength(1);
      expect(markdown.match(/<\/details>/g)).toHaveLength(1);
      expect(markdown).not.toContain('<script>');
      for (const block of markdown
        .split('```mermaid\n')
        .slice(1)
        .map((b) => b.split('\n```')[0]!)) {
        const statements = block
          .split('\n')
          .slice(block.split('\n').indexOf('xychart-beta') + 1)
          .map((l) => l.trim().split(/[ []/)[0]);
        expect(statements).toEqual(['title', 'x-axis', 'y-axis', 'bar', 'line', 'line', 'line']);
      }
    }
  });
});

describe('usage chart of a changed workload', () => {
  const item = itemWithUsage({
    name: 'web',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'm5.2xlarge',
    count: 3,
    to: { size: 'c7a.large' },
    vm: '28',
  });

  it("plots peaks against today's capacity, the recommended capacity and the forecast need", () => {
    const cpu = usageChart(item, 'cpu')!;
    const [usage, today, recommended, need] = cpu.series;
    expect(usage!.kind).toBe('bar');
    expect(usage!.values).toEqual(item.demand!.usage!.cpuCores);
    expect(new Set(today!.values)).toEqual(new Set([item.current!.vcpu]));
    expect(new Set(recommended!.values)).toEqual(new Set([item.chosen!.vcpu]));
    expect(new Set(need!.values)).toEqual(new Set([item.demand!.cpu.required]));
    const mem = usageChart(item, 'memory')!;
    expect(new Set(mem.series[1]!.values)).toEqual(new Set([item.current!.memoryGiB]));
    expect(mem.series[3]!.values[0]).toBe(item.demand!.memory!.required);
    expect(cpu.categories).toHaveLength(30);
  });

  it('the Mermaid text carries the values and an axis that holds every line', () => {
    const text = mermaidXyChart(usageChart(item, 'cpu')!);
    expect(text).toContain('xychart-beta');
    expect(text).toContain(`line [${Array(30).fill(item.current!.vcpu).join(', ')}]`);
    const top = Number(/y-axis "vCPU" 0 --> ([\d.]+)/.exec(text)![1]);
    expect(top).toBeGreaterThanOrEqual(item.current!.vcpu);
    const md = usageChartsMarkdown(item);
    expect(md).toContain('<summary>📈 <code>web</code> ×3: CPU and memory vs capacity</summary>');
    expect(md).toContain(`today <code>m5.2xlarge</code>: ${item.current!.vcpu} vCPU`);
  });

  it('CPU only without a memory metric; nothing without usage; young workloads start at their first sample', () => {
    const cpuOnly: PlanItem = {
      ...item,
      demand: { ...item.demand!, memory: undefined, usage: { ...item.demand!.usage!, memoryGiB: undefined } },
    };
    expect(usageChart(cpuOnly, 'memory')).toBeUndefined();
    expect(usageChartsMarkdown(cpuOnly)).toContain('CPU vs capacity');
    expect(usageChartsMarkdown(cpuOnly).match(/```mermaid/g)).toHaveLength(1);
    const none: PlanItem = { ...item, demand: { ...item.demand!, usage: undefined } };
    expect(usageChartsMarkdown(none)).toBe('');
    const young: PlanItem = { ...item, demand: { ...item.demand!, usage: { ...item.demand!.usage!, cpuCores: [null, null, 1, 2, null] } } };
    expect(usageChart(young, 'cpu')!.series[0]!.values).toEqual([1, 2]);
  });
});

describe('cost bars', () => {
  const stay = itemWithUsage({ name: 'web', cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', count: 2, to: { size: 'm5.large' } });
  const move = itemWithUsage({
    name: 'api',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'c5.large',
    to: { cloud: 'gcp', region: 'us-central1', size: 'e2-standard-2' },
  });

  it('per stack and per cloud, a move counted on each side of it; the stack bar equals the plan totals', () => {
    const bars = costBarsOfPlans([{ stack: 'prod', items: [stay, move] }]);
    expect(bars.map((b) => b.label)).toEqual(['stack prod', 'aws', 'gcp']);
    const [stack, aws, gcp] = bars;
    expect(stack!.before).toBeCloseTo(stay.monthlyBefore! + move.monthlyBefore!, 6);
    expect(stack!.after).toBeCloseTo(stay.monthlyAfter! + move.monthlyAfter!, 6);
    expect(aws).toEqual({ label: 'aws', before: stay.monthlyBefore! + move.monthlyBefore!, after: stay.monthlyAfter! });
    expect(gcp).toEqual({ label: 'gcp', before: 0, after: move.monthlyAfter! });
  });

  it('from a cost diff: the stack bar is its totals', () => {
    const diff: CostDiff = {
      otherResources: 0,
      stack: 'dev',
      resources: [
        {
          urn: 'a',
          name: 'a',
          type: 't',
          change: 'changed',
          before: { size: 'm5.large', count: 1, place: 'aws/us-east-1', monthlyUsd: 70 },
          after: { size: 'm5.xlarge', count: 1, place: 'aws/us-east-1', monthlyUsd: 140 },
          monthlyDelta: 70,
        },
        {
          urn: 'b',
          name: 'b',
          type: 't',
          change: 'added',
          after: { size: 'B2s', count: 1, place: 'azure/eastus', monthlyUsd: 30 },
          monthlyDelta: 30,
        },
      ],
      pastTotalMonthlyCost: 70,
      totalMonthlyCost: 170,
      diffTotalMonthlyCost: 100,
      unpricedCount: 0,
    };
    expect(costBarsOfDiff(diff)).toEqual([
      { label: 'stack dev', before: 70, after: 170 },
      { label: 'aws', before: 70, after: 140 },
      { label: 'azure', before: 0, after: 30 },
    ]);
    const md = costChartMarkdown(costBarsOfDiff(diff));
    expect(md).toContain('x-axis ["stack dev before", "stack dev after", "aws before", "aws after", "azure before", "azure after"]');
    expect(md).toContain('bar [70, 0, 70, 0, 0, 0]');
    expect(md).toContain('bar [0, 170, 0, 140, 0, 30]');
    expect(costChartMarkdown([{ label: 'stack x', before: 0, after: 0 }])).toBe('');
  });
});

describe('line / scatter chart API (for the back-test sweep)', () => {
  const sweep = {
    title: 'Savings vs under-provisioning',
    xLabel: 'under-provisioned hours (%)',
    yLabel: 'savings (%)',
    series: [
      {
        name: 'stackfit',
        kind: 'line' as const,
        points: [
          { x: 0.5, y: 20 },
          { x: 0, y: 10 },
          { x: 2, y: 40 },
        ],
      },
      { name: 'baseline', kind: 'scatter' as const, points: [{ x: 1, y: 15 }] },
    ],
  };

  it('Mermaid: categories are the sorted x values, other series interpolated', () => {
    const c = xyToCategoryChart(sweep);
    expect(c.categories).toEqual(['0', '0.5', '1', '2']);
    expect(c.series[0]!.values).toEqual([10, 20, 26.666666666666668, 40]);
    expect(c.series[1]!.values).toEqual([15, 15, 15, 15]);
  });

  it('SVG: every point placed on the axes, labels escaped, only hex colours', () => {
    const svg = svgXYChart({
      ...sweep,
      title: 'a <b> & "c"',
      series: [...sweep.series, { name: '<script>', kind: 'line', color: 'red" onload="x', points: [{ x: 1, y: 1 }] }],
    });
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('onload');
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    // x from 0 to 2 over the plot width [64, 700]: x = 0.5 sits a quarter of the way.
    expect(svg).toContain('<circle cx="223" ');
  });
});
