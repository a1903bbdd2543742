import { generationMessage, unpricedFamilyMessage } from '../checks';
import { defineResourcePolicy } from '../contract';
import { generationConfigSchema } from './schema';

export const instanceGeneration = defineResourcePolicy({
  name: 'stackfit-instance-generation',
  description: 'Sizes are current-generation, not in a disallowed family, and not dearer than a same-spec current-generation size.',
  enforcementLevel: 'advisory',
  severity: 'low',
  remediationSteps:
    'Switch to the suggested current-generation size (same or more vCPU and memory). Test arm64 images before allowing arm64 suggestions.',
  config: generationConfigSchema,
  usesPriceBook: true,
  checkWorkload(priced, { cfg, view, report }) {
    if (priced.status !== 'priced') {
      // A disallowed family needs no price: enforce it; the rest of the check does.
      const familyMessage = unpricedFamilyMessage(priced.workload, priced.reason, view.catalog, cfg.disallowedFamilies);
      if (familyMessage) {
        report(familyMessage);
        return undefined;
      }
      return `${priced.workload.name}: unpriced (${priced.reason})`;
    }
    const message = generationMessage(priced, view.catalog, cfg, view.note);
    if (message) report(message);
    return undefined;
  },
});
