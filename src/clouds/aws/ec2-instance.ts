import type { Workload } from '../../model';
import { baseWorkload, readSize } from '../../stack/handler';
import { osFields } from '../../stack/os';
import { awsDedicated, awsSpot } from '../../stack/purchase';
import { stringAt } from '../../stack/values';
import { singleResourceKind, type ResourceKind } from '../kind';
import { awsInstanceOs, placement, withGroup } from './resources';

/** `aws:ec2/instance:Instance`: one VM of `instanceType`. */
export const ec2Instance: ResourceKind = singleResourceKind({
  cloud: 'aws',
  types: ['aws:ec2/instance:Instance'],
  read(ctx) {
    const size = readSize(ctx, ['instanceType']);
    if ('skip' in size) return size;
    const id = stringAt(ctx.props, ['id']);
    const hostname = stringAt(ctx.props, ['privateDns']);
    const workload: Workload = {
      ...baseWorkload(ctx),
      kind: 'vm',
      cloud: 'aws',
      ...placement(ctx),
      size: size.size,
      count: 1,
      ...osFields(awsInstanceOs(ctx.props)),
      ...awsSpot(ctx.props),
      ...awsDedicated(ctx.props),
      metricIds: {
        name: ctx.name,
        ...(id?.startsWith('i-') ? { awsInstanceId: id } : {}),
        ...(hostname ? { hostname } : {}),
      },
    };
    return { workload: withGroup(workload, ctx) };
  },
});
