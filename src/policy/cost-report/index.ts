import { pricedView, defineStackPolicy } from '../contract';
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
    let notPriced = 0;
    for (const [r, a] of assessStackResources(args.resources, view)) {
      if (a.kind === 'none') continue;
      if (a.kind === 'workload') {
        if (a.priced.status === 'priced') {
          total += a.priced.monthlyUsd;
          priced++;
        } else notPriced++;
        if (a.priced.status === 'priced' || cfg.includeUnpriced) reportViolation(describePriced(a.priced), r.urn);
      } else {
        notPriced++;
        if (cfg.includeUnpriced)
          reportViolation(`${a.name}: ${a.kind === 'unknown' ? 'unknown until apply' : 'unpriced'}: ${a.reason}`, r.urn);
      }
    }
    reportViolation(`Total: ${usd(total)}/month for ${priced} priced resource(s)${notPriced ? `; ${notPriced} not priced` : ''}.`);
  },
});
