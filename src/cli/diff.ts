import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { COMMENT_BEHAVIORS, upsertCostComment, type CommentBehavior } from '../gitops/comment';
import type { createGitHubClient } from '../gitops/github';
import { StackfitError, type Inventory } from '../model';
import { belowThresholds, commentTotals, headline, renderCostComment } from '../report/comment';
import type { CostDiff } from '../report/diff';
import { signedUsd } from '../report/format';
import { emit } from './output';
import { redact } from '../redact';
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

/** The PR head commit: `--commit`, else the pull_request event's head SHA (GITHUB_SHA there is a merge commit). */
export function headShaFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) {
    if (!/^[0-9a-f]{7,40}$/i.test(flag)) throw new StackfitError(`"${flag}" is not a commit SHA`, '--commit');
    return flag;
  }
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventPath) return undefined;
  try {
    const event = JSON.parse(readFileSync(eventPath, 'utf8')) as { pull_request?: { head?: { sha?: unknown } } };
    const sha = event.pull_request?.head?.sha;
    return typeof sha === 'string' ? sha : undefined;
  } catch {
    throw new StackfitError('cannot read the event payload', eventPath);
  }
}

function nonNegative(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new StackfitError(`"${v}" is not a non-negative number`, flag);
    return n;
  };
}

/** Resources of the document that stackfit does not price, on the side after the change. */
async function otherResourcesIn(file: string, previewSide: 'old' | 'new', componentTypes: ReadonlySet<string>): Promise<number> {
  const { readStackJson, parseStackDocument } = await import('../stack/inventory.js');
  const { countOtherResources } = await import('../report/diff.js');
  const doc = parseStackDocument(readStackJson(file), file, previewSide);
  return countOtherResources(doc.resources, componentTypes);
}

function renderTableText(diffs: readonly CostDiff[]): string {
  const lines: string[] = [];
  for (const diff of diffs) {
    if (diffs.length > 1) lines.push(`${diff.stack ?? 'default'}:`);
    lines.push(
      ...diff.resources
        .filter((r) => r.change !== 'unchanged' || r.unpriced)
        .map(
          (r) =>
            `${r.change.padEnd(9)} ${r.name}: ${r.before ? `${r.before.size}×${r.before.count}` : '—'} → ${r.sizeUnknown ? 'unknown' : r.after ? `${r.after.size}×${r.after.count}` : '—'}  ${r.unpriced ? `unpriced (${r.unpriced})` : signedUsd(r.monthlyDelta)}`,
        ),
    );
  }
  // The same headline as the comment: the priced change and what it leaves out.
  lines.push(headline(commentTotals(diffs)).replace(/\*\*/g, '').replace(/`/g, ''));
  return `${lines.join('\n')}\n`;
}

interface DiffOptions {
  preview?: string[];
  base?: string;
  head?: string;
  stack?: string;
  format: string;
  output?: string;
  comment?: boolean;
  pr?: string;
  commit?: string;
  behavior: CommentBehavior;
  reportUrl?: string;
  config?: string;
  minChangeUsd?: number;
  minChangePercent?: number;
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('Monthly cost difference of a stack change (Infracost-style), optionally as a PR comment')
    .option('--preview <files...>', 'pulumi preview --json output, one per stack: compares its old and new states (one comment for all)')
    .option('--base <file>', 'state before the change (stack export or checkpoint)')
    .option('--head <file>', 'state or preview after the change')
    .option('--stack <name>', 'stack name (default: from the state)')
    .option('--config <file>', 'stackfit.yaml, for its pricing: section (default: ./stackfit.yaml if present)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
    .option('--output <file>', 'write to a file (atomically) instead of stdout')
    .option('--comment', 'post or update the cost comment on the pull request (GITHUB_TOKEN, GITHUB_REPOSITORY)')
    .option('--pr <number>', 'pull request number (default: from the GitHub Actions event)')
    .option('--commit <sha>', 'the PR head commit the previews are for (default: the pull_request event head SHA)')
    .option('--min-change-usd <usd>', 'post no comment when the monthly change is below this, up or down', nonNegative('--min-change-usd'))
    .option(
      '--min-change-percent <percent>',
      'post no comment when the monthly change is below this percentage, up or down',
      nonNegative('--min-change-percent'),
    )
    .addOption(new Option('--behavior <behavior>', 'how to treat an existing comment').choices([...COMMENT_BEHAVIORS]).default('update'))
    .option('--report-url <url>', 'link to the full report, shown when the comment is cut')
    .action(async (opts: DiffOptions) => {
      // Prices as the team pays them: refreshed overlays and discounts from stackfit.yaml.
      const { findConfigFile, loadConfig } = await import('../config/index.js');
      const { catalogForConfig } = await import('../pipeline.js');
      const { costDiff } = await import('../report/diff.js');
      const { readInventory } = await import('../stack/index.js');
      const config = loadConfig(opts.config ?? findConfigFile());
      const catalog = catalogForConfig(config);
      const diffs: CostDiff[] = [];
      if (opts.preview?.length) {
        if (opts.stack && opts.preview.length > 1)
          throw new StackfitError('--stack names one stack: with several previews each takes its stack from its URNs', '--stack');
        for (const file of opts.preview) {
          const base: Inventory = readInventory(file, { stack: opts.stack, previewSide: 'old', grouping: config.grouping });
          const head: Inventory = readInventory(file, { stack: opts.stack, previewSide: 'new', grouping: config.grouping });
          diffs.push(
            costDiff(base, head, catalog, {
              otherResources: await otherResourcesIn(file, 'new', new Set(config.grouping.map((g) => g.componentType))),
            }),
          );
        }
      } else if (opts.base && opts.head) {
        const base = readInventory(opts.base, { stack: opts.stack, grouping: config.grouping });
        const head = readInventory(opts.head, { stack: opts.stack, previewSide: 'new', grouping: config.grouping });
        diffs.push(
          costDiff(base, head, catalog, {
            otherResources: await otherResourcesIn(opts.head, 'new', new Set(config.grouping.map((g) => g.componentType))),
          }),
        );
      } else {
        throw new StackfitError('give --preview preview.json, or --base and --head');
      }
      const stacks = diffs.map((d) => d.stack ?? 'default');
      const dup = stacks.find((s, i) => stacks.indexOf(s) !== i);
      if (dup) throw new StackfitError(`two previews are for stack ${dup}: give one preview per stack`, '--preview');

      const headSha = headShaFrom(opts.commit);
      let octokit: ReturnType<typeof createGitHubClient> | undefined;
      let repoRef: { owner: string; repo: string } | undefined;
      let validAt = new Date();
      if (opts.comment) {
        if (!headSha)
          throw new StackfitError(
            'give --commit SHA (or run on a pull_request event): the comment is stamped with the PR head commit, so an older run never overwrites a newer estimate',
            '--comment',
          );
        const { createGitHubClient, repoFromEnv } = await import('../gitops/github/index.js');
        repoRef = repoFromEnv();
        octokit = createGitHubClient();
        // The estimate is as new as its commit, not as its render: runs can finish out of order.
        const { data: commit } = await octokit.rest.git.getCommit({ ...repoRef, commit_sha: headSha });
        validAt = new Date(commit.committer.date);
      }
      const markdown = renderCostComment(diffs, {
        validAt,
        ...(headSha && { commitSha: headSha }),
        ...(opts.reportUrl && { fullReportUrl: opts.reportUrl }),
      });
      const text =
        opts.format === 'json'
          ? `${JSON.stringify(diffs.length === 1 ? diffs[0] : diffs, null, 2)}\n`
          : opts.format === 'markdown'
            ? markdown
            : renderTableText(diffs);
      emit(text, opts.output, [...(opts.preview ?? []), opts.base, opts.head, opts.config]);
      if (opts.comment && octokit && repoRef) {
        const noChange = diffs.every((d) => d.resources.every((r) => r.change === 'unchanged' && !r.unpriced));
        const small = belowThresholds(diffs, {
          ...(opts.minChangeUsd !== undefined && { minUsd: opts.minChangeUsd }),
          ...(opts.minChangePercent !== undefined && { minPercent: opts.minChangePercent }),
        });
        const issueNumber = prNumberFrom(opts.pr);
        let outcome: Awaited<ReturnType<typeof upsertCostComment>>;
        try {
          outcome = await upsertCostComment({
            octokit,
            ...repoRef,
            issueNumber,
            body: redact(markdown),
            behavior: opts.behavior,
            noChange: noChange || small,
            headSha: headSha!,
          });
        } catch (err) {
          // Octokit's errors quote what the server (or a proxy) answered: one redacted line, no stack.
          const status = (err as { status?: unknown }).status;
          throw new StackfitError(
            `cannot post the cost comment: ${typeof status === 'number' ? `${status} ` : ''}${redact((err as Error).message ?? String(err))}`,
            `pull request #${issueNumber}`,
          );
        }
        const message =
          outcome.action === 'skipped'
            ? noChange
              ? 'no compute resource changes'
              : 'the change is below --min-change-usd / --min-change-percent'
            : outcome.action === 'superseded'
              ? `commit ${headSha} is no longer the PR head (${outcome.headSha}): a run for the new head posts the estimate`
              : outcome.url;
        process.stderr.write(`stackfit: cost comment ${outcome.action}: ${message}\n`);
      }
    });
}
