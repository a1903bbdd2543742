import { StackfitError } from '../model';
import type { GitBackend } from './backend';
import { GitHubApiError, type GitCommit, type GitHubClient, type Identity, type PullRequest, type RepoRef } from './github/client';
import {
  AUTOCLOSED_MARKER,
  decideGroup,
  decideStale,
  TREE_TRAILER,
  type GroupDecision,
  type GroupFacts,
  type Observation,
} from './pr-decision';
import { parsePrMarkers } from './pr-text';
import type { Base, ChangedInConfig, Group, PrAction, PreparedGroup, PrGroupResult } from './pr-types';

/**
 * The PR run's executor: observes what a decision (pr-decision.ts) asks for, then applies the
 * decision through the GitBackend (branches, commits) and the GitHub client (PRs, labels,
 * comments), and records each group's `PrGroupResult`.
 */

const HUMAN_COMMITS_MARKER = '<!-- stackfit:human-commits -->';
/** On a stale PR stackfit may not close (a person committed to it): say so once. */
const STALE_HUMAN_MARKER = '<!-- stackfit:no-longer-recommended -->';

/** What a live run (not --dry-run) works with. */
export interface LiveRun {
  stack: string;
  configFile: string;
  prConfig: { labels: string[]; maxNewPerRun: number; maxOpen: number };
  identity: Identity;
  log: (line: string) => void;
  groups: PrGroupResult[];
  changedInConfig: readonly ChangedInConfig[];
  gh: GitHubClient;
  repo: RepoRef;
  git: GitBackend;
  base: Base;
  prepare: (group: Group) => PreparedGroup;
  /** PRs opened by this run, and stackfit PRs open now (for pr.maxNewPerRun and pr.maxOpen). */
  created: number;
  open: number;
}

export function commitMessage(title: string, fingerprint: string, tree: string): string {
  return `${title}\n\nProposed by stackfit from forecast demand and list prices.\n\nStackfit-Fingerprint: ${fingerprint}\n${TREE_TRAILER}: ${tree}\n`;
}

const who = (c: GitCommit) => `${c.author.name} <${c.author.email}>`;

/**
 * An open stackfit PR whose change is no longer recommended: closed with its branch deleted when
 * the branch holds only stackfit's commits, else left to the person who committed (said once).
 */
export async function retireStalePull(run: LiveRun, pr: PullRequest): Promise<PrAction> {
  const { gh } = run;
  const before = { ...gh.calls };
  const markers = parsePrMarkers(pr.body);
  const why = run.changedInConfig.filter((c) => c.branch === pr.headRef).map((c) => c.reason);
  const reason =
    why.length > 0
      ? why.join('; ')
      : `the latest plan for stack ${run.stack} has no change for ${markers.group !== undefined ? `group ${markers.group}` : 'it'} any more (its workloads are the right size for the forecast demand, or they were changed another way)`;
  const head = await run.git.commit(pr.headSha);
  const { action, message } =
    decideStale(head, run.identity) === 'autoclose' ? await autoclose(run, pr, reason) : await leaveToPerson(run, pr, head, reason);
  const done: PrGroupResult = {
    group: markers.group,
    branch: pr.headRef,
    number: pr.number,
    url: pr.url,
    title: pr.title,
    fingerprint: markers.fingerprint ?? '',
    edits: 0,
    manual: 0,
    action,
    message,
    apiCalls: gh.calls.total - before.total,
    writeCalls: gh.calls.writes - before.writes,
  };
  run.groups.push(done);
  run.log(`${done.branch}: ${done.action} #${pr.number} — ${message} (${done.apiCalls} API calls, ${done.writeCalls} writes)`);
  return action;
}

function autoclosedTitle(title: string): string {
  return title.endsWith(' - autoclosed') ? title : `${title} - autoclosed`;
}

function autoclosedBody(body: string, reason: string): string {
  return `${AUTOCLOSED_MARKER}\n> [!NOTE]\n> **Autoclosed**: stackfit no longer recommends this change: ${reason.replace(/\r?\n/g, ' ')}.\n\n${body}`;
}

async function autoclose(run: LiveRun, pr: PullRequest, reason: string): Promise<{ action: PrAction; message: string }> {
  const { gh, repo } = run;
  await gh.createComment(
    repo,
    pr.number,
    `${AUTOCLOSED_MARKER}\nstackfit no longer recommends this change: ${reason}.\n\nClosing this PR and deleting its branch \`${pr.headRef}\`. If stackfit recommends a change here again, it opens a new PR.`,
  );
  await gh.updatePull(repo, pr.number, { state: 'closed', title: autoclosedTitle(pr.title), body: autoclosedBody(pr.body, reason) });
  // The PR is closed either way; a branch left behind is only clutter (a later run reuses it).
  const deleted = await run.git.deleteBranch(pr.headRef).then(
    () => 'deleted its branch',
    (e: unknown) => `could not delete branch ${pr.headRef} (${e instanceof Error ? e.message : String(e)})`,
  );
  return { action: 'autoclosed', message: `no longer recommended (${reason}); closed PR #${pr.number} and ${deleted}` };
}

async function leaveToPerson(
  run: LiveRun,
  pr: PullRequest,
  head: GitCommit,
  reason: string,
): Promise<{ action: PrAction; message: string }> {
  // A person's commits are theirs: never delete them, never close their work; say why once.
  await commentOnce(
    run,
    pr.number,
    STALE_HUMAN_MARKER,
    `stackfit no longer recommends this change: ${reason}.\n\nThe branch \`${pr.headRef}\` has a commit stackfit did not write (by ${who(head)}), so stackfit leaves this PR and its branch to you: merge or close it.`,
  );
  return {
    action: 'skipped-human-commits',
    message: `no longer recommended (${reason}), but the branch has a commit stackfit did not write (${head.sha.slice(0, 7)} by ${who(head)}); left PR #${pr.number} open with a comment`,
  };
}

/** A comment carrying `marker`, unless the PR already has one. */
async function commentOnce(run: LiveRun, number: number, marker: string, text: string): Promise<void> {
  const comments = await run.gh.listComments(run.repo, number);
  if (comments.some((c) => c.body.includes(marker))) return;
  await run.gh.createComment(run.repo, number, `${marker}\n${text}`);
}

type Outcome = Pick<PrGroupResult, 'action' | 'message'> & Partial<PrGroupResult>;

/** One group: update its open PR, or open one, or say why not; records the outcome. */
export async function proposeGroup(run: LiveRun, group: Group): Promise<void> {
  const { gh } = run;
  const before = { ...gh.calls };
  const p = run.prepare(group);
  const outcome = await applyDecision(run, p, await decide(run, p));
  const entry: PrGroupResult = {
    group: group.name,
    branch: p.branch,
    title: p.title,
    fingerprint: p.fingerprint,
    edits: p.edits.length,
    manual: p.manual.length,
    ...outcome,
    apiCalls: gh.calls.total - before.total,
    writeCalls: gh.calls.writes - before.writes,
  };
  run.groups.push(entry);
  run.log(
    `${p.branch}: ${entry.action}${entry.number !== undefined ? ` #${entry.number}` : ''} — ${entry.message} (${entry.apiCalls} API calls, ${entry.writeCalls} writes)`,
  );
}

/** Asks the decision what it needs, observes it, until it decides (each observation at most once). */
async function decide(run: LiveRun, p: PreparedGroup): Promise<GroupDecision> {
  const facts: GroupFacts = {
    branch: p.branch,
    title: p.title,
    fingerprint: p.fingerprint,
    edits: p.edits.length,
    labels: run.prConfig.labels,
    renderBody: p.body,
    base: run.base,
    identity: run.identity,
    budget: { created: run.created, open: run.open, maxNewPerRun: run.prConfig.maxNewPerRun, maxOpen: run.prConfig.maxOpen },
  };
  for (;;) {
    const step = decideGroup(facts);
    if ('decision' in step) return step.decision;
    await observe(run, facts, step);
  }
}

async function observe(run: LiveRun, facts: GroupFacts, o: Observation): Promise<void> {
  const { gh, repo, git } = run;
  const once = <K extends keyof GroupFacts>(key: K) => {
    if (facts[key] !== undefined) throw new Error(`PR decision asked twice for ${key}`);
  };
  if (o.need === 'pulls') {
    once('pulls');
    facts.pulls = (await gh.listPulls(repo, { state: 'all', head: facts.branch })).sort((a, b) => b.number - a.number);
  } else if (o.need === 'open-head') {
    once('openHead');
    facts.openHead = await git.commit(o.sha);
  } else if (o.need === 'built-on-text') {
    once('builtOnText');
    facts.builtOnText = await git.fileText(o.sha, run.configFile);
  } else if (o.need === 'branch-sha') {
    once('branchSha');
    facts.branchSha = await git.branchSha(facts.branch);
  } else {
    once('branchHead');
    facts.branchHead = await git.commit(o.sha);
  }
}

/** Writes the group's commit on the base and points its branch at it (`expected`: the head it replaces). */
async function pushCommit(run: LiveRun, p: PreparedGroup, expected: string | null): Promise<void> {
  const commit = await run.git.writeCommit({
    parent: run.base.sha,
    parentBranch: run.base.branch,
    files: [{ path: run.configFile, content: p.newText }],
    identity: run.identity,
    message: (tree) => commitMessage(p.title, p.fingerprint, tree),
  });
  await run.git.moveBranch(p.branch, commit, expected);
}

async function applyDecision(run: LiveRun, p: PreparedGroup, d: GroupDecision): Promise<Outcome> {
  switch (d.kind) {
    case 'nothing-to-edit':
      return { action: 'nothing-to-edit', message: `all ${p.manual.length} change(s) need a manual edit; no PR` };
    case 'leave-human-pull':
      await commentOnce(
        run,
        d.pull.number,
        HUMAN_COMMITS_MARKER,
        `stackfit found a commit on \`${d.pull.headRef}\` that it did not write (by ${who(d.head)}), so it will no longer update this PR. ` +
          'Merge or close it as it is; to hand the branch back to stackfit, delete the branch (stackfit opens a fresh PR on its next run).',
      );
      return {
        action: 'skipped-human-commits',
        number: d.pull.number,
        url: d.pull.url,
        message: `branch has a commit stackfit did not write (${d.head.sha.slice(0, 7)} by ${who(d.head)}); leaving PR #${d.pull.number} alone`,
      };
    case 'refresh-pull':
    case 'regenerate':
      return applyToOpenPull(run, p, d);
    case 'skip-closed':
      return {
        action: 'skipped-closed',
        number: d.pull.number,
        url: d.pull.url,
        message: `PR #${d.pull.number} with this same recommendation was ${d.pull.merged ? 'merged' : 'closed without merging'}; not reopening it`,
      };
    case 'skip-limit':
      return {
        action: 'skipped-limit',
        message:
          d.limit === 'maxNewPerRun'
            ? `pr.maxNewPerRun (${run.prConfig.maxNewPerRun}) PRs already opened in this run`
            : `pr.maxOpen (${run.prConfig.maxOpen}) stackfit PRs already open`,
      };
    case 'leave-human-branch':
      return {
        action: 'skipped-human-commits',
        message: `branch ${p.branch} already exists with a commit stackfit did not write (${d.head.sha.slice(0, 7)} by ${who(d.head)}); delete or rename the branch to let stackfit open its PR`,
      };
    case 'create':
      return createPull(run, p, d);
  }
}

async function applyToOpenPull(
  run: LiveRun,
  p: PreparedGroup,
  d: Extract<GroupDecision, { kind: 'refresh-pull' | 'regenerate' }>,
): Promise<Outcome> {
  const { gh, repo } = run;
  if (d.kind === 'regenerate') await pushCommit(run, p, d.pull.headSha);
  if (d.updateText) await gh.updatePull(repo, d.pull.number, { title: p.title, body: d.body });
  if (d.addLabels.length > 0) await gh.addLabels(repo, d.pull.number, d.addLabels);
  const where = { number: d.pull.number, url: d.pull.url };
  if (d.kind === 'regenerate' && d.why === 'base-moved') {
    return {
      action: 'updated',
      ...where,
      message: `${run.configFile} changed on ${run.base.branch}; regenerated the commit on top of it${d.updateText ? ' and updated the PR' : ''}`,
    };
  }
  if (d.kind === 'regenerate') {
    return { action: 'updated', ...where, message: 'recommendation changed; regenerated the branch on the base branch and updated the PR' };
  }
  return {
    action: d.updateText || d.addLabels.length > 0 ? 'updated' : 'unchanged',
    ...where,
    message: d.updateText
      ? 'same recommendation; refreshed the description'
      : d.addLabels.length > 0
        ? 'same recommendation; added missing labels'
        : 'same recommendation; nothing to do',
  };
}

async function createPull(run: LiveRun, p: PreparedGroup, d: Extract<GroupDecision, { kind: 'create' }>): Promise<Outcome> {
  const { gh, repo, prConfig } = run;
  await pushCommit(run, p, d.expected);
  let pr: PullRequest;
  try {
    pr = await openPull(gh, repo, { title: p.title, body: d.body, head: p.branch, base: run.base.branch });
  } catch (err) {
    // No branch without its PR: remove what this run wrote (the next run starts clean).
    const cleanup = await run.git.deleteBranch(p.branch).then(
      () => `removed branch ${p.branch}`,
      (e: unknown) => `could not remove branch ${p.branch} (${e instanceof Error ? e.message : String(e)}); the next run resumes it`,
    );
    const why = err instanceof Error ? err.message : String(err);
    throw new StackfitError(`could not open the pull request for ${p.branch}: ${why}; ${cleanup}`, `${repo.owner}/${repo.repo}`);
  }
  if (prConfig.labels.length > 0) await gh.addLabels(repo, pr.number, prConfig.labels);
  run.created += 1;
  run.open += 1;
  return {
    action: 'created',
    number: pr.number,
    url: pr.url,
    message: d.afterClosed ? 'opened a new PR (an earlier one was closed; this recommendation differs)' : 'opened a new PR',
  };
}

/** Opens the PR; if a retried create already succeeded on GitHub's side, adopts that PR. */
async function openPull(
  gh: GitHubClient,
  repo: RepoRef,
  input: { title: string; body: string; head: string; base: string },
): Promise<PullRequest> {
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
