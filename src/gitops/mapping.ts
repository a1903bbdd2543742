import type { ConfigRef, Workload } from '../model';
import { matchesWorkloadKey } from '../config/index';
import type { StackfitConfig } from '../config/schema';
import { formatRef, listConfigLeaves, locateScalar, type ConfigLeaf, type ParsedStackConfig } from './updaters/stack-config';

/**
 * Step 6, first half: where in `Pulumi.<stack>.yaml` does a workload's size (and, for moves, its
 * cloud and region) come from? Three sources, most explicit first:
 *
 * 1. an explicit `mappings:` entry in stackfit.yaml (resource URN or name → config key + path);
 * 2. `workload.configRef`, set by the inventory (the example project's `workloads` map);
 * 3. inference: the one config value, anywhere in the file (inside objects and lists too, never
 *    in `secure:` values), equal to the workload's current size.
 *
 * Cloud and region are known only for 1 and 2, as keys next to the size key, named by
 * `siblingKeys:` in stackfit.yaml (the example project's: `workloads.<name>.{size,cloud,region}`).
 */

export type MappingSource = 'mapping' | 'workload' | 'inferred';

/** What the keys next to `size` may say about where and how a workload runs; their names are `siblingKeys:` in stackfit.yaml. */
export const SPEC_SIBLINGS = ['cloud', 'region', 'zone', 'arch', 'image', 'count'] as const;
export type SpecSibling = (typeof SPEC_SIBLINGS)[number];

export interface ConfigMapping {
  source: MappingSource;
  /** Refs as spelled in the file (namespaced or bare key), with numeric list indexes. */
  size: ConfigRef;
  cloud?: ConfigRef;
  region?: ConfigRef;
  /** GCP zone, architecture and image override, when set next to the size (example schema). */
  zone?: ConfigRef;
  arch?: ConfigRef;
  image?: ConfigRef;
  /** Instance count, when set next to the size: a scale-out edits it. */
  count?: ConfigRef;
  /** The values currently in the file at those refs. */
  current: { size: string } & Partial<Record<SpecSibling, string>>;
}

export type MappingResult = { ok: true; mapping: ConfigMapping } | { ok: false; reason: string };

export interface MappingContext {
  parsed: ParsedStackConfig;
  /** File name for messages (`Pulumi.prod.yaml`). */
  fileName: string;
  stack: string;
  projectName: string;
  config: StackfitConfig;
  /** Scalar values of the file, computed once per file (see `listConfigLeaves`). */
  leaves?: readonly ConfigLeaf[];
}

/**
 * Whether a config value names the same size / region / cloud as the resource. Azure treats VM
 * sizes and locations case-insensitively (and takes `East US` for `eastus`); AWS and GCP do not.
 */
/** A YAML scalar's text (string, number, boolean); undefined for null, maps and lists. */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

export function samePlaceValue(cloud: string, configValue: unknown, resourceValue: string): boolean {
  // A map or list never names a size or place.
  const text = scalarText(configValue);
  if (text === undefined) return false;
  if (text === resourceValue) return true;
  if (cloud !== 'azure') return false;
  const norm = (v: string): string => v.toLowerCase().replace(/\s+/g, '');
  return norm(text) === norm(resourceValue);
}

/** A dotted mapping path (`workloads.0.size`) or a list, as a ConfigRef path. */
export function parseMappingPath(path: string | readonly (string | number)[] | undefined): (string | number)[] {
  if (path === undefined) return [];
  if (typeof path !== 'string') return [...path];
  return path === '' ? [] : path.split('.');
}

/** Where an explicit `mappings:` entry says the size is set, and the count when it names one. */
export interface ExplicitMapping {
  size: ConfigRef;
  count?: ConfigRef;
}

/** The explicit mapping (size and count) for a workload in this stack, if any (the last matching entry wins, like rules). */
export function explicitMappingEntryFor(
  config: Pick<StackfitConfig, 'mappings'>,
  workload: Pick<Workload, 'name' | 'urn'>,
  stack: string | undefined,
): ExplicitMapping | undefined {
  let found: ExplicitMapping | undefined;
  for (const m of config.mappings) {
    if (m.stack !== undefined && m.stack !== stack) continue;
    if (!matchesWorkloadKey(m.resource, workload.name, workload.urn)) continue;
    const named = m.countKey !== undefined || m.countPath !== undefined;
    found = {
      size: { key: m.configKey, path: parseMappingPath(m.path) },
      ...(named && { count: { key: m.countKey ?? m.configKey, path: parseMappingPath(m.countPath) } }),
    };
  }
  return found;
}

/** The explicit mapping's size reference for a workload in this stack, if any. */
export function explicitMappingFor(config: StackfitConfig, workload: Pick<Workload, 'name' | 'urn'>, stack: string): ConfigRef | undefined {
  return explicitMappingEntryFor(config, workload, stack)?.size;
}

/**
 * The workload with `countRef` set when its `mappings:` entry names the count's key
 * (`countKey` / `countPath`): its count is then a decision (src/optimize/choices.ts) and a PR
 * edits that key. The workload itself when no entry names a count.
 */
export function withMappedCount(config: Pick<StackfitConfig, 'mappings'>, workload: Workload, stack: string | undefined): Workload {
  const count = explicitMappingEntryFor(config, workload, workload.stack ?? stack)?.count;
  return count ? { ...workload, countRef: count } : workload;
}

/** Finds where a workload's size (and cloud/region) is set in one stack config file. */
export function findConfigMapping(workload: Workload, ctx: MappingContext): MappingResult {
  const options = { projectName: ctx.projectName };
  const entry = explicitMappingEntryFor(ctx.config, workload, ctx.stack);
  const explicit = entry?.size;
  const given: { ref: ConfigRef; source: MappingSource } | undefined = explicit
    ? { ref: explicit, source: 'mapping' }
    : workload.configRef
      ? { ref: workload.configRef, source: 'workload' }
      : undefined;

  if (given) {
    const origin = given.source === 'mapping' ? 'the stackfit.yaml mapping' : 'the inventory';
    const found = locateScalar(ctx.parsed, given.ref, options);
    if (!found.ok) {
      return { ok: false, reason: `${origin} points at ${formatRef(given.ref)} in ${ctx.fileName}, but ${found.reason}` };
    }
    if (!samePlaceValue(workload.cloud, found.node.value, workload.size)) {
      return {
        ok: false,
        reason: `${formatRef(found.ref)} in ${ctx.fileName} is ${String(found.node.value)}, but the resource runs ${workload.size} (not deployed yet, or the mapping is wrong)`,
      };
    }
    const mapping: ConfigMapping = { source: given.source, size: found.ref, current: { size: String(found.node.value) } };
    // Cloud, region (zone, arch, image) live next to the size key, when its parent object has them.
    const last = found.ref.path[found.ref.path.length - 1];
    if (typeof last === 'string') {
      for (const property of SPEC_SIBLINGS) {
        const name = ctx.config.siblingKeys[property];
        if (name === undefined) continue;
        const sibling = locateScalar(ctx.parsed, { key: found.key, path: [...found.ref.path.slice(0, -1), name] }, options);
        if (sibling.ok && sibling.node.value !== null) {
          mapping[property] = sibling.ref;
          mapping.current[property] = scalarText(sibling.node.value) ?? '';
        }
      }
    }
    if (entry?.count) {
      // The entry's count key wins over a `count` next to the size.
      const count = locateScalar(ctx.parsed, entry.count, options);
      const value = count.ok ? scalarText(count.node.value) : undefined;
      if (!count.ok || value === undefined || !/^\d+$/.test(value)) {
        const why = count.ok ? `it is ${String(count.node.value)}, not a whole number` : count.reason;
        return {
          ok: false,
          reason: `the stackfit.yaml mapping's count points at ${formatRef(entry.count)} in ${ctx.fileName}, but ${why}`,
        };
      }
      mapping.count = count.ref;
      mapping.current.count = value;
    }
    return { ok: true, mapping };
  }

  const leaves = ctx.leaves ?? listConfigLeaves(ctx.parsed);
  const matches = leaves.filter((leaf) => typeof leaf.value === 'string' && samePlaceValue(workload.cloud, leaf.value, workload.size));
  if (matches.length === 0) {
    return { ok: false, reason: `size is not set from config: value ${workload.size} does not appear in ${ctx.fileName}` };
  }
  if (matches.length > 1) {
    const where = matches
      .slice(0, 5)
      .map((m) => `${formatRef(m.ref)} (line ${m.line})`)
      .join(', ');
    return {
      ok: false,
      reason: `value ${workload.size} appears ${matches.length} times in ${ctx.fileName} (${where}${matches.length > 5 ? ', …' : ''}): add a \`mappings:\` entry in stackfit.yaml`,
    };
  }
  const only = matches[0] as ConfigLeaf;
  return { ok: true, mapping: { source: 'inferred', size: only.ref, current: { size: String(only.value) } } };
}
