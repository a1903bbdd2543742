import { createTwoFilesPatch } from 'diff';
import type { StackfitConfig } from '../config/schema';
import { StackfitError, type Plan, type PlanItem } from '../model';
import { apiGitBackend, localGitBackend, readsFromWritesTo, type GitBackend } from './backend';
import { planToEdits } from './edits';
import { GitHubApiError, type GitHubClient, type Identity, type RepoRef } from './github/client';
import { explicitMappingFor, samePlaceValue } from './mapping';
import { isStackPull, STACKFIT_IDENTITY, stalePulls } from './pr-decision';
import { proposeGroup, retireStalePull, type LiveRun } from './pr-executor';
import { actionableItems, branchNameFor, planFingerprint, renderPrBody, renderPrTitle } from './pr-text';
import type { Base, Group, PreparedGroup, PrRunResult } from './pr-types';
import { applyConfigEdits, formatRef, locateScalar, parseStackConfig, type LocateResult } from './updaters/stack-config';

export { AUTOCLOSED_MARKER, isAutoclosed, isStackfitCommit, isStackPull, STACKFIT_IDENTITY } from './pr-decision';
export type { ChangedInConfig, PrAction, PrGroupResult, PrRunResult } from './pr-types';

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
 *
 * The run is a pure decision (pr-decision.ts: observed state → action) and an executor
 * (pr-executor.ts) over a GitBackend (backend/: the API, or a local checkout) and the GitHub
 * client; this file prepares the groups and the dry run and wires the two together.
 */

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
  /**
   * Some input of the plan failed (a usage source not read) and the caller runs anyway: no stale
   * PR is closed, since a missing change is then no proof that it is no longer recommended.
   */
  inputsFailed?: boolean;
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
function prepareGroup(input: PrepareInput, group: Group, baseText: string): PreparedGroup {
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
    const git = gitBackendFor(input, gh, repo);
    const base: Base = { branch: prConfig.baseBranch ?? '', sha: '', text: '' };
    let groups: Group[] = [];
    if (stackItems.length > 0) {
      Object.assign(base, await readBase(input, git, repo));
      result.baseBranch = base.branch;
      groups = groupsOn(input, stackItems, result, log, base.text, `${input.configFile} on ${base.branch}`);
    }
    const run: LiveRun = {
      stack: input.stack,
      configFile: input.configFile,
      prConfig,
      identity: input.identity ?? STACKFIT_IDENTITY,
      log,
      groups: result.groups,
      changedInConfig: result.changedInConfig,
      gh,
      repo,
      git,
      base,
      prepare: (group) => prepareGroup(input, group, base.text),
      created: 0,
      open: 0,
    };

    // Stale PRs first: closing them frees room under pr.maxOpen for this run's new ones.
    const branches = new Set(groups.map((g) => branchNameFor({ prefix: prConfig.branchPrefix, stack: input.stack, group: g.name })));
    let autoclosed = 0;
    for (const pr of stalePulls(stackPulls, branches, { inputsFailed: input.inputsFailed === true })) {
      if ((await retireStalePull(run, pr)) === 'autoclosed') autoclosed += 1;
    }
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

/**
 * The run's git data. local-git mode writes (commits, pushes, deletes) with plain git in the
 * checkout but reads through the API, as before the split: an Actions checkout is shallow and
 * lacks the PR branches' heads, which one API call each reads without a fetch.
 */
function gitBackendFor(input: RunPullRequestsInput, gh: GitHubClient, repo: RepoRef): GitBackend {
  const api = apiGitBackend(gh, repo);
  if (input.mode !== 'local-git') return api;
  return readsFromWritesTo(api, localGitBackend({ repoDir: input.localRepoDir ?? process.cwd(), env: input.gitEnv }));
}

/** The base branch, its head commit and the stack config there. */
async function readBase(input: RunPullRequestsInput, git: GitBackend, repo: RepoRef): Promise<Base> {
  const branch = input.config.pr.baseBranch ?? (await git.defaultBranch());
  const sha = await git.branchSha(branch);
  if (!sha) throw new StackfitError(`base branch ${branch} not found in ${repo.owner}/${repo.repo}`, 'pr.baseBranch');
  const text = await git.fileText(sha, input.configFile);
  if (text === null)
    throw new StackfitError(`not on branch ${branch} of ${repo.owner}/${repo.repo}: commit the stack config first`, input.configFile);
  return { branch, sha, text };
}
