import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_CHARS, planFingerprint, renderPrBody } from '../../src/gitops/pr-text';
import type { PlanItem } from '../../src/model';
import { itemWithUsage } from './helpers';

const GITHUB_BODY_LIMIT = 65_536;
const VMS = ['2', '28', '35', '113', '306'];
const SIZES = ['m5.large', 'c7a.large', 'm6g.large', 't3.large', 'm5.xlarge'];

function workloads(n: number): PlanItem[] {
  return Array.from({ length: n }, (_, i) =>
    itemWithUsage({
      name: `service-${String(i).padStart(3, '0')}`,
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.2xlarge',
      count: 1 + (i % 4),
      to: { size: SIZES[i % SIZES.length]! },
      vm: VMS[i % VMS.length],
    }),
  );
}

function body(items: PlanItem[], maxChars?: number): string {
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
    ...(maxChars !== undefined && { maxChars }),
  });
}

const rowNames = (text: string) => [...text.matchAll(/^\| `(service-\d+)`/gm)].map((m) => m[1]);
const chartNames = (text: string) => [...text.matchAll(/<summary>📈 <code>(service-\d+)<\/code>/g)].map((m) => m[1]);

describe("PR body with charts, at GitHub's size limit", () => {
  it('200 changed workloads: under 65,536 characters, every row kept, charts dropped first and the drop said', () => {
    const text = body(workloads(200));
    expect(text.length).toBeLessThanOrEqual(DEFAULT_MAX_BODY_CHARS);
    expect(text.length).toBeLessThan(GITHUB_BODY_LIMIT);
    expect(rowNames(text)).toHaveLength(200);
    expect(text).not.toMatch(/rows left out/);
    const charts = chartNames(text);
    expect(charts.length).toBeGreaterThan(0);
    const note = /_Charts for (\d+) of 200 workloads left out to fit GitHub's size limit/.exec(text);
    expect(note).not.toBeNull();
    expect(charts.length + Number(note![1])).toBe(200);
    // The charts kept are those of the first rows: the biggest savings.
    expect(charts).toEqual(rowNames(text).slice(0, charts.length));
    // As many charts as fit: one more would not.
    expect(text.length + 2_000).toBeGreaterThan(DEFAULT_MAX_BODY_CHARS);
    // Every chart kept is whole.
    expect(text.match(/<details>/g)).toHaveLength(charts.length);
    expect(text.match(/^```mermaid$/gm)!.length).toBe(text.match(/^```$/gm)!.length);
  });

  it('a few workloads: every chart, no note', () => {
    const text = body(workloads(5));
    expect(chartNames(text)).toEqual(rowNames(text));
    expect(text).not.toContain('left out');
  });

  it('when rows alone do not fit, no chart is left and rows are cut as before', () => {
    const text = body(workloads(200), 20_000);
    expect(text.length).toBeLessThanOrEqual(20_000);
    expect(chartNames(text)).toEqual([]);
    expect(text).toMatch(/_Charts for 200 of 200 workloads left out/);
    expect(text).toMatch(/_… \d+ of 200 rows left out/);
  });
});
