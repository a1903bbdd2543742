import { lookup, stringAt } from '../../stack/values';
import { skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { readRdsInstance } from './rds-instance';

export const AURORA_CLUSTER_INSTANCE_TYPE = 'aws:rds/clusterInstance:ClusterInstance';
export const RDS_CLUSTER_TYPE = 'aws:rds/cluster:Cluster';
/** The cluster `storageType` of Aurora I/O-Optimized; empty or `aurora` is Aurora Standard. */
export const AURORA_IO_OPTIMIZED = 'aurora-iopt1';

/**
 * Aurora cluster instances (`aws:rds/clusterInstance:ClusterInstance`), sized by `instanceClass`
 * like RDS instances. The instance price depends on the cluster's storage configuration, and the
 * shipped RDS prices for the aurora engines are Aurora I/O-Optimized ones (data/README.md): an
 * instance of an I/O-Optimized cluster is priced; one of a Standard cluster (the default: AWS
 * puts a 30 % premium on I/O-Optimized instance hours) or of a cluster this view cannot see is
 * not, with the reason, rather than shown a price it does not pay.
 */
export function readAuroraInstance(ctx: KindContext): KindResult {
  const read = readRdsInstance(ctx);
  if ('skip' in read) return skipOnly(read.skip);
  const { workload } = read;
  if (!workload.engine?.toLowerCase().startsWith('aurora')) return { workloads: [workload], skipped: [], consumes: [] };
  const storage = clusterStorage(ctx);
  if ('skip' in storage) return skipOnly(storage.skip);
  if (storage.type !== AURORA_IO_OPTIMIZED) {
    return skipOnly(
      `Aurora Standard storage (cluster ${storage.cluster} storageType ${storage.type === '' ? 'not set' : storage.type}): the catalog holds Aurora I/O-Optimized instance prices only, so ${workload.size} is not priced rather than shown the I/O-Optimized price`,
    );
  }
  return { workloads: [workload], skipped: [], consumes: [] };
}

function clusterStorage(ctx: KindContext): { cluster: string; type: string } | { skip: string } {
  const ref = lookup(ctx.props, ['clusterIdentifier']);
  if (ref.kind === 'unknown')
    return {
      skip: 'Aurora cluster (clusterIdentifier) is unknown during preview: its storage type, and so the instance price, is not known',
    };
  const id = stringAt(ctx.props, ['clusterIdentifier']);
  if (!id)
    return { skip: 'Aurora instance names no cluster (clusterIdentifier): its storage type, and so the instance price, is not known' };
  const cluster =
    ctx.find(id, RDS_CLUSTER_TYPE) ?? ctx.ofType(RDS_CLUSTER_TYPE).find((c) => stringAt(c.props, ['clusterIdentifier']) === id);
  if (!cluster)
    return {
      skip: `Aurora cluster ${id} is not in this stack: its storage type (Standard or I/O-Optimized), and so the instance price, is not known`,
    };
  const storage = lookup(cluster.props, ['storageType']);
  if (storage.kind === 'unknown')
    return { skip: `Aurora cluster ${id}: storageType is unknown during preview, so the instance price is not known` };
  return { cluster: id, type: storage.kind === 'value' && typeof storage.value === 'string' ? storage.value : '' };
}

export const auroraClusterInstance: ResourceKind = {
  cloud: 'aws',
  types: [AURORA_CLUSTER_INSTANCE_TYPE],
  read: readAuroraInstance,
};
