import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { COMMENT_BEHAVIORS, upsertCostComment, type CommentBehavior } from '../gitops/comment';
import { StackfitError, type Inventory } from '../model';
import { renderCostComment } from '../report/comment';
import type { CostDiff } from '../report/diff';
import { signedUsd, usd } from '../report/format';
import { emit } from './output';
// Config, catalog, state reader and Octokit load inside the action, not at start-up.

/** The PR number from `--pr`, or from the pull_request event GitHub Actions describes in GITHUB_EVENT_PATH. */
export function prNumberFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (flag) {
    const n = Number(flag);
    if (!Number.isInteger(n) || n <= 0) throw new StackfitError(`"${flag}" is not a pull request number`, '--pr');
    return n;
  }
  const eventPath = env.GITHUB_EVENT_PATH;
  if (eventPath) {
    try {
      const event = JSON.parse(readFileSync(eventPath, 'utf8')) as { pull_request?: { number?: unknown }; number?: unknown };
      const n = event.pull_request?.number ?? event.number;
      if (typeof n === 'number') return n;
    } catch {
      throw new StackfitError('cannot read the event payload', eventPath);
    }
  }
  throw new StackfitError('give --pr N (or run on a pull_request event)', '--comment');
}

function renderTableText(diff: CostDiff): string {
  const lines = diff.resources
    .filter((r) => r.change !== 'unchanged')
    .map((r) => `${r.change.padEnd(9)} ${r.name}: ${r.before ? `${r.before.size}×${r.before.count}` : '—'} → ${r.after ? `${r.after.size}×${r.after.count}` : '—'}  ${r.unpriced ? `unpriced (${r.unpriced})` : signedUsd(r.monthlyDelta)}`);
  lines.push(`Monthly: ${usd(diff.pastTotalMonthlyCost)} → ${usd(diff.totalMonthlyCost)} (${signedUsd(diff.diffTotalMonthlyCost)})${diff.unpricedCount ? `; ${diff.unpricedCount} unpriced` : ''}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('Monthly cost difference of a stack change (Infracost-style), optionally as a PR comment')
    .option('--preview <file>', 'pulumi preview --json output: compares its old and new states')
    .option('--base <file>', 'state before the change (stack export or checkpoint)')
    .option('--head <file>', 'state or preview after the change')
    .option('--stack <name>', 'stack name (default: from the state)')
    .option('--config <file>', 'stackfit.yaml, for its pricing: section (default: ./stackfit.yaml if present)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
    .option('--output <file>', 'write to a file (atomically) instead of stdout')
    .option('--comment', 'post or update the cost comment on the pull request (GITHUB_TOKEN, GITHUB_REPOSITORY)')
    .option('--pr <number>', 'pull request number (default: from the GitHub Actions event)')
    .addOption(new Option('--behavior <behavior>', 'how to treat an existing comment').choices([...COMMENT_BEHAVIORS]).default('update'))
    .option('--report-url <url>', 'link to the full report, shown when the comment is cut')
    .action(async (opts: { preview?: string; base?: string; head?: string; stack?: string; format: string; output?: string; comment?: boolean; pr?: string; behavior: CommentBehavior; reportUrl?: string; config?: string }) => {
      const { findConfigFile, loadConfig } = await import('../config/index.js');
      const { catalogForConfig } = await import('../pipeline.js');
      const { costDiff } = await import('../report/diff.js');
      const { readInventory } = await import('../stack/index.js');
      let base: Inventory;
      let head: Inventory;
      if (opts.preview) {
        base = readInventory(opts.preview, { stack: opts.stack, previewSide: 'old' });
        head = readInventory(opts.preview, { stack: opts.stack, previewSide: 'new' });
      } else if (opts.base && opts.head) {
        base = readInventory(opts.base, { stack: opts.stack });
        head = readInventory(opts.head, { stack: opts.stack, previewSide: 'new' });
      } else {
        throw new StackfitError('give --preview preview.json, or --base and --head');
      }
      // Prices as the team pays them: refreshed overlays and discounts from stackfit.yaml.
      const config = loadConfig(opts.config ?? findConfigFile());
      const diff = costDiff(base, head, catalogForConfig(config));
      const markdown = renderCostComment(diff, { validAt: new Date(), ...(opts.reportUrl && { fullReportUrl: opts.reportUrl }) });
      const text = opts.format === 'json' ? `${JSON.stringify(diff, null, 2)}\n` : opts.format === 'markdown' ? markdown : renderTableText(diff);
      emit(text, opts.output);
      if (opts.comment) {
        const { createGitHubClient, repoFromEnv } = await import('../gitops/github/index.js');
        const { owner, repo } = repoFromEnv();
        const octokit = createGitHubClient();
        const noChange = diff.resources.every((r) => r.change === 'unchanged');
        const outcome = await upsertCostComment({ octokit, owner, repo, issueNumber: prNumberFrom(opts.pr), stack: diff.stack, body: markdown, behavior: opts.behavior, noChange });
        process.stderr.write(outcome.action === 'skipped' ? 'stackfit: cost comment skipped: no compute resource changes\n' : `stackfit: cost comment ${outcome.action}: ${outcome.url}\n`);
      }
    });
}
