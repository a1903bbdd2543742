import type { GitCommit, Identity } from '../github/client';

/**
 * Where the PR run reads and writes git data: branches, commits and the stack config file. Two
 * implementations: the GitHub API (`api.ts`, git-data endpoints) and a local checkout with plain
 * git (`local-git.ts`, `--mode local-git`). Pull requests, labels and comments are not here: both
 * modes handle them through the GitHub client.
 */
export interface GitBackend {
  /** The repository's default branch. */
  defaultBranch(): Promise<string>;
  /** The commit a branch points at; null when there is no such branch. */
  branchSha(branch: string): Promise<string | null>;
  commit(sha: string): Promise<GitCommit>;
  /** A file's text at a commit; null when the file is not there. */
  fileText(sha: string, file: string): Promise<string | null>;
  /** Writes one commit: `files` replaced on top of `parent` (a commit of `parentBranch`); no ref changes. */
  writeCommit(input: CommitInput): Promise<string>;
  /**
   * Points `branch` at `commit`. `expected` is the head the caller inspected (null: the branch is
   * new). local-git pushes with --force-with-lease on it (a push in between is refused); the API
   * has no compare-and-swap for refs, so it creates the branch or force-updates it.
   */
  moveBranch(branch: string, commit: string, expected: string | null): Promise<void>;
  deleteBranch(branch: string): Promise<void>;
}

export interface CommitInput {
  parent: string;
  parentBranch: string;
  files: { path: string; content: string }[];
  identity: Identity;
  /** The message, once the tree is known (stackfit records its tree in the message). */
  message: (tree: string) => string;
}

/** Reads from one backend, writes through another: local-git mode reads through the API (see run.ts). */
export function readsFromWritesTo(reads: GitBackend, writes: GitBackend): GitBackend {
  return {
    defaultBranch: () => reads.defaultBranch(),
    branchSha: (branch) => reads.branchSha(branch),
    commit: (sha) => reads.commit(sha),
    fileText: (sha, file) => reads.fileText(sha, file),
    writeCommit: (input) => writes.writeCommit(input),
    moveBranch: (branch, commit, expected) => writes.moveBranch(branch, commit, expected),
    deleteBranch: (branch) => writes.deleteBranch(branch),
  };
}
