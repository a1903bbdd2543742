import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubClient } from '../../src/gitops/github';
import { runPullRequests, STACKFIT_IDENTITY, type RunPullRequestsInput } from '../../src/gitops/run';
import type { Plan } from '../../src/model';
import { StackfitError } from '../../src/model';
import { gitOk, type FakeGitHub } from '../support/fake-github';
import { clientFor, demoPrInput, planOf, PROD_CONFIG_FILE, PROD_CONFIG_TEXT, PROJECT_NAME, resize, startFake, testConfig } from './helpers';

/** Changed lines between two revisions of the bare repository (`-old` / `+new`, no headers). */
async function changedLines(fake: FakeGitHub, from: string, to: string): Promise<string[]> {
  const diff = await gitOk(fake.bareRepo, ['diff', '-U0', from, to]);
  return diff.split('\n').filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
}

describe('PR lifecycle against the fake GitHub', () => {
  let fake: FakeGitHub;
  const lines: string[] = [];
  beforeEach(async () => {
    fake = await startFake();
    lines.length = 0;
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    // The token never reaches the log.
    expect(lines.join('\n')).not.toContain(fake.token);
    await fake.close();
  });

  const run = (plan: Plan, extra: Partial<RunPullRequestsInput> = {}) =>
    runPullRequests(demoPrInput(fake, plan, { github: clientFor(fake, (l) => lines.push(l)), log: (l) => lines.push(l), ...extra }));

  it('opens one PR whose commit changes exactly the recommended lines, by stackfit, on top of main', async () => {
    const result = await run(planOf([resize('web', 'm5.xlarge'), resize('api', 'n2-standard-4')]));
    expect(result.groups).toHaveLength(1);
    const g = result.groups[0]!;
    expect(g).toMatchObject({ action: 'created', number: 1, branch: 'stackfit/prod', edits: 2 });
    expect(await fake.branches()).toEqual(['main', 'stackfit/prod']);
    expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual([
      '-      size: m5.2xlarge',
      '+      size: m5.xlarge',
      '-      size: n2-standard-8',
      '+      size: n2-standard-4',
    ]);
    const head = await fake.commit((await fake.refSha('heads/stackfit/prod'))!);
    expect(head!.author.email).toBe(STACKFIT_IDENTITY.email);
    expect(head!.parents).toEqual([(await fake.refSha('heads/main'))!]);
    const pr = fake.pulls.get(1)!;
    expect(pr.labels).toEqual(['stackfit', 'cost']);
    expect(pr.title).toMatch(/^stackfit\(prod\): right-size 2 workloads, save \$/);
    expect(pr.body).toContain('<!-- stackfit:fingerprint=');
    expect(pr.body).not.toContain(fake.token);
    // Writes for a new PR: tree, commit, ref, pull, labels.
    expect(fake.writes().map((r) => r.operationId)).toEqual([
      'git/create-tree',
      'git/create-commit',
      'git/create-ref',
      'pulls/create',
      'issues/add-labels',
    ]);
    expect(g.writeCalls).toBe(5);
    expect(result.apiCalls).toBe(fake.requests.length);
  });

  it('makes zero API writes when run again with the same plan', async () => {
    const plan = planOf([resize('web', 'm5.xlarge')]);
    await run(plan);
    const mark = fake.requests.length;
    const again = await run(plan);
    expect(again.groups[0]).toMatchObject({ action: 'unchanged', number: 1, writeCalls: 0 });
    expect(fake.writes(mark)).toEqual([]);
    expect(fake.pulls.size).toBe(1);
  });

  it('regenerates the same branch and PR when the recommendation changes', async () => {
    await run(planOf([resize('web', 'm5.xlarge')]));
    const firstHead = await fake.refSha('heads/stackfit/prod');
    // main moves on meanwhile: the regenerated commit sits on the new main.
    await fake.commitAs('main', { 'README.md': '# infra, updated\n' }, { name: 'Dev', email: 'dev@example.com' });
    const mark = fake.requests.length;
    const result = await run(planOf([resize('web', 'm5.large'), resize('cache', 'r5.xlarge')]));
    expect(result.groups[0]).toMatchObject({ action: 'updated', number: 1 });
    expect(fake.pulls.size).toBe(1);
    const head = await fake.commit((await fake.refSha('heads/stackfit/prod'))!);
    expect(head!.sha).not.toBe(firstHead);
    expect(head!.parents).toEqual([(await fake.refSha('heads/main'))!]);
    expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual([
      '-      size: m5.2xlarge',
      '+      size: m5.large',
      '-      size: r5.2xlarge',
      '+      size: r5.xlarge',
    ]);
    expect(fake.pulls.get(1)!.title).toContain('right-size 2 workloads');
    expect(fake.writes(mark).map((r) => r.operationId)).toEqual(['git/create-tree', 'git/create-commit', 'git/update-ref', 'pulls/update']);
  });

  it('does not reopen a PR closed for the same recommendation, and says so when a different one opens', async () => {
    const plan = planOf([resize('web', 'm5.xlarge')]);
    await run(plan);
    fake.closePull(1);
    const mark = fake.requests.length;
    const again = await run(plan);
    expect(again.groups[0]).toMatchObject({ action: 'skipped-closed', number: 1 });
    expect(fake.writes(mark)).toEqual([]);
    expect(fake.pulls.get(1)!.state).toBe('closed');

    const different = await run(planOf([resize('web', 'm5.large')]));
    expect(different.groups[0]).toMatchObject({ action: 'created', number: 2 });
    expect(fake.pulls.get(2)!.body).toContain('earlier PR #1');
    expect(fake.pulls.get(1)!.state).toBe('closed');
    expect(await changedLines(fake, 'main', 'stackfit/prod')).toEqual(['-      size: m5.2xlarge', '+      size: m5.large']);
  });

  it('stops updating a branch once a person commits to it, says so once, then stays quiet', async () => {
    await run(planOf([resize('web', 'm5.xlarge')]));
    const edited = PROD_CONFIG_TEXT.replace('size: m5.2xlarge', 'size: m5.xlarge # keep some room');
    const human = await fake.commitAs(
      'stackfit/prod',
      { [PROD_CONFIG_FILE]: edited },
      { name: 'Ana Ops', email: 'ana@example.com' },
      'Tweak',
    );
    const result = await run(planOf([resize('web', 'm5.large')]));
    expect(result.groups[0]).toMatchObject({ action: 'skipped-human-commits', number: 1 });
    expect(result.groups[0]!.message).toContain('Ana Ops');
    expect(await fake.refSha('heads/stackfit/prod')).toBe(human);
    const comments = [...fake.comments.values()].filter((c) => c.issue === 1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('no longer update this PR');

    const mark = fake.requests.length;
    const quiet = await run(planOf([resize('web', 'm5.large')]));
    expect(quiet.groups[0]!.action).toBe('skipped-human-commits');
    expect(fake.writes(mark)).toEqual([]);
  });

  it('treats an amended commit (stackfit identity, different tree) as a person’s', async () => {
    await run(planOf([resize('web', 'm5.xlarge')]));
    const amended = PROD_CONFIG_TEXT.replace('size: m5.2xlarge', 'size: m5.4xlarge');
    await fake.commitAs(
      'stackfit/prod',
      { [PROD_CONFIG_FILE]: amended },
      STACKFIT_IDENTITY,
      'stackfit(prod): right-size\n\nStackfit-Tree: 0000000000000000000000000000000000000000',
    );
    const result = await run(planOf([resize('web', 'm5.large')]));
    expect(result.groups[0]!.action).toBe('skipped-human-commits');
  });

  it('refuses to take over an existing branch with foreign commits, with a clear message', async () => {
    await fake.commitAs('stackfit/prod', { 'notes.txt': 'mine\n' }, { name: 'Bo', email: 'bo@example.com' });
    const before = await fake.refSha('heads/stackfit/prod');
    const result = await run(planOf([resize('web', 'm5.xlarge')]));
    expect(result.groups[0]!.action).toBe('skipped-human-commits');
    expect(result.groups[0]!.message).toMatch(
      /branch stackfit\/prod already exists with a commit stackfit did not write .*Bo <bo@example.com>.*delete or rename/,
    );
    expect(await fake.refSha('heads/stackfit/prod')).toBe(before);
    expect(fake.pulls.size).toBe(0);
  });

  it('honours pr.maxNewPerRun and pr.maxOpen with one PR per workload', async () => {
    const plan = planOf([resize('web', 'm5.xlarge'), resize('api', 'n2-standard-4'), resize('cache', 'r5.xlarge')]);
    const first = await run(plan, { config: testConfig({ groupBy: 'workload', maxNewPerRun: 2 }) });
    expect(first.groups.map((g) => [g.branch, g.action])).toEqual([
      ['stackfit/prod/web', 'created'],
      ['stackfit/prod/api', 'created'],
      ['stackfit/prod/cache', 'skipped-limit'],
    ]);
    const second = await run(plan, { config: testConfig({ groupBy: 'workload', maxNewPerRun: 2, maxOpen: 2 }) });
    expect(second.groups.map((g) => g.action)).toEqual(['unchanged', 'unchanged', 'skipped-limit']);
    expect(second.groups[2]!.message).toContain('pr.maxOpen (2)');
    const third = await run(plan, { config: testConfig({ groupBy: 'workload', maxNewPerRun: 2, maxOpen: 3 }) });
    expect(third.groups.map((g) => g.action)).toEqual(['unchanged', 'unchanged', 'created']);
    expect(fake.pulls.size).toBe(3);
  });

  it('retries through a secondary rate limit and a primary one, then succeeds', async () => {
    fake.injectFault({ operationId: 'pulls/create', kind: 'secondary-rate-limit' });
    fake.injectFault({ operationId: 'git/get-ref', kind: 'primary-rate-limit' });
    const result = await run(planOf([resize('web', 'm5.xlarge')]));
    expect(result.groups[0]).toMatchObject({ action: 'created', number: 1 });
    expect(
      fake.requests
        .filter((r) => r.status === 403)
        .map((r) => r.operationId)
        .sort(),
    ).toEqual(['git/get-ref', 'pulls/create']);
    expect(lines.some((l) => /secondary rate limit/.test(l))).toBe(true);
    expect(fake.pulls.size).toBe(1);
  });

  it('retries a single 502 midway', async () => {
    fake.injectFault({ operationId: 'git/create-commit', kind: 'server-error' });
    const result = await run(planOf([resize('web', 'm5.xlarge')]));
    expect(result.groups[0]!.action).toBe('created');
    expect(fake.requests.filter((r) => r.status === 502)).toHaveLength(1);
  });

  it('abandons cleanly when PR creation keeps failing: no orphan branch, no PR; the next run succeeds', async () => {
    // 1 try + 3 retries, all 502.
    fake.injectFault({ operationId: 'pulls/create', kind: 'server-error', times: 4 });
    const error = await run(planOf([resize('web', 'm5.xlarge')])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackfitError);
    expect((error as Error).message).toMatch(/could not open the pull request for stackfit\/prod: .*502.*removed branch stackfit\/prod/);
    expect((error as Error).message).not.toContain(fake.token);
    expect(await fake.branches()).toEqual(['main']);
    expect(fake.pulls.size).toBe(0);
    expect(fake.requests.filter((r) => r.operationId === 'pulls/create' && r.status === 502)).toHaveLength(4);
    const next = await run(planOf([resize('web', 'm5.xlarge')]));
    expect(next.groups[0]).toMatchObject({ action: 'created', number: 1 });
  });

  it('resumes a branch left by a run that died before opening its PR', async () => {
    // A run that wrote the branch and died (even the clean-up failed): simulate with a 502 on delete too.
    fake.injectFault({ operationId: 'pulls/create', kind: 'server-error', times: 4 });
    fake.injectFault({ operationId: 'git/delete-ref', kind: 'server-error', times: 4 });
    const error = await run(planOf([resize('web', 'm5.xlarge')])).catch((e: unknown) => e);
    expect((error as Error).message).toContain('the next run resumes it');
    expect(await fake.branches()).toEqual(['main', 'stackfit/prod']);
    const result = await run(planOf([resize('web', 'm5.xlarge')]));
    expect(result.groups[0]).toMatchObject({ action: 'created', number: 1 });
    expect(fake.pulls.size).toBe(1);
  });

  it('dry run: unified diff, title and body, and zero API calls', async () => {
    const result = await run(planOf([resize('web', 'm5.xlarge')]), { dryRun: true });
    expect(fake.requests).toEqual([]);
    const g = result.groups[0]!;
    expect(g.action).toBe('dry-run');
    expect(g.diff).toContain(`--- a/${PROD_CONFIG_FILE}`);
    expect(g.diff).toContain('-      size: m5.2xlarge\n+      size: m5.xlarge');
    expect(lines.join('\n')).toContain(g.title);
  });
});

describe('clear errors', () => {
  let fake: FakeGitHub;
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  const attempt = async (github: ReturnType<typeof clientFor>, repo = { owner: fake.owner, repo: fake.repo }) =>
    runPullRequests({
      plan: planOf([resize('web', 'm5.xlarge')]),
      stack: 'prod',
      configFile: PROD_CONFIG_FILE,
      configText: PROD_CONFIG_TEXT,
      projectName: PROJECT_NAME,
      config: testConfig(),
      repo,
      github,
      mode: 'api',
    }).then(
      () => new Error('expected the run to fail'),
      (e: unknown) => e as Error,
    );

  it('a wrong token: 401, named, token not echoed', async () => {
    fake = await startFake();
    const wrong = 'ghp_wrongwrongwrongwrong1234567890';
    const err = await attempt(new GitHubClient({ token: wrong, baseUrl: fake.url, retryBaseMs: 1, writeIntervalMs: 0 }));
    expect(err).toBeInstanceOf(StackfitError);
    expect(err.message).toMatch(/GitHub rejected the token \(401 Bad credentials\)/);
    expect(err.message).not.toContain(wrong);
    expect(fake.requests.every((r) => r.authorization === `token ${wrong}`)).toBe(true);
  });

  it('no token at all', async () => {
    fake = await startFake();
    expect(() => new GitHubClient({ baseUrl: fake.url, env: {} })).toThrow(/no GitHub token: set GITHUB_TOKEN/);
  });

  it('an unknown repository: 404 named', async () => {
    fake = await startFake();
    const err = await attempt(clientFor(fake), { owner: 'acme', repo: 'nope' });
    expect(err).toBeInstanceOf(StackfitError);
    expect(err.message).toMatch(/repository acme\/nope not found, or the token cannot see it/);
  });

  it('a token without write access: 403 names the permissions, and nothing is left behind', async () => {
    fake = await startFake({ readOnlyToken: true });
    const err = await attempt(clientFor(fake));
    expect(err).toBeInstanceOf(StackfitError);
    expect(err.message).toMatch(/403 Resource not accessible by integration.*contents: write.*pull-requests: write/);
    expect(await fake.branches()).toEqual(['main']);
  });
});
