import { lookup, stringAt } from '../../stack/values';
import type { KindContext } from '../kind';

export const LAUNCH_TEMPLATE_TYPE = 'aws:ec2/launchTemplate:LaunchTemplate';
export const LAUNCH_CONFIGURATION_TYPE = 'aws:ec2/launchConfiguration:LaunchConfiguration';

/**
 * The instance type of the launch template a group refers to (`{id | name, version}` at `path`),
 * found among the stack's resources. `none` when the group names no template.
 */
export function launchTemplateSize(
  ctx: KindContext,
  path: readonly string[],
  idKeys: readonly string[] = ['id', 'name'],
): { size: string; urn: string; spot: boolean } | { skip: string } | { none: true } {
  const spec = lookup(ctx.props, path);
  if (spec.kind === 'missing') return { none: true };
  const field = path.join('.');
  if (spec.kind !== 'value')
    return { skip: `launch template (${field}) is ${spec.kind === 'unknown' ? 'unknown during preview' : 'a secret'}` };
  let ref: string | undefined;
  for (const key of idKeys) {
    const found = lookup(ctx.props, [...path, key]);
    if (found.kind === 'unknown') return { skip: `launch template reference (${field}.${key}) is an unresolved output` };
    ref ??= stringAt(ctx.props, [...path, key]);
  }
  if (!ref) return { none: true };
  const template = ctx.find(ref, LAUNCH_TEMPLATE_TYPE);
  if (!template) return { skip: `launch template ${ref} is not in this stack: its instance type is unknown` };
  const type = lookup(template.props, ['instanceType']);
  if (type.kind !== 'value' || typeof type.value !== 'string') {
    return { skip: `launch template ${ref} sets no instance type${type.kind === 'unknown' ? ' known during preview' : ''}` };
  }
  const market = stringAt(template.props, ['instanceMarketOptions', 'marketType']);
  return { size: type.value, urn: template.urn, spot: market === 'spot' };
}
