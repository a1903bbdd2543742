import { z } from 'zod';
import { CLOUDS, type Arch, type Cloud, type WorkloadKind } from '../model';

/**
 * The on-disk catalog format: one JSON file per cloud and kind (`catalog/aws-vm.json`, …).
 * Columnar, with sizes and regions interned, so the files stay small and parse fast: the policy
 * pack loads every file at start-up.
 */
export const CATALOG_FORMAT = 1;

/** One priced size in one place, as the per-cloud builders produce it (before encoding). */
export interface CatalogRow {
  region: string;
  size: string;
  vcpu: number;
  memoryGiB: number;
  arch: Arch;
  family: string;
  currentGeneration: boolean;
  gpus: number;
  hourlyUsd: number;
  /** Index into the file's `sources`. */
  source: number;
  engine?: string;
  multiAz?: boolean;
  monthlyUsdCommitted1y?: number;
  monthlyUsdCommitted3y?: number;
  /** What the size offers beyond vCPU and memory (see src/catalog/capabilities.ts), sorted. */
  capabilities?: readonly string[];
  /** CPU maker (`intel`, `amd`, `aws` for Graviton, `arm`…) and family generation, for upgrade checks. */
  cpuVendor?: string;
  generation?: number;
  /** Burstable sizes: the CPU the size sustains, and the most credits it banks (core-hours). */
  burst?: BurstSpec;
  /** The Windows Server licence per hour where the source prices it (GCP); absent: unknown. */
  windowsLicenceHourlyUsd?: number;
  /** Licences of premium Linux images per hour (GCP: `rhel`, `rhel-sap`, `sles`, `sles-sap`); absent: unknown. */
  imageLicencesHourlyUsd?: Readonly<Record<string, number>>;
  /** The source's own monthly price when it is not hour × 730 (GCP: with sustained-use discounts). */
  monthlyUsd?: number;
  /** Spot / preemptible prices where the source has them. */
  spotHourlyUsd?: number;
  spotMonthlyUsd?: number;
}

export interface BurstSpec {
  /** Cores of CPU the size runs at indefinitely (baseline per vCPU × vCPUs). */
  baselineCores: number;
  /** Credits the size can bank, in core-hours (0: no banked credits modelled). */
  creditCapCoreHours: number;
}

export interface CatalogSource {
  /** Source file name and its upstream origin. */
  source: string;
  /** ISO date of the prices. */
  date: string;
}

/** What a per-cloud builder returns: rows, their sources, and what it left out and why. */
export interface CatalogPart {
  cloud: Cloud;
  kind: WorkloadKind;
  sources: CatalogSource[];
  rows: CatalogRow[];
  /** Human-readable build notes (exclusions with counts, spec mismatches). */
  notes: string[];
}

/**
 * A column of many values. zod checks that it is an array; the element checks run in
 * `checkColumn` below, a tight loop, because zod's per-element checks over the ~80,000 offers
 * cost more start-up time than everything else together.
 */
function column<T>() {
  return z.custom<T[]>((value) => Array.isArray(value), { message: 'expected an array' });
}

export const catalogFileSchema = z
  .object({
    format: z.literal(CATALOG_FORMAT),
    cloud: z.enum(CLOUDS),
    kind: z.enum(['vm', 'database']),
    sources: z.array(z.object({ source: z.string().min(1), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })).min(1),
    regions: z.array(z.string().min(1)),
    engines: z.array(z.string().min(1)).optional(),
    sizes: z.object({
      name: z.array(z.string().min(1)),
      vcpu: column<number>(),
      memoryGiB: column<number>(),
      arch: z.array(z.enum(['amd64', 'arm64'])),
      family: z.array(z.string().min(1)),
      currentGeneration: column<0 | 1>(),
      // Fractional on GCP G4 (a share of one GPU).
      gpus: column<number>(),
      // Optional columns: files written before they existed (overlays) still load.
      capabilities: column<string>().optional(),
      cpuVendor: column<string>().optional(),
      generation: column<number>().optional(),
      burstBaselineCores: column<number | null>().optional(),
      burstCreditCapCoreHours: column<number | null>().optional(),
      windowsLicenceHourlyUsd: column<number | null>().optional(),
      // `rhel=0.0576;sles=0.11` per size ('' for none): few sizes, many keys, so one text column.
      imageLicencesHourlyUsd: column<string>().optional(),
    }),
    offers: z.object({
      region: column<number>(),
      size: column<number>(),
      source: column<number>(),
      hourlyUsd: column<number>(),
      engine: column<number>().optional(),
      multiAz: column<0 | 1>().optional(),
      monthlyUsdCommitted1y: column<number | null>().optional(),
      monthlyUsdCommitted3y: column<number | null>().optional(),
      monthlyUsd: column<number | null>().optional(),
      spotHourlyUsd: column<number | null>().optional(),
      spotMonthlyUsd: column<number | null>().optional(),
    }),
  })
  .strict();

export type ColumnKind = 'positive' | 'nonnegative' | 'index' | 'flag' | 'nullablePrice' | 'text';

/** Index of the first element that is not of the kind, or -1. */
export function checkColumn(values: readonly unknown[], kind: ColumnKind): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let ok: boolean;
    switch (kind) {
      case 'positive':
        ok = typeof v === 'number' && v > 0 && Number.isFinite(v);
        break;
      case 'nonnegative':
        ok = typeof v === 'number' && v >= 0 && Number.isFinite(v);
        break;
      case 'index':
        ok = typeof v === 'number' && Number.isInteger(v) && v >= 0;
        break;
      case 'flag':
        ok = v === 0 || v === 1;
        break;
      case 'nullablePrice':
        ok = v === null || (typeof v === 'number' && v >= 0 && Number.isFinite(v));
        break;
      case 'text':
        ok = typeof v === 'string';
        break;
    }
    if (!ok) return i;
  }
  return -1;
}

/** The element kind of every numeric column. */
export const NUMERIC_COLUMNS: {
  sizes: Partial<Record<keyof CatalogFile['sizes'], ColumnKind>>;
  offers: Record<keyof CatalogFile['offers'], ColumnKind>;
} = {
  sizes: {
    vcpu: 'positive',
    memoryGiB: 'positive',
    currentGeneration: 'flag',
    gpus: 'nonnegative',
    capabilities: 'text',
    cpuVendor: 'text',
    generation: 'nonnegative',
    burstBaselineCores: 'nullablePrice',
    burstCreditCapCoreHours: 'nullablePrice',
    windowsLicenceHourlyUsd: 'nullablePrice',
    imageLicencesHourlyUsd: 'text',
  },
  offers: {
    region: 'index',
    size: 'index',
    source: 'index',
    hourlyUsd: 'nonnegative',
    engine: 'index',
    multiAz: 'flag',
    monthlyUsdCommitted1y: 'nullablePrice',
    monthlyUsdCommitted3y: 'nullablePrice',
    monthlyUsd: 'nullablePrice',
    spotHourlyUsd: 'nullablePrice',
    spotMonthlyUsd: 'nullablePrice',
  },
};

export type CatalogFile = z.infer<typeof catalogFileSchema>;

/** File name of a part inside the catalog directory. */
export function catalogFileName(cloud: Cloud, kind: WorkloadKind): string {
  return `${cloud}-${kind}.json`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Encodes a part into the columnar file layout. Output order is fully determined by the rows'
 * content (sorted by region, size, engine, Multi-AZ), so rebuilding from the same sources gives
 * the same bytes.
 */
export function encodeCatalogPart(part: CatalogPart): CatalogFile {
  const rows = [...part.rows].sort(
    (a, b) =>
      compareStrings(a.region, b.region) ||
      compareStrings(a.size, b.size) ||
      compareStrings(a.engine ?? '', b.engine ?? '') ||
      Number(a.multiAz ?? false) - Number(b.multiAz ?? false),
  );
  const regions = [...new Set(rows.map((r) => r.region))].sort(compareStrings);
  const sizeNames = [...new Set(rows.map((r) => r.size))].sort(compareStrings);
  const regionIndex = new Map(regions.map((r, i) => [r, i]));
  const sizeIndex = new Map(sizeNames.map((s, i) => [s, i]));
  const specBySize = new Map<string, CatalogRow>();
  for (const row of rows) {
    const seen = specBySize.get(row.size);
    if (!seen) specBySize.set(row.size, row);
    else if (
      seen.vcpu !== row.vcpu ||
      seen.memoryGiB !== row.memoryGiB ||
      seen.arch !== row.arch ||
      seen.family !== row.family ||
      seen.currentGeneration !== row.currentGeneration ||
      seen.gpus !== row.gpus ||
      sizeExtras(seen) !== sizeExtras(row)
    ) {
      throw new Error(`${part.cloud} ${part.kind}: size ${row.size} has different specs in different rows`);
    }
  }
  const specs = sizeNames.map((s) => specBySize.get(s)!);
  const isDatabase = part.kind === 'database';
  const engines = isDatabase ? [...new Set(rows.map((r) => r.engine ?? ''))].sort(compareStrings) : undefined;
  const engineIndex = new Map((engines ?? []).map((e, i) => [e, i]));
  const hasCommitted = rows.some((r) => r.monthlyUsdCommitted1y !== undefined || r.monthlyUsdCommitted3y !== undefined);
  const any = (pick: (r: CatalogRow) => unknown) => rows.some((r) => pick(r) !== undefined);
  const hasCapabilities = any((r) => r.capabilities);
  const hasVendor = any((r) => r.cpuVendor);
  const hasGeneration = any((r) => r.generation);
  const hasBurst = any((r) => r.burst);
  const hasLicence = any((r) => r.windowsLicenceHourlyUsd);
  const hasImageLicences = any((r) => r.imageLicencesHourlyUsd);
  const hasMonthly = any((r) => r.monthlyUsd);
  const hasSpot = any((r) => r.spotHourlyUsd) || any((r) => r.spotMonthlyUsd);

  const seenKeys = new Set<string>();
  for (const r of rows) {
    const key = `${r.region}|${r.size}|${r.engine ?? ''}|${r.multiAz ?? ''}`;
    if (seenKeys.has(key)) throw new Error(`${part.cloud} ${part.kind}: duplicate offering ${key}`);
    seenKeys.add(key);
  }

  return {
    format: CATALOG_FORMAT,
    cloud: part.cloud,
    kind: part.kind,
    sources: part.sources,
    regions,
    ...(engines && { engines }),
    sizes: {
      name: sizeNames,
      vcpu: specs.map((s) => s.vcpu),
      memoryGiB: specs.map((s) => s.memoryGiB),
      arch: specs.map((s) => s.arch),
      family: specs.map((s) => s.family),
      currentGeneration: specs.map((s) => (s.currentGeneration ? 1 : 0)),
      gpus: specs.map((s) => s.gpus),
      ...(hasCapabilities && { capabilities: specs.map((s) => (s.capabilities ?? []).join(',')) }),
      ...(hasVendor && { cpuVendor: specs.map((s) => s.cpuVendor ?? '') }),
      ...(hasGeneration && { generation: specs.map((s) => s.generation ?? 0) }),
      ...(hasBurst && {
        burstBaselineCores: specs.map((s) => s.burst?.baselineCores ?? null),
        burstCreditCapCoreHours: specs.map((s) => s.burst?.creditCapCoreHours ?? null),
      }),
      ...(hasLicence && { windowsLicenceHourlyUsd: specs.map((s) => s.windowsLicenceHourlyUsd ?? null) }),
      ...(hasImageLicences && { imageLicencesHourlyUsd: specs.map((s) => encodeLicences(s.imageLicencesHourlyUsd)) }),
    },
    offers: {
      region: rows.map((r) => regionIndex.get(r.region)!),
      size: rows.map((r) => sizeIndex.get(r.size)!),
      source: rows.map((r) => r.source),
      hourlyUsd: rows.map((r) => r.hourlyUsd),
      ...(isDatabase && {
        engine: rows.map((r) => engineIndex.get(r.engine ?? '')!),
        multiAz: rows.map((r) => (r.multiAz ? 1 : 0)),
      }),
      ...(hasCommitted && {
        monthlyUsdCommitted1y: rows.map((r) => r.monthlyUsdCommitted1y ?? null),
        monthlyUsdCommitted3y: rows.map((r) => r.monthlyUsdCommitted3y ?? null),
      }),
      ...(hasMonthly && { monthlyUsd: rows.map((r) => r.monthlyUsd ?? null) }),
      ...(hasSpot && {
        spotHourlyUsd: rows.map((r) => r.spotHourlyUsd ?? null),
        spotMonthlyUsd: rows.map((r) => r.spotMonthlyUsd ?? null),
      }),
    },
  };
}

/**
 * Serialises a file with one top-level key per line and one column per line: small, and a
 * price change shows up in `git diff` as a changed line rather than one rewritten megabyte.
 */
export function serializeCatalogFile(file: CatalogFile): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(file)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inner = Object.entries(value).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
      lines.push(`${JSON.stringify(key)}: {\n${inner.join(',\n')}\n}`);
    } else {
      lines.push(`${JSON.stringify(key)}: ${JSON.stringify(value)}`);
    }
  }
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** The size-level fields beyond the basic specs, as one comparable string. */
function sizeExtras(r: CatalogRow): string {
  return JSON.stringify([
    r.capabilities ?? [],
    r.cpuVendor ?? '',
    r.generation ?? 0,
    r.burst ?? null,
    r.windowsLicenceHourlyUsd ?? null,
    encodeLicences(r.imageLicencesHourlyUsd),
  ]);
}

/** `{rhel: 0.0576, sles: 0.11}` → `rhel=0.0576;sles=0.11` (keys sorted); '' for none. */
function encodeLicences(licences: Readonly<Record<string, number>> | undefined): string {
  if (!licences) return '';
  return Object.keys(licences)
    .sort()
    .map((key) => `${key}=${licences[key]}`)
    .join(';');
}

function decodeLicences(text: string): Record<string, number> | undefined {
  if (text === '') return undefined;
  const out: Record<string, number> = {};
  for (const part of text.split(';')) {
    const [key, value] = part.split('=');
    const hourly = Number(value);
    if (!key || value === undefined || !Number.isFinite(hourly) || hourly < 0) throw new Error(`catalog: bad image licence entry '${part}'`);
    out[key] = hourly;
  }
  return out;
}

/** The hardware of a size, independent of region and price. */
export type SizeSpec = Pick<
  CatalogRow,
  | 'size'
  | 'vcpu'
  | 'memoryGiB'
  | 'arch'
  | 'family'
  | 'currentGeneration'
  | 'gpus'
  | 'capabilities'
  | 'cpuVendor'
  | 'generation'
  | 'burst'
  | 'windowsLicenceHourlyUsd'
  | 'imageLicencesHourlyUsd'
>;

/** Decodes entry `i` of a catalog file's interned size table. */
export function sizeSpecAt(sizes: CatalogFile['sizes'], i: number): SizeSpec {
  const spec: SizeSpec = {
    size: sizes.name[i]!,
    vcpu: sizes.vcpu[i]!,
    memoryGiB: sizes.memoryGiB[i]!,
    arch: sizes.arch[i]!,
    family: sizes.family[i]!,
    currentGeneration: sizes.currentGeneration[i] === 1,
    gpus: sizes.gpus[i]!,
  };
  const caps = sizes.capabilities?.[i];
  if (caps !== undefined) spec.capabilities = caps === '' ? [] : caps.split(',');
  const vendor = sizes.cpuVendor?.[i];
  if (vendor) spec.cpuVendor = vendor;
  const generation = sizes.generation?.[i];
  if (generation) spec.generation = generation;
  const baseline = sizes.burstBaselineCores?.[i];
  if (baseline != null) spec.burst = { baselineCores: baseline, creditCapCoreHours: sizes.burstCreditCapCoreHours?.[i] ?? 0 };
  const licence = sizes.windowsLicenceHourlyUsd?.[i];
  if (licence != null) spec.windowsLicenceHourlyUsd = licence;
  const imageLicences = decodeLicences(sizes.imageLicencesHourlyUsd?.[i] ?? '');
  if (imageLicences) spec.imageLicencesHourlyUsd = imageLicences;
  return spec;
}
