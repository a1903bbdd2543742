import { unsupportedTypes } from '../../stack/handler';
import { singleResourceKind, type ResourceKind } from '../kind';

/** Sized Azure compute stackfit recognises but does not size: skipped, with why. */
export const azureUnsupported: ResourceKind = singleResourceKind(
  unsupportedTypes(
    'azure',
    [
      'azure-native:web:AppServicePlan',
      'azure-native:dbforpostgresql:Server',
      'azure-native:dbforpostgresql:FlexibleServer',
      'azure-native:dbformysql:Server',
      'azure-native:dbformysql:FlexibleServer',
      'azure-native:cache:Redis',
      'azure:kubernetes/cluster:KubernetesCluster',
      'azure:kubernetes/kubernetesClusterNodePool:KubernetesClusterNodePool',
    ],
    'stackfit sizes virtual machines, scale sets and AKS node pools (azure-native)',
  ),
);
