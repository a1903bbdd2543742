import { pricedView, defineStackPolicy } from '../contract';
import { isOtherBilledType } from '../../clouds';
import { assessStackResources } from '../crossguard';
import { usd } from '../money';
import { describePriced } from '../pricing';
import { costReportConfigSchema } from './schema';

export const costReport = defineStackPolicy({
  name: 'stackfit-cost-report',
  description: 'Lists the estimated monthly price of every sized resource (informational).',
  enforcementLevel: 'disabled',
  severity: 'low',
  remediationSteps: 'Nothing to fix: this report is informational. Enable it with {"stackfit-cost-report": "advisory"}.',
  config: costReportConfigSchema,
  validateStack(args, reportViolation, cfg) {
    const view = pricedView(cfg, reportViolation, 'the stack');
    if (!view) return;
    let total = 0;
    let priced = 0;
    const notPriced: string[] = [];
    const others: string[] = [];
    for (const [r, a] of assessStackResources(args.resources, view)) {
      if (a.kind === 'none') {
        // Custom resources only (they have a provider): components are the program's own grouping.
        if (r.provider && isOtherBilledType(r.type)) others.push(r.name);
        continue;
      }
      if (a.kind === 'workload') {
        if (a.priced.status === 'priced') {
          total += a.priced.monthlyUsd;
          priced++;
        } else notPriced.push(a.priced.workload.name);
        if (a.priced.status === 'priced' || cfg.includeUnpriced) reportViolation(describePriced(a.priced), r.urn);
      } else {
        notPriced.push(a.name);
        if (cfg.includeUnpriced)
          reportViolation(`${a.name}: ${a.kind === 'unknown' ? 'unknown until apply' : 'unpriced'}: ${a.reason}`, r.urn);
      }
    }
    reportViolation(`Total: ${usd(total)}/month for ${priced} priced resource(s)${leftOut(notPriced, others)}.`);
  },
});

/** `; not in the total: 2 sized resource(s) without a price (odd, secret-size); 1 other resource(s) stackfit does not price (assets)`. */
export function leftOut(notPriced: readonly string[], others: readonly string[], max = 5): string {
  const named = (list: readonly string[]): string =>
    list.length > max ? `${list.slice(0, max).join(', ')} and ${list.length - max} more` : list.join(', ');
  const parts: string[] = [];
  if (notPriced.length) parts.push(`${notPriced.length} sized resource(s) without a price (${named(notPriced)})`);
  if (others.length) parts.push(`${others.length} other resource(s) stackfit does not price (${named(others)})`);
  return parts.length ? `; not in the total: ${parts.join('; ')}` : '';
}
