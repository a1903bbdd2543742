import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import type { Inventory, Workload } from '../../src/model';
import { costDiff } from '../../src/report/diff';
import { GITHUB_COMMENT_LIMIT, commentTag, renderCostComment, validAtOf } from '../../src/report/comment';

const catalog = loadCatalog();

function vm(name: string, size: string, count = 1, cloud: Workload['cloud'] = 'aws', region = 'us-east-1'): Workload {
  return { urn: `urn:pulumi:prod::p::aws:ec2/instance:Instance::${name}`, name, type: 'aws:ec2/instance:Instance', kind: 'vm', cloud, region, size, count, metricIds: { name } };
}
const inv = (workloads: Workload[]): Inventory => ({ source: 'test', stack: 'prod', workloads, skipped: [] });

describe('cost diff', () => {
  it('prices added, removed and changed resources from the catalog, Infracost-style totals', () => {
    const m5large = catalog.lookup('aws', 'us-east-1', 'm5.large')!;
    const m5xlarge = catalog.lookup('aws', 'us-east-1', 'm5.xlarge')!;
    const diff = costDiff(inv([vm('a', 'm5.large'), vm('b', 'm5.large', 2)]), inv([vm('a', 'm5.xlarge'), vm('c', 'm5.large')]), catalog);
    const byName = Object.fromEntries(diff.resources.map((r) => [r.name, r]));
    expect(byName.a!.change).toBe('changed');
    expect(byName.a!.monthlyDelta).toBeCloseTo(m5xlarge.monthlyUsd - m5large.monthlyUsd, 6);
    expect(byName.b!.change).toBe('removed');
    expect(byName.b!.monthlyDelta).toBeCloseTo(-2 * m5large.monthlyUsd, 6);
    expect(byName.c!.change).toBe('added');
    expect(diff.pastTotalMonthlyCost).toBeCloseTo(3 * m5large.monthlyUsd, 6);
    expect(diff.totalMonthlyCost).toBeCloseTo(m5xlarge.monthlyUsd + m5large.monthlyUsd, 6);
    expect(diff.diffTotalMonthlyCost).toBeCloseTo(diff.totalMonthlyCost - diff.pastTotalMonthlyCost, 6);
  });

  it('reports an unknown size as unpriced, never as zero', () => {
    const diff = costDiff(inv([vm('a', 'm5.large')]), inv([vm('a', 'm5.gigantic')]), catalog);
    expect(diff.unpricedCount).toBe(1);
    expect(diff.resources[0]!.monthlyDelta).toBeUndefined();
    expect(diff.resources[0]!.unpriced).toMatch(/unknown aws size m5\.gigantic: not in the price catalog/);
    const body = renderCostComment(diff, { validAt: new Date('2026-11-27T00:00:00Z') });
    expect(body).toMatch(/1 resource\(s\) unpriced/);
  });
});

describe('cost comment', () => {
  it('carries the hidden tag and the valid-at stamp', () => {
    const diff = costDiff(inv([vm('a', 'm5.large')]), inv([vm('a', 'm5.xlarge')]), catalog);
    const body = renderCostComment(diff, { validAt: new Date('2026-11-27T10:00:00Z') });
    expect(body.startsWith(commentTag('prod'))).toBe(true);
    expect(validAtOf(body)?.toISOString()).toBe('2026-11-27T10:00:00.000Z');
    expect(body).toContain('| a | changed | m5.large (aws/us-east-1) | m5.xlarge (aws/us-east-1) |');
  });

  it('stays under GitHub\'s 65,536-character limit by cutting the middle and saying so', () => {
    const sizes = catalog.offerings({ cloud: 'aws', region: 'us-east-1', kind: 'vm' }).slice(0, 400).map((o) => o.size);
    const base = inv(Array.from({ length: 3000 }, (_, i) => vm(`worker-with-a-long-name-${i}`, sizes[i % sizes.length]!)));
    const head = inv(base.workloads.map((w, i) => ({ ...w, size: sizes[(i + 1) % sizes.length]! })));
    const body = renderCostComment(costDiff(base, head, catalog), { validAt: new Date(), fullReportUrl: 'https://example.invalid/run/1' });
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const cut = /\| … \| (\d+) more resource\(s\) not shown/.exec(body);
    expect(cut).not.toBeNull();
    const shown = body.split('\n').filter((l) => l.startsWith('| worker-with-a-long-name-')).length;
    expect(shown + Number(cut![1])).toBe(3000);
    // Rows are in URN order; the first and the last survive the cut.
    const names = base.workloads.map((w) => w.name).sort();
    expect(body).toContain(`| ${names[0]} |`);
    expect(body).toContain(`| ${names[names.length - 1]} |`);
    expect(body).toContain('[full report](https://example.invalid/run/1)');
  });
});
