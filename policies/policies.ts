import type { Policies, ReportViolation, ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import { StackfitError } from '../src/model';
import { loadBaseline, resolveUserPath } from '../src/policy/baseline';
import { budgetMessage, evaluateBudget, inconclusiveMessage, nothingPricedMessage, partlyPricedMessage, type Baseline } from '../src/policy/budget';
import { generationMessage, placementConfigured, placementProblems, rightSizeMessage, unpricedFamilyMessage } from '../src/policy/checks';
import {
  budgetConfigSchema,
  configSchemas,
  costReportConfigSchema,
  generationConfigSchema,
  placementConfigSchema,
  POLICY,
  policyDocsUrl,
  readPolicyConfig,
  rightSizeConfigSchema,
} from '../src/policy/config';
import { usd } from '../src/policy/money';
import type { PriceBookConfig, PricedView } from '../src/policy/price-book';
import { describePriced, type Assessment, type PricedWorkload } from '../src/policy/pricing';
import { findRecommendation, loadRecommendations } from '../src/policy/recommendations';
import { nameFromUrn } from '../src/stack/values';
import { assessResourceArgs, assessStackResources, packContext, unknownDuringPreview } from './adapter';

function withUrl(anchor: string): { url?: string } {
  const url = policyDocsUrl(anchor);
  return url ? { url } : {};
}

/** A user-facing input problem (missing file, bad JSON) becomes a diagnostic, never a silent pass. */
function describeError(err: unknown): string {
  if (err instanceof StackfitError) return err.message;
  throw err;
}

/**
 * The catalog at the price book the policy's config gives; a broken book (bad field, missing
 * stackfit.yaml or overlay) is reported as the policy's violation, never priced at list price.
 */
function pricedView(cfg: PriceBookConfig, reportViolation: ReportViolation, subject: string): PricedView | undefined {
  try {
    return packContext().priced(cfg);
  } catch (err) {
    reportViolation(`cannot price ${subject} with the configured price book: ${describeError(err)}`);
    return undefined;
  }
}

/** pricedView for a resource policy: a broken price book is only reported on resources it would price. */
function resourceView(cfg: PriceBookConfig, args: ResourceValidationArgs, reportViolation: ReportViolation): PricedView | undefined {
  try {
    return packContext().priced(cfg);
  } catch {
    const a = assessResourceArgs(args, packContext().priced({}));
    if (a.kind !== 'workload') pricedOrStop(a, args);
    return pricedView(cfg, reportViolation, a.kind === 'workload' ? a.priced.workload.name : nameFromUrn(args.urn));
  }
}

/** For per-resource policies: the priced workload, or why the policy does not apply / cannot run yet. */
function pricedOrStop(a: Assessment, args: ResourceValidationArgs): PricedWorkload {
  switch (a.kind) {
    case 'none':
      return args.notApplicable('not a sized compute or database resource');
    case 'unknown':
      throw unknownDuringPreview(`${a.name}: ${a.reason}`);
    case 'skipped':
      return args.notApplicable(`${a.name}: ${a.reason}`);
    case 'workload':
      return a.priced;
  }
}

const stackBudget = {
  name: POLICY.budget,
  description: "The stack's estimated monthly cost (and its increase over the current state) stays within budget.",
  enforcementLevel: 'mandatory' as const,
  severity: 'high' as const,
  ...withUrl('stackfit-stack-budget'),
  remediationSteps:
    'Run `stackfit recommend` and apply its right-sizing PR, pick smaller sizes for the top contributors, or raise maxMonthlyCost / maxIncrease* in the policy pack config if the increase is intended.',
  configSchema: configSchemas[POLICY.budget],
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const cfg = readPolicyConfig(POLICY.budget, budgetConfigSchema, args.getConfig());
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
        reportViolation('maxIncreaseUsd / maxIncreasePercent need a baseline: set currentStatePath (a `pulumi stack export`) or recommendationsPath (a `stackfit recommend --format json` file).');
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
};

const rightSize = {
  name: POLICY.rightSize,
  description: "Resources use the size stackfit's latest recommendation chose for them.",
  enforcementLevel: 'advisory' as const,
  severity: 'low' as const,
  ...withUrl('stackfit-right-size'),
  remediationSteps: "Change the resource's size (or the stack config value that drives it) to the recommended size, or merge stackfit's pull request.",
  configSchema: configSchemas[POLICY.rightSize],
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const cfg = readPolicyConfig(POLICY.rightSize, rightSizeConfigSchema, args.getConfig());
    if (!cfg.recommendationsPath) args.notApplicable('no recommendationsPath configured');
    const view = resourceView(cfg, args, reportViolation);
    if (!view) return;
    const priced = pricedOrStop(assessResourceArgs(args, view), args);
    let recs;
    try {
      recs = loadRecommendations(resolveUserPath(cfg.recommendationsPath));
    } catch (err) {
      reportViolation(`cannot check ${priced.workload.name} against stackfit's recommendations: ${describeError(err)}`);
      return;
    }
    const rec = findRecommendation(recs, { urn: args.urn, name: priced.workload.name });
    if (!rec) args.notApplicable(`no recommendation for ${priced.workload.name} in ${cfg.recommendationsPath}`);
    const message = rightSizeMessage(priced.workload, rec, view.catalog, cfg.recommendationsPath, cfg.minMonthlySavingUsd, view.note);
    if (message) reportViolation(message);
  },
};

const instanceGeneration = {
  name: POLICY.generation,
  description: 'Sizes are current-generation, not in a disallowed family, and not dearer than a same-spec current-generation size.',
  enforcementLevel: 'advisory' as const,
  severity: 'low' as const,
  ...withUrl('stackfit-instance-generation'),
  remediationSteps: 'Switch to the suggested current-generation size (same or more vCPU and memory). Test arm64 images before allowing arm64 suggestions.',
  configSchema: configSchemas[POLICY.generation],
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const cfg = readPolicyConfig(POLICY.generation, generationConfigSchema, args.getConfig());
    const view = resourceView(cfg, args, reportViolation);
    if (!view) return;
    const priced = pricedOrStop(assessResourceArgs(args, view), args);
    if (priced.status !== 'priced') {
      // A disallowed family needs no price: enforce it; the rest of the check does.
      const familyMessage = unpricedFamilyMessage(priced.workload, priced.reason, view.catalog, cfg.disallowedFamilies);
      if (familyMessage) return reportViolation(familyMessage);
      args.notApplicable(`${priced.workload.name}: unpriced (${priced.reason})`);
    }
    const message = generationMessage(priced, view.catalog, cfg, view.note);
    if (message) reportViolation(message);
  },
};

const placement = {
  name: POLICY.placement,
  description: 'Workloads run only in the allowed clouds, regions and CPU architectures.',
  enforcementLevel: 'mandatory' as const,
  severity: 'high' as const,
  ...withUrl('stackfit-placement'),
  remediationSteps: 'Move the workload to an allowed cloud/region, or pick a size of an allowed architecture; or widen the rules in the policy pack config.',
  configSchema: configSchemas[POLICY.placement],
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const cfg = readPolicyConfig(POLICY.placement, placementConfigSchema, args.getConfig());
    if (!placementConfigured(cfg)) args.notApplicable('no placement rules configured (clouds, regions, architectures)');
    // Placement reads sizes and architectures, not prices: the list-price catalog.
    const priced = pricedOrStop(assessResourceArgs(args, packContext().priced({})), args);
    const offering = priced.status === 'priced' ? priced.offering : undefined;
    const problems = placementProblems(priced.workload, offering, packContext().catalog, cfg);
    if (problems.length) reportViolation(`${priced.workload.name}: ${problems.join('; ')}.`);
  },
};

const costReport = {
  name: POLICY.costReport,
  description: 'Lists the estimated monthly price of every sized resource (informational).',
  enforcementLevel: 'disabled' as const,
  severity: 'low' as const,
  ...withUrl('stackfit-cost-report'),
  remediationSteps: 'Nothing to fix: this report is informational. Enable it with {"stackfit-cost-report": "advisory"}.',
  configSchema: configSchemas[POLICY.costReport],
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const cfg = readPolicyConfig(POLICY.costReport, costReportConfigSchema, args.getConfig());
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
        if (cfg.includeUnpriced) reportViolation(`${a.name}: ${a.kind === 'unknown' ? 'unknown until apply' : 'unpriced'}: ${a.reason}`, r.urn);
      }
    }
    reportViolation(`Total: ${usd(total)}/month for ${priced} priced resource(s)${notPriced ? `; ${notPriced} not priced` : ''}.`);
  },
};

export function stackfitPolicies(): Policies {
  return [stackBudget, rightSize, instanceGeneration, placement, costReport];
}
