import { HOURS_PER_MONTH, type Offering } from '../model';
import type { DiscountRule, PricingConfig } from '../config/schema';
import type { Catalog } from './types';

/**
 * The team's own prices: list prices from the catalog, turned into what the team pays with
 * `pricing:` from stackfit.yaml (GCP committed-use prices, then the first matching discount).
 * Pure; `withPricing` wraps a catalog so every consumer (candidates, optimiser, reports) sees
 * the same adjusted offerings.
 */

/** The subset of `pricing:` that changes prices (overlayDir is about loading, not pricing). */
export interface PriceBook {
  discounts?: readonly DiscountRule[];
  commitment?: PricingConfig['commitment'];
}

const round6 = (usd: number) => Math.round(usd * 1e6) / 1e6;
const round9 = (usd: number) => Math.round(usd * 1e9) / 1e9;

function listOf(value: string | readonly string[] | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
}

const normalizeRegion = (cloud: string, region: string) => (cloud === 'azure' ? region.toLowerCase().replace(/\s+/g, '') : region);

function globMatches(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  if (!p.includes('*')) return p === v;
  return new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(v);
}

/** Whether a discount rule covers the offering (every field it sets must match). */
export function discountMatches(rule: DiscountRule, offering: Offering): boolean {
  if (rule.cloud !== undefined && rule.cloud !== offering.cloud) return false;
  if (rule.kind !== undefined && rule.kind !== offering.kind) return false;
  const regions = listOf(rule.region);
  if (regions && !regions.some((r) => normalizeRegion(offering.cloud, r) === normalizeRegion(offering.cloud, offering.region))) return false;
  const families = listOf(rule.family);
  if (families && !families.some((f) => f.toLowerCase() === offering.family.toLowerCase())) return false;
  if (rule.size !== undefined && !globMatches(rule.size, offering.size)) return false;
  return true;
}

/** Index of the first discount that covers the offering, or -1. */
export function firstMatchingDiscount(discounts: readonly DiscountRule[], offering: Offering): number {
  for (let i = 0; i < discounts.length; i++) if (discountMatches(discounts[i]!, offering)) return i;
  return -1;
}

/**
 * The offering at the team's price: for GCP with `commitment.gcp`, the catalog's committed-use
 * monthly price (hourly = monthly / 730); then the first matching discount off hourly and
 * monthly. The committed-use reference figures are left as listed. Returns the same object
 * when nothing applies, so identity (and caches keyed by it) survive.
 */
export function applyPricing(offering: Offering, pricing: PriceBook | undefined): Offering {
  if (!pricing) return offering;
  let hourlyUsd = offering.hourlyUsd;
  let monthlyUsd = offering.monthlyUsd;
  const notes: string[] = [];
  const term = offering.cloud === 'gcp' ? pricing.commitment?.gcp : undefined;
  if (term) {
    const committed = term === '1y' ? offering.monthlyUsdCommitted1y : offering.monthlyUsdCommitted3y;
    if (committed !== undefined) {
      monthlyUsd = committed;
      hourlyUsd = round9(committed / HOURS_PER_MONTH);
      notes.push(`${term === '1y' ? '1-year' : '3-year'} committed-use price (pricing.commitment.gcp)`);
    }
  }
  const discounts = pricing.discounts ?? [];
  const index = firstMatchingDiscount(discounts, offering);
  if (index >= 0) {
    const rule = discounts[index]!;
    const factor = 1 - rule.percent / 100;
    hourlyUsd = round9(hourlyUsd * factor);
    monthlyUsd = round6(monthlyUsd * factor);
    notes.push(`−${rule.percent} % (pricing.discounts[${index}]${rule.note ? `: ${rule.note}` : ''})`);
  }
  if (notes.length === 0) return offering;
  return { ...offering, hourlyUsd, monthlyUsd, priceSource: `${offering.priceSource}; ${notes.join('; ')}` };
}

/** Whether a price book changes any price at all. */
export function hasPricing(pricing: PriceBook | undefined): pricing is PriceBook {
  return !!pricing && ((pricing.discounts?.length ?? 0) > 0 || pricing.commitment?.gcp !== undefined);
}

const BASE = Symbol('stackfit.pricedCatalog.base');

/**
 * A catalog whose offerings are priced with `pricing`. Each base offering is priced once
 * (cached by identity), so lookups stay O(1) and the same size is the same object everywhere.
 * Wrapping a priced catalog again re-prices its base (discounts never stack).
 */
export function withPricing(catalog: Catalog, pricing: PriceBook | undefined): Catalog {
  const base = (catalog as { [BASE]?: Catalog })[BASE] ?? catalog;
  if (!hasPricing(pricing)) return base;
  const priced = new WeakMap<Offering, Offering>();
  const lists = new WeakMap<readonly Offering[], readonly Offering[]>();
  const price = (o: Offering): Offering => {
    let p = priced.get(o);
    if (!p) priced.set(o, (p = applyPricing(o, pricing)));
    return p;
  };
  const wrapped: Catalog & { [BASE]: Catalog } = {
    [BASE]: base,
    lookup: (cloud, region, size, opts) => {
      const o = base.lookup(cloud, region, size, opts);
      return o && price(o);
    },
    offerings: (query) => {
      // The base catalog caches its query results, so the array identity is a stable key.
      const list = base.offerings(query);
      let out = lists.get(list);
      if (!out) lists.set(list, (out = Object.freeze(list.map(price))));
      return out;
    },
    regions: (cloud, kind) => base.regions(cloud, kind),
    knowsSize: (cloud, size) => base.knowsSize(cloud, size),
    sources: () => base.sources(),
  };
  return wrapped;
}
