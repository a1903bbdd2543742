import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { applyPricing, withPricing } from '../../src/catalog/discounts';
import { parseConfig } from '../../src/config';
import { loadDemo, recommend, type Demo } from '../../src/pipeline';

const catalog = loadCatalog();

describe('pricing: in stackfit.yaml', () => {
  it('parses the documented example and names a bad field with its line', () => {
    const config = parseConfig(
      [
        'pricing:',
        '  discounts:',
        '    - { cloud: aws, family: m5, percent: 22, note: savings plan }',
        '    - { cloud: azure, percent: 10 }',
        '  commitment: { gcp: 1y }',
        '  overlayDir: .stackfit/catalog',
      ].join('\n'),
    );
    expect(config.pricing?.discounts).toHaveLength(2);
    expect(config.pricing?.commitment?.gcp).toBe('1y');
    expect(() => parseConfig('pricing:\n  discounts:\n    - { cloud: aws, percent: 120 }\n', 'stackfit.yaml')).toThrow(/stackfit\.yaml.*3/);
    expect(() => parseConfig('pricing:\n  commitment: { aws: 1y }\n')).toThrow(/aws/);
  });
});

describe('applyPricing', () => {
  const m5 = catalog.lookup('aws', 'us-east-1', 'm5.large')!;
  const m5a = catalog.lookup('aws', 'us-east-1', 'm5a.large')!;

  it('takes the percentage off hourly and monthly and says which rule did it', () => {
    const priced = applyPricing(m5, { discounts: [{ cloud: 'aws', family: 'm5', percent: 22 }] });
    expect(priced.hourlyUsd).toBeCloseTo(m5.hourlyUsd * 0.78, 9);
    expect(priced.monthlyUsd).toBeCloseTo(m5.monthlyUsd * 0.78, 6);
    expect(priced.priceSource).toBe(`${m5.priceSource}; −22 % (pricing.discounts[0])`);
    expect(priced.priceDate).toBe(m5.priceDate);
  });

  it('matches families exactly (a savings plan on m5 does not cover m5a) and leaves unmatched offerings as they are', () => {
    const pricing = { discounts: [{ cloud: 'aws' as const, family: 'm5', percent: 22 }] };
    expect(applyPricing(m5a, pricing)).toBe(m5a);
  });

  it('applies the first matching discount only, in order', () => {
    const pricing = {
      discounts: [
        { cloud: 'azure' as const, percent: 10 },
        { size: 'm5.*', percent: 30, note: 'EDP on m5' },
        { cloud: 'aws' as const, percent: 5 },
      ],
    };
    const priced = applyPricing(m5, pricing);
    expect(priced.monthlyUsd).toBeCloseTo(m5.monthlyUsd * 0.7, 6);
    expect(priced.priceSource).toContain('−30 % (pricing.discounts[1]: EDP on m5)');
    expect(applyPricing(m5a, pricing).monthlyUsd).toBeCloseTo(m5a.monthlyUsd * 0.95, 6);
  });

  it('prices GCP at the catalog’s committed-use figure with commitment.gcp, then discounts it', () => {
    const n2 = catalog.lookup('gcp', 'us-central1', 'n2-standard-4')!;
    expect(n2.monthlyUsdCommitted1y).toBe(89.32572);
    const oneYear = applyPricing(n2, { commitment: { gcp: '1y' } });
    expect(oneYear.monthlyUsd).toBe(89.32572);
    expect(oneYear.hourlyUsd).toBeCloseTo(89.32572 / 730, 9);
    expect(oneYear.priceSource).toContain('1-year committed-use price (pricing.commitment.gcp)');
    expect(applyPricing(n2, { commitment: { gcp: '3y' } }).monthlyUsd).toBe(63.81076);
    expect(applyPricing(n2, { commitment: { gcp: '1y' }, discounts: [{ cloud: 'gcp', percent: 10 }] }).monthlyUsd).toBeCloseTo(
      89.32572 * 0.9,
      6,
    );
    // AWS has no committed figures in the catalog: the GCP commitment does not touch it.
    expect(applyPricing(m5, { commitment: { gcp: '1y' } })).toBe(m5);
  });
});

describe('withPricing', () => {
  const pricing = { discounts: [{ cloud: 'azure' as const, region: 'eastus', percent: 10 }] };
  const priced = withPricing(catalog, pricing);

  it('prices lookups and listings with the same objects, and never discounts twice', () => {
    const one = priced.lookup('azure', 'East US', 'Standard_D2s_v5')!;
    const listed = priced.offerings({ cloud: 'azure', region: 'eastus' }).find((o) => o.size === 'Standard_D2s_v5');
    expect(listed).toBe(one);
    expect(priced.lookup('azure', 'eastus', 'Standard_D2s_v5')).toBe(one);
    const list = catalog.lookup('azure', 'eastus', 'Standard_D2s_v5')!;
    expect(one.monthlyUsd).toBeCloseTo(list.monthlyUsd * 0.9, 6);
    expect(withPricing(priced, pricing).lookup('azure', 'eastus', 'Standard_D2s_v5')!.monthlyUsd).toBe(one.monthlyUsd);
    expect(priced.lookup('azure', 'westeurope', 'Standard_D2s_v5')).toBe(catalog.lookup('azure', 'westeurope', 'Standard_D2s_v5'));
    expect(withPricing(catalog, undefined)).toBe(catalog);
  });
});

describe('recommend with pricing.discounts', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await loadDemo('prod', catalog);
  });

  it('moves every monthly figure of the plan by exactly the discount', async () => {
    const listConfig = parseConfig('');
    const discounted = parseConfig('pricing:\n  discounts:\n    - { percent: 22 }\n');
    const before = await recommend({ inventory: demo.inventory, usage: demo.usage, config: listConfig, catalog, now: demo.now });
    const after = await recommend({ inventory: demo.inventory, usage: demo.usage, config: discounted, catalog, now: demo.now });
    const listed = new Map(before.plan.items.map((i) => [i.urn, i]));
    let compared = 0;
    for (const item of after.plan.items) {
      const list = listed.get(item.urn)!;
      if (!item.chosen || !list.chosen || item.chosen.size !== list.chosen.size || item.monthlyAfter === undefined) continue;
      expect(item.chosen.priceSource).toContain('−22 % (pricing.discounts[0])');
      expect(item.monthlyAfter).toBeCloseTo(list.monthlyAfter! * 0.78, 4);
      // Every compared item has a priced current size, so its current cost is discounted too.
      expect(list.monthlyBefore).toBeDefined();
      expect(item.monthlyBefore).toBeCloseTo(list.monthlyBefore! * 0.78, 4);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(3);
  });

  it('a family discount makes that family win where it was dearer', async () => {
    // The list-price plan's choice for some workload; discount a family it did not choose that fits.
    const listConfig = parseConfig('');
    const { plan } = await recommend({ inventory: demo.inventory, usage: demo.usage, config: listConfig, catalog, now: demo.now });
    const item = plan.items.find((i) => i.chosen?.cloud === 'aws' && i.demand?.status === 'ok')!;
    expect(item).toBeDefined();
    const chosen = item.chosen!;
    const rival = catalog
      .offerings({ cloud: 'aws', kind: chosen.kind, region: chosen.region })
      .filter(
        (o) =>
          o.family !== chosen.family &&
          o.currentGeneration &&
          o.arch === chosen.arch &&
          o.gpus === chosen.gpus &&
          o.vcpu === chosen.vcpu &&
          o.memoryGiB === chosen.memoryGiB &&
          o.engine === chosen.engine &&
          o.multiAz === chosen.multiAz,
      )
      // Same capabilities (premium storage, temp disk, …) and no burstable credits: a size the workload can run on.
      .filter(
        (o) =>
          JSON.stringify(o.capabilities) === JSON.stringify(chosen.capabilities) &&
          o.burst === undefined &&
          o.monthlyUsd > chosen.monthlyUsd,
      )
      .sort((a, b) => a.monthlyUsd - b.monthlyUsd)[0]!;
    expect(rival.monthlyUsd).toBeGreaterThan(chosen.monthlyUsd);
    const percent = Math.min(60, Math.ceil((1 - chosen.monthlyUsd / rival.monthlyUsd) * 100) + 10);
    const config = parseConfig(`pricing:\n  discounts:\n    - { cloud: aws, family: ${rival.family}, percent: ${percent} }\n`);
    const after = await recommend({ inventory: demo.inventory, usage: demo.usage, config, catalog, now: demo.now });
    const now = after.plan.items.find((i) => i.urn === item.urn)!;
    expect(now.chosen!.family).toBe(rival.family);
    expect(now.chosen!.monthlyUsd).toBeLessThan(chosen.monthlyUsd);
  });
});
