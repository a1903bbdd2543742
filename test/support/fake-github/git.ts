import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Git isolated from the machine's and the user's configuration, with a fixed identity. */
export function isolatedGitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: os.tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Fake GitHub',
    GIT_AUTHOR_EMAIL: 'noreply@github.test',
    GIT_COMMITTER_NAME: 'Fake GitHub',
    GIT_COMMITTER_EMAIL: 'noreply@github.test',
    ...extra,
  };
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function git(cwd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: isolatedGitEnv(opts.env), maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an ExecFileException is an Error; its typings (Omit<>) hide it
        if (err && code === -1) return reject(err);
        resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') });
      },
    );
    child.stdin?.on('error', () => {});
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs git and returns trimmed stdout; throws with stderr on failure. */
export async function gitOk(
  cwd: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<string> {
  const r = await git(cwd, args, opts);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.replace(/\n$/, '');
}

export interface ParsedCommit {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

function parsePerson(line: string): { name: string; email: string; date: string } {
  const m = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!m) throw new Error(`unparseable git identity line: ${line}`);
  return { name: m[1]!, email: m[2]!, date: new Date(Number(m[3]) * 1000).toISOString().replace(/\.000Z$/, 'Z') };
}

export async function readCommit(repoDir: string, sha: string): Promise<ParsedCommit | null> {
  const type = await git(repoDir, ['cat-file', '-t', sha]);
  if (type.code !== 0 || type.stdout.trim() !== 'commit') return null;
  const raw = await gitOk(repoDir, ['cat-file', 'commit', sha]);
  const split = raw.indexOf('\n\n');
  const header = split >= 0 ? raw.slice(0, split) : raw;
  const message = split >= 0 ? raw.slice(split + 2) : '';
  const commit: ParsedCommit = {
    sha,
    tree: '',
    parents: [],
    author: { name: '', email: '', date: '' },
    committer: { name: '', email: '', date: '' },
    message,
  };
  for (const line of header.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') commit.tree = value;
    else if (key === 'parent') commit.parents.push(value);
    else if (key === 'author') commit.author = parsePerson(value);
    else if (key === 'committer') commit.committer = parsePerson(value);
  }
  return commit;
}

/** A fresh bare repository whose `main` holds `files` in one initial commit. */
export async function createBareRepo(files: Record<string, string>, dir?: string): Promise<string> {
  const bare = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fake-github-'));
  await gitOk(bare, ['init', '-q', '--bare', '-b', 'main']);
  if (Object.keys(files).length > 0) {
    const index = path.join(bare, 'seed-index');
    const env = { GIT_INDEX_FILE: index };
    await gitOk(bare, ['read-tree', '--empty'], { env });
    for (const [file, content] of Object.entries(files)) {
      const blob = await gitOk(bare, ['hash-object', '-w', '--stdin'], { input: content });
      await gitOk(bare, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
    }
    const tree = await gitOk(bare, ['write-tree'], { env });
    fs.rmSync(index, { force: true });
    const commit = await gitOk(bare, ['commit-tree', tree, '-m', 'Initial commit']);
    await gitOk(bare, ['update-ref', 'refs/heads/main', commit]);
  }
  return bare;
}
