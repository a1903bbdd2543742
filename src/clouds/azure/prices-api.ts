import { z } from 'zod';
import { StackfitError } from '../../model';
import { getJson, type RetryOptions } from '../../catalog/refresh/http';

/**
 * The Azure Retail Prices API (`https://prices.azure.com/api/retail/prices`): public, no
 * credentials, OData `$filter`, pages of up to 1,000 items linked by `NextPageLink`.
 */

export const AZURE_PRICES_ENDPOINT = 'https://prices.azure.com';
/** Guards against a server that links pages in a loop. */
const MAX_PAGES = 10_000;

/** One price item. Only the fields the VM filter reads are required; the rest pass through. */
export const azurePriceItemSchema = z.looseObject({
  currencyCode: z.string(),
  retailPrice: z.number().nonnegative(),
  armRegionName: z.string(),
  effectiveStartDate: z.string(),
  meterName: z.string(),
  productName: z.string(),
  skuName: z.string(),
  serviceName: z.string(),
  unitOfMeasure: z.string(),
  type: z.string(),
  armSkuName: z.string(),
});

export const azurePricePageSchema = z.looseObject({
  BillingCurrency: z.string().optional(),
  Items: z.array(azurePriceItemSchema),
  NextPageLink: z.string().nullable().optional(),
  Count: z.number().optional(),
});

export type AzurePriceItem = z.infer<typeof azurePriceItemSchema>;
export type AzurePricePage = z.infer<typeof azurePricePageSchema>;

/** The first page's URL: Virtual Machines, pay-as-you-go, in one region (or all). */
export function azureRetailPricesUrl(endpoint: string, region?: string): string {
  const filter = [
    `serviceName eq 'Virtual Machines'`,
    `priceType eq 'Consumption'`,
    ...(region ? [`armRegionName eq '${region}'`] : []),
  ].join(' and ');
  const url = new URL('/api/retail/prices', endpoint);
  url.searchParams.set('$filter', filter);
  return url.toString();
}

/** Why an item is not a Linux pay-as-you-go VM price (undefined: it is one). */
export function azureItemExclusion(item: AzurePriceItem): string | undefined {
  if (item.serviceName !== 'Virtual Machines') return 'not Virtual Machines';
  if (item.type !== 'Consumption') return `type ${item.type}`;
  if (item.unitOfMeasure !== '1 Hour') return `unit ${item.unitOfMeasure}`;
  if (item.currencyCode !== 'USD') return `currency ${item.currencyCode}`;
  // Windows meters carry the licence; some product names put "Windows" mid-name, in any case.
  if (/windows/i.test(item.productName) || /windows/i.test(item.skuName)) return 'Windows';
  // Cloud Services (classic web/worker roles) reuse VM size names at other prices.
  if (/cloud services/i.test(item.productName)) return 'Cloud Services';
  // A dedicated host's hourly price is for the whole host, not one VM.
  if (item.productName.includes('Dedicated Host')) return 'dedicated host';
  if (/\b(Spot|Low Priority)\b/i.test(item.meterName) || /\b(Spot|Low Priority)\b/i.test(item.skuName)) return 'Spot / Low Priority';
  if (!item.armSkuName) return 'no armSkuName';
  if (!(item.retailPrice > 0)) return 'zero price';
  return undefined;
}

export interface AzureVmPrice {
  region: string;
  size: string;
  hourlyUsd: number;
  effectiveStartDate: string;
  /** The meter the price came from (ties between meters are broken on it, so the choice never depends on page order). */
  meter: string;
}

/**
 * Keeps the Linux pay-as-you-go VM prices of the wanted regions (all when `regions` is empty;
 * the server filters too, this is the check), one item at a time so that a whole-cloud query
 * never holds its pages. One price per region and size, whatever order the pages come in: the
 * latest `effectiveStartDate`, then the lower price (a size can be listed under two series
 * names), then the first meter by name.
 */
export class AzureVmPriceCollector {
  private readonly wanted: Set<string>;
  private readonly best = new Map<string, AzureVmPrice>();

  constructor(regions: readonly string[] = []) {
    this.wanted = new Set(regions.map((r) => r.toLowerCase().replace(/\s+/g, '')));
  }

  add(item: AzurePriceItem): void {
    if (azureItemExclusion(item) !== undefined) return;
    const region = item.armRegionName.toLowerCase();
    if (this.wanted.size > 0 && !this.wanted.has(region)) return;
    const key = `${region}|${item.armSkuName}`;
    const candidate: AzureVmPrice = {
      region,
      size: item.armSkuName,
      hourlyUsd: item.retailPrice,
      effectiveStartDate: item.effectiveStartDate,
      meter: `${item.productName}|${item.skuName}|${item.meterName}`,
    };
    const seen = this.best.get(key);
    if (
      !seen ||
      candidate.effectiveStartDate > seen.effectiveStartDate ||
      (candidate.effectiveStartDate === seen.effectiveStartDate &&
        (candidate.hourlyUsd < seen.hourlyUsd || (candidate.hourlyUsd === seen.hourlyUsd && candidate.meter < seen.meter)))
    ) {
      this.best.set(key, candidate);
    }
  }

  prices(): AzureVmPrice[] {
    return [...this.best.values()];
  }
}

/** The Linux pay-as-you-go VM prices among `items` (see AzureVmPriceCollector). */
export function azureVmPrices(items: Iterable<AzurePriceItem>, regions: readonly string[] = []): AzureVmPrice[] {
  const collector = new AzureVmPriceCollector(regions);
  for (const item of items) collector.add(item);
  return collector.prices();
}

/** Parses one page; a malformed page is a StackfitError naming the page URL and the field. */
export function parseAzurePricePage(json: unknown, url: string): AzurePricePage {
  const result = azurePricePageSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new StackfitError(`malformed Azure price page at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, url);
  }
  return result.data;
}

/**
 * Every item of a query, following `NextPageLink`. Links must stay on the endpoint's origin
 * (the API's links carry an explicit `:443`, which URL parsing drops).
 */
export async function* azurePriceItems(firstUrl: string, opts: RetryOptions = {}): AsyncGenerator<AzurePriceItem> {
  const origin = new URL(firstUrl).origin;
  const seen = new Set<string>();
  let url: string | undefined = firstUrl;
  while (url) {
    if (seen.has(url) || seen.size >= MAX_PAGES)
      throw new StackfitError(`Azure price pages do not end (page ${seen.size + 1} links back or past ${MAX_PAGES} pages)`, url);
    seen.add(url);
    const page = parseAzurePricePage(await getJson(url, opts), url);
    yield* page.Items;
    const next = page.NextPageLink;
    if (!next) break;
    let nextUrl: URL;
    try {
      nextUrl = new URL(next, url);
    } catch {
      throw new StackfitError(`malformed Azure price page at NextPageLink: not a URL (${next})`, url);
    }
    if (nextUrl.origin !== origin) throw new StackfitError(`Azure price page links to another host (${nextUrl.origin}); not followed`, url);
    url = nextUrl.toString();
  }
}

/** Linux pay-as-you-go VM prices of the regions (one query per region; all regions when none given). */
export async function fetchAzureVmPrices(opts: { endpoint?: string; regions?: readonly string[] } & RetryOptions): Promise<AzureVmPrice[]> {
  const endpoint = opts.endpoint ?? AZURE_PRICES_ENDPOINT;
  const regions = opts.regions ?? [];
  const prices: AzureVmPrice[] = [];
  for (const region of regions.length ? regions : [undefined]) {
    const collector = new AzureVmPriceCollector(region ? [region] : []);
    for await (const item of azurePriceItems(azureRetailPricesUrl(endpoint, region?.toLowerCase().replace(/\s+/g, '')), opts))
      collector.add(item);
    prices.push(...collector.prices());
  }
  return prices;
}
