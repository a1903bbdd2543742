import { resolveUserPath } from '../baseline';
import { rightSizeMessage } from '../checks';
import { defineResourcePolicy, describeError } from '../contract';
import { findRecommendation, loadRecommendations } from '../recommendations';
import { rightSizeConfigSchema } from './schema';

export const rightSize = defineResourcePolicy({
  name: 'stackfit-right-size',
  description: "Resources use the size stackfit's latest recommendation chose for them.",
  enforcementLevel: 'advisory',
  severity: 'low',
  remediationSteps:
    "Change the resource's size (or the stack config value that drives it) to the recommended size, or merge stackfit's pull request.",
  config: rightSizeConfigSchema,
  inactive: (cfg) => (cfg.recommendationsPath ? undefined : 'no recommendationsPath configured'),
  usesPriceBook: true,
  checkWorkload(priced, { cfg, view, report }) {
    let recs;
    try {
      recs = loadRecommendations(resolveUserPath(cfg.recommendationsPath!));
    } catch (err) {
      report(`cannot check ${priced.workload.name} against stackfit's recommendations: ${describeError(err)}`);
      return undefined;
    }
    // An AKS profile's URN is its cluster's plus `/<profile>`, as in `stackfit recommend`'s report.
    const rec = findRecommendation(recs, { urn: priced.workload.urn, name: priced.workload.name });
    if (!rec) return `no recommendation for ${priced.workload.name} in ${cfg.recommendationsPath}`;
    const message = rightSizeMessage(priced.workload, rec, view.catalog, cfg.recommendationsPath!, cfg.minMonthlySavingUsd, view.note);
    if (message) report(message);
    return undefined;
  },
});
