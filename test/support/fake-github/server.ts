import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createBareRepo, git, gitOk, readCommit, type ParsedCommit } from './git';
import { ResponseSchemaValidator } from './schema';

/**
 * A stateful fake of the GitHub REST API for the calls a pull-request bot makes. Branches, files
 * and commits live in a real bare git repository (so `git push` and the API agree); pull
 * requests, labels and comments live in memory. Every JSON response is validated against
 * GitHub's OpenAPI description: a violation is recorded in `violations` and answered with 500.
 * Every request body is validated against the operation's requestBody schema: a mismatch is
 * recorded in `violations` too and answered 422 "Invalid request." as GitHub does.
 */

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  token?: string;
  /** Files of the initial commit on `main`. */
  files?: Record<string, string>;
  /** Login of the user the token belongs to. */
  tokenUser?: string;
  /** Writes answer 403 "Resource not accessible by integration" (a token without write scope). */
  readOnlyToken?: boolean;
  /** Shared validator (loading the spec costs ~0.1 s; reuse it across servers). */
  validator?: ResponseSchemaValidator;
}

export interface RequestRecord {
  method: string;
  path: string;
  operationId: string;
  status: number;
  write: boolean;
  authorization?: string;
}

/**
 * `actions-cannot-create-pr`: what GitHub answers a GITHUB_TOKEN's pull request create when the
 * repository setting "Allow GitHub Actions to create and approve pull requests" is off.
 */
export type FaultKind = 'server-error' | 'secondary-rate-limit' | 'primary-rate-limit' | 'actions-cannot-create-pr';
export interface Fault {
  operationId: string;
  kind: FaultKind;
  /** Fire from the Nth matching call after injection (1 = the next one). */
  nth?: number;
  /** How many consecutive calls fail (default 1). */
  times?: number;
}

interface FakePull {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  headRef: string;
  /** Frozen head sha for closed PRs (the branch may be gone). */
  headShaAtClose?: string;
  baseRef: string;
  user: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  draft: boolean;
}

interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const DOCS = 'https://docs.github.com/rest';
const SHA_RE = /^[0-9a-f]{40}$/;

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function validationFailed(errors: Record<string, unknown>[]): HttpError {
  return new HttpError(422, 'Validation Failed', { errors });
}

export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly tokenUser: string;
  readOnlyToken: boolean;
  /** Every request, in order. */
  readonly requests: RequestRecord[] = [];
  /** Schema violations of responses the fake produced, and of request bodies it received (must stay empty). */
  readonly violations: string[] = [];
  readonly pulls = new Map<number, FakePull>();
  readonly comments = new Map<number, FakeComment>();
  private readonly faults: (Fault & { seen: number; fired: number })[] = [];
  private nextNumber = 1;
  private nextCommentId = 1;
  private server!: http.Server;
  url = '';
  bareRepo = '';
  private readonly validator: ResponseSchemaValidator;
  private readonly scratch: string;

  private constructor(opts: FakeGitHubOptions) {
    this.owner = opts.owner ?? 'acme';
    this.repo = opts.repo ?? 'infra';
    this.token = opts.token ?? 'ghs_faketoken0123456789abcdefABCDEF';
    this.tokenUser = opts.tokenUser ?? 'stackfit-bot';
    this.readOnlyToken = opts.readOnlyToken ?? false;
    this.validator = opts.validator ?? new ResponseSchemaValidator();
    this.scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-github-scratch-'));
  }

  static async start(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(opts);
    fake.bareRepo = await createBareRepo(opts.files ?? { 'README.md': '# infra\n' });
    fake.server = http.createServer((req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        fake.violations.push(`fake server crashed: ${String(err)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `fake server error: ${String(err)}` }));
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
    fs.rmSync(this.bareRepo, { recursive: true, force: true });
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, fired: 0 });
  }

  /** Requests that changed state (non-GET), optionally since an index of `requests`. */
  writes(since = 0): RequestRecord[] {
    return this.requests.slice(since).filter((r) => r.write);
  }

  // ---- actions a person takes in the web UI ----

  closePull(number: number): void {
    const pr = this.mustPull(number);
    pr.state = 'closed';
    pr.closedAt = nowIso();
    pr.updatedAt = pr.closedAt;
  }

  /** Merges like the "Create a merge commit" button: a merge commit on the base branch. */
  async mergePull(number: number): Promise<string> {
    const pr = this.mustPull(number);
    const head = await this.refSha(`heads/${pr.headRef}`);
    const base = await this.refSha(`heads/${pr.baseRef}`);
    if (!head || !base) throw new Error('cannot merge: branch missing');
    const tree = await gitOk(this.bareRepo, ['rev-parse', `${head}^{tree}`]);
    const merge = await gitOk(this.bareRepo, ['commit-tree', tree, '-p', base, '-p', head, '-m', `Merge pull request #${number}`]);
    await gitOk(this.bareRepo, ['update-ref', `refs/heads/${pr.baseRef}`, merge, base]);
    pr.state = 'closed';
    pr.merged = true;
    pr.mergedAt = nowIso();
    pr.closedAt = pr.mergedAt;
    pr.mergeCommitSha = merge;
    pr.headShaAtClose = head;
    return merge;
  }

  /** Commits a change to a file on a branch as someone else (like a push or the web editor). */
  async commitAs(
    branch: string,
    files: Record<string, string>,
    who: { name: string; email: string },
    message = 'Edit by hand',
  ): Promise<string> {
    const parent = await this.refSha(`heads/${branch}`);
    const index = path.join(this.scratch, `index-${Date.now()}-${Math.random()}`);
    const env = { GIT_INDEX_FILE: index };
    if (parent) await gitOk(this.bareRepo, ['read-tree', parent], { env });
    else await gitOk(this.bareRepo, ['read-tree', '--empty'], { env });
    for (const [file, content] of Object.entries(files)) {
      const blob = await gitOk(this.bareRepo, ['hash-object', '-w', '--stdin'], { input: content });
      await gitOk(this.bareRepo, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
    }
    const tree = await gitOk(this.bareRepo, ['write-tree'], { env });
    fs.rmSync(index, { force: true });
    const ident = { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email };
    const commit = await gitOk(this.bareRepo, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], { env: ident });
    await gitOk(this.bareRepo, ['update-ref', `refs/heads/${branch}`, commit]);
    return commit;
  }

  async readFile(ref: string, file: string): Promise<string | null> {
    const r = await git(this.bareRepo, ['show', `${ref}:${file}`]);
    return r.code === 0 ? r.stdout : null;
  }

  async refSha(ref: string): Promise<string | null> {
    const r = await git(this.bareRepo, ['rev-parse', '--verify', '-q', `refs/${ref}^{commit}`]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  async branches(): Promise<string[]> {
    const out = await gitOk(this.bareRepo, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/heads/']);
    return out.split('\n').filter(Boolean).sort();
  }

  async commit(sha: string): Promise<ParsedCommit | null> {
    return readCommit(this.bareRepo, sha);
  }

  // ---- HTTP ----

  private mustPull(number: number): FakePull {
    const pr = this.pulls.get(number);
    if (!pr) throw new Error(`no pull #${number}`);
    return pr;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    // Octokit percent-encodes path parameters (`heads%2Fmain`): split first, then decode.
    const segments = url.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    const route = this.route(method, segments);
    const record: RequestRecord = {
      method,
      path: url.pathname + url.search,
      operationId: route?.operationId ?? 'unknown',
      status: 0,
      write: method !== 'GET' && method !== 'HEAD',
      authorization: req.headers.authorization,
    };
    this.requests.push(record);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');

    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      if (!route) throw new HttpError(404, 'Not Found');
      this.authenticate(req.headers.authorization);
      if (segments[1] !== this.owner || segments[2] !== this.repo) throw new HttpError(404, 'Not Found');
      this.maybeFault(route.operationId);
      if (record.write && this.readOnlyToken) throw new HttpError(403, 'Resource not accessible by integration');
      let input: Record<string, unknown> = {};
      if (raw) {
        try {
          input = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          throw new HttpError(400, 'Problems parsing JSON');
        }
      }
      // GitHub checks a request against the operation's schema before anything else and answers
      // 422 "Invalid request." naming the offending field; so does the fake (and records it).
      const invalid = this.validator.validateRequest(route.operationId, raw ? input : undefined);
      if (invalid.length > 0) {
        this.violations.push(...invalid);
        throw new HttpError(422, `Invalid request.\n\n${invalid.join('\n')}`);
      }
      const out = await route.run(input, url);
      status = out.status;
      body = out.body;
      headers = out.headers ?? {};
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      status = err.status;
      body = { message: err.message, documentation_url: DOCS, status: String(err.status), ...err.extra };
      headers = err.headers;
    }
    record.status = status;

    if (body !== undefined && status !== 502) {
      const errors = this.validateBody(record.operationId, status, body);
      if (errors.length > 0) {
        this.violations.push(...errors);
        status = 500;
        body = { message: `fake GitHub produced a response that violates GitHub's schema: ${errors.join('; ')}` };
      }
    }
    res.writeHead(status, {
      ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'x-github-request-id': `FAKE:${this.requests.length}`,
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  private validateBody(operationId: string, status: number, body: unknown): string[] {
    if (operationId === 'git/get-tree' && status === 200) return this.validator.validateComponent('git-tree', body);
    if (this.validator.hasOperation(operationId)) {
      try {
        return this.validator.validate(operationId, status, body);
      } catch {
        // Status not documented for the operation: GitHub answers errors with the basic-error shape.
      }
    }
    if (status >= 400) return this.validator.validateComponent('basic-error', body);
    return [`${operationId} ${status}: no schema to validate against`];
  }

  private authenticate(header: string | undefined): void {
    if (!header) throw new HttpError(401, 'Requires authentication');
    const m = /^(?:token|bearer)\s+(.+)$/i.exec(header);
    if (!m || m[1] !== this.token) throw new HttpError(401, 'Bad credentials');
  }

  private maybeFault(operationId: string): void {
    for (const f of this.faults) {
      if (f.operationId !== operationId) continue;
      f.seen += 1;
      if (f.seen < (f.nth ?? 1) || f.fired >= (f.times ?? 1)) continue;
      f.fired += 1;
      if (f.kind === 'server-error') throw new HttpError(502, 'Server Error');
      if (f.kind === 'actions-cannot-create-pr')
        throw new HttpError(403, 'GitHub Actions is not permitted to create or approve pull requests.');
      if (f.kind === 'secondary-rate-limit') {
        throw new HttpError(
          403,
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE.',
          {},
          { 'retry-after': '1' },
        );
      }
      const reset = Math.ceil(Date.now() / 1000) + 1;
      throw new HttpError(
        403,
        'API rate limit exceeded for user ID 1.',
        {},
        {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-reset': String(reset),
        },
      );
    }
  }

  private route(
    method: string,
    s: string[],
  ): {
    operationId: string;
    run: (input: Record<string, unknown>, url: URL) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;
  } | null {
    if (s[0] !== 'repos' || s.length < 3) return null;
    const r = s.slice(3);
    const rest = (from: number): string => r.slice(from).join('/');
    const op = (
      operationId: string,
      run: (input: Record<string, unknown>, url: URL) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>,
    ) => ({ operationId, run });
    if (r.length === 0 && method === 'GET') return op('repos/get', async () => ({ status: 200, body: this.repository(true) }));
    if (r[0] === 'contents' && r.length > 1 && method === 'GET')
      return op('repos/get-content', (_i, url) => this.getContent(rest(1), url.searchParams.get('ref')));
    if (r[0] === 'git') {
      if (r[1] === 'blobs' && r.length === 2 && method === 'POST') return op('git/create-blob', (i) => this.createBlob(i));
      if (r[1] === 'trees' && r.length === 2 && method === 'POST') return op('git/create-tree', (i) => this.createTree(i));
      if (r[1] === 'trees' && r.length === 3 && method === 'GET') return op('git/get-tree', () => this.getTree(r[2]!));
      if (r[1] === 'commits' && r.length === 2 && method === 'POST') return op('git/create-commit', (i) => this.createCommit(i));
      if (r[1] === 'commits' && r.length === 3 && method === 'GET') return op('git/get-commit', () => this.getCommit(r[2]!));
      if (r[1] === 'ref' && r.length > 2 && method === 'GET') return op('git/get-ref', () => this.getRef(rest(2)));
      if (r[1] === 'matching-refs' && r.length > 2 && method === 'GET')
        return op('git/list-matching-refs', () => this.matchingRefs(rest(2)));
      if (r[1] === 'refs' && r.length === 2 && method === 'POST') return op('git/create-ref', (i) => this.createRef(i));
      if (r[1] === 'refs' && r.length > 2 && method === 'PATCH') return op('git/update-ref', (i) => this.updateRef(rest(2), i));
      if (r[1] === 'refs' && r.length > 2 && method === 'DELETE') return op('git/delete-ref', () => this.deleteRef(rest(2)));
    }
    if (r[0] === 'pulls') {
      if (r.length === 1 && method === 'GET') return op('pulls/list', (_i, url) => this.listPulls(url));
      if (r.length === 1 && method === 'POST') return op('pulls/create', (i) => this.createPull(i));
      if (r.length === 2 && method === 'GET') return op('pulls/get', () => this.getPull(r[1]!));
      if (r.length === 2 && method === 'PATCH') return op('pulls/update', (i) => this.updatePull(r[1]!, i));
    }
    if (r[0] === 'issues') {
      if (r[1] === 'comments' && r.length === 3 && method === 'PATCH')
        return op('issues/update-comment', (i) => this.updateComment(r[2]!, i));
      if (r[1] === 'comments' && r.length === 3 && method === 'DELETE') return op('issues/delete-comment', () => this.deleteComment(r[2]!));
      if (r.length === 3 && r[2] === 'labels' && method === 'POST') return op('issues/add-labels', (i) => this.addLabels(r[1]!, i));
      if (r.length === 3 && r[2] === 'comments' && method === 'GET')
        return op('issues/list-comments', (_i, url) => this.listComments(r[1]!, url));
      if (r.length === 3 && r[2] === 'comments' && method === 'POST')
        return op('issues/create-comment', (i) => this.createComment(r[1]!, i));
    }
    return null;
  }

  // ---- object shapes (templates: GitHub's own examples, with our values) ----

  private api(p: string): string {
    return `${this.url}/repos/${this.owner}/${this.repo}${p}`;
  }
  private html(p: string): string {
    return `https://github.test/${this.owner}/${this.repo}${p}`;
  }

  private user(login: string): Record<string, unknown> {
    const u = structuredClone((this.validator.example('issue-comment') as { user: Record<string, unknown> }).user);
    u.login = login;
    u.id = login === this.tokenUser ? 41898282 : 583231;
    u.type = login.endsWith('[bot]') ? 'Bot' : 'User';
    u.html_url = `https://github.test/${login}`;
    u.url = `${this.url}/users/${login}`;
    return u;
  }

  private repository(full: boolean): Record<string, unknown> {
    const repo = full
      ? (this.validator.example('full-repository-default-response') as Record<string, unknown>)
      : (this.validator.example('pull-request') as { head: { repo: Record<string, unknown> } }).head.repo;
    repo.name = this.repo;
    repo.full_name = `${this.owner}/${this.repo}`;
    repo.owner = this.user(this.owner);
    repo.default_branch = 'main';
    repo.private = true;
    repo.url = this.api('');
    repo.html_url = this.html('');
    if (full) {
      // The example carries a stale `source`/`parent`; a plain (non-fork) repository has neither.
      delete repo.parent;
      delete repo.source;
      repo.fork = false;
      // Required by the schema, missing from GitHub's own example.
      repo.language = 'TypeScript';
    }
    return repo;
  }

  private refBody(ref: string, sha: string): Record<string, unknown> {
    return {
      ref: `refs/${ref}`,
      node_id: Buffer.from(`ref:${ref}`).toString('base64'),
      url: this.api(`/git/refs/${ref}`),
      object: { type: 'commit', sha, url: this.api(`/git/commits/${sha}`) },
    };
  }

  private commitBody(c: ParsedCommit): Record<string, unknown> {
    return {
      sha: c.sha,
      node_id: Buffer.from(`commit:${c.sha}`).toString('base64'),
      url: this.api(`/git/commits/${c.sha}`),
      html_url: this.html(`/commit/${c.sha}`),
      author: c.author,
      committer: c.committer,
      message: c.message.replace(/\n$/, ''),
      tree: { sha: c.tree, url: this.api(`/git/trees/${c.tree}`) },
      parents: c.parents.map((p) => ({ sha: p, url: this.api(`/git/commits/${p}`), html_url: this.html(`/commit/${p}`) })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  private label(name: string): Record<string, unknown> {
    let id = 0;
    for (const ch of name) id = (id * 31 + ch.charCodeAt(0)) % 1_000_000_007;
    return {
      id,
      node_id: Buffer.from(`label:${name}`).toString('base64'),
      url: this.api(`/labels/${encodeURIComponent(name)}`),
      name,
      description: '',
      color: 'ededed',
      default: false,
    };
  }

  private async pullBody(pr: FakePull, simple: boolean): Promise<Record<string, unknown>> {
    const template = simple
      ? (this.validator.example('pull-request-simple-items') as Record<string, unknown>[])[0]!
      : (this.validator.example('pull-request') as Record<string, unknown>);
    const headSha = pr.headShaAtClose ?? (await this.refSha(`heads/${pr.headRef}`)) ?? '0000000000000000000000000000000000000000';
    const baseSha = (await this.refSha(`heads/${pr.baseRef}`)) ?? '0000000000000000000000000000000000000000';
    const side = (ref: string, sha: string, orig: unknown): Record<string, unknown> => ({
      ...(orig as Record<string, unknown>),
      label: `${this.owner}:${ref}`,
      ref,
      sha,
      user: this.user(this.owner),
      repo: this.repository(false),
    });
    const n = pr.number;
    Object.assign(template, {
      url: this.api(`/pulls/${n}`),
      id: pr.id,
      node_id: Buffer.from(`pr:${n}`).toString('base64'),
      html_url: this.html(`/pull/${n}`),
      diff_url: this.html(`/pull/${n}.diff`),
      patch_url: this.html(`/pull/${n}.patch`),
      issue_url: this.api(`/issues/${n}`),
      commits_url: this.api(`/pulls/${n}/commits`),
      review_comments_url: this.api(`/pulls/${n}/comments`),
      comments_url: this.api(`/issues/${n}/comments`),
      statuses_url: this.api(`/statuses/${headSha}`),
      number: n,
      state: pr.state,
      locked: false,
      title: pr.title,
      body: pr.body,
      user: this.user(pr.user),
      labels: pr.labels.map((l) => this.label(l)),
      milestone: null,
      active_lock_reason: null,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.closedAt,
      merged_at: pr.mergedAt,
      merge_commit_sha: pr.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: side(pr.headRef, headSha, template.head),
      base: side(pr.baseRef, baseSha, template.base),
      author_association: 'CONTRIBUTOR',
      auto_merge: null,
      draft: pr.draft,
    });
    if (!simple) {
      Object.assign(template, {
        merged: pr.merged,
        mergeable: null,
        rebaseable: null,
        mergeable_state: 'unknown',
        merged_by: pr.merged ? this.user(this.owner) : null,
        comments: [...this.comments.values()].filter((c) => c.issue === n).length,
        review_comments: 0,
        maintainer_can_modify: false,
        commits: 1,
        additions: 0,
        deletions: 0,
        changed_files: 1,
      });
    }
    return template;
  }

  private commentBody(c: FakeComment): Record<string, unknown> {
    const t = this.validator.example('issue-comment') as Record<string, unknown>;
    return Object.assign(t, {
      id: c.id,
      node_id: Buffer.from(`comment:${c.id}`).toString('base64'),
      url: this.api(`/issues/comments/${c.id}`),
      html_url: this.html(`/pull/${c.issue}#issuecomment-${c.id}`),
      issue_url: this.api(`/issues/${c.issue}`),
      body: c.body,
      user: this.user(c.user),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: 'CONTRIBUTOR',
    });
  }

  // ---- handlers ----

  private async getContent(file: string, ref: string | null): Promise<{ status: number; body: unknown }> {
    const rev = ref ?? 'main';
    const r = await git(this.bareRepo, ['rev-parse', '--verify', '-q', `${rev}:${file}`]);
    if (r.code !== 0) throw new HttpError(404, 'Not Found');
    const sha = r.stdout.trim();
    const type = (await gitOk(this.bareRepo, ['cat-file', '-t', sha])).trim();
    if (type !== 'blob') throw new HttpError(404, 'Not Found');
    const raw = (await git(this.bareRepo, ['cat-file', 'blob', sha])).stdout;
    const b64 = Buffer.from(raw, 'utf8')
      .toString('base64')
      .replace(/(.{60})/g, '$1\n');
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(raw),
        name: path.posix.basename(file),
        path: file,
        content: b64,
        sha,
        url: this.api(`/contents/${file}?ref=${rev}`),
        git_url: this.api(`/git/blobs/${sha}`),
        html_url: this.html(`/blob/${rev}/${file}`),
        download_url: `https://raw.github.test/${this.owner}/${this.repo}/${rev}/${file}`,
        _links: {
          git: this.api(`/git/blobs/${sha}`),
          self: this.api(`/contents/${file}?ref=${rev}`),
          html: this.html(`/blob/${rev}/${file}`),
        },
      },
    };
  }

  private async writeBlob(content: string, encoding: string): Promise<string> {
    const buf = encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
    return gitOk(this.bareRepo, ['hash-object', '-w', '--stdin'], { input: buf });
  }

  private async createBlob(i: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    if (typeof i.content !== 'string') throw validationFailed([{ resource: 'Blob', field: 'content', code: 'missing_field' }]);
    const sha = await this.writeBlob(i.content, typeof i.encoding === 'string' ? i.encoding : 'utf-8');
    return { status: 201, body: { url: this.api(`/git/blobs/${sha}`), sha } };
  }

  private async objectType(sha: string): Promise<string | null> {
    if (!SHA_RE.test(sha)) return null;
    const r = await git(this.bareRepo, ['cat-file', '-t', sha]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  private async createTree(i: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const entries = i.tree;
    if (!Array.isArray(entries)) throw validationFailed([{ resource: 'Tree', field: 'tree', code: 'missing_field' }]);
    const index = path.join(this.scratch, `index-${Date.now()}-${Math.random()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      if (typeof i.base_tree === 'string') {
        if ((await this.objectType(i.base_tree)) !== 'tree') throw new HttpError(422, 'Invalid tree info', {});
        await gitOk(this.bareRepo, ['read-tree', i.base_tree], { env });
      } else await gitOk(this.bareRepo, ['read-tree', '--empty'], { env });
      for (const e of entries as Record<string, unknown>[]) {
        const p = e.path;
        const mode = e.mode;
        if (typeof p !== 'string' || typeof mode !== 'string') throw new HttpError(422, 'Invalid tree info');
        if (e.sha === null) {
          await gitOk(this.bareRepo, ['update-index', '--force-remove', p], { env });
          continue;
        }
        let sha: string;
        if (typeof e.content === 'string') sha = await this.writeBlob(e.content, 'utf-8');
        else if (typeof e.sha === 'string' && (await this.objectType(e.sha)) === 'blob') sha = e.sha;
        else throw new HttpError(422, 'Invalid tree info');
        await gitOk(this.bareRepo, ['update-index', '--add', '--cacheinfo', `${mode},${sha},${p}`], { env });
      }
      const tree = await gitOk(this.bareRepo, ['write-tree'], { env });
      return { status: 201, body: await this.treeBody(tree) };
    } finally {
      fs.rmSync(index, { force: true });
    }
  }

  private async treeBody(tree: string): Promise<Record<string, unknown>> {
    const out = await gitOk(this.bareRepo, ['ls-tree', '-l', tree]);
    const entries = out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [meta, name] = line.split('\t') as [string, string];
        const [mode, type, sha, size] = meta.split(/\s+/) as [string, string, string, string];
        return {
          path: name,
          mode,
          type,
          sha,
          ...(type === 'blob' ? { size: Number(size) } : {}),
          url: this.api(`/git/${type === 'blob' ? 'blobs' : 'trees'}/${sha}`),
        };
      });
    return { sha: tree, url: this.api(`/git/trees/${tree}`), tree: entries, truncated: false };
  }

  private async getTree(sha: string): Promise<{ status: number; body: unknown }> {
    if ((await this.objectType(sha)) !== 'tree') throw new HttpError(404, 'Not Found');
    return { status: 200, body: await this.treeBody(sha) };
  }

  private async createCommit(i: Record<string, unknown>): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    if (typeof i.message !== 'string' || typeof i.tree !== 'string')
      throw validationFailed([{ resource: 'Commit', field: 'tree', code: 'missing_field' }]);
    if ((await this.objectType(i.tree)) !== 'tree') throw new HttpError(422, 'Tree SHA does not exist');
    const parents = Array.isArray(i.parents) ? (i.parents as unknown[]) : [];
    for (const p of parents)
      if (typeof p !== 'string' || (await this.objectType(p)) !== 'commit')
        throw new HttpError(422, 'Parent SHA does not exist or is not a commit object');
    const person = (v: unknown, fallback: { name: string; email: string }) => {
      const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
      return { name: typeof o.name === 'string' ? o.name : fallback.name, email: typeof o.email === 'string' ? o.email : fallback.email };
    };
    const tokenIdentity = { name: this.tokenUser, email: `${this.tokenUser}@users.noreply.github.test` };
    const author = person(i.author, tokenIdentity);
    const committer = i.committer ? person(i.committer, tokenIdentity) : author;
    const sha = await gitOk(this.bareRepo, ['commit-tree', i.tree, ...parents.flatMap((p) => ['-p', p as string]), '-F', '-'], {
      input: i.message,
      env: {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: committer.name,
        GIT_COMMITTER_EMAIL: committer.email,
      },
    });
    const c = await readCommit(this.bareRepo, sha);
    return { status: 201, body: this.commitBody(c!), headers: { location: this.api(`/git/commits/${sha}`) } };
  }

  private async getCommit(sha: string): Promise<{ status: number; body: unknown }> {
    const c = SHA_RE.test(sha) ? await readCommit(this.bareRepo, sha) : null;
    if (!c) throw new HttpError(404, 'Not Found');
    return { status: 200, body: this.commitBody(c) };
  }

  private async getRef(ref: string): Promise<{ status: number; body: unknown }> {
    const sha = await this.refSha(ref);
    if (!sha) throw new HttpError(404, 'Not Found');
    return { status: 200, body: this.refBody(ref, sha) };
  }

  private async matchingRefs(prefix: string): Promise<{ status: number; body: unknown }> {
    const out = await gitOk(this.bareRepo, ['for-each-ref', '--format=%(objectname) %(refname)']);
    const refs = out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string])
      .filter(([, name]) => name.startsWith(`refs/${prefix}`))
      .map(([sha, name]) => this.refBody(name.slice('refs/'.length), sha));
    return { status: 200, body: refs };
  }

  private async createRef(i: Record<string, unknown>): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    if (typeof i.ref !== 'string' || !/^refs\/.+\/.+/.test(i.ref))
      throw new HttpError(422, "Reference name must start with 'refs/' and have at least two slashes.");
    if (typeof i.sha !== 'string' || (await this.objectType(i.sha)) !== 'commit') throw new HttpError(422, 'Object does not exist');
    const ref = i.ref.slice('refs/'.length);
    if (await this.refSha(ref)) throw new HttpError(422, 'Reference already exists');
    await gitOk(this.bareRepo, ['update-ref', i.ref, i.sha, '0000000000000000000000000000000000000000']);
    return { status: 201, body: this.refBody(ref, i.sha), headers: { location: this.api(`/git/refs/${ref}`) } };
  }

  private async updateRef(ref: string, i: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const current = await this.refSha(ref);
    if (!current) throw new HttpError(422, 'Reference does not exist');
    if (typeof i.sha !== 'string' || (await this.objectType(i.sha)) !== 'commit') throw new HttpError(422, 'Object does not exist');
    if (i.force !== true) {
      const ff = await git(this.bareRepo, ['merge-base', '--is-ancestor', current, i.sha]);
      if (ff.code !== 0) throw new HttpError(422, 'Update is not a fast forward');
    }
    await gitOk(this.bareRepo, ['update-ref', `refs/${ref}`, i.sha, current]);
    return { status: 200, body: this.refBody(ref, i.sha) };
  }

  private async deleteRef(ref: string): Promise<{ status: number; body?: unknown }> {
    const current = await this.refSha(ref);
    if (!current) throw new HttpError(422, 'Reference does not exist');
    if (ref === 'heads/main') throw new HttpError(422, 'Cannot delete the default branch');
    await gitOk(this.bareRepo, ['update-ref', '-d', `refs/${ref}`, current]);
    return { status: 204 };
  }

  private async listPulls(url: URL): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const state = url.searchParams.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw validationFailed([{ resource: 'Search', field: 'state', code: 'invalid' }]);
    const head = url.searchParams.get('head');
    const base = url.searchParams.get('base');
    const direction = url.searchParams.get('direction') ?? 'desc';
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 100);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
    let pulls = [...this.pulls.values()].filter((p) => state === 'all' || p.state === state);
    if (head) {
      const [owner, ref] = head.includes(':') ? (head.split(/:(.*)/s) as [string, string]) : [head, undefined];
      pulls = pulls.filter((p) => owner === this.owner && (ref === undefined || p.headRef === ref));
    }
    if (base) pulls = pulls.filter((p) => p.baseRef === base);
    pulls.sort((a, b) => (direction === 'asc' ? a.number - b.number : b.number - a.number));
    const lastPage = Math.max(1, Math.ceil(pulls.length / perPage));
    const slice = pulls.slice((page - 1) * perPage, page * perPage);
    const link = (p: number) => {
      const u = new URL(url.toString());
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return u.toString();
    };
    const links: string[] = [];
    if (page < lastPage) links.push(`<${link(page + 1)}>; rel="next"`, `<${link(lastPage)}>; rel="last"`);
    if (page > 1) links.push(`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`);
    return {
      status: 200,
      body: await Promise.all(slice.map((p) => this.pullBody(p, true))),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  }

  private async createPull(i: Record<string, unknown>): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    if (typeof i.head !== 'string') throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'missing_field' }]);
    if (typeof i.base !== 'string') throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'missing_field' }]);
    if (typeof i.title !== 'string' || i.title === '')
      throw validationFailed([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    const headRef = i.head.includes(':') ? i.head.slice(i.head.indexOf(':') + 1) : i.head;
    const headSha = await this.refSha(`heads/${headRef}`);
    if (!headSha) throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    const baseSha = await this.refSha(`heads/${i.base}`);
    if (!baseSha) throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    const existing = [...this.pulls.values()].find((p) => p.state === 'open' && p.headRef === headRef && p.baseRef === i.base);
    if (existing)
      throw validationFailed([
        { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${headRef}.` },
      ]);
    const ahead = await gitOk(this.bareRepo, ['rev-list', '--count', `${baseSha}..${headSha}`]);
    if (ahead.trim() === '0')
      throw validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${i.base} and ${headRef}` }]);
    const now = nowIso();
    const pr: FakePull = {
      number: this.nextNumber++,
      id: 1_000_000 + this.nextNumber,
      title: i.title,
      body: typeof i.body === 'string' ? i.body : null,
      state: 'open',
      merged: false,
      headRef,
      baseRef: i.base,
      user: this.tokenUser,
      labels: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
      mergeCommitSha: null,
      draft: i.draft === true,
    };
    this.pulls.set(pr.number, pr);
    return { status: 201, body: await this.pullBody(pr, false), headers: { location: this.api(`/pulls/${pr.number}`) } };
  }

  private pullFrom(n: string): FakePull {
    const pr = this.pulls.get(Number(n));
    if (!pr) throw new HttpError(404, 'Not Found');
    return pr;
  }

  private async getPull(n: string): Promise<{ status: number; body: unknown }> {
    return { status: 200, body: await this.pullBody(this.pullFrom(n), false) };
  }

  private async updatePull(n: string, i: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const pr = this.pullFrom(n);
    if (typeof i.title === 'string') pr.title = i.title;
    if (typeof i.body === 'string') pr.body = i.body;
    if (i.state === 'closed' && pr.state === 'open') {
      pr.state = 'closed';
      pr.closedAt = nowIso();
    } else if (i.state === 'open' && pr.state === 'closed') {
      if (pr.merged)
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            field: 'state',
            message: 'state cannot be changed. The pull request has been merged.',
          },
        ]);
      if (!(await this.refSha(`heads/${pr.headRef}`)))
        throw validationFailed([
          { resource: 'PullRequest', code: 'custom', field: 'state', message: 'state cannot be changed. The head branch was deleted.' },
        ]);
      pr.state = 'open';
      pr.closedAt = null;
    }
    if (typeof i.base === 'string') pr.baseRef = i.base;
    pr.updatedAt = nowIso();
    return { status: 200, body: await this.pullBody(pr, false) };
  }

  private async addLabels(n: string, i: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const pr = this.pullFrom(n);
    const labels = Array.isArray(i.labels) ? i.labels : [];
    for (const l of labels) {
      const name = typeof l === 'string' ? l : (l as { name?: unknown }).name;
      if (typeof name !== 'string') throw validationFailed([{ resource: 'Label', field: 'name', code: 'invalid' }]);
      if (!pr.labels.includes(name)) pr.labels.push(name);
    }
    return { status: 200, body: pr.labels.map((l) => this.label(l)) };
  }

  private async listComments(n: string, url: URL): Promise<{ status: number; body: unknown }> {
    this.pullFrom(n);
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 100);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
    const all = [...this.comments.values()].filter((c) => c.issue === Number(n)).sort((a, b) => a.id - b.id);
    return { status: 200, body: all.slice((page - 1) * perPage, page * perPage).map((c) => this.commentBody(c)) };
  }

  private async createComment(n: string, i: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    this.pullFrom(n);
    if (typeof i.body !== 'string' || i.body === '')
      throw validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
    const now = nowIso();
    const c: FakeComment = {
      id: this.nextCommentId++,
      issue: Number(n),
      body: i.body,
      user: this.tokenUser,
      createdAt: now,
      updatedAt: now,
    };
    this.comments.set(c.id, c);
    return { status: 201, body: this.commentBody(c) };
  }

  private async updateComment(id: string, i: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const c = this.comments.get(Number(id));
    if (!c) throw new HttpError(404, 'Not Found');
    if (typeof i.body !== 'string' || i.body === '')
      throw validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
    c.body = i.body;
    c.updatedAt = nowIso();
    return { status: 200, body: this.commentBody(c) };
  }

  private async deleteComment(id: string): Promise<{ status: number; body?: unknown }> {
    if (!this.comments.delete(Number(id))) throw new HttpError(404, 'Not Found');
    return { status: 204 };
  }

  /** Test hook: validate an arbitrary body as if this fake had produced it (used to prove the validator bites). */
  checkResponse(operationId: string, status: number, body: unknown): string[] {
    return this.validateBody(operationId, status, body);
  }
}
