import {
  commitFiles,
  deleteRemoteBranch,
  ensureCommit,
  pushBranch,
  readCommit,
  readFileText,
  remoteBranchSha,
  remoteDefaultBranch,
  type LocalGitOptions,
} from '../git-local';
import type { GitBackend } from './contract';

/**
 * Git data through a local checkout and its remote, with plain git: commits are built with
 * plumbing (work tree, index and HEAD untouched) and pushed; reads ask the remote.
 */
export function localGitBackend(opts: LocalGitOptions): GitBackend {
  return {
    defaultBranch: () => remoteDefaultBranch(opts),
    branchSha: (branch) => remoteBranchSha(opts, branch),
    commit: (sha) => readCommit(opts, sha),
    fileText: (sha, file) => readFileText(opts, sha, file),
    async writeCommit({ parent, parentBranch, files, identity, message }) {
      await ensureCommit(opts, parentBranch, parent);
      return (await commitFiles(opts, { parent, files, identity, message })).commit;
    },
    moveBranch: (branch, commit, expected) => pushBranch(opts, branch, commit, expected),
    deleteBranch: (branch) => deleteRemoteBranch(opts, branch),
  };
}
