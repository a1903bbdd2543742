import { unsupportedTypes } from '../../stack/handler';
import { singleResourceKind, type ResourceKind } from '../kind';

/** Sized AWS compute stackfit recognises but does not size: skipped, with why. */
export const awsUnsupported: ResourceKind = singleResourceKind(
  unsupportedTypes(
    'aws',
    [
      'aws:ecs/service:Service',
      'aws:ecs/taskDefinition:TaskDefinition',
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
    'stackfit sizes EC2 instances, launch templates, auto scaling groups, EKS node groups and RDS instances',
  ),
);
