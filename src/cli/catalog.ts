import { Command, Option } from 'commander';
import type { RefreshSummary } from '../catalog/refresh';
import { DEFAULT_OVERLAY_DIR, REFRESHABLE_CLOUDS, type RefreshableCloud } from '../catalog/refresh/options';
import { CLOUDS, StackfitError, type Cloud, type Offering } from '../model';
// The catalog, config parser and price APIs load inside the actions, not at start-up.

/**
 * `stackfit catalog refresh`: fetch current on-demand prices into an overlay catalog.
 * `stackfit catalog show`: print one offering as stackfit prices it (overlay and discounts applied).
 */

function summaryText(s: RefreshSummary): string {
  const lines = [
    `stackfit: ${s.cloud}: ${s.offerings} offerings in ${s.regions.length} region(s) (${s.regions.join(', ') || 'none'}) → ${s.file}`,
  ];
  if (s.emptyRegions.length) lines.push(`  no prices returned for: ${s.emptyRegions.join(', ')} (left to the shipped catalog)`);
  if (s.keptRegions.length) lines.push(`  kept from the earlier refresh: ${s.keptRegions.join(', ')}`);
  if (s.skippedSizes.length) {
    const shown = s.skippedSizes.slice(0, 12).join(', ');
    lines.push(
      `  skipped ${s.skippedRows} price(s) of ${s.skippedSizes.length} size(s) without known specs: ${shown}${s.skippedSizes.length > 12 ? ', …' : ''}`,
    );
  }
  if (s.unpriced) lines.push(`  ${s.unpriced} Linux product(s) without an on-demand price`);
  lines.push(`  source: ${s.source}`);
  return `${lines.join('\n')}\n`;
}

function offeringText(o: Offering): string {
  const rows: [string, string | number | boolean | undefined][] = [
    ['cloud', o.cloud],
    ['region', o.region],
    ['size', o.size],
    ['kind', o.kind],
    ['engine', o.engine],
    ['multiAz', o.multiAz],
    ['vcpu', o.vcpu],
    ['memoryGiB', o.memoryGiB],
    ['arch', o.arch],
    ['family', o.family],
    ['currentGeneration', o.currentGeneration],
    ['gpus', o.gpus],
    ['hourlyUsd', o.hourlyUsd],
    ['monthlyUsd', o.monthlyUsd],
    ['monthlyUsdCommitted1y', o.monthlyUsdCommitted1y],
    ['monthlyUsdCommitted3y', o.monthlyUsdCommitted3y],
    ['priceSource', o.priceSource],
    ['priceDate', o.priceDate],
  ];
  return `${rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(22)}${String(v)}`)
    .join('\n')}\n`;
}

export function register(program: Command): void {
  const catalog = program.command('catalog').description('The price catalog: refresh prices from the clouds, show an offering');

  catalog
    .command('refresh')
    .description('Fetch current on-demand Linux VM prices from a cloud price API into an overlay catalog')
    .addOption(new Option('--cloud <cloud>', 'cloud to refresh').choices([...REFRESHABLE_CLOUDS]).makeOptionMandatory())
    .option('--region <region...>', 'regions to refresh (default: every region the API lists)')
    .option('--endpoint <url>', 'price API base URL (default: the public endpoint)')
    .option('--out <dir>', 'overlay directory', DEFAULT_OVERLAY_DIR)
    .action(async (opts: { cloud: RefreshableCloud; region?: string[]; endpoint?: string; out: string }) => {
      if (opts.endpoint) {
        try {
          new URL(opts.endpoint);
        } catch {
          throw new StackfitError(`"${opts.endpoint}" is not a URL`, '--endpoint');
        }
      }
      const { refreshCatalog } = await import('../catalog/refresh/index.js');
      const summary = await refreshCatalog({
        cloud: opts.cloud,
        outDir: opts.out,
        ...(opts.region && { regions: opts.region }),
        ...(opts.endpoint && { endpoint: opts.endpoint }),
      });
      process.stderr.write(summaryText(summary));
    });

  catalog
    .command('show')
    .description('Print one offering as stackfit prices it (refreshed overlay and pricing.discounts applied)')
    .addOption(new Option('--cloud <cloud>', 'cloud').choices([...CLOUDS]).makeOptionMandatory())
    .requiredOption('--region <region>', 'region')
    .requiredOption('--size <size>', 'size (instance type, VM size, machine type, DB class)')
    .option('--engine <engine>', 'database engine (mysql, postgres, aurora-mysql, aurora-postgresql)')
    .option('--multi-az', 'database: Multi-AZ deployment')
    .option('--config <file>', 'stackfit.yaml whose pricing: applies (default: ./stackfit.yaml if present)')
    .option('--overlay <dir>', 'refreshed overlay catalog (default: pricing.overlayDir)')
    .option('--list-price', 'ignore pricing.discounts and commitment')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(
      async (opts: {
        cloud: Cloud;
        region: string;
        size: string;
        engine?: string;
        multiAz?: boolean;
        config?: string;
        overlay?: string;
        listPrice?: boolean;
        format: string;
      }) => {
        const { findConfigFile, loadConfig } = await import('../config/index.js');
        const { loadCatalog } = await import('../catalog/index.js');
        const { withPricing } = await import('../catalog/discounts.js');
        const config = loadConfig(opts.config ?? findConfigFile());
        const overlayDir = opts.overlay ?? config.pricing?.overlayDir;
        const base = loadCatalog(undefined, overlayDir === undefined ? undefined : { overlayDir });
        const priced = opts.listPrice ? base : withPricing(base, config.pricing);
        const lookupOpts = opts.engine === undefined ? undefined : { engine: opts.engine, multiAz: opts.multiAz ?? false };
        const offering = priced.lookup(opts.cloud, opts.region, opts.size, lookupOpts);
        if (!offering) {
          const why = priced.knowsSize(opts.cloud, opts.size)
            ? `not priced in ${opts.region}${opts.cloud === 'aws' && !opts.engine ? ' (refresh it: stackfit catalog refresh --cloud aws --region ' + opts.region + ')' : ''}`
            : 'unknown size';
          throw new StackfitError(`${opts.cloud} ${opts.size}: ${why}`, '--size');
        }
        process.stdout.write(opts.format === 'json' ? `${JSON.stringify(offering, null, 2)}\n` : offeringText(offering));
      },
    );
}
