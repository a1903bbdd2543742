import type { Workload } from '../../model';
import { baseWorkload, readSize } from '../../stack/handler';
import { osFields } from '../../stack/os';
import { awsCpuCredits, awsDedicated, awsSpot } from '../../stack/purchase';
import { stringAt } from '../../stack/values';
import { skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { awsOsWithAmi, placement, withGroup } from './resources';

/**
 * `aws:ec2/instance:Instance`: one VM of `instanceType`. Not a one-resource kind: the OS may be
 * read from the AMI resource (`ami`) of the same stack.
 */
export const ec2Instance: ResourceKind = {
  cloud: 'aws',
  types: ['aws:ec2/instance:Instance'],
  read(kindCtx: KindContext): KindResult {
    // Workloads keep the type token as declared (as the per-resource handlers always did).
    const ctx = { ...kindCtx, type: kindCtx.declaredType ?? kindCtx.type };
    const size = readSize(ctx, ['instanceType']);
    if ('skip' in size) return skipOnly(size.skip);
    const id = stringAt(ctx.props, ['id']);
    const hostname = stringAt(ctx.props, ['privateDns']);
    const workload: Workload = {
      ...baseWorkload(ctx),
      kind: 'vm',
      cloud: 'aws',
      ...placement(ctx),
      size: size.size,
      count: 1,
      ...osFields(awsOsWithAmi(ctx, 'ami')),
      ...awsSpot(ctx.props),
      ...awsDedicated(ctx.props),
      ...awsCpuCredits(ctx.props),
      metricIds: {
        name: ctx.name,
        ...(id?.startsWith('i-') ? { awsInstanceId: id } : {}),
        ...(hostname ? { hostname } : {}),
      },
    };
    return { workloads: [withGroup(workload, ctx)], skipped: [], consumes: [] };
  },
};
