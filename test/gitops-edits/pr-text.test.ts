import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ManualChange, PlanItem } from '../../src/model';
import {
  branchNameFor,
  DEFAULT_MAX_BODY_CHARS,
  isMateriallyDifferent,
  parsePrMarkers,
  planFingerprint,
  renderPrBody,
  renderPrTitle,
} from '../../src/gitops/pr-text';
import { offering, planItem } from './helpers';

const web = () =>
  planItem({ name: 'web', cloud: 'aws', region: 'us-east-1', size: 'm5.large', count: 3, to: { size: 'm6g.large' }, risk: 1 });
const api = () =>
  planItem({
    name: 'api',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'c5.large',
    count: 2,
    to: { cloud: 'gcp', region: 'us-central1', size: 'e2-standard-2' },
    vm: '306',
  });
const batch = () =>
  planItem({ name: 'batch', cloud: 'aws', region: 'us-east-1', size: 't3.medium', to: { size: 't3.large' }, risk: 2, vm: '35' });

function totalsOf(items: PlanItem[]) {
  const sum = (f: (i: PlanItem) => number | undefined) => items.reduce((s, i) => s + (f(i) ?? 0), 0);
  return { monthlyBefore: sum((i) => i.monthlyBefore), monthlyAfter: sum((i) => i.monthlyAfter), monthlyDelta: sum((i) => i.monthlyDelta) };
}

function sourcesOf(items: PlanItem[]) {
  const seen = new Map<string, { cloud: string; source: string; date: string }>();
  for (const i of items)
    for (const o of [i.current!, i.chosen!]) seen.set(o.priceSource, { cloud: o.cloud, source: o.priceSource, date: o.priceDate });
  return [...seen.values()];
}

function body(items: PlanItem[], manual: ManualChange[] = [], extra: { maxChars?: number; group?: string; closedNote?: string } = {}) {
  return renderPrBody({
    stack: 'prod',
    items,
    manual,
    totals: totalsOf(items),
    priceSources: sourcesOf(items),
    fingerprint: planFingerprint(items),
    ...extra,
  });
}

/** Rows of a Markdown table have as many cells as its header (unescaped pipes). */
function cellCount(line: string): number {
  return line.replace(/\\\|/g, '').split('|').length - 2;
}

function tables(markdown: string): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = undefined;
    }
  }
  return out;
}

describe('renderPrTitle', () => {
  it('says what changes and what it saves, priced from the catalog', () => {
    const m5 = offering('aws', 'us-east-1', 'm5.large').monthlyUsd;
    const m6g = offering('aws', 'us-east-1', 'm6g.large').monthlyUsd;
    const saving = Math.round(3 * (m5 - m6g));
    expect(renderPrTitle({ stack: 'prod', items: [web()] })).toBe(`stackfit(prod): right-size 1 workload, save $${saving}/month`);
    expect(renderPrTitle({ stack: 'prod', group: 'frontend', items: [web(), api()] })).toMatch(
      /^stackfit\(prod\/frontend\): right-size 1 and move 1 workloads, save \$\d+\/month$/,
    );
    expect(renderPrTitle({ stack: 'dev', items: [batch()] })).toMatch(/^stackfit\(dev\): right-size 1 workload, add \$\d+\/month$/);
    expect(renderPrTitle({ stack: 'prod', items: [api()] })).toMatch(/: move 1 workload, save/);
  });

  it('is deterministic and ignores keep items', () => {
    const keep: PlanItem = { ...batch(), action: 'keep' };
    expect(renderPrTitle({ stack: 'prod', items: [web(), keep] })).toBe(renderPrTitle({ stack: 'prod', items: [web()] }));
  });
});

describe('renderPrBody', () => {
  const items = [web(), api(), batch()];
  const manual: ManualChange[] = [
    {
      urn: items[1]!.urn,
      property: 'size',
      from: 'c5.large',
      to: 'e2-standard-2',
      reason: 'value c5.large appears 2 times in Pulumi.prod.yaml',
    },
  ];
  const text = body(items, manual, { closedNote: 'The previous PR for an older recommendation was closed.' });

  it('has one row per change with sizes, place, cost and evidence', () => {
    const m5 = offering('aws', 'us-east-1', 'm5.large');
    const m6g = offering('aws', 'us-east-1', 'm6g.large');
    const row = text.split('\n').find((l) => l.startsWith('| `web`'))!;
    expect(row).toContain('`m5.large` (2 vCPU, 8 GiB) → `m6g.large` (2 vCPU, 8 GiB)');
    expect(row).toContain('| aws us-east-1 |');
    expect(row).toContain(`$${(3 * m5.monthlyUsd).toFixed(2)} → $${(3 * m6g.monthlyUsd).toFixed(2)}`);
    expect(row).toContain(`-$${(3 * (m5.monthlyUsd - m6g.monthlyUsd)).toFixed(2)}`);
    const cpu = items[0]!.demand!.cpu;
    expect(row).toContain(
      `p95 ${Number(cpu.p95.toFixed(2))} · peak ${Number(cpu.forecastPeak.toFixed(2))} · need ${Number(cpu.required.toFixed(2))}`,
    );
    expect(row).toContain('CPU P99.5 + 20%, mem P99.5 + 20%');
    expect(row).toContain('| high (720 h history) | low |');
    const apiRow = text.split('\n').find((l) => l.startsWith('| `api`'))!;
    expect(apiRow).toContain('aws us-east-1 → gcp us-central1');
    expect(apiRow).toContain('**(manual)**');
    // Biggest saving first.
    const order = text
      .split('\n')
      .filter((l) => /^\| `(web|api|batch)`/.test(l))
      .map((l) => l.split('`')[1]);
    expect(order).toEqual(['web', 'api', 'batch']);
  });

  it('has monthly and yearly totals, price sources with dates, manual changes and how to ignore it', () => {
    const t = totalsOf(items);
    const money = (v: number) => `$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    expect(text).toContain(`| Before | ${money(t.monthlyBefore)} | ${money(t.monthlyBefore * 12)} |`);
    expect(text).toContain(`| **Change** | **-${money(t.monthlyDelta)}** | **-${money(t.monthlyDelta * 12)}** |`);
    expect(text).toContain('- aws: aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv');
    expect(text).toMatch(/- gcp: gcp_compute_ondemand_prices_cyclenerd_2026-07-30\.csv .*, 2026-07-30/);
    expect(text).toContain('### Manual changes needed');
    expect(text).toContain(
      `| \`${items[1]!.urn}\` | size | \`c5.large\` → \`e2-standard-2\` | value c5.large appears 2 times in Pulumi.prod.yaml |`,
    );
    expect(text).toContain('stackfit will not reopen it for the same recommendation; a materially different recommendation');
    expect(text).toContain('pin: true');
    expect(text).toContain('> The previous PR for an older recommendation was closed.');
  });

  it('carries hidden markers the bot can read back', () => {
    expect(parsePrMarkers(text)).toEqual({ fingerprint: planFingerprint(items), stack: 'prod' });
    const grouped = body(items, [], { group: 'front end/web' });
    expect(parsePrMarkers(grouped)).toEqual({ fingerprint: planFingerprint(items), stack: 'prod', group: 'front end/web' });
    expect(grouped).toContain('<!-- stackfit:group=front%20end%2Fweb -->');
  });

  it('keeps every table row as wide as its header', () => {
    for (const table of tables(text)) for (const line of table) expect(cellCount(line)).toBe(cellCount(table[0]!));
  });
});

describe('renderPrBody with a 2,000-item plan', () => {
  // 2,000 resizes across real us-east-1 sizes, and as many manual changes.
  const sizes = [
    'm5.large',
    'm5.xlarge',
    'm6i.large',
    'c5.large',
    'c6i.large',
    'r5.large',
    't3.medium',
    't3.large',
    'm6g.large',
    'm7g.large',
  ];
  const items: PlanItem[] = [];
  for (let i = 0; i < 2000; i++) {
    items.push(
      planItem({
        name: `svc-${String(i).padStart(4, '0')}`,
        cloud: 'aws',
        region: 'us-east-1',
        size: sizes[i % 10]!,
        to: { size: sizes[(i + 3) % 10]! },
        count: 1 + (i % 4),
      }),
    );
  }
  const manual = items.map((i) => ({
    urn: i.urn,
    property: 'size',
    from: i.workload.size,
    to: i.chosen!.size,
    reason: 'size is not set from config',
  }));

  it('stays under the limit, says how many rows were left out, keeps totals and markers', () => {
    const text = body(items, manual);
    expect(text.length).toBeLessThanOrEqual(DEFAULT_MAX_BODY_CHARS);
    expect(text.length).toBeGreaterThan(DEFAULT_MAX_BODY_CHARS * 0.9);
    const left = /_… (\d+) of 2000 rows left out/.exec(text);
    expect(left).not.toBeNull();
    const kept = text.split('\n').filter((l) => l.startsWith('| `svc-')).length;
    expect(kept + Number(left![1])).toBe(2000);
    expect(text).toMatch(/_… \d+ of 2000 manual changes left out/);
    expect(parsePrMarkers(text).fingerprint).toBe(planFingerprint(items));
    expect(text).toContain('| **Change** |');
    expect(text).toContain('### Ignoring this recommendation');
    for (const table of tables(text)) for (const line of table) expect(cellCount(line)).toBe(cellCount(table[0]!));
  });

  it('keeps the first and the last rows (the biggest savings and the biggest increases)', () => {
    const text = body(items);
    const rows = text.split('\n').filter((l) => l.startsWith('| `svc-'));
    const sorted = [...items].sort((a, b) => a.monthlyDelta! - b.monthlyDelta! || (a.urn < b.urn ? -1 : 1));
    expect(rows[0]).toContain(`\`${sorted[0]!.workload.name}\``);
    expect(rows[rows.length - 1]).toContain(`\`${sorted[sorted.length - 1]!.workload.name}\``);
  });

  it('honours a smaller limit', () => {
    const text = body(items, manual, { maxChars: 8000 });
    expect(text.length).toBeLessThanOrEqual(8000);
    expect(parsePrMarkers(text).stack).toBe('prod');
  });

  it('is not truncated when it fits', () => {
    const text = body(items.slice(0, 20));
    expect(text).not.toContain('left out');
    expect(text.split('\n').filter((l) => l.startsWith('| `svc-'))).toHaveLength(20);
  });
});

describe('planFingerprint', () => {
  it('is the same for the same recommendation, whatever the order, prices or evidence', () => {
    const a = [web(), api()];
    const b = [
      { ...api(), monthlyAfter: 1, reason: 'other words' },
      { ...web(), risk: 3 as const },
    ];
    expect(planFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(planFingerprint(b)).toBe(planFingerprint(a));
    expect(isMateriallyDifferent(planFingerprint(a), b)).toBe(false);
  });

  it('changes when a target size or place changes, or a resource joins', () => {
    const base = planFingerprint([web(), api()]);
    const otherSize = planItem({ name: 'web', cloud: 'aws', region: 'us-east-1', size: 'm5.large', count: 3, to: { size: 'm7g.large' } });
    expect(planFingerprint([otherSize, api()])).not.toBe(base);
    const otherPlace = planItem({
      name: 'api',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'c5.large',
      to: { cloud: 'azure', region: 'eastus', size: 'Standard_D2s_v5' },
    });
    expect(planFingerprint([web(), otherPlace])).not.toBe(base);
    expect(isMateriallyDifferent(base, [web(), api(), batch()])).toBe(true);
    expect(isMateriallyDifferent(undefined, [web()])).toBe(true);
  });
});

describe('branchNameFor', () => {
  it('is one deterministic, git-ref-safe branch per stack and group', () => {
    expect(branchNameFor({ prefix: 'stackfit/', stack: 'prod' })).toBe('stackfit/prod');
    expect(branchNameFor({ prefix: 'stackfit', stack: 'prod', group: 'frontend' })).toBe('stackfit/prod/frontend');
    expect(branchNameFor({ prefix: 'bots/stackfit/', stack: 'acme/shop/prod' })).toBe('bots/stackfit/acme/shop/prod');
    expect(branchNameFor({ prefix: 'stackfit/', stack: 'my stack..x', group: '.hidden:group~1^' })).toBe(
      'stackfit/my-stack.x/hidden-group-1',
    );
    expect(branchNameFor({ prefix: 'stackfit/', stack: 'prod.lock' })).toBe('stackfit/prod');
  });

  it('gives names git accepts as branch names', () => {
    for (const input of [
      { prefix: 'stackfit/', stack: 'my stack..x', group: '.hidden:group~1^' },
      { prefix: 'stackfit/', stack: 'org/proj/@{dev}', group: 'a//b' },
      { prefix: '/weird//prefix/', stack: '-prod-', group: 'x.lock' },
    ]) {
      const name = branchNameFor(input);
      expect(execFileSync('git', ['check-ref-format', '--branch', name], { encoding: 'utf8' }).trim()).toBe(name);
    }
  });
});
