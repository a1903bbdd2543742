import Ajv, { type ErrorObject } from 'ajv';
import { z } from 'zod';
import { StackfitError } from '../model';
import { unknownPropertiesMessage } from '../policy/config';
import { READ_LIMITS, readTextBounded } from '../bounded-read';

export const ENFORCEMENT_LEVELS = ['advisory', 'mandatory', 'disabled', 'remediate'] as const;
export type EnforcementLevelName = (typeof ENFORCEMENT_LEVELS)[number];

const level = z.enum(ENFORCEMENT_LEVELS);

/**
 * A `--policy-pack-config` file: keys are policy names or `all`; a value is a level string or
 * `{ enforcementLevel?, ...properties }`.
 */
export const policyPackConfigFileSchema = z.record(
  z.string().min(1),
  z.union([level, z.looseObject({ enforcementLevel: level.optional() })]),
);
export type PolicyPackConfigFile = z.infer<typeof policyPackConfigFileSchema>;

/** What the pack says about one policy in GetAnalyzerInfo. */
export interface PolicyInfoView {
  name: string;
  description: string;
  type: 'resource' | 'stack' | 'unknown';
  enforcementLevel: EnforcementLevelName;
  severity?: string;
  remediationSteps?: string;
  url?: string;
  configSchema?: { properties: Record<string, unknown>; required: string[] };
}

export interface PackInfoView {
  name: string;
  version: string;
  supportsConfig: boolean;
  policies: PolicyInfoView[];
  /** The pack's own initial config (PolicyPack's third argument). */
  initialConfig: Record<string, { enforcementLevel?: EnforcementLevelName; properties?: Record<string, unknown> }>;
}

export interface EffectivePolicyConfig {
  enforcementLevel: EnforcementLevelName;
  properties: Record<string, unknown>;
}

export function parsePolicyPackConfigFile(path: string): PolicyPackConfigFile {
  const text = readTextBounded(path, READ_LIMITS.policyConfigBytes, 'policy pack config');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StackfitError(`not valid JSON: ${(err as Error).message}`, path);
  }
  return parsePolicyPackConfig(json, path);
}

export function parsePolicyPackConfig(json: unknown, where = 'policy pack config'): PolicyPackConfigFile {
  // zod's record drops a `__proto__` key, so the unknown-policy check never saw it: it was ignored silently.
  if (json !== null && typeof json === 'object' && Object.prototype.hasOwnProperty.call(json, '__proto__'))
    throw new StackfitError('"__proto__" is not a policy name', where);
  const parsed = policyPackConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StackfitError(`${issue.path.join('.') || '(root)'}: ${issue.message}`, where);
  }
  return parsed.data;
}

function split(value: PolicyPackConfigFile[string] | undefined): {
  enforcementLevel?: EnforcementLevelName;
  properties: Record<string, unknown>;
} {
  if (value === undefined) return { properties: {} };
  if (typeof value === 'string') return { enforcementLevel: value, properties: {} };
  const { enforcementLevel, ...properties } = value;
  return { ...(enforcementLevel ? { enforcementLevel } : {}), properties };
}

const ajv = new Ajv({ allErrors: true, strict: false });

function describeAjv(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(config)'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`,
    )
    .join('; ');
}

/**
 * Merges policy config as the Pulumi CLI does before `Configure`: for each policy its own level
 * and the `default`s of its configSchema, then the pack's initial config, then `all` (an
 * enforcement level for every policy, nothing else), then the policy's own entry; the result is validated
 * against the policy's configSchema. A key naming no policy of the pack is an error.
 */
export function mergePolicyConfig(
  info: PackInfoView,
  user: PolicyPackConfigFile = {},
  where = 'policy pack config',
): Record<string, EffectivePolicyConfig> {
  const known = new Set(info.policies.map((p) => p.name));
  for (const key of Object.keys(user)) {
    if (key !== 'all' && !known.has(key)) {
      throw new StackfitError(`"${key}" is not a policy of pack ${info.name} (policies: ${[...known].join(', ')})`, where);
    }
  }
  const all = split(user.all);
  // The CLI takes only an enforcement level from `all` (pkg/resource/analyzer applyConfig):
  // properties there would pass here and silently do nothing in `pulumi preview`.
  if (Object.keys(all.properties).length > 0) {
    throw new StackfitError(
      `"all" takes only an enforcement level; the Pulumi CLI ignores its other properties (${Object.keys(all.properties).join(', ')}): set them on each policy`,
      where,
    );
  }
  const out: Record<string, EffectivePolicyConfig> = {};
  for (const policy of info.policies) {
    const defaults: Record<string, unknown> = {};
    for (const [k, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if (schema && typeof schema === 'object' && 'default' in schema) defaults[k] = schema.default;
    }
    const initial = info.initialConfig[policy.name] ?? {};
    const own = split(user[policy.name]);
    const enforcementLevel = own.enforcementLevel ?? all.enforcementLevel ?? initial.enforcementLevel ?? policy.enforcementLevel;
    const properties = { ...defaults, ...initial.properties, ...own.properties };
    if (policy.configSchema) {
      const unknown = unknownPropertiesMessage(Object.keys(own.properties), Object.keys(policy.configSchema.properties));
      if (unknown) throw new StackfitError(`invalid config for policy ${policy.name}: ${unknown}`, where);
      const schema = { type: 'object', properties: policy.configSchema.properties, required: policy.configSchema.required };
      const validate = ajv.compile(schema);
      if (!validate(properties)) {
        throw new StackfitError(`invalid config for policy ${policy.name}: ${describeAjv(validate.errors)}`, where);
      }
    } else if (Object.keys(own.properties).length > 0) {
      throw new StackfitError(`policy ${policy.name} takes no configuration, got ${Object.keys(own.properties).join(', ')}`, where);
    }
    out[policy.name] = { enforcementLevel, properties };
  }
  return out;
}
