import type { Workload } from '../../model';
import { configString } from '../../stack/handler';
import { booleanAt, lookup, stringAt } from '../../stack/values';
import { optionalCount, poolInfo, readCount, skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { gcpRegionFromZone, lastSegment } from './resources';

/**
 * GKE node pools: `gcp:container/nodePool:NodePool` and a `gcp:container/cluster:Cluster`'s
 * default pool (unless `removeDefaultNodePool`). GKE counts are PER ZONE (`nodeCount`,
 * `autoscaling.minNodeCount/maxNodeCount`): nodes = per-zone count × zones, the zones being
 * `nodeLocations`, else the pool's zone (zonal), else the cluster's `nodeLocations`, else the
 * three zones GKE gives a regional cluster. Nodes carry `cloud.google.com/gke-nodepool=<pool>`.
 */

const CLUSTER_TYPE = 'gcp:container/cluster:Cluster';
export const GKE_POOL_LABEL = 'cloud.google.com/gke-nodepool';
/** GKE's machine type when `nodeConfig.machineType` is not set. */
export const GKE_DEFAULT_MACHINE_TYPE = 'e2-medium';
/** Zones GKE spreads a regional cluster over when `nodeLocations` is not set. */
export const GKE_REGIONAL_DEFAULT_ZONES = 3;

function isZone(location: string): boolean {
  return gcpRegionFromZone(location) !== undefined;
}

function listLength(props: Record<string, unknown>, path: readonly string[]): number | undefined {
  const found = lookup(props, path);
  return found.kind === 'value' && Array.isArray(found.value) && found.value.length > 0 ? found.value.length : undefined;
}

/**
 * The pool's managed instance groups (one per zone; both blue and green during a blue-green
 * upgrade) by name, from the `instanceGroupUrls` output: the name Cloud Monitoring's
 * `metadata.system_labels.instance_group` carries on each node VM. Absent before deployment.
 */
export function instanceGroupNames(props: Record<string, unknown>): string[] | undefined {
  const found = lookup(props, ['instanceGroupUrls']);
  if (found.kind !== 'value' || !Array.isArray(found.value)) return undefined;
  const names = found.value.filter((u): u is string => typeof u === 'string' && u.length > 0).map(lastSegment);
  return names.length > 0 ? [...new Set(names)] : undefined;
}

function gkePool(
  ctx: KindContext,
  opts: {
    countPaths: string[][];
    cluster?: Record<string, unknown>;
    clusterName?: string;
    poolName: string;
    urn: string;
    name: string;
    instanceGroups?: string[];
  },
): { workload: Workload } | { skip: string } {
  const typeField = ['nodeConfig', 'machineType'];
  const type = lookup(ctx.props, typeField);
  if (type.kind === 'unknown' || type.kind === 'secret')
    return { skip: `machine type (nodeConfig.machineType) is ${type.kind === 'unknown' ? 'unknown during preview' : 'a secret'}` };
  const size = type.kind === 'value' && typeof type.value === 'string' ? lastSegment(type.value) : GKE_DEFAULT_MACHINE_TYPE;
  let perZone: number | undefined;
  for (const path of opts.countPaths) {
    const found = readCount(ctx.props, path);
    if ('skip' in found) return found;
    if ('count' in found) {
      perZone = found.count;
      break;
    }
  }
  if (perZone === undefined) return { skip: `no node count set (${opts.countPaths.map((p) => p.join('.')).join(', ')})` };
  const rawLocation =
    stringAt(ctx.props, ['location']) ??
    (opts.cluster && stringAt(opts.cluster, ['location'])) ??
    configString(ctx.stackConfig, 'gcp:region');
  const location = rawLocation ? lastSegment(rawLocation) : undefined;
  const zones =
    listLength(ctx.props, ['nodeLocations']) ??
    (location && isZone(location) ? 1 : undefined) ??
    (opts.cluster && listLength(opts.cluster, ['nodeLocations'])) ??
    GKE_REGIONAL_DEFAULT_ZONES;
  const region = location ? (gcpRegionFromZone(location) ?? location) : ctx.providerRegion;
  const totalMin = optionalCount(ctx.props, ['autoscaling', 'totalMinNodeCount']);
  const totalMax = optionalCount(ctx.props, ['autoscaling', 'totalMaxNodeCount']);
  const zoneMin = optionalCount(ctx.props, ['autoscaling', 'minNodeCount']);
  const zoneMax = optionalCount(ctx.props, ['autoscaling', 'maxNodeCount']);
  const spot = booleanAt(ctx.props, ['nodeConfig', 'spot']) === true || booleanAt(ctx.props, ['nodeConfig', 'preemptible']) === true;
  const imageType = stringAt(ctx.props, ['nodeConfig', 'imageType']);
  const project = stringAt(ctx.props, ['project']) ?? configString(ctx.stackConfig, 'gcp:project');
  return {
    workload: {
      urn: opts.urn,
      name: opts.name,
      type: ctx.type,
      kind: 'vm',
      cloud: 'gcp',
      ...(region ? { region } : {}),
      ...(location && isZone(location) ? { zone: location } : {}),
      size,
      count: perZone * zones,
      // Windows Server node images pay the Windows licence (GKE imageType WINDOWS_LTSC_CONTAINERD, WINDOWS_SAC…).
      ...(typeof imageType === 'string' &&
        /^windows/i.test(imageType) && { os: 'windows' as const, osEvidence: `nodeConfig.imageType ${imageType}` }),
      metricIds: {
        name: opts.name,
        ...(project ? { gcpProject: project } : {}),
        ...(opts.instanceGroups ? { gcpInstanceGroups: opts.instanceGroups } : {}),
      },
      pool: poolInfo({
        kind: 'kubernetes',
        min: totalMin ?? (zoneMin !== undefined ? zoneMin * zones : undefined),
        max: totalMax ?? (zoneMax !== undefined ? zoneMax * zones : undefined),
        spot,
        cluster: opts.clusterName,
        poolName: opts.poolName,
        nodeLabel: GKE_POOL_LABEL,
        zones,
        maxPodsPerNode: optionalCount(ctx.props, ['maxPodsPerNode']) ?? optionalCount(opts.cluster ?? ctx.props, ['defaultMaxPodsPerNode']),
      }),
    },
  };
}

function toResult(found: { workload: Workload } | { skip: string }): KindResult {
  return 'workload' in found ? { workloads: [found.workload], skipped: [], consumes: [] } : skipOnly(found.skip);
}

export function readNodePool(ctx: KindContext): KindResult {
  const clusterRef = stringAt(ctx.props, ['cluster']);
  const clusterName = clusterRef ? lastSegment(clusterRef) : undefined;
  const cluster = clusterRef
    ? (ctx.find(clusterRef, CLUSTER_TYPE) ?? ctx.ofType(CLUSTER_TYPE).find((c) => stringAt(c.props, ['name']) === clusterName))
    : undefined;
  const poolName = stringAt(ctx.props, ['name']) ?? ctx.name;
  const instanceGroups = instanceGroupNames(ctx.props);
  return toResult(
    gkePool(ctx, {
      countPaths: [['nodeCount'], ['initialNodeCount']],
      ...(instanceGroups ? { instanceGroups } : {}),
      ...(cluster ? { cluster: cluster.props } : {}),
      ...(clusterName ? { clusterName } : {}),
      poolName,
      urn: ctx.urn,
      name: ctx.name,
    }),
  );
}

export function readCluster(ctx: KindContext): KindResult {
  const remove = lookup(ctx.props, ['removeDefaultNodePool']);
  if (remove.kind === 'value' && (remove.value === true || remove.value === 'true')) return { workloads: [], skipped: [], consumes: [] };
  // Autopilot clusters have no node pools to size (Google sizes nodes from pod requests).
  if (booleanAt(ctx.props, ['enableAutopilot']) === true) return { workloads: [], skipped: [], consumes: [] };
  const clusterName = stringAt(ctx.props, ['name']) ?? ctx.name;
  // The default pool's groups: the cluster's `nodePools` output lists it with its instanceGroupUrls.
  const nodePools = lookup(ctx.props, ['nodePools']);
  const defaultPool =
    nodePools.kind === 'value' && Array.isArray(nodePools.value)
      ? (nodePools.value as unknown[]).find(
          (p): p is Record<string, unknown> =>
            typeof p === 'object' && p !== null && (p as Record<string, unknown>).name === 'default-pool',
        )
      : undefined;
  const instanceGroups = defaultPool ? instanceGroupNames(defaultPool) : undefined;
  return toResult(
    gkePool(ctx, {
      countPaths: [['initialNodeCount']],
      ...(instanceGroups ? { instanceGroups } : {}),
      clusterName,
      poolName: 'default-pool',
      urn: ctx.urn,
      name: `${ctx.name}/default-pool`,
    }),
  );
}

export const gkeNodePool: ResourceKind = { cloud: 'gcp', types: ['gcp:container/nodePool:NodePool'], read: readNodePool };
export const gkeCluster: ResourceKind = { cloud: 'gcp', types: [CLUSTER_TYPE], read: readCluster };
