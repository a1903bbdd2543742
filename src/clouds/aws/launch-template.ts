import type { Workload } from '../../model';
import { baseWorkload, readSize } from '../../stack/handler';
import { osFields } from '../../stack/os';
import { awsDedicated, awsSpot } from '../../stack/purchase';
import { singleResourceKind, type ResourceKind } from '../kind';
import { awsInstanceOs, placement, withGroup } from './resources';

/** `aws:ec2/launchTemplate:LaunchTemplate`: one instance's shape (an auto scaling group using it accounts for it instead). */
export const launchTemplate: ResourceKind = singleResourceKind({
  cloud: 'aws',
  types: ['aws:ec2/launchTemplate:LaunchTemplate'],
  read(ctx) {
    const size = readSize(ctx, ['instanceType']);
    if ('skip' in size) return size;
    const { region } = placement(ctx);
    const workload: Workload = {
      ...baseWorkload(ctx),
      kind: 'vm',
      cloud: 'aws',
      ...(region ? { region } : {}),
      size: size.size,
      // A template is one instance's shape; how many run is the auto-scaling group's business.
      count: 1,
      ...osFields(awsInstanceOs(ctx.props)),
      ...awsSpot(ctx.props),
      ...awsDedicated(ctx.props),
      metricIds: { name: ctx.name },
    };
    return { workload: withGroup(workload, ctx) };
  },
});
