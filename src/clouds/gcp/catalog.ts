import { z } from 'zod';
import type { CatalogPart, CatalogRow } from '../../catalog/format';
import { gcpBurstSpec } from '../../catalog/burstable';
import type { Capability } from '../../catalog/capabilities';

/**
 * GCP price-catalog knowledge: reading Cyclenerd's per-region machine-type prices (the CSV
 * derived from its pricing.yml) and which series are previous generation. Pure: the build
 * script does I/O.
 */

export const GCP_PRICES_FILE = 'gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv';
/** The YAML the CSV was derived from: it also holds the per-machine-type licence prices (Windows Server). */
export const GCP_PRICING_YAML_FILE = 'cyclenerd_gcp_pricing_2026-07-30.yml';
export const GCP_PRICE_DATE = '2026-07-30';

const decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number);
const optionalDecimal = z.union([z.literal('').transform(() => undefined), decimal]);

/** The GPU columns of the CSV (count of each accelerator model attached to the machine type). */
export const GCP_GPU_COLUMNS = ['a100', 'a100-80gb', 'h100-80gb', 'h100-80gb-mega', 'l4', 'rtx6000'] as const;

export const gcpPriceRowSchema = z.object({
  machine_type: z.string().min(1),
  series: z.string().min(1),
  region: z.string().min(1),
  vcpu: decimal,
  ram_gib: decimal,
  arch_derived: z.enum(['x86_64', 'arm64']),
  a100: optionalDecimal,
  'a100-80gb': optionalDecimal,
  'h100-80gb': optionalDecimal,
  'h100-80gb-mega': optionalDecimal,
  l4: optionalDecimal,
  rtx6000: optionalDecimal,
  'local-ssd': optionalDecimal,
  /** `n1-custom` for the N1 custom machine types listed by name, else empty. */
  type: z.string(),
  hour_usd: optionalDecimal,
  hour_spot_usd: optionalDecimal,
  /** Includes sustained-use discounts (see data/README.md): what a VM running all month pays. */
  month_usd: optionalDecimal,
  month_spot_usd: optionalDecimal,
  month_1y_usd: optionalDecimal,
  month_3y_usd: optionalDecimal,
});

export type GcpPriceRow = z.infer<typeof gcpPriceRowSchema>;

/**
 * First-generation series (N1 and what is built on it: f1/g1 shared-core, N1 custom types)
 * and M1 are previous generation; N2, N2D, E2, C2 and everything newer are current.
 */
export const GCP_PREVIOUS_GENERATION_FAMILIES: readonly string[] = ['n1', 'n1-custom', 'f1', 'g1', 'm1'];

export function isGcpCurrentGeneration(family: string): boolean {
  return !GCP_PREVIOUS_GENERATION_FAMILIES.includes(family);
}

/**
 * Shared-core machine types (a fraction of a vCPU with bursting): e2-micro/small/medium and the
 * N1-era f1-micro and g1-small.
 */
export function isGcpBurstableSize(machineType: string): boolean {
  return /^(e2-(micro|small|medium)|f1-micro|g1-small)$/.test(machineType);
}

/**
 * Capabilities by series and the CSV's columns: local SSD (the `local-ssd` GiB column), GPUs,
 * bare metal (`-metal` types), HPC (the H3 / H4D series). Confidential VMs are a VM option on
 * GCP, not a machine type, and GCP has no premium-storage or temp-disk distinction per type.
 */
export function gcpCapabilities(row: Pick<GcpPriceRow, 'machine_type' | 'series' | 'local-ssd'>, gpus: number): Capability[] {
  const caps: Capability[] = [];
  if (gpus > 0) caps.push('gpu');
  if (/^h\d/.test(row.series)) caps.push('hpc');
  if ((row['local-ssd'] ?? 0) > 0) caps.push('local-ssd');
  if (row.machine_type.endsWith('-metal')) caps.push('metal');
  return caps.sort();
}

/** CPU maker by series: `…d` AMD (n2d, c2d, t2d, c3d, n4d, c4d), t2a/c4a/n4a Arm; E2 runs on either (unknown); the rest Intel. */
export function gcpCpuVendor(family: string): string | undefined {
  if (family === 'e2') return undefined;
  if (/^[a-z]\d+a$/.test(family)) return 'arm';
  if (/^[a-z]\d+d$/.test(family)) return 'amd';
  return 'intel';
}

/** Generation: the series number (`n2d` → 2; N1 custom, f1 and g1 are N1). */
export function gcpGeneration(family: string): number | undefined {
  if (family === 'n1-custom' || family === 'f1' || family === 'g1') return 1;
  const m = /^[a-z]+(\d+)/.exec(family);
  return m ? Number(m[1]) : undefined;
}

/** Windows Server licence per hour and machine type, from the pricing YAML's `compute.license`. */
export function gcpWindowsLicences(yaml: unknown): Map<string, number> {
  const licences = new Map<string, number>();
  const table = (yaml as { compute?: { license?: Record<string, { cost?: { windows?: { hour?: unknown } } }> } })?.compute?.license;
  if (!table || typeof table !== 'object') throw new Error(`${GCP_PRICING_YAML_FILE}: no compute.license table`);
  for (const [machineType, entry] of Object.entries(table)) {
    const hour = entry?.cost?.windows?.hour;
    if (typeof hour === 'number' && Number.isFinite(hour) && hour >= 0) licences.set(machineType, hour);
  }
  return licences;
}

/** The premium Linux image licences the catalog carries (the YAML's `windows` goes to `windowsLicenceHourlyUsd`). */
export const GCP_IMAGE_LICENCES = ['rhel', 'rhel-sap', 'sles', 'sles-sap'] as const;

/** RHEL / SLES (and their SAP editions) licence per hour and machine type, from the pricing YAML's `compute.license`. */
export function gcpImageLicences(yaml: unknown): Map<string, Record<string, number>> {
  const licences = new Map<string, Record<string, number>>();
  const table = (yaml as { compute?: { license?: Record<string, { cost?: Record<string, { hour?: unknown }> }> } })?.compute?.license;
  if (!table || typeof table !== 'object') throw new Error(`${GCP_PRICING_YAML_FILE}: no compute.license table`);
  for (const [machineType, entry] of Object.entries(table)) {
    const found: Record<string, number> = {};
    for (const key of GCP_IMAGE_LICENCES) {
      const hour = entry?.cost?.[key]?.hour;
      if (typeof hour === 'number' && Number.isFinite(hour) && hour >= 0) found[key] = hour;
    }
    if (Object.keys(found).length > 0) licences.set(machineType, found);
  }
  return licences;
}

/** The family of a row: its series, except N1 custom types, whose series column says only `custom`. */
export function gcpFamilyOf(row: Pick<GcpPriceRow, 'series' | 'type'>): string {
  return row.type !== '' ? row.type : row.series;
}

/**
 * GCP machine-type offerings. The monthly price is the source's `month`, which includes the
 * sustained-use discounts a VM running the whole month gets automatically (0.70 of hour × 730
 * for N1/M1/M2…, 0.80 for N2/N2D/C2, none for E2 and newer series): that is what the user pays.
 * Spot and the 1-year and 3-year committed-use monthly prices are kept as the source gives them;
 * the Windows licence per machine type comes from the pricing YAML.
 */
export function buildGcpPart(
  prices: readonly GcpPriceRow[],
  windowsLicences: ReadonlyMap<string, number> = new Map(),
  imageLicences: ReadonlyMap<string, Readonly<Record<string, number>>> = new Map(),
): CatalogPart {
  const rows: CatalogRow[] = [];
  const unpriced = new Set<string>();
  let unpricedRows = 0;
  for (const price of prices) {
    if (price.hour_usd === undefined) {
      unpriced.add(price.machine_type);
      unpricedRows++;
      continue;
    }
    const family = gcpFamilyOf(price);
    const gpus = GCP_GPU_COLUMNS.reduce((sum, column) => sum + (price[column] ?? 0), 0);
    rows.push({
      region: price.region,
      size: price.machine_type,
      vcpu: price.vcpu,
      memoryGiB: price.ram_gib,
      arch: price.arch_derived === 'arm64' ? 'arm64' : 'amd64',
      family,
      currentGeneration: isGcpCurrentGeneration(family),
      gpus,
      hourlyUsd: price.hour_usd,
      source: 0,
      ...gcpSizeExtras(price, family, gpus, windowsLicences.get(price.machine_type)),
      ...(imageLicences.has(price.machine_type) && { imageLicencesHourlyUsd: imageLicences.get(price.machine_type) }),
      ...(price.month_usd !== undefined && { monthlyUsd: price.month_usd }),
      ...(price.hour_spot_usd !== undefined && { spotHourlyUsd: price.hour_spot_usd }),
      ...(price.month_spot_usd !== undefined && { spotMonthlyUsd: price.month_spot_usd }),
      ...(price.month_1y_usd !== undefined && { monthlyUsdCommitted1y: price.month_1y_usd }),
      ...(price.month_3y_usd !== undefined && { monthlyUsdCommitted3y: price.month_3y_usd }),
    });
  }
  const notes = [
    `${rows.length} offerings from ${prices.length} price rows in ${new Set(prices.map((p) => p.region)).size} regions`,
    `monthly = the source's month (sustained-use discounts included) for ${rows.filter((r) => r.monthlyUsd !== undefined).length} offerings; Windows licence known for ${new Set(rows.filter((r) => r.windowsLicenceHourlyUsd !== undefined).map((r) => r.size)).size} types, RHEL/SLES licences for ${new Set(rows.filter((r) => r.imageLicencesHourlyUsd !== undefined).map((r) => r.size)).size}`,
    `skipped ${unpricedRows} rows without an hourly price (${unpriced.size} types): ${[...unpriced].sort().join(', ')}`,
  ];
  const source = `${GCP_PRICES_FILE} (Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml, from the Cloud Billing Catalog; monthly with sustained-use discounts)`;
  return { cloud: 'gcp', kind: 'vm', sources: [{ source, date: GCP_PRICE_DATE }], rows, notes };
}

function gcpSizeExtras(
  row: GcpPriceRow,
  family: string,
  gpus: number,
  windowsLicence: number | undefined,
): Pick<CatalogRow, 'capabilities' | 'cpuVendor' | 'generation' | 'burst' | 'windowsLicenceHourlyUsd'> {
  const cpuVendor = row.arch_derived === 'arm64' ? 'arm' : gcpCpuVendor(family);
  const generation = gcpGeneration(family);
  const burst = gcpBurstSpec(row.machine_type);
  return {
    capabilities: gcpCapabilities(row, gpus),
    ...(cpuVendor && { cpuVendor }),
    ...(generation !== undefined && { generation }),
    ...(burst && { burst }),
    ...(windowsLicence !== undefined && { windowsLicenceHourlyUsd: windowsLicence }),
  };
}
