import { lookup, stringAt } from '../../stack/values';
import { optionalCount, readCount, skipOnly, stringOrFirst, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { asgIds, awsPoolWorkload } from './pool-common';
import { launchTemplateSize } from './launch-template-ref';

/**
 * EKS managed node groups: `aws:eks/nodeGroup:NodeGroup` and the `@pulumi/eks` component
 * `eks:index:ManagedNodeGroup` (same argument names: `instanceTypes`, `scalingConfig`,
 * `capacityType`). Nodes carry the label `eks.amazonaws.com/nodegroup=<nodeGroupName>`.
 */

/** EKS's default when neither `instanceTypes` nor a launch template sets a type. */
export const EKS_DEFAULT_INSTANCE_TYPE = 't3.medium';

export function readEksNodeGroup(ctx: KindContext): KindResult {
  // A component whose aws:eks/nodeGroup child is in state: the child is read instead.
  if (ctx.hasSizedChildren) return { workloads: [], skipped: [], consumes: [] };
  const types = lookup(ctx.props, ['instanceTypes']);
  const capacityType = stringAt(ctx.props, ['capacityType']) ?? 'ON_DEMAND';
  const spot = capacityType.toUpperCase() === 'SPOT';
  let size: string;
  const consumes: string[] = [];
  if (types.kind === 'value' && Array.isArray(types.value) && types.value.length > 1 && spot) {
    return skipOnly(`spot node group with ${types.value.length} instance types: EKS picks among them, no single node type to size`);
  }
  const listed = stringOrFirst(ctx.props, ['instanceTypes']);
  if ('skip' in listed) return skipOnly(listed.skip);
  if ('value' in listed) {
    // On-demand node groups launch the first listed type (prioritized allocation).
    size = listed.value;
  } else {
    const fromTemplate = launchTemplateSize(ctx, ['launchTemplate']);
    if ('skip' in fromTemplate) return skipOnly(fromTemplate.skip);
    if ('size' in fromTemplate) {
      size = fromTemplate.size;
      consumes.push(fromTemplate.urn);
    } else {
      size = EKS_DEFAULT_INSTANCE_TYPE;
    }
  }
  const desired = readCount(ctx.props, ['scalingConfig', 'desiredSize']);
  // Skipped for its count, the group still accounts for its launch template (never priced as one VM).
  if ('skip' in desired) return { ...skipOnly(desired.skip), consumes };
  if ('missing' in desired) return { ...skipOnly('no node count set (scalingConfig.desiredSize)'), consumes };
  const poolName = stringAt(ctx.props, ['nodeGroupName']) ?? ctx.name;
  const cluster = stringAt(ctx.props, ['clusterName']);
  const result = awsPoolWorkload(
    ctx,
    size,
    desired.count,
    {
      kind: 'kubernetes',
      min: optionalCount(ctx.props, ['scalingConfig', 'minSize']),
      max: optionalCount(ctx.props, ['scalingConfig', 'maxSize']),
      spot,
      ...(cluster ? { cluster } : {}),
      poolName,
      nodeLabel: 'eks.amazonaws.com/nodegroup',
    },
    ctx.name,
    asgIds(backingAsgName(ctx)),
  );
  return { ...result, consumes };
}

/** The ASG EKS made for a managed node group: output `resources[0].autoscalingGroups[0].name` (one per node group). */
function backingAsgName(ctx: KindContext): string | undefined {
  const resources = lookup(ctx.props, ['resources']);
  if (resources.kind !== 'value' || !Array.isArray(resources.value)) return undefined;
  const names = resources.value.flatMap((r: unknown) => {
    const groups = typeof r === 'object' && r !== null ? (r as { autoscalingGroups?: unknown }).autoscalingGroups : undefined;
    return Array.isArray(groups)
      ? groups.map((g: unknown) => (typeof g === 'object' && g !== null ? (g as { name?: unknown }).name : undefined))
      : [];
  });
  return names.length === 1 && typeof names[0] === 'string' ? names[0] : undefined;
}

export const eksNodeGroup: ResourceKind = {
  cloud: 'aws',
  types: ['aws:eks/nodeGroup:NodeGroup', 'eks:index:ManagedNodeGroup'],
  read: readEksNodeGroup,
};
