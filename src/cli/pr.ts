import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { parseLookbackOption, parseNowOption } from './options';
import type { StackfitConfig } from '../config/schema';
import { DEMO_STACKS } from '../demo-stacks';
import type { PrRunResult } from '../gitops/run';
import { StackfitError, type Inventory, type UsageSource } from '../model';
import { costBarsOfPlans, costChartMarkdown, type CostBar } from '../charts/cost';
import { READ_LIMITS, readTextBounded } from '../bounded-read';
import { assertInsideRepository, checkStackName, repositoryRoot } from '../paths';
import { redact } from '../redact';
import { markdownCell } from '../markdown';
import type { UsageSourceOverrides } from '../usage/contract';
// The pipeline, GitHub client (Octokit) and usage SDKs load inside runPrCommand, not at start-up.

/**
 * `stackfit pr`: run the pipeline for one stack and deliver the result as a pull request that
 * edits the stack's config (or, with --dry-run, print the diff, title and body and call nothing).
 * `--action` reads the GitHub Action's inputs (INPUT_*) and writes the job summary and outputs.
 */

export interface PrCommandOptions {
  stack?: string;
  state?: string;
  usage?: string[];
  config?: string;
  /** Stack config file; default `<stackConfigDir>/Pulumi.<stack>.yaml` from Pulumi.yaml. */
  configFile?: string;
  projectDir?: string;
  dryRun?: boolean;
  mode?: 'api' | 'local-git';
  repo?: string;
  demo?: boolean | string;
  now?: string;
  /** Days of history (overrides lookbackDays). */
  lookback?: string;
  maxNewPerRun?: number;
  maxOpen?: number;
  baseBranch?: string;
}

export interface PrCommandIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** GitHub client options for tests (back-off, pacing). */
  clientOptions?: { retryBaseMs?: number; writeIntervalMs?: number };
  gitEnv?: NodeJS.ProcessEnv;
  /** Per-source overrides of the --usage sources (endpoints, credentials): tests point cloud monitors at loopback fakes. */
  usageSourceOptions?: UsageSourceOverrides;
}

function repoRelative(file: string, projectDir: string): string {
  const abs = path.resolve(projectDir, file);
  // Outside a git work tree (e.g. API mode from an export), paths are relative to the project.
  const root = repositoryRoot(projectDir);
  return path
    .relative(fs.realpathSync(root), fs.existsSync(abs) ? fs.realpathSync(abs) : abs)
    .split(path.sep)
    .join('/');
}

function withPrOverrides(config: StackfitConfig, opts: PrCommandOptions): StackfitConfig {
  return {
    ...config,
    pr: {
      ...config.pr,
      ...(opts.maxNewPerRun !== undefined && { maxNewPerRun: opts.maxNewPerRun }),
      ...(opts.maxOpen !== undefined && { maxOpen: opts.maxOpen }),
      ...(opts.baseBranch && { baseBranch: opts.baseBranch }),
    },
  };
}

/** A run's result, with the stack's monthly cost before/after (for the job summary's chart). */
export type PrCommandResult = PrRunResult & { costBars?: CostBar[] };

/** Runs `stackfit pr`; returns the run's result (for the job summary). */
export async function runPrCommand(opts: PrCommandOptions, io: PrCommandIo): Promise<PrCommandResult> {
  const { loadConfig } = await import('../config/index.js');
  const { runPullRequests } = await import('../gitops/run.js');
  const { catalogForConfig, loadDemo, recommend, specsFrom } = await import('../pipeline.js');
  const projectDir = path.resolve(opts.projectDir ?? '.');
  const configPath =
    opts.config ?? (fs.existsSync(path.join(projectDir, 'stackfit.yaml')) ? path.join(projectDir, 'stackfit.yaml') : undefined);
  const config = withPrOverrides(loadConfig(configPath), opts);
  if (config.usage.cacheDir !== undefined) {
    assertInsideRepository(
      path.resolve(config.usage.cacheDir),
      repositoryRoot(projectDir),
      'the usage cache directory',
      `usage.cacheDir in ${configPath ?? 'stackfit.yaml'}`,
    );
  }
  const catalog = catalogForConfig(config);
  let now = parseNowOption(opts.now);
  const lookbackDays = parseLookbackOption(opts.lookback);
  if (lookbackDays !== undefined) config.lookbackDays = lookbackDays;

  let inventory: Inventory;
  let usage: UsageSource[];
  let poolUsage: Awaited<ReturnType<typeof loadDemo>>['poolUsage'];
  let stack: string;
  let configFile: string;
  let configFileAbs: string;
  let projectName: string;
  if (opts.demo) {
    stack = typeof opts.demo === 'string' ? opts.demo : (opts.stack ?? 'prod');
    if (!(DEMO_STACKS as readonly string[]).includes(stack))
      throw new StackfitError(`unknown demo stack "${stack}" (expected ${DEMO_STACKS.join(', ')})`, '--demo');
    const demo = await loadDemo(stack, catalog);
    inventory = demo.inventory;
    usage = demo.usage;
    poolUsage = demo.poolUsage;
    now ??= demo.now;
    configFile = demo.configFile.split(path.sep).join('/');
    configFileAbs = path.join(demo.projectDir, demo.configFile);
    projectName = demo.projectName;
  } else {
    if (!opts.stack) throw new StackfitError('give --stack <name> (or --demo)', '--stack');
    if (!opts.state) throw new StackfitError('give --state <export.json> (pulumi stack export) or --demo', '--state');
    stack = checkStackName(opts.stack, '--stack');
    const { loadPulumiProject, readInventory, stackConfigPath } = await import('../stack/index.js');
    const { resolveUsageSources } = await import('../usage/resolve.js');
    inventory = readInventory(opts.state, { stack, grouping: config.grouping });
    const specs = opts.usage ?? config.usage.sources;
    if (specs.length === 0) throw new StackfitError('give at least one --usage source (or usage.sources in stackfit.yaml)', '--usage');
    usage = resolveUsageSources(specs, {
      config,
      ...specsFrom(catalog),
      ...(io.usageSourceOptions ? { sourceOptions: io.usageSourceOptions } : {}),
    });
    const project = loadPulumiProject(projectDir);
    projectName = project.name;
    configFileAbs = opts.configFile ? path.resolve(projectDir, opts.configFile) : stackConfigPath(project, stack);
    // The file `pr` edits (on a branch, or through the API) must be one of the repository's.
    const why = opts.configFile ? '--config-file' : `the stackConfigDir of ${path.join(projectDir, 'Pulumi.yaml')}, or a symlink`;
    assertInsideRepository(configFileAbs, repositoryRoot(projectDir), 'the stack config', why);
    configFile = repoRelative(configFileAbs, projectDir);
  }
  const configText = readTextBounded(configFileAbs, READ_LIMITS.stackConfigBytes, 'the stack config');

  const { plan, usageWarnings, missingUsage } = await recommend({
    inventory,
    usage,
    config,
    catalog,
    now,
    ...(poolUsage && { poolUsage }),
  });
  for (const warning of usageWarnings) io.err(`stackfit: warning: ${warning}\n`);
  refuseRunWithoutUsage(inventory, missingUsage, opts.usage ?? config.usage.sources);
  if (configPath) {
    const { unmatchedConfigWarnings } = await import('../config/rules.js');
    for (const warning of unmatchedConfigWarnings(config, configPath, inventory.workloads, stack))
      io.err(`stackfit: warning: ${warning}\n`);
  }
  const log = (line: string) => io.out(`${line}\n`);
  const costBars = costBarsOfPlans([{ stack, items: plan.items }]);
  if (opts.dryRun) {
    return {
      ...(await runPullRequests({ plan, stack, configFile, configText, projectName, config, mode: opts.mode ?? 'api', dryRun: true, log })),
      costBars,
    };
  }
  const { GitHubClient, parseRepoSlug } = await import('../gitops/github/index.js');
  const slug = opts.repo ?? io.env.GITHUB_REPOSITORY;
  if (!slug) throw new StackfitError('give --repo owner/name (or set GITHUB_REPOSITORY)', '--repo');
  const repo = parseRepoSlug(slug, opts.repo ? '--repo' : 'GITHUB_REPOSITORY');
  const github = new GitHubClient({ env: io.env, log: (l) => io.err(`${l}\n`), ...io.clientOptions });
  const result = await runPullRequests({
    plan,
    stack,
    configFile,
    configText,
    projectName,
    config,
    repo,
    github,
    mode: opts.mode ?? 'api',
    localRepoDir: projectDir,
    gitEnv: io.gitEnv,
    log,
  });
  return { ...result, costBars };
}

/** Markdown for `$GITHUB_STEP_SUMMARY`. */
export function renderRunSummary(result: PrCommandResult): string {
  const lines = [`### stackfit: stack \`${result.stack}\``, ''];
  const changedInConfig = result.changedInConfig ?? [];
  if (result.groups.length === 0 && changedInConfig.length === 0) {
    lines.push('No changes to propose: every workload is already the right size.', '');
    lines.push(...costSummary(result.costBars));
    return lines.join('\n');
  }
  if (result.groups.length > 0) {
    lines.push('| Branch | Result | Pull request | API calls | Details |', '|---|---|---|---:|---|');
    for (const g of result.groups) {
      const pr = g.number !== undefined ? `[#${g.number}](${g.url ?? ''})` : '';
      lines.push(`| \`${g.branch}\` | ${g.action} | ${pr} | ${g.apiCalls} | ${markdownCell(g.message)} |`);
    }
    lines.push('');
    const counts = new Map<string, number>();
    for (const g of result.groups) counts.set(g.action, (counts.get(g.action) ?? 0) + 1);
    lines.push(`Pull requests: ${[...counts].map(([action, n]) => `${n} ${action}`).join(', ')}.`, '');
  }
  if (changedInConfig.length > 0) {
    lines.push('Left out: the stack config no longer holds the deployed value (stackfit looks again after the next deploy):', '');
    for (const c of changedInConfig) lines.push(`- ${c.reason}`);
    lines.push('');
  }
  lines.push(`${result.apiCalls} GitHub API calls (${result.writeCalls} writes).`, '');
  lines.push(...costSummary(result.costBars));
  return lines.join('\n');
}

/**
 * The job summary's cost chart: monthly cost before/after (if every recommendation is merged)
 * per stack and per cloud. Takes the bars of every stack of the run (`costBarsOfPlans`).
 */
export function costSummary(bars: readonly CostBar[] | undefined): string[] {
  const chart = bars ? costChartMarkdown(bars, 'Monthly cost now and with every recommendation (USD)') : '';
  return chart ? ['#### Monthly cost, now and with every recommendation', '', chart, ''] : [];
}

/** Appends `name=value` outputs in the runner's multi-line-safe format. */
function writeOutputs(file: string, outputs: Record<string, string>): void {
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    const delimiter = `stackfit_${name}_${Date.now()}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  fs.appendFileSync(file, redact(text));
}

function parseBool(value: string | undefined, name: string): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw new StackfitError(`expected true or false, got "${value}"`, `input ${name}`);
}

function parseCount(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new StackfitError(`expected a whole number ≥ 0, got "${value}"`, `input ${name}`);
  return n;
}

/**
 * The GitHub Action's entry point: inputs from `INPUT_*` (see action.yml), repository and API URL
 * from the runner's `GITHUB_*`; writes the job summary and the `prs`/`created`/`updated` outputs.
 */
export async function runAction(io: PrCommandIo): Promise<PrCommandResult> {
  const env = io.env;
  const input = (name: string) => {
    const v = env[`INPUT_${name}`];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const mode = input('MODE') ?? 'api';
  if (mode !== 'api' && mode !== 'local-git') throw new StackfitError(`expected api or local-git, got "${mode}"`, 'input mode');
  const opts: PrCommandOptions = {
    stack: input('STACK'),
    state: input('STATE'),
    usage: input('USAGE')
      ?.split(/[\s,]+/)
      .filter(Boolean),
    config: input('CONFIG'),
    configFile: input('CONFIG_FILE'),
    projectDir: input('WORKING_DIRECTORY') ?? '.',
    dryRun: parseBool(input('DRY_RUN'), 'dry-run'),
    demo: parseBool(input('DEMO'), 'demo'),
    mode,
    maxNewPerRun: parseCount(input('MAX_NEW_PER_RUN'), 'max-new-per-run'),
    maxOpen: parseCount(input('MAX_OPEN'), 'max-open'),
    baseBranch: input('BASE_BRANCH'),
    now: input('NOW'),
  };
  const result = await runPrCommand(opts, io);
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, redact(renderRunSummary(result)));
  if (env.GITHUB_OUTPUT) {
    writeOutputs(env.GITHUB_OUTPUT, {
      prs: JSON.stringify(result.groups.map((g) => ({ branch: g.branch, action: g.action, number: g.number ?? null, url: g.url ?? null }))),
      created: String(result.groups.filter((g) => g.action === 'created').length),
      updated: String(result.groups.filter((g) => g.action === 'updated').length),
      autoclosed: String(result.groups.filter((g) => g.action === 'autoclosed').length),
    });
  }
  return result;
}

const processIo = (): PrCommandIo => ({
  env: process.env,
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});

/**
 * Sources that read fine but hold usage for no workload of the stack (another stack's file,
 * resource names that match nothing, only gaps) would read as "nothing to recommend", and the
 * run would autoclose every open stackfit PR (issue 13): such a run is a failed input.
 */
export function refuseRunWithoutUsage(
  inventory: Inventory,
  missingUsage: readonly { urn: string; reason: string }[],
  sources: readonly string[],
): void {
  if (inventory.workloads.length === 0) return;
  const missing = new Map(missingUsage.map((m) => [m.urn, m.reason]));
  if (inventory.workloads.some((w) => !missing.has(w.urn))) return;
  const first = inventory.workloads[0]!;
  throw new StackfitError(
    `no workload of stack ${inventory.stack ?? ''} has usage in ${sources.join(', ') || 'the usage sources'} (${inventory.workloads.length} workload(s); e.g. ${first.name}: ${missing.get(first.urn)}): a run without any usage is a failed input, so no pull request is opened, updated or closed`,
    '--usage',
  );
}

export function register(program: Command): void {
  program
    .command('pr')
    .description('Propose the recommendation as a pull request that edits the stack config (Renovate-style)')
    .option('--stack <name>', 'stack name')
    .option('--state <file>', 'pulumi stack export (or DIY checkpoint / preview --json) of the stack')
    .option('--usage <spec...>', 'usage sources (as for `stackfit recommend`)')
    .option('--config <file>', 'stackfit.yaml (default: ./stackfit.yaml when present)')
    .option('--config-file <file>', "the stack config file (default: Pulumi.<stack>.yaml in the project's stackConfigDir)")
    .option('--project-dir <dir>', 'the Pulumi project directory (holds Pulumi.yaml)', '.')
    .option('--dry-run', 'print the diff, title and body; call nothing')
    .addOption(
      new Option('--mode <mode>', 'how to write the branch: GitHub API, or git commit + push from this checkout')
        .choices(['api', 'local-git'])
        .default('api'),
    )
    .option('--repo <owner/name>', 'GitHub repository (default: GITHUB_REPOSITORY)')
    .option('--demo [stack]', `use the embedded example project (${DEMO_STACKS.join(', ')})`)
    .option('--now <iso-date>', 'end of the look-back window (default: now)')
    .option('--lookback <days>', 'days of history to read (default: lookbackDays in stackfit.yaml, 32)')
    .option('--max-new-per-run <n>', 'override pr.maxNewPerRun', (v) => parseCount(v, '--max-new-per-run'))
    .option('--max-open <n>', 'override pr.maxOpen', (v) => parseCount(v, '--max-open'))
    .option('--base-branch <name>', "override pr.baseBranch (default: the repository's default branch)")
    .option('--action', 'run as the GitHub Action: read INPUT_* and write the job summary and outputs')
    .action(async (opts: PrCommandOptions & { action?: boolean }) => {
      const io = processIo();
      const result = opts.action ? await runAction(io) : await runPrCommand(opts, io);
      if (!opts.dryRun && !opts.action) io.out(renderRunSummary(result));
    });
}
