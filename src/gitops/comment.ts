import type { Octokit } from '@octokit/rest';
import { commentTag, validAtOf } from '../report/comment';

/** Infracost's behaviours for the one cost comment per PR. */
export const COMMENT_BEHAVIORS = ['update', 'new', 'delete-and-new', 'hide-and-new'] as const;
export type CommentBehavior = (typeof COMMENT_BEHAVIORS)[number];

export interface UpsertCommentInput {
  octokit: Octokit;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  /**
   * The commit the estimate is for: when the PR's head has moved on, the run is stale and
   * posts nothing (a later run for the new head will).
   */
  headSha?: string;
  behavior: CommentBehavior;
  /** The change moves no cost: post nothing unless a comment is already there to correct. */
  noChange?: boolean;
}

export type CommentOutcome =
  | { action: 'created' | 'updated'; id: number; url: string }
  | { action: 'unchanged' | 'stale'; id: number; url: string }
  /** The run's commit is no longer the PR head: nothing written. */
  | { action: 'superseded'; headSha: string }
  | { action: 'skipped' };

/** The part of a body that carries meaning: everything but the valid-at stamp and the "Updated" line. */
function substance(body: string): string {
  return body
    .replace(/<!-- stackfit-valid-at=[^>]* -->/, '')
    .replace(/<sub>[^<]*Updated [^<]*<\/sub>/, '')
    .trim();
}

/**
 * Posts or updates stackfit's one cost comment on a PR: found by its hidden tag, left alone when
 * nothing changed, never written by a run whose commit is no longer the PR head, and never
 * overwritten by an older commit's estimate (valid-at: the commit's time, not the render time).
 */
export async function upsertCostComment(input: UpsertCommentInput): Promise<CommentOutcome> {
  const { octokit, owner, repo, issueNumber, body } = input;
  const tag = commentTag();
  if (input.headSha) {
    const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: issueNumber });
    if (pr.head.sha !== input.headSha) return { action: 'superseded', headSha: pr.head.sha };
  }
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
  const ours = comments.filter((c) => c.body?.includes(tag));
  // Earlier versions posted one comment per stack (`stackfit-cost-comment stack=<name>`): each
  // is outdated once the per-PR comment exists, so every write below retires them.
  const legacy = comments.filter((c) => LEGACY_TAG.test(c.body ?? ''));
  const latest = ours[ours.length - 1];
  // Less noise: a PR that changes no compute gets no comment (one posted earlier is corrected below).
  if (!latest && legacy.length === 0 && input.noChange) return { action: 'skipped' };
  if (!latest && legacy.length > 0) return replaceLegacy(input, legacy);

  if (latest) {
    const theirs = validAtOf(latest.body ?? '');
    const mine = validAtOf(body);
    if (theirs && mine && theirs > mine) return { action: 'stale', id: latest.id, url: latest.html_url };
    await retireLegacy(input, legacy);
    if (substance(latest.body ?? '') === substance(body)) return { action: 'unchanged', id: latest.id, url: latest.html_url };
    if (input.behavior === 'update') {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: latest.id, body });
      return { action: 'updated', id: data.id, url: data.html_url };
    }
    if (input.behavior === 'delete-and-new') {
      for (const c of ours) await octokit.rest.issues.deleteComment({ owner, repo, comment_id: c.id });
    } else if (input.behavior === 'hide-and-new') {
      // GitHub has no REST call to minimise a comment; fold the old body instead, keeping it readable.
      for (const c of ours) {
        if (c.body?.startsWith('<details>')) continue;
        const folded = `<details><summary>Outdated stackfit cost estimate</summary>\n\n${(c.body ?? '').replace(tag, '<!-- stackfit-cost-comment outdated -->')}\n</details>\n`;
        await octokit.rest.issues.updateComment({ owner, repo, comment_id: c.id, body: folded });
      }
    }
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: data.id, url: data.html_url };
}

/** The per-stack tag of versions before the one comment per PR (a folded one reads `stackfit-cost-comment outdated`). */
const LEGACY_TAG = /<!-- stackfit-cost-comment stack=[^>]* -->/;

type IssueComment = { id: number; body?: string | undefined; html_url: string };

/** Deletes old per-stack comments; with `hide-and-new`, folds them as that mode does its own. */
async function retireLegacy(input: UpsertCommentInput, legacy: readonly IssueComment[]): Promise<void> {
  const { octokit, owner, repo } = input;
  for (const c of legacy) {
    if (input.behavior === 'hide-and-new') {
      const folded = `<details><summary>Outdated stackfit cost estimate</summary>\n\n${(c.body ?? '').replace(LEGACY_TAG, '<!-- stackfit-cost-comment outdated -->')}\n</details>\n`;
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: c.id, body: folded });
    } else {
      await octokit.rest.issues.deleteComment({ owner, repo, comment_id: c.id });
    }
  }
}

/**
 * Only per-stack comments from an earlier version are on the PR: the per-PR comment replaces
 * them. With `update`, the newest is rewritten in place (the PR's timeline keeps its place) and
 * the rest retired; otherwise all are retired and the comment created. Their valid-at stamps are
 * render times from the old version, so they are never compared with this run's.
 */
async function replaceLegacy(input: UpsertCommentInput, legacy: readonly IssueComment[]): Promise<CommentOutcome> {
  const { octokit, owner, repo, issueNumber, body } = input;
  if (input.behavior === 'update') {
    const newest = legacy[legacy.length - 1]!;
    await retireLegacy(input, legacy.slice(0, -1));
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: newest.id, body });
    return { action: 'updated', id: data.id, url: data.html_url };
  }
  await retireLegacy(input, legacy);
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: data.id, url: data.html_url };
}
