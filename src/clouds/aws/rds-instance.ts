import type { Workload } from '../../model';
import { baseWorkload, readSize, type ReadResult, type ResourceContext } from '../../stack/handler';
import { booleanAt, stringAt } from '../../stack/values';
import { singleResourceKind, type ResourceKind } from '../kind';
import { placement, withGroup } from './resources';

/**
 * RDS DB instances: sized by `instanceClass`. Aurora cluster instances are read the same way by
 * the kind in `aurora-instance.ts`, which also needs the cluster's storage type.
 */
export const rdsInstance: ResourceKind = singleResourceKind({
  cloud: 'aws',
  types: ['aws:rds/instance:Instance'],
  read: readRdsInstance,
});

/** An RDS DB instance or Aurora cluster instance as a database workload (`instanceClass`, `engine`, `multiAz`). */
export function readRdsInstance(ctx: ResourceContext): ReadResult {
  const size = readSize(ctx, ['instanceClass']);
  if ('skip' in size) return size;
  const engine = stringAt(ctx.props, ['engine']);
  const multiAz = booleanAt(ctx.props, ['multiAz']);
  const identifier = stringAt(ctx.props, ['identifier']) ?? stringAt(ctx.props, ['id']);
  const hostname = stringAt(ctx.props, ['address']);
  const workload: Workload = {
    ...baseWorkload(ctx),
    kind: 'database',
    cloud: 'aws',
    ...placement(ctx),
    size: size.size,
    count: 1,
    ...(engine ? { engine } : {}),
    ...(multiAz !== undefined ? { multiAz } : {}),
    metricIds: {
      name: ctx.name,
      ...(identifier ? { awsDbInstanceId: identifier } : {}),
      ...(hostname ? { hostname } : {}),
    },
  };
  return { workload: withGroup(workload, ctx) };
}
