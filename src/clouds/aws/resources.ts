import type { Workload } from '../../model';
import { configString, groupFromTags, type ResourceContext } from '../../stack/handler';
import { stringAt, stringMapAt } from '../../stack/values';
import { classifyOsName, plainAt, type OsFinding } from '../../stack/os';

/**
 * The OS of an EC2 instance or launch template: `platform` (`windows` on Windows instances),
 * `platformDetails`, or a Windows-only setting (`getPasswordData`, PowerShell user data).
 */
export function awsInstanceOs(props: Record<string, unknown>): OsFinding | undefined {
  for (const key of ['platform', 'platformDetails']) {
    const value = plainAt(props, [key]);
    if (typeof value === 'string' && value !== '') return classifyOsName(value, key);
  }
  if (plainAt(props, ['getPasswordData']) === true) return { os: 'windows', osEvidence: 'getPasswordData: true (Windows only)' };
  const userData = plainAt(props, ['userData']);
  if (typeof userData === 'string' && /<powershell>/i.test(userData)) return { os: 'windows', osEvidence: 'userData runs <powershell>' };
  return undefined;
}

/**
 * What the AWS resource kinds (one file each in this folder, listed in src/clouds/registry.ts)
 * share, for @pulumi/aws (classic, Terraform-bridged) type tokens. Region resolution order: the availability zone, the ARN, the resource's provider, then the
 * stack's `aws:region` config (what the default provider uses).
 */

const REGION_RE = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+/;

/** `us-west-2b` → `us-west-2`; local / wavelength zones (`us-west-2-lax-1a`) → `us-west-2`. */
export function awsRegionFromZone(zone: string): string | undefined {
  return REGION_RE.exec(zone)?.[0];
}

/** `arn:aws:ec2:us-west-2:123:instance/i-…` → `us-west-2`. */
export function awsRegionFromArn(arn: string): string | undefined {
  const region = arn.split(':')[3];
  return region && REGION_RE.test(region) ? region : undefined;
}

export function placement(ctx: ResourceContext): { region?: string; zone?: string } {
  const zone = stringAt(ctx.props, ['availabilityZone']);
  const arn = stringAt(ctx.props, ['arn']);
  const region =
    (zone && awsRegionFromZone(zone)) ??
    (arn && awsRegionFromArn(arn)) ??
    ctx.providerRegion ??
    configString(ctx.stackConfig, 'aws:region');
  return { ...(region ? { region } : {}), ...(zone ? { zone } : {}) };
}

export function tags(ctx: ResourceContext): Record<string, string> {
  // `tagsAll` includes provider default tags; explicit `tags` win.
  return { ...stringMapAt(ctx.props, ['tagsAll']), ...stringMapAt(ctx.props, ['tags']) };
}

export function withGroup(workload: Workload, ctx: ResourceContext): Workload {
  const group = groupFromTags(tags(ctx));
  return group ? { ...workload, group } : workload;
}
