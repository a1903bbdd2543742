import type { Cloud, Offering } from '../model';
import { isAwsBurstableFamily } from './aws/catalog';
import { isAzureBurstableSize } from './azure/catalog';
import { isGcpBurstableSize } from './gcp/catalog';

/** Each cloud's rule for telling a burstable size (AWS T, Azure B, GCP shared-core) from its name. */
const burstableRule: Record<Cloud, (o: Pick<Offering, 'family' | 'size'>) => boolean> = {
  aws: (o) => isAwsBurstableFamily(o.family),
  azure: (o) => isAzureBurstableSize(o.size),
  gcp: (o) => isGcpBurstableSize(o.size),
};

/**
 * Burstable sizes sell a CPU baseline plus credits: their list price only holds for spiky use,
 * so they are never swapped in for a size that is not one (catalog/candidates.ts).
 */
export function isBurstable(o: Pick<Offering, 'cloud' | 'family' | 'size'>): boolean {
  return burstableRule[o.cloud](o);
}
