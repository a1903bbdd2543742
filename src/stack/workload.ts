import { cloudOfPackage, normalizeResourceType } from '../clouds';
import type { SkippedResource, Workload } from '../model';
import { configString } from './handler';
import { numberAt, stringAt } from './values';
import { gcpRegionFromZone } from '../clouds/gcp/resources';
import { readWithKind } from './kinds';

export interface ResourceInput {
  urn: string;
  type: string;
  /** Properties: inputs merged over outputs for state, or the live args' props in a policy. */
  props: Record<string, unknown>;
  parentUrn?: string;
  /** Region (or Azure location) of the resource's provider, when the provider sets one. */
  providerRegion?: string;
  /** The stack's config, keys as `ns:key`. */
  stackConfig?: Record<string, unknown>;
}

/**
 * Turns one resource into a workload. Pure: the policy pack calls it on live CrossGuard args.
 * - `undefined`: the resource carries no size (buckets, networks, IAM, components, providers).
 * - `skipped`: sized compute that cannot be read (size secret or unknown, unsupported type).
 * - `workload`: otherwise.
 * Components that group VMs (stackfit.yaml `grouping:`) are the inventory's business: one
 * resource alone never knows its siblings.
 */
export function workloadFromResource(res: ResourceInput): { workload: Workload } | { skipped: SkippedResource } | undefined {
  // Seen alone (a policy check), a kind that yields several workloads gives its first; the inventory reads them all.
  const first = readWithKind(res)?.results[0];
  if (!first) return undefined;
  return 'workload' in first ? { workload: decorateWorkload(first.workload, res) } : first;
}

/**
 * What the inventory adds to a kind's workload from around the resource: the boot disk size (what
 * a move copies). Config references of grouped components come from stackfit.yaml `grouping:`.
 */
export function decorateWorkload(workload: Workload, res: Pick<ResourceInput, 'type' | 'props'>): Workload {
  const diskGiB = diskGiBOf(normalizeResourceType(res.type), res.props);
  return diskGiB !== undefined ? { ...workload, diskGiB } : workload;
}

/** Where each VM type sets its boot disk size (GiB): what a move has to copy. */
const DISK_PATHS: Record<string, readonly string[]> = {
  'aws:ec2/instance:Instance': ['rootBlockDevice', 'volumeSize'],
  'azure-native:compute:VirtualMachine': ['storageProfile', 'osDisk', 'diskSizeGB'],
  'gcp:compute/instance:Instance': ['bootDisk', 'initializeParams', 'size'],
};

/** The boot disk size when set and known; never throws on live policy props (unknowns read as absent). */
function diskGiBOf(type: string, props: Record<string, unknown>): number | undefined {
  const at = DISK_PATHS[type];
  if (!at) return undefined;
  try {
    const size = numberAt(props, at);
    return size !== undefined && size > 0 ? size : undefined;
  } catch {
    return undefined;
  }
}

/** The resource's own type from its URN (`…::parentType$type::name` → `type`). */
export function urnType(urn: string): string | undefined {
  const qualified = urn.split('::')[2];
  return qualified?.split('$').pop();
}

/**
 * The region a provider resource (`pulumi:providers:<pkg>`) deploys to, from its properties:
 * AWS `region`, Azure `location`, GCP `region` or the region of its `zone`.
 * Falls back to the stack config the provider would read (`aws:region`, …) when a default
 * provider sets nothing itself.
 */
export function providerRegion(
  providerType: string,
  props: Record<string, unknown>,
  stackConfig: Record<string, unknown> = {},
): string | undefined {
  const pkg = providerType.startsWith('pulumi:providers:') ? providerType.slice('pulumi:providers:'.length) : undefined;
  if (!pkg) return undefined;
  switch (cloudOfPackage(pkg)) {
    case 'aws':
      return stringAt(props, ['region']) ?? configString(stackConfig, 'aws:region');
    case 'azure':
      return stringAt(props, ['location']) ?? configString(stackConfig, `${pkg}:location`);
    case 'gcp': {
      const region = stringAt(props, ['region']) ?? configString(stackConfig, `${pkg}:region`);
      if (region) return region;
      const zone = stringAt(props, ['zone']) ?? configString(stackConfig, `${pkg}:zone`);
      return zone ? gcpRegionFromZone(zone) : undefined;
    }
    default:
      return undefined;
  }
}
