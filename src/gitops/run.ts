import { createTwoFilesPatch } from 'diff';
import type { StackfitConfig } from '../config/schema';
import { StackfitError, type Plan, type PlanItem } from '../model';
import { planToEdits } from './edits';
import { explicitMappingFor, samePlaceValue } from './mapping';
import { commitFiles, deleteRemoteBranch, ensureCommit, pushBranch, type LocalGitOptions } from './git-local';
import { GitHubApiError, type GitCommit, type GitHubClient, type Identity, type PullRequest, type RepoRef } from './github/client';
import { actionableItems, branchNameFor, parsePrMarkers, planFingerprint, renderPrBody, renderPrTitle } from './pr-text';
import { applyConfigEdits, formatRef, locateScalar, parseStackConfig, type LocateResult } from './updaters/stack-config';

/**
 * Step 7 (deliver): the pull-request lifecycle, Renovate-style. One deterministic branch per
 * stack (and group); the same recommendation never opens a second PR; a changed one regenerates
 * the branch (a fresh commit on the base branch) and the PR in place; a PR closed unmerged is not
 * reopened for the same recommendation; a branch someone else committed to is left alone. When the
 * base branch changes the config file, the branch is rebuilt on it; a change already made in the
 * base's config is left out; an open PR with no change left is autoclosed and its branch deleted.
 *
 * Failure midway: if opening the PR fails after the branch was written, the branch is deleted;
 * if even that fails, the next run finds the branch (stackfit's own commit, no PR) and resumes
 * by force-updating it and opening the PR. Either way no branch is left without its PR for good.
 */

/** The identity of stackfit's commits; a commit by anyone else stops stackfit touching a branch. */
export const STACKFIT_IDENTITY: Identity = { name: 'stackfit[bot]', email: 'stackfit-bot@users.noreply.github.com' };

const TREE_TRAILER = 'Stackfit-Tree';
const HUMAN_COMMITS_MARKER = '<!-- stackfit:human-commits -->';
/** In the body of a PR stackfit closed itself: such a PR does not count as "closed by a person". */
export const AUTOCLOSED_MARKER = '<!-- stackfit:autoclosed -->';
/** On a stale PR stackfit may not close (a person committed to it): say so once. */
const STALE_HUMAN_MARKER = '<!-- stackfit:no-longer-recommended -->';

export type PrAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'skipped-closed'
  | 'skipped-human-commits'
  | 'skipped-limit'
  | 'dry-run'
  /** Every change of the group needs a manual edit: nothing to commit. */
  | 'nothing-to-edit'
  /** An open stackfit PR whose change is no longer recommended: closed, its branch deleted. */
  | 'autoclosed';

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
  /**
   * Changes left out because the config file (on the base branch; the local file in a dry run)
   * no longer holds the deployed value: someone already made the change, or another one, by hand.
   */
  changedInConfig: ChangedInConfig[];
}

export interface ChangedInConfig {
  urn: string;
  workload: string;
  /** The branch the change would have gone to. */
  branch: string;
  reason: string;
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
    // A change priced on one side only is in neither total (the body names it): half of it
    // would read as a false increase or saving.
    if (i.monthlyBefore === undefined || i.monthlyAfter === undefined) continue;
    t.monthlyBefore += i.monthlyBefore;
    t.monthlyAfter += i.monthlyAfter;
    t.monthlyDelta += i.monthlyDelta ?? i.monthlyAfter - i.monthlyBefore;
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

/** Whether stackfit closed this PR itself (its change was no longer recommended). */
export function isAutoclosed(pr: Pick<PullRequest, 'state' | 'body'>): boolean {
  return pr.state === 'closed' && pr.body.includes(AUTOCLOSED_MARKER);
}

/** Whether an open PR is stackfit's for this stack: its markers name the stack and its branch. */
export function isStackPull(pr: Pick<PullRequest, 'body' | 'headRef'>, stack: string, branchPrefix: string): boolean {
  const m = parsePrMarkers(pr.body);
  if (m.fingerprint === undefined || m.stack !== stack) return false;
  return pr.headRef === branchNameFor({ prefix: branchPrefix, stack, group: m.group });
}

/**
 * Splits plan items by whether the config file still holds the deployed value at the workload's
 * config reference (its `mappings:` entry or the inventory's reference). Where it does not, the
 * file was changed after the deploy — the change made by hand, or another one — so stackfit's
 * change is gone until the next deploy shows what runs. Items found by value (no reference) are
 * kept: for them planToEdits reports what it cannot find.
 */
export function splitChangedInConfig(
  items: readonly PlanItem[],
  input: { configText: string; configFile: string; where: string; config: StackfitConfig; stack: string; projectName: string },
): { kept: PlanItem[]; changed: { item: PlanItem; reason: string }[] } {
  const kept: PlanItem[] = [];
  const changed: { item: PlanItem; reason: string }[] = [];
  if (items.length === 0) return { kept, changed };
  const parsed = parseStackConfig(input.configText, input.configFile);
  const options = { projectName: input.projectName };
  for (const item of items) {
    const w = item.workload;
    const ref = explicitMappingFor(input.config, w, input.stack) ?? w.configRef;
    const size = ref ? locateScalar(parsed, ref, options) : undefined;
    if (!size?.ok) {
      kept.push(item);
      continue;
    }
    // What the file should hold (the deployed value) and what stackfit proposes, per edited key.
    const checks: { found: LocateResult; deployed: string | undefined; proposed: string | undefined }[] = [
      { found: size, deployed: w.size, proposed: item.chosen?.size },
    ];
    const last = size.ref.path[size.ref.path.length - 1];
    if (item.action === 'move' && typeof last === 'string') {
      const sibling = (property: string) =>
        locateScalar(parsed, { key: size.key, path: [...size.ref.path.slice(0, -1), property] }, options);
      checks.push({ found: sibling('cloud'), deployed: w.cloud, proposed: item.chosen?.cloud });
      checks.push({ found: sibling('region'), deployed: w.region, proposed: item.chosen?.region });
    }
    const moved = checks.find((c) => c.found.ok && c.deployed !== undefined && !samePlaceValue(w.cloud, c.found.node.value, c.deployed));
    if (!moved || !moved.found.ok) {
      kept.push(item);
      continue;
    }
    const value = String(moved.found.node.value);
    const how =
      moved.proposed !== undefined && samePlaceValue(item.chosen?.cloud ?? w.cloud, value, moved.proposed)
        ? 'the change was already made'
        : 'it was changed since the deploy';
    changed.push({
      item,
      reason: `\`${w.name}\`: ${input.where} sets ${formatRef(moved.found.ref)} (line ${moved.found.line}) to ${value}, not the deployed ${moved.deployed ?? '?'} (${how})`,
    });
  }
  return { kept, changed };
}

function autoclosedTitle(title: string): string {
  return title.endsWith(' - autoclosed') ? title : `${title} - autoclosed`;
}

function autoclosedBody(body: string, reason: string): string {
  return `${AUTOCLOSED_MARKER}\n> [!NOTE]\n> **Autoclosed**: stackfit no longer recommends this change: ${reason.replace(/\r?\n/g, ' ')}.\n\n${body}`;
}

type PrepareInput = Pick<RunPullRequestsInput, 'plan' | 'stack' | 'configFile' | 'config' | 'projectName'>;

function groupNameOf(pr: StackfitConfig['pr'], item: PlanItem): string | undefined {
  return pr.groupBy === 'stack' ? undefined : pr.groupBy === 'group' ? (item.workload.group ?? 'ungrouped') : item.workload.name;
}

/** Groups the changes the config text still allows (see splitChangedInConfig); records the rest in `result`. */
function groupsOn(
  input: RunPullRequestsInput,
  stackItems: readonly PlanItem[],
  result: PrRunResult,
  log: (line: string) => void,
  configText: string,
  where: string,
): Group[] {
  const prConfig = input.config.pr;
  const { kept, changed } = splitChangedInConfig(stackItems, {
    configText,
    configFile: input.configFile,
    where,
    config: input.config,
    stack: input.stack,
    projectName: input.projectName,
  });
  result.changedInConfig = changed.map(({ item, reason }) => ({
    urn: item.urn,
    workload: item.workload.name,
    branch: branchNameFor({ prefix: prConfig.branchPrefix, stack: input.stack, group: groupNameOf(prConfig, item) }),
    reason,
  }));
  for (const c of result.changedInConfig) log(`${c.branch}: left out ${c.reason}`);
  return groupPlanItems(kept, prConfig.groupBy);
}

/** One group's change: the edits, the new config text, and the PR's branch, title and body. */
function prepareGroup(input: PrepareInput, group: Group, baseText: string) {
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
  const branch = branchNameFor({ prefix: input.config.pr.branchPrefix, stack: input.stack, group: group.name });
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
}
type Prepared = ReturnType<typeof prepareGroup>;

/** --dry-run: what each group's PR would be, with no API call. */
function dryRunGroups(
  input: RunPullRequestsInput,
  groups: readonly Group[],
  result: PrRunResult,
  log: (line: string) => void,
): PrRunResult {
  for (const group of groups) {
    const p = prepareGroup(input, group, input.configText);
    const body = p.body();
    const diff = p.edits.length > 0 ? unifiedDiff(input.configFile, input.configText, p.newText) : '';
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
      diff,
      body,
    });
    log(`# ${p.branch}\n\n${diff || '(no config edits)\n'}\nTitle: ${p.title}\n\n${body}`);
  }
  return result;
}

/** The base the branches are built on: its branch, commit and the stack config text there. */
interface Base {
  branch: string;
  sha: string;
  text: string;
}

/** Branch and commit writes, through the API or a local git checkout (`--mode local-git`). */
interface BranchWriter {
  /** Writes stackfit's commit for a group on top of the base; returns it (no ref change yet). */
  writeCommit(title: string, fingerprint: string, newText: string): Promise<string>;
  /** Points the branch at the commit (create, or force-update from `expected`). */
  moveBranch(branch: string, commit: string, expected: string | null): Promise<void>;
  removeBranch(branch: string): Promise<void>;
}

function branchWriter(input: RunPullRequestsInput, gh: GitHubClient, repo: RepoRef, base: Base, identity: Identity): BranchWriter {
  const local: LocalGitOptions | undefined =
    input.mode === 'local-git' ? { repoDir: input.localRepoDir ?? process.cwd(), env: input.gitEnv } : undefined;
  let baseTree: string | undefined;
  return {
    async writeCommit(title, fingerprint, newText) {
      const files = [{ path: input.configFile, content: newText }];
      if (local) {
        await ensureCommit(local, base.branch, base.sha);
        return (await commitFiles(local, { parent: base.sha, files, identity, message: (tree) => commitMessage(title, fingerprint, tree) }))
          .commit;
      }
      baseTree ??= (await gh.getCommit(repo, base.sha)).treeSha;
      const tree = await gh.createTree(repo, baseTree, files);
      return gh.createCommit(repo, {
        message: commitMessage(title, fingerprint, tree),
        tree,
        parents: [base.sha],
        author: identity,
        committer: identity,
      });
    },
    async moveBranch(branch, commit, expected) {
      if (local) return pushBranch(local, branch, commit, expected);
      if (expected === null && (await gh.createBranch(repo, branch, commit)) === 'created') return;
      await gh.updateBranch(repo, branch, commit, true);
    },
    async removeBranch(branch) {
      if (local) return deleteRemoteBranch(local, branch);
      return gh.deleteBranch(repo, branch);
    },
  };
}

/** What a live run (not --dry-run) works with. */
interface LiveRun {
  input: RunPullRequestsInput;
  prConfig: StackfitConfig['pr'];
  identity: Identity;
  log: (line: string) => void;
  result: PrRunResult;
  gh: GitHubClient;
  repo: RepoRef;
  base: Base;
  git: BranchWriter;
  /** PRs opened by this run, and stackfit PRs open now (for pr.maxNewPerRun and pr.maxOpen). */
  created: number;
  open: number;
}

export async function runPullRequests(input: RunPullRequestsInput): Promise<PrRunResult> {
  const log = input.log ?? (() => {});
  const prConfig = input.config.pr;
  const stackItems = actionableItems(input.plan.items.filter((i) => i.workload.stack === undefined || i.workload.stack === input.stack));
  const result: PrRunResult = { stack: input.stack, groups: [], apiCalls: 0, writeCalls: 0, changedInConfig: [] };
  if (input.dryRun) return dryRunGroups(input, groupsOn(input, stackItems, result, log, input.configText, input.configFile), result, log);

  const gh = input.github;
  const repo = input.repo;
  if (!gh || !repo) throw new StackfitError('a GitHub client and repository are needed (or use --dry-run)', 'stackfit pr');
  const startCalls = { ...gh.calls };
  try {
    // One listing serves the autoclose of stale PRs and the pr.maxOpen count.
    const openPulls = await gh.listPulls(repo, { state: 'open' });
    const stackPulls = openPulls.filter((pr) => isStackPull(pr, input.stack, prConfig.branchPrefix));
    if (stackItems.length === 0 && stackPulls.length === 0) {
      log(`${input.stack}: nothing to propose`);
      return result;
    }
    const base: Base = { branch: prConfig.baseBranch ?? '', sha: '', text: '' };
    let groups: Group[] = [];
    if (stackItems.length > 0) {
      Object.assign(base, await readBase(input, gh, repo));
      result.baseBranch = base.branch;
      groups = groupsOn(input, stackItems, result, log, base.text, `${input.configFile} on ${base.branch}`);
    }
    const identity = input.identity ?? STACKFIT_IDENTITY;
    const run: LiveRun = {
      input,
      prConfig,
      identity,
      log,
      result,
      gh,
      repo,
      base,
      git: branchWriter(input, gh, repo, base, identity),
      created: 0,
      open: 0,
    };

    // Stale PRs first: closing them frees room under pr.maxOpen for this run's new ones.
    const branches = new Set(groups.map((g) => branchNameFor({ prefix: prConfig.branchPrefix, stack: input.stack, group: g.name })));
    let autoclosed = 0;
    for (const pr of stackPulls) if (!branches.has(pr.headRef) && (await retireStalePull(run, pr)) === 'autoclosed') autoclosed += 1;
    if (groups.length === 0) {
      if (stackItems.length === 0) log(`${input.stack}: nothing to propose`);
      return result;
    }
    const prefix = branchNameFor({ prefix: prConfig.branchPrefix, stack: '' }).replace(/\/?$/, '/');
    run.open = openPulls.filter((pr) => pr.headRef.startsWith(prefix)).length - autoclosed;
    for (const group of groups) await proposeGroup(run, group);
    return result;
  } catch (err) {
    if (err instanceof GitHubApiError) throw new StackfitError(err.message);
    throw err;
  } finally {
    result.apiCalls = gh.calls.total - startCalls.total;
    result.writeCalls = gh.calls.writes - startCalls.writes;
  }
}

/** The base branch, its head commit and the stack config there. */
async function readBase(input: RunPullRequestsInput, gh: GitHubClient, repo: RepoRef): Promise<Base> {
  const branch = input.config.pr.baseBranch ?? (await gh.getRepo(repo)).defaultBranch;
  const sha = await gh.getBranchSha(repo, branch);
  if (!sha) throw new StackfitError(`base branch ${branch} not found in ${repo.owner}/${repo.repo}`, 'pr.baseBranch');
  const text = await gh.getFileText(repo, sha, input.configFile);
  if (text === null)
    throw new StackfitError(`not on branch ${branch} of ${repo.owner}/${repo.repo}: commit the stack config first`, input.configFile);
  return { branch, sha, text };
}

/**
 * An open stackfit PR whose change is no longer recommended: closed with its branch deleted when
 * the branch holds only stackfit's commits, else left to the person who committed (said once).
 */
async function retireStalePull(run: LiveRun, pr: PullRequest): Promise<PrAction> {
  const { gh, repo, input, result } = run;
  const before = { ...gh.calls };
  const markers = parsePrMarkers(pr.body);
  const why = result.changedInConfig.filter((c) => c.branch === pr.headRef).map((c) => c.reason);
  const reason =
    why.length > 0
      ? why.join('; ')
      : `the latest plan for stack ${input.stack} has no change for ${markers.group !== undefined ? `group ${markers.group}` : 'it'} any more (its workloads are the right size for the forecast demand, or they were changed another way)`;
  const head = await gh.getCommit(repo, pr.headSha);
  const { action, message } = isStackfitCommit(head, run.identity)
    ? await autoclose(run, pr, reason)
    : await leaveToPerson(run, pr, head, reason);
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
  result.groups.push(done);
  run.log(`${done.branch}: ${done.action} #${pr.number} — ${message} (${done.apiCalls} API calls, ${done.writeCalls} writes)`);
  return action;
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
  const deleted = await run.git.removeBranch(pr.headRef).then(
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
  const who = `${head.author.name} <${head.author.email}>`;
  const comments = await run.gh.listComments(run.repo, pr.number);
  if (!comments.some((c) => c.body.includes(STALE_HUMAN_MARKER))) {
    await run.gh.createComment(
      run.repo,
      pr.number,
      `${STALE_HUMAN_MARKER}\nstackfit no longer recommends this change: ${reason}.\n\nThe branch \`${pr.headRef}\` has a commit stackfit did not write (by ${who}), so stackfit leaves this PR and its branch to you: merge or close it.`,
    );
  }
  return {
    action: 'skipped-human-commits',
    message: `no longer recommended (${reason}), but the branch has a commit stackfit did not write (${head.sha.slice(0, 7)} by ${who}); left PR #${pr.number} open with a comment`,
  };
}

type Outcome = Pick<PrGroupResult, 'action' | 'message'> & Partial<PrGroupResult>;

/** One group: update its open PR, or open one, or say why not; records the outcome. */
async function proposeGroup(run: LiveRun, group: Group): Promise<void> {
  const { gh } = run;
  const before = { ...gh.calls };
  const p = prepareGroup(run.input, group, run.base.text);
  const outcome = await groupOutcome(run, p);
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
  run.result.groups.push(entry);
  run.log(
    `${p.branch}: ${entry.action}${entry.number !== undefined ? ` #${entry.number}` : ''} — ${entry.message} (${entry.apiCalls} API calls, ${entry.writeCalls} writes)`,
  );
}

const fingerprintOf = (pr: PullRequest) => parsePrMarkers(pr.body).fingerprint;

async function groupOutcome(run: LiveRun, p: Prepared): Promise<Outcome> {
  const { gh, repo, prConfig } = run;
  if (p.edits.length === 0) return { action: 'nothing-to-edit', message: `all ${p.manual.length} change(s) need a manual edit; no PR` };
  const pulls = (await gh.listPulls(repo, { state: 'all', head: p.branch })).sort((a, b) => b.number - a.number);
  const open = pulls.find((pr) => pr.state === 'open');
  if (open) return updateOpenPull(run, p, open, pulls);

  // A PR stackfit autoclosed was not turned down by a person: the change may come back.
  const closedSame = pulls.find((pr) => pr.state === 'closed' && !isAutoclosed(pr) && fingerprintOf(pr) === p.fingerprint);
  if (closedSame) {
    return {
      action: 'skipped-closed',
      number: closedSame.number,
      url: closedSame.url,
      message: `PR #${closedSame.number} with this same recommendation was ${closedSame.merged ? 'merged' : 'closed without merging'}; not reopening it`,
    };
  }
  if (run.created >= prConfig.maxNewPerRun || run.open >= prConfig.maxOpen) {
    return {
      action: 'skipped-limit',
      message:
        run.created >= prConfig.maxNewPerRun
          ? `pr.maxNewPerRun (${prConfig.maxNewPerRun}) PRs already opened in this run`
          : `pr.maxOpen (${prConfig.maxOpen}) stackfit PRs already open`,
    };
  }
  return openNewPull(run, p, pulls);
}

async function updateOpenPull(run: LiveRun, p: Prepared, open: PullRequest, pulls: readonly PullRequest[]): Promise<Outcome> {
  const { gh, repo, prConfig, base, input } = run;
  const head = await gh.getCommit(repo, open.headSha);
  if (!isStackfitCommit(head, run.identity)) {
    const who = `${head.author.name} <${head.author.email}>`;
    await noteHumanCommits(gh, repo, open, who);
    return {
      action: 'skipped-human-commits',
      number: open.number,
      url: open.url,
      message: `branch has a commit stackfit did not write (${head.sha.slice(0, 7)} by ${who}); leaving PR #${open.number} alone`,
    };
  }
  const missingLabels = prConfig.labels.filter((l) => !open.labels.includes(l));
  const body = p.body(noteForClosed(pulls, p.fingerprint, fingerprintOf));
  const refreshText = async (): Promise<boolean> => {
    const textChanged = open.title !== p.title || normalise(open.body) !== normalise(body);
    if (textChanged) await gh.updatePull(repo, open.number, { title: p.title, body });
    if (missingLabels.length > 0) await gh.addLabels(repo, open.number, missingLabels);
    return textChanged;
  };
  const where = { number: open.number, url: open.url };
  // The commit's parent is the base it was built on; a moved base matters only if it moved
  // under the config file (compare the file, not the commit: unrelated commits cost no write).
  const builtOn = head.parents[0];
  const sameRecommendation = fingerprintOf(open) === p.fingerprint;
  const fileMoved =
    sameRecommendation &&
    builtOn !== undefined &&
    builtOn !== base.sha &&
    (await gh.getFileText(repo, builtOn, input.configFile)) !== base.text;
  if (fileMoved) {
    await run.git.moveBranch(p.branch, await run.git.writeCommit(p.title, p.fingerprint, p.newText), open.headSha);
    const textChanged = await refreshText();
    return {
      action: 'updated',
      ...where,
      message: `${input.configFile} changed on ${base.branch}; regenerated the commit on top of it${textChanged ? ' and updated the PR' : ''}`,
    };
  }
  if (sameRecommendation) {
    const textChanged = await refreshText();
    return {
      action: textChanged || missingLabels.length > 0 ? 'updated' : 'unchanged',
      ...where,
      message: textChanged
        ? 'same recommendation; refreshed the description'
        : missingLabels.length > 0
          ? 'same recommendation; added missing labels'
          : 'same recommendation; nothing to do',
    };
  }
  await run.git.moveBranch(p.branch, await run.git.writeCommit(p.title, p.fingerprint, p.newText), open.headSha);
  await gh.updatePull(repo, open.number, { title: p.title, body });
  if (missingLabels.length > 0) await gh.addLabels(repo, open.number, missingLabels);
  return { action: 'updated', ...where, message: 'recommendation changed; regenerated the branch on the base branch and updated the PR' };
}

async function openNewPull(run: LiveRun, p: Prepared, pulls: readonly PullRequest[]): Promise<Outcome> {
  const { gh, repo, prConfig } = run;
  // The branch may be left over (a closed PR's, or a run that failed midway): reuse it only if
  // its head is stackfit's own commit.
  const existing = await gh.getBranchSha(repo, p.branch);
  if (existing) {
    const head = await gh.getCommit(repo, existing);
    if (!isStackfitCommit(head, run.identity)) {
      return {
        action: 'skipped-human-commits',
        message: `branch ${p.branch} already exists with a commit stackfit did not write (${head.sha.slice(0, 7)} by ${head.author.name} <${head.author.email}>); delete or rename the branch to let stackfit open its PR`,
      };
    }
  }
  const closedNote = noteForClosed(pulls, p.fingerprint, fingerprintOf);
  const body = p.body(closedNote);
  await run.git.moveBranch(p.branch, await run.git.writeCommit(p.title, p.fingerprint, p.newText), existing);
  let pr: PullRequest;
  try {
    pr = await openPull(gh, repo, { title: p.title, body, head: p.branch, base: run.base.branch });
  } catch (err) {
    // No branch without its PR: remove what this run wrote (the next run starts clean).
    const cleanup = await run.git.removeBranch(p.branch).then(
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
    message: closedNote ? 'opened a new PR (an earlier one was closed; this recommendation differs)' : 'opened a new PR',
  };
}

async function noteHumanCommits(gh: GitHubClient, repo: RepoRef, pr: PullRequest, author: string): Promise<void> {
  const comments = await gh.listComments(repo, pr.number);
  if (comments.some((c) => c.body.includes(HUMAN_COMMITS_MARKER))) return;
  await gh.createComment(
    repo,
    pr.number,
    `${HUMAN_COMMITS_MARKER}\nstackfit found a commit on \`${pr.headRef}\` that it did not write (by ${author}), so it will no longer update this PR. ` +
      'Merge or close it as it is; to hand the branch back to stackfit, delete the branch (stackfit opens a fresh PR on its next run).',
  );
}

function noteForClosed(
  pulls: readonly PullRequest[],
  fingerprint: string,
  fingerprintOf: (pr: PullRequest) => string | undefined,
): string | undefined {
  const closed = pulls.find((pr) => pr.state === 'closed' && !pr.merged && !isAutoclosed(pr) && fingerprintOf(pr) !== fingerprint);
  if (!closed) return undefined;
  return `stackfit's earlier PR #${closed.number} for this branch was closed without merging. This recommendation differs from it (another target size, cloud or region), so stackfit proposes it again; closing this one keeps it closed too.`;
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
