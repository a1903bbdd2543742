import { booleanAt, lookup, stringAt } from '../../stack/values';
import { optionalCount, readCount, skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { awsPoolWorkload } from './pool-common';

/**
 * The default node group of the `@pulumi/eks` component `eks:index:Cluster` (self-managed nodes,
 * an auto scaling group inside the component). Arguments at the top level or under
 * `nodeGroupOptions`; the component's documented defaults apply when they are absent
 * (t2.medium, 2 desired, 1–2). When the component's children are in state (a real deployment),
 * the child auto scaling group is read instead, so nothing is counted twice.
 */
export const EKS_COMPONENT_DEFAULTS = { instanceType: 't2.medium', desiredCapacity: 2, minSize: 1, maxSize: 2 } as const;

function at(ctx: KindContext, key: string): string[] {
  // `nodeGroupOptions` wins: @pulumi/eks rejects setting both.
  return lookup(ctx.props, ['nodeGroupOptions', key]).kind === 'missing' ? [key] : ['nodeGroupOptions', key];
}

export function readEksClusterComponent(ctx: KindContext): KindResult {
  if (ctx.hasSizedChildren) return { workloads: [], skipped: [], consumes: [] };
  if (booleanAt(ctx.props, ['skipDefaultNodeGroup']) === true) return { workloads: [], skipped: [], consumes: [] };
  const typeLookup = lookup(ctx.props, at(ctx, 'instanceType'));
  if (typeLookup.kind === 'unknown' || typeLookup.kind === 'secret')
    return skipOnly(
      `instance type (${at(ctx, 'instanceType').join('.')}) is ${typeLookup.kind === 'unknown' ? 'unknown during preview' : 'a secret'}`,
    );
  const size = stringAt(ctx.props, at(ctx, 'instanceType')) ?? EKS_COMPONENT_DEFAULTS.instanceType;
  const desired = readCount(ctx.props, at(ctx, 'desiredCapacity'));
  if ('skip' in desired) return skipOnly(desired.skip);
  const count = 'count' in desired ? desired.count : EKS_COMPONENT_DEFAULTS.desiredCapacity;
  const spotPrice = stringAt(ctx.props, at(ctx, 'spotPrice'));
  return awsPoolWorkload(
    ctx,
    size,
    count,
    {
      kind: 'kubernetes',
      min: optionalCount(ctx.props, at(ctx, 'minSize')) ?? EKS_COMPONENT_DEFAULTS.minSize,
      max: optionalCount(ctx.props, at(ctx, 'maxSize')) ?? EKS_COMPONENT_DEFAULTS.maxSize,
      spot: spotPrice !== undefined,
      cluster: stringAt(ctx.props, ['name']) ?? ctx.name,
      poolName: `${ctx.name}-default`,
    },
    `${ctx.name}/default-node-group`,
  );
}

export const eksClusterComponent: ResourceKind = {
  cloud: 'aws',
  types: ['eks:index:Cluster'],
  read: readEksClusterComponent,
};
