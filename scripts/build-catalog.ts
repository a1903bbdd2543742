/**
 * Builds the price catalog shipped in `catalog/` from the real source files in
 * `data/pricing/` (see catalog/NOTICE.md for their provenance).
 *
 *   npx tsx scripts/build-catalog.ts [--data <pricing dir>] [--out <catalog dir>]
 *
 * Output is deterministic: the same sources give the same bytes (a test checks the committed
 * catalog against a rebuild).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { StackfitError } from '../src/model';
import { catalogFileName, encodeCatalogPart, serializeCatalogFile, type CatalogPart } from '../src/catalog/format';
import {
  AWS_EC2_AUTOSCALER_FILE,
  AWS_EC2_PRICES_FILE,
  AWS_EC2_TYPES_FILE,
  AWS_RDS_PRICES_FILE,
  autoscalerTypeRowSchema,
  buildAwsEc2Part,
  buildAwsRdsPart,
  ec2PriceRowSchema,
  ec2SpecIndex,
  karpenterTypeRowSchema,
  rdsPriceRowSchema,
} from '../src/clouds/aws/catalog';
import {
  AZURE_VM_PRICES_FILE,
  AZURE_VM_PRICE_CORRECTIONS_FILE,
  AZURE_VM_SPECS_FILE,
  azureCorrectionRowSchema,
  azurePriceRowSchema,
  azureSpecRowSchema,
  buildAzurePart,
} from '../src/clouds/azure/catalog';
import {
  GCP_PRICES_FILE,
  GCP_PRICING_YAML_FILE,
  buildGcpPart,
  gcpImageLicences,
  gcpPriceRowSchema,
  gcpWindowsLicences,
} from '../src/clouds/gcp/catalog';

import { EKS_MAX_PODS_FILE, buildEksMaxPods, eksMaxPodsRowSchema } from '../src/pools/max-pods';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_PRICING_DIR = path.resolve(REPO_ROOT, 'data/pricing');
export const DEFAULT_CATALOG_DIR = path.join(REPO_ROOT, 'catalog');

/** Reads a CSV file and validates every row; errors name the file and the line. */
export function readCsv<T extends z.ZodType>(file: string, schema: T): z.infer<T>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StackfitError(`cannot read price source: ${(error as Error).message}`, file);
  }
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true });
  } catch (error) {
    throw new StackfitError(`invalid CSV: ${(error as Error).message}`, file);
  }
  return records.map((record, i) => {
    const result = schema.safeParse(record);
    if (!result.success) {
      const issue = result.error.issues[0];
      // Line numbers count the header as line 1.
      throw new StackfitError(`line ${i + 2}, column ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid row'}`, file);
    }
    return result.data;
  });
}

/** Reads a YAML price file; errors name the file. */
export function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StackfitError(`cannot read price source: ${(error as Error).message}`, file);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new StackfitError(`invalid YAML: ${(error as Error).message}`, file);
  }
}

export interface BuiltCatalog {
  /** File name (inside the catalog dir) → exact file content. */
  files: Map<string, string>;
  /** What each part included and left out, for the build log. */
  notes: { part: string; lines: string[] }[];
}

/** Builds every catalog file from the pricing directory, in memory. */
export function buildCatalog(pricingDir: string = DEFAULT_PRICING_DIR): BuiltCatalog {
  const source = (name: string) => path.join(pricingDir, name);
  const karpenter = readCsv(source(AWS_EC2_TYPES_FILE), karpenterTypeRowSchema);
  const autoscaler = readCsv(source(AWS_EC2_AUTOSCALER_FILE), autoscalerTypeRowSchema);
  // Parsed once: it holds the Windows and the RHEL/SLES licences.
  const gcpPricingYaml = readYaml(source(GCP_PRICING_YAML_FILE));
  const parts: CatalogPart[] = [
    buildAwsEc2Part(readCsv(source(AWS_EC2_PRICES_FILE), ec2PriceRowSchema), karpenter, autoscaler),
    buildAwsRdsPart(readCsv(source(AWS_RDS_PRICES_FILE), rdsPriceRowSchema), ec2SpecIndex(karpenter, autoscaler).specs),
    buildAzurePart(
      readCsv(source(AZURE_VM_PRICES_FILE), azurePriceRowSchema),
      readCsv(source(AZURE_VM_SPECS_FILE), azureSpecRowSchema),
      readCsv(source(AZURE_VM_PRICE_CORRECTIONS_FILE), azureCorrectionRowSchema),
    ),
    buildGcpPart(readCsv(source(GCP_PRICES_FILE), gcpPriceRowSchema), gcpWindowsLicences(gcpPricingYaml), gcpImageLicences(gcpPricingYaml)),
  ];
  const files = new Map<string, string>();
  const notes: BuiltCatalog['notes'] = [];
  for (const part of parts) {
    const name = catalogFileName(part.cloud, part.kind);
    files.set(name, serializeCatalogFile(encodeCatalogPart(part)));
    notes.push({ part: name, lines: part.notes });
  }
  const maxPods = buildEksMaxPods(readCsv(source(AWS_EC2_TYPES_FILE), eksMaxPodsRowSchema));
  files.set(EKS_MAX_PODS_FILE, `${JSON.stringify(maxPods.file, null, 1)}\n`);
  notes.push({ part: EKS_MAX_PODS_FILE, lines: maxPods.notes });
  return { files, notes };
}

function main(): void {
  const { values } = parseArgs({
    options: { data: { type: 'string', default: DEFAULT_PRICING_DIR }, out: { type: 'string', default: DEFAULT_CATALOG_DIR } },
  });
  const pricingDir = path.resolve(values.data);
  const outDir = path.resolve(values.out);
  const built = buildCatalog(pricingDir);
  mkdirSync(outDir, { recursive: true });
  let total = 0;
  for (const [name, text] of built.files) {
    writeFileSync(path.join(outDir, name), text);
    total += Buffer.byteLength(text);
    console.log(`wrote ${path.join(outDir, name)} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB)`);
  }
  for (const { part, lines } of built.notes) {
    console.log(`\n${part}`);
    for (const line of lines) console.log(`  - ${line}`);
  }
  console.log(`\ntotal ${(total / 1024 / 1024).toFixed(2)} MiB`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    if (error instanceof StackfitError) {
      console.error(`build-catalog: ${error.message}`);
      process.exit(error.exitCode);
    }
    throw error;
  }
}
