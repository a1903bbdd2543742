/**
 * The contract of a policy of the pack. A policy is one folder `src/policy/<name>/`: `schema.ts`
 * holds its config as a zod object (descriptions with `.describe()`), `index.ts` exports the
 * policy made with `defineStackPolicy` / `defineResourcePolicy`; then one line in
 * `src/policy/registry.ts`. The JSON Schema the Pulumi CLI validates `--policy-pack-config`
 * with (`configSchema`) is generated from the zod schema, so the two cannot drift apart, and the
 * config reaches `validate` already read (unknown keys refused with a did-you-mean).
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';
import { z } from 'zod';
import { StackfitError } from '../model';
import { nameFromUrn } from '../stack/values';
import { policyDocsUrl, readPolicyConfig } from './config';
import {
  assessResourceAlone,
  assessResourceArgs,
  assessStackChecked,
  packContext,
  stackCheckedResources,
  unknownDuringPreview,
} from './crossguard';
import type { PriceBookConfig, PricedView } from './price-book';
import type { Assessment, PricedWorkload } from './pricing';

interface PolicyBase<S extends z.ZodObject> {
  /** `stackfit-…`: what users key `--policy-pack-config` entries on, and the docs anchor in docs/policy-pack.md. */
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly remediationSteps: string;
  readonly config: S;
}

export interface StackPolicyDefinition<S extends z.ZodObject> extends PolicyBase<S> {
  validateStack(this: void, args: StackValidationArgs, reportViolation: ReportViolation, config: z.output<S>): void;
}

/** What a per-resource check of one workload gets besides the workload. */
export interface WorkloadCheckContext<C> {
  cfg: C;
  /** The catalog at the policy's price book (list prices for policies that do not price). */
  view: PricedView;
  /** Reports a violation on the resource the workload comes from (a group's own URN, an AKS profile's cluster). */
  report: (message: string) => void;
}

/**
 * A per-resource policy: `checkWorkload` sees one workload at a time, so a resource yielding
 * several (each `agentPoolProfiles` entry of an AKS cluster) has each checked on its own. It runs
 * in Analyze on what a resource says alone and, for groups whose node type only the rest of the
 * stack gives (an ASG's launch template) and for templates, in AnalyzeStack (see
 * `assessResourceAlone` in crossguard.ts), where violations are reported under the group's URN.
 */
export interface ResourcePolicyDefinition<S extends z.ZodObject> extends PolicyBase<S> {
  /** Why the policy has nothing to check with this config (no rule set); undefined when it is active. */
  inactive?(this: void, config: z.output<S>): string | undefined;
  /** Whether it compares prices (the policy's price book applies) or reads only sizes (list-price catalog). */
  usesPriceBook: boolean;
  /** Checks one workload: reports what breaks the rule, or returns why the rule does not apply to it. */
  checkWorkload(this: void, priced: PricedWorkload, ctx: WorkloadCheckContext<z.output<S>>): string | undefined;
}

/** A registered policy: what the pack serves, plus the zod schema its config is read with. */
export type StackfitPolicy = (StackValidationPolicy | ResourceValidationPolicy) & {
  readonly configSchema: PolicyConfigSchema;
  readonly config: z.ZodObject;
};

export function defineStackPolicy<S extends z.ZodObject>(def: StackPolicyDefinition<S>): StackValidationPolicy & StackfitPolicy {
  const { validateStack, ...rest } = def;
  return {
    ...common(rest),
    validateStack: (args, reportViolation) =>
      validateStack(args, reportViolation, readPolicyConfig(def.name, def.config, args.getConfig())),
  };
}

export function defineResourcePolicy<S extends z.ZodObject>(
  def: ResourcePolicyDefinition<S>,
): ResourceValidationPolicy & StackValidationPolicy & StackfitPolicy {
  const { checkWorkload, inactive, usesPriceBook, ...rest } = def;
  const activeConfig = (getConfig: () => unknown, notApplicable: (reason: string) => never): z.output<S> => {
    const cfg = readPolicyConfig(def.name, def.config, getConfig());
    const why = inactive?.(cfg);
    return why === undefined ? cfg : notApplicable(why);
  };
  return {
    ...common(rest),
    validateResource: (args, reportViolation) => {
      const cfg = activeConfig(
        () => args.getConfig(),
        (why) => args.notApplicable(why),
      );
      const list = packContext().priced({});
      const atList = assessResourceAlone(args, list);
      if (atList.phase === 'stack') args.notApplicable(atList.reason);
      const view = usesPriceBook ? resourceView(cfg, args, reportViolation) : list;
      if (!view) return;
      const alone = view === list ? atList : assessResourceAlone(args, view);
      if (alone.phase === 'stack') return args.notApplicable(alone.reason);
      const items = alone.assessments.map((a) => ({ a, report: (m: string) => reportViolation(m) }));
      checkEach(
        items,
        (p, report) => checkWorkload(p, { cfg, view, report }),
        (why) => args.notApplicable(why),
      );
    },
    // The groups and templates Analyze left to the stack: the same check, with the whole stack in view.
    validateStack: (args, reportViolation) => {
      const cfg = activeConfig(
        () => args.getConfig(),
        (why) => args.notApplicable(why),
      );
      if (stackCheckedResources(args.resources).length === 0)
        args.notApplicable('no group or template whose node type only the rest of the stack gives');
      const view = usesPriceBook ? pricedView(cfg, reportViolation, 'the groups checked at stack analysis') : packContext().priced({});
      if (!view) return;
      const items = assessStackChecked(args.resources, view).map(([r, a]) => ({ a, report: (m: string) => reportViolation(m, r.urn) }));
      checkEach(
        items,
        (p, report) => checkWorkload(p, { cfg, view, report }),
        (why) => args.notApplicable(why),
      );
    },
  };
}

/**
 * Runs a check on each workload: the unreadable ones are named ("can't run during preview" for
 * what is unknown until apply, after the others were checked), and the policy is "not applicable"
 * only when nothing at all was checked.
 */
function checkEach(
  items: readonly { a: Assessment; report: (message: string) => void }[],
  check: (priced: PricedWorkload, report: (message: string) => void) => string | undefined,
  notApplicable: (reason: string) => never,
): void {
  const reasons: string[] = [];
  const unknown: string[] = [];
  let checked = 0;
  for (const { a, report } of items) {
    if (a.kind === 'none') continue;
    if (a.kind === 'unknown') unknown.push(`${a.name}: ${a.reason}`);
    else if (a.kind === 'skipped') reasons.push(`${a.name}: ${a.reason}`);
    else {
      const why = check(a.priced, report);
      if (why === undefined) checked++;
      else reasons.push(why);
    }
  }
  if (unknown.length) throw unknownDuringPreview(unknown.join('; '));
  if (checked === 0) notApplicable(reasons.length ? reasons.join('; ') : 'not a sized compute or database resource');
}

function common<S extends z.ZodObject>(def: PolicyBase<S>): PolicyBase<S> & { configSchema: PolicyConfigSchema; url?: string } {
  const url = policyDocsUrl(def.name);
  return { ...def, configSchema: policyConfigSchema(def.config), ...(url ? { url } : {}) };
}

/**
 * The `configSchema` the CLI gets: JSON Schema draft 7 (what it validates with) of the config
 * as the user writes it (`io: 'input'`: a field with a default is not required, and its
 * `default` is what the CLI fills in). Only `properties` and `required` are sent over the wire.
 */
export function policyConfigSchema(schema: z.ZodObject): PolicyConfigSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
  const required = json.required ?? [];
  // zod's JSON Schema type is wider than @pulumi/policy's (draft-7 keywords only); what zod
  // emits for target draft-7 is draft 7.
  const properties = (json.properties ?? {}) as PolicyConfigSchema['properties'];
  return { properties, ...(required.length > 0 ? { required } : {}) };
}

/** A user-facing input problem (missing file, bad JSON) becomes a diagnostic, never a silent pass. */
export function describeError(err: unknown): string {
  if (err instanceof StackfitError) return err.message;
  throw err;
}

/**
 * The catalog at the price book the policy's config gives; a broken book (bad field, missing
 * stackfit.yaml or overlay) is reported as the policy's violation, never priced at list price.
 */
export function pricedView(cfg: PriceBookConfig, reportViolation: ReportViolation, subject: string): PricedView | undefined {
  try {
    return packContext().priced(cfg);
  } catch (err) {
    reportViolation(`cannot price ${subject} with the configured price book: ${describeError(err)}`);
    return undefined;
  }
}

/** pricedView for a resource policy: a broken price book is only reported on resources it would price. */
export function resourceView(cfg: PriceBookConfig, args: ResourceValidationArgs, reportViolation: ReportViolation): PricedView | undefined {
  try {
    return packContext().priced(cfg);
  } catch {
    const a = assessResourceArgs(args, packContext().priced({}));
    if (a.kind !== 'workload') pricedOrStop(a, args);
    return pricedView(cfg, reportViolation, a.kind === 'workload' ? a.priced.workload.name : nameFromUrn(args.urn));
  }
}

/** For per-resource policies: the priced workload, or why the policy does not apply / cannot run yet. */
export function pricedOrStop(a: Assessment, args: ResourceValidationArgs): PricedWorkload {
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
