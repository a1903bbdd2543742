import type { ResourceKind } from './kind';
import { autoscalingGroup } from './aws/autoscaling-group';
import { ec2Instance } from './aws/ec2-instance';
import { auroraClusterInstance } from './aws/aurora-instance';
import { eksClusterComponent } from './aws/eks-cluster';
import { eksNodeGroup } from './aws/eks-node-group';
import { launchTemplate } from './aws/launch-template';
import { rdsCluster } from './aws/rds-cluster';
import { rdsInstance } from './aws/rds-instance';
import { awsUnsupported } from './aws/unsupported';
import { aksAgentPool, aksManagedCluster } from './azure/aks-agent-pool';
import { azureClassicScaleSet, azureNativeScaleSet } from './azure/scale-set';
import { azureUnsupported } from './azure/unsupported';
import { azureClassicLinuxWindowsVm, azureClassicVirtualMachine, azureNativeVirtualMachine } from './azure/virtual-machine';
import { gkeCluster, gkeNodePool } from './gcp/gke-node-pool';
import { gcpInstance } from './gcp/instance';
import { instanceGroupManager } from './gcp/instance-group-manager';
import { gcpInstanceTemplate } from './gcp/instance-template';
import { gcpUnsupported } from './gcp/unsupported';

export type { ResourceKind, KindContext, KindResult, StackPeer } from './kind';

/**
 * Every resource type stackfit reads: one file per kind under `src/clouds/<cloud>/`, one line
 * here (see docs/DEVELOPING.md, "Adding a resource kind"). Each type belongs to one kind
 * (checked at load). Types with no kind carry no size (networks, buckets, IAM).
 */
export const resourceKinds: readonly ResourceKind[] = [
  // AWS
  ec2Instance,
  launchTemplate,
  rdsInstance,
  auroraClusterInstance,
  rdsCluster,
  autoscalingGroup,
  eksNodeGroup,
  eksClusterComponent,
  awsUnsupported,
  // Azure
  azureNativeVirtualMachine,
  azureClassicLinuxWindowsVm,
  azureClassicVirtualMachine,
  azureNativeScaleSet,
  azureClassicScaleSet,
  aksAgentPool,
  aksManagedCluster,
  azureUnsupported,
  // GCP
  gcpInstance,
  gcpInstanceTemplate,
  instanceGroupManager,
  gkeNodePool,
  gkeCluster,
  gcpUnsupported,
];
