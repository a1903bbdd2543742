import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog, readCatalogFile } from '../../src/catalog';
import { refreshCatalog } from '../../src/catalog/refresh';
import { register } from '../../src/cli/catalog';
import { catalogForConfig } from '../../src/pipeline';
import { parseConfig } from '../../src/config';
import { startFakePriceApi, type FakePriceApi } from './fake-price-api';

const fast = { baseDelayMs: 1, maxDelayMs: 5 };
const now = new Date('2026-11-20T08:30:00Z');
const shipped = loadCatalog();
let api: FakePriceApi;
let out: string;

beforeEach(async () => {
  api = await startFakePriceApi();
  out = mkdtempSync(path.join(os.tmpdir(), 'stackfit-overlay-'));
});
afterEach(async () => {
  await api.close();
});

describe('refreshCatalog → overlay', () => {
  it('writes an Azure overlay with the shipped specs that loadCatalog reads over the shipped catalog', async () => {
    const summary = await refreshCatalog({
      cloud: 'azure',
      regions: ['centralus', 'uaecentral', 'brazilsouth'],
      endpoint: api.url,
      outDir: out,
      now,
      ...fast,
    });
    expect(summary.file).toBe(path.join(out, 'azure-vm.json'));
    expect(summary.regions).toEqual(['centralus', 'uaecentral']);
    expect(summary.offerings).toBe(3);
    // Real sizes the shipped spec table lacks are left out and counted.
    expect(summary.skippedSizes).toEqual(['Standard_M16-4ms', 'Standard_M16-8ms']);
    expect(summary.emptyRegions).toEqual(['brazilsouth']);
    expect(summary.source).toBe(
      `Azure Retail Prices API (${api.url}/api/retail/prices; Virtual Machines, Consumption, Linux, no Spot / Low Priority), fetched 2026-11-20T08:30:00Z`,
    );

    const file = readCatalogFile(summary.file, { cloud: 'azure', kind: 'vm' });
    expect(file.sources).toEqual([{ source: summary.source, date: '2026-11-20' }]);

    const merged = loadCatalog(undefined, { overlayDir: out });
    const f2 = merged.lookup('azure', 'UAE Central', 'standard_f2')!;
    const shippedF2 = shipped.lookup('azure', 'uaecentral', 'Standard_F2')!;
    expect(f2).toMatchObject({
      size: 'Standard_F2',
      hourlyUsd: 0.148,
      monthlyUsd: 108.04,
      priceDate: '2026-11-20',
      priceSource: summary.source,
    });
    expect({ vcpu: f2.vcpu, memoryGiB: f2.memoryGiB, family: f2.family, arch: f2.arch }).toEqual({
      vcpu: shippedF2.vcpu,
      memoryGiB: shippedF2.memoryGiB,
      family: shippedF2.family,
      arch: shippedF2.arch,
    });
    // A refreshed region is replaced as a whole; others keep the shipped prices.
    expect(
      merged
        .offerings({ cloud: 'azure', region: 'uaecentral' })
        .map((o) => o.size)
        .sort(),
    ).toEqual(['Standard_F2', 'Standard_F2s']);
    expect(merged.lookup('azure', 'eastus', 'Standard_D2s_v5')).toEqual(shipped.lookup('azure', 'eastus', 'Standard_D2s_v5'));
    expect(merged.regions('azure')).toEqual(shipped.regions('azure'));
    expect(merged.sources().map((s) => s.source)).toContain(summary.source);
  });

  it('adds regions to an earlier overlay, and a failed refresh leaves it untouched', async () => {
    await refreshCatalog({ cloud: 'azure', regions: ['uaecentral'], endpoint: api.url, outDir: out, now, ...fast });
    const second = await refreshCatalog({ cloud: 'azure', regions: ['japanwest'], endpoint: api.url, outDir: out, now, ...fast });
    expect(second.keptRegions).toEqual(['uaecentral']);
    const file = readCatalogFile(second.file);
    expect(file.regions).toEqual(['japanwest', 'uaecentral']);
    const before = readFileSync(second.file, 'utf8');

    api.overrides.set('/api/retail/prices', { status: 500 });
    await expect(
      refreshCatalog({ cloud: 'azure', regions: ['centralus'], endpoint: api.url, outDir: out, now, attempts: 2, ...fast }),
    ).rejects.toThrow(/HTTP 500/);
    expect(readFileSync(second.file, 'utf8')).toBe(before);
    expect(readdirSync(out)).toEqual(['azure-vm.json']);
  });

  it('writes an AWS overlay from the bulk price list; catalogForConfig prices it with the discounts', async () => {
    const summary = await refreshCatalog({ cloud: 'aws', regions: ['us-east-1'], endpoint: api.url, outDir: out, now, ...fast });
    expect(summary).toMatchObject({ regions: ['us-east-1'], offerings: 1, skippedSizes: [], unpriced: 0 });
    expect(summary.source).toContain('published 2021-02-05T20:45:00Z, fetched 2026-11-20T08:30:00Z');
    const config = parseConfig(
      `pricing:\n  overlayDir: ${JSON.stringify(out)}\n  discounts:\n    - { cloud: aws, family: m5, percent: 22 }\n`,
    );
    const catalog = catalogForConfig(config);
    const m5 = catalog.lookup('aws', 'us-east-1', 'm5.large')!;
    expect(m5.hourlyUsd).toBeCloseTo(0.096 * 0.78, 9);
    expect(m5.monthlyUsd).toBeCloseTo(70.08 * 0.78, 6);
    expect(m5.priceSource).toBe(`${summary.source}; −22 % (pricing.discounts[0])`);
    expect(m5).toMatchObject({ vcpu: 2, memoryGiB: 8, family: 'm5', arch: 'amd64' });
    // GovCloud keeps its shipped prices.
    expect(catalog.regions('aws', 'vm')).toEqual(shipped.regions('aws', 'vm'));
  });

  it('refuses an overlay directory without catalog files, and a damaged overlay file by name', () => {
    expect(() => loadCatalog(undefined, { overlayDir: out })).toThrow(/no refreshed catalog here/);
    writeFileSync(path.join(out, 'aws-vm.json'), '{"format": 1, "cloud": "aws"');
    expect(() => loadCatalog(undefined, { overlayDir: out })).toThrow(
      new RegExp(`${out.replace(/[.]/g, '\\.')}/aws-vm\\.json: the price catalog is not valid JSON`),
    );
  });
});

describe('stackfit catalog', () => {
  async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
    const program = new Command('stackfit').exitOverride();
    register(program);
    let stdout = '';
    let stderr = '';
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    try {
      await program.parseAsync(['node', 'stackfit', ...args]);
    } finally {
      outSpy.mockRestore();
      errSpy.mockRestore();
    }
    return { stdout, stderr };
  }

  it('refresh prints a summary; show prints the offering at the team’s price', async () => {
    const refreshed = await run(['catalog', 'refresh', '--cloud', 'azure', '--region', 'uaecentral', '--endpoint', api.url, '--out', out]);
    expect(refreshed.stderr).toContain(`stackfit: azure: 2 offerings in 1 region(s) (uaecentral) → ${path.join(out, 'azure-vm.json')}`);
    const configFile = path.join(out, 'stackfit.yaml');
    writeFileSync(
      configFile,
      `pricing:\n  overlayDir: ${JSON.stringify(out)}\n  discounts:\n    - { cloud: azure, percent: 10, note: EA }\n`,
    );
    const shown = await run([
      'catalog',
      'show',
      '--cloud',
      'azure',
      '--region',
      'uaecentral',
      '--size',
      'Standard_F2s',
      '--config',
      configFile,
      '--format',
      'json',
    ]);
    const offering = JSON.parse(shown.stdout) as { hourlyUsd: number; monthlyUsd: number; priceSource: string };
    expect(offering.hourlyUsd).toBeCloseTo(0.1332, 9);
    expect(offering.monthlyUsd).toBeCloseTo(97.236, 6);
    expect(offering.priceSource).toMatch(/^Azure Retail Prices API .*; −10 % \(pricing\.discounts\[0\]: EA\)$/);
    const list = await run(['catalog', 'show', '--cloud', 'aws', '--region', 'us-east-1', '--size', 'm5.large', '--config', configFile]);
    expect(list.stdout).toContain('monthlyUsd            70.08\n');
    await expect(run(['catalog', 'show', '--cloud', 'aws', '--region', 'eu-west-1', '--size', 'm5.large'])).rejects.toThrow(
      '--size: aws m5.large: not priced in eu-west-1 (refresh it: stackfit catalog refresh --cloud aws --region eu-west-1)',
    );
  });
});
