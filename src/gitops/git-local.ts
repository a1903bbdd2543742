import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackfitError } from '../model';
import type { GitCommit, Identity } from './github/client';

/**
 * local-git mode: build stackfit's commit with plain git plumbing in an existing checkout (an
 * Actions checkout of the repository) and push it, without touching the work tree, the index or
 * HEAD. Credentials are whatever the checkout already has (actions/checkout persists them).
 */

export interface LocalGitOptions {
  /** The checkout: a work tree or bare repository with the remote. */
  repoDir: string;
  remote?: string;
  /** Extra environment (tests isolate git from the machine's configuration with it). */
  env?: NodeJS.ProcessEnv;
}

function run(opts: LocalGitOptions, args: string[], input?: string, extraEnv: Record<string, string> = {}, raw = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: opts.repoDir, env: { ...(opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0', ...extraEnv }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new StackfitError(
              `git ${args[0] ?? ''} failed: ${String(stderr).trim().split('\n').slice(-3).join(' ') || err.message}`,
              opts.repoDir,
            ),
          );
        } else resolve(raw ? String(stdout) : String(stdout).replace(/\n$/, ''));
      },
    );
    // git may exit before reading its input (e.g. `cat-file -e`): its exit status tells, not EPIPE.
    child.stdin?.on('error', () => {});
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Makes sure the base commit is present locally (fetching the base branch when it is not). */
export async function ensureCommit(opts: LocalGitOptions, baseBranch: string, sha: string): Promise<void> {
  const has = await run(opts, ['cat-file', '-e', `${sha}^{commit}`]).then(
    () => true,
    () => false,
  );
  if (has) return;
  await run(opts, ['fetch', '--no-tags', '--quiet', opts.remote ?? 'origin', `refs/heads/${baseBranch}`]);
  const fetched = await run(opts, ['cat-file', '-e', `${sha}^{commit}`]).then(
    () => true,
    () => false,
  );
  if (!fetched)
    throw new StackfitError(
      `base commit ${sha} of ${baseBranch} is not in the checkout even after fetching; the base branch moved during the run, run again`,
      opts.repoDir,
    );
}

/**
 * Writes `files` on top of `parent` as one commit by `identity`; returns the commit and tree.
 * `message(tree)` builds the message once the tree is known (stackfit records the tree in it).
 */
export async function commitFiles(
  opts: LocalGitOptions,
  input: { parent: string; files: { path: string; content: string }[]; identity: Identity; message: (tree: string) => string },
): Promise<{ commit: string; tree: string }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-index-'));
  const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
  try {
    await run(opts, ['read-tree', input.parent], undefined, env);
    for (const f of input.files) {
      const blob = await run(opts, ['hash-object', '-w', '--stdin'], f.content);
      await run(opts, ['update-index', '--add', '--cacheinfo', `100644,${blob},${f.path}`], undefined, env);
    }
    const tree = await run(opts, ['write-tree'], undefined, env);
    const ident = {
      GIT_AUTHOR_NAME: input.identity.name,
      GIT_AUTHOR_EMAIL: input.identity.email,
      GIT_COMMITTER_NAME: input.identity.name,
      GIT_COMMITTER_EMAIL: input.identity.email,
    };
    const commit = await run(opts, ['commit-tree', tree, '-p', input.parent, '-F', '-'], input.message(tree), ident);
    return { commit, tree };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Pushes `commit` to `branch`. `expected` is the sha stackfit inspected (null: the branch must
 * not exist): `--force-with-lease` refuses if someone pushed in between.
 */
export async function pushBranch(opts: LocalGitOptions, branch: string, commit: string, expected: string | null): Promise<void> {
  await run(opts, [
    'push',
    '--quiet',
    '--no-verify',
    `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
    opts.remote ?? 'origin',
    `${commit}:refs/heads/${branch}`,
  ]);
}

export async function deleteRemoteBranch(opts: LocalGitOptions, branch: string): Promise<void> {
  await run(opts, ['push', '--quiet', '--no-verify', opts.remote ?? 'origin', '--delete', `refs/heads/${branch}`]);
}

/** The remote's default branch (what its HEAD names). */
export async function remoteDefaultBranch(opts: LocalGitOptions): Promise<string> {
  const out = await run(opts, ['ls-remote', '--symref', opts.remote ?? 'origin', 'HEAD']);
  const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out)?.[1];
  if (!branch)
    throw new StackfitError(`the remote ${opts.remote ?? 'origin'} names no default branch (its HEAD is not a branch)`, opts.repoDir);
  return branch;
}

/** The commit a branch of the remote points at; null when the remote has no such branch. */
export async function remoteBranchSha(opts: LocalGitOptions, branch: string): Promise<string | null> {
  const out = await run(opts, ['ls-remote', opts.remote ?? 'origin', `refs/heads/${branch}`]);
  const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
  return line ? line.slice(0, line.indexOf('\t')) : null;
}

/** Fetches a commit by sha when the checkout lacks it (a shallow Actions checkout has only its own head). */
async function haveCommit(opts: LocalGitOptions, sha: string): Promise<void> {
  const present = () =>
    run(opts, ['cat-file', '-e', `${sha}^{commit}`]).then(
      () => true,
      () => false,
    );
  if (await present()) return;
  await run(opts, ['fetch', '--no-tags', '--quiet', opts.remote ?? 'origin', sha]);
  if (!(await present())) throw new StackfitError(`commit ${sha} is not on the remote ${opts.remote ?? 'origin'}`, opts.repoDir);
}

/** A commit's tree, parents, author, committer and message (as the API's git/get-commit gives them). */
export async function readCommit(opts: LocalGitOptions, sha: string): Promise<GitCommit> {
  await haveCommit(opts, sha);
  const raw = await run(opts, ['cat-file', 'commit', sha], undefined, {}, true);
  const split = raw.indexOf('\n\n');
  const header = split < 0 ? raw : raw.slice(0, split);
  const message = split < 0 ? '' : raw.slice(split + 2);
  const person = (role: string) => {
    const m = new RegExp(`^${role} (.*) <([^>]*)> \\d+ [-+]\\d{4}$`, 'm').exec(header);
    return { name: m?.[1] ?? '', email: m?.[2] ?? '' };
  };
  return {
    sha,
    message,
    treeSha: /^tree ([0-9a-f]{40})$/m.exec(header)?.[1] ?? '',
    parents: [...header.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) => m[1]!),
    author: person('author'),
    committer: person('committer'),
  };
}

/** A file's text at a commit; null when the commit has no such file. */
export async function readFileText(opts: LocalGitOptions, sha: string, file: string): Promise<string | null> {
  await haveCommit(opts, sha);
  const blob = await run(opts, ['rev-parse', '--verify', '-q', `${sha}:${file}`]).catch(() => null);
  if (blob === null) return null;
  return run(opts, ['cat-file', 'blob', blob], undefined, {}, true);
}
