import type { GitHubClient, RepoRef } from '../github/client';
import type { GitBackend } from './contract';

/** Git data through the GitHub API (git-data endpoints): one tree and one commit call per commit. */
export function apiGitBackend(gh: GitHubClient, repo: RepoRef): GitBackend {
  // A run builds every group's commit on the same base: read its tree once.
  const trees = new Map<string, string>();
  return {
    async defaultBranch() {
      return (await gh.getRepo(repo)).defaultBranch;
    },
    branchSha: (branch) => gh.getBranchSha(repo, branch),
    commit: (sha) => gh.getCommit(repo, sha),
    fileText: (sha, file) => gh.getFileText(repo, sha, file),
    async writeCommit({ parent, files, identity, message }) {
      let baseTree = trees.get(parent);
      if (baseTree === undefined) {
        baseTree = (await gh.getCommit(repo, parent)).treeSha;
        trees.set(parent, baseTree);
      }
      const tree = await gh.createTree(repo, baseTree, files);
      return gh.createCommit(repo, { message: message(tree), tree, parents: [parent], author: identity, committer: identity });
    },
    async moveBranch(branch, commit, expected) {
      if (expected === null && (await gh.createBranch(repo, branch, commit)) === 'created') return;
      await gh.updateBranch(repo, branch, commit, true);
    },
    deleteBranch: (branch) => gh.deleteBranch(repo, branch),
  };
}
