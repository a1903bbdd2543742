import type { Workload } from '../model';
import { plainAt } from './os';

/**
 * Whether a VM runs on spot / preemptible capacity, and what says so. Such a VM pays the spot
 * price, not the on-demand one: it is priced at spot where the catalog has spot prices (GCP) and
 * is otherwise unpriced with the reason (src/catalog/views.ts), never shown an on-demand price.
 */
export type SpotFinding = Pick<Workload, 'spot'>;

const found = (evidence: string): SpotFinding => ({ spot: evidence });

/** EC2 instance / launch template: `instanceMarketOptions.marketType: spot`. */
export function awsSpot(props: Record<string, unknown>): SpotFinding {
  const market = plainAt(props, ['instanceMarketOptions', 'marketType']);
  return typeof market === 'string' && market.toLowerCase() === 'spot' ? found(`instanceMarketOptions.marketType ${market}`) : {};
}

/** Azure VM / scale set: `priority: Spot` (or the older `Low`), under `virtualMachineProfile` for azure-native scale sets. */
export function azureSpot(props: Record<string, unknown>): SpotFinding {
  for (const path of [['priority'], ['virtualMachineProfile', 'priority']]) {
    const priority = plainAt(props, path);
    if (typeof priority === 'string' && ['spot', 'low'].includes(priority.toLowerCase())) return found(`${path.join('.')} ${priority}`);
  }
  return {};
}

/** GCE instance / template: `scheduling.provisioningModel: SPOT` or `scheduling.preemptible: true` (priced as spot). */
export function gcpSpot(props: Record<string, unknown>): SpotFinding {
  const model = plainAt(props, ['scheduling', 'provisioningModel']);
  if (typeof model === 'string' && model.toUpperCase() === 'SPOT') return found(`scheduling.provisioningModel ${model}`);
  if (plainAt(props, ['scheduling', 'preemptible']) === true) return found('scheduling.preemptible true');
  return {};
}
