import type Table from 'cli-table3';
import { Command, Option } from 'commander';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { StackfitError } from '../model';
import type { PolicyPackConfigFile, PolicyRunResult, RunOptions } from '../policy-harness';
import { nameFromUrn } from '../stack/values';

// The policy harness, stack-config reader and table renderer load when used, not at start-up.
const requireLazily = createRequire(__filename);

/** Exit code when a mandatory policy is violated (1 stays for errors: bad input, pack failure). */
export const EXIT_MANDATORY_VIOLATION = 2;

export interface CheckOptions {
  state: string;
  policyPackConfig?: string;
  stackConfig?: string;
  policyPack?: string;
  project?: string;
  stack?: string;
  /** Run as `pulumi up` would (dry-run false); default: a preview. */
  update?: boolean;
}

export interface CheckResult extends PolicyRunResult {
  source: string;
  project: string;
  stack: string;
  mandatoryViolations: number;
}

/** Runs the policy pack on a saved state, as `pulumi policy analyze --file` does. */
export async function check(opts: CheckOptions): Promise<CheckResult> {
  const { defaultPackDir, parsePolicyPackConfigFile, readPolicyInputs, runPolicyPack } = await import('../policy-harness/index.js');
  const { readStackConfig, toPulumiConfig } = await import('../stack/project.js');
  const inputs = readPolicyInputs(opts.state);
  const project = opts.project ?? inputs.project;
  const stack = opts.stack ?? inputs.stack;
  if (!project || !stack)
    throw new StackfitError('cannot tell the project and stack from the URNs: pass --project and --stack', opts.state);
  // A preview carries the config it ran with (aws:region …): the pack sees it as `pulumi preview`
  // would; --stack-config values override it key by key.
  let config: Record<string, string> = { ...inputs.config };
  if (opts.stackConfig) config = { ...config, ...toPulumiConfig(readStackConfig(opts.stackConfig, project)).values };
  let policyConfig: PolicyPackConfigFile = {};
  if (opts.policyPackConfig) policyConfig = parsePolicyPackConfigFile(opts.policyPackConfig);
  const result = await runPolicyPack({
    packDir: opts.policyPack ?? defaultPackDir(),
    project,
    stack,
    dryRun: !opts.update,
    config,
    resources: inputs.resources,
    policyConfig,
    ...(opts.policyPackConfig ? { policyConfigSource: opts.policyPackConfig } : {}),
    ...(opts.policyPack ? {} : { run: await stackfitPackRunOptions() }),
  });
  const mandatoryViolations = result.diagnostics.filter((d) => d.enforcementLevel === 'mandatory').length;
  return { ...result, source: inputs.source, project, stack, mandatoryViolations };
}

/**
 * What is known of the stackfit pack's own policies (not of a `--policy-pack` given instead):
 * Analyze only the types a resource policy reads, and no Remediate when no policy remediates.
 * On a 12,500-resource export the per-resource calls were most of check's time (issue 13).
 */
async function stackfitPackRunOptions(): Promise<RunOptions> {
  const { packRemediates, resourcePoliciesRead } = await import('../policy/registry.js');
  return {
    analyzes: {
      test: (r) => resourcePoliciesRead(r.type),
      reason: 'no resource policy of the stackfit pack reads their types (not sized compute or database resources)',
    },
    remediate: packRemediates(),
    concurrency: 32,
  };
}

export function renderCheckTable(r: CheckResult): string {
  const advisory = r.diagnostics.length - r.mandatoryViolations;
  const head = `Policy pack ${r.pack.name}@${r.pack.version} on ${r.project}/${r.stack} (${path.basename(r.source)}): ${r.mandatoryViolations} mandatory, ${advisory} advisory\n`;
  if (r.diagnostics.length === 0) return `${head}No policy violations.\n`;
  const TableClass = requireLazily('cli-table3') as typeof Table;
  const table = new TableClass({
    head: ['level', 'policy', 'resource', 'message'],
    wordWrap: true,
    colWidths: [11, 30, 24, 70],
    ...(process.stdout.isTTY ? {} : { style: { head: [], border: [] } }),
  });
  const order = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 } as const;
  const sorted = [...r.diagnostics].sort(
    (a, b) => order[a.enforcementLevel] - order[b.enforcementLevel] || a.policyName.localeCompare(b.policyName),
  );
  for (const d of sorted) table.push([d.enforcementLevel, d.policyName, d.urn ? nameFromUrn(d.urn) : '(stack)', d.text]);
  return `${head}${table.toString()}\n`;
}

export function renderCheckJson(r: CheckResult): string {
  return `${JSON.stringify(
    {
      pack: r.pack,
      source: r.source,
      project: r.project,
      stack: r.stack,
      summary: { mandatory: r.mandatoryViolations, advisory: r.diagnostics.length - r.mandatoryViolations },
      diagnostics: r.diagnostics,
      notApplicable: r.notApplicable,
      ...(r.notAnalyzed ? { notAnalyzed: r.notAnalyzed } : {}),
      config: r.config,
    },
    null,
    2,
  )}\n`;
}

export function register(program: Command): void {
  program
    .command('check')
    .description('Run the stackfit policy pack on a saved stack state, like `pulumi policy analyze --file`')
    .requiredOption('--state <file>', 'pulumi stack export, DIY checkpoint, or pulumi preview --json output')
    .option('--policy-pack-config <file>', 'policy config JSON, as for `pulumi preview --policy-pack-config`')
    .option('--stack-config <file>', 'Pulumi.<stack>.yaml whose (non-secret) values the pack sees as PULUMI_CONFIG')
    .option('--policy-pack <dir>', 'run another policy pack directory instead of the stackfit pack')
    .option('--project <name>', 'project name (default: from the URNs)')
    .option('--stack <name>', 'stack name (default: from the URNs)')
    .option('--update', 'analyze as for `pulumi up` instead of a preview')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: CheckOptions & { format: 'table' | 'json' }) => {
      const result = await check(opts);
      process.stdout.write(opts.format === 'json' ? renderCheckJson(result) : renderCheckTable(result));
      process.exitCode = result.mandatoryViolations > 0 ? EXIT_MANDATORY_VIOLATION : 0;
    });
}
