import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import type { Inventory, SkippedResource, Workload } from '../../src/model';
import { costDiff, type CostDiff } from '../../src/report/diff';
import { GITHUB_COMMENT_LIMIT, belowThresholds, commentTag, renderCostComment, validAtOf } from '../../src/report/comment';

const catalog = loadCatalog();

function vm(name: string, size: string, count = 1, cloud: Workload['cloud'] = 'aws', region = 'us-east-1'): Workload {
  return {
    urn: `urn:pulumi:prod::p::aws:ec2/instance:Instance::${name}`,
    name,
    type: 'aws:ec2/instance:Instance',
    kind: 'vm',
    cloud,
    region,
    size,
    count,
    metricIds: { name },
  };
}
const inv = (workloads: Workload[], skipped: SkippedResource[] = [], stack = 'prod'): Inventory => ({
  source: 'test',
  stack,
  workloads,
  skipped,
});
const unknownSize = (name: string): SkippedResource => ({
  urn: `urn:pulumi:prod::p::aws:ec2/instance:Instance::${name}`,
  type: 'aws:ec2/instance:Instance',
  reason: 'instanceType unknown until apply',
});

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

  it('prices an auto scaling group as count × node price, with its min and max cost in the row', () => {
    const asg = (count: number): Workload => ({
      ...vm('web-asg', 'm5.large', count),
      urn: 'urn:pulumi:prod::p::aws:autoscaling/group:Group::web-asg',
      type: 'aws:autoscaling/group:Group',
      pool: { kind: 'vm-group', spot: false, min: 2, max: 10 },
    });
    // us-east-1,m5.large,0.096 (data/pricing) → $70.08 a node; 3 → 8 nodes is +5 × $70.08.
    const diff = costDiff(inv([asg(3)]), inv([asg(8)]), catalog);
    expect(diff.resources[0]).toMatchObject({ change: 'changed', before: { count: 3 }, after: { count: 8 } });
    expect(diff.diffTotalMonthlyCost).toBeCloseTo(350.4, 6);
    const body = renderCostComment(diff, { validAt: new Date('2026-12-03T00:00:00Z') });
    expect(body).toContain(
      '| web-asg | changed | m5.large ×3 (aws/us-east-1); 2–10 nodes: $140.16–$700.80/month | m5.large ×8 (aws/us-east-1); 2–10 nodes: $140.16–$700.80/month | $210.24 | $560.64 | +$350.40 |',
    );
    // A fixed group (min = max) has no range.
    const fixed = (count: number): Workload => ({ ...asg(count), pool: { kind: 'vm-group', spot: false, min: count, max: count } });
    expect(renderCostComment(costDiff(inv([fixed(3)]), inv([fixed(4)]), catalog), { validAt: new Date() })).toContain(
      '| web-asg | changed | m5.large ×3 (aws/us-east-1) | m5.large ×4 (aws/us-east-1) | $210.24 | $280.32 | +$70.08 |',
    );
  });

  it('reports an unknown size as unpriced, never as zero', () => {
    const diff = costDiff(inv([vm('a', 'm5.large')]), inv([vm('a', 'm5.gigantic')]), catalog);
    expect(diff.unpricedCount).toBe(1);
    expect(diff.resources[0]!.monthlyDelta).toBeUndefined();
    expect(diff.resources[0]!.unpriced).toMatch(/unknown aws size m5\.gigantic: not in the price catalog/);
    const body = renderCostComment(diff, { validAt: new Date('2026-11-27T00:00:00Z') });
    expect(body).toContain(
      'Monthly cost change **unknown**: 1 changed resource(s) have no price or no known size. Not in the totals: 1 resource(s) without a price or a known size (`a`).',
    );
  });
});

describe('cost comment', () => {
  it('carries the hidden tag and the valid-at stamp', () => {
    const diff = costDiff(inv([vm('a', 'm5.large')]), inv([vm('a', 'm5.xlarge')]), catalog);
    const body = renderCostComment(diff, { validAt: new Date('2026-11-27T10:00:00Z') });
    expect(body.startsWith(commentTag())).toBe(true);
    expect(validAtOf(body)?.toISOString()).toBe('2026-11-27T10:00:00.000Z');
    expect(body).toContain('| a | changed | m5.large (aws/us-east-1) | m5.xlarge (aws/us-east-1) |');
  });

  it("stays under GitHub's 65,536-character limit by cutting the rows of least impact and saying so", () => {
    const sizes = catalog
      .offerings({ cloud: 'aws', region: 'us-east-1', kind: 'vm' })
      .slice(0, 400)
      .map((o) => o.size);
    const base = inv(Array.from({ length: 3000 }, (_, i) => vm(`worker-with-a-long-name-${i}`, sizes[i % sizes.length]!)));
    const head = inv(base.workloads.map((w, i) => ({ ...w, size: sizes[(i + 1) % sizes.length]! })));
    const diff = costDiff(base, head, catalog);
    const body = renderCostComment(diff, { validAt: new Date(), fullReportUrl: 'https://example.invalid/run/1' });
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const cut = /\| … \| (\d+) more resource\(s\) of least impact not shown/.exec(body);
    expect(cut).not.toBeNull();
    const shown = body.split('\n').filter((l) => l.startsWith('| worker-with-a-long-name-'));
    expect(shown.length + Number(cut![1])).toBe(3000);
    // The biggest change survives, and rows go by decreasing |delta|.
    const biggest = [...diff.resources].sort((a, b) => Math.abs(b.monthlyDelta!) - Math.abs(a.monthlyDelta!))[0]!;
    expect(shown[0]).toContain(`| ${biggest.name} |`);
    const deltas = shown.map((l) => Math.abs(Number(l.split('|')[7]!.trim().replace(/[+$,]/g, ''))));
    expect(deltas).toEqual([...deltas].sort((a, b) => b - a));
    expect(body).toContain('[full report](https://example.invalid/run/1)');
  });

  it('shows an update whose size becomes unknown as unknown, never as a "removed" saving, and lists a create of unknown size', () => {
    const diff = costDiff(
      inv([vm('web', 'm5.large'), vm('api', 'm5.large')]),
      inv([vm('api', 'm5.xlarge')], [unknownSize('web'), unknownSize('batch')]),
      catalog,
    );
    const byName = Object.fromEntries(diff.resources.map((r) => [r.name, r]));
    expect(byName.web).toMatchObject({ change: 'unknown', sizeUnknown: 'instanceType unknown until apply' });
    expect(byName.web!.monthlyDelta).toBeUndefined();
    expect(byName.batch).toMatchObject({ change: 'added', sizeUnknown: 'instanceType unknown until apply' });
    const m5large = catalog.lookup('aws', 'us-east-1', 'm5.large')!.monthlyUsd;
    const m5xlarge = catalog.lookup('aws', 'us-east-1', 'm5.xlarge')!.monthlyUsd;
    // Only api is in the totals: web's old price is not a saving.
    expect(diff.diffTotalMonthlyCost).toBeCloseTo(m5xlarge - m5large, 6);
    const body = renderCostComment(diff, { validAt: new Date('2026-11-27T00:00:00Z') });
    expect(body).toContain('Not in the totals: 2 resource(s) without a price or a known size (`batch`, `web`).');
    expect(body).toMatch(/\| web \| unknown \| m5\.large \(aws\/us-east-1\) \| unknown until apply \|/);
    expect(body).toMatch(/\| batch \| added \| — \| unknown until apply \|/);
    expect(body).not.toMatch(/removed/);
  });

  it('never headlines "$0.00 → $0.00" for a region without prices, and counts resources it does not price', () => {
    const diff = costDiff(
      inv([vm('a', 'm5.large', 1, 'aws', 'ap-south-2')]),
      inv([vm('a', 'm5.4xlarge', 1, 'aws', 'ap-south-2')]),
      catalog,
      { otherResources: 12 },
    );
    const body = renderCostComment(diff, { validAt: new Date('2026-11-27T00:00:00Z') });
    const head = body.split('\n').find((l) => l.startsWith('Monthly cost'))!;
    expect(head).not.toContain('$0.00');
    expect(head).toBe(
      'Monthly cost change **unknown**: 1 changed resource(s) have no price or no known size. Not in the totals: 1 resource(s) without a price or a known size (`a`); 12 other resource(s) stackfit does not price (storage, network, …).',
    );
  });

  it('is one comment for the PR: a per-stack table, collapsed details, the commit SHA', () => {
    const prod = costDiff(inv([vm('a', 'm5.large')]), inv([vm('a', 'm5.xlarge')]), catalog, { otherResources: 3 });
    const dev = costDiff(inv([vm('b', 'm5.xlarge')], [], 'dev'), inv([vm('b', 'm5.large')], [], 'dev'), catalog);
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const body = renderCostComment([prod, dev], { validAt: new Date('2026-11-27T10:00:00Z'), commitSha: sha });
    expect(body.match(/stackfit-cost-comment/g)).toHaveLength(1);
    expect(body).toContain('### 💰 stackfit cost estimate for `0123456789ab`');
    expect(body).toContain(`commit ${sha}`);
    const diff = catalog.lookup('aws', 'us-east-1', 'm5.xlarge')!.monthlyUsd - catalog.lookup('aws', 'us-east-1', 'm5.large')!.monthlyUsd;
    // Up in prod, down in dev by the same amount.
    expect(body).toContain('Monthly cost will change by **$0.00**');
    expect(body).toContain('Not in the totals: 3 other resource(s) stackfit does not price (storage, network, …).');
    expect(body).toMatch(
      new RegExp(`\\| \`prod\` \\| \\$[\\d.,]+ \\| \\$[\\d.,]+ \\| \\+\\$${diff.toFixed(2)} \\(\\+100\\.0 %\\) \\| 0 \\| 3 \\|`),
    );
    expect(body).toContain('| `dev` |');
    expect(body).toContain('<details><summary>prod: 1 resource(s)</summary>');
    expect(body).toContain('<details><summary>dev: 1 resource(s)</summary>');
  });

  it('posts nothing below the $ and % thresholds, up or down, but always when something is unpriced', () => {
    const m5large = catalog.lookup('aws', 'us-east-1', 'm5.large')!.monthlyUsd;
    const up: CostDiff = costDiff(inv([vm('a', 'm5.large', 10)]), inv([vm('a', 'm5.large', 11)]), catalog);
    const down: CostDiff = costDiff(inv([vm('a', 'm5.large', 11)]), inv([vm('a', 'm5.large', 10)]), catalog);
    for (const d of [up, down]) {
      expect(belowThresholds([d], {})).toBe(false);
      expect(belowThresholds([d], { minUsd: m5large + 1 })).toBe(true);
      expect(belowThresholds([d], { minUsd: m5large - 1 })).toBe(false);
      expect(belowThresholds([d], { minPercent: 11 })).toBe(true);
      expect(belowThresholds([d], { minPercent: 9 })).toBe(false);
      expect(belowThresholds([d], { minUsd: m5large + 1, minPercent: 9 })).toBe(false);
    }
    const unknown = costDiff(inv([vm('a', 'm5.large')]), inv([], [unknownSize('a')]), catalog);
    expect(belowThresholds([unknown], { minUsd: 1e9, minPercent: 1e9 })).toBe(false);
  });
});
