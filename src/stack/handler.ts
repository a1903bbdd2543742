import type { Cloud, Workload } from '../model';
import { lookup, stringAt } from './values';

/**
 * The contract between the inventory and per-cloud knowledge (`src/clouds/<cloud>/resources.ts`):
 * a handler names the Pulumi types it understands and turns one resource's properties into a
 * workload, or says why it cannot.
 */
export interface ResourceContext {
  urn: string;
  /** Type token, with any azure-native API version already removed. */
  type: string;
  name: string;
  /** Inputs merged over outputs (see `mergeProps`); for live policy args, what the pack sees. */
  props: Record<string, unknown>;
  /** Region (AWS `region`, Azure `location`, GCP `region`) of the resource's provider, when set. */
  providerRegion?: string;
  /** The stack's config, keys as `ns:key` (`aws:region`, `gcp:zone`, `azure-native:location`). */
  stackConfig: Record<string, unknown>;
}

export type ReadResult = { workload: Workload } | { skip: string };

export interface ResourceHandler {
  cloud: Cloud;
  types: readonly string[];
  read(ctx: ResourceContext): ReadResult;
  /** Set by `unsupportedTypes`: a registered resource kind may take these types over. */
  unsupported?: true;
}

/** Tag / label that assigns a workload to a group (set by the example project on every VM). */
export const GROUP_TAG = 'stackfit-group';
/** Tag / label naming the example project's workload (config key) a VM belongs to. */
export const WORKLOAD_TAG = 'stackfit-workload';

/**
 * Reads the property that holds the size. A secret or unknown is never read as a size: the
 * resource is skipped with the reason.
 */
export function readSize(ctx: ResourceContext, path: readonly string[]): { size: string } | { skip: string } {
  const field = path.join('.');
  const found = lookup(ctx.props, path);
  switch (found.kind) {
    case 'secret':
      return { skip: `size (${field}) is a secret: not read` };
    case 'unknown':
      return { skip: `size (${field}) is unknown during preview` };
    case 'missing':
      return { skip: `no size set (${field} is empty)` };
    case 'value':
      if (typeof found.value !== 'string') return { skip: `size (${field}) is not a string` };
      return { size: found.value };
  }
}

/** A string stack-config value (`aws:region`, …); structured and secure values do not count. */
export function configString(stackConfig: Record<string, unknown>, key: string): string | undefined {
  const value = stackConfig[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The fields every handler fills the same way. */
export function baseWorkload(ctx: ResourceContext): Pick<Workload, 'urn' | 'name' | 'type'> {
  return { urn: ctx.urn, name: ctx.name, type: ctx.type };
}

export function groupFromTags(tags: Record<string, string>): string | undefined {
  const group = tags[GROUP_TAG];
  return group === undefined || group === '' ? undefined : group;
}

/** A handler for sized compute stackfit recognises but does not size yet: always skipped, with why. */
export function unsupportedTypes(cloud: Cloud, types: readonly string[], why: string): ResourceHandler {
  return {
    cloud,
    types,
    read: (ctx) => ({ skip: `unsupported type: ${ctx.type} (${why})` }),
    unsupported: true,
  };
}

/** `hostname`-like string at one of `paths`, first found. */
export function firstString(props: Record<string, unknown>, paths: readonly (readonly string[])[]): string | undefined {
  for (const path of paths) {
    const value = stringAt(props, path);
    if (value !== undefined) return value;
  }
  return undefined;
}
