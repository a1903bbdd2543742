import type BottleneckClass from 'bottleneck';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { StackfitError } from '../../model';
import { redact, safeOutput } from '../../redact';

/**
 * The GitHub REST client of the PR bot: Octokit with retries (5xx, network) and throttling
 * (primary and secondary rate limits, GitHub's recommended pacing of writes), every response the
 * bot relies on parsed with zod, every error turned into one clear message that never carries the
 * token.
 */

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface GitHubClientOptions {
  /** Token; default `GITHUB_TOKEN`. Never logged, never put into messages. */
  token?: string;
  /** REST API root; default `GITHUB_API_URL` or https://api.github.com (GitHub Enterprise: `https://HOST/api/v3`). */
  baseUrl?: string;
  /** Retries of a failed request (5xx, network errors); default 3. */
  retries?: number;
  /** Retries after hitting a rate limit; default 2. */
  rateLimitRetries?: number;
  /** Longest rate-limit wait (seconds) stackfit accepts before giving up; default 600. */
  maxRateLimitWaitSeconds?: number;
  /**
   * Milliseconds per unit of back-off: plugin-retry waits (n+1)² units before retry n, the
   * throttler `retry-after` units. Default 1000 (seconds); tests pass a small value.
   */
  retryBaseMs?: number;
  /** Minimum gap between writes; default GitHub's advice (1 s, 3 s for notifying writes). */
  writeIntervalMs?: number;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Why a call failed, with the HTTP status and GitHub's message (token scrubbed). */
export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly operation: string,
    readonly githubMessage: string,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

// Octokit and its plugins load when a client is made: `pr --dry-run` and commands that never
// call GitHub do not pay for them.
const requireLazily = createRequire(__filename);
let restOctokitClass: ReturnType<typeof loadRestOctokit> | undefined;
function loadRestOctokit() {
  const { Octokit } = requireLazily('@octokit/rest') as typeof import('@octokit/rest');
  const { retry } = requireLazily('@octokit/plugin-retry') as typeof import('@octokit/plugin-retry');
  const { throttling } = requireLazily('@octokit/plugin-throttling') as typeof import('@octokit/plugin-throttling');
  return Octokit.plugin(retry, throttling);
}
export type StackfitOctokit = InstanceType<ReturnType<typeof loadRestOctokit>>;

const refSchema = z.object({ ref: z.string(), object: z.object({ sha: z.string(), type: z.string() }) });
const personSchema = z.object({ name: z.string(), email: z.string(), date: z.string().optional() });
const commitSchema = z.object({
  sha: z.string(),
  message: z.string(),
  tree: z.object({ sha: z.string() }),
  parents: z.array(z.object({ sha: z.string() })),
  author: personSchema,
  committer: personSchema,
});
const treeSchema = z.object({ sha: z.string() });
const pullSchema = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  title: z.string(),
  body: z.string().nullable(),
  merged_at: z.string().nullable(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
  user: z.object({ login: z.string() }).nullable(),
  labels: z.array(z.object({ name: z.string() })),
});
const repoSchema = z.object({ default_branch: z.string(), full_name: z.string() });
const contentSchema = z.object({ type: z.literal('file'), encoding: z.string(), content: z.string() });
const commentSchema = z.object({
  id: z.number().int(),
  body: z.string().optional(),
  html_url: z.string(),
  user: z.object({ login: z.string() }).nullable(),
});

export interface GitCommit {
  sha: string;
  message: string;
  treeSha: string;
  parents: string[];
  author: { name: string; email: string };
  committer: { name: string; email: string };
}

export interface PullRequest {
  number: number;
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  author?: string;
  labels: string[];
}

export interface IssueComment {
  id: number;
  body: string;
  url: string;
  author?: string;
}

export interface Identity {
  name: string;
  email: string;
}

/** Replaces every occurrence of the secret in a text, then every other credential (src/redact.ts). */
export function scrubSecret(text: string, secret: string | undefined): string {
  return redact(secret ? text.split(secret).join('***') : text);
}

function toPull(raw: unknown, where: string): PullRequest {
  const p = parseResponse(pullSchema, raw, where);
  return {
    number: p.number,
    url: p.html_url,
    state: p.state,
    merged: p.merged_at !== null,
    title: p.title,
    body: p.body ?? '',
    headRef: p.head.ref,
    headSha: p.head.sha,
    baseRef: p.base.ref,
    author: p.user?.login,
    labels: p.labels.map((l) => l.name),
  };
}

function parseResponse<T extends z.ZodType>(schema: T, raw: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new StackfitError(
      `unexpected GitHub response: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
      where,
    );
  }
  return r.data;
}

export function createOctokit(options: GitHubClientOptions = {}): { octokit: StackfitOctokit; baseUrl: string; token: string } {
  const env = options.env ?? process.env;
  const token = options.token ?? env.GITHUB_TOKEN ?? '';
  if (!token) {
    throw new StackfitError(
      'no GitHub token: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`)',
      'GITHUB_TOKEN',
    );
  }
  const baseUrl = (options.baseUrl ?? env.GITHUB_API_URL ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new StackfitError(`not a URL: "${redact(baseUrl)}"`, options.baseUrl ? 'GitHub API URL' : 'GITHUB_API_URL');
  }
  // fetch refuses such URLs anyway (after retries); say why, and never echo the credential.
  if (parsed.username || parsed.password) {
    throw new StackfitError(
      'the GitHub API URL holds credentials (user:password@); give the token in GITHUB_TOKEN instead',
      options.baseUrl ? 'GitHub API URL' : 'GITHUB_API_URL',
    );
  }
  const log = options.log ?? (() => {});
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const maxWait = options.maxRateLimitWaitSeconds ?? 600;
  const baseMs = options.retryBaseMs ?? 1000;
  const onLimit = (kind: string) => (retryAfter: number, opts: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
    const what = `${opts.method ?? ''} ${opts.url ?? ''}`.trim();
    if (retryCount < rateLimitRetries && retryAfter <= maxWait) {
      log(`GitHub ${kind} rate limit on ${what}: retrying in ${retryAfter}s`);
      return true;
    }
    log(`GitHub ${kind} rate limit on ${what}: giving up`);
    return false;
  };
  const Bottleneck = requireLazily('bottleneck') as typeof BottleneckClass;
  const pacing =
    options.writeIntervalMs !== undefined
      ? {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeIntervalMs }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeIntervalMs }),
        }
      : {};
  const RestOctokit = (restOctokitClass ??= loadRestOctokit());
  const octokit = new RestOctokit({
    auth: token,
    baseUrl,
    userAgent: 'stackfit',
    // Octokit's default logger prints warnings (with URLs) to the console; route them through ours.
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => log(scrubSecret(String(m), token)),
      error: (m: string) => log(scrubSecret(String(m), token)),
    },
    retry: { retries: options.retries ?? 3, retryAfterBaseValue: baseMs },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: baseMs,
      fallbackSecondaryRateRetryAfter: 60,
      ...pacing,
    },
  });
  return { octokit, baseUrl, token };
}

/** Call counts: every logical API call (retries of one call count once). */
export interface CallCounts {
  total: number;
  writes: number;
}

export class GitHubClient {
  readonly octokit: StackfitOctokit;
  readonly baseUrl: string;
  readonly calls: CallCounts = { total: 0, writes: 0 };
  private readonly token: string;

  constructor(options: GitHubClientOptions = {}) {
    const { octokit, baseUrl, token } = createOctokit(options);
    this.octokit = octokit;
    this.baseUrl = baseUrl;
    this.token = token;
  }

  /** Runs one API call, counting it and turning failures into GitHubApiError / StackfitError. */
  private async call<T>(operation: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    this.calls.total += 1;
    if (write) this.calls.writes += 1;
    try {
      return await fn();
    } catch (err) {
      throw this.explain(err, operation);
    }
  }

  private explain(err: unknown, operation: string): Error {
    if (err instanceof StackfitError) return new StackfitError(scrubSecret(err.message, this.token));
    const e = err as { status?: unknown; message?: unknown; response?: { data?: unknown } };
    const status = typeof e.status === 'number' ? e.status : 0;
    const data = (e.response?.data ?? {}) as { message?: unknown; errors?: { message?: unknown; code?: unknown; field?: unknown }[] };
    const details = Array.isArray(data.errors)
      ? data.errors.map((x) => (typeof x.message === 'string' ? x.message : [x.field, x.code].filter(Boolean).join(' '))).filter(Boolean)
      : [];
    const ghMessage = scrubSecret(
      [typeof data.message === 'string' ? data.message : String(e.message ?? err), ...details].join(': '),
      this.token,
    );
    const where = `${this.baseUrl} (${operation})`;
    if (status === 401) {
      return new StackfitError(`GitHub rejected the token (401 ${ghMessage}): set GITHUB_TOKEN to a valid token`, where);
    }
    if (status === 403 && /not permitted to create or approve pull requests/i.test(ghMessage)) {
      // Not a scope problem: the repository forbids GITHUB_TOKEN to open PRs (and PRs it opens
      // would trigger no workflows anyway). docs/github-action.md: use a GitHub App token.
      return new StackfitError(
        `GitHub refused to let the workflow's GITHUB_TOKEN open a pull request (403 ${ghMessage}): turn on "Allow GitHub Actions to create and approve pull requests" (repository or organization Settings → Actions → General → Workflow permissions), or better, pass a GitHub App installation token as \`token\` so the PR also triggers your checks`,
        where,
      );
    }
    if (status === 403 && !/rate limit/i.test(ghMessage)) {
      return new StackfitError(
        `the token may not do this (403 ${ghMessage}): it needs "contents: write" and "pull-requests: write" on the repository`,
        where,
      );
    }
    if (status === 0) return new StackfitError(`cannot reach GitHub: ${ghMessage}`, where);
    return new GitHubApiError(`${where}: ${status} ${ghMessage}`, status, operation, ghMessage);
  }

  async getRepo(r: RepoRef): Promise<{ defaultBranch: string; fullName: string }> {
    try {
      const res = await this.call('repos.get', false, () => this.octokit.rest.repos.get({ ...r }));
      const repo = parseResponse(repoSchema, res.data, `${this.baseUrl}/repos/${r.owner}/${r.repo}`);
      return { defaultBranch: repo.default_branch, fullName: repo.full_name };
    } catch (err) {
      throw this.repoNotFound(err, r);
    }
  }

  /** A 404 on a repository-wide call means the repository is missing or hidden from the token. */
  private repoNotFound(err: unknown, r: RepoRef): unknown {
    if (err instanceof GitHubApiError && err.status === 404) {
      const slug = scrubSecret(`${r.owner}/${r.repo}`, this.token);
      return new StackfitError(
        `repository ${slug} not found, or the token cannot see it (404): check --repo / GITHUB_REPOSITORY and the token's access`,
        `${this.baseUrl}/repos/${slug}`,
      );
    }
    return err;
  }

  /** The commit a branch points at; null when the branch does not exist. */
  async getBranchSha(r: RepoRef, branch: string): Promise<string | null> {
    try {
      const res = await this.call('git.getRef', false, () => this.octokit.rest.git.getRef({ ...r, ref: `heads/${branch}` }));
      const ref = parseResponse(refSchema, res.data, `refs/heads/${branch}`);
      return ref.object.sha;
    } catch (err) {
      if (err instanceof GitHubApiError && err.status === 404) return null;
      throw err;
    }
  }

  async getCommit(r: RepoRef, sha: string): Promise<GitCommit> {
    const res = await this.call('git.getCommit', false, () => this.octokit.rest.git.getCommit({ ...r, commit_sha: sha }));
    const c = parseResponse(commitSchema, res.data, `commit ${sha}`);
    return {
      sha: c.sha,
      message: c.message,
      treeSha: c.tree.sha,
      parents: c.parents.map((p) => p.sha),
      author: { name: c.author.name, email: c.author.email },
      committer: { name: c.committer.name, email: c.committer.email },
    };
  }

  /** A file's text at a ref; null when absent. */
  async getFileText(r: RepoRef, ref: string, file: string): Promise<string | null> {
    try {
      const res = await this.call('repos.getContent', false, () => this.octokit.rest.repos.getContent({ ...r, path: file, ref }));
      const c = parseResponse(contentSchema, res.data, `${file}@${ref}`);
      if (c.encoding !== 'base64') throw new StackfitError(`unexpected content encoding ${c.encoding}`, `${file}@${ref}`);
      return Buffer.from(c.content, 'base64').toString('utf8');
    } catch (err) {
      if (err instanceof GitHubApiError && err.status === 404) return null;
      throw err;
    }
  }

  /** One tree: the base tree with these files replaced (contents inline: no separate blob calls). */
  async createTree(r: RepoRef, baseTree: string, files: { path: string; content: string }[]): Promise<string> {
    const res = await this.call('git.createTree', true, () =>
      this.octokit.rest.git.createTree({
        ...r,
        base_tree: baseTree,
        tree: files.map((f) => ({ path: f.path, mode: '100644' as const, type: 'blob' as const, content: f.content })),
      }),
    );
    return parseResponse(treeSchema, res.data, 'created tree').sha;
  }

  async createCommit(
    r: RepoRef,
    input: { message: string; tree: string; parents: string[]; author: Identity; committer: Identity },
  ): Promise<string> {
    const res = await this.call('git.createCommit', true, () =>
      this.octokit.rest.git.createCommit({ ...r, ...input, message: redact(input.message) }),
    );
    return parseResponse(commitSchema, res.data, 'created commit').sha;
  }

  /** Creates a branch; 'exists' when a branch of that name is already there. */
  async createBranch(r: RepoRef, branch: string, sha: string): Promise<'created' | 'exists'> {
    try {
      await this.call('git.createRef', true, () => this.octokit.rest.git.createRef({ ...r, ref: `refs/heads/${branch}`, sha }));
      return 'created';
    } catch (err) {
      if (err instanceof GitHubApiError && err.status === 422 && /already exists/i.test(err.githubMessage)) return 'exists';
      throw err;
    }
  }

  async updateBranch(r: RepoRef, branch: string, sha: string, force: boolean): Promise<void> {
    await this.call('git.updateRef', true, () => this.octokit.rest.git.updateRef({ ...r, ref: `heads/${branch}`, sha, force }));
  }

  async deleteBranch(r: RepoRef, branch: string): Promise<void> {
    try {
      await this.call('git.deleteRef', true, () => this.octokit.rest.git.deleteRef({ ...r, ref: `heads/${branch}` }));
    } catch (err) {
      if (err instanceof GitHubApiError && err.status === 422 && /does not exist/i.test(err.githubMessage)) return;
      throw err;
    }
  }

  /** Pull requests, all pages (`head` is a branch of this repository). */
  async listPulls(r: RepoRef, filter: { state: 'open' | 'closed' | 'all'; head?: string; base?: string }): Promise<PullRequest[]> {
    const rows = await this.call('pulls.list', false, () =>
      this.octokit.paginate(this.octokit.rest.pulls.list, {
        ...r,
        state: filter.state,
        ...(filter.head ? { head: `${r.owner}:${filter.head}` } : {}),
        ...(filter.base ? { base: filter.base } : {}),
        per_page: 100,
      }),
    ).catch((err: unknown) => {
      throw this.repoNotFound(err, r);
    });
    return rows.map((p) => toPull(p, 'pull request list'));
  }

  async createPull(r: RepoRef, input: { title: string; body: string; head: string; base: string }): Promise<PullRequest> {
    const safe = { ...input, title: safeOutput(input.title), body: safeOutput(input.body) };
    const res = await this.call('pulls.create', true, () =>
      this.octokit.rest.pulls.create({ ...r, ...safe, maintainer_can_modify: false }),
    );
    return toPull(res.data, 'created pull request');
  }

  async updatePull(r: RepoRef, number: number, input: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<PullRequest> {
    const safe = {
      ...input,
      ...(input.title !== undefined && { title: safeOutput(input.title) }),
      ...(input.body !== undefined && { body: safeOutput(input.body) }),
    };
    const res = await this.call('pulls.update', true, () => this.octokit.rest.pulls.update({ ...r, pull_number: number, ...safe }));
    return toPull(res.data, `pull request #${number}`);
  }

  async addLabels(r: RepoRef, number: number, labels: string[]): Promise<void> {
    await this.call('issues.addLabels', true, () => this.octokit.rest.issues.addLabels({ ...r, issue_number: number, labels }));
  }

  async listComments(r: RepoRef, number: number): Promise<IssueComment[]> {
    const rows = await this.call('issues.listComments', false, () =>
      this.octokit.paginate(this.octokit.rest.issues.listComments, { ...r, issue_number: number, per_page: 100 }),
    );
    return rows.map((raw) => {
      const c = parseResponse(commentSchema, raw, `comments of #${number}`);
      return { id: c.id, body: c.body ?? '', url: c.html_url, author: c.user?.login };
    });
  }

  async createComment(r: RepoRef, number: number, body: string): Promise<IssueComment> {
    const res = await this.call('issues.createComment', true, () =>
      this.octokit.rest.issues.createComment({ ...r, issue_number: number, body: safeOutput(body) }),
    );
    const c = parseResponse(commentSchema, res.data, `comment on #${number}`);
    return { id: c.id, body: c.body ?? '', url: c.html_url, author: c.user?.login };
  }
}

/** `owner/name` → RepoRef, with a clear error. */
export function parseRepoSlug(slug: string, where = '--repo'): RepoRef {
  const m = /^([A-Za-z0-9-_.]+)\/([A-Za-z0-9-_.]+)$/.exec(slug.trim());
  if (!m) throw new StackfitError(`expected owner/name, got "${slug}"`, where);
  return { owner: m[1]!, repo: m[2]! };
}

/** A configured Octokit (retries, throttling, GITHUB_TOKEN / GITHUB_API_URL) for direct REST use. */
export function createGitHubClient(options: GitHubClientOptions = {}): StackfitOctokit {
  return createOctokit(options).octokit;
}

/** The repository of the workflow run, from `GITHUB_REPOSITORY`. */
export function repoFromEnv(env: NodeJS.ProcessEnv = process.env): RepoRef {
  const slug = env.GITHUB_REPOSITORY;
  if (!slug) throw new StackfitError('GITHUB_REPOSITORY is not set: give the repository as owner/name', 'GITHUB_REPOSITORY');
  return parseRepoSlug(slug, 'GITHUB_REPOSITORY');
}
