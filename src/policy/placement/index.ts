import { placementConfigured, placementProblems } from '../checks';
import { defineResourcePolicy } from '../contract';
import { packContext } from '../crossguard';
import { groupNote } from '../pricing';
import { placementConfigSchema } from './schema';

export const placement = defineResourcePolicy({
  name: 'stackfit-placement',
  description: 'Workloads run only in the allowed clouds, regions and CPU architectures.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  remediationSteps:
    'Move the workload to an allowed cloud/region, or pick a size of an allowed architecture; or widen the rules in the policy pack config.',
  config: placementConfigSchema,
  inactive: (cfg) => (placementConfigured(cfg) ? undefined : 'no placement rules configured (clouds, regions, architectures)'),
  // Placement reads sizes and architectures, not prices: the list-price catalog.
  usesPriceBook: false,
  checkWorkload(priced, { cfg, report }) {
    const offering = priced.status === 'priced' ? priced.offering : undefined;
    const problems = placementProblems(priced.workload, offering, packContext().catalog, cfg);
    if (problems.length) report(`${priced.workload.name}: ${problems.join('; ')}${groupNote(priced)}.`);
    return undefined;
  },
});
