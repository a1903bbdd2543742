import type { Offering, Workload } from '../model';
import type { Catalog } from './types';

/** The catalog offering a workload runs on today, or undefined (unpriced: unknown size or region). */
export function currentOfferingOf(catalog: Catalog, w: Pick<Workload, 'cloud' | 'region' | 'size' | 'kind' | 'engine' | 'multiAz'>): Offering | undefined {
  if (!w.region) return undefined;
  return catalog.lookup(w.cloud, w.region, w.size, w.kind === 'database' ? { engine: w.engine, multiAz: w.multiAz } : undefined);
}
