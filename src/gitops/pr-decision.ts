import type { GitCommit, Identity, PullRequest } from './github/client';
import { branchNameFor, parsePrMarkers } from './pr-text';

/**
 * The PR run's decisions, as pure functions of what the run observed: no I/O, no client. The
 * executor (pr-executor.ts) observes what a decision asks for, then applies the decision through
 * the GitBackend and the GitHub client. The rules are listed in docs/DEVELOPING.md ("The PR run").
 */

/** The identity of stackfit's commits; a commit by anyone else stops stackfit touching a branch. */
export const STACKFIT_IDENTITY: Identity = { name: 'stackfit[bot]', email: 'stackfit-bot@users.noreply.github.com' };

export const TREE_TRAILER = 'Stackfit-Tree';
/** In the body of a PR stackfit closed itself: such a PR does not count as "closed by a person". */
export const AUTOCLOSED_MARKER = '<!-- stackfit:autoclosed -->';

/** A pull request as the decisions see it. */
export type PullView = Pick<PullRequest, 'number' | 'url' | 'state' | 'merged' | 'title' | 'body' | 'headRef' | 'headSha' | 'labels'>;

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

const fingerprintOf = (pr: Pick<PullRequest, 'body'>) => parsePrMarkers(pr.body).fingerprint;
const normalise = (s: string) => s.replace(/\r\n/g, '\n').trim();

export interface RunFlags {
  /** Some input of the plan failed (usage not read): a missing change is no proof it is stale. */
  inputsFailed: boolean;
}

/**
 * The stack's open stackfit PRs that no group of this run proposes on: to retire. None when the
 * run's inputs failed (a workload without usage has no change, which is not "no longer recommended").
 */
export function stalePulls<P extends Pick<PullRequest, 'headRef'>>(
  stackPulls: readonly P[],
  groupBranches: ReadonlySet<string>,
  flags: RunFlags,
): P[] {
  if (flags.inputsFailed) return [];
  return stackPulls.filter((pr) => !groupBranches.has(pr.headRef));
}

/** A stale PR: closed (and its branch deleted) only when its head is stackfit's own commit. */
export function decideStale(head: GitCommit, identity: Identity): 'autoclose' | 'leave-to-person' {
  return isStackfitCommit(head, identity) ? 'autoclose' : 'leave-to-person';
}

/** What the run knows about one group: its prepared change, the budget, and what was observed so far. */
export interface GroupFacts {
  branch: string;
  title: string;
  fingerprint: string;
  edits: number;
  /** The configured labels (pr.labels). */
  labels: readonly string[];
  /** The PR body, with a note on an earlier PR closed by a person (pure). */
  renderBody: (closedNote?: string) => string;
  base: { sha: string; text: string };
  identity: Identity;
  /** PRs opened by this run and stackfit PRs open now, against pr.maxNewPerRun and pr.maxOpen. */
  budget: { created: number; open: number; maxNewPerRun: number; maxOpen: number };
  /** Observed on request: every PR (open or closed) of the branch, newest first. */
  pulls?: readonly PullView[];
  /** The open PR's head commit. */
  openHead?: GitCommit;
  /** The config file at the commit the open PR's head was built on. */
  builtOnText?: string | null;
  /** With no open PR: the branch's head (null: no branch) and its commit. */
  branchSha?: string | null;
  branchHead?: GitCommit;
}

/** What a decision needs observed before it can decide. */
export type Observation =
  | { need: 'pulls' }
  | { need: 'open-head'; sha: string }
  | { need: 'built-on-text'; sha: string }
  | { need: 'branch-sha' }
  | { need: 'branch-head'; sha: string };

export type GroupDecision =
  /** Every change needs a manual edit: nothing to commit. */
  | { kind: 'nothing-to-edit' }
  /** The open PR's branch has a commit stackfit did not write: never force-push it; say so once. */
  | { kind: 'leave-human-pull'; pull: PullView; head: GitCommit }
  /** Same recommendation on the same base file: refresh title/body/labels only, no push. */
  | { kind: 'refresh-pull'; pull: PullView; body: string; updateText: boolean; addLabels: string[] }
  /** A new commit on the base, force-pushed over stackfit's own head (the lease is that head). */
  | {
      kind: 'regenerate';
      pull: PullView;
      why: 'base-moved' | 'recommendation-changed';
      body: string;
      updateText: boolean;
      addLabels: string[];
    }
  /** A person closed (or merged) a PR with this same recommendation: not proposed again. */
  | { kind: 'skip-closed'; pull: PullView }
  | { kind: 'skip-limit'; limit: 'maxNewPerRun' | 'maxOpen' }
  /** No open PR, but the branch exists with someone else's commit: left alone. */
  | { kind: 'leave-human-branch'; head: GitCommit }
  /** Write the branch (over stackfit's own leftover when `expected` is set) and open a PR. */
  | { kind: 'create'; expected: string | null; body: string; afterClosed: boolean };

export type GroupStep = Observation | { decision: GroupDecision };

/** One group: the next observation it needs, or what to do. */
export function decideGroup(f: GroupFacts): GroupStep {
  if (f.edits === 0) return { decision: { kind: 'nothing-to-edit' } };
  if (f.pulls === undefined) return { need: 'pulls' };
  const open = f.pulls.find((pr) => pr.state === 'open');
  if (open) return decideOpenPull(f, open, f.pulls);

  // A PR stackfit autoclosed was not turned down by a person: the change may come back.
  const closedSame = f.pulls.find((pr) => pr.state === 'closed' && !isAutoclosed(pr) && fingerprintOf(pr) === f.fingerprint);
  if (closedSame) return { decision: { kind: 'skip-closed', pull: closedSame } };
  if (f.budget.created >= f.budget.maxNewPerRun) return { decision: { kind: 'skip-limit', limit: 'maxNewPerRun' } };
  if (f.budget.open >= f.budget.maxOpen) return { decision: { kind: 'skip-limit', limit: 'maxOpen' } };

  // The branch may be left over (a closed PR's, or a run that failed midway): reuse it only if
  // its head is stackfit's own commit.
  if (f.branchSha === undefined) return { need: 'branch-sha' };
  if (f.branchSha !== null) {
    if (f.branchHead === undefined) return { need: 'branch-head', sha: f.branchSha };
    if (!isStackfitCommit(f.branchHead, f.identity)) return { decision: { kind: 'leave-human-branch', head: f.branchHead } };
  }
  const closedNote = noteForClosed(f.pulls, f.fingerprint);
  return { decision: { kind: 'create', expected: f.branchSha, body: f.renderBody(closedNote), afterClosed: closedNote !== undefined } };
}

function decideOpenPull(f: GroupFacts, open: PullView, pulls: readonly PullView[]): GroupStep {
  if (f.openHead === undefined) return { need: 'open-head', sha: open.headSha };
  const head = f.openHead;
  if (!isStackfitCommit(head, f.identity)) return { decision: { kind: 'leave-human-pull', pull: open, head } };
  const addLabels = f.labels.filter((l) => !open.labels.includes(l));
  const body = f.renderBody(noteForClosed(pulls, f.fingerprint));
  const textChanged = open.title !== f.title || normalise(open.body) !== normalise(body);
  if (fingerprintOf(open) !== f.fingerprint) {
    return { decision: { kind: 'regenerate', pull: open, why: 'recommendation-changed', body, updateText: true, addLabels } };
  }
  // The commit's parent is the base it was built on; a moved base matters only if it moved
  // under the config file (compare the file, not the commit: unrelated commits cost no write).
  const builtOn = head.parents[0];
  if (builtOn !== undefined && builtOn !== f.base.sha) {
    if (f.builtOnText === undefined) return { need: 'built-on-text', sha: builtOn };
    if (f.builtOnText !== f.base.text) {
      return { decision: { kind: 'regenerate', pull: open, why: 'base-moved', body, updateText: textChanged, addLabels } };
    }
  }
  return { decision: { kind: 'refresh-pull', pull: open, body, updateText: textChanged, addLabels } };
}

/** A note for the body when a person closed an earlier PR of this branch with another recommendation. */
export function noteForClosed(pulls: readonly PullView[], fingerprint: string): string | undefined {
  const closed = pulls.find((pr) => pr.state === 'closed' && !pr.merged && !isAutoclosed(pr) && fingerprintOf(pr) !== fingerprint);
  if (!closed) return undefined;
  return `stackfit's earlier PR #${closed.number} for this branch was closed without merging. This recommendation differs from it (another target size, cloud or region), so stackfit proposes it again; closing this one keeps it closed too.`;
}
