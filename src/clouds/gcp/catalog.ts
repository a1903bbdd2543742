import { z } from 'zod';
import type { CatalogPart, CatalogRow } from '../../catalog/format';

/**
 * GCP price-catalog knowledge: reading Cyclenerd's per-region machine-type prices (the CSV
 * derived from its pricing.yml) and which series are previous generation. Pure: the build
 * script does I/O.
 */

export const GCP_PRICES_FILE = 'gcp_compute_ondemand_prices_cyclenerd_2026-07-30.csv';
export const GCP_PRICE_DATE = '2026-07-30';

const decimal = z.string().regex(/^\d+(\.\d+)?$/).transform(Number);
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
  /** `n1-custom` for the N1 custom machine types listed by name, else empty. */
  type: z.string(),
  hour_usd: optionalDecimal,
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

/** The family of a row: its series, except N1 custom types, whose series column says only `custom`. */
export function gcpFamilyOf(row: Pick<GcpPriceRow, 'series' | 'type'>): string {
  return row.type !== '' ? row.type : row.series;
}

/**
 * GCP machine-type offerings. On-demand monthly = hour × 730 like the other clouds (the
 * source's own `month` applies sustained-use discounts, which depend on how the month is used);
 * the 1-year and 3-year committed-use monthly prices are kept as the source gives them.
 */
export function buildGcpPart(prices: readonly GcpPriceRow[]): CatalogPart {
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
      ...(price.month_1y_usd !== undefined && { monthlyUsdCommitted1y: price.month_1y_usd }),
      ...(price.month_3y_usd !== undefined && { monthlyUsdCommitted3y: price.month_3y_usd }),
    });
  }
  const notes = [
    `${rows.length} offerings from ${prices.length} price rows in ${new Set(prices.map((p) => p.region)).size} regions`,
    `skipped ${unpricedRows} rows without an hourly price (${unpriced.size} types): ${[...unpriced].sort().join(', ')}`,
  ];
  const source = `${GCP_PRICES_FILE} (Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml, from the Cloud Billing Catalog)`;
  return { cloud: 'gcp', kind: 'vm', sources: [{ source, date: GCP_PRICE_DATE }], rows, notes };
}
