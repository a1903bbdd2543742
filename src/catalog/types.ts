import type { Cloud, Offering, WorkloadKind } from '../model';

/** Filter for listing offerings. Omitted fields match everything. */
export interface OfferingQuery {
  cloud?: Cloud;
  region?: string;
  kind?: WorkloadKind;
  /** Databases: engine (`mysql`, `postgres`, `aurora-mysql`, `aurora-postgresql`) and Multi-AZ. */
  engine?: string;
  multiAz?: boolean;
}

/**
 * The price catalog: every priced size in every place, loaded once from the files shipped in
 * `catalog/`. Lookups are O(1); nothing here does network I/O.
 */
export interface Catalog {
  /** The offering for exactly this size in this place, or undefined (unknown size or region). */
  lookup(cloud: Cloud, region: string, size: string, opts?: { engine?: string; multiAz?: boolean }): Offering | undefined;
  /** All offerings matching the query (a shared array: do not mutate). */
  offerings(query: OfferingQuery): readonly Offering[];
  /** Regions that have prices for a cloud (and kind). */
  regions(cloud: Cloud, kind?: WorkloadKind): readonly string[];
  /** Whether the size exists in this cloud at all (in any region): tells "unknown size" from "not sold here". */
  knowsSize(cloud: Cloud, size: string): boolean;
  /** Where each cloud's prices come from, with dates, for reports. */
  sources(): readonly { cloud: Cloud; kind: WorkloadKind; source: string; date: string }[];
}
