import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import * as gcp from '@pulumi/gcp';
// Submodules, not the package root: the root loads every Azure service (about half a second).
import * as containerservice from '@pulumi/azure-native/containerservice';
import * as resources from '@pulumi/azure-native/resources';
import type { AutoscalingGroupSpec, ClusterSpec, PoolSpec } from './pools-config';
import { WORKLOAD_TAG } from './workload';

/** Type tokens stackfit's inventory recognises (src/stack/inventory.ts DEMO_POOL_PARENT_TYPES). */
export const CLUSTER_TYPE = 'stackfit:demo:Cluster';
export const AUTOSCALING_GROUP_TYPE = 'stackfit:demo:AutoscalingGroup';

/**
 * What a cluster or group component records about itself: for each node pool (by the name the
 * cloud gives it: EKS node group, AKS agent pool, GKE node pool, auto scaling group), where its
 * size sits in stack config. Its `desired` / `min` / `max` sit next to it.
 */
export interface PoolsSummary {
  cloud: 'aws' | 'azure' | 'gcp';
  region: string;
  configKey: string;
  configPaths: Record<string, (string | number)[]>;
}

/** EKS's managed policies for the cluster role and the node role (AWS documentation, "Amazon EKS node IAM role"). */
const EKS_CLUSTER_POLICIES = ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'];
const EKS_NODE_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
];

function assumeRole(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: service } }],
  });
}

/** The default VPC's default subnet in each availability zone (where the demo's EC2 VMs also run). */
function defaultSubnets(parent: pulumi.Resource): pulumi.Output<string[]> {
  return aws.ec2.getSubnetsOutput({ filters: [{ name: 'default-for-az', values: ['true'] }] }, { parent }).ids;
}

/** Autoscaling bounds: the configured ones, else fixed at `desired`. */
function bounds(spec: Pick<PoolSpec, 'desired' | 'min' | 'max'>): { min: number; max: number; autoscaled: boolean } {
  if (spec.min !== undefined && spec.max !== undefined) return { min: spec.min, max: spec.max, autoscaled: true };
  return { min: spec.desired, max: Math.max(1, spec.desired), autoscaled: false };
}

export interface ClusterArgs {
  spec: ClusterSpec;
  /** Full config key of the clusters map, e.g. `stackfit-demo:clusters`. */
  configKey: string;
}

/**
 * One Kubernetes cluster and its node pools: EKS (cluster + managed node groups), AKS (managed
 * cluster with its system pools in `agentPoolProfiles`, user pools as `AgentPool` resources) or
 * GKE (cluster without its default pool + `NodePool`s, counts per zone).
 */
export class Cluster extends pulumi.ComponentResource {
  readonly summary: PoolsSummary;

  constructor(name: string, args: ClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec } = args;
    const configPaths = Object.fromEntries(Object.keys(spec.pools).map((pool) => [pool, [name, 'pools', pool, 'size']]));
    const summary: PoolsSummary = { cloud: spec.cloud, region: spec.region, configKey: args.configKey, configPaths };
    super(CLUSTER_TYPE, name, summary, opts);
    this.summary = summary;
    switch (spec.cloud) {
      case 'aws':
        this.eks(name, spec);
        break;
      case 'azure':
        this.aks(name, spec);
        break;
      case 'gcp':
        this.gke(name, spec);
        break;
    }
    this.registerOutputs({ ...summary });
  }

  private eks(name: string, spec: ClusterSpec): void {
    const parent = { parent: this };
    const clusterRole = new aws.iam.Role(`${name}-cluster-role`, { assumeRolePolicy: assumeRole('eks.amazonaws.com') }, parent);
    const clusterPolicies = EKS_CLUSTER_POLICIES.map(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-cluster-policy-${i}`, { role: clusterRole.name, policyArn }, parent),
    );
    const subnetIds = defaultSubnets(this);
    const cluster = new aws.eks.Cluster(
      name,
      { name, roleArn: clusterRole.arn, vpcConfig: { subnetIds }, tags: { [WORKLOAD_TAG]: name } },
      { parent: this, dependsOn: clusterPolicies },
    );
    const nodeRole = new aws.iam.Role(`${name}-node-role`, { assumeRolePolicy: assumeRole('ec2.amazonaws.com') }, parent);
    const nodePolicies = EKS_NODE_POLICIES.map(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn }, parent),
    );
    for (const [pool, poolSpec] of Object.entries(spec.pools)) {
      const { min, max } = bounds(poolSpec);
      new aws.eks.NodeGroup(
        `${name}-${pool}`,
        {
          clusterName: cluster.name,
          nodeGroupName: pool,
          nodeRoleArn: nodeRole.arn,
          subnetIds,
          instanceTypes: [poolSpec.size],
          capacityType: 'ON_DEMAND',
          diskSize: poolSpec.diskGiB,
          scalingConfig: { desiredSize: poolSpec.desired, minSize: min, maxSize: max },
          tags: { [WORKLOAD_TAG]: `${name}-${pool}` },
        },
        { parent: this, dependsOn: nodePolicies },
      );
    }
  }

  private aks(name: string, spec: ClusterSpec): void {
    const location = spec.region;
    const group = new resources.ResourceGroup(`${name}-rg`, { location }, { parent: this });
    const profile = (pool: string, poolSpec: PoolSpec) => {
      const { min, max, autoscaled } = bounds(poolSpec);
      return {
        vmSize: poolSpec.size,
        count: poolSpec.desired,
        enableAutoScaling: autoscaled,
        ...(autoscaled ? { minCount: min, maxCount: max } : {}),
        osType: 'Linux',
        osDiskSizeGB: poolSpec.diskGiB,
        mode: poolSpec.system ? 'System' : 'User',
        tags: { [WORKLOAD_TAG]: `${name}-${pool}` },
      };
    };
    const pools = Object.entries(spec.pools);
    const cluster = new containerservice.ManagedCluster(
      name,
      {
        resourceName: name,
        resourceGroupName: group.name,
        location,
        dnsPrefix: name,
        identity: { type: 'SystemAssigned' },
        // AKS creates a cluster with its system pools; user pools are separate AgentPool resources.
        agentPoolProfiles: pools
          .filter(([, p]) => p.system)
          .map(([pool, p]) => ({ name: pool, type: 'VirtualMachineScaleSets', ...profile(pool, p) })),
      },
      { parent: this },
    );
    for (const [pool, poolSpec] of pools.filter(([, p]) => !p.system)) {
      new containerservice.AgentPool(
        `${name}-${pool}`,
        {
          resourceGroupName: group.name,
          resourceName: name,
          agentPoolName: pool,
          type: 'VirtualMachineScaleSets',
          ...profile(pool, poolSpec),
        },
        { parent: this, dependsOn: [cluster] },
      );
    }
  }

  private gke(name: string, spec: ClusterSpec): void {
    const location = spec.zone ?? spec.region;
    const cluster = new gcp.container.Cluster(
      name,
      // The default pool goes: every pool is a NodePool of its own, sized from config.
      { name, location, removeDefaultNodePool: true, initialNodeCount: 1, deletionProtection: false },
      { parent: this },
    );
    for (const [pool, poolSpec] of Object.entries(spec.pools)) {
      const { min, max, autoscaled } = bounds(poolSpec);
      new gcp.container.NodePool(
        `${name}-${pool}`,
        {
          name: pool,
          cluster: cluster.name,
          location,
          // With autoscaling GKE owns the count: the provider documents initialNodeCount then, not nodeCount.
          ...(autoscaled
            ? { initialNodeCount: poolSpec.desired, autoscaling: { minNodeCount: min, maxNodeCount: max } }
            : { nodeCount: poolSpec.desired }),
          nodeConfig: { machineType: poolSpec.size, diskSizeGb: poolSpec.diskGiB, labels: { [WORKLOAD_TAG]: `${name}-${pool}` } },
        },
        { parent: this },
      );
    }
  }
}

export interface AutoscalingGroupArgs {
  spec: AutoscalingGroupSpec;
  /** Full config key of the groups map, e.g. `stackfit-demo:autoscalingGroups`. */
  configKey: string;
}

/** An EC2 auto scaling group launched from its own launch template (instance type from config). */
export class AutoscalingGroup extends pulumi.ComponentResource {
  readonly summary: PoolsSummary;

  constructor(name: string, args: AutoscalingGroupArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec } = args;
    const summary: PoolsSummary = { cloud: 'aws', region: spec.region, configKey: args.configKey, configPaths: { [name]: [name, 'size'] } };
    super(AUTOSCALING_GROUP_TYPE, name, summary, opts);
    this.summary = summary;
    const imageId =
      spec.image ??
      aws.ec2.getAmiOutput(
        {
          owners: ['099720109477'], // Canonical
          mostRecent: true,
          filters: [
            { name: 'name', values: [`ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${spec.arch}-server-*`] },
            { name: 'virtualization-type', values: ['hvm'] },
          ],
        },
        { parent: this },
      ).id;
    const template = new aws.ec2.LaunchTemplate(
      `${name}-template`,
      {
        name: `${name}-template`,
        imageId,
        instanceType: spec.size,
        metadataOptions: { httpTokens: 'required' },
        blockDeviceMappings: [{ deviceName: '/dev/sda1', ebs: { volumeSize: spec.diskGiB, volumeType: 'gp3', encrypted: 'true' } }],
        tagSpecifications: [{ resourceType: 'instance', tags: { [WORKLOAD_TAG]: name, Name: name } }],
      },
      { parent: this },
    );
    const { min, max } = bounds(spec);
    new aws.autoscaling.Group(
      name,
      {
        name,
        desiredCapacity: spec.desired,
        minSize: min,
        maxSize: max,
        launchTemplate: { name: template.name, version: '$Latest' },
        vpcZoneIdentifiers: aws.ec2.getSubnetsOutput({ filters: [{ name: 'default-for-az', values: ['true'] }] }, { parent: this }).ids,
        tags: [{ key: WORKLOAD_TAG, value: name, propagateAtLaunch: true }],
      },
      { parent: this },
    );
    this.registerOutputs({ ...summary });
  }
}
