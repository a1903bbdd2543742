import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubApiError, GitHubClient } from '../../src/gitops/github';
import { FakeGitHub, gitOk, ResponseSchemaValidator } from '../support/fake-github';
import { sharedValidator } from './helpers';

describe('the schema validator', () => {
  const v: ResponseSchemaValidator = sharedValidator();

  it('rejects a response that breaks GitHub’s schema', () => {
    const pr = v.example('pull-request') as Record<string, unknown>;
    pr.requested_teams = [];
    expect(v.validate('pulls/create', 201, pr)).toEqual([]);
    expect(v.validate('pulls/create', 201, { ...pr, number: 'one' })).toEqual([expect.stringContaining('/number must be integer')]);
    expect(v.validate('git/create-ref', 201, { ref: 'refs/heads/x' })).not.toEqual([]);
    expect(v.validate('pulls/list', 200, [{ id: 1 }])).not.toEqual([]);
  });

  it('knows GitHub’s own examples do not all pass (templates must be fixed, not trusted)', () => {
    expect(v.validate('pulls/create', 201, v.example('pull-request'))).toEqual([expect.stringContaining('requested_teams')]);
  });

  it('resolves shared error responses ($ref to components/responses)', () => {
    expect(v.validate('pulls/create', 422, { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' })).toEqual(
      [],
    );
    expect(v.validate('pulls/create', 422, { message: 42 })).not.toEqual([]);
  });
});

describe('the fake GitHub server', () => {
  const v: ResponseSchemaValidator = sharedValidator();
  let fake: FakeGitHub;
  let gh: GitHubClient;
  const r = () => ({ owner: fake.owner, repo: fake.repo });
  beforeAll(async () => {
    fake = await FakeGitHub.start({ files: { 'a/b.txt': 'one\n' }, validator: sharedValidator() });
    gh = new GitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 1, writeIntervalMs: 0, retries: 0 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('answers 500 and records the violation when its own response breaks the schema', () => {
    expect(fake.checkResponse('git/get-ref', 200, { ref: 'refs/heads/main' })).not.toEqual([]);
  });

  it('answers 422 "Invalid request." and records the violation when a request body breaks the operation’s requestBody schema', async () => {
    const post = (route: string, body: unknown, method = 'POST') =>
      fetch(`${fake.url}/repos/${fake.owner}/${fake.repo}/${route}`, {
        method,
        headers: { authorization: `token ${fake.token}`, 'content-type': 'application/json', accept: 'application/vnd.github+json' },
        body: JSON.stringify(body),
      });
    const before = fake.violations.length;
    const cases: [string, unknown, string, string?][] = [
      ['pulls', { title: 42, head: 'x', base: 'main' }, '/title must be string'],
      ['issues/1/comments', { text: 'no body field' }, "must have required property 'body'"],
      ['git/refs', { ref: 'refs/heads/y' }, "must have required property 'sha'"],
      ['pulls/1', { state: 'merged' }, '/state must be equal to one of the allowed values', 'PATCH'],
    ];
    for (const [route, body, message, method] of cases) {
      const res = await post(route, body, method);
      expect(res.status, route).toBe(422);
      const json = (await res.json()) as { message: string };
      expect(json.message, route).toMatch(/^Invalid request\.\n\n/);
      expect(json.message, route).toContain(message);
    }
    expect(fake.violations.slice(before)).toHaveLength(cases.length);
    fake.violations.splice(before);
    // Validation runs against the schema, not a hand-written list: a valid body of each passes it.
    expect(v.validateRequest('pulls/create', { title: 't', head: 'x', base: 'main' })).toEqual([]);
    expect(v.validateRequest('issues/create-comment', { body: 'hi' })).toEqual([]);
  });

  it('routes Octokit’s percent-encoded refs and paths', async () => {
    expect(await gh.getBranchSha(r(), 'main')).toBe(await fake.refSha('heads/main'));
    expect(await gh.getFileText(r(), 'main', 'a/b.txt')).toBe('one\n');
    expect(fake.requests.some((q) => q.path.includes('heads%2Fmain'))).toBe(true);
  });

  it('sees branches pushed with plain git, and git sees branches made through the API', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-clone-'));
    await gitOk(work, ['clone', '-q', fake.bareRepo, '.']);
    fs.writeFileSync(path.join(work, 'a/b.txt'), 'two\n');
    await gitOk(work, ['commit', '-qam', 'two']);
    await gitOk(work, ['push', '-q', 'origin', 'HEAD:refs/heads/pushed']);
    const pushed = await gh.getBranchSha(r(), 'pushed');
    expect(pushed).toBe(await gitOk(work, ['rev-parse', 'HEAD']));
    expect(await gh.getFileText(r(), 'pushed', 'a/b.txt')).toBe('two\n');

    const main = (await gh.getBranchSha(r(), 'main'))!;
    expect(await gh.createBranch(r(), 'via-api', main)).toBe('created');
    await gitOk(work, ['fetch', '-q', 'origin']);
    expect(await gitOk(work, ['rev-parse', 'origin/via-api'])).toBe(main);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('returns GitHub’s 422s: existing ref, non-fast-forward, missing object, duplicate PR, no commits', async () => {
    const main = (await gh.getBranchSha(r(), 'main'))!;
    const pushed = (await gh.getBranchSha(r(), 'pushed'))!;
    expect(await gh.createBranch(r(), 'via-api', main)).toBe('exists');
    const nff = await gh.updateBranch(r(), 'pushed', main, false).catch((e: unknown) => e);
    expect(nff).toBeInstanceOf(GitHubApiError);
    expect((nff as GitHubApiError).message).toContain('422 Update is not a fast forward');
    const missing = await gh.updateBranch(r(), 'pushed', 'f'.repeat(40), true).catch((e: unknown) => e);
    expect((missing as GitHubApiError).githubMessage).toBe('Object does not exist');
    await gh.createPull(r(), { title: 'T', body: 'B', head: 'pushed', base: 'main' });
    const dup = await gh.createPull(r(), { title: 'T', body: 'B', head: 'pushed', base: 'main' }).catch((e: unknown) => e);
    expect((dup as GitHubApiError).githubMessage).toBe(`Validation Failed: A pull request already exists for ${fake.owner}:pushed.`);
    const none = await gh.createPull(r(), { title: 'T', body: 'B', head: 'via-api', base: 'main' }).catch((e: unknown) => e);
    expect((none as GitHubApiError).githubMessage).toContain('No commits between main and via-api');
    expect(pushed).toMatch(/^[0-9a-f]{40}$/);
    expect(fake.violations).toEqual([]);
  });

  it('paginates pull lists with Link headers, filtered by state, head and base', async () => {
    for (let i = 0; i < 5; i++) {
      await fake.commitAs(`many/${i}`, { [`f${i}.txt`]: `${i}\n` }, { name: 'Dev', email: 'dev@example.com' });
      await gh.createPull(r(), { title: `PR ${i}`, body: '', head: `many/${i}`, base: 'main' });
    }
    fake.closePull(2);
    const all = await gh.octokit.paginate(gh.octokit.rest.pulls.list, { ...r(), state: 'all', per_page: 2 });
    expect(all.map((p) => p.number)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(fake.requests.filter((q) => q.operationId === 'pulls/list' && q.path.includes('per_page=2'))).toHaveLength(3);
    const open = await gh.listPulls(r(), { state: 'open' });
    expect(open.map((p) => p.number)).toEqual([6, 5, 4, 3, 1]);
    const one = await gh.listPulls(r(), { state: 'all', head: 'many/3', base: 'main' });
    expect(one.map((p) => p.title)).toEqual(['PR 3']);
    expect(fake.violations).toEqual([]);
  });

  it('injects 502s on the Nth call and rate limits with the headers GitHub sends', async () => {
    fake.injectFault({ operationId: 'repos/get', kind: 'server-error', nth: 2 });
    await gh.getRepo(r());
    const failed = await gh.getRepo(r()).catch((e: unknown) => e);
    expect((failed as GitHubApiError).status).toBe(502);
    await gh.getRepo(r());
    fake.injectFault({ operationId: 'repos/get', kind: 'primary-rate-limit' });
    const res = await fetch(`${fake.url}/repos/${fake.owner}/${fake.repo}`, { headers: { authorization: `token ${fake.token}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    const anonymous = await fetch(`${fake.url}/repos/${fake.owner}/${fake.repo}`);
    expect(anonymous.status).toBe(401);
    expect(fake.violations).toEqual([]);
  });

  it('serves blobs, trees, matching refs and the comment calls, all schema-valid', async () => {
    const o = gh.octokit;
    const blob = await o.rest.git.createBlob({ ...r(), content: Buffer.from('hello\n').toString('base64'), encoding: 'base64' });
    const main = (await gh.getBranchSha(r(), 'main'))!;
    const base = await gh.getCommit(r(), main);
    const tree = await o.rest.git.createTree({
      ...r(),
      base_tree: base.treeSha,
      tree: [{ path: 'docs/hello.txt', mode: '100644', type: 'blob', sha: blob.data.sha }],
    });
    const top = await o.rest.git.getTree({ ...r(), tree_sha: tree.data.sha });
    expect(top.data.tree.map((e) => e.path)).toEqual(expect.arrayContaining(['a', 'docs']));
    expect(await fake.readFile(tree.data.sha, 'docs/hello.txt')).toBe('hello\n');
    const refs = await o.rest.git.listMatchingRefs({ ...r(), ref: 'heads/many/' });
    expect(refs.data.map((x) => x.ref)).toEqual([
      'refs/heads/many/0',
      'refs/heads/many/1',
      'refs/heads/many/2',
      'refs/heads/many/3',
      'refs/heads/many/4',
    ]);
    const created = await gh.createComment(r(), 1, 'first');
    await o.rest.issues.updateComment({ ...r(), comment_id: created.id, body: 'edited' });
    expect((await gh.listComments(r(), 1)).map((c) => c.body)).toEqual(['edited']);
    await o.rest.issues.deleteComment({ ...r(), comment_id: created.id });
    expect(await gh.listComments(r(), 1)).toEqual([]);
    await gh.deleteBranch(r(), 'via-api');
    expect(await gh.getBranchSha(r(), 'via-api')).toBeNull();
    expect(fake.violations).toEqual([]);
  });

  it('never puts the token into an error, even when the user passes it where a name belongs', async () => {
    const err = await gh.getRepo({ owner: fake.owner, repo: fake.token }).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toContain('not found, or the token cannot see it');
    expect(err.message).not.toContain(fake.token);
  });
});
