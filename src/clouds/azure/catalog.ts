import { z } from 'zod';
import type { CatalogPart, CatalogRow } from '../../catalog/format';
import { azureBurstSpec } from '../../catalog/burstable';
import type { Capability } from '../../catalog/capabilities';

/**
 * Azure price-catalog knowledge: reading the VM price and SKU-spec files, telling VM sizes from
 * dedicated-host SKUs, and which series are previous generation. Pure: the build script does I/O.
 */

export const AZURE_VM_PRICES_FILE = 'azure_vm_ondemand_linux_prices_karpenter_2026-06-18.csv';
export const AZURE_VM_SPECS_FILE = 'azure_vm_sku_specs_cluster_autoscaler_2026-03.csv';
/** Linux prices for the rows of the karpenter file that carry the Windows price (see data/README.md). */
export const AZURE_VM_PRICE_CORRECTIONS_FILE = 'azure_vm_linux_price_corrections_2026-06-18.csv';

const decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number);

export const azurePriceRowSchema = z.object({
  region: z.string().min(1),
  vm_size: z.string().min(1),
  ondemand_usd_per_hour: decimal,
  generated_at: z.string().regex(/^\d{4}-\d{2}-\d{2}T/),
});

export const azureSpecRowSchema = z.object({
  vm_size: z.string().min(1),
  sku_family: z.string().min(1),
  vcpu: decimal,
  memory_mib: decimal,
  gpu: decimal,
  architecture: z.enum(['amd64', 'arm64']),
});

export const azureCorrectionRowSchema = z.object({
  region: z.string().min(1),
  vm_size: z.string().min(1),
  shipped_usd_per_hour: decimal,
  linux_usd_per_hour: decimal,
  windows_fee_removed_usd_per_hour: decimal,
  evidence: z.string().min(1),
});

export type AzurePriceRow = z.infer<typeof azurePriceRowSchema>;
export type AzureCorrectionRow = z.infer<typeof azureCorrectionRowSchema>;
export type AzureSpecRow = z.infer<typeof azureSpecRowSchema>;

/**
 * VM sizes are `Standard_…` or `Basic_…`. Everything else in the retail price list is not a
 * VM size: dedicated-host SKUs (`Dsv3_Type1`, `DCasv6_Type1`, `L192isv4`, …, billed per host)
 * and placeholders. A `_TypeN` suffix marks a host SKU even if it were prefixed.
 */
export function isAzureVmSize(name: string): boolean {
  return /^(Standard|Basic)_[A-Z]/.test(name) && !/_Type\d+$/.test(name);
}

/** Series letters and version of a size: `Standard_D2s_v5` → (D, 5); `Standard_DS2` → (DS, 1). */
export function parseAzureSize(name: string): { tier: 'Basic' | 'Standard'; series: string; version: number } | undefined {
  const match = /^(Basic|Standard)_([A-Z]+)/.exec(name);
  if (!match) return undefined;
  const version = /_v(\d+)$/.exec(name);
  return { tier: match[1] as 'Basic' | 'Standard', series: match[2]!, version: version ? Number(version[1]) : 1 };
}

/**
 * Previous generation, by the series' first letter and the size's version (no `_vN` = v1):
 * Basic_*, A v1 (A0–A11), B v1 (Bsv2 replaces it), D/E/F up to v3 (v4 and later current),
 * G/GS, H v1, L v1 (Ls), M v1 (Msv2 and later current), N up to v2 (NC/ND/NV v1–v2).
 */
const AZURE_PREVIOUS_UP_TO: Readonly<Record<string, number>> = {
  A: 1,
  B: 1,
  D: 3,
  E: 3,
  F: 3,
  G: Number.POSITIVE_INFINITY,
  L: 1,
  M: 1,
  N: 2,
};

export function isAzureCurrentGeneration(name: string): boolean {
  const parsed = parseAzureSize(name);
  if (!parsed) return false;
  if (parsed.tier === 'Basic') return false;
  // Plain H (H8, H16…) is the retired first HPC series; HB/HC/HX are its successors.
  if (parsed.series === 'H' || parsed.series === 'HM') return parsed.version > 1;
  const upTo = AZURE_PREVIOUS_UP_TO[parsed.series[0]!];
  return upTo === undefined || parsed.version > upTo;
}

/** B-series (v1, Bsv2, Basv2, Bpsv2) are burstable: sustained CPU above the baseline spends credits. */
export function isAzureBurstableSize(name: string): boolean {
  return parseAzureSize(name)?.series === 'B';
}

/**
 * The parts of a size name under Azure's naming convention
 * (https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions):
 * `Standard_<family>[subfamily]<vCPUs>[-constrained]<additive features>[_<accelerator>][_<version>]`.
 * `Standard_EC4as_cc_v5` → series EC, features `as`, extras [`cc`], version 5.
 */
export function azureSizeParts(name: string): { series: string; features: string; extras: string[]; version: number } | undefined {
  const m = /^(?:Standard|Basic)_([A-Z]+)(\d+)(?:-\d+)?([a-z]*)((?:_[A-Za-z0-9]+)*)$/.exec(name);
  if (!m) return undefined;
  const tail = m[4] ? m[4].slice(1).split('_') : [];
  const last = tail[tail.length - 1];
  const versioned = last !== undefined && /^v\d+$/.test(last);
  return { series: m[1]!, features: m[3]!, extras: versioned ? tail.slice(0, -1) : tail, version: versioned ? Number(last.slice(1)) : 1 };
}

/**
 * Capabilities from the size name (naming convention above) and the spec table's GPU count:
 * `s` (and the old DS/GS series) premium storage; `d` a local temp disk on the sizes that made it
 * optional (v4 and later, B v2, DC/EC/M v3), every older size has one; L-series local NVMe;
 * DC/EC/NCC series or `_cc` confidential; H-series or `r` (RDMA) HPC / InfiniBand; N-series or a
 * GPU count GPU. Azure sells no bare metal.
 */
export function azureCapabilities(name: string, gpus: number): Capability[] | undefined {
  const p = azureSizeParts(name);
  if (!p) return undefined;
  const caps = new Set<Capability>();
  if (p.features.includes('s') || p.series === 'DS' || p.series === 'GS') caps.add('premium-storage');
  const tempDiskOptional =
    p.version >= 4 || (p.series === 'B' && p.version >= 2) || (['DC', 'EC', 'M'].includes(p.series) && p.version >= 3);
  if (p.series.startsWith('L') || (tempDiskOptional ? p.features.includes('d') : true)) caps.add('temp-disk');
  if (p.series.startsWith('L')) caps.add('local-ssd');
  if (/^(DC|EC|NCC)/.test(p.series) || p.extras.includes('cc')) caps.add('confidential');
  if (p.series.startsWith('H') || p.features.includes('r')) caps.add('hpc');
  if (p.series.startsWith('N') || gpus > 0) caps.add('gpu');
  return [...caps].sort();
}

/** CPU maker by the naming convention: `p` Arm (Ampere/Cobalt), `a` AMD, the HB/HX HPC series AMD, else Intel. */
export function azureCpuVendor(name: string): string | undefined {
  const p = azureSizeParts(name);
  if (!p) return undefined;
  if (p.features.includes('p')) return 'arm';
  if (p.features.includes('a') || p.series === 'HB' || p.series === 'HX') return 'amd';
  return 'intel';
}

const MIB_PER_GIB = 1024;

/** Azure Linux VM offerings: VM sizes with specs and a non-zero price. */
export function buildAzurePart(
  shippedPrices: readonly AzurePriceRow[],
  specRows: readonly AzureSpecRow[],
  corrections: readonly AzureCorrectionRow[] = [],
): CatalogPart {
  const prices = applyAzureCorrections(shippedPrices, corrections);
  // A zero is not a spec (the autoscaler table rounds Standard_B1ls's 0.5 GiB down to 0): treat as unknown.
  const unusableSpecs = specRows.filter((row) => row.vcpu === 0 || row.memory_mib === 0).map((row) => row.vm_size);
  const specs = new Map(specRows.filter((row) => row.vcpu > 0 && row.memory_mib > 0).map((row) => [row.vm_size, row]));
  const dates = [...new Set(prices.map((p) => p.generated_at.slice(0, 10)))].sort();
  const source = `${AZURE_VM_PRICES_FILE} (Azure/karpenter-provider-azure pkg/providers/pricing/zz_generated.pricing.go, from the Azure Retail Prices API; Windows-priced Linux rows replaced by ${AZURE_VM_PRICE_CORRECTIONS_FILE})`;
  const rows: CatalogRow[] = [];
  const hostSkus = new Set<string>();
  const unspecified = new Set<string>();
  const unpriced = new Set<string>();
  let hostRows = 0;
  let unspecifiedRows = 0;
  let zeroRows = 0;
  const outliers = priceOutliers(prices);
  for (const price of prices) {
    if (!isAzureVmSize(price.vm_size)) {
      hostSkus.add(price.vm_size);
      hostRows++;
      continue;
    }
    const spec = specs.get(price.vm_size);
    if (!spec) {
      unspecified.add(price.vm_size);
      unspecifiedRows++;
      continue;
    }
    // A zero hourly rate in the retail list is not a price a VM is sold at: leave the size unpriced there.
    if (price.ondemand_usd_per_hour === 0) {
      unpriced.add(price.vm_size);
      zeroRows++;
      continue;
    }
    if (outliers.has(`${price.region},${price.vm_size}`)) continue;
    rows.push({
      region: price.region,
      size: price.vm_size,
      vcpu: spec.vcpu,
      memoryGiB: spec.memory_mib / MIB_PER_GIB,
      arch: spec.architecture,
      family: spec.sku_family,
      currentGeneration: isAzureCurrentGeneration(price.vm_size),
      gpus: spec.gpu,
      hourlyUsd: price.ondemand_usd_per_hour,
      source: dates.indexOf(price.generated_at.slice(0, 10)),
      ...azureSizeExtras(price.vm_size, spec),
    });
  }
  const notes = [
    `${rows.length} offerings from ${prices.length} price rows in ${new Set(prices.map((p) => p.region)).size} regions`,
    `replaced the Windows price of ${corrections.length} Linux rows with their Linux price (${AZURE_VM_PRICE_CORRECTIONS_FILE})`,
    `excluded ${hostRows} rows of ${hostSkus.size} dedicated-host / non-VM SKUs: ${[...hostSkus].sort().join(', ')}`,
    `spec rows with a zero vCPU or memory count, ignored: ${unusableSpecs.join(', ') || 'none'}`,
    `excluded ${unspecifiedRows} rows of ${unspecified.size} VM sizes without specs: ${[...unspecified].sort().join(', ')}`,
    `excluded ${zeroRows} rows with a zero price (${unpriced.size} sizes): ${[...unpriced].sort().join(', ')}`,
    `excluded ${outliers.size} rows priced under ${OUTLIER_FRACTION} × their size's median over regions (a wrong meter, not a regional price): ${[...outliers].sort().join('; ')}`,
  ];
  return { cloud: 'azure', kind: 'vm', sources: dates.map((date) => ({ source, date })), rows, notes };
}

/**
 * A size's Linux rate differs between Azure regions by well under 2× (e.g. Standard_F4ams_v6:
 * 0.231 centralindia, 0.358 eastus, 0.433 median of 57 regions); a row at a fifth of the median
 * or less is a wrong meter in the retail list (newzealandnorth's Fams_v6 rows are 0.104 × the
 * median, 0.0449 USD/h for F4ams_v6), not a price a VM is sold at. Such a row would make every
 * optimiser with `allowMove` move there: leave the size unpriced in that region instead.
 */
const OUTLIER_FRACTION = 0.2;

function priceOutliers(prices: readonly AzurePriceRow[]): Set<string> {
  const bySize = new Map<string, number[]>();
  for (const p of prices)
    if (p.ondemand_usd_per_hour > 0) (bySize.get(p.vm_size) ?? bySize.set(p.vm_size, []).get(p.vm_size)!).push(p.ondemand_usd_per_hour);
  const median = new Map<string, number>();
  for (const [size, list] of bySize) {
    // A median needs a few regions to mean anything.
    if (list.length < 5) continue;
    const sorted = [...list].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    median.set(size, sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
  }
  const out = new Set<string>();
  for (const p of prices) {
    const m = median.get(p.vm_size);
    if (m !== undefined && p.ondemand_usd_per_hour > 0 && p.ondemand_usd_per_hour < OUTLIER_FRACTION * m)
      out.add(`${p.region},${p.vm_size}`);
  }
  return out;
}

function azureSizeExtras(name: string, spec: AzureSpecRow): Pick<CatalogRow, 'capabilities' | 'cpuVendor' | 'generation' | 'burst'> {
  const capabilities = azureCapabilities(name, spec.gpu);
  const cpuVendor = spec.architecture === 'arm64' ? 'arm' : azureCpuVendor(name);
  const burst = azureBurstSpec(name, spec.vcpu);
  const parts = azureSizeParts(name);
  return {
    ...(capabilities && { capabilities }),
    ...(cpuVendor && { cpuVendor }),
    ...(parts && { generation: parts.version }),
    ...(burst && { burst }),
  };
}

/**
 * The karpenter file with its Windows-priced rows replaced by their Linux price. Every correction
 * must match a row at exactly the price it says the file ships: a correction that no longer
 * matches (the source was regenerated) is an error, never a silent skip or a double fix.
 */
export function applyAzureCorrections(prices: readonly AzurePriceRow[], corrections: readonly AzureCorrectionRow[]): AzurePriceRow[] {
  const byKey = new Map<string, AzureCorrectionRow>();
  for (const c of corrections) {
    const key = `${c.region}|${c.vm_size}`;
    if (byKey.has(key)) throw new Error(`${AZURE_VM_PRICE_CORRECTIONS_FILE}: two corrections for ${c.vm_size} in ${c.region}`);
    if (!(c.linux_usd_per_hour < c.shipped_usd_per_hour))
      throw new Error(`${AZURE_VM_PRICE_CORRECTIONS_FILE}: ${c.vm_size} in ${c.region}: the Linux price is not below the shipped one`);
    byKey.set(key, c);
  }
  const used = new Set<string>();
  const out = prices.map((row) => {
    const key = `${row.region}|${row.vm_size}`;
    const c = byKey.get(key);
    if (!c) return row;
    if (c.shipped_usd_per_hour !== row.ondemand_usd_per_hour) {
      throw new Error(
        `${AZURE_VM_PRICE_CORRECTIONS_FILE}: ${row.vm_size} in ${row.region} is ${row.ondemand_usd_per_hour} in the price file, the correction expects ${c.shipped_usd_per_hour}`,
      );
    }
    used.add(key);
    return { ...row, ondemand_usd_per_hour: c.linux_usd_per_hour };
  });
  const unused = [...byKey.keys()].filter((k) => !used.has(k));
  if (unused.length > 0)
    throw new Error(`${AZURE_VM_PRICE_CORRECTIONS_FILE}: ${unused.length} corrections match no price row (e.g. ${unused[0]})`);
  return out;
}
