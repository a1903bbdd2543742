/**
 * Every line that shows a total says what the total leaves out (issue 12): the terminal table,
 * the Markdown report, the PR title and the PR body, on a plan with an unpriced workload and a
 * sized resource stackfit could not read.
 */
import { describe, expect, it } from 'vitest';
import { renderPrBody, renderPrTitle, planFingerprint } from '../../src/gitops/pr-text';
import type { Plan, PlanItem } from '../../src/model';
import { renderMarkdown } from '../../src/report/markdown';
import { renderTable } from '../../src/report/table';
import { planItem } from '../gitops-edits/helpers';

const web = (): PlanItem =>
  planItem({ name: 'web', cloud: 'aws', region: 'us-east-1', size: 'm5.large', count: 3, to: { size: 'm6g.large' } });
/** A resize whose current size has no price (e.g. a region without prices): its change is not known. */
const odd = (): PlanItem => {
  const i = planItem({ name: 'odd-box', cloud: 'aws', region: 'us-east-1', size: 'm5.xlarge', to: { size: 'm5.large' } });
  const { monthlyBefore: _b, monthlyDelta: _d, ...rest } = i;
  return { ...rest, reason: 'no price for m5.xlarge in us-east-1' };
};
const SECRET = 'urn:pulumi:prod::stackfit-demo::aws:ec2/instance:Instance::secret-size';

function plan(items: PlanItem[]): Plan {
  const priced = items.filter((i) => i.monthlyBefore !== undefined);
  const before = priced.reduce((s, i) => s + i.monthlyBefore!, 0);
  const after = priced.reduce((s, i) => s + i.monthlyAfter!, 0);
  return {
    stack: 'prod',
    items,
    skipped: [{ urn: SECRET, type: 'aws:ec2/instance:Instance', reason: 'instanceType is a secret' }],
    totals: { monthlyBefore: before, monthlyAfter: after, monthlyDelta: after - before, unpriced: items.length - priced.length },
  } as Plan;
}

describe('headlines name what their totals leave out', () => {
  it('terminal table and Markdown report: the totals line counts and names unpriced and unreadable resources', () => {
    const p = plan([web(), odd()]);
    const expected = 'not in the totals: 1 workload(s) without a price (odd-box); 1 resource(s) stackfit could not read (secret-size)';
    const total = renderTable(p)
      .split('\n')
      .find((l) => l.startsWith('Total monthly:'));
    expect(total).toContain(`; ${expected}`);
    const headline = renderMarkdown(p)
      .split('\n')
      .find((l) => l.startsWith('**Monthly cost:**'));
    expect(headline).toContain(` — ${expected}`);
    // Nothing left out: no such clause.
    const clean = { ...plan([web()]), skipped: [] };
    expect(renderTable(clean)).not.toContain('not in the totals');
  });

  it('PR title and body: the unpriced change is in neither total and is named next to them', () => {
    const items = [web(), odd()];
    const w = web();
    const saving = Math.round(-w.monthlyDelta!);
    expect(renderPrTitle({ stack: 'prod', items })).toBe(
      `stackfit(prod): right-size 2 workloads, save $${saving.toLocaleString('en-US')}/month (1 unpriced)`,
    );
    const totals = { monthlyBefore: w.monthlyBefore!, monthlyAfter: w.monthlyAfter!, monthlyDelta: w.monthlyDelta! };
    const body = renderPrBody({ stack: 'prod', items, manual: [], totals, priceSources: [], fingerprint: planFingerprint(items) });
    const lines = body.split('\n');
    const change = lines.findIndex((l) => l.startsWith('| **Change** |'));
    expect(lines.slice(change + 1, change + 3).join('\n')).toContain('Not in the totals: 1 change without a price (`odd-box`).');
  });
});
