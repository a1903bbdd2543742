import type { Workload } from '../../model';
import { configString, groupFromTags, type ResourceContext } from '../../stack/handler';
import { stringAt, stringMapAt } from '../../stack/values';
import { assumedLinux, classifyOsName, paidImage, plainAt, type OsFinding } from '../../stack/os';
import type { KindContext } from '../kind';

/**
 * The OS of an EC2 instance or launch template: `platform` (`windows` on Windows instances),
 * `platformDetails`, or a Windows-only setting (`getPasswordData`, PowerShell user data).
 */
export function awsInstanceOs(props: Record<string, unknown>): OsFinding | undefined {
  for (const key of ['platform', 'platformDetails']) {
    const value = plainAt(props, [key]);
    if (typeof value === 'string' && value !== '') return awsPlatformOs(value, key);
  }
  if (plainAt(props, ['getPasswordData']) === true) return { os: 'windows', osEvidence: 'getPasswordData: true (Windows only)' };
  const userData = plainAt(props, ['userData']);
  if (typeof userData === 'string' && /<powershell>/i.test(userData)) return { os: 'windows', osEvidence: 'userData runs <powershell>' };
  return undefined;
}

/**
 * An EC2 `platform` / `platformDetails` value (the AMI's billing product: `Linux/UNIX`,
 * `Windows`, `Red Hat Enterprise Linux`, `SUSE Linux`, `Windows with SQL Server Standard`, …).
 * Licence-included images other than Windows are paid images (their fee is not in the catalog);
 * BYOL images pay the plain instance price.
 */
export function awsPlatformOs(value: string, where: string): OsFinding {
  const v = value.trim().toLowerCase();
  if (v === 'red hat byol linux') return { os: 'linux', osEvidence: `${where} ${value}` };
  if (/sql server/.test(v)) return paidImage('SQL Server', `${where} ${value}`);
  if (v.startsWith('red hat enterprise linux')) return paidImage('Red Hat Enterprise Linux', `${where} ${value}`);
  if (v.startsWith('suse')) return paidImage('SUSE Linux Enterprise Server', `${where} ${value}`);
  if (v.startsWith('ubuntu pro')) return paidImage('Ubuntu Pro', `${where} ${value}`);
  return classifyOsName(value, where);
}

/** AMI resources whose `platform` / `platformDetails` outputs say what an instance launched from them runs. */
const AMI_TYPES = ['aws:ec2/ami:Ami', 'aws:ec2/amiCopy:AmiCopy', 'aws:ec2/amiFromInstance:AmiFromInstance'];

/**
 * The OS of an EC2 instance (`ami`) or launch template (`imageId`): what the resource itself
 * says (see `awsInstanceOs`), else the AMI's `platform` / `platformDetails` when the AMI is a
 * resource of the same stack. An AMI looked up with `aws.ec2.getAmi` is an invoke, which the
 * state does not record: then, with no other evidence, Linux is an assumption and says so.
 */
export function awsOsWithAmi(ctx: KindContext, imagePath: string): OsFinding | undefined {
  const own = awsInstanceOs(ctx.props);
  if (own) return own;
  const image = plainAt(ctx.props, [imagePath]);
  if (typeof image !== 'string' || image === '') return undefined;
  const ami = AMI_TYPES.map((type) => ctx.find(image, type)).find((peer) => peer !== undefined);
  if (!ami) return assumedLinux(`${imagePath} ${image} is not described in this stack (a getAmi lookup is not recorded in state)`);
  for (const key of ['platform', 'platformDetails']) {
    const value = plainAt(ami.props, [key]);
    if (typeof value === 'string' && value !== '') return awsPlatformOs(value, `AMI ${image} ${key}`);
  }
  return assumedLinux(`AMI ${image} records no platform`);
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
