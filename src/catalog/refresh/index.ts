import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../../atomic-write';
import path from 'node:path';
import { StackfitError } from '../../model';
import { fetchAwsEc2Prices, AWS_PRICES_ENDPOINT } from '../../clouds/aws/prices-api';
import { fetchAzureVmPrices, AZURE_PRICES_ENDPOINT } from '../../clouds/azure/prices-api';
import { catalogFileName, encodeCatalogPart, serializeCatalogFile, sizeSpecAt, type CatalogFile, type CatalogRow, type CatalogSource, type SizeSpec } from '../format';
import { defaultCatalogDir, readCatalogFile } from '../index';
import type { RetryOptions } from './http';

export { getJson, getWithRetry, type RetryOptions } from './http';

/**
 * `stackfit catalog refresh`: current on-demand Linux VM prices from a cloud's public price API,
 * joined with the shipped catalog's specs, written as an overlay catalog file that
 * `loadCatalog(dir, { overlayDir })` reads over the shipped one.
 */

import { DEFAULT_OVERLAY_DIR, type RefreshableCloud } from './options';
export { DEFAULT_OVERLAY_DIR, REFRESHABLE_CLOUDS, type RefreshableCloud } from './options';

export interface RefreshOptions extends RetryOptions {
  cloud: RefreshableCloud;
  /** Regions to refresh; none = every region the API lists. */
  regions?: readonly string[];
  /** API base URL (default: the cloud's public endpoint). */
  endpoint?: string;
  /** Overlay directory (default `.stackfit/catalog`). */
  outDir?: string;
  /** Catalog whose specs are joined (default: the shipped one). */
  specsDir?: string;
  /** Fetch time (default: now). */
  now?: Date;
}

export interface RefreshSummary {
  cloud: RefreshableCloud;
  file: string;
  /** Regions refreshed now, and offerings written for them. */
  regions: string[];
  offerings: number;
  /** Sizes the API prices that the shipped catalog has no specs for (left out), with their count of rows. */
  skippedSizes: string[];
  skippedRows: number;
  /** AWS: products kept whose on-demand price is missing or zero. */
  unpriced: number;
  /** Regions kept from an earlier refresh in the same file. */
  keptRegions: string[];
  /** Regions asked for that the API had no prices for (they stay on the shipped catalog). */
  emptyRegions: string[];
  source: string;
}

interface PriceRow {
  region: string;
  size: string;
  hourlyUsd: number;
}

/** Size → specs, from a catalog file's size table (Azure keyed lower-case too: names are case-insensitive). */
export function specsBySize(file: CatalogFile): Map<string, SizeSpec> {
  const specs = new Map<string, SizeSpec>();
  for (let i = 0; i < file.sizes.name.length; i++) {
    const spec = sizeSpecAt(file.sizes, i);
    specs.set(spec.size, spec);
    if (file.cloud === 'azure') specs.set(spec.size.toLowerCase(), spec);
  }
  return specs;
}

/** The rows of a catalog file (the inverse of `encodeCatalogPart`), for merging an earlier overlay. */
export function decodeCatalogRows(file: CatalogFile): CatalogRow[] {
  const { sizes, offers } = file;
  const rows: CatalogRow[] = [];
  for (let i = 0; i < offers.hourlyUsd.length; i++) {
    const row: CatalogRow = {
      region: file.regions[offers.region[i]!]!,
      ...sizeSpecAt(sizes, offers.size[i]!),
      hourlyUsd: offers.hourlyUsd[i]!,
      source: offers.source[i]!,
    };
    const c1 = offers.monthlyUsdCommitted1y?.[i];
    const c3 = offers.monthlyUsdCommitted3y?.[i];
    if (c1 != null) row.monthlyUsdCommitted1y = c1;
    if (c3 != null) row.monthlyUsdCommitted3y = c3;
    rows.push(row);
  }
  return rows;
}

/**
 * Builds the overlay file: fresh prices with the specs of `specs`, plus the regions an earlier
 * overlay (`previous`) holds that this refresh did not touch. Pure.
 */
export function buildOverlay(input: {
  cloud: RefreshableCloud;
  prices: readonly PriceRow[];
  specs: CatalogFile;
  source: CatalogSource;
  previous?: CatalogFile;
}): { file: CatalogFile; offerings: number; regions: string[]; skippedSizes: string[]; skippedRows: number; keptRegions: string[] } {
  const specs = specsBySize(input.specs);
  const sources: CatalogSource[] = [input.source];
  const rows: CatalogRow[] = [];
  const skipped = new Map<string, number>();
  const regions = new Set<string>();
  for (const price of input.prices) {
    regions.add(price.region);
    const spec = specs.get(price.size) ?? (input.cloud === 'azure' ? specs.get(price.size.toLowerCase()) : undefined);
    if (!spec) {
      skipped.set(price.size, (skipped.get(price.size) ?? 0) + 1);
      continue;
    }
    rows.push({ region: price.region, ...spec, hourlyUsd: price.hourlyUsd, source: 0 });
  }
  const offerings = rows.length;
  const keptRegions = new Set<string>();
  if (input.previous) {
    const previousSources = input.previous.sources;
    const sourceIndex = new Map<number, number>();
    for (const row of decodeCatalogRows(input.previous)) {
      if (regions.has(row.region)) continue;
      keptRegions.add(row.region);
      let index = sourceIndex.get(row.source);
      if (index === undefined) {
        sources.push(previousSources[row.source]!);
        sourceIndex.set(row.source, (index = sources.length - 1));
      }
      rows.push({ ...row, source: index });
    }
  }
  if (rows.length === 0) throw new StackfitError(`the ${input.cloud} price API returned no Linux on-demand VM prices with known specs; nothing written`, input.source.source);
  const file = encodeCatalogPart({ cloud: input.cloud, kind: 'vm', sources, rows, notes: [] });
  return {
    file,
    offerings,
    regions: [...regions].sort(),
    skippedSizes: [...skipped.keys()].sort(),
    skippedRows: [...skipped.values()].reduce((a, b) => a + b, 0),
    keptRegions: [...keptRegions].sort(),
  };
}

/** Writes the whole overlay file or nothing (see atomic-write.ts). */
export function writeAtomic(file: string, text: string): void {
  try {
    writeFileAtomic(file, text);
  } catch (err) {
    throw new StackfitError(`cannot write the refreshed catalog: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
}

/** Fetches, joins and writes one cloud's overlay; everything is fetched before anything is written. */
export async function refreshCatalog(opts: RefreshOptions): Promise<RefreshSummary> {
  const now = opts.now ?? new Date();
  const fetchedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const outDir = path.resolve(opts.outDir ?? DEFAULT_OVERLAY_DIR);
  const fileName = catalogFileName(opts.cloud, 'vm');
  const specs = readCatalogFile(path.join(opts.specsDir ?? defaultCatalogDir(), fileName), { cloud: opts.cloud, kind: 'vm' });
  const out = path.join(outDir, fileName);
  const previous = existsSync(out) ? readCatalogFile(out, { cloud: opts.cloud, kind: 'vm' }) : undefined;
  const regions = opts.regions ?? [];
  const retry: RetryOptions = {
    ...(opts.attempts !== undefined && { attempts: opts.attempts }),
    ...(opts.baseDelayMs !== undefined && { baseDelayMs: opts.baseDelayMs }),
    ...(opts.maxDelayMs !== undefined && { maxDelayMs: opts.maxDelayMs }),
    ...(opts.fetch && { fetch: opts.fetch }),
  };
  let prices: PriceRow[];
  let source: string;
  let unpriced = 0;
  if (opts.cloud === 'azure') {
    const endpoint = opts.endpoint ?? AZURE_PRICES_ENDPOINT;
    prices = await fetchAzureVmPrices({ endpoint, regions, ...retry });
    source = `Azure Retail Prices API (${new URL('/api/retail/prices', endpoint).href}; Virtual Machines, Consumption, Linux, no Spot / Low Priority), fetched ${fetchedAt}`;
  } else {
    const endpoint = opts.endpoint ?? AWS_PRICES_ENDPOINT;
    const result = await fetchAwsEc2Prices({ endpoint, regions, ...retry });
    prices = result.prices;
    unpriced = result.unpriced;
    const published = [...new Set(result.publicationDates.values())].sort();
    source =
      `AWS Price List bulk API (${new URL('/offers/v1.0/aws/AmazonEC2/current/', endpoint).href}; on-demand, Linux, shared tenancy, no pre-installed software)` +
      `${published.length ? `, published ${published.join(', ')}` : ''}, fetched ${fetchedAt}`;
  }
  const built = buildOverlay({ cloud: opts.cloud, prices, specs, source: { source, date: fetchedAt.slice(0, 10) }, ...(previous && { previous }) });
  writeAtomic(out, serializeCatalogFile(built.file));
  return {
    cloud: opts.cloud,
    file: out,
    regions: built.regions,
    offerings: built.offerings,
    skippedSizes: built.skippedSizes,
    skippedRows: built.skippedRows,
    unpriced,
    keptRegions: built.keptRegions,
    emptyRegions: regions
      .map((r) => (opts.cloud === 'azure' ? r.toLowerCase().replace(/\s+/g, '') : r))
      .filter((r) => !built.regions.includes(r)),
    source,
  };
}
