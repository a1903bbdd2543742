import { placementConfigured, placementProblems } from '../checks';
import { defineResourcePolicy, pricedOrStop } from '../contract';
import { assessResourceArgs, packContext } from '../crossguard';
import { placementConfigSchema } from './schema';

export const placement = defineResourcePolicy({
  name: 'stackfit-placement',
  description: 'Workloads run only in the allowed clouds, regions and CPU architectures.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  remediationSteps:
    'Move the workload to an allowed cloud/region, or pick a size of an allowed architecture; or widen the rules in the policy pack config.',
  config: placementConfigSchema,
  validateResource(args, reportViolation, cfg) {
    if (!placementConfigured(cfg)) args.notApplicable('no placement rules configured (clouds, regions, architectures)');
    // Placement reads sizes and architectures, not prices: the list-price catalog.
    const priced = pricedOrStop(assessResourceArgs(args, packContext().priced({})), args);
    const offering = priced.status === 'priced' ? priced.offering : undefined;
    const problems = placementProblems(priced.workload, offering, packContext().catalog, cfg);
    if (problems.length) reportViolation(`${priced.workload.name}: ${problems.join('; ')}.`);
  },
});
