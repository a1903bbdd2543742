import { z } from 'zod';
import type { Arch } from '../../model';
import type { CatalogPart, CatalogRow, CatalogSource } from '../../catalog/format';
import { awsBurstSpec } from '../../catalog/burstable';
import type { Capability } from '../../catalog/capabilities';

/**
 * AWS price-catalog knowledge: how to read the EC2 and RDS source files (rows as parsed from
 * CSV, keyed by header) and which families are previous generation. Pure: the build script
 * does the file I/O.
 */

export const AWS_EC2_PRICES_FILE = 'aws_ec2_ondemand_linux_prices_karpenter_2026-07.csv';
export const AWS_EC2_TYPES_FILE = 'aws_ec2_instance_types_karpenter_v1.14_2026-08.csv';
export const AWS_EC2_AUTOSCALER_FILE = 'aws_ec2_instance_specs_cluster_autoscaler_2026-01-22.csv';
export const AWS_RDS_PRICES_FILE = 'aws_rds_ondemand_prices_coroot_2024-08-09.csv';
export const AWS_RDS_PRICE_DATE = '2024-08-09';

const decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number);
const count = z
  .string()
  .regex(/^\d*$/)
  .transform((s) => (s === '' ? 0 : Number(s)));
const arch = z.enum(['amd64', 'arm64']);

export const ec2PriceRowSchema = z.object({
  region: z.string().min(1),
  instance_type: z.string().min(1),
  ondemand_usd_per_hour_linux_shared: decimal,
  generated_at: z.string().regex(/^\d{4}-\d{2}-\d{2}T/),
  source_file: z.string().min(1),
});

export const karpenterTypeRowSchema = z.object({
  instance_type: z.string().min(1),
  'karpenter.k8s.aws/instance-category': z.string().min(1),
  'karpenter.k8s.aws/instance-family': z.string().min(1),
  'karpenter.k8s.aws/instance-generation': decimal,
  'karpenter.k8s.aws/instance-cpu': decimal,
  'karpenter.k8s.aws/instance-memory': decimal,
  'karpenter.k8s.aws/instance-gpu-count': count,
  'karpenter.k8s.aws/instance-accelerator-count': count,
  'karpenter.k8s.aws/instance-cpu-manufacturer': z.string(),
  'karpenter.k8s.aws/instance-local-nvme': count,
  'karpenter.k8s.aws/instance-size': z.string(),
  'kubernetes.io/arch': arch,
});

export const autoscalerTypeRowSchema = z.object({
  instance_type: z.string().min(1),
  vcpu: decimal,
  memory_mib: decimal,
  gpu: count,
  architecture: arch,
});

export const rdsPriceRowSchema = z.object({
  region: z.string().min(1),
  engine: z.string().min(1),
  instance_class: z.string().regex(/^db\./),
  single_az_usd_per_hour: z.union([z.literal(''), decimal]),
  multi_az_usd_per_hour: z.union([z.literal(''), decimal]),
});

export type Ec2PriceRow = z.infer<typeof ec2PriceRowSchema>;
export type KarpenterTypeRow = z.infer<typeof karpenterTypeRowSchema>;
export type AutoscalerTypeRow = z.infer<typeof autoscalerTypeRowSchema>;
export type RdsPriceRow = z.infer<typeof rdsPriceRowSchema>;

/** Hardware of one EC2 type, as the catalog needs it. */
export interface Ec2Spec {
  vcpu: number;
  memoryGiB: number;
  arch: Arch;
  family: string;
  category: string;
  generation: number;
  /** GPUs plus other accelerators (Inferentia, Trainium, Qualcomm AI 100): hardware a plain workload must not be moved onto. */
  gpus: number;
  /** From karpenter's table only (local NVMe, GPU / accelerators, metal, HPC family); absent for fallback types. */
  capabilities?: Capability[];
  /** `intel`, `amd` or `aws` (Graviton), from karpenter's table. */
  cpuVendor?: string;
}

/** Capabilities of a type from its karpenter row: local NVMe, GPUs / accelerators, bare metal, the HPC families. */
export function awsCapabilities(row: KarpenterTypeRow): Capability[] {
  const caps: Capability[] = [];
  if (row['karpenter.k8s.aws/instance-gpu-count'] + row['karpenter.k8s.aws/instance-accelerator-count'] > 0) caps.push('gpu');
  if (row['karpenter.k8s.aws/instance-category'] === 'hpc') caps.push('hpc');
  if (row['karpenter.k8s.aws/instance-local-nvme'] > 0) caps.push('local-ssd');
  if (row['karpenter.k8s.aws/instance-size'].includes('metal')) caps.push('metal');
  return caps.sort();
}

/**
 * Per category (the letters of a family line), the newest generation that is "previous
 * generation": m1–m4, c1–c4, r3–r4, t1–t2, i2, d2, g2–g3, p2, f1, and the retired cc2, cr1, hs1.
 * Follows AWS's previous-generation instances page; everything newer is current.
 */
export const AWS_PREVIOUS_GENERATION_UP_TO: Readonly<Record<string, number>> = {
  m: 4,
  c: 4,
  r: 4,
  t: 2,
  i: 2,
  d: 2,
  g: 3,
  p: 2,
  f: 1,
  cc: 2,
  cr: 1,
  hs: 1,
};

export function isAwsCurrentGeneration(category: string, generation: number): boolean {
  const upTo = AWS_PREVIOUS_GENERATION_UP_TO[category];
  return upTo === undefined || generation > upTo;
}

/**
 * Burstable families (T2, T3, T3a, T4g; T1 too): CPU above a per-size baseline spends credits,
 * so the listed price holds only for spiky use.
 */
export function isAwsBurstableFamily(family: string): boolean {
  return /^(db\.)?t\d/.test(family);
}

/** `m5.large` → `m5`; `u-6tb1.metal` → `u-6tb1`. */
export function awsFamilyOf(instanceType: string): string {
  const dot = instanceType.indexOf('.');
  return dot < 0 ? instanceType : instanceType.slice(0, dot);
}

/** Category and generation from a family name, for types karpenter's table lacks: `p3` → (p, 3). */
export function parseAwsFamily(family: string): { category: string; generation: number } | undefined {
  const match = /^([a-z]+)(\d+)/.exec(family);
  return match ? { category: match[1]!, generation: Number(match[2]) } : undefined;
}

const MIB_PER_GIB = 1024;

/**
 * Specs for every EC2 type: karpenter's table first; types it lacks fall back to the
 * cluster-autoscaler table (family and generation parsed from the name). Every type in both
 * is cross-checked; differences are returned as notes.
 */
export function ec2SpecIndex(
  karpenter: readonly KarpenterTypeRow[],
  autoscaler: readonly AutoscalerTypeRow[],
): { specs: Map<string, Ec2Spec>; mismatches: string[]; fromAutoscaler: string[] } {
  const specs = new Map<string, Ec2Spec>();
  const karpenterGpus = new Map<string, number>();
  for (const row of karpenter) {
    karpenterGpus.set(row.instance_type, row['karpenter.k8s.aws/instance-gpu-count']);
    specs.set(row.instance_type, {
      vcpu: row['karpenter.k8s.aws/instance-cpu'],
      memoryGiB: row['karpenter.k8s.aws/instance-memory'] / MIB_PER_GIB,
      arch: row['kubernetes.io/arch'],
      family: row['karpenter.k8s.aws/instance-family'],
      category: row['karpenter.k8s.aws/instance-category'],
      generation: row['karpenter.k8s.aws/instance-generation'],
      gpus: row['karpenter.k8s.aws/instance-gpu-count'] + row['karpenter.k8s.aws/instance-accelerator-count'],
      capabilities: awsCapabilities(row),
      ...(row['karpenter.k8s.aws/instance-cpu-manufacturer'] !== '' && { cpuVendor: row['karpenter.k8s.aws/instance-cpu-manufacturer'] }),
    });
  }
  const mismatches: string[] = [];
  const fromAutoscaler: string[] = [];
  for (const row of autoscaler) {
    const known = specs.get(row.instance_type);
    const memoryGiB = row.memory_mib / MIB_PER_GIB;
    if (known) {
      const diffs: string[] = [];
      if (known.vcpu !== row.vcpu) diffs.push(`vcpu ${known.vcpu} vs ${row.vcpu}`);
      if (known.memoryGiB !== memoryGiB) diffs.push(`memory ${known.memoryGiB} vs ${memoryGiB} GiB`);
      if (known.arch !== row.architecture) diffs.push(`arch ${known.arch} vs ${row.architecture}`);
      const gpus = karpenterGpus.get(row.instance_type) ?? 0;
      if (gpus !== row.gpu) diffs.push(`gpus ${gpus} vs ${row.gpu}`);
      if (diffs.length > 0) mismatches.push(`${row.instance_type}: karpenter vs cluster-autoscaler: ${diffs.join(', ')}`);
      continue;
    }
    const family = awsFamilyOf(row.instance_type);
    const parsed = parseAwsFamily(family);
    if (!parsed) continue;
    specs.set(row.instance_type, { vcpu: row.vcpu, memoryGiB, arch: row.architecture, family, ...parsed, gpus: row.gpu });
    fromAutoscaler.push(row.instance_type);
  }
  return { specs, mismatches, fromAutoscaler };
}

const KARPENTER_ORIGIN: Record<string, string> = {
  'zz_generated.pricing_aws.go': 'aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go',
  'zz_generated.pricing_aws_us_gov.go': 'aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws_us_gov.go',
};

/** EC2 on-demand Linux offerings: every priced type that has specs. */
export function buildAwsEc2Part(
  prices: readonly Ec2PriceRow[],
  karpenter: readonly KarpenterTypeRow[],
  autoscaler: readonly AutoscalerTypeRow[],
): CatalogPart {
  const { specs, mismatches, fromAutoscaler } = ec2SpecIndex(karpenter, autoscaler);
  const sources: CatalogSource[] = [];
  const sourceIndex = new Map<string, number>();
  const rows: CatalogRow[] = [];
  const unspecified = new Set<string>();
  const usedFromAutoscaler = new Set<string>();
  let skippedRows = 0;
  for (const price of prices) {
    const spec = specs.get(price.instance_type);
    if (!spec) {
      unspecified.add(price.instance_type);
      skippedRows++;
      continue;
    }
    if (fromAutoscaler.includes(price.instance_type)) usedFromAutoscaler.add(price.instance_type);
    const sourceKey = `${price.source_file}|${price.generated_at.slice(0, 10)}`;
    let source = sourceIndex.get(sourceKey);
    if (source === undefined) {
      source = sources.length;
      sourceIndex.set(sourceKey, source);
      const origin = KARPENTER_ORIGIN[price.source_file] ?? `aws/karpenter-provider-aws ${price.source_file}`;
      sources.push({ source: `${AWS_EC2_PRICES_FILE} (${origin})`, date: price.generated_at.slice(0, 10) });
    }
    rows.push({
      region: price.region,
      size: price.instance_type,
      vcpu: spec.vcpu,
      memoryGiB: spec.memoryGiB,
      arch: spec.arch,
      family: spec.family,
      currentGeneration: isAwsCurrentGeneration(spec.category, spec.generation),
      gpus: spec.gpus,
      hourlyUsd: price.ondemand_usd_per_hour_linux_shared,
      source,
      ...awsSizeExtras(price.instance_type, spec),
    });
  }
  const notes = [
    `${rows.length} offerings from ${prices.length} price rows`,
    `cross-check karpenter vs cluster-autoscaler: ${mismatches.length} mismatches${mismatches.length ? `: ${mismatches.join('; ')}` : ''}`,
    `specs from cluster-autoscaler (not in karpenter's table): ${[...usedFromAutoscaler].sort().join(', ') || 'none'}`,
    `skipped ${skippedRows} price rows of ${unspecified.size} types without specs: ${[...unspecified].sort().join(', ')}`,
  ];
  return { cloud: 'aws', kind: 'vm', sources, rows, notes };
}

/** The size-level fields beyond the basic specs: capabilities, CPU maker, generation, burst model. */
function awsSizeExtras(instanceType: string, spec: Ec2Spec): Pick<CatalogRow, 'capabilities' | 'cpuVendor' | 'generation' | 'burst'> {
  const burst = awsBurstSpec(instanceType);
  return {
    ...(spec.capabilities && { capabilities: spec.capabilities }),
    ...(spec.cpuVendor && { cpuVendor: spec.cpuVendor }),
    generation: spec.generation,
    ...(burst && { burst }),
  };
}

/** RDS offerings; specs of `db.m5.large` come from EC2 `m5.large`. Classes without an EC2 match are skipped. */
export function buildAwsRdsPart(prices: readonly RdsPriceRow[], specs: ReadonlyMap<string, Ec2Spec>): CatalogPart {
  const origin = 'coroot/cloud-pricing gh-pages data/cloud-pricing.json.gz, key aws.managed_db';
  const sources: CatalogSource[] = [
    { source: `${AWS_RDS_PRICES_FILE} (${origin}; prices of ${AWS_RDS_PRICE_DATE})`, date: AWS_RDS_PRICE_DATE },
    {
      source: `${AWS_RDS_PRICES_FILE} (${origin}; prices of ${AWS_RDS_PRICE_DATE}; Aurora rows are I/O-Optimized prices)`,
      date: AWS_RDS_PRICE_DATE,
    },
  ];
  const rows: CatalogRow[] = [];
  const unspecified = new Set<string>();
  let skippedRows = 0;
  for (const price of prices) {
    const spec = specs.get(price.instance_class.slice('db.'.length));
    if (!spec) {
      unspecified.add(price.instance_class);
      skippedRows++;
      continue;
    }
    const base = {
      region: price.region,
      size: price.instance_class,
      vcpu: spec.vcpu,
      memoryGiB: spec.memoryGiB,
      arch: spec.arch,
      family: `db.${spec.family}`,
      currentGeneration: isAwsCurrentGeneration(spec.category, spec.generation),
      gpus: 0,
      ...awsSizeExtras(price.instance_class, spec),
      engine: price.engine,
      source: price.engine.startsWith('aurora') ? 1 : 0,
    };
    if (price.single_az_usd_per_hour !== '') rows.push({ ...base, multiAz: false, hourlyUsd: price.single_az_usd_per_hour });
    if (price.multi_az_usd_per_hour !== '') rows.push({ ...base, multiAz: true, hourlyUsd: price.multi_az_usd_per_hour });
  }
  const notes = [
    `${rows.length} offerings (Single-AZ and Multi-AZ) from ${prices.length} price rows; prices of ${AWS_RDS_PRICE_DATE}; Aurora rows are I/O-Optimized`,
    `skipped ${skippedRows} price rows of ${unspecified.size} classes without a matching EC2 type: ${[...unspecified].sort().join(', ')}`,
  ];
  return { cloud: 'aws', kind: 'database', sources, rows, notes };
}

/**
 * A Local Zone or Wavelength Zone (`us-west-2-lax-1a`, `us-east-1-wl1-bos-wlz-1`), not an
 * availability zone (`us-east-1a`): EC2 there is priced apart from its parent region, and the
 * catalog holds region prices only.
 */
export function isAwsLocalZone(zone: string): boolean {
  const region = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+/.exec(zone)?.[0];
  return region !== undefined && zone.length > region.length && zone[region.length] === '-';
}
