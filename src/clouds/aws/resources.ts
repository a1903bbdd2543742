import type { Workload } from '../../model';
import {
  baseWorkload,
  configString,
  groupFromTags,
  readSize,
  unsupportedTypes,
  type ReadResult,
  type ResourceContext,
  type ResourceHandler,
} from '../../stack/handler';
import { booleanAt, stringAt, stringMapAt } from '../../stack/values';
import { classifyOsName, osFields, plainAt, type OsFinding } from '../../stack/os';
import { awsDedicated, awsSpot } from '../../stack/purchase';

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
 * AWS resources that carry a size, for @pulumi/aws (classic, Terraform-bridged) type tokens.
 * Region resolution order: the availability zone, the ARN, the resource's provider, then the
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

function placement(ctx: ResourceContext): { region?: string; zone?: string } {
  const zone = stringAt(ctx.props, ['availabilityZone']);
  const arn = stringAt(ctx.props, ['arn']);
  const region =
    (zone && awsRegionFromZone(zone)) ??
    (arn && awsRegionFromArn(arn)) ??
    ctx.providerRegion ??
    configString(ctx.stackConfig, 'aws:region');
  return { ...(region ? { region } : {}), ...(zone ? { zone } : {}) };
}

function tags(ctx: ResourceContext): Record<string, string> {
  // `tagsAll` includes provider default tags; explicit `tags` win.
  return { ...stringMapAt(ctx.props, ['tagsAll']), ...stringMapAt(ctx.props, ['tags']) };
}

function withGroup(workload: Workload, ctx: ResourceContext): Workload {
  const group = groupFromTags(tags(ctx));
  return group ? { ...workload, group } : workload;
}

const ec2Instance: ResourceHandler = {
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
};

const launchTemplate: ResourceHandler = {
  cloud: 'aws',
  types: ['aws:ec2/launchTemplate:LaunchTemplate'],
  read(ctx) {
    const size = readSize(ctx, ['instanceType']);
    if ('skip' in size) return size;
    const { region } = placement(ctx);
    const workload: Workload = {
      ...baseWorkload(ctx),
      kind: 'vm',
      cloud: 'aws',
      ...(region ? { region } : {}),
      size: size.size,
      // A template is one instance's shape; how many run is the auto-scaling group's business.
      count: 1,
      ...osFields(awsInstanceOs(ctx.props)),
      ...awsSpot(ctx.props),
      ...awsDedicated(ctx.props),
      metricIds: { name: ctx.name },
    };
    return { workload: withGroup(workload, ctx) };
  },
};

/**
 * RDS DB instances: sized by `instanceClass`. Aurora cluster instances are read the same way by
 * the kind in `aurora-instance.ts`, which also needs the cluster's storage type.
 */
const rdsInstance: ResourceHandler = {
  cloud: 'aws',
  types: ['aws:rds/instance:Instance'],
  read: readRdsInstance,
};

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

const unsupported = unsupportedTypes(
  'aws',
  [
    'aws:autoscaling/group:Group',
    'aws:ecs/service:Service',
    'aws:ecs/taskDefinition:TaskDefinition',
    'aws:eks/nodeGroup:NodeGroup',
    'aws:ec2/spotInstanceRequest:SpotInstanceRequest',
    'aws:ec2/spotFleetRequest:SpotFleetRequest',
    'aws:ec2/fleet:Fleet',
    'aws:elasticache/cluster:Cluster',
    'aws:elasticache/replicationGroup:ReplicationGroup',
    'aws:opensearch/domain:Domain',
    'aws:redshift/cluster:Cluster',
    'aws:docdb/clusterInstance:ClusterInstance',
    'aws:neptune/clusterInstance:ClusterInstance',
    'aws:emr/cluster:Cluster',
    'aws:lightsail/instance:Instance',
  ],
  'stackfit sizes EC2 instances, launch templates and RDS instances',
);

export const awsResourceHandlers: readonly ResourceHandler[] = [ec2Instance, launchTemplate, rdsInstance, unsupported];
