import { lookup, stringAt } from '../../stack/values';
import { emptyResult, skipOnly, type KindContext, type KindResult, type ResourceKind } from '../kind';
import { RDS_CLUSTER_TYPE } from './aurora-instance';

/**
 * `aws:rds/cluster:Cluster`. An Aurora cluster carries no size (its instances are
 * `aws:rds/clusterInstance:ClusterInstance`, read by `aurora-instance.ts`). A Multi-AZ DB cluster
 * (MySQL/PostgreSQL with `dbClusterInstanceClass`) is sized on the cluster itself: one writer and
 * two readable standbys of that class, billed at AWS's own "Multi-AZ DB cluster" instance rate.
 * The shipped RDS prices (data/README.md) hold Single-AZ and Multi-AZ *instance* rates only, so
 * the cluster is reported as skipped with the reason instead of being left out silently or
 * priced as three Single-AZ instances.
 */
export function readRdsCluster(ctx: KindContext): KindResult {
  const cls = lookup(ctx.props, ['dbClusterInstanceClass']);
  if (cls.kind === 'missing') return emptyResult();
  if (cls.kind === 'unknown') return skipOnly('Multi-AZ DB cluster: its instance class (dbClusterInstanceClass) is unknown during preview');
  if (cls.kind === 'secret') return skipOnly('Multi-AZ DB cluster: its instance class (dbClusterInstanceClass) is a secret: not read');
  const size = typeof cls.value === 'string' ? cls.value : undefined;
  if (!size) return emptyResult();
  const engine = stringAt(ctx.props, ['engine']);
  return skipOnly(
    `Multi-AZ DB cluster (dbClusterInstanceClass ${size}${engine ? `, engine ${engine}` : ''}): 3 instances (1 writer, 2 readable standbys) billed at the Multi-AZ DB cluster rate, which the catalog does not hold (it has Single-AZ and Multi-AZ instance rates): not priced or sized`,
  );
}

export const rdsCluster: ResourceKind = { cloud: 'aws', types: [RDS_CLUSTER_TYPE], read: readRdsCluster };
