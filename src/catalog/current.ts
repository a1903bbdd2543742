import type { Offering, Workload } from '../model';
import type { Catalog } from './types';

/** The catalog offering a workload runs on today, or undefined (unpriced: unknown size or region). */
export function currentOfferingOf(catalog: Catalog, w: Pick<Workload, 'cloud' | 'region' | 'size' | 'kind' | 'engine' | 'multiAz'>): Offering | undefined {
  if (!w.region) return undefined;
  return catalog.lookup(w.cloud, w.region, w.size, w.kind === 'database' ? { engine: w.engine, multiAz: w.multiAz } : undefined);
}

/**
 * vCPU and memory of a workload's size for plausibility checks: where it runs or, when the
 * catalog has no price there (an unpriced region), wherever it sells that size in the cloud. A
 * size's shape is the same in every region, so the capacity is known even when the price is not.
 */
export function capacityOf(
  catalog: Catalog,
  w: Pick<Workload, 'cloud' | 'region' | 'size' | 'kind' | 'engine' | 'multiAz'>,
): { vcpu: number; memoryGiB: number } | undefined {
  const here = currentOfferingOf(catalog, w);
  if (here) return { vcpu: here.vcpu, memoryGiB: here.memoryGiB };
  const anywhere = catalog.offerings({ cloud: w.cloud, kind: w.kind }).find((o) => o.size === w.size);
  return anywhere && { vcpu: anywhere.vcpu, memoryGiB: anywhere.memoryGiB };
}
