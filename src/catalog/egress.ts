import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root';

/**
 * Egress list prices for the data a move copies out of its source cloud. Only GCP's are in
 * data/ (Cyclenerd's pricing.yml, from the Cloud Billing Catalog): internet egress to worldwide
 * destinations, first tier (0–1 TiB), per source region. AWS and Azure have no vendored egress
 * price: the team sets one (`migration.egressUsdPerGiB`) or the figure is reported as unknown.
 */
export interface EgressPrices {
  /** USD per GiB by GCP source region. */
  gcp: ReadonlyMap<string, number>;
  /** File and date of the prices. */
  source: string;
}

export const GCP_PRICING_FILE = 'data/pricing/cyclenerd_gcp_pricing_2026-07-30.yml';

/**
 * Reads `network.traffic.egress.internet.cost.0-1.<region>.month` from the vendored file with a
 * line scanner: the file is 138,000 lines of YAML, of which this block is a few dozen.
 */
export function parseGcpEgress(text: string): Map<string, number> {
  const at: string[] = [];
  const out = new Map<string, number>();
  const wanted = ['compute', 'network', 'traffic', 'egress', 'internet', 'cost', '0-1'];
  // Only the `compute.network` block is scanned (a few thousand of the file's lines).
  const start = text.indexOf('\n  network:\n');
  if (start < 0) return out;
  at[0] = 'compute';
  for (const line of text.slice(start + 1).split('\n')) {
    if (at.length > 1 && /^ {0,2}\S/.test(line) && !line.startsWith('  network:')) break;
    const match = /^( *)([^:#\s][^:#]*):\s*(.*)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 2;
    at.length = depth;
    at[depth] = match[2]!.trim();
    // compute.network.traffic.egress.internet.cost.0-1.<region>.month: worldwide destinations
    // (australia and china have their own subtrees under `internet`).
    if (depth === 8 && at[8] === 'month' && wanted.every((key, k) => at[k] === key)) {
      const price = Number(match[3]);
      if (Number.isFinite(price)) out.set(at[7]!, price);
    }
  }
  return out;
}

let cached: EgressPrices | undefined | null = null;

/** GCP egress prices from the vendored file; undefined when the file is not there (installed package). */
export function loadEgressPrices(root: string = packageRoot()): EgressPrices | undefined {
  if (cached !== null && root === packageRoot()) return cached;
  const file = path.join(root, GCP_PRICING_FILE);
  const result = existsSync(file) ? { gcp: parseGcpEgress(readFileSync(file, 'utf8')), source: `${GCP_PRICING_FILE} (internet egress, first TiB, generated 2026-07-30)` } : undefined;
  if (root === packageRoot()) cached = result;
  return result;
}
