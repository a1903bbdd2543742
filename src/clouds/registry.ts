import type { ResourceKind } from './kind';
import { autoscalingGroup } from './aws/autoscaling-group';
import { auroraClusterInstance } from './aws/aurora-instance';
import { eksClusterComponent } from './aws/eks-cluster';
import { eksNodeGroup } from './aws/eks-node-group';
import { aksAgentPool, aksManagedCluster } from './azure/aks-agent-pool';
import { gkeCluster, gkeNodePool } from './gcp/gke-node-pool';
import { instanceGroupManager } from './gcp/instance-group-manager';

export type { ResourceKind, KindContext, KindResult, StackPeer } from './kind';

/**
 * Resource kinds added through the registry: one file under `src/clouds/<cloud>/`, one line
 * here (see docs/DEVELOPING.md). A type listed here must not also have a handler in
 * `src/clouds/<cloud>/resources.ts` (checked at load).
 */
export const resourceKinds: readonly ResourceKind[] = [
  eksNodeGroup,
  eksClusterComponent,
  autoscalingGroup,
  aksAgentPool,
  aksManagedCluster,
  gkeNodePool,
  gkeCluster,
  instanceGroupManager,
  auroraClusterInstance,
];
