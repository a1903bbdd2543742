import type { MetricIds, PoolInfo, Workload } from '../../model';
import { configString, type ResourceContext } from '../../stack/handler';
import { stringAt } from '../../stack/values';
import { awsRegionFromArn } from './resources';
import { poolInfo, type KindContext, type KindResult } from '../kind';

/** Region of an AWS pool: its own `region` (provider v7), its ARN, its provider, then `aws:region`. */
export function awsPoolRegion(ctx: ResourceContext): string | undefined {
  const arn = stringAt(ctx.props, ['arn']);
  return (
    stringAt(ctx.props, ['region']) ??
    (arn ? awsRegionFromArn(arn) : undefined) ??
    ctx.providerRegion ??
    configString(ctx.stackConfig, 'aws:region')
  );
}

/** The auto scaling group behind a pool, when the state names it (CloudWatch reads the group's metrics by it). */
export function asgIds(asgName: string | undefined): Partial<MetricIds> {
  return asgName ? { awsAutoScalingGroupName: asgName } : {};
}

/** One pool workload (`count` = desired nodes). */
export function awsPoolWorkload(
  ctx: KindContext,
  size: string,
  count: number,
  pool: PoolInfo,
  name = ctx.name,
  ids: Partial<MetricIds> = {},
): KindResult {
  const region = awsPoolRegion(ctx);
  const workload: Workload = {
    urn: ctx.urn,
    name,
    type: ctx.type,
    kind: 'vm',
    cloud: 'aws',
    ...(region ? { region } : {}),
    size,
    count,
    metricIds: { ...ids, name },
    pool: poolInfo(pool),
  };
  return { workloads: [workload], skipped: [], consumes: [] };
}
