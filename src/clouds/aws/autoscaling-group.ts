import { lookup, stringAt } from '../../stack/values';
import { optionalCount, readCount, skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { asgIds, awsPoolWorkload } from './pool-common';
import { LAUNCH_CONFIGURATION_TYPE, launchTemplateSize } from './launch-template-ref';

/**
 * `aws:autoscaling/group:Group`: the node type comes from its launch template (`launchTemplate`
 * or `mixedInstancesPolicy.launchTemplate`, with at most one override type) or its launch
 * configuration; the template is then accounted for by the group, not priced on its own.
 * Nodes = `desiredCapacity` (AWS starts at `minSize` when it is not set).
 */
export function readAutoscalingGroup(ctx: KindContext): KindResult {
  let shape = launchTemplateSize(ctx, ['launchTemplate']);
  let spot = false;
  if ('none' in shape) {
    const mixed = ['mixedInstancesPolicy', 'launchTemplate'];
    const overrides = lookup(ctx.props, [...mixed, 'overrides']);
    const overrideTypes =
      overrides.kind === 'value' && Array.isArray(overrides.value)
        ? [
            ...new Set(
              overrides.value.map((o: unknown) =>
                typeof o === 'object' && o !== null ? (o as Record<string, unknown>).instanceType : undefined,
              ),
            ),
          ]
        : [];
    if (overrideTypes.length > 1)
      return skipOnly(`mixed instances policy with ${overrideTypes.length} instance types: no single node type to size`);
    if (overrideTypes.some((t) => t !== undefined && typeof t !== 'string'))
      return skipOnly('mixed instances policy override type is not a known string');
    const onDemandPct = lookup(ctx.props, ['mixedInstancesPolicy', 'instancesDistribution', 'onDemandPercentageAboveBaseCapacity']);
    if (onDemandPct.kind === 'value' && onDemandPct.value !== 100) {
      spot = true;
      if (onDemandPct.value !== 0)
        return skipOnly(`mixed instances policy runs ${String(onDemandPct.value)} % on-demand, the rest spot: no single price to size`);
    }
    shape = launchTemplateSize(ctx, [...mixed, 'launchTemplateSpecification'], ['launchTemplateId', 'launchTemplateName']);
    const override = overrideTypes[0];
    if (typeof override === 'string') {
      // The override's type wins over the template's; the template is still the group's.
      shape = 'urn' in shape ? { ...shape, size: override } : { size: override, urn: '', spot: false };
    }
  }
  if ('none' in shape) {
    const configName = stringAt(ctx.props, ['launchConfiguration']);
    const found = lookup(ctx.props, ['launchConfiguration']);
    if (found.kind === 'unknown') return skipOnly('launch configuration (launchConfiguration) is an unresolved output');
    if (!configName) return skipOnly('no launch template or launch configuration: the node type is unknown');
    const config = ctx.find(configName, LAUNCH_CONFIGURATION_TYPE);
    if (!config) return skipOnly(`launch configuration ${configName} is not in this stack: its instance type is unknown`);
    const type = stringAt(config.props, ['instanceType']);
    if (!type) return skipOnly(`launch configuration ${configName} sets no known instance type`);
    shape = { size: type, urn: config.urn, spot: stringAt(config.props, ['spotPrice']) !== undefined };
  }
  if ('skip' in shape) return skipOnly(shape.skip);
  let desired = readCount(ctx.props, ['desiredCapacity']);
  if ('missing' in desired) desired = readCount(ctx.props, ['minSize']);
  // A group skipped for its count still accounts for its template: it is never priced as one VM.
  const template = shape.urn ? [shape.urn] : [];
  if ('skip' in desired) return { ...skipOnly(desired.skip), consumes: template };
  if ('missing' in desired) return { ...skipOnly('no node count set (desiredCapacity, minSize)'), consumes: template };
  const poolName = stringAt(ctx.props, ['name']);
  const result = awsPoolWorkload(
    ctx,
    shape.size,
    desired.count,
    {
      kind: 'vm-group',
      min: optionalCount(ctx.props, ['minSize']),
      max: optionalCount(ctx.props, ['maxSize']),
      spot: spot || shape.spot,
      ...(poolName ? { poolName } : {}),
    },
    ctx.name,
    asgIds(poolName),
  );
  return { ...result, consumes: shape.urn ? [shape.urn] : [] };
}

export const autoscalingGroup: ResourceKind = {
  cloud: 'aws',
  types: ['aws:autoscaling/group:Group'],
  read: readAutoscalingGroup,
};
