import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root';
import { HOURS_PER_MONTH, StackfitError, type Cloud, type Offering, type WorkloadKind } from '../model';
import { NUMERIC_COLUMNS, catalogFileName, catalogFileSchema, checkColumn, sizeSpecAt, type CatalogFile, type SizeSpec } from './format';
import type { Catalog, OfferingQuery } from './types';

export type { Catalog, OfferingQuery } from './types';
export { candidatesFor, cheapestPerPlace, compareOfferings, isBurstable, pruneDominated, sameSpecAlternatives } from './candidates';
export type { CandidatesInput, SameSpecOptions } from './candidates';

/** The files a catalog directory holds, one per cloud and kind. */
export const CATALOG_PARTS: readonly { cloud: Cloud; kind: WorkloadKind }[] = [
  { cloud: 'aws', kind: 'vm' },
  { cloud: 'aws', kind: 'database' },
  { cloud: 'azure', kind: 'vm' },
  { cloud: 'gcp', kind: 'vm' },
];

/**
 * The `catalog/` directory shipped with the package. Found by walking up to the directory that
 * holds package.json, so it is the same from `src/catalog/` (tsx) and `dist/src/catalog/` (tsc).
 */
export function defaultCatalogDir(): string {
  try {
    return path.join(packageRoot(), 'catalog');
  } catch {
    throw new StackfitError('cannot find the package root (package.json) above this module', __dirname);
  }
}

const cache = new Map<string, Catalog>();

/**
 * Loads the catalog in `dir` (default: the shipped one), once per directory. With `overlayDir`
 * (refreshed prices from `stackfit catalog refresh`), each region an overlay file holds replaces
 * that region of the same cloud and kind: a refresh is a complete, newer snapshot of the region.
 */
export function loadCatalog(dir?: string, opts?: { overlayDir?: string }): Catalog {
  const resolved = path.resolve(dir ?? defaultCatalogDir());
  const overlay = opts?.overlayDir === undefined ? undefined : path.resolve(opts.overlayDir);
  const key = overlay === undefined ? resolved : `${resolved}\0${overlay}`;
  let catalog = cache.get(key);
  if (!catalog) {
    const files = CATALOG_PARTS.map((part) => readCatalogFile(path.join(resolved, catalogFileName(part.cloud, part.kind)), part));
    if (overlay !== undefined) files.push(...readOverlayFiles(overlay));
    catalog = new MemoryCatalog(files);
    cache.set(key, catalog);
  }
  return catalog;
}

/** The catalog files an overlay directory holds (any subset of the parts; at least one). */
function readOverlayFiles(dir: string): CatalogFile[] {
  const files = CATALOG_PARTS.map((part) => ({ part, file: path.join(dir, catalogFileName(part.cloud, part.kind)) }))
    .filter(({ file }) => existsSync(file))
    .map(({ part, file }) => readCatalogFile(file, part));
  if (files.length === 0) throw new StackfitError('no refreshed catalog here (run `stackfit catalog refresh --out` first)', dir);
  return files;
}

/** Reads and validates one catalog file; any problem is a StackfitError naming the file. */
export function readCatalogFile(file: string, expected?: { cloud: Cloud; kind: WorkloadKind }): CatalogFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StackfitError(`cannot read the price catalog: ${(error as Error).message}`, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StackfitError(`the price catalog is not valid JSON (${(error as Error).message}); rebuild it with \`npm run build:catalog\``, file);
  }
  const result = catalogFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new StackfitError(`malformed price catalog at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, file);
  }
  const data = result.data;
  if (expected && (data.cloud !== expected.cloud || data.kind !== expected.kind)) {
    throw new StackfitError(`malformed price catalog: holds ${data.cloud} ${data.kind}, expected ${expected.cloud} ${expected.kind}`, file);
  }
  checkConsistency(data, file);
  return data;
}

/** Column lengths agree and every index points into its table. */
function checkConsistency(data: CatalogFile, file: string): void {
  const fail = (what: string) => {
    throw new StackfitError(`malformed price catalog: ${what}`, file);
  };
  const sizes = data.sizes.name.length;
  for (const [column, values] of Object.entries(data.sizes) as [keyof CatalogFile['sizes'], unknown[]][]) {
    if (values.length !== sizes) fail(`sizes.${column} has ${values.length} entries, sizes.name ${sizes}`);
    const kind = NUMERIC_COLUMNS.sizes[column];
    const bad = kind ? checkColumn(values, kind) : -1;
    if (bad >= 0) fail(`sizes.${column}[${bad}] = ${JSON.stringify(values[bad])} is not a valid value`);
  }
  const offers = data.offers.hourlyUsd.length;
  for (const [column, values] of Object.entries(data.offers) as [keyof CatalogFile['offers'], unknown[] | undefined][]) {
    if (!values) continue;
    if (values.length !== offers) fail(`offers.${column} has ${values.length} entries, offers.hourlyUsd ${offers}`);
    const bad = checkColumn(values, NUMERIC_COLUMNS.offers[column]);
    if (bad >= 0) fail(`offers.${column}[${bad}] = ${JSON.stringify(values[bad])} is not a valid value`);
  }
  const inRange = (column: readonly number[] | undefined, limit: number, name: string) => {
    if (!column) return;
    for (let i = 0; i < column.length; i++) if (column[i]! >= limit) fail(`offers.${name}[${i}] = ${column[i]} is out of range`);
  };
  inRange(data.offers.region, data.regions.length, 'region');
  // Offers are grouped by region (the loader slices each region's run).
  const regionColumn = data.offers.region;
  for (let i = 1; i < regionColumn.length; i++) if (regionColumn[i]! < regionColumn[i - 1]!) fail(`offers.region is not sorted at [${i}]`);
  inRange(data.offers.size, sizes, 'size');
  inRange(data.offers.source, data.sources.length, 'source');
  if (data.kind === 'database') {
    if (!data.engines || !data.offers.engine || !data.offers.multiAz) fail('a database catalog needs engines, offers.engine and offers.multiAz');
    inRange(data.offers.engine, data.engines!.length, 'engine');
  }
}

/** hourly × 730, rounded to a millionth of a dollar so that float noise never shows in reports. */
function monthly(hourlyUsd: number): number {
  return Math.round(hourlyUsd * HOURS_PER_MONTH * 1e6) / 1e6;
}

/** Azure treats region names case-insensitively and takes `East US` for `eastus` (sizes too are case-insensitive there). */
function normalizeRegion(cloud: Cloud, region: string): string {
  return cloud === 'azure' ? region.toLowerCase().replace(/\s+/g, '') : region;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Each size's decoded spec of a file, once per file (shared by all its places). */
const sizeExtrasCache = new WeakMap<CatalogFile, readonly SizeSpec[]>();
function sizeExtrasOf(file: CatalogFile): readonly SizeSpec[] {
  let specs = sizeExtrasCache.get(file);
  if (!specs) {
    specs = file.sizes.name.map((_, i) => {
      const spec = sizeSpecAt(file.sizes, i);
      if (spec.capabilities) spec.capabilities = Object.freeze(spec.capabilities);
      return spec;
    });
    sizeExtrasCache.set(file, specs);
  }
  return specs;
}

/** One (cloud, kind, region): where its offers sit in its file, and, once asked for, its offerings. */
interface Place {
  file: CatalogFile;
  /** Offers `start` (inclusive) to `end` (exclusive): a file's offers are sorted by region. */
  start: number;
  end: number;
  offerings?: readonly Offering[];
  /** Size → offerings of that size: one for a VM, one per engine and deployment for a database class. */
  bySize?: Map<string, Offering[]>;
  /** Azure only: the same keyed by lower-cased size, for sizes written in another case. */
  byLowerSize?: Map<string, Offering[]>;
}

/**
 * The catalog held in memory. Offerings are materialised one place at a time, on first use:
 * start-up only parses and checks the files, so a policy pack that prices a few sizes in a few
 * regions never pays for the ~80,000 objects of the whole catalog. Lookups go through nested
 * maps keyed by the caller's own strings (no key building), exact spelling first.
 */
class MemoryCatalog implements Catalog {
  /** cloud → kind → region → place, regions in file order (sorted). */
  private readonly places = new Map<Cloud, Map<WorkloadKind, Map<string, Place>>>();
  private readonly regionLists = new Map<string, readonly string[]>();
  /** Sizes per cloud, exact and (Azure) lower-cased. */
  private readonly sizes = new Map<Cloud, Set<string>>();
  private readonly queryCache = new Map<string, readonly Offering[]>();
  private readonly sourceList: { cloud: Cloud; kind: WorkloadKind; source: string; date: string }[] = [];

  constructor(files: readonly CatalogFile[]) {
    const regionSets = new Map<string, Set<string>>();
    for (const file of files) {
      const { cloud, kind } = file;
      const sizeSet = this.sizes.get(cloud) ?? new Set<string>();
      this.sizes.set(cloud, sizeSet);
      for (const name of file.sizes.name) {
        sizeSet.add(name);
        if (cloud === 'azure') sizeSet.add(name.toLowerCase());
      }
      for (const key of [`${cloud}|${kind}`, cloud]) {
        const set = regionSets.get(key) ?? new Set<string>();
        for (const region of file.regions) set.add(region);
        regionSets.set(key, set);
      }
      let byKind = this.places.get(cloud);
      if (!byKind) this.places.set(cloud, (byKind = new Map<WorkloadKind, Map<string, Place>>()));
      // A later file of the same cloud and kind (an overlay) replaces the regions it holds.
      let byRegion = byKind.get(kind);
      if (!byRegion) byKind.set(kind, (byRegion = new Map<string, Place>()));
      const column = file.offers.region;
      let start = 0;
      while (start < column.length) {
        let end = start + 1;
        while (end < column.length && column[end] === column[start]) end++;
        byRegion.set(file.regions[column[start]!]!, { file, start, end });
        start = end;
      }
    }
    for (const [key, set] of regionSets) this.regionLists.set(key, Object.freeze([...set].sort()));
    // Sources of the files that still price at least one region (an overlay may replace them all).
    const used = new Set<CatalogFile>();
    for (const byKind of this.places.values()) for (const byRegion of byKind.values()) for (const place of byRegion.values()) used.add(place.file);
    for (const file of files) {
      if (!used.has(file)) continue;
      for (const s of file.sources) this.sourceList.push({ cloud: file.cloud, kind: file.kind, source: s.source, date: s.date });
    }
  }

  /** The place's offerings, built on first use. */
  private materialize(place: Place): readonly Offering[] {
    if (place.offerings) return place.offerings;
    const { file, start, end } = place;
    const { cloud, kind, sizes, offers, sources, engines } = file;
    const region = file.regions[offers.region[start]!]!;
    const list: Offering[] = [];
    const bySize = new Map<string, Offering[]>();
    const extras = sizeExtrasOf(file);
    for (let i = start; i < end; i++) {
      const s = offers.size[i]!;
      const source = sources[offers.source[i]!]!;
      const hourlyUsd = offers.hourlyUsd[i]!;
      const sourceMonthly = offers.monthlyUsd?.[i];
      // One literal of one shape, so every offering stays a fast object.
      const offering: Offering = {
        cloud,
        region,
        size: sizes.name[s]!,
        kind,
        vcpu: sizes.vcpu[s]!,
        memoryGiB: sizes.memoryGiB[s]!,
        arch: sizes.arch[s]!,
        family: sizes.family[s]!,
        currentGeneration: sizes.currentGeneration[s] === 1,
        gpus: sizes.gpus[s]!,
        hourlyUsd,
        // The source's own monthly price where it has one (GCP: sustained-use discounts included).
        monthlyUsd: sourceMonthly != null ? sourceMonthly : monthly(hourlyUsd),
        priceSource: source.source,
        priceDate: source.date,
      };
      const extra = extras[s]!;
      if (extra.capabilities) offering.capabilities = extra.capabilities;
      if (extra.cpuVendor) offering.cpuVendor = extra.cpuVendor;
      if (extra.generation) offering.generation = extra.generation;
      if (extra.burst) offering.burst = extra.burst;
      if (extra.windowsLicenceHourlyUsd !== undefined) offering.windowsLicenceHourlyUsd = extra.windowsLicenceHourlyUsd;
      if (extra.imageLicencesHourlyUsd !== undefined) offering.imageLicencesHourlyUsd = extra.imageLicencesHourlyUsd;
      const spotHourly = offers.spotHourlyUsd?.[i];
      const spotMonthly = offers.spotMonthlyUsd?.[i];
      if (spotHourly != null) offering.spotHourlyUsd = spotHourly;
      if (spotMonthly != null) offering.spotMonthlyUsd = spotMonthly;
      const committed1y = offers.monthlyUsdCommitted1y?.[i];
      const committed3y = offers.monthlyUsdCommitted3y?.[i];
      if (committed1y != null) offering.monthlyUsdCommitted1y = committed1y;
      if (committed3y != null) offering.monthlyUsdCommitted3y = committed3y;
      if (offers.engine && engines) {
        offering.engine = engines[offers.engine[i]!]!;
        offering.multiAz = offers.multiAz?.[i] === 1;
      }
      list.push(offering);
      const variants = bySize.get(offering.size);
      if (variants) variants.push(offering);
      else bySize.set(offering.size, [offering]);
    }
    place.bySize = bySize;
    place.offerings = Object.freeze(list);
    return place.offerings;
  }

  private place(cloud: Cloud, kind: WorkloadKind, region: string): Place | undefined {
    const byRegion = this.places.get(cloud)?.get(kind);
    if (!byRegion) return undefined;
    return byRegion.get(region) ?? (cloud === 'azure' ? byRegion.get(normalizeRegion(cloud, region)) : undefined);
  }

  lookup(cloud: Cloud, region: string, size: string, opts?: { engine?: string; multiAz?: boolean }): Offering | undefined {
    const engine = opts?.engine;
    const place = this.place(cloud, engine === undefined ? 'vm' : 'database', region);
    if (!place) return undefined;
    this.materialize(place);
    let variants = place.bySize!.get(size);
    if (!variants && cloud === 'azure') {
      if (!place.byLowerSize) place.byLowerSize = new Map([...place.bySize!].map(([name, list]) => [name.toLowerCase(), list]));
      variants = place.byLowerSize.get(size.toLowerCase());
    }
    if (!variants) return undefined;
    const multiAz = opts?.multiAz ?? false;
    for (let i = 0; i < variants.length; i++) {
      const o = variants[i]!;
      if (o.engine === engine && (engine === undefined || o.multiAz === multiAz)) return o;
    }
    return undefined;
  }

  offerings(query: OfferingQuery): readonly Offering[] {
    const key = `${query.cloud ?? '*'}|${query.kind ?? '*'}|${query.region ?? '*'}|${query.engine ?? '*'}|${query.multiAz ?? '*'}`;
    const cached = this.queryCache.get(key);
    if (cached) return cached;
    const parts: (readonly Offering[])[] = [];
    for (const [cloud, byKind] of this.places) {
      if (query.cloud !== undefined && cloud !== query.cloud) continue;
      for (const [kind, byRegion] of byKind) {
        if (query.kind !== undefined && kind !== query.kind) continue;
        const places = query.region === undefined ? [...byRegion.values()] : [this.place(cloud, kind, query.region)];
        for (const place of places) {
          if (!place) continue;
          const offerings = this.materialize(place);
          parts.push(
            query.engine === undefined && query.multiAz === undefined
              ? offerings
              : offerings.filter(
                  (o) => (query.engine === undefined || o.engine === query.engine) && (query.multiAz === undefined || o.multiAz === query.multiAz),
                ),
          );
        }
      }
    }
    const result = Object.freeze(parts.length === 1 ? parts[0]! : parts.flat());
    this.queryCache.set(key, result);
    return result;
  }

  regions(cloud: Cloud, kind?: WorkloadKind): readonly string[] {
    return this.regionLists.get(kind ? `${cloud}|${kind}` : cloud) ?? EMPTY;
  }

  knowsSize(cloud: Cloud, size: string): boolean {
    const sizes = this.sizes.get(cloud);
    return sizes !== undefined && (sizes.has(size) || (cloud === 'azure' && sizes.has(size.toLowerCase())));
  }

  sources(): readonly { cloud: Cloud; kind: WorkloadKind; source: string; date: string }[] {
    return this.sourceList;
  }
}
