import { loadBaseline } from '../baseline';
import { budgetMessage, evaluateBudget, inconclusiveMessage, nothingPricedMessage, partlyPricedMessage, type Baseline } from '../budget';
import { defineStackPolicy, describeError, pricedView } from '../contract';
import { assessStackResources, packContext, unknownDuringPreview } from '../crossguard';
import type { PricedWorkload } from '../pricing';
import { budgetConfigSchema } from './schema';

export const stackBudget = defineStackPolicy({
  name: 'stackfit-stack-budget',
  description: "The stack's estimated monthly cost (and its increase over the current state) stays within budget.",
  enforcementLevel: 'mandatory',
  severity: 'high',
  remediationSteps:
    'Run `stackfit recommend` and apply its right-sizing PR, pick smaller sizes for the top contributors, or raise maxMonthlyCost / maxIncrease* in the policy pack config if the increase is intended.',
  config: budgetConfigSchema,
  validateStack(args, reportViolation, cfg) {
    const wantsIncrease = cfg.maxIncreaseUsd !== undefined || cfg.maxIncreasePercent !== undefined;
    if (cfg.maxMonthlyCost === undefined && !wantsIncrease) {
      args.notApplicable('no budget configured: set maxMonthlyCost, maxIncreaseUsd or maxIncreasePercent');
    }
    const view = pricedView(cfg, reportViolation, 'the stack');
    if (!view) return;
    const { stackConfig } = packContext();
    let baseline: Baseline | undefined;
    if (wantsIncrease) {
      if (!cfg.currentStatePath && !cfg.recommendationsPath) {
        reportViolation(
          'maxIncreaseUsd / maxIncreasePercent need a baseline: set currentStatePath (a `pulumi stack export`) or recommendationsPath (a `stackfit recommend --format json` file).',
        );
        return;
      }
      try {
        baseline = loadBaseline(cfg, view.catalog, stackConfig);
      } catch (err) {
        reportViolation(`cannot check the increase limits: ${describeError(err)}`);
        return;
      }
    }
    const workloads: PricedWorkload[] = [];
    const unknown: { name: string; reason: string }[] = [];
    const skipped: { name: string; reason: string }[] = [];
    for (const [, a] of assessStackResources(args.resources, view)) {
      if (a.kind === 'workload') workloads.push(a.priced);
      else if (a.kind === 'unknown') unknown.push({ name: a.name, reason: a.reason });
      else if (a.kind === 'skipped') skipped.push({ name: a.name, reason: a.reason });
    }
    const result = evaluateBudget({
      workloads,
      unknown,
      skipped,
      ...(baseline ? { baseline } : {}),
      limits: cfg,
      topContributors: cfg.topContributors,
    });
    if (result.breaches.length) reportViolation(budgetMessage(result));
    else if (result.unknown.length) throw unknownDuringPreview(inconclusiveMessage(result, cfg));
    else if (result.unpriced.length) {
      // Never a silent pass on what could not be priced: nothing priced fails closed (at the
      // policy's level); a partly priced pass becomes the framework's advisory "can't run" note.
      if (!workloads.some((w) => w.status === 'priced')) reportViolation(nothingPricedMessage(result, cfg));
      else throw unknownDuringPreview(partlyPricedMessage(result, cfg));
    }
  },
});
