import { baseWorkload, configString, groupFromTags } from '../../stack/handler';
import { osFields } from '../../stack/os';
import { gcpDedicated, gcpSpot } from '../../stack/purchase';
import { stringAt, stringMapAt } from '../../stack/values';
import { singleResourceKind, type ResourceKind } from '../kind';
import { gcpInstanceOs, lastSegment, project, sizeName } from './resources';

/** Instance templates: one instance's shape (an instance group manager using it accounts for it instead). */
export const gcpInstanceTemplate: ResourceKind = singleResourceKind({
  cloud: 'gcp',
  types: ['gcp:compute/instanceTemplate:InstanceTemplate', 'gcp:compute/regionInstanceTemplate:RegionInstanceTemplate'],
  read(ctx) {
    const size = sizeName(ctx);
    if ('skip' in size) return size;
    const rawRegion = stringAt(ctx.props, ['region']) ?? ctx.providerRegion ?? configString(ctx.stackConfig, 'gcp:region');
    const region = rawRegion ? lastSegment(rawRegion) : undefined;
    const group = groupFromTags(stringMapAt(ctx.props, ['labels']));
    const gcpProject = project(ctx);
    return {
      workload: {
        ...baseWorkload(ctx),
        kind: 'vm',
        cloud: 'gcp',
        ...(region ? { region } : {}),
        size: size.size,
        // One instance's shape; the instance group manager decides how many.
        count: 1,
        ...(group ? { group } : {}),
        ...osFields(gcpInstanceOs(ctx.props)),
        ...gcpSpot(ctx.props),
        ...gcpDedicated(ctx.props),
        metricIds: { name: ctx.name, ...(gcpProject ? { gcpProject } : {}) },
      },
    };
  },
});
