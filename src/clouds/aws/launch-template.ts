import type { Workload } from '../../model';
import { baseWorkload, readSize } from '../../stack/handler';
import { osFields } from '../../stack/os';
import { awsCpuCredits, awsDedicated, awsSpot } from '../../stack/purchase';
import { skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { awsOsWithAmi, placement, withGroup } from './resources';

/**
 * `aws:ec2/launchTemplate:LaunchTemplate`: one instance's shape (an auto scaling group using it
 * accounts for it instead). The OS may be read from the AMI resource (`imageId`) of the same stack.
 */
export const launchTemplate: ResourceKind = {
  cloud: 'aws',
  types: ['aws:ec2/launchTemplate:LaunchTemplate'],
  read(kindCtx: KindContext): KindResult {
    const ctx = { ...kindCtx, type: kindCtx.declaredType ?? kindCtx.type };
    const size = readSize(ctx, ['instanceType']);
    if ('skip' in size) return skipOnly(size.skip);
    const { region } = placement(ctx);
    const workload: Workload = {
      ...baseWorkload(ctx),
      kind: 'vm',
      cloud: 'aws',
      ...(region ? { region } : {}),
      size: size.size,
      // A template is one instance's shape; how many run is the auto-scaling group's business.
      count: 1,
      ...osFields(awsOsWithAmi(ctx, 'imageId')),
      ...awsSpot(ctx.props),
      ...awsDedicated(ctx.props),
      ...awsCpuCredits(ctx.props),
      metricIds: { name: ctx.name },
    };
    return { workloads: [withGroup(workload, ctx)], skipped: [], consumes: [] };
  },
};
