/**
 * AWS offer-file streaming benchmark: `npx tsx bench/price-refresh.ts [records]`.
 *
 * A real region offer file is hundreds of MB to a few GB; this feeds `readEc2OfferFile` a
 * generated one of the same structure (the real GetProducts m5.large record, repeated under
 * distinct skus: products first, then terms, as AWS writes them) in 64 KiB chunks, and reports
 * throughput and the heap used while parsing. Nothing is written to disk.
 *
 * Measured (2 shared cores, load ≈ 4): 19 MB → 23 MiB peak heap, 191 MB → 74 MiB,
 * 575 MB → 98 MiB (heap includes uncollected garbage); 37–45 MB per CPU second.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readEc2OfferFile } from '../src/clouds/aws/prices-api';

const records = Number(process.argv[2] ?? 20_000);
const sample = JSON.parse(readFileSync(path.resolve(__dirname, '../data/api-samples/aws/GetProducts_m5_large.json'), 'utf8')) as {
  product: { sku: string };
  terms: Record<string, Record<string, unknown>>;
};
const sku = sample.product.sku;
const productText = JSON.stringify(sample.product);
const termTexts = Object.fromEntries(Object.entries(sample.terms).map(([type, byKey]) => [type, JSON.stringify(byKey)]));

let bytes = 0;
let peakHeap = 0;
/** The offer file in ~64 KiB chunks, generated as it is read (never held whole). */
async function* offerFile(): AsyncGenerator<string> {
  let buffer = '{"formatVersion":"v1.0","offerCode":"AmazonEC2","publicationDate":"2021-02-05T20:45:00Z","products":{';
  const take = (): string => {
    const chunk = buffer;
    buffer = '';
    bytes += Buffer.byteLength(chunk);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    return chunk;
  };
  for (let i = 0; i < records; i++) {
    const id = `${sku}${i}`;
    buffer += `${i ? ',' : ''}${JSON.stringify(id)}:${productText.replaceAll(sku, id)}`;
    if (buffer.length >= 65_536) yield take();
  }
  buffer += '},"terms":{';
  let t = 0;
  for (const [type, text] of Object.entries(termTexts)) {
    buffer += `${t++ ? ',' : ''}${JSON.stringify(type)}:{`;
    for (let i = 0; i < records; i++) {
      const id = `${sku}${i}`;
      buffer += `${i ? ',' : ''}${JSON.stringify(id)}:${text.replaceAll(sku, id)}`;
      if (buffer.length >= 65_536) yield take();
    }
    buffer += '}';
  }
  buffer += '}}';
  yield take();
}

async function main(): Promise<void> {
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await readEc2OfferFile(offerFile(), 'us-east-1', 'generated');
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify(
      {
        records,
        mb: +(bytes / 1e6).toFixed(1),
        wallS: +(ms / 1000).toFixed(2),
        cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2),
        mbPerCpuS: +(bytes / 1e6 / ((cpu.user + cpu.system) / 1e6)).toFixed(1),
        kept: result.prices.length,
        peakHeapAboveStartMiB: +((peakHeap - heapBefore) / 2 ** 20).toFixed(1),
      },
      null,
      2,
    ),
  );
}

void main();
