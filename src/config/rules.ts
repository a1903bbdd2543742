import type { Arch, Cloud, Workload } from '../model';
import { CLOUDS } from '../model';
import type { StackfitConfig } from './schema';
import { matchesWorkloadKey } from './index';

/** The rules in force for one workload: global settings overlaid with every matching per-workload entry. */
export interface ResolvedRule {
  cpuPercentile: number;
  memoryPercentile: number;
  cpuHeadroom: number;
  memoryHeadroom: number;
  minHistoryHours: number;
  horizonDays: number;
  /** Keep as is: no candidates other than the current offering. */
  pin: boolean;
  /** May change cloud/region (otherwise only the size changes). */
  allowMove: boolean;
  clouds: readonly Cloud[];
  /** Allowed regions per cloud; a cloud absent here allows every region. */
  regions: Partial<Record<Cloud, readonly string[]>>;
  /** Undefined: keep the current architecture. */
  arch?: readonly Arch[];
  families?: readonly string[];
  excludeFamilies: readonly string[];
  allowPreviousGeneration: boolean;
  /** Marked interruptible: spot prices where the catalog has them (with the eviction caveat). */
  interruptible?: boolean;
  /** Count as a decision (undefined: decided by whether the inventory knows the count's config key). */
  scaleOut?: boolean;
  minCount?: number;
  maxCount?: number;
  /** Instances that may be lost while the rest carry the peak (undefined: the documented default). */
  survive?: number;
  /** Default 4 (see the optimiser). */
  maxStepDown?: number;
  minVcpu?: number;
  minMemoryGiB?: number;
  /** Default 0: cost only. */
  riskAversion?: number;
}

/** Resolves the rules for a workload. Later entries in `workloads:` override earlier ones. */
export function ruleFor(config: StackfitConfig, workload: Pick<Workload, 'name' | 'urn'>): ResolvedRule {
  const base: ResolvedRule = {
    cpuPercentile: config.cpuPercentile,
    memoryPercentile: config.memoryPercentile,
    cpuHeadroom: config.cpuHeadroom,
    memoryHeadroom: config.memoryHeadroom,
    minHistoryHours: config.minHistoryHours,
    horizonDays: config.horizonDays,
    pin: false,
    allowMove: config.allowMove,
    clouds: config.placement.clouds ?? CLOUDS,
    regions: config.placement.regions ?? {},
    arch: config.placement.arch,
    families: config.placement.families,
    excludeFamilies: config.placement.excludeFamilies ?? [],
    allowPreviousGeneration: config.placement.allowPreviousGeneration ?? false,
  };
  for (const [key, rule] of Object.entries(config.workloads)) {
    if (!matchesWorkloadKey(key, workload.name, workload.urn)) continue;
    Object.assign(base, {
      ...(rule.cpuPercentile !== undefined && { cpuPercentile: rule.cpuPercentile }),
      ...(rule.memoryPercentile !== undefined && { memoryPercentile: rule.memoryPercentile }),
      ...(rule.cpuHeadroom !== undefined && { cpuHeadroom: rule.cpuHeadroom }),
      ...(rule.memoryHeadroom !== undefined && { memoryHeadroom: rule.memoryHeadroom }),
      ...(rule.pin !== undefined && { pin: rule.pin }),
      ...(rule.allowMove !== undefined && { allowMove: rule.allowMove }),
      ...(rule.clouds && { clouds: rule.clouds }),
      ...(rule.regions && { regions: rule.regions }),
      ...(rule.arch && { arch: rule.arch }),
      ...(rule.families && { families: rule.families }),
      ...(rule.excludeFamilies && { excludeFamilies: rule.excludeFamilies }),
      ...(rule.allowPreviousGeneration !== undefined && { allowPreviousGeneration: rule.allowPreviousGeneration }),
      ...(rule.interruptible !== undefined && { interruptible: rule.interruptible }),
      ...(rule.scaleOut !== undefined && { scaleOut: rule.scaleOut }),
      ...(rule.minCount !== undefined && { minCount: rule.minCount }),
      ...(rule.maxCount !== undefined && { maxCount: rule.maxCount }),
      ...(rule.survive !== undefined && { survive: rule.survive }),
      ...(rule.maxStepDown !== undefined && { maxStepDown: rule.maxStepDown }),
      ...(rule.minVcpu !== undefined && { minVcpu: rule.minVcpu }),
      ...(rule.minMemoryGiB !== undefined && { minMemoryGiB: rule.minMemoryGiB }),
      ...(rule.riskAversion !== undefined && { riskAversion: rule.riskAversion }),
    });
  }
  return base;
}

/**
 * Entries of stackfit.yaml that select workloads but match none in this run's inventory (a typo,
 * a renamed resource, a glob that is too narrow): each silently does nothing, so each is listed,
 * as the field path a user finds in the file. `workloads`, `mappings` (of this stack) and
 * `pools.overrides` match by name, URN or glob; `groups` by the workloads' group.
 */
export function unmatchedConfigEntries(
  config: StackfitConfig,
  workloads: readonly Pick<Workload, 'name' | 'urn' | 'group'>[],
  stack?: string,
): string[] {
  const matchesAny = (key: string) => workloads.some((w) => matchesWorkloadKey(key, w.name, w.urn));
  const out: string[] = [];
  for (const key of Object.keys(config.workloads)) if (!matchesAny(key)) out.push(`workloads.${JSON.stringify(key)}`);
  config.mappings.forEach((m, i) => {
    if (m.stack !== undefined && stack !== undefined && m.stack !== stack) return;
    if (!matchesAny(m.resource)) out.push(`mappings[${i}].resource ${JSON.stringify(m.resource)}`);
  });
  for (const key of Object.keys(config.pools.overrides)) if (!matchesAny(key)) out.push(`pools.overrides.${JSON.stringify(key)}`);
  const groups = new Set(workloads.map((w) => w.group));
  for (const key of Object.keys(config.groups)) if (!groups.has(key)) out.push(`groups.${JSON.stringify(key)}`);
  return out;
}

/**
 * The warnings `recommend` and `pr` print for `unmatchedConfigEntries`, one per entry, naming the
 * file the entry is in and the stack it was matched against.
 */
export function unmatchedConfigWarnings(
  config: StackfitConfig,
  configFile: string,
  workloads: readonly Pick<Workload, 'name' | 'urn' | 'group'>[],
  stack?: string,
): string[] {
  const where = stack ? `stack ${stack}` : 'this stack';
  return unmatchedConfigEntries(config, workloads, stack).map((entry) => `${configFile}: ${entry} matches no workload of ${where}`);
}

type WorkloadRuleField = keyof StackfitConfig['workloads'][string];

/**
 * Where a resolved rule field came from: `workloads.<key>.<field>` of the last entry matching the
 * workload that sets it (as ruleFor resolves), for messages that name the field to change.
 */
export function ruleFieldPath(config: StackfitConfig, workload: Pick<Workload, 'name' | 'urn'>, field: WorkloadRuleField): string {
  let found: string | undefined;
  for (const [key, rule] of Object.entries(config.workloads))
    if (rule[field] !== undefined && matchesWorkloadKey(key, workload.name, workload.urn)) found = key;
  return found === undefined ? `workloads.${field}` : `workloads.${/^[\w-]+$/.test(found) ? found : JSON.stringify(found)}.${field}`;
}
