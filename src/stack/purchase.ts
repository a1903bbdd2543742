import type { Workload } from '../model';
import { plainAt } from './os';

/**
 * How a VM is bought, when that changes its price: spot / preemptible capacity, or dedicated
 * hardware (dedicated tenancy, a dedicated or sole-tenant host). A spot VM is priced at spot
 * where the catalog has spot prices (GCP) and is otherwise unpriced with the reason; a VM on
 * dedicated hardware is unpriced (the catalogs hold shared-tenancy prices) — never shown the
 * shared on-demand price it does not pay (src/catalog/views.ts).
 */
export type SpotFinding = Pick<Workload, 'spot'>;
export type DedicatedFinding = Pick<Workload, 'dedicated'>;

const found = (evidence: string): SpotFinding => ({ spot: evidence });
const plainString = (props: Record<string, unknown>, path: readonly string[]): string | undefined => {
  const value = plainAt(props, path);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** EC2 instance `tenancy` / `hostId`, launch template `placement.tenancy` / `placement.hostId`. */
export function awsDedicated(props: Record<string, unknown>): DedicatedFinding {
  for (const root of [[], ['placement']]) {
    const tenancy = plainString(props, [...root, 'tenancy']);
    if (tenancy && tenancy.toLowerCase() !== 'default') return { dedicated: `${[...root, 'tenancy'].join('.')} ${tenancy}` };
    const host = plainString(props, [...root, 'hostId']);
    if (host) return { dedicated: `${[...root, 'hostId'].join('.')} ${host}` };
  }
  return {};
}

/** Azure VM on a dedicated host: azure-native `host` / `hostGroup`, classic `dedicatedHostId` / `dedicatedHostGroupId`. */
export function azureDedicated(props: Record<string, unknown>): DedicatedFinding {
  for (const path of [['host', 'id'], ['hostGroup', 'id'], ['dedicatedHostId'], ['dedicatedHostGroupId']]) {
    const id = plainString(props, path);
    if (id) return { dedicated: `${path.join('.')} ${id}` };
  }
  return {};
}

/** GCE sole-tenant node: `scheduling.nodeAffinities` naming a node group or node. */
export function gcpDedicated(props: Record<string, unknown>): DedicatedFinding {
  const affinities = plainAt(props, ['scheduling', 'nodeAffinities']);
  if (!Array.isArray(affinities)) return {};
  for (const affinity of affinities) {
    const key = affinity && typeof affinity === 'object' ? (affinity as Record<string, unknown>).key : undefined;
    if (typeof key === 'string' && /^compute\.googleapis\.com\/node(-group)?-name$/.test(key))
      return { dedicated: `scheduling.nodeAffinities ${key} (sole-tenant)` };
  }
  return {};
}

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

/** EC2 instance / launch template `creditSpecification.cpuCredits` (standard or unlimited), when set. */
export function awsCpuCredits(props: Record<string, unknown>): Pick<Workload, 'cpuCredits'> {
  const mode = plainString(props, ['creditSpecification', 'cpuCredits'])?.toLowerCase();
  return mode === 'standard' || mode === 'unlimited' ? { cpuCredits: mode } : {};
}
