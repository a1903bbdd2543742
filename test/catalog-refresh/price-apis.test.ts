import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchAwsEc2Prices, readEc2OfferFile } from '../../src/clouds/aws/prices-api';
import { azureRetailPricesUrl, fetchAzureVmPrices } from '../../src/clouds/azure/prices-api';
import { StackfitError } from '../../src/model';
import { ec2OfferFile, startFakePriceApi, type FakePriceApi } from './fake-price-api';

const fast = { baseDelayMs: 1, maxDelayMs: 5 };
let api: FakePriceApi;

beforeEach(async () => {
  api = await startFakePriceApi();
});
afterEach(async () => {
  await api.close();
});

describe('Azure Retail Prices API', () => {
  it('asks for Virtual Machines pay-as-you-go prices of the region', () => {
    const url = new URL(azureRetailPricesUrl('https://prices.azure.com', 'westeurope'));
    expect(url.pathname).toBe('/api/retail/prices');
    expect(url.searchParams.get('$filter')).toBe(
      "serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq 'westeurope'",
    );
  });

  it('follows NextPageLink and keeps exactly the Linux pay-as-you-go VM prices of the real pages', async () => {
    const prices = await fetchAzureVmPrices({ endpoint: api.url, ...fast });
    expect(api.requests.map((r) => new URL(r, api.url).searchParams.get('$skip'))).toEqual([null, '200']);
    // Of 200 real items: Spot / Low Priority, Windows, DevTest, Reservation, storage and SQL rows and a
    // dedicated host are dropped; what is left, by region and size:
    expect(prices.map((p) => `${p.region} ${p.size} ${p.hourlyUsd}`).sort()).toEqual([
      'australiacentral Standard_A8m_v2 0.655',
      'australiaeast Standard_M16s 3.461',
      'centralus Standard_M16-4ms 3.472',
      'centralus Standard_M16-8ms 3.472',
      'centralus Standard_M16ms 3.472',
      'eastus2 Standard_NC48ads_A100_v4 7.346',
      'japanwest Standard_B8ms 0.479',
      'northeurope Standard_E96_v5 6.768',
      'swedensouth Standard_A1_v2 0.0533',
      'switzerlandnorth Standard_F48s_v2 2.5608',
      'uaecentral Standard_F2 0.148',
      'uaecentral Standard_F2s 0.148',
    ]);
  });

  it('keeps only the asked regions (the fake ignores $filter; the client checks too)', async () => {
    const prices = await fetchAzureVmPrices({ endpoint: api.url, regions: ['UAE Central'], ...fast });
    expect(new URL(api.requests[0]!, api.url).searchParams.get('$filter')).toContain("armRegionName eq 'uaecentral'");
    expect(prices.map((p) => p.size).sort()).toEqual(['Standard_F2', 'Standard_F2s']);
  });

  it('retries 429 and 5xx with back-off, then succeeds', async () => {
    api.failures.set('/api/retail/prices', [{ status: 429, headers: { 'retry-after': '0' } }, { status: 503 }]);
    const prices = await fetchAzureVmPrices({ endpoint: api.url, regions: ['uaecentral'], ...fast });
    expect(prices).toHaveLength(2);
    expect(api.requests).toHaveLength(4);
  });

  it('gives up after the bounded attempts with one error naming the URL', async () => {
    api.overrides.set('/api/retail/prices', { status: 503 });
    const error = await fetchAzureVmPrices({ endpoint: api.url, attempts: 3, ...fast }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackfitError);
    expect((error as Error).message).toMatch(
      new RegExp(`^${api.url.replace(/[.]/g, '\\.')}/api/retail/prices\\?.*: price API request failed: HTTP 503`),
    );
    expect(api.requests).toHaveLength(3);
  });

  it('does not retry a 404, and names a malformed page and its field', async () => {
    api.overrides.set('/api/retail/prices', { status: 404 });
    await expect(fetchAzureVmPrices({ endpoint: api.url, ...fast })).rejects.toThrow(/HTTP 404/);
    expect(api.requests).toHaveLength(1);
    api.overrides.set('/api/retail/prices', {
      status: 200,
      body: JSON.stringify({ Items: [{ retailPrice: 'cheap' }], NextPageLink: null }),
    });
    await expect(fetchAzureVmPrices({ endpoint: api.url, ...fast })).rejects.toThrow(
      /api\/retail\/prices.*malformed Azure price page at Items\.0\.currencyCode/,
    );
  });

  it('reports an unreachable endpoint by URL', async () => {
    const url = api.url;
    await api.close();
    api = await startFakePriceApi();
    await expect(fetchAzureVmPrices({ endpoint: url, attempts: 2, ...fast })).rejects.toThrow(
      new RegExp(`${url.replace(/[.]/g, '\\.')}/api/retail/prices.*price API request failed: ECONNREFUSED`),
    );
  });
});

describe('AWS Price List bulk API', () => {
  it('walks offer index → region index → offer file and keeps the on-demand Linux price', async () => {
    const { prices, publicationDates } = await fetchAwsEc2Prices({ endpoint: api.url, regions: ['us-east-1'], ...fast });
    expect(prices).toEqual([{ region: 'us-east-1', size: 'm5.large', hourlyUsd: 0.096 }]);
    expect(publicationDates.get('us-east-1')).toBe('2021-02-05T20:45:00Z');
    expect(api.requests).toEqual([
      '/offers/v1.0/aws/index.json',
      '/offers/v1.0/aws/AmazonEC2/current/region_index.json',
      '/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json',
    ]);
  });

  it('drops Windows, dedicated, pre-installed-software and unused-capacity products', async () => {
    const real = JSON.parse(ec2OfferFile()) as {
      products: Record<string, { attributes: Record<string, string> }>;
      terms: { OnDemand: Record<string, unknown> };
    };
    const [sku, product] = Object.entries(real.products)[0]!;
    const onDemand = real.terms.OnDemand[sku] as Record<string, { priceDimensions: Record<string, { pricePerUnit: { USD: string } }> }>;
    // Twins of the real record that differ in one attribute, at half the price: keeping any would show.
    const twin = (suffix: string, attribute: string, value: string) => {
      const twinSku = `${sku}${suffix}`;
      const terms = JSON.parse(JSON.stringify(onDemand).replaceAll(sku, twinSku)) as typeof onDemand;
      for (const term of Object.values(terms)) for (const d of Object.values(term.priceDimensions)) d.pricePerUnit.USD = '0.048';
      return {
        product: { ...product, sku: twinSku, attributes: { ...product.attributes, [attribute]: value } },
        terms: { OnDemand: terms },
      };
    };
    const body = ec2OfferFile([
      twin('W', 'operatingSystem', 'Windows'),
      twin('D', 'tenancy', 'Dedicated'),
      twin('S', 'preInstalledSw', 'SQL Std'),
      twin('U', 'capacitystatus', 'UnusedCapacityReservation'),
    ]);
    const result = await readEc2OfferFile(chunked(body, 97), 'us-east-1', 'offer.json');
    expect(result.prices).toEqual([{ region: 'us-east-1', size: 'm5.large', hourlyUsd: 0.096 }]);
  });

  it('names the field of a malformed product and rejects a truncated file', async () => {
    const broken = ec2OfferFile().replace('"instanceType": "m5.large"', '"instanceType": 5');
    await expect(readEc2OfferFile(chunked(broken, 512), 'us-east-1', 'offer.json')).rejects.toThrow(
      /offer\.json: malformed AWS price list at products\.6C86BEPQVG73ZGGR\.attributes\.instanceType/,
    );
    const full = ec2OfferFile();
    await expect(readEc2OfferFile(chunked(full.slice(0, full.length - 40), 512), 'us-east-1', 'offer.json')).rejects.toThrow(/ends early/);
  });

  it('says which regions exist when asked for an unknown one, and names a failing offer file', async () => {
    await expect(fetchAwsEc2Prices({ endpoint: api.url, regions: ['mars-north-1'], ...fast })).rejects.toThrow(
      /region_index\.json: AWS has no EC2 price list for region "mars-north-1" \(known: eu-central-1, eu-west-1/,
    );
    // The trimmed region index lists eu-west-1, whose file this fake does not have.
    await expect(fetchAwsEc2Prices({ endpoint: api.url, regions: ['eu-west-1'], attempts: 2, ...fast })).rejects.toThrow(
      /current\/eu-west-1\/index\.json: price API request failed: HTTP 404/,
    );
  });
});

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
