import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A loopback fake of the public price APIs, serving the genuine captures in
 * data/api-samples: the Azure Retail Prices pages (NextPageLink rewritten to the
 * fake) and the AWS bulk price list (offer index, region index, and a us-east-1 EC2 offer file
 * built from the real GetProducts m5.large record, whose structure is a bulk offer-file record).
 */

export const SAMPLES = path.resolve(__dirname, '../../data/api-samples');

const readJson = (rel: string) => JSON.parse(readFileSync(path.join(SAMPLES, rel), 'utf8')) as Record<string, unknown>;

export interface FakeResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface FakePriceApi {
  url: string;
  /** Paths with query, in request order. */
  requests: string[];
  /** Responses served, in order, before the normal ones for a path (without query). */
  failures: Map<string, FakeResponse[]>;
  /** Overrides the normal response for a path (without query). */
  overrides: Map<string, FakeResponse>;
  close(): Promise<void>;
}

/** The real m5.large record as a one-product bulk offer file, plus optional extra records. */
export function ec2OfferFile(extra: { product: Record<string, unknown>; terms: Record<string, Record<string, unknown>> }[] = []): string {
  const record = readJson('aws/GetProducts_m5_large.json') as {
    product: { sku: string };
    terms: Record<string, Record<string, unknown>>;
    version: string;
    publicationDate: string;
  };
  const offer = {
    formatVersion: 'v1.0',
    offerCode: 'AmazonEC2',
    version: record.version,
    publicationDate: record.publicationDate,
    products: {} as Record<string, unknown>,
    terms: {} as Record<string, Record<string, unknown>>,
  };
  for (const r of [{ product: record.product, terms: record.terms }, ...extra]) {
    const sku = (r.product as { sku: string }).sku;
    offer.products[sku] = r.product;
    for (const [type, byKey] of Object.entries(r.terms)) (offer.terms[type] ??= {})[sku] = byKey;
  }
  return JSON.stringify(offer, null, 2);
}

export async function startFakePriceApi(opts: { ec2OfferFile?: string } = {}): Promise<FakePriceApi> {
  const azurePage1 = readJson('azure/azure_retail_prices_page1_2022-04-19.json');
  const azurePage812 = readJson('azure/azure_retail_prices_page812_2022-04-19.json');
  const offerIndex = readJson('aws/ligoj_offers_index_trimmed_2021-05.json');
  const regionIndex = readJson('aws/ligoj_AmazonEC2_region_index_trimmed_2021-05.json') as {
    regions: Record<string, { currentVersionUrl: string }>;
  };
  // The record is a us-east-1 product: serve it as us-east-1's offer file.
  regionIndex.regions['us-east-1']!.currentVersionUrl = '/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json';
  const usEast1 = opts.ec2OfferFile ?? ec2OfferFile();

  const requests: string[] = [];
  const failures = new Map<string, FakeResponse[]>();
  const overrides = new Map<string, FakeResponse>();
  let origin = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    requests.push(`${url.pathname}${url.search}`);
    const send = (r: FakeResponse) => {
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(r.body ?? '');
    };
    const failure = failures.get(url.pathname)?.shift();
    if (failure) return send(failure);
    const override = overrides.get(url.pathname);
    if (override) return send(override);
    const json = (value: unknown) => send({ status: 200, body: JSON.stringify(value) });
    switch (url.pathname) {
      case '/api/retail/prices': {
        const skip = url.searchParams.get('$skip');
        // Page 1 links to the next page; the capture's second page (page 812) ends the list here.
        if (skip === null)
          return json({ ...azurePage1, NextPageLink: String(azurePage1.NextPageLink).replace('https://prices.azure.com:443', origin) });
        if (skip === '200') return json({ ...azurePage812, NextPageLink: null });
        return send({ status: 404, body: '{"error":"no such page"}' });
      }
      case '/offers/v1.0/aws/index.json':
        return json(offerIndex);
      case '/offers/v1.0/aws/AmazonEC2/current/region_index.json':
        return json(regionIndex);
      case '/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json':
        return send({ status: 200, body: usEast1 });
      default:
        return send({ status: 404, body: '{"error":"not found"}' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    failures,
    overrides,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
