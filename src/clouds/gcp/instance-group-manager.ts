import { configString } from '../../stack/handler';
import { lookup, stringAt } from '../../stack/values';
import { objectsAt, poolInfo, readCount, skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { gcpRegionFromZone, lastSegment } from './resources';

/**
 * Managed instance groups (`gcp:compute/instanceGroupManager:InstanceGroupManager`, zonal, and
 * `regionInstanceGroupManager`): `targetSize` VMs shaped by the instance template of
 * `versions[0]`. The template is accounted for by the group, not priced on its own.
 */

const TEMPLATE_TYPES = ['gcp:compute/instanceTemplate:InstanceTemplate', 'gcp:compute/regionInstanceTemplate:RegionInstanceTemplate'];

export function readInstanceGroupManager(ctx: KindContext): KindResult {
  const versions = objectsAt(ctx.props, ['versions']);
  if ('skip' in versions) return skipOnly(versions.skip);
  if ('missing' in versions || versions.items.length === 0) return skipOnly('no versions[].instanceTemplate: the machine type is unknown');
  if (versions.items.length > 1) return skipOnly(`${versions.items.length} versions (a canary): no single machine type to size`);
  const version = versions.items[0]!;
  if (lookup(version, ['instanceTemplate']).kind === 'unknown')
    return skipOnly('instance template (versions[0].instanceTemplate) is an unresolved output');
  const ref = stringAt(version, ['instanceTemplate']);
  if (!ref) return skipOnly('no versions[0].instanceTemplate: the machine type is unknown');
  const template = TEMPLATE_TYPES.map((type) => ctx.find(ref, type) ?? ctx.find(lastSegment(ref), type)).find((t) => t !== undefined);
  if (!template) return skipOnly(`instance template ${lastSegment(ref)} is not in this stack: its machine type is unknown`);
  const machineType = stringAt(template.props, ['machineType']);
  if (!machineType) return skipOnly(`instance template ${lastSegment(ref)} sets no known machine type`);
  const target = readCount(ctx.props, ['targetSize']);
  // Skipped for its count, the group still accounts for its template (never priced as one VM).
  if ('skip' in target) return { ...skipOnly(target.skip), consumes: [template.urn] };
  // Without targetSize an autoscaler owns the size: its current count is not in the resource.
  if ('missing' in target)
    return { ...skipOnly('no targetSize (an autoscaler sets the size): node count unknown'), consumes: [template.urn] };
  const rawZone = stringAt(ctx.props, ['zone']);
  const zone = rawZone ? lastSegment(rawZone) : undefined;
  const rawRegion = stringAt(ctx.props, ['region']);
  const region =
    (zone && gcpRegionFromZone(zone)) ??
    (rawRegion ? lastSegment(rawRegion) : undefined) ??
    ctx.providerRegion ??
    configString(ctx.stackConfig, 'gcp:region');
  const project = stringAt(ctx.props, ['project']) ?? configString(ctx.stackConfig, 'gcp:project');
  const scheduling = lookup(template.props, ['scheduling', 'provisioningModel']);
  const preemptible = lookup(template.props, ['scheduling', 'preemptible']);
  const spot = (scheduling.kind === 'value' && scheduling.value === 'SPOT') || (preemptible.kind === 'value' && preemptible.value === true);
  const poolName = stringAt(ctx.props, ['name']);
  return {
    workloads: [
      {
        urn: ctx.urn,
        name: ctx.name,
        type: ctx.type,
        kind: 'vm',
        cloud: 'gcp',
        ...(region ? { region } : {}),
        ...(zone ? { zone } : {}),
        size: lastSegment(machineType),
        count: target.count,
        metricIds: {
          name: ctx.name,
          ...(project ? { gcpProject: project } : {}),
          ...(zone ? { gcpZone: zone } : {}),
          ...(poolName ? { gcpInstanceGroup: poolName } : {}),
        },
        pool: poolInfo({ kind: 'vm-group', spot, ...(poolName ? { poolName } : {}) }),
      },
    ],
    skipped: [],
    consumes: [template.urn],
  };
}

export const instanceGroupManager: ResourceKind = {
  cloud: 'gcp',
  types: ['gcp:compute/instanceGroupManager:InstanceGroupManager', 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager'],
  read: readInstanceGroupManager,
};
