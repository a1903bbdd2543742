import type { Workload } from '../../model';
import { baseWorkload, configString, firstString, groupFromTags } from '../../stack/handler';
import { osFields } from '../../stack/os';
import { gcpDedicated, gcpSpot } from '../../stack/purchase';
import { stringAt, stringMapAt } from '../../stack/values';
import { singleResourceKind, type ResourceKind } from '../kind';
import { gcpInstanceOs, gcpRegionFromZone, lastSegment, project, sizeName } from './resources';

/** `gcp:compute/instance:Instance`: one VM of its machine type. */
export const gcpInstance: ResourceKind = singleResourceKind({
  cloud: 'gcp',
  types: ['gcp:compute/instance:Instance'],
  read(ctx) {
    const size = sizeName(ctx);
    if ('skip' in size) return size;
    const rawZone = stringAt(ctx.props, ['zone']) ?? configString(ctx.stackConfig, 'gcp:zone');
    const zone = rawZone ? lastSegment(rawZone) : undefined;
    const region = (zone && gcpRegionFromZone(zone)) ?? ctx.providerRegion ?? configString(ctx.stackConfig, 'gcp:region');
    const instanceId = stringAt(ctx.props, ['instanceId']);
    const gcpProject = project(ctx);
    // GCE names the guest after the instance unless `hostname` is set.
    const hostname = firstString(ctx.props, [['hostname'], ['name']]);
    const group = groupFromTags(stringMapAt(ctx.props, ['labels']));
    const workload: Workload = {
      ...baseWorkload(ctx),
      kind: 'vm',
      cloud: 'gcp',
      ...(region ? { region } : {}),
      ...(zone ? { zone } : {}),
      size: size.size,
      count: 1,
      ...(group ? { group } : {}),
      ...osFields(gcpInstanceOs(ctx.props)),
      ...gcpSpot(ctx.props),
      ...gcpDedicated(ctx.props),
      metricIds: {
        name: ctx.name,
        ...(instanceId ? { gcpInstanceId: instanceId } : {}),
        ...(gcpProject ? { gcpProject } : {}),
        ...(zone ? { gcpZone: zone } : {}),
        ...(hostname ? { hostname } : {}),
      },
    };
    return { workload };
  },
});
