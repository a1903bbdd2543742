import { createTwoFilesPatch } from 'diff';
import type { StackfitConfig } from '../config/schema';
import { StackfitError, type Plan, type PlanItem } from '../model';
import { planToEdits } from './edits';
import { commitFiles, deleteRemoteBranch, ensureCommit, pushBranch, type LocalGitOptions } from './git-local';
import { GitHubApiError, type GitCommit, type GitHubClient, type Identity, type PullRequest, type RepoRef } from './github/client';
import { actionableItems, branchNameFor, parsePrMarkers, planFingerprint, renderPrBody, renderPrTitle } from './pr-text';
import { applyConfigEdits } from './updaters/stack-config';

/**
 * Step 7 (deliver): the pull-request lifecycle, Renovate-style. One deterministic branch per
 * stack (and group); the same recommendation never opens a second PR; a changed one regenerates
 * the branch (a fresh commit on the base branch) and the PR in place; a PR closed unmerged is not
 * reopened for the same recommendation; a branch someone else committed to is left alone.
 *
 * Failure midway: if opening the PR fails after the branch was written, the branch is deleted;
 * if even that fails, the next run finds the branch (stackfit's own commit, no PR) and resumes
 * by force-updating it and opening the PR. Either way no branch is left without its PR for good.
 */

/** The identity of stackfit's commits; a commit by anyone else stops stackfit touching a branch. */
export const STACKFIT_IDENTITY: Identity = { name: 'stackfit[bot]', email: 'stackfit-bot@users.noreply.github.com' };

const TREE_TRAILER = 'Stackfit-Tree';
const HUMAN_COMMITS_MARKER = '<!-- stackfit:human-commits -->';

export type PrAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'skipped-closed'
  | 'skipped-human-commits'
  | 'skipped-limit'
  | 'dry-run'
  /** Every change of the group needs a manual edit: nothing to commit. */
  | 'nothing-to-edit';

export interface PrGroupResult {
  /** Group name (groupBy group/workload); undefined for one PR per stack. */
  group?: string;
  branch: string;
  action: PrAction;
  number?: number;
  url?: string;
  title: string;
  fingerprint: string;
  edits: number;
  manual: number;
  /** API calls made for this group (reads + writes), and writes alone. */
  apiCalls: number;
  writeCalls: number;
  /** One line on what happened and why. */
  message: string;
  /** Dry run: the unified diff of the config file and the PR body. */
  diff?: string;
  body?: string;
}

export interface PrRunResult {
  stack: string;
  baseBranch?: string;
  groups: PrGroupResult[];
  /** All API calls of the run, including the shared reads (repository, base branch, file). */
  apiCalls: number;
  writeCalls: number;
}

export interface RunPullRequestsInput {
  plan: Plan;
  stack: string;
  /** Stack config file, relative to the repository root. */
  configFile: string;
  /** Its text (used for the dry run; API runs read the base branch's version). */
  configText: string;
  projectName: string;
  config: StackfitConfig;
  repo?: RepoRef;
  github?: GitHubClient;
  mode: 'api' | 'local-git';
  dryRun?: boolean;
  /** local-git mode: the checkout to commit and push from (default: cwd). */
  localRepoDir?: string;
  /** local-git mode: environment for git. */
  gitEnv?: NodeJS.ProcessEnv;
  identity?: Identity;
  log?: (line: string) => void;
}

interface Group {
  name?: string;
  items: PlanItem[];
}

/** Splits the plan's changes by `pr.groupBy`; biggest saving first (they get the PR budget first). */
export function groupPlanItems(items: readonly PlanItem[], groupBy: 'stack' | 'group' | 'workload'): Group[] {
  const changes = actionableItems(items);
  if (changes.length === 0) return [];
  if (groupBy === 'stack') return [{ items: changes }];
  const byName = new Map<string, PlanItem[]>();
  for (const item of changes) {
    const name = groupBy === 'group' ? (item.workload.group ?? 'ungrouped') : item.workload.name;
    byName.set(name, [...(byName.get(name) ?? []), item]);
  }
  const saving = (g: PlanItem[]) => g.reduce((s, i) => s + (i.monthlyDelta ?? 0), 0);
  return [...byName.entries()]
    .map(([name, groupItems]) => ({ name, items: groupItems }))
    .sort((a, b) => saving(a.items) - saving(b.items) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function priceSourcesOf(items: readonly PlanItem[]): { cloud: string; source: string; date: string }[] {
  const seen = new Map<string, { cloud: string; source: string; date: string }>();
  for (const item of items) {
    for (const o of [item.current, item.chosen]) {
      if (o) seen.set(`${o.cloud}\t${o.priceSource}\t${o.priceDate}`, { cloud: o.cloud, source: o.priceSource, date: o.priceDate });
    }
  }
  return [...seen.values()];
}

function totalsOf(items: readonly PlanItem[]): { monthlyBefore: number; monthlyAfter: number; monthlyDelta: number } {
  const t = { monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0 };
  for (const i of items) {
    t.monthlyBefore += i.monthlyBefore ?? 0;
    t.monthlyAfter += i.monthlyAfter ?? 0;
    t.monthlyDelta += i.monthlyDelta ?? 0;
  }
  return t;
}

export function unifiedDiff(file: string, before: string, after: string): string {
  // Drop jsdiff's "=====" banner: the rest is what `git diff` prints.
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, '', '', { context: 3 })
    .split('\n')
    .filter((l, i) => !(i === 0 && /^=+$/.test(l)))
    .map((l) => (l.startsWith('--- ') || l.startsWith('+++ ') ? l.replace(/\t$/, '') : l))
    .join('\n');
}

function commitMessage(title: string, fingerprint: string, tree: string): string {
  return `${title}\n\nProposed by stackfit from forecast demand and list prices.\n\nStackfit-Fingerprint: ${fingerprint}\n${TREE_TRAILER}: ${tree}\n`;
}

/**
 * Whether a branch head is stackfit's own, untouched commit: stackfit's identity as author and
 * committer, one parent, and the tree stackfit recorded when it wrote the commit.
 */
export function isStackfitCommit(commit: GitCommit, identity: Identity = STACKFIT_IDENTITY): boolean {
  const recorded = new RegExp(`^${TREE_TRAILER}: ([0-9a-f]{40})$`, 'm').exec(commit.message)?.[1];
  return (
    commit.author.email === identity.email &&
    commit.committer.email === identity.email &&
    commit.parents.length === 1 &&
    recorded === commit.treeSha
  );
}

const normalise = (s: string) => s.replace(/\r\n/g, '\n').trim();

export async function runPullRequests(input: RunPullRequestsInput): Promise<PrRunResult> {
  const log = input.log ?? (() => {});
  const identity = input.identity ?? STACKFIT_IDENTITY;
  const prConfig = input.config.pr;
  const groups = groupPlanItems(
    input.plan.items.filter((i) => i.workload.stack === undefined || i.workload.stack === input.stack),
    prConfig.groupBy,
  );
  const result: PrRunResult = { stack: input.stack, groups: [], apiCalls: 0, writeCalls: 0 };

  const prepare = (group: Group, baseText: string) => {
    const { edits, manual } = planToEdits({
      plan: { ...input.plan, items: group.items },
      stack: input.stack,
      configFile: input.configFile,
      configText: baseText,
      config: input.config,
      projectName: input.projectName,
    });
    const newText = applyConfigEdits(baseText, edits, input.configFile, { projectName: input.projectName });
    const fingerprint = planFingerprint(group.items);
    const title = renderPrTitle({ stack: input.stack, group: group.name, items: group.items });
    const branch = branchNameFor({ prefix: prConfig.branchPrefix, stack: input.stack, group: group.name });
    const body = (closedNote?: string) =>
      renderPrBody({
        stack: input.stack,
        group: group.name,
        items: group.items,
        manual,
        totals: totalsOf(group.items),
        priceSources: priceSourcesOf(group.items),
        fingerprint,
        closedNote,
      });
    return { edits, manual, newText, fingerprint, title, branch, body };
  };

  if (input.dryRun) {
    for (const group of groups) {
      const p = prepare(group, input.configText);
      const body = p.body();
      result.groups.push({
        group: group.name,
        branch: p.branch,
        action: p.edits.length > 0 ? 'dry-run' : 'nothing-to-edit',
        title: p.title,
        fingerprint: p.fingerprint,
        edits: p.edits.length,
        manual: p.manual.length,
        apiCalls: 0,
        writeCalls: 0,
        message: p.edits.length > 0 ? `would propose on ${p.branch}` : `all ${p.manual.length} change(s) need a manual edit`,
        diff: p.edits.length > 0 ? unifiedDiff(input.configFile, input.configText, p.newText) : '',
        body,
      });
      log(`# ${p.branch}\n\n${p.edits.length > 0 ? unifiedDiff(input.configFile, input.configText, p.newText) : '(no config edits)\n'}\nTitle: ${p.title}\n\n${body}`);
    }
    return result;
  }

  const gh = input.github;
  const repo = input.repo;
  if (!gh || !repo) throw new StackfitError('a GitHub client and repository are needed (or use --dry-run)', 'stackfit pr');
  const startCalls = { ...gh.calls };
  const local: LocalGitOptions | undefined =
    input.mode === 'local-git' ? { repoDir: input.localRepoDir ?? process.cwd(), env: input.gitEnv } : undefined;

  try {
    if (groups.length === 0) {
      log(`${input.stack}: nothing to propose`);
      return result;
    }
    const baseBranch = prConfig.baseBranch ?? (await gh.getRepo(repo)).defaultBranch;
    result.baseBranch = baseBranch;
    const baseSha = await gh.getBranchSha(repo, baseBranch);
    if (!baseSha) throw new StackfitError(`base branch ${baseBranch} not found in ${repo.owner}/${repo.repo}`, 'pr.baseBranch');
    const baseText = await gh.getFileText(repo, baseSha, input.configFile);
    if (baseText === null) {
      throw new StackfitError(`not on branch ${baseBranch} of ${repo.owner}/${repo.repo}: commit the stack config first`, input.configFile);
    }
    let baseTree: string | undefined;
    let openCount: number | undefined;
    let createdThisRun = 0;
    const prefix = branchNameFor({ prefix: prConfig.branchPrefix, stack: '' }).replace(/\/?$/, '/');

    /** Writes stackfit's commit for the group on top of the base; returns it (no ref change yet). */
    const writeCommit = async (title: string, fingerprint: string, newText: string): Promise<string> => {
      const files = [{ path: input.configFile, content: newText }];
      if (local) {
        await ensureCommit(local, baseBranch, baseSha);
        return (await commitFiles(local, { parent: baseSha, files, identity, message: (tree) => commitMessage(title, fingerprint, tree) })).commit;
      }
      baseTree ??= (await gh.getCommit(repo, baseSha)).treeSha;
      const tree = await gh.createTree(repo, baseTree, files);
      return gh.createCommit(repo, { message: commitMessage(title, fingerprint, tree), tree, parents: [baseSha], author: identity, committer: identity });
    };
    /** Points the branch at the commit (create, or force-update from `expected`). */
    const moveBranch = async (branch: string, commit: string, expected: string | null): Promise<void> => {
      if (local) return pushBranch(local, branch, commit, expected);
      if (expected === null && (await gh.createBranch(repo, branch, commit)) === 'created') return;
      await gh.updateBranch(repo, branch, commit, true);
    };
    const removeBranch = async (branch: string): Promise<void> => {
      if (local) return deleteRemoteBranch(local, branch);
      return gh.deleteBranch(repo, branch);
    };
    const noteHumanCommits = async (pr: PullRequest, author: string): Promise<void> => {
      const comments = await gh.listComments(repo, pr.number);
      if (comments.some((c) => c.body.includes(HUMAN_COMMITS_MARKER))) return;
      await gh.createComment(
        repo,
        pr.number,
        `${HUMAN_COMMITS_MARKER}\nstackfit found a commit on \`${pr.headRef}\` that it did not write (by ${author}), so it will no longer update this PR. ` +
          'Merge or close it as it is; to hand the branch back to stackfit, delete the branch (stackfit opens a fresh PR on its next run).',
      );
    };

    for (const group of groups) {
      const before = { ...gh.calls };
      const p = prepare(group, baseText);
      const base: Omit<PrGroupResult, 'action' | 'message' | 'apiCalls' | 'writeCalls'> = {
        group: group.name,
        branch: p.branch,
        title: p.title,
        fingerprint: p.fingerprint,
        edits: p.edits.length,
        manual: p.manual.length,
      };
      const finish = (r: Pick<PrGroupResult, 'action' | 'message'> & Partial<PrGroupResult>) => {
        const entry: PrGroupResult = {
          ...base,
          ...r,
          apiCalls: gh.calls.total - before.total,
          writeCalls: gh.calls.writes - before.writes,
        };
        result.groups.push(entry);
        log(`${p.branch}: ${entry.action}${entry.number !== undefined ? ` #${entry.number}` : ''} — ${entry.message} (${entry.apiCalls} API calls, ${entry.writeCalls} writes)`);
      };
      if (p.edits.length === 0) {
        finish({ action: 'nothing-to-edit', message: `all ${p.manual.length} change(s) need a manual edit; no PR` });
        continue;
      }

      const pulls = (await gh.listPulls(repo, { state: 'all', head: p.branch })).sort((a, b) => b.number - a.number);
      const open = pulls.find((pr) => pr.state === 'open');
      const fingerprintOf = (pr: PullRequest) => parsePrMarkers(pr.body).fingerprint;

      if (open) {
        const head = await gh.getCommit(repo, open.headSha);
        if (!isStackfitCommit(head, identity)) {
          const who = `${head.author.name} <${head.author.email}>`;
          await noteHumanCommits(open, who);
          finish({
            action: 'skipped-human-commits',
            number: open.number,
            url: open.url,
            message: `branch has a commit stackfit did not write (${head.sha.slice(0, 7)} by ${who}); leaving PR #${open.number} alone`,
          });
          continue;
        }
        const missingLabels = prConfig.labels.filter((l) => !open.labels.includes(l));
        const closedNote = noteForClosed(pulls, p.fingerprint, fingerprintOf);
        const body = p.body(closedNote);
        if (fingerprintOf(open) === p.fingerprint) {
          const textChanged = open.title !== p.title || normalise(open.body) !== normalise(body);
          if (textChanged) await gh.updatePull(repo, open.number, { title: p.title, body });
          if (missingLabels.length > 0) await gh.addLabels(repo, open.number, missingLabels);
          finish({
            action: textChanged || missingLabels.length > 0 ? 'updated' : 'unchanged',
            number: open.number,
            url: open.url,
            message: textChanged ? 'same recommendation; refreshed the description' : missingLabels.length > 0 ? 'same recommendation; added missing labels' : 'same recommendation; nothing to do',
          });
          continue;
        }
        const commit = await writeCommit(p.title, p.fingerprint, p.newText);
        await moveBranch(p.branch, commit, open.headSha);
        await gh.updatePull(repo, open.number, { title: p.title, body });
        if (missingLabels.length > 0) await gh.addLabels(repo, open.number, missingLabels);
        finish({ action: 'updated', number: open.number, url: open.url, message: 'recommendation changed; regenerated the branch on the base branch and updated the PR' });
        continue;
      }

      const closedSame = pulls.find((pr) => pr.state === 'closed' && fingerprintOf(pr) === p.fingerprint);
      if (closedSame) {
        finish({
          action: 'skipped-closed',
          number: closedSame.number,
          url: closedSame.url,
          message: `PR #${closedSame.number} with this same recommendation was ${closedSame.merged ? 'merged' : 'closed without merging'}; not reopening it`,
        });
        continue;
      }

      openCount ??= (await gh.listPulls(repo, { state: 'open' })).filter((pr) => pr.headRef.startsWith(prefix)).length;
      if (createdThisRun >= prConfig.maxNewPerRun || openCount >= prConfig.maxOpen) {
        finish({
          action: 'skipped-limit',
          message:
            createdThisRun >= prConfig.maxNewPerRun
              ? `pr.maxNewPerRun (${prConfig.maxNewPerRun}) PRs already opened in this run`
              : `pr.maxOpen (${prConfig.maxOpen}) stackfit PRs already open`,
        });
        continue;
      }

      // The branch may be left over (a closed PR's, or a run that failed midway): reuse it only if
      // its head is stackfit's own commit.
      const existing = await gh.getBranchSha(repo, p.branch);
      if (existing) {
        const head = await gh.getCommit(repo, existing);
        if (!isStackfitCommit(head, identity)) {
          finish({
            action: 'skipped-human-commits',
            message: `branch ${p.branch} already exists with a commit stackfit did not write (${head.sha.slice(0, 7)} by ${head.author.name} <${head.author.email}>); delete or rename the branch to let stackfit open its PR`,
          });
          continue;
        }
      }
      const closedNote = noteForClosed(pulls, p.fingerprint, fingerprintOf);
      const body = p.body(closedNote);
      const commit = await writeCommit(p.title, p.fingerprint, p.newText);
      await moveBranch(p.branch, commit, existing);
      let pr: PullRequest;
      try {
        pr = await openPull(gh, repo, { title: p.title, body, head: p.branch, base: baseBranch });
      } catch (err) {
        // No branch without its PR: remove what this run wrote (the next run starts clean).
        const cleanup = await removeBranch(p.branch).then(
          () => `removed branch ${p.branch}`,
          (e: unknown) => `could not remove branch ${p.branch} (${e instanceof Error ? e.message : String(e)}); the next run resumes it`,
        );
        const why = err instanceof Error ? err.message : String(err);
        throw new StackfitError(`could not open the pull request for ${p.branch}: ${why}; ${cleanup}`, `${repo.owner}/${repo.repo}`);
      }
      if (prConfig.labels.length > 0) await gh.addLabels(repo, pr.number, prConfig.labels);
      createdThisRun += 1;
      openCount += 1;
      finish({ action: 'created', number: pr.number, url: pr.url, message: closedNote ? 'opened a new PR (an earlier one was closed; this recommendation differs)' : 'opened a new PR' });
    }
    return result;
  } catch (err) {
    if (err instanceof GitHubApiError) throw new StackfitError(err.message);
    throw err;
  } finally {
    result.apiCalls = gh.calls.total - startCalls.total;
    result.writeCalls = gh.calls.writes - startCalls.writes;
  }
}

function noteForClosed(
  pulls: readonly PullRequest[],
  fingerprint: string,
  fingerprintOf: (pr: PullRequest) => string | undefined,
): string | undefined {
  const closed = pulls.find((pr) => pr.state === 'closed' && !pr.merged && fingerprintOf(pr) !== fingerprint);
  if (!closed) return undefined;
  return `stackfit's earlier PR #${closed.number} for this branch was closed without merging. This recommendation differs from it (another target size, cloud or region), so stackfit proposes it again; closing this one keeps it closed too.`;
}

/** Opens the PR; if a retried create already succeeded on GitHub's side, adopts that PR. */
async function openPull(gh: GitHubClient, repo: RepoRef, input: { title: string; body: string; head: string; base: string }): Promise<PullRequest> {
  try {
    return await gh.createPull(repo, input);
  } catch (err) {
    if (err instanceof GitHubApiError && err.status === 422 && /already exists/i.test(err.githubMessage)) {
      const open = (await gh.listPulls(repo, { state: 'open', head: input.head })).find((pr) => pr.baseRef === input.base);
      if (open) return open;
    }
    throw err;
  }
}
