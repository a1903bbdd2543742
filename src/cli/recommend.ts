import { Command, Option } from 'commander';
import path from 'node:path';
import { DEMO_STACKS } from '../demo-stacks';
import { StackfitError, type Inventory, type UsageSource } from '../model';
import type { GroupingRule } from '../config/schema';
import { REPORT_FORMATS } from '../report/formats';
import { parseLookbackOption, parseNowOption } from './options';
import { emit } from './output';

// Heavy modules (config parsing, catalog, forecasting, usage SDKs) load inside the action, so
// that `--help` and argument errors answer at once (see main.ts).

export interface InventoryOptions {
  state?: string;
  pulumiCloud?: string;
  pulumiCloudUrl?: string;
  stack?: string;
}

/** Reads the inventory from a state/preview file, or from Pulumi Cloud (`org/project/stack`). */
export async function inventoryFromOptions(opts: InventoryOptions, grouping: readonly GroupingRule[] = []): Promise<Inventory> {
  const { fetchPulumiCloudExport, parseInventory, readInventory } = await import('../stack/index.js');
  if (opts.state) return readInventory(opts.state, { stack: opts.stack, grouping });
  if (opts.pulumiCloud) {
    const [org, project, stack, ...rest] = opts.pulumiCloud.split('/');
    if (!org || !project || !stack || rest.length) throw new StackfitError('expected org/project/stack', '--pulumi-cloud');
    const token = process.env.PULUMI_ACCESS_TOKEN;
    if (!token) throw new StackfitError('PULUMI_ACCESS_TOKEN is not set', '--pulumi-cloud');
    const json = await fetchPulumiCloudExport({ org, project, stack, token, ...(opts.pulumiCloudUrl && { baseUrl: opts.pulumiCloudUrl }) });
    return parseInventory(json, `pulumi-cloud:${opts.pulumiCloud}`, { stack, grouping });
  }
  throw new StackfitError('give --state <export.json>, --pulumi-cloud org/project/stack, or --demo');
}

export function register(program: Command): void {
  program
    .command('recommend')
    .description('Forecast demand and compute the cheapest sizes and placement for a stack')
    .option('--demo [stack]', `run on the embedded example project (${DEMO_STACKS.join(', ')})`)
    .option('--state <file>', 'pulumi stack export, DIY checkpoint, or pulumi preview --json output')
    .option('--pulumi-cloud <org/project/stack>', 'read the stack from Pulumi Cloud (token in PULUMI_ACCESS_TOKEN)')
    .option('--pulumi-cloud-url <url>', 'Pulumi Cloud API base URL')
    .option('--stack <name>', 'stack name (default: from the state)')
    .option(
      '--usage <spec...>',
      'usage sources: a CSV/JSON file, prometheus://host:port, cloudwatch[:region], azure-monitor, gcp-monitoring[:project]',
    )
    .option('--config <file>', 'rules and mappings (default: ./stackfit.yaml if present)')
    .addOption(new Option('--format <format>', 'output format').choices([...REPORT_FORMATS]).default('table'))
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--now <iso-date>', 'end of the look-back window (default: now)')
    .option('--lookback <days>', 'days of history to read (default: lookbackDays in stackfit.yaml, 32)')
    .option('--no-color', 'plain table: no colours and no usage sparklines (both are off anyway when stdout is not a terminal)')
    .action(
      async (opts: {
        demo?: string | boolean;
        state?: string;
        pulumiCloud?: string;
        pulumiCloudUrl?: string;
        stack?: string;
        usage?: string[];
        config?: string;
        format: string;
        output?: string;
        now?: string;
        lookback?: string;
        color?: boolean;
      }) => {
        const { findConfigFile, loadConfig } = await import('../config/index.js');
        const { catalogForConfig, loadDemo, packageRoot, recommend, specsFrom } = await import('../pipeline.js');
        const { renderPlan } = await import('../report/index.js');
        // Like renovate.json: stackfit.yaml at the repository root (the demo: the example project's).
        const configFile = opts.config ?? findConfigFile(opts.demo ? packageRoot() : process.cwd());
        const config = loadConfig(configFile);
        if (config.usage.cacheDir !== undefined) {
          const { assertInsideRepository, repositoryRoot } = await import('../paths.js');
          assertInsideRepository(
            path.resolve(config.usage.cacheDir),
            repositoryRoot(process.cwd()),
            'the usage cache directory',
            `usage.cacheDir in ${configFile ?? 'stackfit.yaml'}`,
          );
        }
        const catalog = catalogForConfig(config);
        let inventory: Inventory;
        let usage: UsageSource[];
        let poolUsage: Awaited<ReturnType<typeof loadDemo>>['poolUsage'];
        let now = parseNowOption(opts.now);
        const lookbackDays = parseLookbackOption(opts.lookback);
        if (lookbackDays !== undefined) config.lookbackDays = lookbackDays;
        if (opts.demo) {
          const stack = typeof opts.demo === 'string' ? opts.demo : 'prod';
          if (!(DEMO_STACKS as readonly string[]).includes(stack))
            throw new StackfitError(`unknown demo stack "${stack}" (expected ${DEMO_STACKS.join(', ')})`, '--demo');
          const demo = await loadDemo(stack, catalog);
          inventory = demo.inventory;
          usage = demo.usage;
          poolUsage = demo.poolUsage;
          now ??= demo.now;
        } else {
          inventory = await inventoryFromOptions(opts, config.grouping);
          const specs = opts.usage ?? config.usage.sources;
          if (!specs.length) throw new StackfitError('give at least one --usage source (or usage.sources in stackfit.yaml)');
          const { resolveUsageSources } = await import('../usage/resolve.js');
          usage = resolveUsageSources(specs, { config, ...specsFrom(catalog), progress: true });
        }
        const { plan, missingUsage, usageWarnings } = await recommend({
          inventory,
          usage,
          config,
          catalog,
          now,
          ...(poolUsage && { poolUsage }),
        });
        for (const warning of usageWarnings) process.stderr.write(`stackfit: warning: ${warning}\n`);
        if (configFile) {
          const { unmatchedConfigWarnings } = await import('../config/rules.js');
          for (const warning of unmatchedConfigWarnings(config, configFile, inventory.workloads, inventory.stack))
            process.stderr.write(`stackfit: warning: ${warning}\n`);
        }
        const terminal = !opts.output && process.stdout.isTTY === true && opts.color !== false;
        emit(
          renderPlan(
            plan,
            opts.format,
            { missingUsage, priceSources: catalog.sources(), generatedAt: now },
            { color: terminal, sparklines: terminal },
          ),
          opts.output,
          [opts.state, opts.config, ...(opts.usage ?? [])],
        );
      },
    );
}
