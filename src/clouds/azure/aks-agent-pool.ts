import type { Workload } from '../../model';
import { configString } from '../../stack/handler';
import { lookup, stringAt } from '../../stack/values';
import { objectsAt, optionalCount, poolInfo, readCount, skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { normalizeAzureLocation } from './resources';
import { classifyOsName, HYBRID_BENEFIT, osFields, plainAt, type OsFinding } from '../../stack/os';

/**
 * A pool's node OS: `osType` (`Linux` by default, `Windows`) or `osSKU` (`Windows2019`,
 * `Windows2022`). Windows nodes pay the Windows rate unless the cluster's
 * `windowsProfile.licenseType` is `Windows_Server` (Azure Hybrid Benefit on AKS: the base
 * compute rate, which is the Linux rate). Without it a Windows pool would be priced and sized
 * at Linux rates it does not pay.
 */
function aksPoolOs(
  props: Record<string, unknown>,
  at: (key: string) => string[],
  cluster: Record<string, unknown> | undefined,
): OsFinding | undefined {
  let found: OsFinding | undefined;
  for (const key of ['osType', 'osSKU']) {
    const value = plainAt(props, at(key));
    if (typeof value === 'string' && value !== '' && (found === undefined || /^windows/i.test(value)))
      found = classifyOsName(value, at(key).join('.'));
  }
  // osSKU names a Linux distribution (Ubuntu, AzureLinux, CBLMariner): the Linux rate.
  if (found?.os === 'unknown') found = { os: 'linux', osEvidence: found.osEvidence };
  if (found?.os !== 'windows') return found;
  const licence = cluster ? plainAt(cluster, ['windowsProfile', 'licenseType']) : undefined;
  if (typeof licence === 'string' && /^windows_server$/i.test(licence))
    return {
      os: 'linux',
      osEvidence: `${HYBRID_BENEFIT} (windowsProfile.licenseType ${licence}): billed at the base compute (Linux) rate`,
    };
  return found;
}

/**
 * AKS node pools: `azure-native:containerservice:AgentPool` and the `agentPoolProfiles` of a
 * `ManagedCluster` (`vmSize`, `count`, `enableAutoScaling` with `minCount`/`maxCount`,
 * `scaleSetPriority: Spot`). AKS labels every node `kubernetes.azure.com/agentpool=<pool>`.
 */

const AGENT_POOL_TYPE = 'azure-native:containerservice:AgentPool';
const MANAGED_CLUSTER_TYPE = 'azure-native:containerservice:ManagedCluster';
export const AKS_POOL_LABEL = 'kubernetes.azure.com/agentpool';

function poolWorkload(
  ctx: KindContext,
  props: Record<string, unknown>,
  at: (key: string) => string[],
  ids: { urn: string; name: string; poolName: string; cluster?: string; location?: string; clusterProps?: Record<string, unknown> },
): { workload: Workload } | { skip: string } {
  const sizeField = at('vmSize');
  const size = lookup(props, sizeField);
  if (size.kind === 'unknown') return { skip: `VM size (${sizeField.join('.')}) is unknown during preview` };
  if (size.kind === 'secret') return { skip: `VM size (${sizeField.join('.')}) is a secret: not read` };
  if (size.kind === 'missing' || typeof size.value !== 'string')
    return { skip: `no VM size set (${sizeField.join('.')}): AKS picks a regional default stackfit cannot know` };
  const count = readCount(props, at('count'));
  if ('skip' in count) return count;
  if ('missing' in count) return { skip: `no node count set (${at('count').join('.')})` };
  const location = ids.location ?? ctx.providerRegion ?? configString(ctx.stackConfig, 'azure-native:location');
  const region = location ? normalizeAzureLocation(location) : undefined;
  const autoscaling = lookup(props, at('enableAutoScaling'));
  const scales = autoscaling.kind === 'value' && autoscaling.value === true;
  const priority = stringAt(props, at('scaleSetPriority'));
  return {
    workload: {
      urn: ids.urn,
      name: ids.name,
      type: ctx.type,
      kind: 'vm',
      cloud: 'azure',
      ...(region ? { region } : {}),
      size: size.value,
      count: count.count,
      ...osFields(aksPoolOs(props, at, ids.clusterProps)),
      metricIds: { name: ids.name },
      pool: poolInfo({
        kind: 'kubernetes',
        min: scales ? optionalCount(props, at('minCount')) : undefined,
        max: scales ? optionalCount(props, at('maxCount')) : undefined,
        spot: priority?.toLowerCase() === 'spot',
        cluster: ids.cluster,
        poolName: ids.poolName,
        nodeLabel: AKS_POOL_LABEL,
        maxPodsPerNode: optionalCount(props, at('maxPods')),
      }),
    },
  };
}

function toResult(found: { workload: Workload } | { skip: string }, suffix?: string): KindResult {
  return 'workload' in found
    ? { workloads: [found.workload], skipped: [], consumes: [] }
    : { workloads: [], skipped: [{ ...(suffix ? { suffix } : {}), reason: found.skip }], consumes: [] };
}

export function readAgentPool(ctx: KindContext): KindResult {
  const cluster = stringAt(ctx.props, ['resourceName']);
  const poolName = stringAt(ctx.props, ['agentPoolName']) ?? stringAt(ctx.props, ['name']) ?? ctx.name;
  const owner = cluster
    ? ctx.ofType(MANAGED_CLUSTER_TYPE).find((c) => (stringAt(c.props, ['resourceName']) ?? stringAt(c.props, ['name'])) === cluster)
    : undefined;
  const location = owner ? stringAt(owner.props, ['location']) : undefined;
  return toResult(
    poolWorkload(ctx, ctx.props, (key) => [key], {
      urn: ctx.urn,
      name: ctx.name,
      poolName,
      ...(cluster ? { cluster } : {}),
      ...(location ? { location } : {}),
      ...(owner ? { clusterProps: owner.props } : {}),
    }),
  );
}

export function readManagedCluster(ctx: KindContext): KindResult {
  const profiles = objectsAt(ctx.props, ['agentPoolProfiles']);
  if ('skip' in profiles) return skipOnly(profiles.skip);
  if ('missing' in profiles) return { workloads: [], skipped: [], consumes: [] };
  const cluster = stringAt(ctx.props, ['resourceName']) ?? stringAt(ctx.props, ['name']) ?? ctx.name;
  const location = stringAt(ctx.props, ['location']);
  // A cluster's outputs list every pool, also those declared as AgentPool resources: those are read there.
  const separate = new Set(
    ctx
      .ofType(AGENT_POOL_TYPE)
      .filter((p) => stringAt(p.props, ['resourceName']) === cluster)
      .map((p) => stringAt(p.props, ['agentPoolName']) ?? stringAt(p.props, ['name'])),
  );
  const out: KindResult = { workloads: [], skipped: [], consumes: [] };
  profiles.items.forEach((profile, index) => {
    const poolName = stringAt(profile, ['name']) ?? `agentPoolProfiles[${index}]`;
    if (separate.has(poolName)) return;
    const found = poolWorkload(ctx, profile, (key) => [key], {
      urn: `${ctx.urn}/${poolName}`,
      name: `${ctx.name}/${poolName}`,
      poolName,
      cluster,
      ...(location ? { location } : {}),
      clusterProps: ctx.props,
    });
    const one = toResult(found, poolName);
    out.workloads.push(...one.workloads);
    out.skipped.push(...one.skipped);
  });
  return out;
}

export const aksAgentPool: ResourceKind = { cloud: 'azure', types: [AGENT_POOL_TYPE], read: readAgentPool };
export const aksManagedCluster: ResourceKind = { cloud: 'azure', types: [MANAGED_CLUSTER_TYPE], read: readManagedCluster };
