import Parser = require('jsonparse');
import { z } from 'zod';
import { StackfitError } from '../../model';
import { getJson, getWithRetry, type RetryOptions } from '../../catalog/refresh/http';

/**
 * The AWS Price List bulk API (public, no credentials): offer index → EC2 region index → one
 * offer file per region with `products` (sku → attributes) and `terms.OnDemand`
 * (sku → term → priceDimensions). A region's EC2 offer file is hundreds of MB to a few GB,
 * beyond what `JSON.parse` can hold in one string, so it is parsed as a stream: each product
 * and each term is checked, reduced to what stackfit keeps, and dropped; memory stays in the
 * tens of MB (one sku → type map and one sku → price map).
 */

export const AWS_PRICES_ENDPOINT = 'https://pricing.us-east-1.amazonaws.com';
export const AWS_OFFER_INDEX_PATH = '/offers/v1.0/aws/index.json';

function fail(url: string, error: z.ZodError, prefix: readonly (string | number)[] = []): never {
  const issue = error.issues[0];
  const at = [...prefix, ...(issue?.path ?? [])].map(String).join('.');
  throw new StackfitError(`malformed AWS price list at ${at || '(root)'}: ${issue?.message ?? 'invalid'}`, url);
}

export const awsOfferIndexSchema = z.looseObject({
  offers: z.record(z.string(), z.looseObject({ offerCode: z.string(), currentRegionIndexUrl: z.string().min(1).optional() })),
});

export const awsRegionIndexSchema = z.looseObject({
  publicationDate: z.string().optional(),
  regions: z.record(z.string(), z.looseObject({ regionCode: z.string(), currentVersionUrl: z.string().min(1) })),
});

export const awsProductSchema = z.looseObject({
  sku: z.string().min(1),
  productFamily: z.string().optional(),
  attributes: z.record(z.string(), z.string()),
});

const priceDimensionSchema = z.looseObject({
  unit: z.string(),
  beginRange: z.string().optional(),
  pricePerUnit: z.record(z.string(), z.string()),
});

/** One sku's terms of one type: term code → term. */
export const awsSkuTermsSchema = z.record(
  z.string(),
  z.looseObject({ sku: z.string(), priceDimensions: z.record(z.string(), priceDimensionSchema) }),
);

export type AwsProduct = z.infer<typeof awsProductSchema>;

/** Why a product is not a Linux, shared-tenancy, on-demand EC2 instance (undefined: it is one). */
export function awsProductExclusion(product: AwsProduct): string | undefined {
  const a = product.attributes;
  if (!a.instanceType) return 'no instanceType';
  if (product.productFamily !== undefined && product.productFamily !== 'Compute Instance') return `productFamily ${product.productFamily}`;
  if (a.operatingSystem !== 'Linux') return `operatingSystem ${a.operatingSystem ?? '(none)'}`;
  if (a.tenancy !== 'Shared') return `tenancy ${a.tenancy ?? '(none)'}`;
  if (a.preInstalledSw !== 'NA') return `preInstalledSw ${a.preInstalledSw ?? '(none)'}`;
  if (a.capacitystatus !== undefined && a.capacitystatus !== 'Used') return `capacitystatus ${a.capacitystatus}`;
  if (a.marketoption !== undefined && a.marketoption !== 'OnDemand') return `marketoption ${a.marketoption}`;
  if (a.licenseModel !== undefined && a.licenseModel !== 'No License required') return `licenseModel ${a.licenseModel}`;
  return undefined;
}

/** The hourly USD price of a sku's on-demand terms (the first-tier `Hrs` dimension), if any. */
export function onDemandHourlyUsd(terms: z.infer<typeof awsSkuTermsSchema>): number | undefined {
  for (const term of Object.values(terms)) {
    for (const dimension of Object.values(term.priceDimensions)) {
      if (dimension.unit !== 'Hrs' || (dimension.beginRange !== undefined && dimension.beginRange !== '0')) continue;
      const usd = dimension.pricePerUnit.USD;
      const value = usd === undefined ? NaN : Number(usd);
      if (Number.isFinite(value) && value >= 0) return value;
    }
  }
  return undefined;
}

export interface AwsEc2Price {
  region: string;
  size: string;
  hourlyUsd: number;
}

export interface AwsOfferFileResult {
  prices: AwsEc2Price[];
  publicationDate?: string;
  /** Products kept whose on-demand price is missing or zero. */
  unpriced: number;
}

/**
 * Reads one region's EC2 offer file from a stream of bytes, keeping Linux / Shared / no
 * pre-installed software / capacity Used products and their on-demand hourly USD price. Two
 * products of the same type (rare) keep the lower price.
 */
export async function readEc2OfferFile(
  chunks: AsyncIterable<Uint8Array | string>,
  region: string,
  url: string,
): Promise<AwsOfferFileResult> {
  const typeBySku = new Map<string, string>();
  const priceBySku = new Map<string, number>();
  let publicationDate: string | undefined;
  let complete = false;
  const parser = new Parser();
  parser.onError = (error: Error) => {
    throw new StackfitError(`the AWS offer file is not valid JSON (${error.message})`, url);
  };
  parser.onValue = function (value: unknown) {
    const depth = this.stack.length;
    if (depth === 0) {
      complete = true;
      return;
    }
    const top = this.stack[1]?.key;
    if (depth === 1 && this.key === 'publicationDate' && typeof value === 'string') publicationDate = value;
    if (depth === 2 && top === 'products') {
      const result = awsProductSchema.safeParse(value);
      if (!result.success) fail(url, result.error, ['products', String(this.key)]);
      if (awsProductExclusion(result.data) === undefined) typeBySku.set(result.data.sku, result.data.attributes.instanceType!);
      delete (this.value as Record<string, unknown>)[this.key as string];
    } else if (depth === 3 && top === 'terms') {
      if (this.stack[2]?.key === 'OnDemand') {
        const result = awsSkuTermsSchema.safeParse(value);
        if (!result.success) fail(url, result.error, ['terms', 'OnDemand', String(this.key)]);
        const hourly = onDemandHourlyUsd(result.data);
        if (hourly !== undefined) priceBySku.set(String(this.key), hourly);
      }
      // Reserved and other terms are not used; dropping them keeps memory flat.
      delete (this.value as Record<string, unknown>)[this.key as string];
    }
  };
  try {
    for await (const chunk of chunks) parser.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk));
  } catch (err) {
    if (err instanceof StackfitError) throw err;
    throw new StackfitError(`the AWS offer file could not be read: ${(err as Error).message}`, url);
  }
  if (!complete) throw new StackfitError('the AWS offer file ends early (truncated download?)', url);
  const bySize = new Map<string, number>();
  let unpriced = 0;
  for (const [sku, size] of typeBySku) {
    const hourly = priceBySku.get(sku);
    if (hourly === undefined || hourly === 0) {
      unpriced++;
      continue;
    }
    const seen = bySize.get(size);
    if (seen === undefined || hourly < seen) bySize.set(size, hourly);
  }
  return {
    prices: [...bySize].map(([size, hourlyUsd]) => ({ region, size, hourlyUsd })),
    ...(publicationDate !== undefined && { publicationDate }),
    unpriced,
  };
}

/** The URL of each wanted region's EC2 offer file, from the offer index and the region index. */
export async function ec2OfferFileUrls(
  endpoint: string,
  regions: readonly string[],
  opts: RetryOptions = {},
): Promise<Map<string, string>> {
  const indexUrl = new URL(AWS_OFFER_INDEX_PATH, endpoint).toString();
  const index = awsOfferIndexSchema.safeParse(await getJson(indexUrl, opts));
  if (!index.success) fail(indexUrl, index.error);
  const regionIndexPath = index.data.offers.AmazonEC2?.currentRegionIndexUrl;
  if (!regionIndexPath) throw new StackfitError('malformed AWS price list at offers.AmazonEC2.currentRegionIndexUrl: missing', indexUrl);
  const regionIndexUrl = new URL(regionIndexPath, endpoint).toString();
  const regionIndex = awsRegionIndexSchema.safeParse(await getJson(regionIndexUrl, opts));
  if (!regionIndex.success) fail(regionIndexUrl, regionIndex.error);
  const available = regionIndex.data.regions;
  const urls = new Map<string, string>();
  for (const region of regions.length ? regions : Object.keys(available).sort()) {
    const entry = available[region];
    if (!entry)
      throw new StackfitError(
        `AWS has no EC2 price list for region "${region}" (known: ${Object.keys(available).sort().join(', ')})`,
        regionIndexUrl,
      );
    urls.set(region, new URL(entry.currentVersionUrl, endpoint).toString());
  }
  return urls;
}

/** On-demand Linux EC2 prices of the regions (all regions of the index when none given). */
export async function fetchAwsEc2Prices(
  opts: { endpoint?: string; regions?: readonly string[] } & RetryOptions,
): Promise<{ prices: AwsEc2Price[]; publicationDates: Map<string, string>; unpriced: number }> {
  const endpoint = opts.endpoint ?? AWS_PRICES_ENDPOINT;
  const urls = await ec2OfferFileUrls(endpoint, opts.regions ?? [], opts);
  const prices: AwsEc2Price[] = [];
  const publicationDates = new Map<string, string>();
  let unpriced = 0;
  for (const [region, url] of urls) {
    const response = await getWithRetry(url, opts);
    if (!response.body) throw new StackfitError('the AWS offer file response has no body', url);
    const result = await readEc2OfferFile(response.body as AsyncIterable<Uint8Array>, region, url);
    prices.push(...result.prices);
    if (result.publicationDate) publicationDates.set(region, result.publicationDate);
    unpriced += result.unpriced;
  }
  return { prices, publicationDates, unpriced };
}
