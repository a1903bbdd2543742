import { resolveUserPath } from '../baseline';
import { rightSizeMessage } from '../checks';
import { defineResourcePolicy, describeError, pricedOrStop, resourceView } from '../contract';
import { assessResourceArgs } from '../crossguard';
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
  validateResource(args, reportViolation, cfg) {
    if (!cfg.recommendationsPath) args.notApplicable('no recommendationsPath configured');
    const view = resourceView(cfg, args, reportViolation);
    if (!view) return;
    const priced = pricedOrStop(assessResourceArgs(args, view), args);
    let recs;
    try {
      recs = loadRecommendations(resolveUserPath(cfg.recommendationsPath!));
    } catch (err) {
      reportViolation(`cannot check ${priced.workload.name} against stackfit's recommendations: ${describeError(err)}`);
      return;
    }
    const rec = findRecommendation(recs, { urn: args.urn, name: priced.workload.name });
    if (!rec) args.notApplicable(`no recommendation for ${priced.workload.name} in ${cfg.recommendationsPath}`);
    const message = rightSizeMessage(priced.workload, rec!, view.catalog, cfg.recommendationsPath!, cfg.minMonthlySavingUsd, view.note);
    if (message) reportViolation(message);
  },
});
