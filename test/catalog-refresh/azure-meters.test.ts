import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { azureItemExclusion, azureVmPrices, type AzurePriceItem } from '../../src/clouds/azure/prices-api';

/** A genuine Consumption item of the Retail Prices API (Standard_F2, uaecentral), varied per case. */
const page = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../data/api-samples/azure/azure_retail_prices_page812_2022-04-19.json'), 'utf8'),
) as { Items: AzurePriceItem[] };
const base = page.Items.find((i) => i.armSkuName === 'Standard_F2' && i.type === 'Consumption')!;
const item = (patch: Partial<AzurePriceItem>): AzurePriceItem => ({ ...base, ...patch });

describe('catalog refresh --cloud azure keeps only Linux pay-as-you-go meters', () => {
  it('drops Windows products wherever the word is, Cloud Services, Spot and Low Priority in any case', () => {
    expect(azureItemExclusion(base)).toBeUndefined();
    expect(azureItemExclusion(item({ productName: 'Virtual Machines F Series Windows' }))).toBe('Windows');
    expect(azureItemExclusion(item({ productName: 'Virtual Machines Windows Server F Series' }))).toBe('Windows');
    expect(azureItemExclusion(item({ productName: 'Cloud Services F Series' }))).toBe('Cloud Services');
    expect(azureItemExclusion(item({ meterName: 'F2 spot' }))).toBe('Spot / Low Priority');
    expect(azureItemExclusion(item({ skuName: 'F2 Low Priority' }))).toBe('Spot / Low Priority');
    expect(azureItemExclusion(item({ type: 'DevTestConsumption' }))).toBe('type DevTestConsumption');
  });

  it('chooses one price per size whatever the order of the meters: latest date, then lowest, then meter name', () => {
    const meters = [
      item({ retailPrice: 0.148, meterName: 'F2/F2s' }),
      item({ retailPrice: 0.148, meterName: 'F2', productName: 'Virtual Machines F Series Basic' }),
      item({ retailPrice: 0.16, meterName: 'F2 old', effectiveStartDate: '2019-01-01T00:00:00Z' }),
      item({ retailPrice: 0.2, productName: 'Virtual Machines F Series Windows' }),
    ];
    const chosen = (list: AzurePriceItem[]) => azureVmPrices(list).map((p) => `${p.size} ${p.hourlyUsd} ${p.meter}`);
    const forward = chosen(meters);
    expect(forward).toEqual(['Standard_F2 0.148 Virtual Machines F Series Basic|F2|F2']);
    expect(chosen([...meters].reverse())).toEqual(forward);
    expect(chosen([meters[2]!, meters[0]!, meters[3]!, meters[1]!])).toEqual(forward);
  });
});
